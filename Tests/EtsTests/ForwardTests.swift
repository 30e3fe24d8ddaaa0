// EtsFit.forward: a fitted model's parameters and initial states applied to a longer
// series (the fcast.forward.v1 extension, cv(refit: false)). Checked against the
// recursions written out by hand (simple exponential smoothing, Hyndman et al. 2008, eq.
// 2.1: l_t = l_{t-1} + alpha (y_t - l_{t-1}), forecast l_n) and against the fit itself.
import FcastPluginKit
import XCTest
@testable import EtsModel
@testable import EtsPlugin

final class EtsForwardTests: XCTestCase {
    let nsw = exampleSeries("visnights.csv", "NSWMetro")

    private func fit(_ y: [Double], _ m: Int, _ model: String) throws -> EtsFit {
        var o = EtsOptions()
        o.period = m
        try o.setModel(model)
        return try Ets.fit(y: y, options: o)
    }

    /// ETS(A,N,N) fitted on the first 60 quarters, forwarded over all 76: the level is
    /// alpha-smoothing from the fitted initial level through every value, by hand.
    func testSimpleExponentialSmoothingByHand() throws {
        let short = Array(nsw.prefix(60))
        let f = try fit(short, 4, "ANN")
        let g = try f.forward(y: nsw)
        var l = f.initial[0]
        var sse = 0.0
        for y in nsw {
            sse += (y - l) * (y - l)
            l += f.params.alpha * (y - l)
        }
        XCTAssertEqual(g.level, l, accuracy: 1e-12 * abs(l))
        XCTAssertEqual(g.pointForecast(h: 3), [l, l, l])
        XCTAssertEqual(g.params, f.params)
        XCTAssertEqual(g.initial, f.initial)
        XCTAssertEqual(g.residuals.count, nsw.count)
        // sigma^2 from the new residuals, over n minus the estimated count (alpha, l0).
        XCTAssertEqual(g.sigma2, sse / Double(nsw.count - 2), accuracy: 1e-9 * g.sigma2)
        // Not re-estimated: a fresh fit of the long series has another alpha.
        XCTAssertNotEqual(try fit(nsw, 4, "ANN").params.alpha, g.params.alpha)
    }

    /// Forwarding a model to the very series it was fitted on gives the fit back: states,
    /// forecasts, variances, residuals (seasonal and multiplicative models too).
    func testForwardOnTheFittedSeriesIsTheFit() throws {
        for model in ["AAA", "MAM", "MNA", "AAdN"] {
            let f = try fit(nsw, 4, model)
            let g = try f.forward(y: nsw)
            XCTAssertEqual(g.level, f.level, model)
            XCTAssertEqual(g.growth, f.growth, model)
            XCTAssertEqual(g.seasonal, f.seasonal, model)
            XCTAssertEqual(g.pointForecast(h: 8), f.pointForecast(h: 8), model)
            XCTAssertEqual(g.sigma2, f.sigma2, accuracy: 1e-12 * f.sigma2, model)
            XCTAssertEqual(g.residuals, f.residuals, model)
        }
    }

    /// The seasonal recursion by hand for ETS(A,N,A): l_t = l + alpha (y - s_{t-m} - l),
    /// s_t = s_{t-m} + gamma (y - l_{t-1} - s_{t-m}); forecast l_n + s_{n+h-m}.
    func testAdditiveSeasonalByHand() throws {
        let f = try fit(Array(nsw.prefix(56)), 4, "ANA")
        let g = try f.forward(y: nsw)
        var l = f.initial[0]
        // R's order s0 (newest), s-1, ..., s-3: the season of the first point is s-3.
        var s = Array(f.initial[1...].reversed())   // oldest first: s[t % 4] is the season of point t
        let a = f.params.alpha, gamma = f.params.gamma
        for (t, y) in nsw.enumerated() {
            let old = s[t % 4]
            let lPrev = l
            l = lPrev + a * (y - old - lPrev)
            s[t % 4] = old + gamma * (y - lPrev - old)
        }
        let n = nsw.count
        let byHand = (0..<4).map { l + s[(n + $0) % 4] }
        for (x, y) in zip(g.pointForecast(h: 4), byHand) { XCTAssertEqual(x, y, accuracy: 1e-9 * abs(y)) }
    }

    /// Through the plugin's ForwardingConfig: Box-Cox and the missing-ends wrapper come along,
    /// and forwarding to the fitted series predicts as the fitted model.
    func testPluginForwardKeepsLambda() throws {
        let config = try EtsAlgorithm().configure(ParameterValues(["model": .string("AAA"), "lambda": .json("0.5")]))
        guard let forwarding = config as? any ForwardingConfig else { return XCTFail("ets offers no forward") }
        let ds = (0..<nsw.count).map { Int64($0) }
        func series(_ n: Int, _ body: (SeriesInput) throws -> Void) rethrows {
            try nsw.withUnsafeBufferPointer { y in
                try ds.withUnsafeBufferPointer { d in
                    try body(SeriesInput(id: "NSWMetro", y: UnsafeBufferPointer(rebasing: y[0..<n]),
                                         ds: UnsafeBufferPointer(rebasing: d[0..<n]), frequencyUnit: 7, frequencyStep: 1))
                }
            }
        }
        var fitted: (any FittedModel)!
        try series(60) { fitted = try config.fit($0) }
        let request = ForecastRequest(horizon: 4, levels: [80], seed: 3)
        try series(60) { s in
            let same = try forwarding.forward(fitted, to: s)
            XCTAssertEqual(try same.predict(request).mean, try fitted.predict(request).mean)
            XCTAssertEqual(same.modelDescription, fitted.modelDescription)
        }
        try series(76) { s in
            let longer = try forwarding.forward(fitted, to: s)
            XCTAssertTrue(longer.modelDescription!.contains("lambda 0.5"), longer.modelDescription!)
            XCTAssertNotEqual(try longer.predict(request).mean, try fitted.predict(request).mean)
        }
    }
}
