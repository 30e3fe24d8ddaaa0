import Foundation
import XCTest
@testable import ThetaModel

final class ClosedFormTests: XCTestCase {
    /// STM is simple exponential smoothing with drift half the slope of the linear trend
    /// (Hyndman & Billah 2003): ŷ(h) = ℓ_n + ½b[(h-1) + (1-(1-α)^n)/α], with ℓ_n the SES level
    /// from the fitted initial level and α, b the OLS slope on t = 1..n; Fiorucci et al.'s
    /// free initial level adds the transient ½(1-α)^n(a + b), a the OLS intercept (checked
    /// numerically against statsforecast's STM, the same formula to 1e-15).
    func testSTMIsSESWithHalfTheTrendSlope() throws {
        let y = Array(exampleSeries("visnights", "NSWMetro").dropLast(8))
        let f = try ThetaFitter.fit(y, options: ThetaOptions(period: 1, model: .STM)).fit
        XCTAssertEqual(f.decomposition, .none)
        let alpha = f.alpha, s = f.scale
        var level = f.initialLevel * s
        for v in y { level = alpha * v + (1 - alpha) * level }
        let n = Double(y.count)
        let tm = (n + 1) / 2, ym = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (i, v) in y.enumerated() { sxy += (Double(i + 1) - tm) * (v - ym); sxx += (Double(i + 1) - tm) * (Double(i + 1) - tm) }
        let b = sxy / sxx, a = ym - b * tm
        let q = pow(1 - alpha, n)
        let fc = f.forecast(h: 6, levels: []).mean
        for h in 1...6 {
            let closed = level + 0.5 * b * (Double(h - 1) + (1 - q) / alpha) + 0.5 * q * (a + b)
            XCTAssertEqual(fc[h - 1], closed, accuracy: 1e-10 * abs(closed), "h \(h)")
        }
    }
}

final class SaveLoadTests: XCTestCase {
    func testRoundTripGivesIdenticalForecasts() throws {
        for (name, id, m) in [("visnights", "NSWMetro", 4), ("us_employment", "CEU1000000001", 12)] {
            let y = exampleSeries(name, id)
            for model in [nil, ThetaType.DSTM] {
                let f = try ThetaFitter.fit(y, options: ThetaOptions(period: m, model: model)).fit
                let g = try ThetaFit.deserialize(f.serialize())
                let a = f.forecast(h: 12, levels: [80, 95], seed: 7), b = g.forecast(h: 12, levels: [80, 95], seed: 7)
                XCTAssertEqual(a.mean, b.mean)
                XCTAssertEqual(a.lo, b.lo)
                XCTAssertEqual(a.hi, b.hi)
                XCTAssertEqual(f.fitted, g.fitted)
                XCTAssertEqual(f.description, g.description)
            }
        }
        let c = try ThetaFitter.fit([3, 3, 3, 3, 3], options: ThetaOptions()).fit
        XCTAssertEqual(try ThetaFit.deserialize(c.serialize()).forecast(h: 2, levels: [80]).mean, [3, 3])
    }

    func testDamagedBytesAreRefused() {
        XCTAssertThrowsError(try ThetaFit.deserialize([]))
        XCTAssertThrowsError(try ThetaFit.deserialize([2, 0, 0, 0, 0, 0, 0, 0, 0]))
        let f = try! ThetaFitter.fit([1, 2, 3, 5, 4, 6, 7], options: ThetaOptions()).fit
        XCTAssertThrowsError(try ThetaFit.deserialize(Array(f.serialize().dropLast(8))))
    }
}

final class IntervalTests: XCTestCase {
    /// Simulated intervals: seeded (same seed, same bounds; another seed, other bounds),
    /// nested, around the mean,
    /// and wider further out.
    func testIntervalsAreSeededAndNested() throws {
        let y = exampleSeries("visnights", "QLDMetro")
        let f = try ThetaFitter.fit(y, options: ThetaOptions(period: 4)).fit
        let a = f.forecast(h: 8, levels: [80, 95], seed: 1), b = f.forecast(h: 8, levels: [80, 95], seed: 1)
        let c = f.forecast(h: 8, levels: [80, 95], seed: 2)
        XCTAssertEqual(a.lo, b.lo)
        XCTAssertNotEqual(a.lo, c.lo)
        for k in 0..<8 {
            XCTAssertLessThan(a.lo[1][k], a.lo[0][k])
            XCTAssertLessThanOrEqual(a.lo[0][k], a.mean[k])
            XCTAssertLessThanOrEqual(a.mean[k], a.hi[0][k])
            XCTAssertLessThan(a.hi[0][k], a.hi[1][k])
        }
        // Wider a year on (the same quarter: the same seasonal factor).
        XCTAssertGreaterThan(a.hi[0][4] - a.lo[0][4], a.hi[0][0] - a.lo[0][0])
    }
}

final class RobustnessTests: XCTestCase {
    func testConstantAndZeroSeriesForecastTheConstant() throws {
        for c in [0.0, 5.0, -2.5, 1e300] {
            let y = [Double](repeating: c, count: 30)
            for model in [nil, ThetaType.DOTM] {
                let f = try ThetaFitter.fit(y, options: ThetaOptions(period: 12, model: model)).fit
                let fc = f.forecast(h: 5, levels: [80, 95])
                XCTAssertEqual(fc.mean, [Double](repeating: c, count: 5))
                XCTAssertEqual(fc.lo[0], fc.mean)
                XCTAssertEqual(f.fitted, y)
            }
        }
    }

    func testShortSeries() throws {
        XCTAssertThrowsError(try ThetaFitter.fit([1, 2, 3], options: ThetaOptions())) { e in
            XCTAssertEqual((e as? ThetaError)?.kind, .notEnoughData)
        }
        XCTAssertThrowsError(try ThetaFitter.fit([], options: ThetaOptions()))
        // Fewer than two seasons: no seasonal adjustment, still a forecast.
        let f = try ThetaFitter.fit([5, 7, 6, 8, 7, 9, 8, 10, 9, 11, 10, 12, 11, 13], options: ThetaOptions(period: 12)).fit
        XCTAssertEqual(f.decomposition, .none)
        XCTAssertTrue(f.forecast(h: 4, levels: [80]).mean.allSatisfy(\.isFinite))
        let g = try ThetaFitter.fit([1, 2, 4, 3], options: ThetaOptions())
        XCTAssertTrue(g.fit.forecast(h: 3, levels: [80, 95]).hi[1].allSatisfy(\.isFinite))
    }

    func testMissingValueNamesItsPosition() {
        var y = exampleSeries("visnights", "NSWMetro")
        y[9] = .nan
        XCTAssertThrowsError(try ThetaFitter.fit(y, options: ThetaOptions(period: 4))) { e in
            XCTAssertTrue((e as? ThetaError)?.message.contains("value 10 of 76 is missing") ?? false, "\(e)")
        }
    }

    /// Scaling the data scales forecasts and bounds (the fit works on y / mean|y|): huge and
    /// tiny magnitudes give the forecasts of the unit-scale series, times the scale.
    func testHugeAndTinyMagnitudes() throws {
        let y = exampleSeries("visnights", "NSWMetro")
        let base = try ThetaFitter.fit(y, options: ThetaOptions(period: 4)).fit.forecast(h: 8, levels: [80], seed: 3)
        for s in [1e250, 1e-250] {
            let f = try ThetaFitter.fit(y.map { $0 * s }, options: ThetaOptions(period: 4)).fit
            let fc = f.forecast(h: 8, levels: [80], seed: 3)
            for k in 0..<8 {
                XCTAssertEqual(fc.mean[k] / s, base.mean[k], accuracy: 1e-6 * abs(base.mean[k]))
                XCTAssertEqual(fc.hi[0][k] / s, base.hi[0][k], accuracy: 1e-6 * abs(base.hi[0][k]))
            }
        }
    }

    /// Data not strictly positive: the multiplicative decomposition gives way to the additive.
    func testAdditiveWhenNotPositive() throws {
        let y = exampleSeries("visnights", "NSWMetro").map { $0 - 7 }
        let r = try ThetaFitter.fit(y, options: ThetaOptions(period: 4, decomposition: .multiplicative))
        XCTAssertEqual(r.fit.decomposition, .additive)
        XCTAssertFalse(r.notes.isEmpty)
        XCTAssertTrue(r.fit.forecast(h: 8, levels: [80]).mean.allSatisfy(\.isFinite))
        let auto = try ThetaFitter.fit(exampleSeries("visnights", "NSWMetro"), options: ThetaOptions(period: 4, decomposition: .auto))
        XCTAssertNotEqual(auto.fit.decomposition, .none)
    }

    func testCancellation() {
        XCTAssertThrowsError(try ThetaFitter.fit(exampleSeries("visnights", "NSWMetro"), options: ThetaOptions(period: 4),
                                                 shouldCancel: { true })) { e in
            XCTAssertEqual((e as? ThetaError)?.kind, .cancelled)
        }
    }

    func testDescription() throws {
        let f = try ThetaFitter.fit(exampleSeries("visnights", "NSWMetro"), options: ThetaOptions(period: 4, model: .DOTM)).fit
        XCTAssertTrue(f.description.hasPrefix("DOTM(theta="), f.description)
        let g = try ThetaFitter.fit(exampleSeries("visnights", "NSWMetro"), options: ThetaOptions(period: 1, model: .STM)).fit
        XCTAssertEqual(g.description, "STM")
    }
}
