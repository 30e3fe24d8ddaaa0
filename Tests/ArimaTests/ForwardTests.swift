// ArimaFit.forward: a fitted model's coefficients applied to a longer series without
// estimating again (R's Arima(y, model = fit); fcast.forward.v1, cv(refit: false)).
import Foundation
import XCTest
@testable import ArimaModel

final class ArimaForwardTests: XCTestCase {
    /// AR(1) with a mean fitted on the first 36 points of lh, forwarded over all 48: the
    /// exact Kalman filter's forecasts of an AR(1) are the textbook ones, mu + phi^k
    /// (y_n - mu), from the last value of the new data, with the fit's mu and phi.
    func testAR1ForecastsFromTheNewLastValue() throws {
        let y = RData.lh
        let f = try ArimaModel.fit(y: Array(y.prefix(36)), order: [1, 0, 0])
        let g = try f.forward(y: y)
        XCTAssertEqual(g.ar, f.ar)
        XCTAssertEqual(g.intercept, f.intercept)
        XCTAssertEqual(g.sigma2, f.sigma2)
        let mu = f.intercept!, phi = f.ar[0]
        let byHand = (1...5).map { k in mu + pow(phi, Double(k)) * (y[47] - mu) }
        let got = g.forecast(h: 5, levels: []).mean
        for (a, b) in zip(got, byHand) { XCTAssertEqual(a, b, accuracy: 1e-10) }
        // The one-step residuals of the new points: y_t - mu - phi (y_{t-1} - mu).
        for t in 36..<48 {
            XCTAssertEqual(g.residuals[t], y[t] - mu - phi * (y[t - 1] - mu), accuracy: 1e-10)
        }
        // Not re-estimated: the whole series' own fit has another phi.
        XCTAssertNotEqual(try ArimaModel.fit(y: y, order: [1, 0, 0]).ar[0], phi)
    }

    /// Forwarding to the fitted series gives the fit's forecasts and intervals back, for
    /// seasonal, differenced and drift models.
    func testForwardOnTheFittedSeriesIsTheFit() throws {
        let logAP = RData.airPassengers.map { Foundation.log($0) }
        let fits = [
            try ArimaModel.fit(y: logAP, order: [0, 1, 1], seasonal: [0, 1, 1], period: 12),
            try ArimaModel.fit(y: RData.uSAccDeaths, order: [1, 0, 1], seasonal: [1, 0, 0], period: 12, includeDrift: true),
            try ArimaModel.fit(y: RData.wWWusage, order: [2, 1, 2]),
        ]
        for f in fits {
            let g = try f.forward(y: f.y)
            let a = f.forecast(h: 12, levels: [80, 95]), b = g.forecast(h: 12, levels: [80, 95])
            for (x, z) in zip(a.mean, b.mean) { XCTAssertEqual(x, z, accuracy: 1e-9 * max(1, abs(x)), f.description) }
            for (x, z) in zip(a.hi[1], b.hi[1]) { XCTAssertEqual(x, z, accuracy: 1e-9 * max(1, abs(x)), f.description) }
        }
    }

    /// ARIMA(0,1,1)(0,1,1)[12] of log AirPassengers fitted to 1949-1958 and forwarded over
    /// 1960: the forecasts start from the new data (they are not the old forecasts), and
    /// the one-step forecast of each new point is the filter's, y_t - e_t.
    func testSeasonalModelForwardedAYearOn() throws {
        let logAP = RData.airPassengers.map { Foundation.log($0) }
        let f = try ArimaModel.fit(y: Array(logAP.prefix(120)), order: [0, 1, 1], seasonal: [0, 1, 1], period: 12)
        let g = try f.forward(y: Array(logAP.prefix(132)))
        XCTAssertEqual(g.ma, f.ma)
        XCTAssertEqual(g.sma, f.sma)
        XCTAssertEqual(g.y.count, 132)
        // The first forecast of the forwarded model differs from the old model's 13th step.
        XCTAssertNotEqual(g.forecast(h: 1, levels: []).mean[0], f.forecast(h: 13, levels: []).mean[12])
        // For an invertible MA the filter has converged after 120 points: the innovations
        // follow e_t = w_t - theta e_{t-1} - Theta e_{t-12} - theta Theta e_{t-13}, w the
        // twice-differenced series.
        let theta = f.ma[0], sTheta = f.sma[0]
        for t in 121..<132 {
            let w = logAP[t] - logAP[t - 1] - logAP[t - 12] + logAP[t - 13]
            let e = w - theta * g.residuals[t - 1] - sTheta * g.residuals[t - 12] - theta * sTheta * g.residuals[t - 13]
            XCTAssertEqual(g.residuals[t], e, accuracy: 1e-6)
        }
        XCTAssertThrowsError(try f.forward(y: [.nan, 1, 2]))
    }

    /// Regression with AR(1) errors (NSWMetro on QLDMetro and VICMetro, as XregTests) fitted
    /// on 56 quarters and forwarded over 68: the coefficients stay, the residuals of the new
    /// points are the AR(1) recursion on the regression's errors, and the forecasts take the
    /// future regressors as a fit's do.
    func testRegressionWithARIMAErrorsForwarded() throws {
        let d = try XregTests.visnights()
        let y = d["NSWMetro"]!, x1 = d["QLDMetro"]!, x2 = d["VICMetro"]!
        let f = try ArimaModel.fit(y: Array(y[..<56]), xreg: [Array(x1[..<56]), Array(x2[..<56])], spec: ArimaSpec(p: 1, d: 0, q: 0))
        let g = try f.forward(y: Array(y[..<68]), xreg: [Array(x1[..<68]), Array(x2[..<68])])
        XCTAssertEqual(g.coefficients, f.coefficients)
        func u(_ t: Int) -> Double { y[t] - f.intercept! - f.xregCoef[0] * x1[t] - f.xregCoef[1] * x2[t] }
        for t in 56..<68 { XCTAssertEqual(g.residuals[t], u(t) - f.ar[0] * u(t - 1), accuracy: 1e-9) }
        let fc = try g.forecast(h: 2, levels: [], futureXreg: [Array(x1[68...]), Array(x2[68...])]).mean
        let reg68 = f.intercept! + f.xregCoef[0] * x1[68] + f.xregCoef[1] * x2[68]
        XCTAssertEqual(fc[0], reg68 + f.ar[0] * u(67), accuracy: 1e-9)
        XCTAssertThrowsError(try f.forward(y: Array(y[..<68])))   // the regressors are needed
    }
}
