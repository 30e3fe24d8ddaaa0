import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// Crash isolation in the processes executor: plugins that segfault or hang on a fifth of
/// the series fail exactly those tasks, each with its reason, and the run ends; retries run a
/// task again on a fresh worker; a worker killed from outside fails only its task; a memory
/// cap reaches the worker.
final class IsolationTests: XCTestCase {
    /// Series s00..s19. `segv20` logs a line then writes through a null pointer on s00, s05,
    /// s10, s15; `hang20` sleeps forever on s01, s06, s11, s16; `flaky` crashes on s03 unless
    /// the file $FLAKY_MARK exists, which it creates first (so a second try succeeds); `hog`
    /// asks malloc for 1 GiB on s07 and fails with "cannot allocate" when it gets nothing.
    /// Otherwise each forecasts its series' last value. Loading the library aborts when
    /// $FAULTY_LOAD_CRASH_ALWAYS is set, and once when $FAULTY_LOAD_CRASH_MARK names a file
    /// that does not exist yet (it creates it first).
    static let source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        #include <sys/resource.h>
        #include "fcast_plugin.h"
        static const fc_host *host;
        static int number(const char *id) { return atoi(id + 1); }
        static fc_status configure(const fc_algorithm *s, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)v; (void)n; (void)e; *c = (void *)s; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static void no_core(void) { struct rlimit r = {0, 0}; setrlimit(RLIMIT_CORE, &r); }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            const char *name = ((const fc_algorithm *)c)->name;
            int k = number(s->id);
            if (strcmp(name, "segv20") == 0 && k % 5 == 0) {
                char line[64];
                snprintf(line, sizeof line, "segv20: giving up on %s", s->id);
                host->log(FC_LOG_WARN, line);
                no_core();
                *(volatile int *)0 = 1;
            }
            if (strcmp(name, "hang20") == 0 && k % 5 == 1) for (;;) sleep(1);
            if (strcmp(name, "flaky") == 0 && k == 3) {
                const char *mark = getenv("FLAKY_MARK");
                if (mark && access(mark, F_OK) != 0) {
                    FILE *f = fopen(mark, "w"); if (f) fclose(f);
                    no_core();
                    abort();
                }
            }
            if (strcmp(name, "hog") == 0 && k == 7) {
                void *p = malloc((size_t)1 << 30);
                if (!p) { e->status = FC_ERR_INTERNAL; snprintf(e->message, e->message_capacity, "cannot allocate 1 GiB"); return FC_ERR_INTERNAL; }
                free(p);
            }
            *m = (void *)&s->y[s->n - 1]; return FC_OK; }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e; for (size_t t = 0; t < r->h; t++) o->mean[t] = *(const double *)m; return FC_OK; }
        static void free_model(void *m) { (void)m; }
        #define ALG(n) static const fc_algorithm n = { .struct_size = sizeof(fc_algorithm), .name = #n, .summary = #n, \\
            .capabilities = FC_CAP_THREAD_SAFE, .configure = configure, .free_config = free_config, .fit = fit, \\
            .predict = predict, .free_model = free_model };
        ALG(segv20) ALG(hang20) ALG(flaky) ALG(hog)
        static const fc_algorithm *const algs[] = {&segv20, &hang20, &flaky, &hog};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "faulty", "1.0.0", "", 4, algs };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) {
            (void)a; (void)b; host = h;
            const char *once = getenv("FAULTY_LOAD_CRASH_MARK");
            if (once && *once && access(once, F_OK) != 0) {
                FILE *f = fopen(once, "w"); if (f) fclose(f);
                no_core(); abort();
            }
            if (getenv("FAULTY_LOAD_CRASH_ALWAYS")) { no_core(); abort(); }
            return &lib; }
        """

    static let library: URL = {
        let dir = TestSupport.temporaryDirectory()
        return try! TestSupport.compileCPlugin(source: source, name: "faulty", in: dir)
    }()
    /// Kept for the whole test run: algorithms do not own their library.
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        try! r.load(path: library.path)
        return r
    }()
    static let slowRegistry: PluginRegistry = {
        let r = PluginRegistry()
        try! r.load(path: TestSupport.compileCPlugin(source: TestSupport.slowPluginSource, name: "slow",
                                                     in: TestSupport.temporaryDirectory()).path)
        return r
    }()

    /// 20 monthly series of 12 points, s00..s19: series i holds i*100 ... i*100 + 11.
    static let data: Panel = {
        let start = Timestamp.parse("2020-01-01")!.0
        return Panel(series: (0..<20).map { i in
            (id: String(format: "s%02d", i), ds: (0..<12).map { Frequency.monthly.advance(start, by: $0) },
             y: (0..<12).map { Double(i * 100 + $0) })
        }, frequency: .monthly)
    }()

    override func setUp() {
        // The workers inherit this: no Swift crash backtraces in the test log.
        setenv("SWIFT_BACKTRACE", "enable=no", 1)
    }

    func job(_ algorithms: [String]) throws -> Job {
        let registry = Self.registry
        var models = try algorithms.map { ModelSpec(algorithm: try XCTUnwrap(registry.algorithm(named: $0)), values: [:]) }
        ModelSpec.assignNames(&models)
        let options = RunOptions(horizon: 3, levels: [], seed: 1)
        return Job(plan: Runner.plan(models, on: Self.data, options: options), models: models, data: Self.data)
    }

    func processes(_ workers: Int, configure: (inout ProcessExecutor) -> Void = { _ in }) throws -> ProcessExecutor {
        var p = try ProcessExecutor(workers: workers, executable: TestSupport.fcastBinary)
        configure(&p)
        return p
    }

    func run(_ job: Job, on executor: any Executor) throws -> RunResult {
        try Runner.run(job, on: executor, cancel: CancelToken(), progress: .none, progressOutput: .silent)
    }

    /// The failure message of each failed task, by series id.
    func failures(_ r: RunResult, model m: Int = 0) -> [String: String] {
        var out: [String: String] = [:]
        for s in 0..<Self.data.count {
            if case .failed(let f) = r.outcomes[r.task(model: m, series: s)] { out[Self.data.ids[s]] = f.message }
        }
        return out
    }

    func assertOthersForecastTheirLastValue(_ r: RunResult, model m: Int = 0, except failed: Set<String>,
                                            file: StaticString = #filePath, line: UInt = #line) {
        for s in 0..<Self.data.count where !failed.contains(Self.data.ids[s]) {
            XCTAssertEqual(r.outcomes[r.task(model: m, series: s)].isFailure, false, Self.data.ids[s], file: file, line: line)
            XCTAssertEqual(Array(r.meanSlice(model: m, series: s)), [Double](repeating: Double(s * 100 + 11), count: 3),
                           Self.data.ids[s], file: file, line: line)
        }
    }

    func testAPluginThatSegfaultsOnAFifthOfTheSeriesFailsExactlyThoseTasks() throws {
        let j = try job(["segv20"])
        let r = try run(j, on: try processes(2))
        let reason = "worker process killed by SIGSEGV while running this task; the plugin's last log line: segv20: giving up on "
        XCTAssertEqual(failures(r), ["s00": reason + "s00", "s05": reason + "s05", "s10": reason + "s10", "s15": reason + "s15"])
        XCTAssertEqual(r.completedTasks, 20)
        assertOthersForecastTheirLastValue(r, except: ["s00", "s05", "s10", "s15"])
    }

    func testAPluginThatHangsOnAFifthOfTheSeriesTimesOutExactlyThoseTasks() throws {
        let j = try job(["hang20"])
        let r = try run(j, on: try processes(2) { $0.timeout = 1 })
        XCTAssertEqual(failures(r), ["s01": "timeout after 1 s", "s06": "timeout after 1 s", "s11": "timeout after 1 s",
                                     "s16": "timeout after 1 s"])
        XCTAssertEqual(r.completedTasks, 20)
        XCTAssertFalse(r.cancelled)
        assertOthersForecastTheirLastValue(r, except: ["s01", "s06", "s11", "s16"])
        // Each timed-out task ran at least its timeout.
        for s in [1, 6, 11, 16] { XCTAssertGreaterThanOrEqual(r.taskSeconds[r.task(model: 0, series: s)], 1) }
    }

    func testRetriesRunACrashedTaskAgainOnAFreshWorker() throws {
        let mark = TestSupport.temporaryDirectory().appendingPathComponent("crashed-once").path
        setenv("FLAKY_MARK", mark, 1)
        defer { unsetenv("FLAKY_MARK") }
        let j = try job(["flaky"])
        // No retries: the task that crashed fails.
        let once = try run(j, on: try processes(2))
        XCTAssertEqual(failures(once), ["s03": "worker process killed by SIGABRT while running this task"])
        // One retry: the crash is survived, every task finishes.
        try FileManager.default.removeItem(atPath: mark)
        let retried = try run(j, on: try processes(2) { $0.retries = 1 })
        XCTAssertEqual(failures(retried), [:])
        assertOthersForecastTheirLastValue(retried, except: [])
        // A crash on every try fails after the retries, saying how many tries.
        let segv = try run(try job(["segv20"]), on: try processes(2) { $0.retries = 2 })
        XCTAssertEqual(failures(segv)["s05"],
                       "worker process killed by SIGSEGV while running this task (3 tries); the plugin's last log line: segv20: giving up on s05")
    }

    func testAMemoryCapReachesTheWorkerAndFailsTheTaskThatAllocatesAboveIt() throws {
        let j = try job(["hog"])
        // Uncapped, 1 GiB of address space is there (malloc does not touch it).
        XCTAssertEqual(failures(try run(j, on: try processes(1))), [:])
        // Capped at 768 MiB: the allocation fails in the worker, only that task fails.
        let capped = try run(j, on: try processes(1) { $0.memory = 768 << 20 })
        XCTAssertEqual(failures(capped), ["s07": "cannot allocate 1 GiB"])
        assertOthersForecastTheirLastValue(capped, except: ["s07"])
    }

    func testAWorkerThatDiesBeforeItIsReadyIsReplacedAndOneThatKeepsDyingStopsTheRun() throws {
        let j = try job(["hog"])
        // The first worker aborts while it loads the plugin; its replacement runs every task.
        let mark = TestSupport.temporaryDirectory().appendingPathComponent("load-crashed").path
        setenv("FAULTY_LOAD_CRASH_MARK", mark, 1)
        defer { unsetenv("FAULTY_LOAD_CRASH_MARK") }
        let r = try run(j, on: try processes(1))
        XCTAssertTrue(FileManager.default.fileExists(atPath: mark), "the first worker did crash while loading")
        XCTAssertEqual(failures(r), [:])
        XCTAssertEqual(r.completedTasks, 20)
        assertOthersForecastTheirLastValue(r, except: [])
        // Every worker aborts while loading: after three in a row the run fails, saying how.
        setenv("FAULTY_LOAD_CRASH_ALWAYS", "1", 1)
        defer { unsetenv("FAULTY_LOAD_CRASH_ALWAYS") }
        XCTAssertThrowsError(try run(j, on: try processes(2))) { error in
            let text = "\(error)"
            // Three in a row (or four: the second slot's worker may die too before the run stops).
            XCTAssertTrue(text.contains("killed by SIGABRT before it was ready, 3 times in a row")
                          || text.contains("killed by SIGABRT before it was ready, 4 times in a row"), text)
            XCTAssertTrue(text.contains("does a plugin crash while it loads?"), text)
        }
    }

    /// This process's `fcast worker` children.
    static func workerPIDs() -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var out: [Int32] = []
        for t in tasks {
            let text = (try? String(contentsOfFile: "/proc/self/task/\(t)/children", encoding: .utf8)) ?? ""
            for pid in text.split(separator: " ") {
                let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                if cmdline.hasSuffix("worker\0"), let p = Int32(pid) { out.append(p) }
            }
        }
        return out
    }

    func testAWorkerKilledFromOutsideFailsOnlyItsTask() throws {
        let registry = Self.slowRegistry
        var models = [ModelSpec(algorithm: try XCTUnwrap(registry.algorithm(named: "slow")), values: [:])]
        ModelSpec.assignNames(&models)
        // 60 series at 20 ms a fit on one worker: about 1.2 s.
        let big = try LongCSV.load(path: TestSupport.exampleData("us_employment.csv").path).subset(Array(0..<60))
        let j = Job(plan: Runner.plan(models, on: big, options: RunOptions(horizon: 2, levels: [], seed: 1)), models: models, data: big)
        // kill -9 the worker once the run is under way (tasks are coming back: it is ready).
        let journal = InMemoryRunJournal()
        let killer = Thread {
            for _ in 0..<3000 {
                if journal.recordedTasks.count >= 10, let p = IsolationTests.workerPIDs().first {
                    kill(p, SIGKILL)
                    return
                }
                usleep(5_000)
            }
        }
        killer.start()
        let r = try Runner.run(j, on: try processes(1), cancel: CancelToken(), progress: .none, progressOutput: .silent,
                               journal: journal)
        let failed = r.failures.map(\.failure.message)
        XCTAssertEqual(failed, ["worker process killed by SIGKILL while running this task"])
        XCTAssertEqual(r.completedTasks, j.plan.taskCount, "the run goes on with a fresh worker")
    }
}
