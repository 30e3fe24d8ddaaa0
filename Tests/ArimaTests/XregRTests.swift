// Regression with ARIMA errors against R 4.2.2, forecast 8.20 (Debian's r-base-core and
// r-cran-forecast), recorded with the scripts in Tests/reference/regressors/:
//
//   arima_xreg.R (run in examples/data): on examples/data/consumption.csv (quarterly,
//   2002-2017, two series, made by make_consumption.py: y = a + b income + c promo + AR(1)
//   errors), for each series Arima(y, order = c(1,0,0), xreg = cbind(income, promo)) and
//   auto.arima(y, xreg = ...), forecast 8 quarters with the regressors of
//   examples/data/consumption_future.csv.
//
//   auto_arima_visnights_xreg.R: auto.arima(NSWMetro[1:68], xreg = VICMetro[1:68]) on
//   examples/data/visnights.csv, forecast with VICMetro[69:76].
import XCTest
@testable import ArimaModel

final class XregRTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Columns of a long CSV (unique_id, ds, y, then more) per series.
    static func columns(_ file: String) throws -> [String: [String: [Double]]] {
        let text = try String(contentsOf: root.appendingPathComponent("examples/data/" + file), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        var out: [String: [String: [Double]]] = [:]
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for c in 2..<header.count { out[f[0], default: [:]][header[c], default: []].append(Double(f[c])!) }
        }
        return out
    }

    struct Reference {
        var coef: [Double]          // ar1, intercept, income, promo
        var loglik: Double
        var mean: [Double]
        var lo95: [Double]
    }
    // R: Arima(y, order = c(1,0,0), xreg = X) and forecast(a, xreg = XF, level = c(80, 95))
    static let r: [String: Reference] = [
        "north": Reference(coef: [0.4259034456, 0.4870522178, 0.3158256585, 0.7642057448], loglik: -36.0550821309,
                           mean: [0.70711139, 0.63773262, 0.87551900, 1.19230116, 1.18258822, 0.75898393, 0.75819802, 0.21131705],
                           lo95: [-0.15192311, -0.29596862, -0.07109547, 0.24336313, 0.23322933, -0.19045129, -0.19125104, -0.73813452]),
        "south": Reference(coef: [0.5800792332, 0.5156687135, 0.3453100764, 0.4240893063], loglik: -42.3187130228,
                           mean: [1.23609316, 0.32529831, 0.85271489, 0.85197215, 1.08631034, 0.76549085, 0.56574205, 1.02706888],
                           lo95: [0.29028742, -0.76811690, -0.28607557, -0.30168547, -0.07230707, -0.39479072, -0.59509896, -0.13396032]),
    ]

    func testArimaWithRegressorsMatchesR() throws {
        let hist = try Self.columns("consumption.csv"), fut = try Self.columns("consumption_future.csv")
        for (id, ref) in Self.r {
            let h = hist[id]!, f = fut[id]!
            XCTAssertEqual(h["y"]!.count, 64)
            let fit = try ArimaModel.fit(y: h["y"]!, xreg: [h["income"]!, h["promo"]!], spec: ArimaSpec(p: 1, d: 0, q: 0))
            XCTAssertEqual(fit.coefficientNames, ["ar1", "intercept", "xreg1", "xreg2"])
            let coef = fit.coefficients
            for (i, (ours, theirs)) in zip(coef, ref.coef).enumerated() {
                XCTAssertEqual(ours, theirs, accuracy: 1e-3, "\(id) coefficient \(fit.coefficientNames[i])")
            }
            XCTAssertEqual(fit.loglik, ref.loglik, accuracy: 1e-3, id)
            let fc = try fit.forecast(h: 8, levels: [80, 95], futureXreg: [f["income"]!, f["promo"]!])
            for s in 0..<8 {
                XCTAssertEqual(fc.mean[s], ref.mean[s], accuracy: 1e-3, "\(id) h=\(s + 1)")
                XCTAssertEqual(fc.lo[1][s], ref.lo95[s], accuracy: 2e-3, "\(id) lo95 h=\(s + 1)")
            }
        }
    }

    func testAutoArimaWithRegressorsMatchesR() throws {
        // R: auto.arima(y, xreg = X) picks Regression with ARIMA(1,0,0) errors for both series
        // (the same coefficients and forecasts as above).
        let hist = try Self.columns("consumption.csv"), fut = try Self.columns("consumption_future.csv")
        for (id, ref) in Self.r {
            let h = hist[id]!, f = fut[id]!
            for beam in [1, 3] {
                var o = AutoArimaOptions(period: 4)
                o.beam = beam
                let fit = try AutoArima.fit(y: h["y"]!, xreg: [h["income"]!, h["promo"]!], options: o)
                XCTAssertEqual(fit.description, "ARIMA(1,0,0) with non-zero mean", "\(id) beam \(beam)")
                XCTAssertEqual(fit.coefficientNames, ["ar1", "intercept", "xreg1", "xreg2"])
                for (ours, theirs) in zip(fit.coefficients, ref.coef) { XCTAssertEqual(ours, theirs, accuracy: 1e-3, id) }
                let fc = try fit.forecast(h: 8, levels: [95], futureXreg: [f["income"]!, f["promo"]!])
                for s in 0..<8 { XCTAssertEqual(fc.mean[s], ref.mean[s], accuracy: 1e-3, "\(id) h=\(s + 1)") }
            }
        }
    }

    func testAutoArimaWithRegressorOnVisnightsMatchesR() throws {
        // R: Regression with ARIMA(3,1,0) errors, ar -0.6091 -0.5098 -0.3767, VICMetro 0.4870,
        // loglik -66.23, AICc 143.44 (the differencing chosen on the regression's residuals;
        // no seasonal part, no drift).
        let v = try Self.columns("visnights.csv")
        let y = v["NSWMetro"]!["y"]!, x = v["VICMetro"]!["y"]!
        let n = 68
        var o = AutoArimaOptions(period: 4)
        o.beam = 1
        let fit = try AutoArima.fit(y: Array(y[..<n]), xreg: [Array(x[..<n])], options: o)
        XCTAssertEqual(fit.spec.p, 3); XCTAssertEqual(fit.spec.d, 1); XCTAssertEqual(fit.spec.q, 0)
        XCTAssertEqual(fit.spec.P, 0); XCTAssertEqual(fit.spec.D, 0); XCTAssertEqual(fit.spec.Q, 0)
        XCTAssertEqual(fit.coefficientNames, ["ar1", "ar2", "ar3", "xreg1"])
        let ref = [-0.6090757030, -0.5098296531, -0.3766726575, 0.4869910590]
        for (ours, theirs) in zip(fit.coefficients, ref) { XCTAssertEqual(ours, theirs, accuracy: 2e-3) }
        XCTAssertEqual(fit.loglik, -66.2292760006, accuracy: 5e-3)
        XCTAssertEqual(fit.aicc, 143.442158559, accuracy: 1e-2)
        let mean = [7.98816480, 6.28993319, 6.28232033, 6.99797281, 8.05887251, 6.63409438, 6.50521646, 7.08611281]
        let fc = try fit.forecast(h: 8, levels: [95], futureXreg: [Array(x[n...])])
        for s in 0..<8 { XCTAssertEqual(fc.mean[s], mean[s], accuracy: 3e-3, "h=\(s + 1)") }
    }

    func testRegressionResidualsAreOrdinaryLeastSquares() {
        // y = 2 + 3 x exactly, plus a known residual orthogonal to [1, x]
        let x: [Double] = [0, 1, 2, 3, 4]
        let e: [Double] = [1, -1, -1, -1, 2]   // sum 0 and sum x e = 0 - 1 - 2 - 3 + 8 = 2: not orthogonal
        let y = zip(x, e).map { 2 + 3 * $0 + $1 }
        let r = AutoArima.regressionResiduals(y, [x])
        // residuals are orthogonal to the intercept and the regressor
        XCTAssertEqual(r.reduce(0, +), 0, accuracy: 1e-9)
        XCTAssertEqual(zip(r, x).reduce(0) { $0 + $1.0 * $1.1 }, 0, accuracy: 1e-9)
        XCTAssertEqual(AutoArima.regressionResiduals(x.map { 2 + 3 * $0 }, [x]).map { abs($0) }.max()!, 0, accuracy: 1e-9)
    }
}
