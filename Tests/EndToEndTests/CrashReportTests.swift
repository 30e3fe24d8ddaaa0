import FcastTestSupport
import Foundation
import XCTest

/// A plugin that crashes on the threads executor takes the process down, but fcast says
/// which task it was running; the same script on the default executor for such a plugin
/// (worker processes) fails only that task.
final class CrashReportTests: XCTestCase {
    /// `segv` writes through a null pointer on the series "VICMetro", otherwise forecasts the
    /// last value.
    static let source = """
        #include <string.h>
        #include <sys/resource.h>
        #include "fcast_plugin.h"
        static int dummy;
        static fc_status configure(const fc_algorithm *s, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)s; (void)v; (void)n; (void)e; *c = &dummy; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            (void)c; (void)e;
            if (strcmp(s->id, "VICMetro") == 0) { struct rlimit r = {0, 0}; setrlimit(RLIMIT_CORE, &r); *(volatile int *)0 = 1; }
            *m = (void *)&s->y[s->n - 1]; return FC_OK; }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e; for (size_t t = 0; t < r->h; t++) o->mean[t] = *(const double *)m; return FC_OK; }
        static void free_model(void *m) { (void)m; }
        static const fc_algorithm segv = { .struct_size = sizeof(fc_algorithm), .name = "segv", .summary = "crashes",
            .capabilities = FC_CAP_THREAD_SAFE, .configure = configure, .free_config = free_config, .fit = fit,
            .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algs[] = {&segv};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "segv", "1", "", 1, algs };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
        """

    func testACrashOnTheThreadsExecutorNamesItsTaskAndIsolationSurvivesIt() throws {
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: Self.source, name: "segv", in: dir)
        let env = ["FCAST_PLUGIN_PATH": dir.path, "SWIFT_BACKTRACE": "enable=no"]
        let data = try String(contentsOf: TestSupport.exampleData("visnights.csv"), encoding: .utf8)
        XCTAssertTrue(data.contains("\nVICMetro,"), "the series the plugin crashes on is in the data")
        let threads = try TestSupport.write("""
            v = load("examples/data/visnights.csv")
            res = run(segv(), v, horizon: 4, executor: "threads", workers: 1)
            """, to: "threads.fc", in: dir)
        let crashed = try TestSupport.fcast(["run", threads.path], environment: env)
        XCTAssertNotEqual(crashed.status, 0)
        XCTAssertTrue(crashed.stderr.contains("fcast: SIGSEGV while running task "), crashed.stderr)
        XCTAssertTrue(crashed.stderr.contains("(series 'VICMetro', model 'segv')"), crashed.stderr)
        // Not a built-in plugin: by default it runs isolated, and only its task fails.
        let isolated = try TestSupport.write("""
            v = load("examples/data/visnights.csv")
            res = run(segv(), v, horizon: 4, workers: 2)
            show(res)
            """, to: "isolated.fc", in: dir)
        let survived = try TestSupport.fcast(["run", isolated.path], environment: env)
        XCTAssertEqual(survived.status, 0, survived.stderr)
        XCTAssertTrue(survived.stdout.contains("worker process killed by SIGSEGV while running this task"), survived.stdout)
        XCTAssertTrue(survived.stderr.contains("1 failed"), survived.stderr)
    }
}
