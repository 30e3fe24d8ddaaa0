import FcastCore
import FcastPlan
import FcastPlugins
import Foundation

/// The trials of a tuning of a global model (FC_CAP_GLOBAL with the "fcast.boost.v1"
/// extension, e.g. global_xgb): each trial is one model of the grid, fitted across all
/// series of `train` with `resumable: true` (and no conformal calibration), boosted on
/// round by round, and scored on `valid` (the points after each training series).
public final class GlobalTuneObjective: TrialObjective, @unchecked Sendable {
    public let models: [ModelSpec]
    public let train: Panel
    public let valid: Panel
    public let metric: String
    public let season: Int
    private let configs: [Result<ModelConfiguration, TaskFailure>]
    private var fitted: [FittedModelHandle?]
    private let lock = NSLock()
    /// For each train series: its index in `valid`, when it has points there.
    private let validIndex: [Int?]

    public static let metrics = ["mase", "mae", "rmse", "smape"]

    public init(models: [ModelSpec], train: Panel, valid: Panel, metric: String, season: Int) throws(TaskFailure) {
        guard Self.metrics.contains(metric) else {
            throw TaskFailure(.invalidArgument, "tune scores with one of \(Self.metrics.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(metric)\"")
        }
        for m in models where !m.algorithm.capabilities.contains(.global) {
            throw TaskFailure(.unsupported, "tune's successive halving trains global models round by round; \(m.algorithm.name) fits one series at a time")
        }
        self.models = models
        self.train = train
        self.valid = valid
        self.metric = metric
        self.season = season
        validIndex = train.ids.map { valid.index(of: $0) }
        guard validIndex.contains(where: { $0 != nil }) else {
            throw TaskFailure(.badData, "no series of the training data is in the validation data: their ids differ")
        }
        configs = models.map { m in
            var values = m.values
            values["resumable"] = .bool(true)
            values["calibration"] = .int(0)
            do { return .success(try m.algorithm.configure(values)) } catch let f as TaskFailure {
                return .failure(f)
            } catch {
                return .failure(TaskFailure(.internal, "\(error)"))
            }
        }
        fitted = Array(repeating: nil, count: models.count)
    }

    public var trialCount: Int { models.count }

    public func release(trial: Int) {
        lock.lock()
        fitted[trial] = nil
        lock.unlock()
    }

    public func advance(trial: Int, to rounds: Int, cancel: CancelToken) throws(TaskFailure) -> Double {
        let config = try configs[trial].get()
        lock.lock()
        let have = fitted[trial]
        lock.unlock()
        let result: Result<FittedModelHandle, TaskFailure> = cancel.whileCurrent {
            taskResult {
                if let have {
                    try have.boost(to: rounds)
                    return have
                }
                // The first rung: fit with its rounds, a resumable booster.
                var values = models[trial].values
                values["resumable"] = .bool(true)
                values["calibration"] = .int(0)
                values["rounds"] = .int(rounds)
                let c = try config.algorithm.configure(values)
                return try withTrainSeries { series in taskResult { try c.fitGlobal(series) } }.get()
            }
        }
        let model = try result.get()
        lock.lock()
        fitted[trial] = model
        lock.unlock()
        return try score(model)
    }

    /// Runs `body` with the training series as the plugin sees them: views into `train`.
    private func withTrainSeries<T>(_ body: ([SeriesRef]) -> T) -> T {
        train.y.withUnsafeBufferPointer { y in
            train.ds.withUnsafeBufferPointer { ds in
                body((0..<train.count).filter { train.length($0) > 0 }.map { s in
                    SeriesRef(id: train.ids[s], y: UnsafeBufferPointer(rebasing: y[train.range(s)]),
                              ds: UnsafeBufferPointer(rebasing: ds[train.range(s)]),
                              frequencyUnit: train.frequency.pluginUnit, frequencyStep: Int32(train.frequency.step),
                              endOfPeriod: train.frequency.endOfMonth)
                })
            }
        }
    }

    /// The mean metric over the series with validation points (MASE: those with a scale).
    func score(_ model: FittedModelHandle) throws(TaskFailure) -> Double {
        var sum = 0.0, n = 0
        for s in 0..<train.count {
            guard let v = validIndex[s], train.length(s) > 0 else { continue }
            let actual = Array(valid.values(v))
            let futureDs = Array(valid.times(v))
            guard !actual.isEmpty else { continue }
            let forecast: Result<ForecastValues, TaskFailure> = train.y.withUnsafeBufferPointer { y in
                train.ds.withUnsafeBufferPointer { ds in
                    let ref = SeriesRef(id: train.ids[s], y: UnsafeBufferPointer(rebasing: y[train.range(s)]),
                                        ds: UnsafeBufferPointer(rebasing: ds[train.range(s)]),
                                        frequencyUnit: train.frequency.pluginUnit, frequencyStep: Int32(train.frequency.step),
                                        endOfPeriod: train.frequency.endOfMonth)
                    return taskResult { try model.predictGlobal(series: ref, horizon: actual.count, futureDs: futureDs, levels: []) }
                }
            }
            let f = try forecast.get().mean
            let value: Double?
            switch metric {
            case "mase": value = Metrics.mase(actual: actual, forecast: f, insample: train.values(s), season: season)
            case "mae": value = Metrics.mae(actual, f)
            case "rmse": value = Metrics.rmse(actual, f)
            default: value = Metrics.smape(actual, f)
            }
            if let value, value.isFinite {
                sum += value
                n += 1
            }
        }
        guard n > 0 else { throw TaskFailure(.numeric, "no series could be scored on the validation data") }
        return sum / Double(n)
    }
}
