import CFcastPlugin
import FcastCore
import FcastPlugins
import Foundation
import Synchronization

/// Runs a grid over a panel on a local pool of threads: one task per series x model.
/// A failing task is recorded with its reason and the rest of the grid goes on; a cancel
/// request (the run's CancelToken, e.g. from Ctrl-C) stops handing out tasks, and
/// what finished is kept.
public enum LocalExecutor {
    public static var defaultWorkers: Int { ProcessInfo.processInfo.activeProcessorCount }

    public static func run(_ models: [ModelSpec], on train: Panel, options: RunOptions,
                           progressOutput: ProgressOutput = .standardError) -> RunResult {
        let start = DispatchTime.now()
        let nSeries = train.count
        let nModels = models.count
        let h = options.horizon
        let nLevels = options.levels.count
        let nTasks = nSeries * nModels
        let workers = max(1, min(options.workers > 0 ? options.workers : defaultWorkers, max(1, nTasks)))

        // Timestamps of the forecast steps, per series.
        var futureDs = [Int64](repeating: 0, count: nSeries * h)
        for s in 0..<nSeries {
            let last = train.lastTime(s) ?? 0
            for t in 0..<h { futureDs[s * h + t] = train.frequency.advance(last, by: t + 1) }
        }

        // One configuration per model; a model the plugin refuses fails all its tasks.
        let configs: [Result<ModelConfiguration, TaskFailure>] = models.map { m in
            do { return .success(try m.algorithm.configure(m.values)) } catch let f as TaskFailure {
                return .failure(f)
            } catch {
                return .failure(TaskFailure(.internal, "\(error)"))
            }
        }
        let future = futureDs

        var mean = [Double](repeating: .nan, count: nTasks * h)
        var lo = [Double](repeating: .nan, count: nTasks * nLevels * h)
        var hi = [Double](repeating: .nan, count: nTasks * nLevels * h)
        var outcomes = [TaskOutcome](repeating: .notRun, count: nTasks)
        var descriptions = [String](repeating: "", count: nTasks)
        var taskSeconds = [Double](repeating: 0, count: nTasks)
        let progress = ProgressReporter(total: nTasks, workers: workers, style: options.progress, output: progressOutput)

        mean.withUnsafeMutableBufferPointer { meanBuf in
        lo.withUnsafeMutableBufferPointer { loBuf in
        hi.withUnsafeMutableBufferPointer { hiBuf in
        outcomes.withUnsafeMutableBufferPointer { outBuf in
        descriptions.withUnsafeMutableBufferPointer { descBuf in
        taskSeconds.withUnsafeMutableBufferPointer { secBuf in
            let shared = Shared(mean: meanBuf, lo: loBuf, hi: hiBuf, outcomes: outBuf, descriptions: descBuf,
                                seconds: secBuf)
            let next = Atomic<Int>(0)
            // Small chunks keep the threads busy to the end; large enough to keep the counter cold.
            let chunk = max(1, min(64, nTasks / (workers * 32)))
            let group = DispatchGroup()
            for _ in 0..<workers {
                group.enter()
                let thread = Thread {
                    defer { group.leave() }
                    while !options.cancel.isCancelled {
                        let first = next.add(chunk, ordering: .relaxed).oldValue
                        if first >= nTasks { break }
                        for e in first..<min(first + chunk, nTasks) {
                            if options.cancel.isCancelled { break }
                            // Run series by series, every model of a series together, so that a
                            // grid of cheap and costly models progresses (and estimates its ETA)
                            // evenly; results are stored model by model.
                            let s = e / nModels, m = e % nModels
                            let k = m * nSeries + s
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            let outcome = options.cancel.whileCurrent { runTask(config: configs[m], model: models[m], series: s, train: train,
                                                  task: k, options: options, futureDs: future, shared: shared) }
                            shared.seconds[k] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                            shared.outcomes[k] = outcome
                            progress.taskFinished(failed: { if case .failed = outcome { true } else { false } }())
                        }
                    }
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            group.wait()
        }}}}}}
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let cancelled = options.cancel.isCancelled
        progress.finish(seconds: wall, cancelled: cancelled)
        return RunResult(train: train, models: models, horizon: h, levels: options.levels, futureDs: futureDs,
                         mean: mean, lo: lo, hi: hi, outcomes: outcomes, descriptions: descriptions,
                         taskSeconds: taskSeconds, wallSeconds: wall, workers: workers, cancelled: cancelled)
    }

    /// Buffers the worker threads write into; every task writes only its own slots.
    private struct Shared: @unchecked Sendable {
        var mean, lo, hi: UnsafeMutableBufferPointer<Double>
        var outcomes: UnsafeMutableBufferPointer<TaskOutcome>
        var descriptions: UnsafeMutableBufferPointer<String>
        var seconds: UnsafeMutableBufferPointer<Double>
    }

    private static func runTask(config configResult: Result<ModelConfiguration, TaskFailure>, model: ModelSpec, series s: Int,
                                train: Panel, task k: Int, options: RunOptions, futureDs: [Int64],
                                shared: Shared) -> TaskOutcome {
        let config: ModelConfiguration
        switch configResult {
        case .success(let c): config = c
        case .failure(let f): return .failed(f)
        }
        let h = options.horizon, nLevels = options.levels.count
        let range = train.range(s)
        do {
            let fitted: FittedModelHandle = try train.y.withUnsafeBufferPointer { y in
                try train.ds.withUnsafeBufferPointer { ds in
                    let ref = SeriesRef(id: train.ids[s], y: UnsafeBufferPointer(rebasing: y[range]),
                                        ds: UnsafeBufferPointer(rebasing: ds[range]),
                                        frequencyUnit: train.frequency.pluginUnit,
                                        frequencyStep: Int32(train.frequency.step), endOfPeriod: train.frequency.endOfMonth)
                    return try config.fit(ref)
                }
            }
            let loBase = k * nLevels * h
            try futureDs.withUnsafeBufferPointer { future in
                try fitted.predict(horizon: h, futureDs: UnsafeBufferPointer(rebasing: future[(s * h)..<((s + 1) * h)]),
                                   levels: options.levels, seed: taskSeed(options.seed, series: s, model: model.name),
                                   mean: shared.mean.baseAddress! + k * h,
                                   lo: nLevels > 0 ? shared.lo.baseAddress! + loBase : nil,
                                   hi: nLevels > 0 ? shared.hi.baseAddress! + loBase : nil)
            }
            for t in 0..<h where !shared.mean[k * h + t].isFinite {
                return .failed(TaskFailure(.numeric, "\(model.name) produced a non-finite forecast at step \(t + 1)"))
            }
            shared.descriptions[k] = fitted.modelDescription
            return .ok
        } catch let f as TaskFailure {
            return .failed(f)
        } catch {
            return .failed(TaskFailure(.internal, "\(error)"))
        }
    }

    /// A seed per (run seed, series, model) that does not depend on workers or scheduling.
    static func taskSeed(_ seed: UInt64, series: Int, model: String) -> UInt64 {
        var x = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(series + 1)
        for b in model.utf8 { x = (x ^ UInt64(b)) &* 0x100_0000_01B3 }
        x ^= x >> 30; x = x &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 27; x = x &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}

extension Frequency {
    /// The frequency unit as the plugin ABI names it.
    public var pluginUnit: Int32 {
        let u: Int = switch unit {
        case .second: FC_FREQ_SECOND
        case .minute: FC_FREQ_MINUTE
        case .hour: FC_FREQ_HOUR
        case .day: FC_FREQ_DAY
        case .week: FC_FREQ_WEEK
        case .month: FC_FREQ_MONTH
        case .quarter: FC_FREQ_QUARTER
        case .year: FC_FREQ_YEAR
        }
        return Int32(u)
    }
}
