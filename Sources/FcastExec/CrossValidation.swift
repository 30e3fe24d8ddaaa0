import FcastCore
import FcastPlan
import FcastPlugins
import Foundation

/// Rolling-origin cross-validation as statsforecast's `cross_validation` defines it: `windows`
/// test windows of `horizon` points, the last one ending at each series' last point, each
/// earlier one `step` points before the next. Window w (0 = oldest) trains on all but the
/// last `horizon + (windows - 1 - w) * step` points and tests the `horizon` points after its
/// cutoff. Every window is a window of the plan (tasks series x model x window), so the
/// windows run in parallel on any executor.
public enum CrossValidation {
    /// When the models are fitted, as statsforecast's `refit`: at every window (`true`, the
    /// default), at the first only (`false`: later windows forecast from the first window's
    /// fit, forwarded over their newer data), or at every k-th (windows 1, k + 1, 2k + 1, ...
    /// counting from the oldest; the others forward the last fit before them).
    public enum Refit: Sendable, Equatable, CustomStringConvertible {
        case always, never, every(Int)

        /// Whether window w (0 = oldest) is fitted on its own data.
        public func fits(window w: Int) -> Bool {
            switch self {
            case .always: true
            case .never: w == 0
            case .every(let k): k <= 1 || w % k == 0
            }
        }

        public var description: String {
            switch self {
            case .always: "true"
            case .never: "false"
            case .every(let k): k <= 1 ? "true" : String(k)
            }
        }
    }

    /// The plan's windows, oldest first: the points each window holds back, and for a
    /// window that is not fitted again (`refit`), the cutoff of the window whose fit it
    /// forwards.
    public static func windows(horizon: Int, count: Int, step: Int, refit: Refit = .always) -> [Window] {
        var fitCutoff = 0
        return (0..<count).map { w in
            let cutoff = horizon + (count - 1 - w) * step
            if refit.fits(window: w) {
                fitCutoff = cutoff
                return Window(cutoff: cutoff)
            }
            return Window(cutoff: cutoff, fitCutoff: fitCutoff)
        }
    }

    /// The refit rule of a plan's windows (`windows(...)` read back).
    public static func refit(of windows: [Window]) -> Refit {
        let fitted = windows.indices.filter { windows[$0].fitCutoff == nil }
        if fitted.count == windows.count { return .always }
        if fitted == [0] { return .never }
        let k = fitted.count > 1 ? fitted[1] - fitted[0] : windows.count
        return .every(k)
    }

    /// How many windows fit a series of `length` points (at least one training point each).
    public static func windowsThatFit(length: Int, horizon: Int, step: Int) -> Int {
        length <= horizon ? 0 : (length - 1 - horizon) / step + 1
    }

    /// Checks that every series has room for every window and is regular (no missing
    /// periods: windows count points, which must be the same dates in every window).
    public static func check(_ data: Panel, horizon: Int, windows: Int, step: Int) throws {
        guard horizon >= 1 else { throw FcastError("cv: the horizon must be at least 1, not \(horizon)") }
        guard windows >= 1 else { throw FcastError("cv: the number of windows must be at least 1, not \(windows)") }
        guard step >= 1 else { throw FcastError("cv: the step must be at least 1, not \(step)") }
        let need = horizon + (windows - 1) * step + 1
        var short: [Int] = []
        for s in 0..<data.count where data.length(s) < need { short.append(s) }
        if let first = short.first {
            let fits = windowsThatFit(length: data.length(first), horizon: horizon, step: step)
            var message = "series '\(data.ids[first])' has \(data.length(first)) points: \(windows) window\(windows == 1 ? "" : "s") of horizon \(horizon) and step \(step) need at least \(need) (\(need - 1) held out, 1 to train); \(fits == 0 ? "no window fits" : "\(fits) window\(fits == 1 ? "" : "s") fit\(fits == 1 ? "s" : "")")"
            if short.count > 1 {
                let min = short.map { data.length($0) }.min()!
                let fitAll = windowsThatFit(length: min, horizon: horizon, step: step)
                message += "; \(short.count - 1) more series are too short (the shortest has \(min) points: \(fitAll) window\(fitAll == 1 ? "" : "s") fit every series)"
            }
            throw FcastError(message)
        }
        for s in 0..<data.count where data.length(s) > 1 {
            let r = data.range(s)
            guard let span = data.frequency.periods(from: data.ds[r.lowerBound], to: data.ds[r.upperBound - 1]),
                  span == r.count - 1 else {
                let missing = data.frequency.periods(from: data.ds[r.lowerBound], to: data.ds[r.upperBound - 1]).map { "\($0 + 1 - r.count) missing periods" } ?? "timestamps off the \(data.frequency) grid"
                throw FcastError("series '\(data.ids[s])' is irregular (\(missing)): cross-validation windows count points, so they would not test the same dates; fill the gaps first")
            }
        }
    }

    /// Runs the cross-validation of `models` on `data`: the plan with the CV windows, on the
    /// executor given. Levels give each window's model-based intervals (for coverage and the
    /// Winkler score).
    ///
    /// With `refit` other than `.always`, windows that are not fitted again forward the fit
    /// of the last fitted window before them (`Window.fitCutoff`): every model must be able
    /// to (`RefitUnsupported` names those that cannot).
    public static func job(_ models: [ModelSpec], on data: Panel, dataName: String = "", horizon: Int, windows: Int,
                           step: Int? = nil, refit: Refit = .always, levels: [Double] = [], seed: UInt64 = 1) throws -> Job {
        let step = step ?? horizon
        try check(data, horizon: horizon, windows: windows, step: step)
        let plan = Runner.plan(models, on: data, dataName: dataName,
                               options: RunOptions(horizon: horizon, levels: levels, seed: seed),
                               windows: self.windows(horizon: horizon, count: windows, step: step, refit: refit))
        let job = Job(plan: plan, models: models, data: data, keep: .none)
        if plan.windows.contains(where: { $0.fitCutoff != nil }) {
            let cannot = job.modelsWithoutForward
            if !cannot.isEmpty { throw RefitUnsupported(refit: refit, models: cannot) }
        }
        return job
    }
}

/// Cross-validation without refitting asked of models whose plugins cannot forecast from
/// new data with a model fitted before (no "fcast.forward.v1" extension for them).
public struct RefitUnsupported: Error, Sendable, CustomStringConvertible {
    public var refit: CrossValidation.Refit
    public var models: [String]
    public var description: String {
        let names = models.count == 1 ? models[0] : models.dropLast().joined(separator: ", ") + " and " + models.last!
        return "refit: \(refit) needs models that can forecast from new data without fitting again; \(names) cannot"
    }
}

/// The forecasts of a cross-validation: a run whose plan has one window per origin.
public struct CVResult: Sendable {
    public var run: RunResult
    public var step: Int
    /// With combinations: the run of the job's models (members included) the combinations
    /// were made from, for a later run's inverse-MSE weights.
    public var jobRun: RunResult? = nil

    public init(run: RunResult, step: Int) {
        self.run = run
        self.step = step
    }

    public var windowCount: Int { run.plan.windows.count }
    /// When the models were fitted (the plan's windows say it).
    public var refit: CrossValidation.Refit { CrossValidation.refit(of: run.plan.windows) }
    public var horizon: Int { run.horizon }
    public var data: Panel { run.train }

    /// The end (exclusive) of the training part of a series in a window.
    func trainEnd(series s: Int, window w: Int) -> Int { data.offsets[s + 1] - run.plan.windows[w].cutoff }

    /// The last training timestamp of a series in a window.
    public func cutoff(series s: Int, window w: Int) -> Int64 { data.ds[trainEnd(series: s, window: w) - 1] }

    /// The training values of a series in a window.
    public func train(series s: Int, window w: Int) -> ArraySlice<Double> {
        data.y[data.offsets[s]..<trainEnd(series: s, window: w)]
    }

    /// The held-out values of a series in a window: the `horizon` points after its cutoff.
    public func actual(series s: Int, window w: Int) -> ArraySlice<Double> {
        let end = trainEnd(series: s, window: w)
        return data.y[end..<(end + horizon)]
    }

    public func isOK(model m: Int, series s: Int, window w: Int) -> Bool {
        if case .ok = run.outcomes[run.task(model: m, series: s, window: w)] { true } else { false }
    }

    /// Failed tasks with their window.
    public var failures: [(window: Int, model: Int, series: Int, failure: TaskFailure)] {
        var out: [(Int, Int, Int, TaskFailure)] = []
        for (k, o) in run.outcomes.enumerated() {
            if case .failed(let f) = o {
                let t = run.plan.task(k)
                out.append((t.window, t.model, t.series, f))
            }
        }
        return out.sorted { ($0.0, $0.2, $0.1) < ($1.0, $1.2, $1.1) }
    }

    /// Absolute errors per horizon step, averaged over series and windows, per model: what
    /// the per-step error plot draws. Scaled by each series' in-sample seasonal naive MAE
    /// (a MASE per step), so series of different sizes weigh alike.
    public func scaledErrorsPerStep(season: Int) -> [[Double]] {
        run.models.indices.map { m in
            var sums = [Double](repeating: 0, count: horizon), counts = [Int](repeating: 0, count: horizon)
            for s in 0..<data.count {
                for w in 0..<windowCount where isOK(model: m, series: s, window: w) {
                    guard let scale = Metrics.naiveScale(insample: train(series: s, window: w), season: season) else { continue }
                    let a = actual(series: s, window: w), f = run.meanSlice(model: m, series: s, window: w)
                    for t in 0..<horizon where !a[a.startIndex + t].isNaN {
                        sums[t] += abs(a[a.startIndex + t] - f[f.startIndex + t]) / scale
                        counts[t] += 1
                    }
                }
            }
            return zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
        }
    }
}

extension Evaluation {
    /// The metrics of a cross-validation's scores: point metrics, then per level coverage
    /// and Winkler score.
    public static let cvPointMetrics = ["mae", "rmse", "smape", "mase", "rmsse"]

    /// How `evaluate(cv)` averages one series' window scores.
    public enum WindowAverage: String, Sendable, CaseIterable {
        /// The arithmetic mean, as statsforecast's and fable's summaries of cross-validation.
        case mean
        /// The geometric mean of the error metrics (coverage keeps the arithmetic mean): one
        /// unusually hard window, whose errors are a multiple of the others', does not decide
        /// the ranking alone. Davydenko & Fildes (2013) recommend it for averaging ratio-scale
        /// errors such as MASE, whose distribution is right-skewed. A zero error in a window
        /// (a perfect forecast) makes the average zero.
        case geometric
    }

    /// Scores a cross-validation per series x model: each metric on each window that ran
    /// (MASE and RMSSE scaled on that window's training part), averaged over windows.
    public static func evaluate(_ cv: CVResult, season: Int? = nil, average: WindowAverage = .mean) -> ScoreTable {
        let run = cv.run
        let season = season ?? run.train.frequency.defaultSeason
        var metrics = cvPointMetrics
        for l in run.levels {
            metrics += ["cover" + ParameterLabel.number(l), "winkler" + ParameterLabel.number(l)]
        }
        // Coverage is a proportion that may be 0: always the arithmetic mean.
        let geometric = metrics.map { average == .geometric && !$0.hasPrefix("cover") }
        var rows: [ScoreTable.Row] = []
        var failed: [String: Int] = [:]
        var seconds: [String: Double] = [:]
        for s in 0..<cv.data.count {
            for (m, model) in run.models.enumerated() {
                var sums = [Double](repeating: 0, count: metrics.count), counts = [Int](repeating: 0, count: metrics.count)
                var windows = 0, lastTask: Int? = nil
                for w in 0..<cv.windowCount {
                    let k = run.task(model: m, series: s, window: w)
                    seconds[model.name, default: 0] += run.taskSeconds[k]
                    guard case .ok = run.outcomes[k] else {
                        if case .failed = run.outcomes[k] { failed[model.name, default: 0] += 1 }
                        continue
                    }
                    windows += 1
                    lastTask = k
                    let v = windowScores(cv, model: m, series: s, window: w, season: season)
                    for j in v.indices where !v[j].isNaN {
                        sums[j] += geometric[j] ? log(v[j]) : v[j]
                        counts[j] += 1
                    }
                }
                guard windows > 0 else { continue }
                // exp(-inf) = 0: a zero error in one window gives a zero geometric mean.
                let values = metrics.indices.map { j in
                    counts[j] == 0 ? .nan : geometric[j] ? exp(sums[j] / Double(counts[j])) : sums[j] / Double(counts[j])
                }
                let note = windows < cv.windowCount ? " (\(windows) of \(cv.windowCount) windows)" : ""
                rows.append(.init(id: cv.data.ids[s], model: model.name, values: values,
                                  description: (lastTask.map { run.descriptions[$0] } ?? "") + note, task: nil))
            }
        }
        var table = ScoreTable(metrics: metrics, rows: rows, models: run.models.map(\.name), failedTasks: failed,
                               modelSeconds: seconds, season: season, run: nil)
        table.crossValidation = cv
        return table
    }

    /// The metrics of one window of one series and model, in the order of `evaluate(cv)`.
    public static func windowScores(_ cv: CVResult, model m: Int, series s: Int, window w: Int, season: Int) -> [Double] {
        let run = cv.run
        let actual = Array(cv.actual(series: s, window: w))
        let f = Array(run.meanSlice(model: m, series: s, window: w))
        let insample = cv.train(series: s, window: w)
        let mae = Metrics.mae(actual, f)
        let mse = Metrics.mse(actual, f)
        let scale = Metrics.naiveScale(insample: insample, season: season)
        let squaredScale = naiveSquaredScale(insample: insample, season: season)
        var values = [mae, mse.squareRoot(), Metrics.smape(actual, f), scale.map { mae / $0 } ?? .nan,
                      squaredScale.map { (mse / $0).squareRoot() } ?? .nan]
        for (l, level) in run.levels.enumerated() {
            let lo = Array(run.loSlice(model: m, series: s, level: l, window: w))
            let hi = Array(run.hiSlice(model: m, series: s, level: l, window: w))
            values.append(Metrics.coverage(actual: actual, lo: lo, hi: hi))
            values.append(winkler(actual: actual, lo: lo, hi: hi, level: level))
        }
        return values
    }

    /// Scale of RMSSE: the in-sample mean squared error of the seasonal naive forecast, with
    /// the same lag rule as `Metrics.naiveScale` (lag 1 where the seasonal one is 0).
    public static func naiveSquaredScale(insample: some Collection<Double>, season: Int) -> Double? {
        func lagMSE(_ lag: Int) -> Double {
            var sum = 0.0, n = 0
            for (now, before) in zip(insample.dropFirst(lag), insample) where !now.isNaN && !before.isNaN {
                sum += (now - before) * (now - before); n += 1
            }
            return n > 0 ? sum / Double(n) : .nan
        }
        if season > 1 && season < insample.count {
            let seasonal = lagMSE(season)
            if seasonal > 0 { return seasonal }
        }
        let naive = lagMSE(1)
        return naive > 0 ? naive : nil
    }

    /// The Winkler (interval) score of a central interval at `level` percent, averaged over
    /// points: its width, plus 2/alpha times how far the actual falls outside it
    /// (Winkler 1972; Gneiting and Raftery 2007). Lower is better.
    public static func winkler(actual: [Double], lo: [Double], hi: [Double], level: Double) -> Double {
        let alpha = 1 - level / 100
        var sum = 0.0, n = 0
        for i in actual.indices where i < lo.count && i < hi.count && !actual[i].isNaN && !lo[i].isNaN && !hi[i].isNaN {
            let y = actual[i]
            var score = hi[i] - lo[i]
            if y < lo[i] { score += 2 / alpha * (lo[i] - y) }
            if y > hi[i] { score += 2 / alpha * (y - hi[i]) }
            sum += score
            n += 1
        }
        return n > 0 ? sum / Double(n) : .nan
    }
}
