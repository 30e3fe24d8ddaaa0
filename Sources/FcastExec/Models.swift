import FcastCore
import FcastPlan
import FcastPlugins

/// One model of a grid, resolved: an algorithm of a loaded plugin with its parameter values,
/// and the name it goes by in tables ("snaive", "ets(damped=true)"). `planned` is the same
/// model as plain data, as a plan writes it.
public struct ModelSpec: Sendable {
    public var algorithm: AlgorithmHandle
    public var values: [String: ParameterValue]
    public var name: String
    /// The name the user gave the model (`name:`), the base of `name` instead of the algorithm's.
    public var givenName: String?
    /// A combination of other models (`combine(...)`): then `algorithm` is only its first
    /// member's, and jobs run its members instead (CombinationLayout).
    public var combination: Combination? = nil

    public init(algorithm: AlgorithmHandle, values: [String: ParameterValue], name: String? = nil, givenName: String? = nil) {
        self.algorithm = algorithm
        self.values = values
        self.givenName = givenName
        self.name = name ?? givenName ?? algorithm.name
    }

    public var planned: PlannedModel {
        if let combination {
            var p = combination.planned
            p.name = name
            return p
        }
        return PlannedModel(library: algorithm.library.name, libraryVersion: algorithm.library.version,
                     algorithm: algorithm.name, parameters: values, name: name)
    }

    /// `name(k=v, ...)` over the given parameter names, in schema order.
    public func label(showing keys: Set<String>) -> String {
        let shown = algorithm.parameters.compactMap { p -> String? in
            guard keys.contains(p.name), let v = values[p.name] else { return nil }
            return "\(p.name)=\(v)"
        }
        let base = givenName ?? algorithm.name
        return shown.isEmpty ? base : "\(base)(\(shown.joined(separator: ", ")))"
    }

    /// Names every model of a grid so that each is unique: the algorithm's name, plus the
    /// parameters whose values differ between models of the same algorithm (or given name).
    public static func assignNames(_ models: inout [ModelSpec]) {
        let byAlgorithm = Dictionary(grouping: models.indices, by: { models[$0].givenName ?? models[$0].algorithm.name })
        for (_, indices) in byAlgorithm {
            var varying = Set<String>()
            if indices.count > 1 {
                let keys = Set(indices.flatMap { models[$0].values.keys })
                for key in keys where Set(indices.map { models[$0].values[key]?.description ?? "-" }).count > 1 {
                    varying.insert(key)
                }
            }
            for i in indices { models[i].name = models[i].label(showing: varying) }
        }
        // Identical duplicates keep distinct names.
        var seen: [String: Int] = [:]
        for i in models.indices {
            let n = seen[models[i].name, default: 0]
            seen[models[i].name] = n + 1
            if n > 0 { models[i].name += "#\(n + 1)" }
        }
    }
}

public struct RunOptions: Sendable {
    public var horizon: Int
    /// Interval levels in percent.
    public var levels: [Double]
    public var workers: Int
    public var seed: UInt64
    public var progress: ProgressStyle
    public var cancel: CancelToken

    public init(horizon: Int, levels: [Double] = [], workers: Int = 0, seed: UInt64 = 1,
                progress: ProgressStyle = .auto, cancel: CancelToken = CancelToken()) {
        self.cancel = cancel
        self.horizon = horizon
        self.levels = levels
        self.workers = workers
        self.seed = seed
        self.progress = progress
    }
}

/// How one task (series x model x window) ended.
public enum TaskOutcome: Sendable {
    case ok
    case failed(TaskFailure)
    case notRun
}

/// A fitted model a run keeps, so that `predict`, `best` and a store use it without refitting:
/// the live model (threads, inline), or the plugin's saved bytes (from a worker process).
public enum KeptModel: Sendable {
    case fitted(FittedModelHandle)
    case saved([UInt8])
}

/// The forecasts of a run: every model for every series (and window), in columnar buffers,
/// with the plan that produced them and the fitted models.
public struct RunResult: Sendable {
    public var plan: Plan
    public var train: Panel
    public var models: [ModelSpec]
    /// Timestamps of the forecast steps: (window, series) x horizon.
    public var futureDs: [Int64]
    /// Per task k (Plan.task(k)), the horizon's means at k * horizon + t.
    public var mean: [Double]
    /// Per task and level, the bounds at (k * levels + l) * horizon + t.
    public var lo: [Double]
    public var hi: [Double]
    /// Per task.
    public var outcomes: [TaskOutcome]
    public var descriptions: [String]
    public var taskSeconds: [Double]
    /// Per task: the fitted model, when the run kept it.
    public var kept: [KeptModel?]
    public var wallSeconds: Double
    /// The executor that ran it: "threads", "inline", "processes".
    public var executor: String
    public var workers: Int
    public var cancelled: Bool
    /// Tasks whose results came from the run's journal, not computed by this run.
    public var resumedTasks: Int = 0
    /// A second Ctrl-C stopped the run at once: the fits in flight were dropped (not run).
    public var abandoned = false
    /// Where the intervals come from: "model" (the plugins'), or "conformal (4 windows)".
    public var intervals = "model"

    public var horizon: Int { plan.horizon }
    public var levels: [Double] { plan.levels }
    public var seriesCount: Int { train.count }
    public func task(model m: Int, series s: Int, window w: Int = 0) -> Int {
        plan.taskIndex(TaskRef(series: s, model: m, window: w))
    }

    public func meanSlice(model m: Int, series s: Int, window w: Int = 0) -> ArraySlice<Double> {
        let base = task(model: m, series: s, window: w) * horizon
        return mean[base..<(base + horizon)]
    }
    public func loSlice(model m: Int, series s: Int, level l: Int, window w: Int = 0) -> ArraySlice<Double> {
        let base = (task(model: m, series: s, window: w) * levels.count + l) * horizon
        return lo[base..<(base + horizon)]
    }
    public func hiSlice(model m: Int, series s: Int, level l: Int, window w: Int = 0) -> ArraySlice<Double> {
        let base = (task(model: m, series: s, window: w) * levels.count + l) * horizon
        return hi[base..<(base + horizon)]
    }
    public func futureSlice(series s: Int, window w: Int = 0) -> ArraySlice<Int64> {
        let base = (w * seriesCount + s) * horizon
        return futureDs[base..<(base + horizon)]
    }

    public var failures: [(model: Int, series: Int, failure: TaskFailure)] {
        var out: [(Int, Int, TaskFailure)] = []
        for (k, o) in outcomes.enumerated() {
            if case .failed(let f) = o {
                let t = plan.task(k)
                out.append((t.model, t.series, f))
            }
        }
        return out
    }
    public var completedTasks: Int { outcomes.filter { if case .notRun = $0 { false } else { true } }.count }
    public var failedTasks: Int { failures.count }
}

extension RunResult {
    /// Forecasts `horizon` steps (any horizon) at `levels` from the run's fitted models,
    /// without refitting: a model kept as bytes is loaded, one not kept (from a worker
    /// process, of a plugin that cannot save) is fitted again. For the run's own horizon and
    /// levels the numbers are the run's: the same models, the same seeds.
    ///
    /// `tasks` limits it to some tasks (the winners of `best`); the others stay `.notRun`.
    /// `future` gives the regressors' values over the horizon (checked by the caller with
    /// `Regressors.checkFuture`), for models that use regressors.
    public func predict(horizon h: Int, levels: [Double], tasks: [Int]? = nil, on executor: any Executor = InlineExecutor(),
                        cancel: CancelToken = CancelToken(), future: Panel? = nil) throws -> RunResult {
        if let c = models.first(where: { $0.combination != nil }) {
            throw PlanError("\(c.name) is a combination, which keeps no fitted model: run() it again")
        }
        var plan = self.plan
        plan.horizon = h
        plan.levels = levels
        let job = Job(plan: plan, models: models, data: train, keep: .fitted,
                      reuse: Job.Reuse(kept: kept, outcomes: outcomes), future: train.regressors.isEmpty ? nil : future)
        return try Runner.run(job, tasks: tasks, on: executor, cancel: cancel, progress: .none, progressOutput: .silent)
    }
}
