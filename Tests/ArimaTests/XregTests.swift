// Regression with ARIMA errors (R's Arima(y, xreg=)) compared with statsmodels 0.15.0
// SARIMAX(exog=) on visnights (examples/data/visnights.csv, quarterly, 76 points): y =
// NSWMetro, regressors QLDMetro and VICMetro, first 68 points for the fit, the last 8 as
// the future regressors' values. R is not installed here; statsmodels maximises the same
// exact Gaussian likelihood (its regression coefficients are estimated jointly, ours are
// profiled out by GLS: the same optimum). The figures were produced in a scratch venv
// outside the repository (python3 -m venv /tmp/venv-xreg; pip install statsmodels pandas):
//
//   from statsmodels.tsa.statespace.sarimax import SARIMAX
//   y, x1, x2 = NSWMetro, QLDMetro, VICMetro; n = 68
//   X = np.column_stack([np.ones(76), x1, x2])          # the intercept as a regressor, as R
//   A = SARIMAX(y[:n], exog=X[:n], order=(1,0,0), trend="n").fit(method="lbfgs", maxiter=2000, gtol=1e-10)
//   A.params, A.llf, A.get_forecast(8, exog=X[n:]).predicted_mean
//   # d = 1: y and the regressor differenced alike, as R does
//   B = SARIMAX(y[:n], exog=x2[:n], order=(0,1,1), trend="n", simple_differencing=True).fit(...)
//   B2 = SARIMAX(y[:n], exog=x2[:n], order=(0,1,1), trend="n").fit(...)   # same params, for the forecasts
//   B.params, B.llf, B2.get_forecast(8, exog=x2[n:]).predicted_mean
import XCTest
@testable import ArimaModel

final class XregTests: XCTestCase {
    static func visnights() throws -> [String: [Double]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("examples/data/visnights.csv"), encoding: .utf8)
        var out: [String: [Double]] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            out[String(f[0]), default: []].append(Double(f[2])!)
        }
        return out
    }

    func testRegressionWithAR1ErrorsMatchesStatsmodels() throws {
        let d = try Self.visnights()
        let y = d["NSWMetro"]!, x1 = d["QLDMetro"]!, x2 = d["VICMetro"]!
        XCTAssertEqual(y.count, 76)
        let n = 68
        let fit = try ArimaModel.fit(y: Array(y[..<n]), xreg: [Array(x1[..<n]), Array(x2[..<n])],
                                     spec: ArimaSpec(p: 1, d: 0, q: 0))
        // statsmodels params: const, x1, x2, ar.L1, sigma2 = 3.15664478, 0.05589398, 0.46401287, 0.45481185, 0.46314593
        XCTAssertEqual(fit.coefficientNames, ["ar1", "intercept", "xreg1", "xreg2"])
        XCTAssertEqual(fit.ar[0], 0.45481185, accuracy: 2e-3)
        XCTAssertEqual(fit.intercept!, 3.15664478, accuracy: 2e-3 * 3.16)
        XCTAssertEqual(fit.xregCoef[0], 0.05589398, accuracy: 2e-3)
        XCTAssertEqual(fit.xregCoef[1], 0.46401287, accuracy: 2e-3)
        XCTAssertEqual(fit.loglik, -70.43542961420846, accuracy: 5e-3)
        let ref = [8.25927752, 6.73477555, 6.78159712, 7.31083971, 8.44508166, 6.99537897, 6.99034536, 7.54810183]
        let f = try fit.forecast(h: 8, levels: [80, 95], futureXreg: [Array(x1[n...]), Array(x2[n...])])
        for s in 0..<8 {
            XCTAssertEqual(f.mean[s], ref[s], accuracy: 2e-3, "h=\(s + 1)")
            XCTAssertLessThan(f.lo[1][s], f.lo[0][s]); XCTAssertLessThan(f.lo[0][s], f.mean[s])
        }
        // the regressors matter: without them the forecasts differ
        let plain = try ArimaModel.fit(y: Array(y[..<n]), spec: ArimaSpec(p: 1, d: 0, q: 0)).forecast(h: 8).mean
        XCTAssertGreaterThan(zip(plain, ref).map { abs($0 - $1) }.max()!, 0.3)
    }

    func testDifferencedRegressionMatchesStatsmodels() throws {
        let d = try Self.visnights()
        let y = d["NSWMetro"]!, x2 = d["VICMetro"]!
        let n = 68
        let fit = try ArimaModel.fit(y: Array(y[..<n]), xreg: [Array(x2[..<n])], spec: ArimaSpec(p: 0, d: 1, q: 1))
        XCTAssertEqual(fit.coefficientNames, ["ma1", "xreg1"])
        XCTAssertEqual(fit.ma[0], -0.80888486, accuracy: 2e-3)
        XCTAssertEqual(fit.xregCoef[0], 0.51985445, accuracy: 2e-3)
        XCTAssertEqual(fit.loglik, -67.22090471963972, accuracy: 5e-3)
        let ref = [8.04497208, 6.43989627, 6.38775326, 7.00061783, 8.16931463, 6.71994319, 6.57723636, 7.15034087]
        let f = try fit.forecast(h: 8, levels: [95], futureXreg: [Array(x2[n...])])
        for s in 0..<8 { XCTAssertEqual(f.mean[s], ref[s], accuracy: 2e-3, "h=\(s + 1)") }
        // saved and restored, the model forecasts the same
        let back = try ArimaFit.deserialize(fit.serialize())
        XCTAssertEqual(back.xregCoef, fit.xregCoef)
        XCTAssertEqual(try back.forecast(h: 8, levels: [95], futureXreg: [Array(x2[n...])]).mean, f.mean)
    }

    func testBadRegressorsAreRefused() throws {
        let d = try Self.visnights()
        let y = Array(d["NSWMetro"]!.prefix(40)), x = Array(d["VICMetro"]!.prefix(40))
        XCTAssertThrowsError(try ArimaModel.fit(y: y, xreg: [Array(x.prefix(39))], spec: ArimaSpec(p: 1, d: 0, q: 0))) {
            XCTAssertTrue("\($0)".contains("regressor 1 has 39 values, y has 40"), "\($0)")
        }
        var gap = x; gap[7] = .nan
        XCTAssertThrowsError(try ArimaModel.fit(y: y, xreg: [gap], spec: ArimaSpec(p: 1, d: 0, q: 0))) {
            XCTAssertTrue("\($0)".contains("regressor 1 is missing or not finite at index 7"), "\($0)")
        }
        // a constant regressor vanishes when differenced
        XCTAssertThrowsError(try ArimaModel.fit(y: y, xreg: [[Double](repeating: 2, count: 40)], spec: ArimaSpec(p: 0, d: 1, q: 1))) {
            XCTAssertTrue("\($0)".contains("constant after differencing"), "\($0)")
        }
        let fit = try ArimaModel.fit(y: y, xreg: [x], spec: ArimaSpec(p: 1, d: 0, q: 0))
        XCTAssertThrowsError(try fit.forecast(h: 4, futureXreg: [Array(x.prefix(3))])) {
            XCTAssertTrue("\($0)".contains("future regressor 1 needs 4 finite values (has 3)"), "\($0)")
        }
        XCTAssertThrowsError(try fit.forecast(h: 4, futureXreg: [])) {
            XCTAssertTrue("\($0)".contains("the model has 1 regressors; 0 future regressors given"), "\($0)")
        }
    }
}
