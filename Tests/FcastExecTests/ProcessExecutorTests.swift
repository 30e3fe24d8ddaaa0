import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// The processes executor: `fcast worker` children fed over the binary worker protocol give
/// the numbers of the in-process drivers, survive a crashing plugin, report a plan they
/// cannot resolve, stop on cancel; and the frame codec reads nothing it should not.
final class ProcessExecutorTests: XCTestCase {
    static let registry: PluginRegistry = ExecutorTests.registry
    static let visnights = ExecutorTests.visnights

    func processes(_ workers: Int) throws -> ProcessExecutor {
        try ProcessExecutor(workers: workers, executable: TestSupport.fcastBinary)
    }

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:], in registry: PluginRegistry = registry) throws -> ModelSpec {
        let a = try XCTUnwrap(registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        return ModelSpec(algorithm: a, values: values)
    }

    func job(_ models: [ModelSpec], _ data: Panel, horizon: Int = 8, levels: [Double] = [80, 95]) -> Job {
        var named = models
        ModelSpec.assignNames(&named)
        let options = RunOptions(horizon: horizon, levels: levels, seed: 7)
        return Job(plan: Runner.plan(named, on: data, options: options), models: named, data: data)
    }

    func run(_ job: Job, on executor: any Executor, cancel: CancelToken = CancelToken()) throws -> RunResult {
        try Runner.run(job, on: executor, cancel: cancel, progress: .none, progressOutput: .silent)
    }

    // MARK: Same numbers as in process

    func testProcessesGiveTheNumbersOfInlineAndThreads() throws {
        let models = [try spec("naive"), try spec("snaive", ["season": .int(4)]), try spec("drift"), try spec("prophet")]
        let j = job(models, Self.visnights)
        let inline = try run(j, on: InlineExecutor())
        XCTAssertEqual(inline.failedTasks, 0)
        XCTAssertTrue(inline.mean.allSatisfy(\.isFinite) && inline.lo.allSatisfy(\.isFinite))
        let threads = try run(j, on: ThreadExecutor(workers: 2))
        for workers in [1, 2] {
            let p = try run(j, on: try processes(workers))
            XCTAssertEqual(p.executor, "processes")
            XCTAssertEqual(p.workers, workers)
            XCTAssertFalse(p.cancelled)
            XCTAssertEqual(p.completedTasks, j.plan.taskCount)
            XCTAssertEqual(p.failedTasks, 0, "\(p.failures.map(\.failure.message))")
            XCTAssertEqual(p.mean, inline.mean, "\(workers) workers")
            XCTAssertEqual(p.lo, inline.lo, "\(workers) workers")
            XCTAssertEqual(p.hi, inline.hi, "\(workers) workers")
            XCTAssertEqual(p.descriptions, inline.descriptions, "\(workers) workers")
            XCTAssertEqual(p.mean, threads.mean)
            XCTAssertEqual(p.descriptions, threads.descriptions)
            XCTAssertTrue(p.taskSeconds.allSatisfy { $0 > 0 })
        }
    }

    func testPredictFromAProcessesRunEqualsTheRunAndModelsComeBackSaved() throws {
        let data = Self.visnights.subset([0, 1, 2, 3, 4])
        let models = [try spec("snaive", ["season": .int(4)]), try spec("drift"), try spec("prophet")]
        let res = try run(job(models, data), on: try processes(2))
        XCTAssertEqual(res.failedTasks, 0)
        for (k, kept) in res.kept.enumerated() {
            guard case .saved(let bytes)? = kept else { return XCTFail("task \(k): kept \(String(describing: kept)), not saved bytes") }
            XCTAssertFalse(bytes.isEmpty)
        }
        let again = try res.predict(horizon: 8, levels: [80, 95])
        XCTAssertEqual(again.mean, res.mean)
        XCTAssertEqual(again.lo, res.lo)
        XCTAssertEqual(again.hi, res.hi)
        XCTAssertEqual(again.descriptions, res.descriptions)
        let longer = try res.predict(horizon: 12, levels: [])
        for m in models.indices {
            for s in 0..<data.count {
                XCTAssertEqual(Array(longer.meanSlice(model: m, series: s).prefix(8)), Array(res.meanSlice(model: m, series: s)))
            }
        }
        // predict forecasts from kept models in this process: the processes driver refuses it.
        XCTAssertThrowsError(try res.predict(horizon: 8, levels: [], on: try processes(1))) {
            XCTAssertTrue("\($0)".contains("predict"), "\($0)")
        }
    }

    // MARK: Crashes

    /// Two algorithms that crash their process on the series "boom": one calls abort(), one
    /// writes through a null pointer (SIGSEGV); on every other series they forecast the last
    /// value.
    static let crashingPluginSource = """
        #include <signal.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/resource.h>
        #include "fcast_plugin.h"
        static int dummy;
        static fc_status configure(const fc_algorithm *s, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)v; (void)n; (void)e; *c = (void *)s; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static void no_core(void) { struct rlimit r = {0, 0}; setrlimit(RLIMIT_CORE, &r); }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            (void)e;
            if (strcmp(s->id, "boom") == 0) {
                no_core();
                if (strcmp(((const fc_algorithm *)c)->name, "boom_abort") == 0) abort();
                *(volatile int *)0 = 1;
            }
            *m = (void *)&s->y[s->n - 1]; return FC_OK; }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e; for (size_t t = 0; t < r->h; t++) o->mean[t] = *(const double *)m; return FC_OK; }
        static void free_model(void *m) { (void)m; }
        static const fc_algorithm boom_abort = { .struct_size = sizeof(fc_algorithm), .name = "boom_abort",
            .summary = "aborts on boom", .capabilities = FC_CAP_THREAD_SAFE, .configure = configure,
            .free_config = free_config, .fit = fit, .predict = predict, .free_model = free_model };
        static const fc_algorithm boom_segv = { .struct_size = sizeof(fc_algorithm), .name = "boom_segv",
            .summary = "segfaults on boom", .capabilities = FC_CAP_THREAD_SAFE, .configure = configure,
            .free_config = free_config, .fit = fit, .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algs[] = {&boom_abort, &boom_segv};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "boom", "1.0.0", "", 2, algs };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) {
            (void)a; (void)b; (void)h; (void)dummy; return &lib; }
        """

    func smallPanel(ids: [String], length: Int = 12) -> Panel {
        let start = Timestamp.parse("2020-01-01")!.0
        return Panel(series: ids.enumerated().map { i, id in
            (id: id, ds: (0..<length).map { Frequency.monthly.advance(start, by: $0) },
             y: (0..<length).map { Double(i * 100 + $0) })
        }, frequency: .monthly)
    }

    func testAWorkerThatCrashesFailsOnlyItsTaskAndTheRunGoesOn() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.crashingPluginSource, name: "boom", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        let data = smallPanel(ids: ["a", "b", "c", "boom", "d", "e", "f", "g"])
        let models = [try spec("boom_abort", in: registry), try spec("boom_segv", in: registry)]
        let j = job(models, data, horizon: 3, levels: [])
        // The workers inherit this: no Swift crash backtraces in the test log.
        setenv("SWIFT_BACKTRACE", "enable=no", 1)
        defer { unsetenv("SWIFT_BACKTRACE") }
        for workers in [1, 2] {
            let r = try run(j, on: try processes(workers))
            XCTAssertEqual(r.completedTasks, j.plan.taskCount, "\(workers) workers: every task has an outcome")
            XCTAssertEqual(r.failedTasks, 2, "\(workers) workers: \(r.failures.map(\.failure.message))")
            let boom = try XCTUnwrap(data.index(of: "boom"))
            for (m, signal) in [(0, "SIGABRT"), (1, "SIGSEGV")] {
                guard case .failed(let f) = r.outcomes[r.task(model: m, series: boom)] else {
                    XCTFail("\(workers) workers: the boom task of \(models[m].name) did not fail")
                    continue
                }
                XCTAssertEqual(f.message, "worker process killed by \(signal) while running this task")
                XCTAssertEqual(f.kind, .internal)
            }
            for s in 0..<data.count where s != boom {
                for m in models.indices {
                    XCTAssertEqual(Array(r.meanSlice(model: m, series: s)), [Double](repeating: Double(s * 100 + 11), count: 3))
                }
            }
            XCTAssertEqual(workerChildren(), [], "every worker is reaped")
        }
    }

    /// A plugin that prints to standard output (printf, and write(1, ...)) and logs on every fit.
    static let chattyPluginSource = """
        #include <stdio.h>
        #include <unistd.h>
        #include "fcast_plugin.h"
        static const fc_host *host;
        static int dummy;
        static fc_status configure(const fc_algorithm *s, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)s; (void)v; (void)n; (void)e; *c = &dummy; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            (void)c; (void)e;
            printf("chatty: fitting %s\\n", s->id);
            fflush(stdout);
            if (write(1, "chatty: a raw write\\n", 20) < 0) return FC_ERR_INTERNAL;
            host->log(FC_LOG_INFO, "chatty fitted a series");
            *m = (void *)&s->y[s->n - 1]; return FC_OK; }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e; for (size_t t = 0; t < r->h; t++) o->mean[t] = *(const double *)m; return FC_OK; }
        static void free_model(void *m) { (void)m; }
        static const fc_algorithm chatty = { .struct_size = sizeof(fc_algorithm), .name = "chatty", .summary = "prints",
            .capabilities = FC_CAP_THREAD_SAFE, .configure = configure, .free_config = free_config, .fit = fit,
            .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algs[] = {&chatty};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "chatty", "1.0.0", "", 1, algs };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) {
            (void)a; (void)b; host = h; return &lib; }
        """

    func testAPluginWritingToStandardOutputCannotCorruptTheFrames() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.chattyPluginSource, name: "chatty", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        let data = smallPanel(ids: ["a", "b", "c", "d", "e"])
        let r = try run(job([try spec("chatty", in: registry)], data, horizon: 2, levels: []), on: try processes(2))
        XCTAssertEqual(r.failedTasks, 0, "\(r.failures.map(\.failure.message))")
        XCTAssertEqual(r.completedTasks, 5)
        for s in 0..<data.count { XCTAssertEqual(Array(r.meanSlice(model: 0, series: s)), [Double(s * 100 + 11), Double(s * 100 + 11)]) }
        XCTAssertEqual(workerChildren(), [])
    }

    /// The `fcast worker` children of this process still there (running or zombies).
    func workerChildren() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var out: [String] = []
        for t in tasks {
            let text = (try? String(contentsOfFile: "/proc/self/task/\(t)/children", encoding: .utf8)) ?? ""
            for pid in text.split(separator: " ") {
                let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                if cmdline.hasSuffix("worker\0") || cmdline.hasSuffix("worker") { out.append("\(pid)") }
            }
        }
        return out
    }

    // MARK: A plan the worker cannot run

    func testAPlanTheWorkerCannotResolveFailsTheRunWithItsMessage() throws {
        let models = [try spec("naive")]
        let data = Self.visnights.subset([0, 1])
        var plan = Runner.plan(models, on: data, options: RunOptions(horizon: 4))
        // This process has resolved the models; the worker resolves the plan, which names a
        // library it is not sent.
        plan.models[0].library = "ets"
        let j = Job(plan: plan, models: models, data: data)
        let expected: String
        do {
            let workerRegistry = PluginRegistry()
            try workerRegistry.load(path: models[0].algorithm.library.path)
            _ = try plan.resolve(in: workerRegistry, exactVersions: true)
            return XCTFail("the plan resolved")
        } catch {
            expected = "\(error)"
        }
        XCTAssertTrue(expected.contains("needs the plugin library 'ets'"), expected)
        let started = Date()
        XCTAssertThrowsError(try run(j, on: try processes(2))) { error in
            XCTAssertEqual("\(error)", expected)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)

        // A plugin file that has gone since this process loaded it: the worker says so.
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.crashingPluginSource, name: "boom", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        try FileManager.default.removeItem(at: lib)
        let gone = job([try spec("boom_abort", in: registry)], smallPanel(ids: ["a"]), horizon: 2, levels: [])
        XCTAssertThrowsError(try run(gone, on: try processes(1))) { error in
            XCTAssertTrue("\(error)".contains("cannot load the plugin \(lib.path)"), "\(error)")
        }
        XCTAssertEqual(workerChildren(), [], "every worker is reaped")
    }

    func testAWorkerExecutableThatIsNotThereIsAClearError() throws {
        let j = job([try spec("naive")], Self.visnights.subset([0]), horizon: 2, levels: [])
        let missing = try ProcessExecutor(workers: 1, executable: URL(fileURLWithPath: "/nonexistent/fcast"))
        XCTAssertThrowsError(try run(j, on: missing)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/fcast"), "\(error)")
        }
    }

    // MARK: Cancellation

    func testACancelledRunStopsPromptlyAndKeepsWhatFinished() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: TestSupport.slowPluginSource, name: "slow", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        let slow = try spec("slow", in: registry)
        // 20 series x 16 models x 20 ms on 2 workers: about 3.2 s uninterrupted.
        let j = job([ModelSpec](repeating: slow, count: 16), Self.visnights, horizon: 3, levels: [])

        let already = CancelToken()
        already.cancel()
        let none = try run(j, on: try processes(2), cancel: already)
        XCTAssertTrue(none.cancelled)
        XCTAssertEqual(none.completedTasks, 0)

        let token = CancelToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.8) { token.cancel() }
        let started = Date()
        let r = try run(j, on: try processes(2), cancel: token)
        let took = Date().timeIntervalSince(started)
        XCTAssertTrue(r.cancelled)
        XCTAssertLessThan(took, 0.8 + 1.0, "took \(took) s")
        XCTAssertGreaterThan(r.completedTasks, 0)
        XCTAssertLessThan(r.completedTasks, j.plan.taskCount)
        XCTAssertEqual(r.failedTasks, 0)
        for k in 0..<j.plan.taskCount {
            if case .ok = r.outcomes[k] {
                XCTAssertEqual(Array(r.mean[(k * 3)..<(k * 3 + 3)]), [0, 0, 0], "task \(k) finished: its forecast is kept")
            }
        }
        XCTAssertEqual(workerChildren(), [], "every worker is reaped")
    }

    func testAWorkerThatIgnoresCancelIsKilledAfterTheGrace() throws {
        let dir = TestSupport.temporaryDirectory()
        // A fit of 30 s that never asks whether to stop.
        let source = TestSupport.slowPluginSource.replacingOccurrences(of: "usleep(20000)", with: "sleep(30)")
        XCTAssertNotEqual(source, TestSupport.slowPluginSource)
        let lib = try TestSupport.compileCPlugin(source: source, name: "slow", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        let j = job([try spec("slow", in: registry)], Self.visnights.subset([0, 1, 2]), horizon: 2, levels: [])
        var executor = try processes(2)
        executor.cancelGrace = 0.3
        let token = CancelToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { token.cancel() }
        let started = Date()
        let r = try run(j, on: executor, cancel: token)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "the run must not wait for the 30 s fits")
        XCTAssertTrue(r.cancelled)
        XCTAssertEqual(r.completedTasks, 0)
        XCTAssertEqual(workerChildren(), [], "every worker is reaped")
    }

    // MARK: Frames

    func sampleFrames() -> [WorkerFrame] {
        let panel = Panel(series: [("a", [0, 86_400, 172_800], [1.5, -.infinity, .nan]), ("b", [86_400], [0.1 + 0.2])],
                          frequency: .daily, timestampStyle: .dateTime(separator: "T", seconds: true))
        let steps = Panel(series: [("m", [3, 4, 6], [1, 2, 3])], frequency: .index, timestampStyle: .index)
        return [
            .job(WorkerJob(plan: Array(#"{"plan":1}"#.utf8), libraries: ["/x/libfcast_naive.so", "/y/é.so"], keepModels: true,
                           data: panel)),
            .tasks(chunk: 7, tasks: [3, 1, 4_000_000]),
            .cancel,
            .shutdown,
            .ready(version: WorkerProtocol.version),
            .result(TaskResult(task: 12, outcome: .ok, description: "ARIMA(0,1,1)", seconds: 0.25,
                               mean: [1, 2.5, -0.0], lo: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], hi: [.pi, .ulpOfOne, .nan, 1e300, -1, 0],
                               model: [0, 255, 7])),
            .result(TaskResult(task: 0, outcome: .failed(TaskFailure(.notEnoughData, "series 'x' is too short")),
                               description: "", seconds: 0, mean: [.nan], lo: [], hi: [], model: nil)),
            .result(TaskResult(task: 1, outcome: .notRun, description: "", seconds: 0, mean: [], lo: [], hi: [], model: [])),
            .chunkDone(chunk: 7),
            .log(level: 2, message: "a warning\nwith two lines"),
            .fatal(message: "the plan's model naive needs the plugin library 'ets'"),
            // A row-index axis (issue 19) travels as such.
            .job(WorkerJob(plan: Array(#"{"plan":2}"#.utf8), libraries: [], keepModels: false, data: steps)),
        ]
    }

    func assertSame(_ a: WorkerFrame, _ b: WorkerFrame, file: StaticString = #filePath, line: UInt = #line) {
        func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }
        switch (a, b) {
        case (.job(let x), .job(let y)):
            XCTAssertEqual(x.version, y.version, file: file, line: line)
            XCTAssertEqual(x.plan, y.plan, file: file, line: line)
            XCTAssertEqual(x.libraries, y.libraries, file: file, line: line)
            XCTAssertEqual(x.keepModels, y.keepModels, file: file, line: line)
            XCTAssertEqual(x.data.ids, y.data.ids, file: file, line: line)
            XCTAssertEqual(x.data.offsets, y.data.offsets, file: file, line: line)
            XCTAssertEqual(x.data.ds, y.data.ds, file: file, line: line)
            XCTAssertEqual(bits(x.data.y), bits(y.data.y), file: file, line: line)
            XCTAssertEqual(x.data.frequency, y.data.frequency, file: file, line: line)
            XCTAssertEqual(x.data.timestampStyle, y.data.timestampStyle, file: file, line: line)
        case (.tasks(let c1, let t1), .tasks(let c2, let t2)):
            XCTAssertEqual(c1, c2, file: file, line: line)
            XCTAssertEqual(t1, t2, file: file, line: line)
        case (.cancel, .cancel), (.shutdown, .shutdown): break
        case (.ready(let v1), .ready(let v2)): XCTAssertEqual(v1, v2, file: file, line: line)
        case (.result(let x), .result(let y)):
            XCTAssertEqual(x.task, y.task, file: file, line: line)
            XCTAssertEqual("\(x.outcome)", "\(y.outcome)", file: file, line: line)
            XCTAssertEqual(x.description, y.description, file: file, line: line)
            XCTAssertEqual(x.seconds, y.seconds, file: file, line: line)
            XCTAssertEqual(bits(x.mean), bits(y.mean), file: file, line: line)
            XCTAssertEqual(bits(x.lo), bits(y.lo), file: file, line: line)
            XCTAssertEqual(bits(x.hi), bits(y.hi), file: file, line: line)
            XCTAssertEqual(x.model, y.model, file: file, line: line)
        case (.chunkDone(let c1), .chunkDone(let c2)): XCTAssertEqual(c1, c2, file: file, line: line)
        case (.log(let l1, let m1), .log(let l2, let m2)):
            XCTAssertEqual(l1, l2, file: file, line: line)
            XCTAssertEqual(m1, m2, file: file, line: line)
        case (.fatal(let m1), .fatal(let m2)): XCTAssertEqual(m1, m2, file: file, line: line)
        default: XCTFail("\(a.type.name) came back as \(b.type.name)", file: file, line: line)
        }
    }

    func testEveryFrameRoundTripsBitForBit() throws {
        let frames = sampleFrames()
        XCTAssertEqual(Set(frames.map(\.type)), Set(WorkerProtocol.FrameType.allCases))
        var stream: [UInt8] = []
        for f in frames {
            let bytes = try WorkerProtocol.encode(f)
            // u32 LE length, then the type.
            let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
            XCTAssertEqual(length, bytes.count - 5)
            XCTAssertEqual(bytes[4], f.type.rawValue)
            let back = try WorkerProtocol.decodeAll(bytes)
            XCTAssertEqual(back.count, 1)
            assertSame(f, back[0])
            stream += bytes
        }
        let all = try WorkerProtocol.decodeAll(stream)
        XCTAssertEqual(all.count, frames.count)
        for (a, b) in zip(frames, all) { assertSame(a, b) }
        XCTAssertEqual(try WorkerProtocol.encode(.cancel), [0, 0, 0, 0, 0x03])
    }

    func testMalformedFramesAreErrorsNotCrashes() throws {
        func message(_ bytes: [UInt8]) -> String {
            do { _ = try WorkerProtocol.decodeAll(bytes); return "decoded" } catch { return error.description }
        }
        let result = try WorkerProtocol.encode(sampleFrames()[5])
        XCTAssertTrue(message(Array(result.dropLast())).contains("truncated RESULT frame"), message(Array(result.dropLast())))
        XCTAssertTrue(message([0, 0]).contains("truncated frame"), message([0, 0]))
        XCTAssertTrue(message([0, 0, 0, 0, 0x7f]).contains("unknown frame type 0x7f"), message([0, 0, 0, 0, 0x7f]))
        XCTAssertTrue(message([0xff, 0xff, 0xff, 0xff, 0x11]).contains("more than a frame may carry"))
        // A list count far beyond the payload is refused before anything is allocated.
        XCTAssertTrue(message([9, 0, 0, 0, 0x02, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]).contains("truncated TASKS frame"))
        // Bytes left over after a payload.
        XCTAssertTrue(message([5, 0, 0, 0, 0x12, 1, 0, 0, 0, 9]).contains("left over"))
        var version = try WorkerProtocol.encode(sampleFrames()[0])
        version[5] = 99
        XCTAssertTrue(message(version).contains("worker protocol 99"), message(version))

        // Fuzz: truncations and byte flips of every valid frame decode or fail; none crashes.
        var rng = SystemRandomNumberGenerator()
        var errors = 0
        for frame in sampleFrames() {
            let bytes = try WorkerProtocol.encode(frame)
            for cut in 1..<bytes.count {
                XCTAssertThrowsError(try WorkerProtocol.decodeAll(Array(bytes.prefix(cut))))
            }
            for _ in 0..<400 {
                var damaged = bytes
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if (try? WorkerProtocol.decodeAll(damaged)) == nil { errors += 1 }
            }
        }
        XCTAssertGreaterThan(errors, 0)
    }

    func testAWorkerServesAJobFedInDribbles() throws {
        // Worker.serve in this process, over pipes, its input written a few bytes at a time:
        // frames split anywhere are put back together.
        let data = Self.visnights.subset([0, 1, 2])
        let j = job([try spec("naive"), try spec("snaive", ["season": .int(4)])], data, horizon: 4, levels: [80])
        let inline = try run(j, on: InlineExecutor())
        let path = j.models[0].algorithm.library.path
        let input = try WorkerProtocol.encode(.job(WorkerJob(plan: Array(j.plan.canonicalJSON()), libraries: [path],
                                                               keepModels: false, data: data)))
            + WorkerProtocol.encode(.tasks(chunk: 9, tasks: [5, 0, 3])) + WorkerProtocol.encode(.shutdown)
        var toWorkerFDs: [Int32] = [0, 0], fromWorkerFDs: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&toWorkerFDs), 0)
        XCTAssertEqual(pipe(&fromWorkerFDs), 0)
        let toWorker = toWorkerFDs, fromWorker = fromWorkerFDs
        let feeder = Thread {
            var at = 0
            while at < input.count {
                let n = min(7, input.count - at)
                input[at..<(at + n)].withUnsafeBytes { _ = write(toWorker[1], $0.baseAddress, n) }
                at += n
            }
            close(toWorker[1])
        }
        feeder.start()
        let served = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status: Int32 = -1
        Thread {
            status = Worker.serve(input: toWorker[0], output: fromWorker[1])
            close(fromWorker[1])
            served.signal()
        }.start()
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fromWorker[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        served.wait()
        close(toWorker[0])
        close(fromWorker[0])
        XCTAssertEqual(status, 0)
        let frames = try WorkerProtocol.decodeAll(output)
        XCTAssertEqual(frames.map(\.type.name), ["READY", "RESULT", "RESULT", "RESULT", "CHUNK_DONE"])
        for (frame, k) in zip(frames[1...3], [5, 0, 3]) {
            guard case .result(let r) = frame else { continue }
            XCTAssertEqual(r.task, k)
            XCTAssertEqual(r.mean, Array(inline.mean[(k * 4)..<(k * 4 + 4)]))
            XCTAssertEqual(r.lo, Array(inline.lo[(k * 4)..<(k * 4 + 4)]))
            XCTAssertEqual(r.hi, Array(inline.hi[(k * 4)..<(k * 4 + 4)]))
            XCTAssertEqual(r.description, inline.descriptions[k])
            XCTAssertNil(r.model, "the job keeps no models")
        }
        if case .chunkDone(let c) = frames[4] { XCTAssertEqual(c, 9) }
    }

    // MARK: The binary

    func testFcastRunWithProcessesWritesTheCSVOfThreads() throws {
        let dir = TestSupport.temporaryDirectory()
        var outputs: [String: String] = [:]
        for executor in ["threads", "processes"] {
            let script = try TestSupport.write("""
                d = load("examples/data/visnights.csv")
                res = run(grid(naive(), snaive(), drift(), prophet(), season: 4), d, horizon: 8, level: [80, 95], workers: 2, executor: "\(executor)")
                write(res, "\(dir.path)/\(executor).csv")
                """, to: "\(executor).fc", in: dir)
            let r = try TestSupport.fcast(["run", script.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("run: 80 tasks"), r.stderr)
            outputs[executor] = try String(contentsOfFile: "\(dir.path)/\(executor).csv", encoding: .utf8)
        }
        XCTAssertEqual(outputs["processes"]?.split(separator: "\n").count, 1 + 80 * 8)
        XCTAssertEqual(outputs["processes"], outputs["threads"])
    }

    func testAWorkersPluginLogLinesReachTheParentsStderrAndItsPrintsNeverStdout() throws {
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: Self.chattyPluginSource, name: "chatty", in: dir)
        let script = try TestSupport.write("""
            d = take(load("\(TestSupport.exampleData("visnights.csv").path)"), 5)
            res = run(chatty(), d, horizon: 2, workers: 2, executor: "processes")
            write(res, "\(dir.path)/chatty.csv")
            """, to: "chatty.fc", in: dir)
        let r = try TestSupport.fcast(["run", script.path], environment: ["FCAST_PLUGIN_PATH": dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        // One LOG frame per fit, written by the parent as its own plugins' lines are.
        XCTAssertEqual(r.stderr.components(separatedBy: "plugin info: chatty fitted a series\n").count - 1, 5, r.stderr)
        XCTAssertFalse(r.stdout.contains("chatty:"), r.stdout)
        XCTAssertEqual(r.stdout, "wrote 10 rows to \(dir.path)/chatty.csv\n")
    }

    func testCtrlCAtATerminalStopsAProcessesRunAndEveryWorker() throws {
        // A terminal's Ctrl-C goes to the whole foreground process group: fcast and its
        // workers. The workers ignore it; fcast cancels them through the protocol.
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: TestSupport.slowPluginSource, name: "slow", in: dir)
        let script = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            res = run([slow(), slow(), slow(), slow()], emp, horizon: 3, workers: 2, executor: "processes")
            show(res)
            """, to: "slow.fc", in: dir)
        let p = Process()
        p.executableURL = TestSupport.fcastBinary
        p.arguments = ["run", script.path]
        p.currentDirectoryURL = TestSupport.repoRoot
        var env = ProcessInfo.processInfo.environment
        env["FCAST_PLUGIN_PATH"] = dir.path
        p.environment = env
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = out
        try p.run()
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(p.isRunning, "the run should still be going")
        let workers = workerProcesses(of: p.processIdentifier)
        XCTAssertEqual(workers.count, 2, "two workers while the run goes")
        // Foundation starts fcast as the leader of a process group of its own (a new session),
        // as a shell does a foreground job: the group is fcast and its workers.
        let stat = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/stat", encoding: .utf8)) ?? ""
        let group = stat.split(separator: ")").last?.split(separator: " ").dropFirst(2).first.flatMap { Int32($0) }
        XCTAssertEqual(group, p.processIdentifier, "fcast leads its process group: \(stat)")
        let sent = Date()
        kill(-p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let took = Date().timeIntervalSince(sent)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        XCTAssertEqual(p.terminationStatus, 130, stderr)
        XCTAssertLessThan(took, 1.5, "took \(took) s to stop")
        XCTAssertTrue(stderr.contains("run: interrupted after"), stderr)
        XCTAssertTrue(stderr.contains("slow.fc:2: interrupted; the script stops here"), stderr)
        XCTAssertTrue(stderr.contains(", 0 failed\n"), "no task fails: the workers ignore the Ctrl-C\n\(stderr)")
        for pid in workers {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)"), "worker \(pid) outlived fcast")
        }
    }

    /// The `fcast worker` children of process `pid`.
    func workerProcesses(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var out: [Int32] = []
        for t in tasks {
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/children", encoding: .utf8)) ?? ""
            for child in text.split(separator: " ").compactMap({ Int32($0) }) {
                let cmdline = (try? String(contentsOfFile: "/proc/\(child)/cmdline", encoding: .utf8)) ?? ""
                if cmdline.hasSuffix("\0worker\0") { out.append(child) }
            }
        }
        return out
    }
}
