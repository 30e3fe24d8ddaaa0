// ThetaFit.forward: a fitted theta model's parameters applied to a longer series
// (fcast.forward.v1, cv(refit: false)).
import XCTest
@testable import ThetaModel

final class ThetaForwardTests: XCTestCase {
    /// Forwarding to the fitted series gives the fit back.
    func testForwardOnTheFittedSeriesIsTheFit() throws {
        let y = exampleSeries("visnights", "NSWMetro")
        for type in ThetaType.allCases {
            let f = try ThetaFitter.fit(y, options: ThetaOptions(period: 4, model: type)).fit
            guard let g = try f.forward(y: y) else { return XCTFail("no forward") }
            XCTAssertEqual(g.last, f.last, type.rawValue)
            XCTAssertEqual(g.sigma, f.sigma, type.rawValue)
            XCTAssertEqual(g.forecast(h: 8, levels: [80], seed: 1).mean, f.forecast(h: 8, levels: [80], seed: 1).mean)
            XCTAssertEqual(g.forecast(h: 8, levels: [80], seed: 1).lo, f.forecast(h: 8, levels: [80], seed: 1).lo)
        }
    }

    /// A non-seasonal model fitted on 60 points and forwarded over all: the forecasts are
    /// those of the recursions at the fitted parameters on the whole series (the
    /// statsforecast-checked `evaluate`, on the unscaled data: l0 times the fit's scale).
    func testForwardRunsTheRecursionsAtTheFittedParameters() throws {
        let y = exampleSeries("visnights", "QLDMetro")
        for type in ThetaType.allCases {
            let f = try ThetaFitter.fit(Array(y.prefix(60)), options: ThetaOptions(period: 1, model: type)).fit
            guard let g = try f.forward(y: y) else { return XCTFail("no forward") }
            XCTAssertEqual(g.alpha, f.alpha)
            XCTAssertEqual(g.theta, f.theta)
            XCTAssertEqual(g.n, y.count)
            let expected = ThetaFitter.evaluate(y, period: 1, type: type, l0: f.initialLevel * f.scale, alpha: f.alpha,
                                                theta: f.theta, h: 6).forecast
            let got = g.forecast(h: 6, levels: []).mean
            for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-9 * abs(b), type.rawValue) }
            // A refit of the whole series estimates another initial level (alpha may sit on
            // its bound, 0.1, in both).
            let refit = try ThetaFitter.fit(y, options: ThetaOptions(period: 1, model: type)).fit
            XCTAssertNotEqual(refit.initialLevel * refit.scale, g.initialLevel * g.scale, type.rawValue)
        }
    }

    /// The seasonal indices stay the fit's (by phase from the first point).
    func testSeasonalIndicesAreKept() throws {
        let y = exampleSeries("visnights", "NSWMetro")
        let f = try ThetaFitter.fit(Array(y.prefix(56)), options: ThetaOptions(period: 4)).fit
        XCTAssertNotEqual(f.decomposition, .none)
        guard let g = try f.forward(y: y) else { return XCTFail("no forward") }
        XCTAssertEqual(g.seasonal, f.seasonal)
        XCTAssertEqual(g.decomposition, f.decomposition)
        XCTAssertThrowsError(try f.forward(y: [1, 2, 3]))
    }
}
