import FcastCore
import FcastTestSupport
import XCTest

/// Drives the `fcast` binary as a user does.
final class EndToEndTests: XCTestCase {
    func testVersionAndHelp() throws {
        let v = try TestSupport.fcast(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.stdout.hasPrefix("fcast 0."), v.stdout)
        let h = try TestSupport.fcast(["--help"])
        XCTAssertTrue(h.stdout.contains("run"), h.stdout)
        XCTAssertTrue(h.stdout.contains("plugins"), h.stdout)
    }

    func testPluginsListsTheNaiveFamilyFromTheSharedLibrary() throws {
        let r = try TestSupport.fcast(["plugins"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["naive", "snaive", "mean", "drift"] {
            XCTAssertTrue(r.stdout.contains("\n  \(name)\n"), "\(name) missing in:\n\(r.stdout)")
        }
        XCTAssertTrue(r.stdout.contains("libfcast_naive.so (plugin ABI 1.1)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("season: int in 1...100000 (auto)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("capabilities: intervals, thread-safe, save/load, fitted"), r.stdout)
    }

    /// The done-when bar: snaive's MASE on employment (h = 24, season 12) equals PEERS.md's
    /// 1.1628 (R forecast and statsforecast agree on it) to within 1%.
    func testEmploymentSummaryMatchesPeers() throws {
        let dir = TestSupport.temporaryDirectory()
        let script = """
            emp = load("examples/data/us_employment.csv")
            train, test = split(emp, last: 24)
            res = run(grid(naive(), snaive(), mean(), drift(), season: 12), train, horizon: 24, level: [80, 95])
            s = summary(evaluate(res, test))
            show(s)
            write(s, "\(dir.path)/summary.csv")
            write(res, "\(dir.path)/forecasts.csv")
            """
        let file = try TestSupport.write(script, to: "emp.fc", in: dir)
        let r = try TestSupport.fcast(["run", file.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("run: 592 tasks"), r.stderr)
        let rows = try String(contentsOfFile: dir.path + "/summary.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let header = rows[0]
        func value(_ model: String, _ metric: String) -> Double {
            Double(rows.first { $0[0] == model }![header.firstIndex(of: metric)!])!
        }
        XCTAssertEqual(value("snaive", "mase"), 1.1628, accuracy: 1.1628 * 0.01)
        XCTAssertEqual(value("snaive", "mase"), 1.1628, accuracy: 0.0001)
        XCTAssertEqual(value("naive", "mase"), 1.1857, accuracy: 0.0001)
        XCTAssertEqual(value("snaive", "smape"), 3.222, accuracy: 0.001)
        XCTAssertEqual(value("naive", "mae"), 131.9, accuracy: 0.05)
        XCTAssertEqual(value("snaive", "cover80"), 0.819, accuracy: 0.001)
        XCTAssertEqual(value("naive", "cover80"), 0.790, accuracy: 0.001)
        // Forecast file: 148 series x 4 models x 24 steps, dates like the input's.
        let forecasts = try String(contentsOfFile: dir.path + "/forecasts.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(forecasts.count, 1 + 148 * 4 * 24)
        XCTAssertEqual(forecasts[0], "unique_id,ds,model,yhat,lo80,hi80,lo95,hi95")
        XCTAssertTrue(forecasts[1].hasPrefix("CEU0500000001,2017-10-01,naive,"), String(forecasts[1]))
    }

    func testMalformedCSVNamesFileLineAndColumn() throws {
        let dir = TestSupport.temporaryDirectory()
        try TestSupport.write("unique_id,ds,y\na,2020-01-01,1\na,2020-02-01,abc\n", to: "bad.csv", in: dir)
        let file = try TestSupport.write("d = load(\"\(dir.path)/bad.csv\")\n", to: "s.fc", in: dir)
        let r = try TestSupport.fcast(["run", file.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bad.csv:3:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("abc"), r.stderr)
        XCTAssertTrue(r.stderr.contains("s.fc:1:10"), r.stderr)
    }

    func testTooShortSeriesFailsItsTaskAndTheRestFinishes() throws {
        let dir = TestSupport.temporaryDirectory()
        var csv = "unique_id,ds,y\n"
        let start = Timestamp.parse("2015-01-01")!.0
        for i in 0..<40 { csv += "long,\(Timestamp.format(Frequency.monthly.advance(start, by: i), style: .date)),\(100 + i % 12)\n" }
        for i in 0..<8 { csv += "short,\(Timestamp.format(Frequency.monthly.advance(start, by: i), style: .date)),\(i)\n" }
        try TestSupport.write(csv, to: "d.csv", in: dir)
        let script = """
            d = load("\(dir.path)/d.csv")
            res = run(grid(naive(), snaive(), season: 12), d, horizon: 6)
            show(res)
            """
        let file = try TestSupport.write(script, to: "s.fc", in: dir)
        let r = try TestSupport.fcast(["run", file.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4 of 4 tasks done"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 failed"), r.stdout)
        XCTAssertTrue(r.stdout.contains("short  snaive: not enough data: snaive needs at least 13 points"), r.stdout)
    }

    func testScriptErrorShowsCaretAndSuggestion() throws {
        let dir = TestSupport.temporaryDirectory()
        let file = try TestSupport.write("emp = load(\"examples/data/visnights.csv\")\nm = snaive(seasn: 4)\n", to: "s.fc", in: dir)
        let r = try TestSupport.fcast(["run", file.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("s.fc:2:12: error: unknown parameter 'seasn' for snaive"), r.stderr)
        XCTAssertTrue(r.stderr.contains("2 | m = snaive(seasn: 4)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'season'?"), r.stderr)
    }

    func testStatementsFromStandardInput() throws {
        let r = try TestSupport.fcast([], stdin: "x = [1,\n  2]\nx\nnosuch\ny = 3\ny\n")
        XCTAssertTrue(r.stdout.contains("[1, 2]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("3"), r.stdout)
        XCTAssertTrue(r.stderr.contains("unknown name 'nosuch'"), r.stderr)
        XCTAssertEqual(r.status, 1)
    }

    func testPluginPathEnvironmentAndABIMismatchWarning() throws {
        let dir = TestSupport.temporaryDirectory()
        let abi2 = """
            #include "fcast_plugin.h"
            static const fc_algorithm *const none[] = {0};
            static const fc_library lib = { sizeof(fc_library), 2, 0, "future", "9.0", "", 0, none };
            const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
            """
        let lib = try TestSupport.compileCPlugin(source: abi2, name: "future", in: dir)
        let r = try TestSupport.fcast([], stdin: "x = 1\n", environment: ["FCAST_PLUGIN_PATH": dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(lib.path): built for fcast plugin ABI 2.0"), r.stderr)
        let p = try TestSupport.fcast(["plugins"], environment: ["FCAST_PLUGIN_PATH": dir.path + "/nope"])
        XCTAssertTrue(p.stdout.contains("failed to load \(dir.path)/nope: no such file or folder"), p.stdout)
        XCTAssertTrue(p.stdout.contains("  snaive\n"), p.stdout)
    }
}
