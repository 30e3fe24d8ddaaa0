import FcastTestSupport
import Foundation
import XCTest

/// `fcast plugin check` on plugins with known faults, and on the built-in plugins. Each
/// faulty plugin is the same small C algorithm (a mean forecast with Gaussian intervals)
/// with one bug switched on, so the check must name that bug and pass the rest.
final class PluginCheckTests: XCTestCase {
    static func source(bug: String) -> String {
        """
        #include <math.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        #include "fcast_plugin.h"
        #define \(bug) 1
        typedef struct { double mean, sd; } model_t;
        static int cfg;
        static fc_status configure(const fc_algorithm *a, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)a; (void)v; (void)n; (void)e; *c = &cfg; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static fc_status fail(fc_error *e, fc_status s, const char *m) { snprintf(e->message, e->message_capacity, "%s", m); return s; }
        static fc_status fit(const void *c, const fc_series *s, void **out, fc_error *e) {
            (void)c;
        #ifdef SEGV_ON_SHORT
            if (s->n < 4) { volatile int *p = NULL; *p = 1; }   /* reads y[n-4] without a check */
        #endif
        #ifdef HANG_ON_NAN
            for (size_t i = 0; i < s->n; i++) while (isnan(*(volatile const double *)&s->y[i])) { }  /* waits forever */
        #endif
            if (s->n < 2) return fail(e, FC_ERR_NOT_ENOUGH_DATA, "needs 2 points");
            double sum = 0, sum2 = 0; size_t k = 0;
            for (size_t i = 0; i < s->n; i++) {
        #ifndef NAN_FORECAST
                if (!isfinite(s->y[i])) return fail(e, FC_ERR_BAD_DATA, "missing value");
        #endif
                sum += s->y[i]; sum2 += s->y[i] * s->y[i]; k++;
            }
            model_t *m = malloc(sizeof *m);
            m->mean = sum / (double)k;
            double var = sum2 / (double)k - m->mean * m->mean;
            m->sd = sqrt(var > 0 ? var : 0);
            *out = m; return FC_OK;
        }
        static fc_status predict(const void *mp, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e; const model_t *m = mp;
            for (size_t t = 0; t < r->h; t++) o->mean[t] = m->mean;
            for (size_t l = 0; l < r->n_levels; l++) {
        #ifdef NOT_NESTED
                double z = (100 - r->levels[l]) / 20.0;   /* wider for lower levels */
        #else
                double z = r->levels[l] / 40.0;
        #endif
                for (size_t t = 0; t < r->h; t++) {
                    o->lo[l * r->h + t] = m->mean - z * m->sd; o->hi[l * r->h + t] = m->mean + z * m->sd; }
            }
            return FC_OK;
        }
        static void free_model(void *m) { free(m); }
        static const fc_algorithm alg = { .struct_size = sizeof(fc_algorithm), .name = "faulty",
            .summary = "a mean forecast with one bug", .capabilities = FC_CAP_INTERVALS | FC_CAP_THREAD_SAFE,
            .configure = configure, .free_config = free_config, .fit = fit, .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algs[] = {&alg};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "faulty", "1", "", 1, algs, NULL };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
        """
    }

    struct Result: Decodable {
        struct Check: Decodable { var algorithm: String; var check: String; var status: String; var detail: String }
        var passed: Bool
        var results: [Check]
        func status(_ check: String) -> String? { results.first { $0.check == check }?.status }
        func detail(_ check: String) -> String { results.first { $0.check == check }?.detail ?? "" }
        var failed: [String] { results.filter { $0.status == "fail" }.map(\.check) }
    }

    func check(_ library: URL, _ extra: [String] = []) throws -> (Int32, Result, String) {
        let r = try TestSupport.fcast(["plugin", "check", library.path, "--json"] + extra)
        let result = try JSONDecoder().decode(Result.self, from: Data(r.stdout.utf8))
        return (r.status, result, r.stdout)
    }

    func faulty(_ bug: String) throws -> URL {
        let dir = TestSupport.temporaryDirectory()
        return try TestSupport.compileCPlugin(source: Self.source(bug: bug), name: "faulty", in: dir)
    }

    func testACorrectPluginPassesEveryCheck() throws {
        let (status, result, out) = try check(try faulty("NO_BUG"))
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(result.passed)
        XCTAssertEqual(result.failed, [])
        // Not thread... it is thread safe and has intervals; it cannot save.
        XCTAssertEqual(result.status("save-load"), "skip")
        XCTAssertEqual(result.status("forward"), "skip")    // no fcast.forward.v1 extension
        XCTAssertEqual(result.status("threads"), "pass")
        XCTAssertTrue(result.detail("memory").hasPrefix("10000 fits"), result.detail("memory"))
    }

    func testASegfaultIsAFindingNotACrashOfTheChecker() throws {
        let (status, result, out) = try check(try faulty("SEGV_ON_SHORT"))
        XCTAssertEqual(status, 1, out)
        XCTAssertFalse(result.passed)
        // Short and empty series crash it; every other check still ran and passed.
        XCTAssertEqual(Set(result.failed), ["empty", "short"], out)
        XCTAssertTrue(result.detail("short").contains("SIGSEGV"), result.detail("short"))
        XCTAssertEqual(result.status("long-series"), "pass")
        XCTAssertEqual(result.results.count, 20)
    }

    /// The built-in plugins that offer fcast.forward.v1 pass its check; prophet has none.
    func testTheForwardCheckOnTheBuiltInPlugins() throws {
        for (name, expected) in [("ets", "pass"), ("arima", "pass"), ("theta", "pass"), ("naive", "pass"), ("prophet", "skip")] {
            let (_, result, out) = try check(TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so"), ["--checks", "forward"])
            XCTAssertFalse(result.results.isEmpty, out)
            for r in result.results { XCTAssertEqual(r.status, expected, "\(r.algorithm): \(r.detail)") }
        }
    }

    func testAHangIsStoppedAndReported() throws {
        let (status, result, out) = try check(try faulty("HANG_ON_NAN"), ["--timeout", "3"])
        XCTAssertEqual(status, 1, out)
        XCTAssertEqual(result.failed, ["nan"], out)
        XCTAssertTrue(result.detail("nan").contains("hung: no answer within 3 s"), result.detail("nan"))
        XCTAssertEqual(result.status("inf"), "pass")
    }

    func testNaNForecastsFail() throws {
        let (status, result, out) = try check(try faulty("NAN_FORECAST"))
        XCTAssertEqual(status, 1, out)
        XCTAssertEqual(Set(result.failed), ["nan", "inf"], out)
        XCTAssertTrue(result.detail("nan").contains("the forecast is nan at step 1"), result.detail("nan"))
    }

    func testIntervalsThatAreNotNestedFail() throws {
        let (status, result, out) = try check(try faulty("NOT_NESTED"), ["--checks", "basic,intervals,many-levels"])
        XCTAssertEqual(status, 1, out)
        XCTAssertEqual(Set(result.failed), ["intervals", "many-levels"], out)
        XCTAssertTrue(result.detail("intervals").contains("not nested"), result.detail("intervals"))
        XCTAssertEqual(result.status("basic"), "pass")
    }

    func testTheTableSaysWhatFailed() throws {
        let r = try TestSupport.fcast(["plugin", "check", try faulty("NOT_NESTED").path, "--checks", "intervals"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("library 'faulty' 1, ABI 1.1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("faulty     intervals  fail"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("FAILED: 0 passed, 1 failed, 0 skipped\n"), r.stdout)
    }

    func testALibraryThatIsNoPluginFailsToLoad() throws {
        let dir = TestSupport.temporaryDirectory()
        let lib = try TestSupport.compileCPlugin(source: "int not_a_plugin(void) { return 1; }", name: "none", in: dir)
        let r = try TestSupport.fcast(["plugin", "check", lib.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("FAIL load: ") && r.stdout.contains("not an fcast plugin"), r.stdout)
    }
}
