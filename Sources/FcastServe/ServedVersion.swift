import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastStore
import Foundation

/// One version of a model store made ready to serve: every stored model resolved against the
/// loaded plugins and loaded (or fitted again from the stored data) once, so that a forecast
/// only calls predict. Immutable once built: a new version of the store is a new value,
/// swapped in whole, and requests that hold the old one finish on it.
public final class ServedVersion: @unchecked Sendable {
    /// One stored series and its model.
    public struct Series: Sendable {
        public var id: String
        public var model: String
        public var description: String
        public var score: Double?
        public var metric: String?
        /// The forecast made at save time: mean (stored horizon), then lo and hi per level;
        /// empty when none was made (a refit without the regressors' future values).
        public var storedForecast: [Double]
        /// The regressors the model uses, in its order: a forecast needs their future values.
        public var regressors: [String]
        /// The loaded model, or why this series cannot forecast here.
        var state: State
        /// The series' last timestamp: forecasts start one step after it.
        var last: Int64

        public var failure: String? {
            if case .failed(let message) = state { return message }
            return nil
        }
    }

    enum State: @unchecked Sendable {
        /// The fitted model and the task that made it (a global model forecasts a series from
        /// its history, which the job holds).
        case ready(FittedModelHandle, task: TaskRef, seed: UInt64)
        case failed(String)
    }

    public let number: Int
    public let created: String
    public let series: [Series]
    let index: [String: Int]
    public let frequency: Frequency
    public let timestampStyle: TimestampStyle
    /// The horizon and levels of the run that was saved (those of `storedForecast`).
    public let storedHorizon: Int
    public let storedLevels: [Double]
    /// Models loaded in memory (series that can forecast).
    public let readyCount: Int
    /// The job that loaded the models: the stored data, for global models' forecasts.
    let job: Job

    /// Loads `version`: resolves its models in `registry` (a model that cannot be resolved
    /// fails only its series), loads each saved model from its envelope and fits the others
    /// on the stored data, on `workers` threads. The forecast seeds are the run's.
    public init(_ version: StoreVersion, registry: PluginRegistry, workers: Int = 1) throws {
        let plan = try version.plan()
        // One model per series: a store saved from a whole run serves each series' first model.
        var seen = Set<String>()
        let entries = version.entries.filter { seen.insert($0.seriesID).inserted }
        // Models that use regressors are loaded without a forecast: a request brings their values.
        let (job, tasks, failures) = try version.forecastJob(entries, horizon: 1, levels: [], registry: registry,
                                                             forecastRegressorModels: false)
        let buffers = ResultBuffers(tasks: job.plan.taskCount, horizon: 1, levels: 0)
        let cancel = CancelToken()
        if !tasks.isEmpty {
            let chunks = max(1, min(workers, tasks.count))
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var i = c
                while i < tasks.count {
                    job.run(task: tasks[i], into: buffers, cancel: cancel)
                    i += chunks
                }
            }
        }
        let data = version.data
        var out: [Series] = []
        out.reserveCapacity(entries.count)
        var ti = 0, fi = 0, ready = 0
        for e in entries {
            var state: State
            var s = data.index(of: e.seriesID)
            if fi < failures.count && failures[fi].seriesID == e.seriesID {
                state = .failed("\(e.model.name) cannot forecast here: \(failures[fi].message)")
                fi += 1
            } else {
                let k = tasks[ti]
                ti += 1
                let t = job.plan.task(k)
                s = t.series
                switch (buffers.outcomes[k], buffers.kept[k]) {
                case (.ok, .fitted(let handle)?):
                    state = .ready(handle, task: t, seed: job.seed(series: t.series, model: t.model))
                    ready += 1
                case (.failed(let f), _):
                    state = .failed("\(e.model.name) could not be loaded: \(f.message)")
                default:
                    state = .failed("\(e.model.name) could not be loaded")
                }
            }
            let last = s.map { data.ds[data.offsets[$0 + 1] - 1] } ?? 0
            if s == nil { state = .failed("the store has no data for this series") }
            out.append(Series(id: e.seriesID, model: e.model.name, description: e.description, score: e.score,
                              metric: e.metric, storedForecast: e.forecast, regressors: e.regressors, state: state, last: last))
        }
        number = version.number
        created = version.created
        series = out
        var index: [String: Int] = [:]
        for (i, s) in out.enumerated() { index[s.id] = i }
        self.index = index
        frequency = data.frequency
        timestampStyle = data.timestampStyle
        storedHorizon = plan.horizon
        storedLevels = plan.levels
        readyCount = ready
        self.job = job
    }

    public func series(id: String) -> Series? { index[id].map { series[$0] } }

    /// The timestamps of `h` steps after `last`, and as the data's style writes them.
    func future(after last: Int64, horizon h: Int) -> [Int64] {
        (0..<h).map { frequency.advance(last, by: $0 + 1) }
    }

    func format(_ t: Int64) -> String { Timestamp.format(t, style: timestampStyle) }

    /// Forecasts series `s` from its loaded model: the numbers `predict(open(store), ...)` gives.
    /// `futureX` holds the future values of the model's regressors, horizon x `s.regressors`
    /// row-major (empty when it uses none).
    func forecast(_ s: Series, horizon h: Int, levels: [Double],
                  futureX: [Double] = []) -> Result<(ds: [Int64], values: ForecastValues), ServeFailure> {
        guard case .ready(let handle, let task, let seed) = s.state else {
            return .failure(ServeFailure(s.failure ?? "cannot forecast"))
        }
        let ds = future(after: s.last, horizon: h)
        do {
            let v = try job.forecast(handle, task: task, horizon: h, futureDs: ds, levels: levels, seed: seed,
                                     futureX: futureX, regressorCount: futureX.isEmpty ? 0 : s.regressors.count)
            // The checks a run makes: finite means and bounds, lo <= hi, nested levels.
            if let problem = ForecastCheck.problem(model: s.model, levels: levels, values: v) {
                return .failure(ServeFailure(problem))
            }
            return .success((ds, v))
        } catch let failure as TaskFailure {
            return .failure(ServeFailure("\(s.model) could not forecast: \(failure.message)"))
        } catch {
            return .failure(ServeFailure("\(s.model) could not forecast: \(error)"))
        }
    }
}

struct ServeFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The version being served, swapped whole when the store gets a newer one.
public final class ServedModels: @unchecked Sendable {
    private let lock = NSLock()
    private var _current: ServedVersion

    public init(_ version: ServedVersion) { _current = version }

    public var current: ServedVersion {
        lock.lock()
        defer { lock.unlock() }
        return _current
    }

    public func swap(_ version: ServedVersion) {
        lock.lock()
        _current = version
        lock.unlock()
    }
}
