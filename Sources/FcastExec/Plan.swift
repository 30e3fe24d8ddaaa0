import FcastCore
import FcastPlan
import FcastPlugins

/// One model of a grid: an algorithm with its parameter values, and the name it goes by
/// in tables ("snaive", "ets(damped=true)").
public struct ModelSpec: Sendable {
    public var algorithm: AlgorithmHandle
    public var values: [String: ParameterValue]
    public var name: String

    public init(algorithm: AlgorithmHandle, values: [String: ParameterValue], name: String? = nil) {
        self.algorithm = algorithm
        self.values = values
        self.name = name ?? algorithm.name
    }

    /// `name(k=v, ...)` over the given parameter names, in schema order.
    public func label(showing keys: Set<String>) -> String {
        let shown = algorithm.parameters.compactMap { p -> String? in
            guard keys.contains(p.name), let v = values[p.name] else { return nil }
            return "\(p.name)=\(v)"
        }
        return shown.isEmpty ? algorithm.name : "\(algorithm.name)(\(shown.joined(separator: ", ")))"
    }

    /// Names every model of a grid so that each is unique: the algorithm's name, plus the
    /// parameters whose values differ between models of the same algorithm.
    public static func assignNames(_ models: inout [ModelSpec]) {
        let byAlgorithm = Dictionary(grouping: models.indices, by: { models[$0].algorithm.name })
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

/// How one task (series x model) ended.
public enum TaskOutcome: Sendable {
    case ok
    case failed(TaskFailure)
    case notRun
}

/// The forecasts of a run: every model for every series, in columnar buffers.
public struct RunResult: Sendable {
    public var train: Panel
    public var models: [ModelSpec]
    public var horizon: Int
    public var levels: [Double]
    /// Timestamps of the forecast steps: seriesCount x horizon.
    public var futureDs: [Int64]
    /// (model, series, step) -> mean, at ((m * seriesCount) + s) * horizon + t.
    public var mean: [Double]
    /// (model, series, level, step) -> bound, at (((m * seriesCount) + s) * levels + l) * horizon + t.
    public var lo: [Double]
    public var hi: [Double]
    /// Per task (m * seriesCount + s).
    public var outcomes: [TaskOutcome]
    public var descriptions: [String]
    public var taskSeconds: [Double]
    public var wallSeconds: Double
    public var workers: Int
    public var cancelled: Bool

    public var seriesCount: Int { train.count }
    public func task(model m: Int, series s: Int) -> Int { m * seriesCount + s }

    public func meanSlice(model m: Int, series s: Int) -> ArraySlice<Double> {
        let base = task(model: m, series: s) * horizon
        return mean[base..<(base + horizon)]
    }
    public func loSlice(model m: Int, series s: Int, level l: Int) -> ArraySlice<Double> {
        let base = (task(model: m, series: s) * levels.count + l) * horizon
        return lo[base..<(base + horizon)]
    }
    public func hiSlice(model m: Int, series s: Int, level l: Int) -> ArraySlice<Double> {
        let base = (task(model: m, series: s) * levels.count + l) * horizon
        return hi[base..<(base + horizon)]
    }
    public func futureSlice(series s: Int) -> ArraySlice<Int64> { futureDs[(s * horizon)..<((s + 1) * horizon)] }

    public var failures: [(model: Int, series: Int, failure: TaskFailure)] {
        var out: [(Int, Int, TaskFailure)] = []
        for (k, o) in outcomes.enumerated() {
            if case .failed(let f) = o { out.append((k / seriesCount, k % seriesCount, f)) }
        }
        return out
    }
    public var completedTasks: Int { outcomes.filter { if case .notRun = $0 { false } else { true } }.count }
    public var failedTasks: Int { failures.count }
}
