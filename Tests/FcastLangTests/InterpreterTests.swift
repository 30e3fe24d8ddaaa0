import FcastCore
import FcastExec
import FcastPlugins
import FcastTestSupport
import XCTest

@testable import FcastLang

/// The evaluator with the real naive plugin loaded: bindings, grids, runs and the errors a
/// user meets, with their locations and suggestions.
final class InterpreterTests: LanguageTestCase {
    var vis: String { TestSupport.exampleData("visnights.csv").path }

    func testBindingsArithmeticAndTupleBinding() throws {
        try run("x = 2 * (3 + 4) - 1\nxs = [1, 2, x]\na, b = [xs[2], -x / 2]")
        guard case .number(13) = interp.globals["x"]!, case .number(13) = interp.globals["a"]!,
              case .number(-6.5) = interp.globals["b"]! else { return XCTFail("\(interp.globals)") }
    }

    func testGridExpandsListsAndSharesArguments() throws {
        try run("g = grid(naive(), snaive(season: [4, 8]), drift(), mean())")
        guard case .grid(let specs) = interp.globals["g"]! else { return XCTFail() }
        XCTAssertEqual(specs.map(\.name), ["naive", "snaive(season=4)", "snaive(season=8)", "drift", "mean"])
        try run("h = grid(naive(), snaive(), season: 4)")
        guard case .grid(let shared) = interp.globals["h"]! else { return XCTFail() }
        XCTAssertEqual(shared.map(\.name), ["naive", "snaive"])
        XCTAssertEqual(shared[1].values["season"], .int(4))
        // A model's own value wins over the grid's.
        try run("k = grid(snaive(season: 8), season: 4)")
        guard case .grid(let own) = interp.globals["k"]! else { return XCTFail() }
        XCTAssertEqual(own[0].values["season"], .int(8))
    }

    func testRunEvaluateSummaryBestWithPipes() throws {
        try run("""
            vis = load("\(vis)")
            train, test = split(vis, last: 8)
            res = run(grid(naive(), snaive(), season: 4), train, horizon: 8, level: [80])
            b = res |> evaluate(test) |> best(by: "mae")
            s = summary(evaluate(res, test))
            """)
        guard case .summary(let s) = interp.globals["s"]!, case .best(let b) = interp.globals["b"]! else { return XCTFail() }
        XCTAssertEqual(s.rows.count, 2)
        let snaive = s.rows.first { $0.model == "snaive" }!
        // PEERS.md: snaive on visnights (h = 8, season 4): MASE 1.1273, cover80 0.844.
        XCTAssertEqual(snaive.means[s.metrics.firstIndex(of: "mase")!], 1.1273, accuracy: 0.0001)
        XCTAssertEqual(snaive.means[s.metrics.firstIndex(of: "cover80")!], 0.844, accuracy: 0.001)
        XCTAssertEqual(b.rows.count, 20)
        XCTAssertEqual(b.metric, "mae")
    }

    func testExpressionStatementsShowTheirValueAndSetUnderscore() throws {
        try run("vis = load(\"\(vis)\")\nvis\n1 + 1")
        XCTAssertTrue(output.contains("data set: 20 series, 1,520 points, quarterly"), output)
        XCTAssertTrue(output.contains("unique_id  ds"), output)
        guard case .number(2) = interp.globals["_"]! else { return XCTFail() }
    }

    func testUnknownNameSuggestsAndShowsCaret() {
        let msg = failure("vis = lod(\"x.csv\")")
        XCTAssertEqual(msg, """
            test.fc:1:7: error: unknown name 'lod'
                1 | vis = lod("x.csv")
                  |       ^~~
              help: did you mean 'load'?
            """, msg)
    }

    func testUnknownAlgorithmAndParameterSuggest() {
        XCTAssertTrue(failure("m = snaiv(season: 12)").contains("did you mean 'snaive'?"))
        let msg = failure("m = snaive(seasn: 12)")
        XCTAssertTrue(msg.contains("test.fc:1:12: error: unknown parameter 'seasn' for snaive"), msg)
        XCTAssertTrue(msg.contains("did you mean 'season'?"), msg)
        let grid = failure("g = grid(naive(), snaive(), seasn: 12)")
        XCTAssertTrue(grid.contains("no model in this grid takes 'seasn'"), grid)
        XCTAssertTrue(grid.contains("did you mean 'season'?"), grid)
    }

    func testParameterTypeAndRangeAreChecked() {
        let range = failure("m = snaive(season: 0)")
        XCTAssertTrue(range.contains("'season' of snaive must be at least 1, got 0"), range)
        XCTAssertTrue(failure("m = snaive(season: 1.5)").contains("must be a whole number, got 1.5"))
        XCTAssertTrue(failure("m = snaive(season: \"12\")").contains("must be a whole number, got a string"))
        XCTAssertTrue(failure("m = snaive(12)").contains("snaive() takes named arguments only, as snaive(season: ...)"))
        XCTAssertTrue(failure("m = naive(12)").contains("naive() takes no arguments"))
    }

    func testMissingRequiredParameterIsReportedBeforeRunning() throws {
        // No built-in algorithm has a required parameter, so a small C plugin declares one.
        let dir = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = TestSupport.slowPluginSource
            .replacingOccurrences(of: "static int dummy;", with: """
                static int dummy;
                static const fc_param_spec width = { sizeof(fc_param_spec), "width", FC_PARAM_INT, FC_PARAM_REQUIRED,
                    NULL, 1, 100, NULL, 0, "window width" };
                static const fc_param_spec *const params[] = {&width};
                """)
            .replacingOccurrences(of: ".capabilities = FC_CAP_THREAD_SAFE,", with: ".capabilities = FC_CAP_THREAD_SAFE, .n_params = 1, .params = params,")
        let lib = try TestSupport.compileCPlugin(source: source, name: "needswidth", in: dir)
        try interp.registry.load(path: lib.path)
        try run("vis = load(\"\(vis)\")")
        let msg = failure("res = run(grid(naive(), slow()), vis, horizon: 4)")
        XCTAssertTrue(msg.contains("slow needs 'width'"), msg)
        XCTAssertFalse(output.contains("tasks"), "nothing ran: \(output)")
    }

    func testSnaiveTakesItsSeasonFromTheDataWhenNotGiven() throws {
        try run("""
            vis = load("\(vis)")
            train, test = split(vis, last: 8)
            s = summary(evaluate(run(snaive(), train, horizon: 8), test))
            """)
        guard case .summary(let s) = interp.globals["s"]! else { return XCTFail() }
        // PEERS.md: snaive on visnights (quarterly, so season 4, h = 8): MASE 1.1273.
        XCTAssertEqual(s.rows[0].means[s.metrics.firstIndex(of: "mase")!], 1.1273, accuracy: 0.0001)
    }

    func testBuiltinArgumentErrors() {
        XCTAssertTrue(failure("split(1, last: 2)").contains("'data' must be a data set, got a number"))
        XCTAssertTrue(failure("load(\"a.csv\", sep: \",\")").contains("load() has no parameter 'sep'"))
        let missing = failure("load(\"/no/such/file.csv\")")
        XCTAssertTrue(missing.contains("/no/such/file.csv"), missing)
        XCTAssertTrue(failure("a, b = [1, 2, 3]").contains("cannot unpack 3 values into 2 names"))
    }

    func testErrorsLeaveEarlierBindingsIntact() throws {
        try run("x = 1")
        _ = failure("x = 2\ny = nosuch(3)")
        guard case .number(2) = interp.globals["x"]! else { return XCTFail() }
        XCTAssertNil(interp.globals["y"])
    }

    func testWriteForecastsAsLongCSV() throws {
        let dir = TestSupport.temporaryDirectory()
        let path = dir.appendingPathComponent("out/f.csv").path
        try run("""
            vis = take(load("\(vis)"), 2)
            train, test = split(vis, last: 4)
            write(run(naive(), train, horizon: 2, level: [80, 95]), "\(path)")
            """)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines[0], "unique_id,ds,model,yhat,lo80,hi80,lo95,hi95")
        XCTAssertEqual(lines.count, 1 + 2 * 2)
        // NSWMetro ends 2016-10-01, so training ends 2015-10-01 and forecasts continue the calendar.
        XCTAssertTrue(lines[1].hasPrefix("NSWMetro,2016-01-01,naive,"), String(lines[1]))
        XCTAssertTrue(lines[2].hasPrefix("NSWMetro,2016-04-01,naive,"), String(lines[2]))
        XCTAssertTrue(output.contains("wrote 4 rows to"))
    }
}

extension InterpreterTests {
    /// A series with a constant history has no MASE; best() still picks its winner, by MAE.
    func testBestFallsBackToMAEForConstantHistory() throws {
        let dir = TestSupport.temporaryDirectory()
        var csv = "unique_id,ds,y\n"
        for q in 0..<12 {
            let date = "\(2010 + q / 4)-\(String(format: "%02d", (q % 4) * 3 + 1))-01"
            csv += "flat,\(date),\(q < 8 ? 5 : 6 + q)\n"
            csv += "wavy,\(date),\(10 + q % 4 + q)\n"
        }
        let path = try TestSupport.write(csv, to: "d.csv", in: dir).path
        try run("""
            d = load("\(path)")
            train, test = split(d, last: 4)
            b = best(evaluate(run(grid(naive(), mean(), drift()), train, horizon: 4), test), by: "mase")
            """)
        guard case .best(let b) = interp.globals["b"]! else { return XCTFail() }
        XCTAssertEqual(b.rows.map(\.id), ["flat", "wavy"])
        XCTAssertEqual(b.rows[0].metric, "mae")
        // flat's history is 5 5 ... 5 and all three models forecast 5: the tie goes to the first (naive).
        XCTAssertEqual(b.rows[0].model, "naive")
        XCTAssertEqual(b.rows[1].metric, "mase")
    }
}
