import FcastCore
import FcastPlan
import FcastPlugins

/// Split-conformal prediction intervals from cross-validation errors, per model and horizon
/// step.
///
/// The interval at level L is yhat +- the ceil((n + 1) L)-th smallest of n nonconformity
/// scores, the finite-sample split-conformal rank (Vovk et al. 2005; Angelopoulos and Bates
/// 2021, section 1.1), which covers at least L when the scores and the new error are
/// exchangeable. Three ways to gather the scores of step t:
///
/// - `pooled`: the errors of every series' CV windows at step t, each divided
///   by the in-sample scale of its window's training part (the seasonal naive MAE, as MASE
///   scales), pooled over all series the model ran on; the radius of a series is the pooled
///   quantile times the series' own scale. This is normalized split conformal (Papadopoulos
///   et al. 2008; Lei et al. 2018, section 5.2) with the scale as the difficulty estimate:
///   every step has series x windows scores (hundreds) instead of a handful, and a model's
///   scores do not come only from the series that chose it on those very windows (a winner's
///   CV errors are biased low: the choice selected them). A series without a scale (constant
///   history) falls back to its own errors.
/// - `recent` (the default, ConformalProfile.swift): as `profile`, each window's errors first
///   multiplied by D(newest) / D(w), D(w) the model's mean scaled error in window w over every
///   series and step: errors measured in a hard window (a recession) or an easy one count at
///   the difficulty of the newest window, the best guess for the next.
/// - `profile` (ConformalProfile.swift): a series' own errors at step t where
///   they give the level's rank, else its errors of every step scaled by the model's error
///   profile over the horizon.
/// - `series`: the absolute errors of the series' own windows (statsforecast's
///   ConformalIntervals; at least 2 windows). With 4 windows the 80% rank is the largest of
///   4 errors and 95% has no rank.
///
/// Where a step has too few scores for the rank (ceil((n + 1) L) > n) (`series`, `pooled`, or
/// `profile` without a profile), the scores of the
/// neighbouring steps (t - 1 and t + 1, then t - 2 and t + 2, ...) are pooled with its own
/// until the rank exists. Radii are quantiles of one pool per step, so a higher level's
/// interval contains a lower one's and widths are never negative.
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

    /// Where the scores of a step come from (see the type's documentation).
    public enum Scores: String, Sendable, CaseIterable {
        case recent, profile, series, pooled
    }

    /// What calibration did: tasks calibrated, tasks left without intervals, the most steps
    /// any radius pooled, and (pooled scores) the fewest scores behind a step's radius.
    public struct Report: Sendable {
        public var calibrated = 0
        public var uncalibrated: [(model: String, series: String, windows: Int)] = []
        public var maxPooledSteps = 1
        public var windows = 0
        public var scores: Scores = .series
        public var fewestScores: Int? = nil
        /// Tasks calibrated on their own errors because their series has no scale.
        public var ownErrors = 0
        /// Tasks (`profile` or `recent` scores) with a level whose radius came from the profile pool.
        public var profiled = 0
        /// Models (`recent` scores) whose windows' error levels could not be measured (a window
        /// without any scaled error): their tasks were calibrated as with `profile`.
        public var unlevelled: [String] = []
    }

    public enum CalibrationError: Error, CustomStringConvertible {
        case mismatch(String)
        public var description: String { if case .mismatch(let m) = self { m } else { "" } }
    }

    /// The scale that divides a series' errors in pooled scores: the in-sample MAE of the
    /// seasonal naive forecast (lag 1 where that is 0), nil for a constant history.
    /// Calls `body(t, e)` with every finite scale-free error of model `mc` in `cv`: e =
    /// |actual - forecast| at step t divided by the window's in-sample scale (`scale`), over
    /// the series and windows whose task ran.
    static func forEachScaledError(_ cv: CVResult, model mc: Int, horizon h: Int, season: Int,
                                   _ body: (_ step: Int, _ window: Int, _ error: Double) -> Void) {
        for s in 0..<cv.data.count {
            for w in 0..<cv.windowCount where cv.isOK(model: mc, series: s, window: w) {
                guard let unit = scale(cv.train(series: s, window: w), season: season) else { continue }
                let a = cv.actual(series: s, window: w), f = cv.run.meanSlice(model: mc, series: s, window: w)
                for t in 0..<h {
                    let e = abs(a[a.startIndex + t] - f[f.startIndex + t]) / unit
                    if e.isFinite { body(t, w, e) }
                }
            }
        }
    }

    static func scale(_ insample: ArraySlice<Double>, season: Int) -> Double? {
        guard let s = Metrics.naiveScale(insample: insample, season: season), s.isFinite, s > 0 else { return nil }
        return s
    }

    /// The run with its intervals replaced by conformal ones from `cv`'s errors (the same
    /// models by name, the same series by id, a CV horizon at least the run's). With
    /// `series` scores a task with fewer than two successful windows gets no interval (NaN);
    /// with `pooled` scores a task gets none when its model has no scored window at all.
    /// Those are listed in the report. `season` sets the scale's lag (default: the data's).
    public static func calibrate(_ res: RunResult, with cv: CVResult, only: Set<String>? = nil, scores method: Scores = .recent,
                                 season: Int? = nil) throws -> (RunResult, Report) {
        guard !res.levels.isEmpty else {
            throw CalibrationError.mismatch("the run has no interval levels: give level: [80, 95] to run()")
        }
        guard cv.horizon >= res.horizon else {
            throw CalibrationError.mismatch("the cross-validation's horizon (\(cv.horizon)) is shorter than the run's (\(res.horizon))")
        }
        guard cv.windowCount >= 2 || method == .pooled else {
            throw CalibrationError.mismatch("conformal intervals from each series' own errors need at least 2 cross-validation windows, the cross-validation has \(cv.windowCount)")
        }
        let season = season ?? res.train.frequency.defaultSeason
        let cvModel = Dictionary(cv.run.models.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out = res
        var report = Report()
        report.windows = cv.windowCount
        report.scores = method
        let h = res.horizon, nLevels = res.levels.count

        /// One series' own absolute errors per step, each window's multiplied by `factors[w]`
        /// when given, and its successful windows.
        func ownScores(model mc: Int, series sc: Int, factors: [Double]? = nil) -> (scores: [[Double]], windows: Int) {
            var scores = [[Double]](repeating: [], count: h)
            var windows = 0
            for w in 0..<cv.windowCount where cv.isOK(model: mc, series: sc, window: w) {
                windows += 1
                let a = cv.actual(series: sc, window: w), f = cv.run.meanSlice(model: mc, series: sc, window: w)
                for t in 0..<h {
                    let e = abs(a[a.startIndex + t] - f[f.startIndex + t]) * (factors?[w] ?? 1)
                    if !e.isNaN { scores[t].append(e) }
                }
            }
            return (scores, windows)
        }
        var levelFactors: [Int: [Double]?] = [:]
        func recentFactors(model mc: Int) -> [Double]? {
            if let f = levelFactors[mc] { return f }
            let f = windowFactors(cv, model: mc, horizon: h, season: season)
            if f == nil { report.unlevelled.append(cv.run.models[mc].name) }
            levelFactors[mc] = f
            return f
        }
        // Pooled radii per CV model: [level][step] in units of a series' scale.
        var pooledRadii: [Int: [[Double]]] = [:]
        var profiles: [Int: [Double]?] = [:]
        func profile(model mc: Int) -> [Double]? {
            if let g = profiles[mc] { return g }
            let g = stepProfile(cv, model: mc, horizon: h, season: season)
            profiles[mc] = g
            return g
        }
        func pooled(model mc: Int) -> [[Double]] {
            if let r = pooledRadii[mc] { return r }
            var scores = [[Double]](repeating: [], count: h)
            forEachScaledError(cv, model: mc, horizon: h, season: season) { t, _, e in scores[t].append(e) }
            let fewest = scores.map(\.count).min() ?? 0
            let radii = res.levels.map { level in
                (0..<h).map { t -> Double in
                    guard fewest > 0 else { return .nan }
                    let (r, steps) = radius(scores: scores, step: t, level: level)
                    report.maxPooledSteps = max(report.maxPooledSteps, steps)
                    return r
                }
            }
            if fewest > 0 { report.fewestScores = min(report.fewestScores ?? fewest, fewest) }
            pooledRadii[mc] = radii
            return radii
        }

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
                var radii = [[Double]](repeating: [Double](repeating: .nan, count: h), count: nLevels)
                let own = ownScores(model: mc, series: sc, factors: method == .recent ? recentFactors(model: mc) : nil)
                if method == .pooled, let ownScale = scale(res.train.y[res.train.range(s)], season: season) {
                    radii = pooled(model: mc).map { $0.map { $0 * ownScale } }
                } else if (method == .profile || method == .recent) && own.windows >= 2 {
                    // recent: own.scores are already at the newest window's level
                    radii = profileRadii(own: own.scores, profile: profile(model: mc), levels: res.levels, report: &report)
                } else if own.windows >= 2 {
                    if method == .pooled { report.ownErrors += 1 }
                    for l in 0..<nLevels {
                        for t in 0..<h {
                            let (r, steps) = radius(scores: own.scores, step: t, level: res.levels[l])
                            radii[l][t] = r
                            report.maxPooledSteps = max(report.maxPooledSteps, steps)
                        }
                    }
                }
                let mean = res.meanSlice(model: m, series: s)
                for l in 0..<nLevels {
                    let base = (k * nLevels + l) * h
                    for t in 0..<h {
                        out.lo[base + t] = mean[mean.startIndex + t] - radii[l][t]
                        out.hi[base + t] = mean[mean.startIndex + t] + radii[l][t]
                    }
                }
                if radii.allSatisfy({ $0.allSatisfy { !$0.isNaN } }) {
                    report.calibrated += 1
                } else {
                    report.uncalibrated.append((model.name, res.train.ids[s], own.windows))
                }
            }
        }
        let what = "conformal (\(cv.windowCount) windows\(method == .pooled ? ", scaled errors pooled over series" : ""))"
        out.intervals = only == nil ? what
            : "model; \(what) for \(res.models.filter { only!.contains($0.name) }.map(\.name).joined(separator: ", "))"
        return (out, report)
    }
}
