import FcastCore
import FcastPlan
import FcastPlugins
import Foundation

/// A plan made ready to run in this process: its models resolved against the loaded plugins
/// and configured once each, the data, the forecast dates per window and series, and the
/// seed per series and model. Every executor runs tasks through `run(task:into:)`.
public final class Job: @unchecked Sendable {
    public let plan: Plan
    public let models: [ModelSpec]
    public let data: Panel
    /// Keep each task's fitted model (or, with `.saved`, its bytes) in the results.
    public let keep: KeepModels
    /// One configuration per model; a model the plugin refuses fails all of its tasks.
    let configs: [Result<ModelConfiguration, TaskFailure>]
    /// (window, series) x horizon.
    let futureDs: [Int64]
    /// The data's regressors row-major (fc_series.x), and each (window, series)'s future
    /// regressors, horizon x count (fc_predict_request.x; NaN where unknown). Empty
    /// without regressors.
    let historyX: [Double]
    let futureX: [Double]
    public var regressorCount: Int { data.regressors.count }
    /// The future regressors of the last window (`run(..., future:)`), when given.
    public let future: Panel?
    /// Models (plan indices) whose tasks are only fitted (or loaded), without a forecast:
    /// their forecast slots stay NaN. A model store refitted without the future values of
    /// its models' regressors, or loaded for serving.
    public let fitOnly: Set<Int>
    let modelSpecs: [String]
    let reuse: Reuse?
    /// The global models' fits (FC_CAP_GLOBAL), one per model and window, shared by the
    /// tasks of every series.
    let globalFits = GlobalFits()
    /// Cross-validation without refitting: the fits that later windows forward (see
    /// `Window.fitCutoff`), one per model, series and fitting cutoff, shared by the tasks
    /// of this process that need them.
    let seriesFits: SeriesFits

    public enum KeepModels: Sendable { case none, fitted, saved }

    /// The fitted models of an earlier run of the same models, series and windows: a job
    /// with them forecasts from those models instead of fitting (`predict`), and a task that
    /// failed then fails the same way without being tried again.
    public struct Reuse: Sendable {
        public var kept: [KeptModel?]
        public var outcomes: [TaskOutcome]
        public init(kept: [KeptModel?], outcomes: [TaskOutcome]) {
            self.kept = kept
            self.outcomes = outcomes
        }
    }

    public init(plan: Plan, models: [ModelSpec], data: Panel, keep: KeepModels = .fitted, reuse: Reuse? = nil,
                future: Panel? = nil, futureRegressors: [Double]? = nil, fitOnly: Set<Int> = []) {
        precondition(models.count == plan.models.count && data.count == plan.seriesCount,
                     "Job: the plan's models and series must match the resolved models and the data")
        let futurePanel = future, givenFutureX = futureRegressors
        self.plan = plan
        self.models = models
        self.data = data
        self.keep = keep
        self.reuse = reuse
        self.fitOnly = fitOnly
        modelSpecs = plan.models.map(\.canonicalSpec)
        configs = models.map { m in
            do { return .success(try m.algorithm.configure(Job.seasonOfTheAxis(m.values, m.algorithm, data.frequency))) } catch let f as TaskFailure {
                return .failure(f)
            } catch {
                return .failure(TaskFailure(.internal, "\(error)"))
            }
        }
        let h = plan.horizon, nSeries = data.count
        var future = [Int64](repeating: 0, count: plan.windows.count * nSeries * h)
        for (w, window) in plan.windows.enumerated() {
            for s in 0..<nSeries {
                let end = data.offsets[s + 1] - window.cutoff
                guard end > data.offsets[s] else { continue }
                let last = data.ds[end - 1]
                for t in 0..<h { future[(w * nSeries + s) * h + t] = data.frequency.advance(last, by: t + 1) }
            }
        }
        futureDs = future
        self.future = futurePanel
        historyX = Regressors.rows(data)
        futureX = givenFutureX ?? Regressors.future(data: data, future: futurePanel, windows: plan.windows, horizon: h, futureDs: future).values
        seriesFits = SeriesFits(windows: plan.windows)
    }

    /// The models (by name) whose fits cannot be forwarded over later windows: neither
    /// global (predict_global forecasts any series from one fit) nor offering the
    /// "fcast.forward.v1" extension. A model its plugin refused to configure is left out
    /// (its tasks fail with that reason).
    public var modelsWithoutForward: [String] {
        models.indices.compactMap { m in
            guard case .success(let c) = configs[m], !isGlobal(c), !c.canForward else { return nil }
            return models[m].name
        }
    }

    /// A plugin derives its default season from the ABI's unit and step (fc_default_season),
    /// which cannot know a business calendar (5 minutes from 07:00 to 21:00: 168 a day, not
    /// 288) or a row-index axis (none). For those the host gives the axis's season to an
    /// algorithm with an integer `season` parameter that the model leaves unset.
    static func seasonOfTheAxis(_ values: [String: ParameterValue], _ algorithm: AlgorithmHandle,
                                _ frequency: Frequency) -> [String: ParameterValue] {
        guard frequency.isIndex || frequency.business != nil, values["season"] == nil,
              algorithm.parameters.contains(where: { $0.name == "season" && $0.kind == .int }) else { return values }
        var out = values
        out["season"] = .int(frequency.defaultSeason)
        return out
    }

    /// The seed of a task's simulations (TaskSeed: series id, model spec, run seed).
    public func seed(series s: Int, model m: Int) -> UInt64 {
        TaskSeed.derive(runSeed: plan.seed, seriesID: data.ids[s], modelSpec: modelSpecs[m])
    }

    /// The series of a task as its plugin sees it: the window's part of the panel, no copy.
    func withSeries<T>(_ t: TaskRef, cutoff: Int? = nil, _ body: (SeriesRef) throws -> T) throws -> T {
        let full = data.range(t.series)
        let range = full.lowerBound..<max(full.lowerBound, full.upperBound - (cutoff ?? plan.windows[t.window].cutoff))
        let k = regressorCount
        return try data.y.withUnsafeBufferPointer { y in
            try data.ds.withUnsafeBufferPointer { ds in
                try historyX.withUnsafeBufferPointer { x in
                    try body(SeriesRef(id: data.ids[t.series], y: UnsafeBufferPointer(rebasing: y[range]),
                                       ds: UnsafeBufferPointer(rebasing: ds[range]),
                                       frequencyUnit: data.frequency.pluginUnit, frequencyStep: Int32(data.frequency.step), endOfPeriod: data.frequency.endOfMonth,
                                       x: k > 0 ? UnsafeBufferPointer(rebasing: x[(range.lowerBound * k)..<(range.upperBound * k)]) : nil,
                                       regressorCount: k))
                }
            }
        }
    }

    /// A fit that several tasks share, keyed as the fits are kept: a global model's per
    /// (model, fitting cutoff), fitted across every series; a local model's per (model,
    /// series, fitting cutoff) when windows forward it (cross-validation with refit false or
    /// k). nil: the task fits its own model.
    enum SharedFit: Hashable {
        case global(model: Int, cutoff: Int)
        case series(model: Int, series: Int, cutoff: Int)
    }

    func sharedFit(_ t: TaskRef, _ config: ModelConfiguration) -> SharedFit? {
        let window = plan.windows[t.window]
        if isGlobal(config) { return .global(model: t.model, cutoff: window.fitCutoff ?? window.cutoff) }
        if let c = window.fitCutoff, c != window.cutoff { return .series(model: t.model, series: t.series, cutoff: c) }
        if seriesFits.isShared(cutoff: window.cutoff) { return .series(model: t.model, series: t.series, cutoff: window.cutoff) }
        return nil
    }

    /// `tasks` cut into chunks of about `size` for executors whose workers are processes, each
    /// keeping its own fits: the tasks that share one fit stay in one chunk, so that one worker
    /// fits it once. Those are a global model's tasks of one window (one fit across every
    /// series; spread over workers, each would fit it again) and a local model's windows of one
    /// series that forward one fit (cross-validation with refit false or k). Whole groups are
    /// packed in the tasks' order; a group larger than `size` is a chunk of its own.
    public func chunks(_ tasks: [Int], size: Int) -> [[Int]] {
        func group(_ k: Int) -> SharedFit? {
            let t = plan.task(k)
            guard case .success(let config) = configs[t.model] else { return nil }
            return sharedFit(t, config)
        }
        // units: a group's tasks (in order of its first task) or a single task
        var units: [[Int]] = [], unitOf: [SharedFit: Int] = [:]
        for k in tasks {
            if let g = group(k) {
                if let u = unitOf[g] { units[u].append(k); continue }
                unitOf[g] = units.count
            }
            units.append([k])
        }
        var out: [[Int]] = [], current: [Int] = []
        for unit in units {
            if !current.isEmpty && current.count + unit.count > size { out.append(current); current = [] }
            current += unit
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Forecasts task `t`'s series from its fitted model as a run does: `predict`, or for a
    /// global model `predict_global` with the series' history up to the task's cutoff (a model
    /// store's server forecasts each request this way). `futureX`: the regressors' future
    /// values, h x regressorCount row-major, or empty.
    public func forecast(_ fitted: FittedModelHandle, task t: TaskRef, horizon h: Int, futureDs: [Int64],
                         levels: [Double], seed: UInt64, futureX: [Double] = [],
                         regressorCount: Int = 0) throws -> ForecastValues {
        guard fitted.isGlobal else {
            return try fitted.predict(horizon: h, futureDs: futureDs, levels: levels, seed: seed, futureX: futureX,
                                      regressorCount: regressorCount)
        }
        return try withSeries(t) { series in
            try fitted.predictGlobal(series: series, horizon: h, futureDs: futureDs, levels: levels, seed: seed,
                                     futureX: futureX)
        }
    }

    /// Fits and forecasts task `k` into its slots of `results`, under the run's cancel token
    /// (which the plugin's should_cancel answers from).
    public func run(task k: Int, into results: ResultBuffers, cancel: CancelToken) {
        run(task: k, into: results, slot: k, cancel: cancel)
    }

    /// Fits and forecasts task `k` into slot `slot` of `results` (buffers laid out as
    /// RunResult's, with room for `slot`): a worker process runs the tasks it is sent through
    /// one small buffer instead of buffers for the whole plan. The numbers are the same as in
    /// the task's own slot.
    public func run(task k: Int, into results: ResultBuffers, slot: Int, cancel: CancelToken) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        var waited = 0.0
        let outcome = cancel.whileCurrent { fitAndPredict(k, into: results, slot: slot, waited: &waited) }
        // A global model's fit counts in the task that fitted it, not in those that waited for it.
        results.seconds[slot] = max(0, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 - waited)
        results.outcomes[slot] = outcome
    }

    private func fitAndPredict(_ k: Int, into results: ResultBuffers, slot: Int, waited: inout Double) -> TaskOutcome {
        let t = plan.task(k)
        let config: ModelConfiguration
        switch configs[t.model] {
        case .success(let c): config = c
        case .failure(let f): return .failed(f)
        }
        let h = plan.horizon, nLevels = plan.levels.count
        if let reuse, case .failed(let f) = reuse.outcomes[k] { return .failed(f) }
        do {
            let fitted: FittedModelHandle
            switch reuse?.kept[k] {
            case .fitted(let model)?: fitted = model
            case .saved(let bytes)?: fitted = try config.load(bytes, global: isGlobal(config))
            // Not kept (a worker process's model that its plugin cannot save): fit it again.
            case nil:
                switch sharedFit(t, config) {
                case .global(_, let cutoff)?:
                    // Without refitting, a later window forecasts its series from the fit of
                    // an earlier window's data (predict_global takes the series).
                    fitted = try globalFits.fit(model: t.model, cutoff: cutoff, waited: &waited) {
                        try self.fitGlobal(config, cutoff: cutoff)
                    }
                case .series(_, _, let cutoff)? where cutoff != plan.windows[t.window].cutoff:
                    // an earlier window's fit, forwarded over this window's newer points
                    let base = try seriesFits.fit(model: t.model, series: t.series, cutoff: cutoff, waited: &waited) {
                        try self.withSeries(t, cutoff: cutoff) { series in try config.fit(series) }
                    }
                    fitted = try withSeries(t) { series in try config.forward(base, to: series) }
                case .series(_, _, let cutoff)?:
                    fitted = try seriesFits.fit(model: t.model, series: t.series, cutoff: cutoff, waited: &waited) {
                        try self.withSeries(t) { series in try config.fit(series) }
                    }
                case nil:
                    fitted = try withSeries(t) { series in try config.fit(series) }
                }
            }
            let base = (t.window * data.count + t.series) * h
            let k = regressorCount
            if fitOnly.contains(t.model) {
                let nb = nLevels * h
                for i in (slot * h)..<(slot * h + h) { results.mean[i] = .nan }
                for i in (slot * nb)..<(slot * nb + nb) { results.lo[i] = .nan; results.hi[i] = .nan }
                results.descriptions[slot] = fitted.modelDescription
                keepModel(fitted, config, slot: slot, into: results)
                return .ok
            }
            try futureDs.withUnsafeBufferPointer { future in
              try futureX.withUnsafeBufferPointer { fxAll in
                let fds = UnsafeBufferPointer(rebasing: future[base..<(base + h)])
                let fx = k > 0 ? UnsafeBufferPointer(rebasing: fxAll[(base * k)..<((base + h) * k)]) : nil
                let seed = seed(series: t.series, model: t.model)
                let mean = results.mean.baseAddress! + slot * h
                let lo = nLevels > 0 ? results.lo.baseAddress! + slot * nLevels * h : nil
                let hi = nLevels > 0 ? results.hi.baseAddress! + slot * nLevels * h : nil
                if fitted.isGlobal {
                    try withSeries(t) { series in
                        try fitted.predictGlobal(series: series, horizon: h, futureDs: fds, levels: plan.levels, seed: seed,
                                                 futureX: fx, mean: mean, lo: lo, hi: hi)
                    }
                } else {
                    try fitted.predict(horizon: h, futureDs: fds, levels: plan.levels, seed: seed, futureX: fx, regressorCount: k,
                                       mean: mean, lo: lo, hi: hi)
                }
              }
            }
            let nb = nLevels * h
            if let problem = ForecastCheck.problem(
                model: models[t.model].name, h: h, levels: plan.levels,
                intervals: config.algorithm.capabilities.contains(.intervals),
                mean: UnsafeBufferPointer(rebasing: results.mean[(slot * h)..<(slot * h + h)]),
                lo: UnsafeBufferPointer(rebasing: results.lo[(slot * nb)..<(slot * nb + nb)]),
                hi: UnsafeBufferPointer(rebasing: results.hi[(slot * nb)..<(slot * nb + nb)])) {
                return .failed(TaskFailure(.numeric, problem))
            }
            results.descriptions[slot] = fitted.modelDescription
            keepModel(fitted, config, slot: slot, into: results)
            return .ok
        } catch let f as TaskFailure {
            return .failed(f)
        } catch {
            return .failed(TaskFailure(.internal, "\(error)"))
        }
    }
}

extension Job {
    /// Keeps a task's fitted model in `results` as `keep` says.
    func keepModel(_ fitted: FittedModelHandle, _ config: ModelConfiguration, slot: Int, into results: ResultBuffers) {
        switch keep {
        case .none: break
        case .fitted: results.kept[slot] = .fitted(fitted)
        case .saved:
            // A plugin that cannot save keeps nothing here; predict refits it.
            if config.algorithm.capabilities.contains(.saveLoad), let bytes = try? fitted.save() {
                results.kept[slot] = .saved(bytes)
            }
        }
    }

    /// Whether a model is fitted once across all series (its algorithm offers FC_CAP_GLOBAL).
    func isGlobal(_ config: ModelConfiguration) -> Bool { config.algorithm.capabilities.contains(.global) }

    /// Fits a global model across every series of a window (each cut at the window's cutoff;
    /// a series with nothing left is left out).
    func fitGlobal(_ config: ModelConfiguration, cutoff: Int) throws(TaskFailure) -> FittedModelHandle {
        let k = regressorCount
        let result: Result<FittedModelHandle, TaskFailure> = data.y.withUnsafeBufferPointer { y in
            data.ds.withUnsafeBufferPointer { ds in
              historyX.withUnsafeBufferPointer { x in
                var series: [SeriesRef] = []
                for s in 0..<data.count {
                    let full = data.range(s)
                    let range = full.lowerBound..<max(full.lowerBound, full.upperBound - cutoff)
                    guard !range.isEmpty else { continue }
                    series.append(SeriesRef(id: data.ids[s], y: UnsafeBufferPointer(rebasing: y[range]),
                                            ds: UnsafeBufferPointer(rebasing: ds[range]),
                                            frequencyUnit: data.frequency.pluginUnit, frequencyStep: Int32(data.frequency.step),
                                            endOfPeriod: data.frequency.endOfMonth,
                                            x: k > 0 ? UnsafeBufferPointer(rebasing: x[(range.lowerBound * k)..<(range.upperBound * k)]) : nil,
                                            regressorCount: k))
                }
                return taskResult { try config.fitGlobal(series) }
              }
            }
        }
        return try result.get()
    }
}

/// A throwing call's result, its error as a TaskFailure.
func taskResult<T>(_ body: () throws -> T) -> Result<T, TaskFailure> {
    do { return .success(try body()) } catch let f as TaskFailure {
        return .failure(f)
    } catch {
        return .failure(TaskFailure(.internal, "\(error)"))
    }
}

/// One fit per (model, window cutoff) of the global models: the first task of a model and
/// window fits it across all series, the others wait for it and forecast their own series
/// from it. A failed fit fails every task of that model and window with the same message.
final class GlobalFits: @unchecked Sendable {
    private final class Cell: @unchecked Sendable {
        let lock = NSLock()
        var result: Result<FittedModelHandle, TaskFailure>?
    }
    private let lock = NSLock()
    private var cells: [Int64: Cell] = [:]

    /// `waited`: the seconds this call spent on another task's fit (0 for the task that fits).
    func fit(model: Int, cutoff: Int, waited: inout Double, _ body: () throws -> FittedModelHandle) throws(TaskFailure) -> FittedModelHandle {
        let key = Int64(model) << 32 | Int64(cutoff)
        lock.lock()
        let cell = cells[key] ?? Cell()
        cells[key] = cell
        lock.unlock()
        let t0 = DispatchTime.now().uptimeNanoseconds
        cell.lock.lock()
        defer { cell.lock.unlock() }
        if cell.result != nil {
            waited = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        } else {
            let result = taskResult(body)
            // A cancelled fit is not remembered: a later run of the task tries again.
            if case .failure(let f) = result, f.kind == .cancelled { throw f }
            cell.result = result
        }
        return try cell.result!.get()
    }
}

/// The per-series fits of cross-validation without refitting: the model of a series fitted
/// on a fitting window's data (`cutoff` points held back), shared by that window's task and
/// the later windows' tasks that forward it (`Window.fitCutoff`). The first task to need a
/// fit makes it and the others wait for it; a failed fit fails them all with its message (a
/// cancelled one is not remembered). A fit is dropped once every window that uses it has
/// taken it, so a run holds the fits of the series in flight, not of all series. Each
/// process has its own: a worker process that gets only some windows of a series fits that
/// series again from the same data, which gives the same model (fits are deterministic).
final class SeriesFits: @unchecked Sendable {
    private final class Cell: @unchecked Sendable {
        let lock = NSLock()
        var result: Result<FittedModelHandle, TaskFailure>?
        var remaining: Int
        init(users: Int) { remaining = users }
    }
    private let lock = NSLock()
    private var cells: [Key: Cell] = [:]
    /// Windows that use the fit of each fitting cutoff: the fitting window and its followers.
    private let users: [Int: Int]

    private struct Key: Hashable {
        var model: Int, series: Int, cutoff: Int
    }

    init(windows: [Window]) {
        var users: [Int: Int] = [:]
        for w in windows { if let c = w.fitCutoff, c != w.cutoff { users[c, default: 0] += 1 } }
        for w in windows where w.fitCutoff == nil && users[w.cutoff] != nil { users[w.cutoff, default: 0] += 1 }
        self.users = users
    }

    /// Whether later windows forward the fit of this cutoff (its own window shares it).
    func isShared(cutoff: Int) -> Bool { users[cutoff] != nil }

    /// `waited`: the seconds spent waiting for another task's fit (0 for the one that fits).
    func fit(model: Int, series: Int, cutoff: Int, waited: inout Double,
             _ body: () throws -> FittedModelHandle) throws(TaskFailure) -> FittedModelHandle {
        let key = Key(model: model, series: series, cutoff: cutoff)
        lock.lock()
        let cell = cells[key] ?? Cell(users: users[cutoff] ?? 1)
        cells[key] = cell
        lock.unlock()
        let t0 = DispatchTime.now().uptimeNanoseconds
        cell.lock.lock()
        let result: Result<FittedModelHandle, TaskFailure>
        if let known = cell.result {
            waited = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            result = known
        } else {
            result = taskResult(body)
            if case .failure(let f) = result, f.kind == .cancelled {
                cell.lock.unlock()
                throw f
            }
            cell.result = result
        }
        cell.remaining -= 1
        let done = cell.remaining <= 0
        cell.lock.unlock()
        if done {
            lock.lock()
            if cells[key] === cell { cells[key] = nil }
            lock.unlock()
        }
        return try result.get()
    }
}

/// The buffers a run's tasks write into, laid out as RunResult's: every task writes only its
/// own slots, so workers share them without locks.
public final class ResultBuffers: @unchecked Sendable {
    public let mean, lo, hi: UnsafeMutableBufferPointer<Double>
    public let outcomes: UnsafeMutableBufferPointer<TaskOutcome>
    public let descriptions: UnsafeMutableBufferPointer<String>
    public let seconds: UnsafeMutableBufferPointer<Double>
    public let kept: UnsafeMutableBufferPointer<KeptModel?>

    public init(tasks: Int, horizon h: Int, levels: Int) {
        mean = .allocate(capacity: tasks * h)
        mean.initialize(repeating: .nan)
        lo = .allocate(capacity: tasks * levels * h)
        lo.initialize(repeating: .nan)
        hi = .allocate(capacity: tasks * levels * h)
        hi.initialize(repeating: .nan)
        outcomes = .allocate(capacity: tasks)
        outcomes.initialize(repeating: .notRun)
        descriptions = .allocate(capacity: tasks)
        descriptions.initialize(repeating: "")
        seconds = .allocate(capacity: tasks)
        seconds.initialize(repeating: 0)
        kept = .allocate(capacity: tasks)
        kept.initialize(repeating: nil)
    }

    /// Puts slot `slot` back as a fresh buffer has it (NaN numbers, not run, nothing kept),
    /// for a buffer that runs task after task through one slot.
    public func clear(slot: Int, horizon h: Int, levels: Int) {
        for i in (slot * h)..<((slot + 1) * h) { mean[i] = .nan }
        for i in (slot * levels * h)..<((slot + 1) * levels * h) {
            lo[i] = .nan
            hi[i] = .nan
        }
        outcomes[slot] = .notRun
        descriptions[slot] = ""
        seconds[slot] = 0
        kept[slot] = nil
    }

    deinit {
        for b in [mean, lo, hi, seconds] { b.deallocate() }
        outcomes.deinitialize(); outcomes.deallocate()
        descriptions.deinitialize(); descriptions.deallocate()
        kept.deinitialize(); kept.deallocate()
    }
}

extension DataReference {
    /// The reference of a panel: its SHA-256 over ids, series bounds, timestamps, values and
    /// frequency.
    public init(_ panel: Panel, name: String) {
        let hasher = SHA256Hasher()
        hasher.update(panel.frequency.description)
        for id in panel.ids { hasher.update(id) }
        hasher.update(panel.offsets)
        hasher.update(panel.ds)
        hasher.update(panel.y)
        // Regressors change what a model sees: they change the fingerprint (a panel
        // without them hashes as before).
        for (name, column) in zip(panel.regressorNames, panel.regressors) {
            hasher.update("regressor:" + name)
            hasher.update(column)
        }
        self.init(name: name, fingerprint: hasher.finalizeHex(), seriesCount: panel.count, points: panel.totalPoints,
                  frequency: panel.frequency.description)
    }
}
