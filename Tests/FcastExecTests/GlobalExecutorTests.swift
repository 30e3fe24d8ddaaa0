import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// A global model (global_xgb) in the executor: one fit per window across all series, every
/// series' slots filled from it, the same numbers on every driver, and kept models that
/// forecast again (saved bytes included).
final class GlobalExecutorTests: XCTestCase {
    // Inline only: libgomp (loaded with libxgboost at this test process's start, before any
    // OMP_NUM_THREADS could be set) crashed when OpenMP teams were opened from the thread
    // executor's threads; fcast itself sets OMP_NUM_THREADS=1 before loading plugins.
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        for name in ["naive", "global"] {
            _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so").path)
        }
        return r
    }()
    static let visnights = try! LongCSV.load(path: TestSupport.exampleData("visnights.csv").path)

    func models() throws -> [ModelSpec] {
        let g = try XCTUnwrap(Self.registry.algorithm(named: "global_xgb"), "libfcast_global.so not built")
        let s = try XCTUnwrap(Self.registry.algorithm(named: "snaive"))
        var m = [ModelSpec(algorithm: g, values: ["rounds": .int(30), "calibration": .int(4)]),
                 ModelSpec(algorithm: s, values: ["season": .int(4)])]
        ModelSpec.assignNames(&m)
        return m
    }

    func run(on executor: any Executor, keep: Job.KeepModels = .fitted, windows: [Window] = [Window(cutoff: 0)]) throws -> RunResult {
        let m = try models()
        let options = RunOptions(horizon: 8, levels: [80], seed: 7)
        let job = Job(plan: Runner.plan(m, on: Self.visnights, options: options, windows: windows), models: m,
                      data: Self.visnights, keep: keep)
        return try Runner.run(job, on: executor, cancel: CancelToken(), progress: .none, progressOutput: .silent)
    }

    func testGlobalModelFillsEverySeriesFromOneFitAndRepeats() throws {
        let threads = try run(on: InlineExecutor())
        let inline = try run(on: InlineExecutor())
        let n = Self.visnights.count
        for s in 0..<n {
            for m in 0..<2 {
                let a = Array(threads.meanSlice(model: m, series: s)), b = Array(inline.meanSlice(model: m, series: s))
                XCTAssertTrue(a.allSatisfy(\.isFinite), "model \(m) series \(s)")
                XCTAssertEqual(a, b, "model \(m) series \(s): two runs differ")
                XCTAssertEqual(Array(threads.loSlice(model: m, series: s, level: 0)), Array(inline.loSlice(model: m, series: s, level: 0)))
            }
            // One model across all series: every series' task kept the same fitted model.
            let first = threads.plan.taskIndex(TaskRef(series: 0, model: 0, window: 0))
            let this = threads.plan.taskIndex(TaskRef(series: s, model: 0, window: 0))
            guard case .fitted(let a)? = threads.kept[first], case .fitted(let b)? = threads.kept[this] else {
                return XCTFail("series \(s): no kept model")
            }
            XCTAssertTrue(a === b, "series \(s) has a model of its own")
            XCTAssertTrue(b.isGlobal)
        }
        // Intervals hold the mean.
        for s in 0..<n {
            let mean = threads.meanSlice(model: 0, series: s), lo = threads.loSlice(model: 0, series: s, level: 0)
            for (a, l) in zip(mean, lo) { XCTAssertLessThan(l, a) }
        }
    }

    func testSavedGlobalModelsForecastTheSameAgain() throws {
        let first = try run(on: InlineExecutor(), keep: .saved)
        let m = try models()
        let options = RunOptions(horizon: 8, levels: [80], seed: 7)
        let job = Job(plan: Runner.plan(m, on: Self.visnights, options: options), models: m, data: Self.visnights,
                      keep: .none, reuse: Job.Reuse(kept: first.kept, outcomes: first.outcomes))
        let again = try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        for s in 0..<Self.visnights.count {
            XCTAssertEqual(Array(first.meanSlice(model: 0, series: s)).map(\.bitPattern),
                           Array(again.meanSlice(model: 0, series: s)).map(\.bitPattern), "series \(s)")
        }
    }

    func testEachWindowFitsItsOwnGlobalModel() throws {
        let r = try run(on: InlineExecutor(), windows: [Window(cutoff: 0), Window(cutoff: 8)])
        let t0 = r.plan.taskIndex(TaskRef(series: 0, model: 0, window: 0))
        let t1 = r.plan.taskIndex(TaskRef(series: 0, model: 0, window: 1))
        guard case .fitted(let a)? = r.kept[t0], case .fitted(let b)? = r.kept[t1] else { return XCTFail("no kept models") }
        XCTAssertFalse(a === b)
        XCTAssertNotEqual(Array(r.meanSlice(model: 0, series: 0)), Array(r.meanSlice(model: 0, series: 0, window: 1)))
    }

    /// Worker processes keep their own fits, so the processes and Ray executors hand out the
    /// tasks of one global fit (a model and window) in one chunk: one worker fits it once.
    /// Every task is in exactly one chunk; the local model's tasks go in chunks of at most the size asked.
    func testChunksKeepTheTasksOfOneGlobalFitTogether() throws {
        let m = try models()
        let options = RunOptions(horizon: 8, levels: [80], seed: 7)
        let job = Job(plan: Runner.plan(m, on: Self.visnights, options: options,
                                        windows: [Window(cutoff: 0), Window(cutoff: 8)]),
                      models: m, data: Self.visnights)
        let all = Array(0..<job.plan.taskCount)
        let chunks = job.chunks(all, size: 3)
        XCTAssertEqual(chunks.flatMap { $0 }.sorted(), all)
        for w in 0..<2 {
            let global = Set((0..<Self.visnights.count).map { job.plan.taskIndex(TaskRef(series: $0, model: 0, window: w)) })
            let holding = chunks.filter { !global.isDisjoint(with: $0) }
            XCTAssertEqual(holding.count, 1, "window \(w)'s global tasks are spread over \(holding.count) chunks")
        }
        let local = chunks.filter { $0.allSatisfy { job.plan.task($0).model == 1 } }
        XCTAssertFalse(local.isEmpty)
        XCTAssertTrue(local.allSatisfy { $0.count <= 3 }, "\(local.map(\.count))")
        XCTAssertEqual(local.reduce(0) { $0 + $1.count }, 2 * Self.visnights.count)
    }

    /// The same numbers from two worker processes as inline (the processes executor sends the
    /// job to each worker; the global fit happens in the worker that gets its chunk).
    func testProcessesExecutorForecastsAsInline() throws {
        let inline = try run(on: InlineExecutor(), keep: .none, windows: [Window(cutoff: 0), Window(cutoff: 8)])
        let processes = try run(on: try ProcessExecutor(workers: 2, executable: TestSupport.fcastBinary), keep: .none,
                                windows: [Window(cutoff: 0), Window(cutoff: 8)])
        XCTAssertEqual(processes.failedTasks, 0)
        for s in 0..<Self.visnights.count {
            for w in 0..<2 {
                XCTAssertEqual(Array(processes.meanSlice(model: 0, series: s, window: w)).map(\.bitPattern),
                               Array(inline.meanSlice(model: 0, series: s, window: w)).map(\.bitPattern), "series \(s) window \(w)")
            }
        }
    }
}
