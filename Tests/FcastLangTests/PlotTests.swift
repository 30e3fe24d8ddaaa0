import FcastCore
import FcastExec
import FcastPlot
import FcastPlugins
import FcastTestSupport
import Foundation
import XCTest

@testable import FcastLang

/// `plot` in the language: forecasts, data, scores and wins to files and the terminal, and
/// the errors a user meets, each a diagnostic that keeps the workspace.
final class PlotTests: LanguageTestCase {
    var artifacts: [String] = []
    var dir: URL!

    override func setUpWithError() throws {
        guard (try? Gnuplot.locate()) != nil else { throw XCTSkip("gnuplot is not installed") }
        try super.setUpWithError()
        artifacts = []
        interp.onArtifact = { [unowned self] in self.artifacts.append($0) }
        host.terminal = .dumb(columns: 100, lines: 30)
        dir = TestSupport.temporaryDirectory()
        try run("""
            emp = load("\(TestSupport.exampleData("us_employment.csv").path)")
            train, test = split(emp, last: 24)
            res = run(grid(naive(), snaive(), drift(), season: 12), train, horizon: 24, level: [80, 95])
            """)
        output = ""
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func assertPNG(_ path: String, width: Int? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(d.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], path, file: file, line: line)
        if let width { XCTAssertEqual(d[16..<20].reduce(0) { $0 << 8 | Int($1) }, width, file: file, line: line) }
    }

    // MARK: Forecasts

    func testForecastToPNGWithTheScript() throws {
        let script = path("script.gp")
        host.environment["FCAST_PLOT_SCRIPT"] = script
        try run("plot(res, ids: \"CEU0500000001\", models: \"snaive\", actual: test, level: 80, last: 36, to: \"\(path("a/one.png"))\")")
        try assertPNG(path("a/one.png"), width: 1000)
        XCTAssertEqual(artifacts, [path("a/one.png")])
        XCTAssertTrue(output.contains("plot: wrote \(path("a/one.png")) (1 series)"), output)

        let s = try String(contentsOfFile: script, encoding: .utf8)
        XCTAssertTrue(s.contains("set title 'CEU0500000001 — snaive[12]'"), "the model's description in the title:\n\(s)")
        XCTAssertTrue(s.contains("set xtics ('2015' 1420070400, '2016' 1451606400"), "years on the date axis:\n\(s)")
        XCTAssertEqual(s.components(separatedBy: "with filledcurves").count - 1, 2, "one band (80%) and its legend entry")
        XCTAssertTrue(s.contains("title '80%'") && !s.contains("title '95%'"))
        XCTAssertTrue(s.contains("title 'actual'") && s.contains("title 'history'") && s.contains("title 'forecast'"))
        XCTAssertTrue(s.contains("set arrow from 1504224000, graph 0"), "origin at 2017-09-01")
        // History: the last 36 points; the first is 2014-10-01.
        let history = s.components(separatedBy: "$c1_1 << EOD\n")[1].components(separatedBy: "EOD")[0]
        XCTAssertEqual(history.split(separator: "\n").count, 36)
        XCTAssertTrue(history.hasPrefix("1412121600 "), history)
        // Actuals: the 24 test points joined to the last history point.
        let actual = s.components(separatedBy: "title 'actual'")[0]
        XCTAssertTrue(actual.contains("linespoints"))
    }

    func testSeveralSeriesAndModelsAndSVG() throws {
        let script = path("grid.gp")
        host.environment["FCAST_PLOT_SCRIPT"] = script
        try run("""
            plot(res, ids: ["CEU0500000001", "CEU1021000001", "CEU0800000001"], models: ["snaive", "drift"], actual: test,
                 to: "\(path("grid.svg"))", title: "three series")
            """)
        let svg = try String(contentsOfFile: path("grid.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml") && svg.contains("<svg"))
        XCTAssertTrue(svg.contains("three series") && svg.contains("CEU1021000001"))
        let s = try String(contentsOfFile: script, encoding: .utf8)
        XCTAssertTrue(s.contains("set multiplot layout 3,1 title 'three series'"), s)
        // Several models: a legend entry per model, named by its description; no per-band entries.
        XCTAssertTrue(s.contains("title 'snaive[12]'") && s.contains("title 'drift'"), s)
        XCTAssertFalse(s.contains("title '80%'"))
        XCTAssertFalse(s.contains("title 'naive'"), "naive was not asked for")
    }

    func testOneFilePerSeries() throws {
        try run("plot(res, models: \"naive\", to: \"\(path("per/{id}.png"))\")")
        XCTAssertEqual(artifacts.count, 148)
        let files = try FileManager.default.contentsOfDirectory(atPath: path("per"))
        XCTAssertEqual(files.count, 148)
        XCTAssertTrue(files.contains("CEU0500000001.png"))
        try assertPNG(path("per/CEU0500000001.png"))
        XCTAssertTrue(output.contains("plot: wrote 148 files"), output)
    }

    func testTerminalPlot() throws {
        try run("plot(res, ids: \"CEU0500000001\", models: \"snaive\", actual: test)")
        let lines = output.split(separator: "\n")
        XCTAssertTrue(output.contains("CEU0500000001 — snaive[12]"), output)
        XCTAssertTrue(output.contains("history") && output.contains("forecast") && output.contains("actual"), output)
        XCTAssertTrue(output.contains("2016") && output.contains("2018"), output)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 100 }, output)
        XCTAssertGreaterThan(lines.count, 20)
        XCTAssertTrue(artifacts.isEmpty)
    }

    func testDefaultsToFourSeriesWithANote() throws {
        let script = path("default.gp")
        host.environment["FCAST_PLOT_SCRIPT"] = script
        try run("plot(res, models: \"naive\", to: \"\(path("d.png"))\")")
        XCTAssertTrue(output.contains("showing 4 of 148 series"), output)
        let s = try String(contentsOfFile: script, encoding: .utf8)
        XCTAssertTrue(s.contains("CEU0500000001") && s.contains("CEU1000000001") && !s.contains("CEU1011330001"))
        // In a text terminal, one.
        output = ""
        try run("plot(res, models: \"naive\")")
        XCTAssertTrue(output.contains("showing 1 of 148 series"), output)
    }

    // MARK: Data, scores, wins

    func testDataScoresAndWins() throws {
        try run("""
            plot(emp, ids: ["CEU0500000001", "CEU0600000001"], last: 120, to: "\(path("data.png"))")
            scores = evaluate(res, test)
            plot(scores, to: "\(path("mase.png"))")
            plot(scores, metric: "smape", models: ["naive", "drift"], to: "\(path("smape.svg"))")
            plot(best(scores), to: "\(path("wins.png"))")
            """)
        try assertPNG(path("data.png"))
        try assertPNG(path("mase.png"))
        try assertPNG(path("wins.png"))
        let svg = try String(contentsOfFile: path("smape.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("SMAPE by model") && svg.contains(">drift<") && !svg.contains(">snaive<"), svg.prefix(2000).description)
        XCTAssertEqual(artifacts.count, 4)
    }

    // MARK: Errors keep the workspace

    func testUnknownIdIsNamedWithASuggestion() throws {
        let e = failure("plot(res, ids: [\"CEU0500000001\", \"CEU050000001\"])")
        XCTAssertTrue(e.contains("no series 'CEU050000001' in the run"), e)
        XCTAssertTrue(e.contains("did you mean 'CEU0500000001'?"), e)
        XCTAssertTrue(e.contains("test.fc:1:16"), "points at ids:\n\(e)")
        let prefix = failure("plot(emp, ids: \"CEU05\")")
        XCTAssertTrue(prefix.contains("did you mean 'CEU0500000001'?"), prefix)
        XCTAssertNotNil(interp.globals["res"], "the workspace survives")
    }

    func testBadArguments() {
        XCTAssertTrue(failure("plot(res, models: \"snaiv\")").contains("did you mean 'snaive'?"))
        XCTAssertTrue(failure("plot(res, level: 90)").contains("no 90% intervals in the run"))
        XCTAssertTrue(failure("plot(res, to: \"x.jpg\")").contains("cannot write '.jpg' images"))
        XCTAssertTrue(failure("plot(res, metric: \"mae\")").contains("'metric' does not apply to a run result"))
        XCTAssertTrue(failure("plot(3)").contains("cannot plot a number"))
        XCTAssertTrue(failure("plot(res, ids: [1])").contains("must be a series id or a list of ids"))
        let many = failure("plot(res, ids: ids(emp))")
        XCTAssertTrue(many.contains("148 series are too many for one figure") && many.contains("{id}"), many)
        XCTAssertTrue(failure("plot(evaluate(res, test), metric: \"smap\")").contains("did you mean 'smape'?"))
    }

    func testUnwritablePath() throws {
        try "x".write(toFile: path("blocker"), atomically: true, encoding: .utf8)
        let e = failure("plot(res, ids: \"CEU0500000001\", to: \"\(path("blocker"))/p.png\")")
        XCTAssertTrue(e.contains("cannot create the folder") || e.contains("cannot write the plot"), e)
        XCTAssertTrue(e.contains(path("blocker")), e)
        XCTAssertTrue(e.contains("test.fc:1:37"), "points at to:\n\(e)")
    }

    func testMissingGnuplot() {
        host.environment["FCAST_GNUPLOT"] = "/nonexistent/gnuplot"
        let e = failure("plot(res, ids: \"CEU0500000001\", to: \"\(path("p.png"))\")")
        XCTAssertTrue(e.contains("gnuplot is not installed"), e)
        XCTAssertTrue(e.contains("apt-get install gnuplot-nox"), e)
        XCTAssertNotNil(interp.globals["train"])
    }

    func testGnuplotFailureShowsItsMessage() throws {
        // A gnuplot that refuses the script, as a real one does on a bad command.
        let fake = path("fake-gnuplot")
        try "#!/bin/sh\ncat > /dev/null\necho 'gnuplot> set terminal pngcairo' >&2\necho '         line 3: unknown or ambiguous terminal type' >&2\nexit 1\n"
            .write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        host.environment["FCAST_GNUPLOT"] = fake
        let e = failure("plot(res, ids: \"CEU0500000001\", to: \"\(path("f.png"))\")")
        XCTAssertTrue(e.contains("plot(): gnuplot failed while drawing '\(path("f.png"))': unknown or ambiguous terminal type"), e)
        XCTAssertTrue(e.contains("gnuplot said:") && e.contains("line 3: unknown or ambiguous terminal type"), e)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("f.png")), "no empty file left behind")
        XCTAssertNotNil(interp.globals["res"], "the workspace survives")
    }

    func testEmptySeries() throws {
        let csv = "unique_id,ds,y\na,2020-01-01,1\na,2020-02-01,2\nb,2020-01-01,NA\nb,2020-02-01,NA\n"
        try csv.write(toFile: path("d.csv"), atomically: true, encoding: .utf8)
        try run("d = load(\"\(path("d.csv"))\")")
        let e = failure("plot(d, ids: \"b\", to: \"\(path("b.png"))\")")
        XCTAssertTrue(e.contains("series 'b' has no values to plot"), e)
        try run("plot(d, to: \"\(path("all.png"))\")")
        XCTAssertTrue(output.contains("left out 1 series without values, e.g. 'b'"), output)
        try assertPNG(path("all.png"))
    }

    // MARK: Report

    func testReportRecordsSourceOutputAndPlotsInOrder() throws {
        let report = Report(path: path("r/report.md"), scriptName: "s.fc")
        var runner = ScriptRunner(interpreter: interp)
        runner.errorOutput = { _ in }
        let source = Source(name: "s.fc", text: """
            ## One
            x = 1 + 1
            x
            ## Two
            plot(res, ids: "CEU0500000001", models: "naive")
            plot(emp, ids: "CEU0500000001", to: "\(path("e.svg"))")
            """)
        XCTAssertEqual(runner.run(source, report: report), .completed)
        let md = try String(contentsOfFile: path("r/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("## One\n\n```fcast\nx = 1 + 1\nx\n```\n\n```text\n2\n```\n"), md)
        let first = md.range(of: "![plot-1.png](report_files/plot-1.png)")
        let wrote = md.range(of: "plot: wrote \(path("e.svg")) (1 series)")
        let second = md.range(of: "![e.svg](../e.svg)")
        XCTAssertNotNil(first, md)
        XCTAssertNotNil(wrote, md)
        XCTAssertNotNil(second, md)
        if let first, let wrote, let second {
            XCTAssertTrue(first.lowerBound < wrote.lowerBound && wrote.lowerBound < second.lowerBound, md)
        }
        try assertPNG(path("r/report_files/plot-1.png"), width: 1000)
        // After the run, plots without to: go to the terminal again.
        XCTAssertNil(interp.plotDefaults.fileDirectory)
        output = ""
        try run("plot(res, ids: \"CEU0500000001\", models: \"naive\")")
        XCTAssertTrue(output.contains("CEU0500000001 — naive"), output)
    }

    func testReportHelpers() {
        XCTAssertEqual(Report.relative("/a/b/c.png", to: "/a/d"), "../b/c.png")
        XCTAssertEqual(Report.relative("/a/d/f/c.png", to: "/a/d"), "f/c.png")
        XCTAssertEqual(Report.fence("a ``` b", info: "text"), "````text\na ``` b\n````\n")
        XCTAssertEqual(Report.dropMarker("## Title\nx = 1"), "x = 1")
    }
}
