import Foundation
import XCTest

@testable import ArimaModel

/// ARIMA on series with missing values: the Kalman filter skips them (prediction step
/// only), so the likelihood is the exact likelihood of the observed values.
///
/// References: statsmodels 0.15.0 SARIMAX in a scratch venv (python3 -m venv /tmp/venv;
/// pip install statsmodels), on the R datasets in RData with the listed points set to NaN:
///   m = SARIMAX(y, exog=ones if mean else None, order=order, seasonal_order=seasonal,
///               simple_differencing=True)
///   r = m.fit(method="lbfgs", gtol=1e-10), then Nelder-Mead from there, the better kept;
///   r.params, r.llf, r.get_forecast(6).predicted_mean / .se_mean.
/// With d = D = 0 this is the exact likelihood R's arima computes too. With differencing,
/// fcast differences first (statsmodels' simple_differencing=True; R's arima keeps the
/// differences in the state instead, which also uses the differences across a gap).
final class MissingValueTests: XCTestCase {
    func withMissing(_ y: [Double], _ points: [Int]) -> [Double] {
        var y = y
        for i in points { y[i] = .nan }
        return y
    }

    func testStationaryARMAAgainstStatsmodels() throws {
        let y = withMissing(RData.lakeHuron, [10, 11, 40, 70])
        let fit = try ArimaModel.fit(y: y, order: [1, 0, 1], includeMean: true)
        // statsmodels: const 579.0567526, ar.L1 0.7498088407, ma.L1 0.2936963916, llf -100.3114189
        for (a, b) in zip(fit.coefficients, [0.7498088407, 0.2936963916, 579.0567526]) {
            XCTAssertEqual(a, b, accuracy: 1e-3, "\(fit.coefficientNames) \(fit.coefficients)")
        }
        XCTAssertEqual(fit.loglik, -100.3114189, accuracy: 1e-4)
        XCTAssertEqual(fit.nUsed, 94)
        // forecasts and standard errors (statsmodels' use the ML variance, fcast's R's
        // ssq / (n - 3 coefficients): the ratio is sqrt(94 / 91))
        let f = fit.forecast(h: 6, levels: [95])
        let mean = [579.7454115, 579.5731151, 579.4439258, 579.3470585, 579.2744265, 579.2199664]
        let se = [0.6888533632, 0.9956024062, 1.132131919, 1.202100171, 1.239704278, 1.260353196]
        for h in 0..<6 {
            XCTAssertEqual(f.mean[h], mean[h], accuracy: 2e-3, "h = \(h + 1)")
            XCTAssertEqual((f.hi[0][h] - f.mean[h]) / 1.959963984540054, se[h] * (94.0 / 91).squareRoot(),
                           accuracy: 2e-3, "h = \(h + 1)")
        }
        XCTAssertTrue(fit.residuals[10].isNaN && fit.residuals[40].isNaN)
        XCTAssertTrue(fit.fitted[10].isFinite, "a missing point's fitted value is its one-step prediction")
        XCTAssertEqual(fit.residuals.filter { $0.isNaN }.count, 4)

        let ar2 = try ArimaModel.fit(y: y, order: [2, 0, 0], includeMean: true)
        // statsmodels: const 579.050711, ar.L1 1.028235592, ar.L2 -0.2324902078, llf -100.5174284
        for (a, b) in zip(ar2.coefficients, [1.028235592, -0.2324902078, 579.050711]) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        XCTAssertEqual(ar2.loglik, -100.5174284, accuracy: 1e-4)
    }

    func testDifferencedModelsAgainstStatsmodels() throws {
        // WWWusage, points 21, 51, 52 missing: ARIMA(1,1,1), statsmodels ar.L1 0.6647300903,
        // ma.L1 0.5050509261, llf -242.4993147 (94 differences present).
        let w = try ArimaModel.fit(y: withMissing(RData.wWWusage, [20, 50, 51]), order: [1, 1, 1])
        for (a, b) in zip(w.coefficients, [0.6647300903, 0.5050509261]) { XCTAssertEqual(a, b, accuracy: 1e-3, "\(w.coefficients)") }
        XCTAssertEqual(w.loglik, -242.4993147, accuracy: 1e-4)
        XCTAssertEqual(w.nUsed, 94)
        // USAccDeaths, points 16, 31, 51 missing: ARIMA(0,1,1)(0,1,1)[12], statsmodels
        // ma.L1 -0.2660123226, ma.S.L12 -0.4164474217, llf -339.0679331 (47 present).
        let u = try ArimaModel.fit(y: withMissing(RData.uSAccDeaths, [15, 30, 50]), order: [0, 1, 1],
                                   seasonal: [0, 1, 1], period: 12)
        for (a, b) in zip(u.coefficients, [-0.2660123226, -0.4164474217]) { XCTAssertEqual(a, b, accuracy: 1e-3, "\(u.coefficients)") }
        XCTAssertEqual(u.loglik, -339.0679331, accuracy: 1e-4)
        XCTAssertEqual(u.nUsed, 47)
        // The forecasts continue the series: within a few hundred of the complete-data fit's.
        let complete = try ArimaModel.fit(y: RData.uSAccDeaths, order: [0, 1, 1], seasonal: [0, 1, 1], period: 12)
        for (a, b) in zip(u.forecast(h: 12).mean, complete.forecast(h: 12).mean) {
            XCTAssertTrue(a.isFinite)
            XCTAssertEqual(a, b, accuracy: 0.05 * b)
        }
    }

    func testAutoArimaFitsAGappedSeries() throws {
        let y = withMissing(RData.uSAccDeaths, [15, 30, 50])
        var o = AutoArimaOptions(period: 12)
        o.approximation = false
        let fit = try AutoArima.fit(y: y, options: o)
        XCTAssertEqual(fit.spec.d + fit.spec.effD, 1 + 1, fit.description)   // as on the complete series
        XCTAssertTrue(fit.forecast(h: 12).mean.allSatisfy { $0.isFinite })
        // approximation (CSS search) too
        o.approximation = true
        XCTAssertTrue(try AutoArima.fit(y: y, options: o).forecast(h: 3).mean.allSatisfy { $0.isFinite })
        // saved and restored, the fit forecasts the same
        let restored = try ArimaFit.deserialize(fit.serialize())
        XCTAssertEqual(restored.forecast(h: 4).mean, fit.forecast(h: 4).mean)
    }

    func testMissingEndsAreRefused() {
        XCTAssertThrowsError(try ArimaModel.fit(y: [.nan] + RData.lakeHuron, order: [1, 0, 0]))
        XCTAssertThrowsError(try ArimaModel.fit(y: RData.lakeHuron + [.nan], order: [1, 0, 0]))
    }
}
