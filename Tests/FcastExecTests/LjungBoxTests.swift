import Foundation
import XCTest

@testable import FcastExec

/// Ljung-Box against statsmodels 0.15.0 (scratch venv: python3 -m venv /tmp/venv;
/// pip install statsmodels), acorr_ljungbox(residuals, lags=[...]), on the naive
/// (y_t - y_{t-1}) and seasonal naive (y_t - y_{t-4}) residuals of visnights NSWMetro;
/// chi-square tails against scipy.stats.chi2.sf.
final class LjungBoxTests: XCTestCase {
    func nswMetro() throws -> [Double] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("examples/data/visnights.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",")
            return f[0] == "NSWMetro" ? Double(f[2]) : nil
        }
    }

    func testAgainstStatsmodels() throws {
        let y = try nswMetro()
        XCTAssertEqual(y.count, 76)
        let naive = (1..<y.count).map { y[$0] - y[$0 - 1] }
        let a = try XCTUnwrap(LjungBox.test(naive, lag: 8))
        XCTAssertEqual(a.q, 114.330488518, accuracy: 1e-8)
        XCTAssertEqual(a.pValue, 4.89416518818e-21, accuracy: 1e-30)
        XCTAssertEqual(try XCTUnwrap(LjungBox.test(naive, lag: 10)).q, 127.674175998, accuracy: 1e-8)
        let seasonal = (4..<y.count).map { y[$0] - y[$0 - 4] }
        let b = try XCTUnwrap(LjungBox.test(seasonal, lag: 8))
        XCTAssertEqual(b.q, 33.734493728, accuracy: 1e-8)
        XCTAssertEqual(b.pValue, 4.53818740943e-05, accuracy: 1e-14)
        let c = try XCTUnwrap(LjungBox.test(seasonal, lag: 15))
        XCTAssertEqual(c.q, 42.5915304419, accuracy: 1e-8)
        XCTAssertEqual(c.pValue, 0.000182155997954, accuracy: 1e-13)
        // A leading NaN (naive's first residual) is passed over: same figures.
        XCTAssertEqual(LjungBox.test([.nan] + naive, lag: 8), a)
    }

    func testChiSquareTail() {
        XCTAssertEqual(ChiSquare.survival(3, df: 1), 0.0832645166635504, accuracy: 1e-13)
        XCTAssertEqual(ChiSquare.survival(12.5, df: 8), 0.130250354727926, accuracy: 1e-13)
        XCTAssertEqual(ChiSquare.survival(40, df: 24), 0.0213868215872802, accuracy: 1e-13)
        XCTAssertEqual(ChiSquare.survival(0.5, df: 10), 0.999993388289439, accuracy: 1e-13)
    }

    func testDefaultLagAsR() {
        XCTAssertEqual(LjungBox.defaultLag(n: 76, season: 4), 8)     // 2 x season
        XCTAssertEqual(LjungBox.defaultLag(n: 30, season: 12), 6)    // n / 5
        XCTAssertEqual(LjungBox.defaultLag(n: 200, season: 1), 10)
        XCTAssertNil(LjungBox.test([1, 2, 3], lag: 8))
        XCTAssertNil(LjungBox.test([Double](repeating: 2, count: 30), lag: 5))
    }
}
