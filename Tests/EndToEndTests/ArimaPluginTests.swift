import FcastTestSupport
import XCTest

/// The arima plugin through the binary: loaded from its .so, its schema checked by the
/// language, its fits described, and its bad input reported per series or parameter.
final class ArimaPluginTests: XCTestCase {
    func testPluginsListsArimaAndAutoArima() throws {
        let r = try TestSupport.fcast(["plugins"])
        XCTAssertTrue(r.stdout.contains("libfcast_arima.so (plugin ABI 1.1)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\n  auto_arima\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ic: \"aicc\" | \"aic\" | \"bic\" = \"aicc\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("order: int list[3] in 0...50 = [0, 0, 0]"), r.stdout)
    }

    func testAutoArimaOnVisnightsThroughTheBinary() throws {
        let dir = TestSupport.temporaryDirectory()
        let script = try TestSupport.write("""
            vis = load("examples/data/visnights.csv")
            train, test = split(vis, last: 8)
            res = run(grid(auto_arima(), arima(order: [0, 1, 1], seasonal: [0, 1, 1]), season: 4), train,
                      horizon: 8, level: [80])
            show(res)
            b = best(evaluate(res, test))
            write(b, "\(dir.path)/best.csv")
            """, to: "a.fc", in: dir)
        let r = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("40 of 40 tasks done"), r.stdout)
        XCTAssertTrue(r.stdout.contains("0 failed"), r.stdout)
        XCTAssertTrue(r.stdout.contains("arima(order=[0, 1, 1], seasonal=[0, 1, 1])") || r.stdout.contains("ARIMA(0,1,1)(0,1,1)[4]"), r.stdout)
        let best = try String(contentsOfFile: dir.path + "/best.csv", encoding: .utf8)
        XCTAssertTrue(best.contains("ARIMA("), best)
        XCTAssertEqual(best.split(separator: "\n").count, 21)
    }

    func testBadOrdersAndDataAreClearErrors() throws {
        let dir = TestSupport.temporaryDirectory()
        let negative = try TestSupport.write("m = arima(order: [-1, 0, 0])\n", to: "n.fc", in: dir)
        let r1 = try TestSupport.fcast(["run", negative.path])
        XCTAssertEqual(r1.status, 1)
        XCTAssertTrue(r1.stderr.contains("'order' of arima must be at least 0, got -1"), r1.stderr)

        var csv = "unique_id,ds,y\n"
        for i in 0..<30 { csv += "ok,\(2000 + i)-01-01,\(Double(i % 5) + Double(i))\n" }
        for i in 0..<30 { csv += "gappy,\(2000 + i)-01-01,\(i == 7 ? "NA" : String(i))\n" }
        for i in 0..<4 { csv += "tiny,\(2000 + i)-01-01,\(i)\n" }
        try TestSupport.write(csv, to: "d.csv", in: dir)
        let script = try TestSupport.write("""
            d = load("\(dir.path)/d.csv")
            show(run(grid(arima(order: [2, 1, 2]), arima(order: [1, 0, 0], seasonal: [1, 0, 0], season: 1)), d, horizon: 3), n: 10)
            """, to: "s.fc", in: dir)
        let r2 = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let out = r2.stdout
        // A missing value (NA) is skipped by the Kalman filter: the gappy series fits too.
        XCTAssertFalse(out.contains("gappy  arima(order=[2, 1, 2])"), out)
        XCTAssertTrue(out.contains("tiny  arima(order=[2, 1, 2]): not enough data"), out)
        XCTAssertTrue(out.contains("season must be >= 2 when seasonal orders [P, D, Q] = [1, 0, 0] are given"), out)
        // The complete and the gappy series fit: 2 ok, 1 failed.
        XCTAssertNotNil(out.range(of: #"\n  arima\(order=\[2, 1, 2\]\) +2 +1 "#, options: .regularExpression), out)
    }
}
