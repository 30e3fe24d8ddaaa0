import FcastTestSupport
import Foundation
import XCTest

/// Ctrl-C in the middle of a run: the run stops promptly, says how far it got, and the
/// script ends with status 130 instead of hanging or losing the terminal.
final class InterruptTests: XCTestCase {
    /// A plugin whose fit takes 20 ms, so that a grid runs long enough to interrupt.
    static let slowPlugin = """
        #include <unistd.h>
        #include "fcast_plugin.h"
        static int dummy;
        static fc_status configure(const fc_algorithm *s, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)s; (void)v; (void)n; (void)e; *c = &dummy; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            (void)c; (void)e; usleep(20000); *m = (void *)&s->y[s->n - 1]; return FC_OK; }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e; for (size_t t = 0; t < r->h; t++) o->mean[t] = 0; (void)m; return FC_OK; }
        static void free_model(void *m) { (void)m; }
        static const fc_algorithm slow = { .struct_size = sizeof(fc_algorithm), .name = "slow", .summary = "sleeps",
            .capabilities = FC_CAP_THREAD_SAFE, .configure = configure, .free_config = free_config, .fit = fit,
            .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algs[] = {&slow};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "slow", "1", "", 1, algs };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
        """

    func testCtrlCStopsARunPromptly() throws {
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: Self.slowPlugin, name: "slow", in: dir)
        // 148 series x 4 copies of the model x 20 ms on 2 workers: about 6 s uninterrupted.
        let script = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            res = run([slow(), slow(), slow(), slow()], emp, horizon: 3, workers: 2)
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
        let sent = Date()
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let took = Date().timeIntervalSince(sent)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 130, stderr)
        XCTAssertLessThan(took, 1.0, "took \(took) s to stop")
        XCTAssertTrue(stderr.contains("run: interrupted after"), stderr)
        XCTAssertTrue(stderr.contains("of 592 tasks"), stderr)
        XCTAssertTrue(stderr.contains("slow.fc:2: interrupted; the script stops here"), stderr)
        XCTAssertFalse(stdout.contains("run: 4 models"), "show(res) must not run after the interrupt")
    }
}
