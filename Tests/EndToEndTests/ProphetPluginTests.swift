import FcastTestSupport
import XCTest

/// The prophet plugin through the binary: record-valued options written in the language
/// reach the plugin as JSON, and bad options fail per series with the parameter named.
final class ProphetPluginTests: XCTestCase {
    func testProphetWithCustomSeasonalityAndHolidays() throws {
        let dir = TestSupport.temporaryDirectory()
        let script = try TestSupport.write("""
            vis = load("examples/data/visnights.csv")
            train, test = split(vis, last: 8)
            m = prophet(mode: ["additive", "multiplicative"], yearly: 2,
                        seasonality: [{name: "biennial", period: 730.5, order: 2}],
                        holidays: [{name: "olympics", ds: ["2000-07-01", "2012-07-01"], lower_window: 0, upper_window: 0}])
            res = run(m, train, horizon: 8, level: [80], seed: 7)
            show(res)
            write(summary(evaluate(res, test)), "\(dir.path)/s.csv")
            write(res, "\(dir.path)/f.csv")
            """, to: "p.fc", in: dir)
        let r = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("40 of 40 tasks done"), r.stdout)
        XCTAssertTrue(r.stdout.contains("0 failed"), r.stdout)
        XCTAssertTrue(r.stdout.contains("prophet(mode=\"multiplicative\")"), r.stdout)
        let rows = try String(contentsOfFile: dir.path + "/s.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3)
        // The same seed gives the same simulated intervals on a second run.
        let first = try String(contentsOfFile: dir.path + "/f.csv", encoding: .utf8)
        XCTAssertTrue(first.hasPrefix("unique_id,ds,model,yhat,lo80,hi80\n"), first)
        let again = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(try String(contentsOfFile: dir.path + "/f.csv", encoding: .utf8), first)
    }

    func testBadOptionsFailPerSeriesWithTheParameterNamed() throws {
        let dir = TestSupport.temporaryDirectory()
        let script = try TestSupport.write("""
            vis = take(load("examples/data/visnights.csv"), 2)
            show(run(grid(prophet(growth: "logistic"), prophet(seasonality: [{name: "z", period: 0, order: 3}])), vis, horizon: 4), n: 10)
            """, to: "p.fc", in: dir)
        let r = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4 failed"), r.stdout)
        XCTAssertTrue(r.stdout.contains("cap"), r.stdout)
        XCTAssertTrue(r.stdout.contains("period"), r.stdout)
        let bad = try TestSupport.write("m = prophet(mode: \"multiplicativ\")\n", to: "b.fc", in: dir)
        let r2 = try TestSupport.fcast(["run", bad.path])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.stderr.contains("did you mean \"multiplicative\"?"), r2.stderr)
    }
}
