import FcastTestSupport
import Foundation
import XCTest

/// Every built-in plugin passes every check of `fcast plugin check`. The debug builds the
/// tests run are slow (auto_arima's search, ets's simulated intervals), so a check gets 120 s
/// before it counts as hung. Checks found real bugs: auto_arima did not poll cancellation, arima
/// read a 1% level as the fraction 1 (a 99.99% interval), and global_xgb could not save a
/// one-series fit.
final class BuiltInPluginCheckTests: XCTestCase {
    struct Report: Decodable {
        struct Check: Decodable { var algorithm: String; var check: String; var status: String; var detail: String }
        var passed: Bool
        var results: [Check]
    }

    func assertPasses(_ library: URL, algorithms: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try TestSupport.fcast(["plugin", "check", library.path, "--json", "--timeout", "120"])
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        let failures = report.results.filter { $0.status == "fail" }.map { "\($0.algorithm) \($0.check): \($0.detail)" }
        XCTAssertEqual(failures, [], file: file, line: line)
        XCTAssertEqual(r.status, 0, file: file, line: line)
        XCTAssertTrue(report.passed, file: file, line: line)
        XCTAssertEqual(Set(report.results.map(\.algorithm)), Set(algorithms), file: file, line: line)
        XCTAssertEqual(report.results.count, 20 * algorithms.count, file: file, line: line)
    }

    func plugin(_ name: String) -> URL { TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so") }

    func testNaive() throws { try assertPasses(plugin("naive"), algorithms: ["naive", "snaive", "mean", "drift"]) }
    func testArima() throws { try assertPasses(plugin("arima"), algorithms: ["arima", "auto_arima"]) }
    func testEts() throws { try assertPasses(plugin("ets"), algorithms: ["ets"]) }
    func testTheta() throws { try assertPasses(plugin("theta"), algorithms: ["theta"]) }
    func testProphet() throws { try assertPasses(plugin("prophet"), algorithms: ["prophet"]) }
    /// global_xgb through the per-series calls: a fit of one series saves with that series
    /// (so it forecasts after load), and an infinity is the plugin's own error, not XGBoost's.
    func testGlobal() throws { try assertPasses(plugin("global"), algorithms: ["global_xgb"]) }

    /// The plain-C example of docs/plugins.md passes too.
    func testTheCExample() throws {
        let source = try String(contentsOf: TestSupport.repoRoot.appendingPathComponent("examples/c-plugin/window_average.c"), encoding: .utf8)
        let lib = try TestSupport.compileCPlugin(source: source, name: "window", in: TestSupport.temporaryDirectory())
        try assertPasses(lib, algorithms: ["window_average"])
    }
}
