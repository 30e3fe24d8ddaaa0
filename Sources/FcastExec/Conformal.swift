import FcastCore
import FcastPlan
import FcastPlugins

/// Split-conformal prediction intervals from cross-validation errors, per series, model and
/// horizon step (as statsforecast's ConformalIntervals: at least 2 windows).
///
/// For step t the absolute errors |y - yhat| of the CV windows are the calibration scores;
/// the interval at level L is yhat +- their ceil((n + 1) L)-th smallest value, the
/// finite-sample conformal rank (Vovk et al. 2005; Angelopoulos and Bates 2021), which covers
/// at least L when errors are exchangeable. With few windows that rank is beyond the n
/// errors of one step (4 windows allow at most 80%: ceil(5 * 0.95) = 5 > 4): the errors of
/// the neighbouring steps (t - 1 and t + 1, then t - 2 and t + 2, ...) are pooled with the
/// step's own until the rank exists.
public enum Conformal {
    /// The rank ceil((n + 1) level) among n scores (1-based); above n when n is too small.
    public static func rank(count n: Int, level: Double) -> Int {
        Int(((Double(n) + 1) * level / 100 - 1e-9).rounded(.up))
    }

    /// The radius at step `t` from per-step scores, pooling neighbouring steps while the rank
    /// is beyond the pool; also the number of steps pooled.
    public static func radius(scores: [[Double]], step t: Int, level: Double) -> (radius: Double, steps: Int) {
        var pool = scores[t]
        var lo = t, hi = t
        while rank(count: pool.count, level: level) > pool.count && (lo > 0 || hi < scores.count - 1) {
            if hi < scores.count - 1 { hi += 1; pool += scores[hi] }
            if rank(count: pool.count, level: level) > pool.count && lo > 0 { lo -= 1; pool += scores[lo] }
        }
        guard !pool.isEmpty else { return (.nan, 0) }
        pool.sort()
        let k = min(rank(count: pool.count, level: level), pool.count)
        return (pool[k - 1], hi - lo + 1)
    }

    /// What calibration did: tasks calibrated, tasks left without intervals (fewer than two
    /// windows), and the most steps any radius pooled.
    public struct Report: Sendable {
        public var calibrated = 0
        public var uncalibrated: [(model: String, series: String, windows: Int)] = []
        public var maxPooledSteps = 1
        public var windows = 0
    }

    public enum CalibrationError: Error, CustomStringConvertible {
        case mismatch(String)
        public var description: String { if case .mismatch(let m) = self { m } else { "" } }
    }

    /// The run with its intervals replaced by conformal ones from `cv`'s errors (the same
    /// models by name, the same series by id, a CV horizon at least the run's). A task with
    /// fewer than two successful windows gets no interval (NaN) and is listed in the report.
    public static func calibrate(_ res: RunResult, with cv: CVResult, only: Set<String>? = nil) throws -> (RunResult, Report) {
        guard !res.levels.isEmpty else {
            throw CalibrationError.mismatch("the run has no interval levels: give level: [80, 95] to run()")
        }
        guard cv.horizon >= res.horizon else {
            throw CalibrationError.mismatch("the cross-validation's horizon (\(cv.horizon)) is shorter than the run's (\(res.horizon))")
        }
        guard cv.windowCount >= 2 else {
            throw CalibrationError.mismatch("conformal intervals need at least 2 cross-validation windows, the cross-validation has \(cv.windowCount)")
        }
        let cvModel = Dictionary(cv.run.models.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out = res
        var report = Report()
        report.windows = cv.windowCount
        let h = res.horizon, nLevels = res.levels.count
        for (m, model) in res.models.enumerated() where only?.contains(model.name) ?? true {
            for s in 0..<res.seriesCount {
                let k = res.task(model: m, series: s)
                guard case .ok = res.outcomes[k] else { continue }
                guard let mc = cvModel[model.name] else {
                    throw CalibrationError.mismatch("the cross-validation has no model '\(model.name)' (it has \(cv.run.models.map(\.name).joined(separator: ", ")))")
                }
                guard let sc = cv.data.index(of: res.train.ids[s]) else {
                    throw CalibrationError.mismatch("the cross-validation has no series '\(res.train.ids[s])'")
                }
                var scores = [[Double]](repeating: [], count: h)
                var windows = 0
                for w in 0..<cv.windowCount where cv.isOK(model: mc, series: sc, window: w) {
                    windows += 1
                    let a = cv.actual(series: sc, window: w), f = cv.run.meanSlice(model: mc, series: sc, window: w)
                    for t in 0..<h {
                        let e = abs(a[a.startIndex + t] - f[f.startIndex + t])
                        if !e.isNaN { scores[t].append(e) }
                    }
                }
                let mean = res.meanSlice(model: m, series: s)
                for l in 0..<nLevels {
                    let base = (k * nLevels + l) * h
                    for t in 0..<h {
                        var r = Double.nan
                        if windows >= 2 {
                            let (radius, steps) = radius(scores: scores, step: t, level: res.levels[l])
                            r = radius
                            report.maxPooledSteps = max(report.maxPooledSteps, steps)
                        }
                        out.lo[base + t] = mean[mean.startIndex + t] - r
                        out.hi[base + t] = mean[mean.startIndex + t] + r
                    }
                }
                if windows >= 2 {
                    report.calibrated += 1
                } else {
                    report.uncalibrated.append((model.name, res.train.ids[s], windows))
                }
            }
        }
        out.intervals = only == nil ? "conformal (\(cv.windowCount) windows)"
            : "model; conformal (\(cv.windowCount) windows) for \(res.models.filter { only!.contains($0.name) }.map(\.name).joined(separator: ", "))"
        return (out, report)
    }
}
