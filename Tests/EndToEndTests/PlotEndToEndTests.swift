import FcastTestSupport
import Foundation
import XCTest

/// `plot` and `--report` through the `fcast` binary.
final class PlotEndToEndTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        let which = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["sh", "-c", "command -v gnuplot"])
        guard which.status == 0 else { throw XCTSkip("gnuplot is not installed") }
        dir = TestSupport.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    static let script = """
        ## Fit
        emp = load("examples/data/us_employment.csv")
        train, test = split(emp, last: 24)
        res = run(grid(snaive(), drift(), season: 12), train, horizon: 24, level: [80, 95])

        ## Look
        plot(res, ids: ["CEU0500000001", "CEU1021000001"], models: "snaive", actual: test)
        plot(res, ids: "CEU0800000001", actual: test, to: "OUT/named.svg")
        show(summary(evaluate(res, test)))
        """

    func testReportHasCellsOutputAndPlots() throws {
        let file = try TestSupport.write(Self.script.replacingOccurrences(of: "OUT", with: dir.path), to: "emp.fc", in: dir)
        let report = dir.appendingPathComponent("rep/report.md")
        let r = try TestSupport.fcast(["run", file.path, "--report", report.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let md = try String(contentsOf: report, encoding: .utf8)
        XCTAssertTrue(md.hasPrefix("# emp.fc\n"), md)
        XCTAssertTrue(md.contains("## Fit\n\n```fcast\nemp = load("), md)
        XCTAssertTrue(md.contains("## Look\n"), md)
        XCTAssertTrue(md.contains("```text\n") && md.contains("model "), "the summary table is in the report:\n\(md)")
        // The plot without to: went beside the report; the named one is linked where it is.
        XCTAssertTrue(md.contains("![plot-1.png](report_files/plot-1.png)"), md)
        XCTAssertTrue(md.contains("![named.svg](../named.svg)"), md)
        let png = try Data(contentsOf: dir.appendingPathComponent("rep/report_files/plot-1.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("named.svg").path))
        // The screen still got everything, plots as text none: a report run draws to files.
        XCTAssertTrue(r.stdout.contains("## Look"), r.stdout)
        XCTAssertTrue(r.stderr.contains("report: \(report.path)"), r.stderr)
    }

    func testReportIsWrittenAfterAnError() throws {
        let text = Self.script.replacingOccurrences(of: "OUT", with: dir.path)
            .replacingOccurrences(of: "ids: \"CEU0800000001\"", with: "ids: \"CEU08\"")
        let file = try TestSupport.write(text, to: "bad.fc", in: dir)
        let report = dir.appendingPathComponent("bad.md")
        let r = try TestSupport.fcast(["run", file.path, "--report", report.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no series 'CEU08' in the run"), r.stderr)
        let md = try String(contentsOf: report, encoding: .utf8)
        XCTAssertTrue(md.contains("**Error**") && md.contains("no series 'CEU08' in the run"), md)
        XCTAssertTrue(md.contains("did you mean 'CEU0800000001'?"), md)
    }

    func testTerminalPlotFitsTheWindow() throws {
        let file = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            plot(emp, ids: "CEU0500000001", last: 60)
            """, to: "t.fc", in: dir)
        let r = try TestSupport.fcast(["run", file.path], environment: ["COLUMNS": "72", "LINES": "20", "TERM": "xterm"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertTrue(r.stdout.contains("CEU0500000001"), r.stdout)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 72 }, r.stdout)
        XCTAssertTrue((12...19).contains(lines.count), "at most LINES - 1:\n\(r.stdout)")
    }

    func testMissingGnuplotExplainsTheInstall() throws {
        let file = try TestSupport.write("""
            emp = load("examples/data/us_employment.csv")
            plot(emp, ids: "CEU0500000001")
            describe(emp)
            """, to: "m.fc", in: dir)
        let r = try TestSupport.fcast(["run", file.path], environment: ["FCAST_GNUPLOT": "/nonexistent/gnuplot"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("m.fc:2:1: error: plot(): gnuplot is not installed"), r.stderr)
        XCTAssertTrue(r.stderr.contains("apt-get install gnuplot-nox"), r.stderr)
    }
}
