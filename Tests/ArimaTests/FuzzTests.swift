// Random inputs (lengths 1..150, seasons 1..24, counts, spikes, breaks, huge/tiny values,
// random orders and methods): every call either gives finite forecasts or throws a
// clear invalid-argument / not-enough-data error, and serialization round-trips.
import XCTest
import Foundation
@testable import ArimaModel

final class FuzzTests: XCTestCase {
    struct Rng {
        var s: UInt64
        mutating func u() -> Double { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return Double(s >> 11) / Double(1 << 53) }
        mutating func n() -> Double { (-2 * Foundation.log(max(u(), 1e-300))).squareRoot() * cos(2 * Double.pi * u()) }
    }

    func finite(_ f: ArimaFit) -> Bool {
        let fc = f.forecast(h: 8, levels: [80, 95])
        return fc.mean.allSatisfy { $0.isFinite } && fc.lo[1].allSatisfy { $0.isFinite } && fc.hi[1].allSatisfy { $0.isFinite }
    }

    func testAutoArimaRandomInputs() throws {
        var g = Rng(s: 2024)
        for i in 0..<30 {
            let n = 1 + Int(g.u() * 100)
            let m = [1, 4, 7, 12][Int(g.u() * 4)]
            let kind = Int(g.u() * 6)
            var lvl = 0.0
            let y: [Double] = (0..<n).map { t in
                switch kind {
                case 0: return g.n()
                case 1: return g.u() < 0.7 ? 0 : Double(Int(g.u() * 4))
                case 2: lvl += g.n(); return lvl
                case 3: return 1e12 * (1 + 0.01 * g.n())
                case 4: return t % 9 == 0 ? 500 : 1
                default: lvl = 0.99 * lvl + g.n(); return lvl + (t > n / 2 ? 20 : 0)
                }
            }
            var o = AutoArimaOptions(period: m)
            o.stepwise = g.u() < 0.9
            let fit = try AutoArima.fit(y: y, options: o)
            XCTAssertTrue(finite(fit), "case \(i): \(fit.description)")
            XCTAssertEqual(try ArimaFit.deserialize(fit.serialize()).description, fit.description)
        }
    }

    func testFixedOrdersRandomInputs() {
        var g = Rng(s: 77)
        for i in 0..<120 {
            let n = 1 + Int(g.u() * 120)
            let m = [1, 4, 12][Int(g.u() * 3)]
            var lvl = 0.0
            let y: [Double] = (0..<n).map { t in lvl += g.n(); return g.u() < 0.5 ? lvl : sin(Double(t)) + g.n() }
            let order = [Int(g.u() * 4), Int(g.u() * 3), Int(g.u() * 4)]
            let seas = m > 1 ? [Int(g.u() * 3), Int(g.u() * 2), Int(g.u() * 3)] : [0, 0, 0]
            let method: ArimaMethod = [.css, .ml, .cssML][Int(g.u() * 3)]
            do {
                let fit = try ArimaModel.fit(y: y, order: order, seasonal: seas, period: m,
                                             includeMean: g.u() < 0.5, includeDrift: g.u() < 0.5, method: method)
                XCTAssertTrue(finite(fit), "case \(i): \(fit.description)")
            } catch {
                // typed throws: error is ArimaError
                XCTAssertEqual(error.kind, .notEnoughData, "case \(i): \(error)")
            }
        }
    }
}
