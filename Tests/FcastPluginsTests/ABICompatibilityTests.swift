import CFcastPlugin
import FcastABI
import FcastCore
import FcastExec
@testable import FcastPlugins
import FcastTestSupport
import XCTest

/// Plugin ABI 1.1 in the host: 1.0 plugins (built against the frozen 1.0 header in
/// abi-1.0/) still load and forecast, plugin structs are read by struct_size, global
/// models, cancellation per call context, host extensions and the period anchor.
final class ABICompatibilityTests: XCTestCase {
    static let abi10Headers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("abi-1.0")

    /// Fits `y` (daily unless said otherwise) and forecasts `h` steps.
    func forecast(_ config: ModelConfiguration, _ y: [Double], h: Int, unit: Int32 = Int32(FC_FREQ_DAY),
                  endOfPeriod: Bool = false) throws -> [Double] {
        let ds = (0..<y.count).map { Int64($0) * 86_400 }
        let model = try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try config.fit(SeriesRef(id: "s", y: yb, ds: db, frequencyUnit: unit, frequencyStep: 1, endOfPeriod: endOfPeriod))
            }
        }
        return try model.predict(horizon: h, futureDs: [], levels: []).mean
    }

    func withSeries<T>(_ series: [(id: String, y: [Double])], _ body: ([SeriesRef]) throws -> T) rethrows -> T {
        // Buffers that outlive the refs: one allocation per series, freed after `body`.
        let ys = series.map { s -> UnsafeMutableBufferPointer<Double> in
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: s.y.count)
            _ = b.initialize(from: s.y)
            return b
        }
        let dss = series.map { s -> UnsafeMutableBufferPointer<Int64> in
            let b = UnsafeMutableBufferPointer<Int64>.allocate(capacity: s.y.count)
            _ = b.initialize(from: (0..<s.y.count).map { Int64($0) * 86_400 })
            return b
        }
        defer { ys.forEach { $0.deallocate() }; dss.forEach { $0.deallocate() } }
        let refs = series.indices.map {
            SeriesRef(id: series[$0].id, y: UnsafeBufferPointer(ys[$0]), ds: UnsafeBufferPointer(dss[$0]),
                      frequencyUnit: Int32(FC_FREQ_DAY), frequencyStep: 1)
        }
        return try body(refs)
    }

    // MARK: A 1.0 plugin in the 1.1 host

    func testA10PluginLoadsAndForecastsAndItsLibraryIsReadOnlyUpToItsSize() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.lastMeanSource, name: "old", in: dir,
                                                 headerDirectory: Self.abi10Headers)
        let registry = PluginRegistry()
        // The library's table ends where an unreadable page begins (see the C source): a
        // host reading a 1.1-sized fc_library would crash here.
        let library = try registry.load(path: lib.path)
        XCTAssertEqual(library.abiMajor, 1)
        XCTAssertEqual(library.abiMinor, 0)
        XCTAssertEqual(library.tableSize, ABI10Size.library)
        XCTAssertEqual(library.name, "old")
        XCTAssertNil(library.extension(named: "fcast.anything.v1"))  // get_extension is past its size

        let algorithm = try XCTUnwrap(registry.algorithm(named: "lastmean"))
        XCTAssertEqual(algorithm.parameter(named: "k")?.defaultText, "3")
        XCTAssertEqual(algorithm.capabilities, [.threadSafe])
        let y: [Double] = [3, 8, 1, 9, 4, 7]
        // Mean of the last k: k = 4 -> (1 + 9 + 4 + 7) / 4; k = 3 (default) -> (9 + 4 + 7) / 3.
        XCTAssertEqual(try forecast(algorithm.configure(["k": .int(4)]), y, h: 3), [5.25, 5.25, 5.25])
        XCTAssertEqual(try forecast(algorithm.configure([:]), y, h: 2), [20.0 / 3, 20.0 / 3])
        XCTAssertThrowsError(try forecast(algorithm.configure(["k": .int(7)]), y, h: 1)) { error in
            XCTAssertEqual((error as? TaskFailure)?.kind, .notEnoughData)
        }
        // Its fit polls the 1.0 should_cancel, which answers for the calling thread's token.
        let token = CancelToken()
        token.cancel()
        XCTAssertThrowsError(try token.whileCurrent { try forecast(algorithm.configure([:]), y, h: 1) }) { error in
            XCTAssertEqual((error as? TaskFailure)?.kind, .cancelled)
        }

        // Through the executor, on a panel of two series.
        let panel = Panel(series: [("a", [0, 86_400, 172_800, 259_200], [2, 4, 6, 8]),
                                   ("b", [0, 86_400, 172_800], [1, 1, 4])], frequency: .daily)
        let result = try LocalExecutor.run([ModelSpec(algorithm: algorithm, values: ["k": .int(2)])], on: panel,
                                       options: RunOptions(horizon: 2, workers: 2), progressOutput: .silent)
        XCTAssertEqual(result.failedTasks, 0)
        XCTAssertEqual(Array(result.meanSlice(model: 0, series: 0)), [7, 7])
        XCTAssertEqual(Array(result.meanSlice(model: 0, series: 1)), [2.5, 2.5])
    }

    /// The 1.0 sizes the host assumes (ABI10Size) are those of the frozen 1.0 header.
    func testTheABI10SizesAreThoseOfThe10Header() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.lastMeanSource, name: "old", in: dir,
                                                 headerDirectory: Self.abi10Headers)
        let handle = try XCTUnwrap(dlopen(lib.path, RTLD_NOW | RTLD_LOCAL))
        let sizes = try XCTUnwrap(dlsym(handle, "fcast_test_sizes")).assumingMemoryBound(to: Int.self)
        XCTAssertEqual((0..<9).map { sizes[$0] },
                       [ABI10Size.host, ABI10Size.series, ABI10Size.predictRequest, ABI10Size.library, ABI10Size.algorithm,
                        ABI10Size.paramSpec, ABI10Size.paramValue, ABI10Size.forecast, ABI10Size.error])
        // And the structs that grew in 1.1 did grow (appended, so they are larger now).
        XCTAssertGreaterThan(MemoryLayout<fc_host>.size, ABI10Size.host)
        XCTAssertGreaterThan(MemoryLayout<fc_series>.size, ABI10Size.series)
        XCTAssertGreaterThan(MemoryLayout<fc_predict_request>.size, ABI10Size.predictRequest)
        XCTAssertGreaterThan(MemoryLayout<fc_library>.size, ABI10Size.library)
    }

    func testStructsSmallerThanTheir10SizeAreRefusedByName() throws {
        let dir = TestSupport.temporaryDirectory()
        let small = try TestSupport.compileCPlugin(source: """
            #include "fcast_plugin.h"
            static const fc_algorithm *const none[] = {0};
            /* A table that stops before n_algorithms. */
            static const fc_library lib = { offsetof(fc_library, n_algorithms), FC_ABI_MAJOR, 0, "small", "1", "", 0, none };
            const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
            """, name: "small", in: dir)
        XCTAssertThrowsError(try PluginRegistry().load(path: small.path)) { error in
            let reason = (error as! PluginLoadFailure).reason
            XCTAssertTrue(reason.contains("fc_library has struct_size 40 bytes"), reason)
            XCTAssertTrue(reason.contains("smaller than the ABI 1.0 size (\(ABI10Size.library) bytes)"), reason)
        }
        let smallAlgorithm = try TestSupport.compileCPlugin(source: """
            #include "fcast_plugin.h"
            static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) { (void)c; (void)s; (void)m; (void)e; return FC_OK; }
            static const fc_algorithm a = { .struct_size = offsetof(fc_algorithm, describe), .name = "cut",
                .configure = 0, .fit = fit };
            static const fc_algorithm *const algs[] = {&a};
            static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "smallalg", "1", "", 1, algs };
            const fc_library *fcast_plugin_entry(uint32_t x, uint32_t y, const fc_host *h) { (void)x; (void)y; (void)h; return &lib; }
            """, name: "smallalg", in: dir)
        XCTAssertThrowsError(try PluginRegistry().load(path: smallAlgorithm.path)) { error in
            let reason = (error as! PluginLoadFailure).reason
            XCTAssertTrue(reason.contains("algorithm 1 of 1: its fc_algorithm has struct_size"), reason)
            XCTAssertTrue(reason.contains("smaller than the ABI 1.0 size (\(ABI10Size.algorithm) bytes)"), reason)
        }
        // A table too short to hold even its ABI version.
        let tiny = try TestSupport.compileCPlugin(source: """
            #include "fcast_plugin.h"
            static const fc_library lib = { 4 };
            const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
            """, name: "tiny", in: dir)
        XCTAssertThrowsError(try PluginRegistry().load(path: tiny.path)) { error in
            XCTAssertTrue((error as! PluginLoadFailure).reason.contains("fc_library has struct_size 4 bytes"), "\(error)")
        }
    }

    // MARK: Global models

    func testGlobalModelPoolsDifferencesAcrossSeries() throws {
        let dir = TestSupport.temporaryDirectory()
        // The same source built against the 1.1 header and against the 1.0 one: the host
        // packs the series array at the size the library knows, which the plugin checks.
        let new = try TestSupport.compileCPlugin(source: Self.pooledDriftSource, name: "pooled", in: dir)
        let oldDir = TestSupport.temporaryDirectory()
        let old = try TestSupport.compileCPlugin(source: Self.pooledDriftSource.replacingOccurrences(of: "\"pooled_drift\"", with: "\"pooled_drift_10\""),
                                                 name: "pooled", in: oldDir, headerDirectory: Self.abi10Headers)
        let registry = PluginRegistry()
        try registry.load(path: new.path)
        try registry.load(path: old.path)
        XCTAssertEqual(registry.libraries.map(\.abiMinor), [1, 0])
        // Differences 1, 2 | 3 | 0, 1, -2: pooled mean 5/6.
        let d = 5.0 / 6
        for name in ["pooled_drift", "pooled_drift_10"] {
            let algorithm = try XCTUnwrap(registry.algorithm(named: name))
            XCTAssertTrue(algorithm.capabilities.contains(.global))
            let config = try algorithm.configure([:])
            try withSeries([("a", [1, 2, 4]), ("b", [10, 13]), ("c", [5, 5, 6, 4])]) { refs in
                let model = try config.fitGlobal(refs)
                XCTAssertTrue(model.isGlobal)
                XCTAssertEqual(model.modelDescription, "pooled drift 0.8333 over 3 series", name)
                let a = try model.predictGlobal(series: refs[0], horizon: 2, futureDs: [], levels: [])
                XCTAssertEqual(a.mean[0], 4 + d, accuracy: 1e-12)
                XCTAssertEqual(a.mean[1], 4 + 2 * d, accuracy: 1e-12)
                let c = try model.predictGlobal(series: refs[2], horizon: 3, futureDs: [], levels: [])
                XCTAssertEqual(c.mean[2], 4 + 3 * d, accuracy: 1e-12)
                // A global model is not forecast with predict.
                XCTAssertThrowsError(try model.predict(horizon: 1, futureDs: [], levels: [])) { error in
                    XCTAssertEqual((error as? TaskFailure)?.kind, .unsupported)
                    XCTAssertTrue((error as! TaskFailure).message.contains("predictGlobal"))
                }
            }
        }
    }

    func testGlobalFittingFailsClearlyWhenTheAlgorithmCannot() throws {
        let dir = TestSupport.temporaryDirectory()
        let half = try TestSupport.compileCPlugin(source: "#define NO_PREDICT_GLOBAL 1\n" + Self.pooledDriftSource, name: "half", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: TestSupport.naivePlugin.path)
        try registry.load(path: half.path)
        try withSeries([("a", [1, 2, 4])]) { refs in
            // No FC_CAP_GLOBAL.
            let naive = try registry.algorithm(named: "naive")!.configure([:])
            XCTAssertThrowsError(try naive.fitGlobal(refs)) { error in
                XCTAssertEqual((error as? TaskFailure)?.kind, .unsupported)
                XCTAssertTrue((error as! TaskFailure).message.contains("does not offer global models"), "\(error)")
            }
            // FC_CAP_GLOBAL but no predict_global.
            let halfConfig = try registry.algorithm(named: "pooled_drift")!.configure([:])
            XCTAssertThrowsError(try halfConfig.fitGlobal(refs)) { error in
                XCTAssertEqual((error as? TaskFailure)?.kind, .unsupported)
                XCTAssertTrue((error as! TaskFailure).message.contains("no fit_global or predict_global"), "\(error)")
            }
            // A local model is not forecast with predictGlobal.
            let local = try naive.fit(refs[0])
            XCTAssertThrowsError(try local.predictGlobal(series: refs[0], horizon: 1, futureDs: [], levels: [])) { error in
                XCTAssertEqual((error as? TaskFailure)?.kind, .unsupported)
            }
        }
    }

    // MARK: Cancellation per call context

    /// Two fits run at once on two threads under two tokens; their plugin polls
    /// should_cancel_ctx(series->call_context) from a thread of its own (where no token
    /// is current), so only the call context can tell them apart.
    func testCancellingOneRunStopsOnlyItsOwnFit() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.waiterSource, name: "waiter", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        let config = try registry.algorithm(named: "wait")!.configure([:])  // gives up after 5 s
        let tokenA = CancelToken(), tokenB = CancelToken()
        let a = BackgroundFit(config: config, token: tokenA)
        let b = BackgroundFit(config: config, token: tokenB)
        XCTAssertTrue(a.waitUntilStarted() && b.waitUntilStarted())
        Thread.sleep(forTimeInterval: 0.2)
        let cancelA = Date()
        tokenA.cancel()
        XCTAssertTrue(a.waitUntilDone(timeout: 2), "the cancelled fit did not return")
        XCTAssertEqual(a.outcome, "cancelled")
        XCTAssertLessThan(a.finished!.timeIntervalSince(cancelA), 2)
        // B goes on: not cancelled by A's token.
        XCTAssertFalse(b.waitUntilDone(timeout: 0.5), "the other fit stopped too: \(b.outcome ?? "")")
        tokenB.cancel()
        XCTAssertTrue(b.waitUntilDone(timeout: 2))
        XCTAssertEqual(b.outcome, "cancelled")
    }

    func testAnUncancelledFitRunsToItsOwnEnd() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.waiterSource, name: "waiter", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        let config = try registry.algorithm(named: "wait")!.configure(["seconds": .real(0.3)])
        let fit = BackgroundFit(config: config, token: CancelToken())
        XCTAssertTrue(fit.waitUntilDone(timeout: 5))
        XCTAssertEqual(fit.outcome, "ok")
        // With no current token at all (no call context), nothing is cancelled either.
        XCTAssertEqual(try forecast(config, [1, 2], h: 1), [0])
    }

    // MARK: Host services and the period anchor

    func testTheProbeSeesTheAnchorTheContextsAndTheExtensions() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.probeSource, name: "probe", in: dir)
        let registry = PluginRegistry()
        let library = try registry.load(path: lib.path)
        XCTAssertEqual(library.abiMinor, 1)
        XCTAssertEqual(library.tableSize, MemoryLayout<fc_library>.size)
        // The library's extension table, and none for a name it does not know.
        let table = try XCTUnwrap(library.extension(named: "fcast.test.probe.v1"))
        XCTAssertEqual(table.load(as: Int32.self), 42)
        XCTAssertNil(library.extension(named: "fcast.test.other.v1"))

        let captured = LogCapture()
        let previousSink = HostServices.logSink
        HostServices.logSink = { level, message in captured.append("\(level) \(message)") }
        defer { HostServices.logSink = previousSink }

        let config = try registry.algorithm(named: "probe")!.configure([:])
        // Index: 0 anchor, 1 call_context set, 2 should_cancel_ctx(call_context),
        // 3 should_cancel_ctx(host->context), 4 should_cancel(), 5 host get_extension(unknown) == NULL,
        // 6 host table holds get_extension, 7 fc_default_season, 8 predict's call_context set.
        let plain = try forecast(config, [1, 2, 3], h: 9, unit: Int32(FC_FREQ_MONTH))
        XCTAssertEqual(plain, [0, 0, 0, 0, 0, 1, 1, 12, 0])
        let monthEnd = try forecast(config, [1, 2, 3], h: 9, unit: Int32(FC_FREQ_MONTH), endOfPeriod: true)
        XCTAssertEqual(monthEnd, [1, 0, 0, 0, 0, 1, 1, 12, 0])
        let token = CancelToken()
        let running = try token.whileCurrent { try forecast(config, [1, 2, 3], h: 9, unit: Int32(FC_FREQ_QUARTER)) }
        XCTAssertEqual(running, [0, 1, 0, 0, 0, 1, 1, 4, 1])
        token.cancel()
        let cancelled = try token.whileCurrent { try forecast(config, [1, 2, 3], h: 9, unit: Int32(FC_FREQ_QUARTER)) }
        XCTAssertEqual(cancelled, [0, 1, 1, 1, 1, 1, 1, 4, 1])
        // log_ctx reaches the host's log sink.
        XCTAssertEqual(captured.lines.filter { $0.hasPrefix("1 probe fit") }.count, 4, "\(captured.lines)")
        XCTAssertTrue(captured.lines.contains("1 probe fit s (call context)"), "\(captured.lines)")
    }

    func testTheExecutorPassesTheMonthEndAnchor() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: Self.probeSource, name: "probe", in: dir)
        let registry = PluginRegistry()
        try registry.load(path: lib.path)
        let models = [ModelSpec(algorithm: registry.algorithm(named: "probe")!, values: [:])]
        func run(_ frequency: Frequency, start: String) throws -> [Double] {
            let t0 = Timestamp.parse(start)!.0
            let ds = (0..<4).map { frequency.advance(t0, by: $0) }
            let panel = Panel(series: [("m", ds, [1, 2, 3, 4])], frequency: frequency)
            let result = try LocalExecutor.run(models, on: panel, options: RunOptions(horizon: 9, workers: 1), progressOutput: .silent)
            XCTAssertEqual(result.failedTasks, 0)
            return Array(result.meanSlice(model: 0, series: 0))
        }
        let monthEnd = try run(Frequency(.month, endOfMonth: true), start: "2020-01-31")
        XCTAssertEqual(monthEnd[0], Double(FC_ANCHOR_PERIOD_END))
        XCTAssertEqual(monthEnd[1], 1)  // the executor's run token is the call context
        XCTAssertEqual(monthEnd[8], 1)
        XCTAssertEqual(try run(Frequency(.quarter, endOfMonth: true), start: "2020-03-31")[0], Double(FC_ANCHOR_PERIOD_END))
        XCTAssertEqual(try run(.monthly, start: "2020-01-15")[0], Double(FC_ANCHOR_NONE))
    }

    // MARK: C sources

    /// Mean of the last k values, written against the 1.0 header; its library table is
    /// handed out at the very end of a readable page.
    static let lastMeanSource = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <unistd.h>
        #include "fcast_plugin.h"
        _Static_assert(FC_ABI_MAJOR == 1 && FC_ABI_MINOR == 0, "built against the frozen 1.0 header");

        const size_t fcast_test_sizes[] = { sizeof(fc_host), sizeof(fc_series), sizeof(fc_predict_request),
            sizeof(fc_library), sizeof(fc_algorithm), sizeof(fc_param_spec), sizeof(fc_param_value),
            sizeof(fc_forecast), sizeof(fc_error) };

        static const fc_host *the_host;
        typedef struct { int64_t k; } config_t;
        typedef struct { double level; } model_t;
        static void fail(fc_error *e, fc_status s, const char *m) {
            if (!e) return;
            e->status = s;
            if (e->message && e->message_capacity) snprintf(e->message, e->message_capacity, "%s", m);
        }
        static fc_status configure(const fc_algorithm *self, const fc_param_value *v, size_t n, void **out, fc_error *e) {
            (void)self; (void)e;
            config_t *c = malloc(sizeof *c);
            c->k = 3;
            for (size_t i = 0; i < n; i++) if (v[i].is_set && strcmp(v[i].name, "k") == 0) c->k = v[i].int_value;
            *out = c;
            return FC_OK;
        }
        static void free_config(void *c) { free(c); }
        static fc_status fit(const void *config, const fc_series *s, void **out, fc_error *e) {
            const config_t *c = config;
            if ((int64_t)s->n < c->k) { fail(e, FC_ERR_NOT_ENOUGH_DATA, "too short"); return FC_ERR_NOT_ENOUGH_DATA; }
            if (the_host->should_cancel()) { fail(e, FC_ERR_CANCELLED, "cancelled"); return FC_ERR_CANCELLED; }
            double sum = 0;
            for (size_t i = s->n - (size_t)c->k; i < s->n; i++) sum += s->y[i];
            model_t *m = malloc(sizeof *m);
            m->level = sum / (double)c->k;
            *out = m;
            return FC_OK;
        }
        static fc_status predict(const void *model, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e;
            const model_t *m = model;
            for (size_t t = 0; t < r->h; t++) o->mean[t] = m->level;
            return FC_OK;
        }
        static void free_model(void *m) { free(m); }
        static const fc_param_spec k_param = { sizeof(fc_param_spec), "k", FC_PARAM_INT, 0, "3", 1, 1000, NULL, 0,
                                               "how many of the last values to average" };
        static const fc_param_spec *const params[] = { &k_param };
        static const fc_algorithm lastmean = { .struct_size = sizeof(fc_algorithm), .name = "lastmean",
            .summary = "mean of the last k values", .capabilities = FC_CAP_THREAD_SAFE, .n_params = 1,
            .params = params, .configure = configure, .free_config = free_config, .fit = fit,
            .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algorithms[] = { &lastmean };
        static const fc_library library = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "old", "1.0.0",
                                            "built against ABI 1.0", 1, algorithms };

        const fc_library *fcast_plugin_entry(uint32_t major, uint32_t minor, const fc_host *host) {
            (void)major; (void)minor;
            the_host = host;
            /* The table ends exactly where an unreadable page begins. */
            long page = sysconf(_SC_PAGESIZE);
            char *p = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED || mprotect(p + page, (size_t)page, PROT_NONE) != 0) return NULL;
            fc_library *copy = (fc_library *)(p + page - sizeof(fc_library));
            memcpy(copy, &library, sizeof library);
            return copy;
        }
        """

    /// One drift for all series: the mean of every first difference of every series.
    /// Builds against either header; checks the host packed the series at its sizeof.
    static let pooledDriftSource = """
        #include <stdio.h>
        #include <stdlib.h>
        #include "fcast_plugin.h"

        typedef struct { double drift; size_t n_series; } model_t;
        static int dummy;
        static void fail(fc_error *e, fc_status s, const char *m) {
            if (!e) return;
            e->status = s;
            if (e->message && e->message_capacity) snprintf(e->message, e->message_capacity, "%s", m);
        }
        static fc_status configure(const fc_algorithm *self, const fc_param_value *v, size_t n, void **out, fc_error *e) {
            (void)self; (void)v; (void)n; (void)e; *out = &dummy; return FC_OK;
        }
        static void free_config(void *c) { (void)c; }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            (void)c; (void)s; (void)m; fail(e, FC_ERR_UNSUPPORTED, "global only"); return FC_ERR_UNSUPPORTED;
        }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)m; (void)r; (void)o; fail(e, FC_ERR_UNSUPPORTED, "global only"); return FC_ERR_UNSUPPORTED;
        }
        static void free_model(void *m) { free(m); }
        static void describe(const void *model, char *buf, size_t cap) {
            const model_t *m = model;
            snprintf(buf, cap, "pooled drift %.4f over %zu series", m->drift, m->n_series);
        }
        static fc_status fit_global(const void *config, const fc_series *series, size_t n, void **out, fc_error *e) {
            (void)config;
            double sum = 0;
            size_t count = 0;
            for (size_t i = 0; i < n; i++) {
                const fc_series *s = &series[i];
                if (s->struct_size != sizeof(fc_series) || !s->id) {
                    fail(e, FC_ERR_INTERNAL, "the series array is not packed at this plugin's sizeof(fc_series)");
                    return FC_ERR_INTERNAL;
                }
                for (size_t t = 1; t < s->n; t++) { sum += s->y[t] - s->y[t - 1]; count++; }
            }
            if (count == 0) { fail(e, FC_ERR_NOT_ENOUGH_DATA, "no differences"); return FC_ERR_NOT_ENOUGH_DATA; }
            model_t *m = malloc(sizeof *m);
            m->drift = sum / (double)count;
            m->n_series = n;
            *out = m;
            return FC_OK;
        }
        static fc_status predict_global(const void *model, const fc_series *s, const fc_predict_request *r,
                                        fc_forecast *o, fc_error *e) {
            const model_t *m = model;
            if (s->n == 0) { fail(e, FC_ERR_NOT_ENOUGH_DATA, "empty series"); return FC_ERR_NOT_ENOUGH_DATA; }
            double last = s->y[s->n - 1];
            for (size_t t = 0; t < r->h; t++) o->mean[t] = last + (double)(t + 1) * m->drift;
            return FC_OK;
        }
        static const fc_algorithm pooled = { .struct_size = sizeof(fc_algorithm), .name = "pooled_drift",
            .summary = "one drift across all series", .capabilities = FC_CAP_THREAD_SAFE | FC_CAP_GLOBAL,
            .configure = configure, .free_config = free_config, .fit = fit, .predict = predict,
            .free_model = free_model, .describe = describe, .fit_global = fit_global,
        #ifndef NO_PREDICT_GLOBAL
            .predict_global = predict_global,
        #endif
        };
        static const fc_algorithm *const algorithms[] = { &pooled };
        static const fc_library library = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "pooled", "1", "", 1, algorithms };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) {
            (void)a; (void)b; (void)h; (void)predict_global; return &library;
        }
        """

    /// Its fit waits `seconds` (default 5) on a thread of its own, polling
    /// should_cancel_ctx with the fit's call context.
    static let waiterSource = """
        #include <pthread.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <time.h>
        #include <unistd.h>
        #include "fcast_plugin.h"

        static const fc_host *the_host;
        typedef struct { double seconds; } config_t;
        typedef struct { void *context; double seconds; fc_status status; } job_t;
        static double now(void) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
        }
        static void fail(fc_error *e, fc_status s, const char *m) {
            if (!e) return;
            e->status = s;
            if (e->message && e->message_capacity) snprintf(e->message, e->message_capacity, "%s", m);
        }
        static void *poll_loop(void *arg) {
            job_t *job = arg;
            double end = now() + job->seconds;
            job->status = FC_OK;
            while (now() < end) {
                if (the_host->should_cancel_ctx(job->context)) { job->status = FC_ERR_CANCELLED; break; }
                usleep(2000);
            }
            return NULL;
        }
        static fc_status configure(const fc_algorithm *self, const fc_param_value *v, size_t n, void **out, fc_error *e) {
            (void)self; (void)e;
            config_t *c = malloc(sizeof *c);
            c->seconds = 5;
            for (size_t i = 0; i < n; i++) if (v[i].is_set && strcmp(v[i].name, "seconds") == 0) c->seconds = v[i].real_value;
            *out = c;
            return FC_OK;
        }
        static void free_config(void *c) { free(c); }
        static fc_status fit(const void *config, const fc_series *s, void **out, fc_error *e) {
            const config_t *c = config;
            if (!FC_HAS_FIELD(the_host, fc_host, should_cancel_ctx) || !FC_HAS_FIELD(s, fc_series, call_context)) {
                fail(e, FC_ERR_UNSUPPORTED, "needs a 1.1 host");
                return FC_ERR_UNSUPPORTED;
            }
            job_t job = { s->call_context, c->seconds, FC_OK };
            pthread_t thread;
            if (pthread_create(&thread, NULL, poll_loop, &job) != 0) { fail(e, FC_ERR_INTERNAL, "no thread"); return FC_ERR_INTERNAL; }
            pthread_join(thread, NULL);
            if (job.status != FC_OK) { fail(e, job.status, "cancelled while waiting"); return job.status; }
            *out = malloc(1);
            return FC_OK;
        }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)m; (void)e;
            for (size_t t = 0; t < r->h; t++) o->mean[t] = 0;
            return FC_OK;
        }
        static void free_model(void *m) { free(m); }
        static const fc_param_spec seconds_param = { sizeof(fc_param_spec), "seconds", FC_PARAM_REAL, 0, "5", 0, 60,
                                                     NULL, 0, "how long to wait" };
        static const fc_param_spec *const params[] = { &seconds_param };
        static const fc_algorithm wait_alg = { .struct_size = sizeof(fc_algorithm), .name = "wait",
            .summary = "waits, polling for cancellation", .capabilities = FC_CAP_THREAD_SAFE, .n_params = 1,
            .params = params, .configure = configure, .free_config = free_config, .fit = fit, .predict = predict,
            .free_model = free_model };
        static const fc_algorithm *const algorithms[] = { &wait_alg };
        static const fc_library library = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "waiter", "1", "", 1, algorithms };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) {
            (void)a; (void)b; the_host = h; return &library;
        }
        """

    /// Reports what it sees of the 1.1 fields as its forecast (h = 9).
    static let probeSource = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include "fcast_plugin.h"

        static const fc_host *the_host;
        static int dummy;
        static const int32_t probe_table = 42;
        typedef struct { double seen[8]; } model_t;
        static fc_status configure(const fc_algorithm *self, const fc_param_value *v, size_t n, void **out, fc_error *e) {
            (void)self; (void)v; (void)n; (void)e; *out = &dummy; return FC_OK;
        }
        static void free_config(void *c) { (void)c; }
        static fc_status fit(const void *config, const fc_series *s, void **out, fc_error *e) {
            (void)config; (void)e;
            model_t *m = malloc(sizeof *m);
            m->seen[0] = s->freq_anchor;
            m->seen[1] = s->call_context != NULL;
            m->seen[2] = the_host->should_cancel_ctx(s->call_context) != 0;
            m->seen[3] = the_host->should_cancel_ctx(the_host->context) != 0;
            m->seen[4] = the_host->should_cancel() != 0;
            m->seen[5] = the_host->get_extension(the_host->context, "fcast.no.such.table.v1") == NULL;
            m->seen[6] = FC_HAS_FIELD(the_host, fc_host, get_extension);
            m->seen[7] = fc_default_season(s->freq_unit, s->freq_step);
            char line[200];
            snprintf(line, sizeof line, "probe fit %s (%s)", s->id, s->call_context ? "call context" : "no context");
            the_host->log_ctx(s->call_context ? s->call_context : the_host->context, FC_LOG_INFO, line);
            *out = m;
            return FC_OK;
        }
        static fc_status predict(const void *model, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e;
            const model_t *m = model;
            for (size_t t = 0; t < r->h; t++) o->mean[t] = t < 8 ? m->seen[t] : (r->call_context != NULL);
            return FC_OK;
        }
        static void free_model(void *m) { free(m); }
        static const void *get_extension(const char *name) {
            return strcmp(name, "fcast.test.probe.v1") == 0 ? &probe_table : NULL;
        }
        static const fc_algorithm probe = { .struct_size = sizeof(fc_algorithm), .name = "probe",
            .summary = "reports what it sees", .capabilities = FC_CAP_THREAD_SAFE,
            .configure = configure, .free_config = free_config, .fit = fit, .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algorithms[] = { &probe };
        static const fc_library library = { .struct_size = sizeof(fc_library), .abi_major = FC_ABI_MAJOR,
            .abi_minor = FC_ABI_MINOR, .name = "probe", .version = "1", .description = "", .n_algorithms = 1,
            .algorithms = algorithms, .get_extension = get_extension };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) {
            (void)a; (void)b; the_host = h; return &library;
        }
        """
}

/// A fit of a one-point series run on a thread of its own under `token`.
final class BackgroundFit: @unchecked Sendable {
    private let lock = NSLock()
    private let started = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var _outcome: String?
    private var _finished: Date?
    var outcome: String? { lock.withLock { _outcome } }
    var finished: Date? { lock.withLock { _finished } }

    init(config: ModelConfiguration, token: CancelToken) {
        Thread.detachNewThread { [self] in
            let y: [Double] = [1, 2], ds: [Int64] = [0, 86_400]
            started.signal()
            let result: String = y.withUnsafeBufferPointer { yb in
                ds.withUnsafeBufferPointer { db in
                    token.whileCurrent {
                        do throws(TaskFailure) {
                            _ = try config.fit(SeriesRef(id: "w", y: yb, ds: db, frequencyUnit: Int32(FC_FREQ_DAY), frequencyStep: 1))
                            return "ok"
                        } catch {
                            return error.kind == .cancelled ? "cancelled" : "\(error.kind): \(error.message)"
                        }
                    }
                }
            }
            lock.withLock {
                _outcome = result
                _finished = Date()
            }
            done.signal()
        }
    }

    func waitUntilStarted() -> Bool { started.wait(timeout: .now() + 5) == .success }
    /// True when the fit returned within `timeout` seconds (then it stays done).
    func waitUntilDone(timeout: Double) -> Bool {
        guard done.wait(timeout: .now() + timeout) == .success else { return false }
        done.signal()
        return true
    }
}

final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var _lines: [String] = []
    var lines: [String] { lock.withLock { _lines } }
    func append(_ line: String) { lock.withLock { _lines.append(line) } }
}
