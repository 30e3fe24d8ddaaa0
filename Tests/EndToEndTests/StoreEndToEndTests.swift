import FcastTestSupport
import Foundation
import XCTest

/// A model store through the binary: a script saves the winners, `fcast predict` forecasts
/// from the file in another process, without refitting, with the run's numbers.
final class StoreEndToEndTests: XCTestCase {
    func testFcastPredictFromAStoreEqualsTheRunsWinners() throws {
        let dir = TestSupport.temporaryDirectory()
        let script = try TestSupport.write("""
            d = load("\(TestSupport.exampleData("visnights.csv").path)")
            train, test = split(d, last: 8)
            res = run(grid(snaive(), drift(), auto_arima(stepwise: true), prophet(), season: 4), train, horizon: 8, level: [80, 95])
            b = best(evaluate(res, test))
            save(b, "\(dir.path)/models/v.db")
            write(predict(b, horizon: 8), "\(dir.path)/best.csv")
            """, to: "save.fc", in: dir)
        let saved = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(saved.status, 0, saved.stderr)
        XCTAssertTrue(saved.stdout.contains("saved version 1 to \(dir.path)/models/v.db: 20 series, 20 models"), saved.stdout)

        let p = try TestSupport.fcast(["predict", "\(dir.path)/models/v.db", "--horizon", "8", "--level", "80", "--level", "95",
                                       "--out", "\(dir.path)/stored.csv"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(p.stdout, "wrote 160 rows to \(dir.path)/stored.csv\n")
        let stored = try String(contentsOfFile: "\(dir.path)/stored.csv", encoding: .utf8)
        XCTAssertEqual(stored, try String(contentsOfFile: "\(dir.path)/best.csv", encoding: .utf8))

        let some = try TestSupport.fcast(["predict", "\(dir.path)/models/v.db", "--horizon", "2", "--ids", "NSWMetro, QLDMetro",
                                          "--out", "\(dir.path)/two.csv"])
        XCTAssertEqual(some.status, 0, some.stderr)
        XCTAssertEqual(try String(contentsOfFile: "\(dir.path)/two.csv", encoding: .utf8).split(separator: "\n").count, 5)

        let missing = try TestSupport.fcast(["predict", "\(dir.path)/models/none.db", "--horizon", "2", "--out", "\(dir.path)/x.csv"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("\(dir.path)/models/none.db: no such model store"), missing.stderr)
        let bad = try TestSupport.fcast(["predict", "\(dir.path)/models/v.db", "--horizon", "0", "--out", "\(dir.path)/x.csv"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--horizon must be at least 1, got 0"), bad.stderr)
    }
}
