// statsforecast 2.1.1's auto_theta against ThetaModel on visnights and employment series.
// Reference values: bench/theta/statsforecast_reference.py, run in .venv-theta
// (pip install statsforecast: 2.1.1 with numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0), training on all but the last
// h points; printed as the literals below.
import XCTest
@testable import ThetaModel

typealias Ref = (data: String, id: String, m: Int, h: Int, fixed: ThetaType?, type: ThetaType, l0: Double,
                 alpha: Double, theta: Double, mse: Double, decomposition: String, forecast: [Double])

let statsforecastReference: [Ref] = [
    ("visnights", "NSWMetro", 4, 8, nil, .OTM, 3.3649584398334875, 0.277793766839112, 1.7075803093771158, 3.503590792384139, "multiplicative", [7.7543868754108765, 6.0497488090393725, 6.158803661247637]),
    ("visnights", "NSWMetro", 4, 8, .STM, .STM, 2.656657835181925, 0.29285278320312336, 2.0, 3.5041875863132526, "multiplicative", [7.761067443730094, 6.053550732461169, 6.161235382392817]),
    ("visnights", "NSWMetro", 4, 8, .OTM, .OTM, 3.3649584398334875, 0.277793766839112, 1.7075803093771158, 3.503590792384139, "multiplicative", [7.7543868754108765, 6.0497488090393725, 6.158803661247637]),
    ("visnights", "NSWMetro", 4, 8, .DSTM, .DSTM, 3.297997329443641, 0.30781249999999866, 2.0, 3.687461925221785, "multiplicative", [7.773073305430176, 6.064160588197172, 6.173604524632765]),
    ("visnights", "NSWMetro", 4, 8, .DOTM, .DOTM, 6.270869601152538, 0.2964708501663499, 1.0, 3.507989534853289, "multiplicative", [7.799775392173136, 6.092052278972552, 6.208902530950266]),
    ("visnights", "QLDMetro", 4, 8, nil, .STM, 5.344210521548828, 0.16392250061034974, 2.0, 4.209284843112221, "multiplicative", [11.42105029948983, 8.6851977102233, 10.475899391263846]),
    ("visnights", "VICMetro", 4, 8, nil, .OTM, 1.0913161333523913, 0.1643889572579305, 7.2602131248749195, 2.8916885158629135, "multiplicative", [9.221480432467223, 6.3306407904259805, 6.104080881898819]),
    ("visnights", "WAUInner", 4, 8, nil, .OTM, 0.535335036322543, 0.16409192505592834, 1.421592914306704, 3.306469028491005, "multiplicative", [0.6732230643295262, 0.6345171450837938, 0.7697660814883006]),
    ("us_employment", "CEU0500000001", 12, 24, nil, .OTM, -407346.8047991835, 0.9899999999999927, 36.36345632931236, 1129.904075496747, "multiplicative", [124842.26955823881, 124906.97308170686, 125220.57771938061]),
    ("us_employment", "CEU1000000001", 12, 24, nil, .OTM, -3008.7073634415556, 0.6187116469965572, 1.0, 1032.7554450641826, "multiplicative", [684.6875625363964, 686.8000919459299, 681.1789041907682]),
]

final class StatsforecastTests: XCTestCase {
    /// At statsforecast's own parameters, ThetaModel's recursions, decomposition and objective
    /// give statsforecast's in-sample MSE and forecasts to round-off (1e-9 relative): the
    /// same model, not an approximation of it.
    func testSameRecursionsAtTheReferenceParameters() {
        for r in statsforecastReference {
            let y = Array(exampleSeries(r.data, r.id).dropLast(r.h))
            let e = ThetaFitter.evaluate(y, period: r.decomposition == "none" ? 1 : r.m, type: r.type, l0: r.l0,
                                         alpha: r.alpha, theta: r.theta, h: 3)
            XCTAssertEqual(e.mse, r.mse, accuracy: 1e-9 * r.mse, "\(r.id) \(r.type)")
            for k in 0..<3 { XCTAssertEqual(e.forecast[k], r.forecast[k], accuracy: 1e-9 * abs(r.forecast[k]), "\(r.id) step \(k + 1)") }
        }
    }

    /// Our own fit minimises the same objective at least as well as statsforecast's
    /// Nelder-Mead (never worse than 1e-6 relative: NLopt's Nelder-Mead converges tighter), the
    /// seasonal decision agrees, and the forecasts agree within 0.5%: the objective is nearly
    /// flat along the initial level (its weight decays as (1-alpha)^t) and, near alpha's or
    /// theta's flat directions, statsforecast stops early; the largest gap seen on these
    /// series is 0.3% (VICMetro, whose theta runs off towards infinity in both).
    /// The selected model agrees, or statsforecast's choice is within 0.01% of our best
    /// objective (near ties: QLDMetro's STM and OTM differ by 1.5e-5 relative).
    func testFitMatchesStatsforecast() throws {
        for r in statsforecastReference {
            let y = Array(exampleSeries(r.data, r.id).dropLast(r.h))
            let result = try ThetaFitter.fit(y, options: ThetaOptions(period: r.m, model: r.fixed))
            let f = result.fit
            let mse = f.mse * f.scale
            XCTAssertLessThanOrEqual(mse, r.mse * (1 + 1e-6), "\(r.id) \(r.type)")
            XCTAssertEqual(mse, r.mse, accuracy: 0.005 * r.mse, "\(r.id)")
            XCTAssertEqual(f.decomposition == .none ? "none" : "\(f.decomposition)", r.decomposition, r.id)
            if let fixed = r.fixed { XCTAssertEqual(f.type, fixed) }
            if f.type != r.type {
                let theirs = try ThetaFitter.fit(y, options: ThetaOptions(period: r.m, model: r.type)).fit
                XCTAssertEqual(theirs.mse, f.mse, accuracy: 1e-4 * f.mse, "\(r.id): \(r.type) vs \(f.type)")
            }
            let fc = f.forecast(h: 3, levels: []).mean
            for k in 0..<3 { XCTAssertEqual(fc[k], r.forecast[k], accuracy: 0.005 * abs(r.forecast[k]), "\(r.id) step \(k + 1)") }
        }
    }
}
