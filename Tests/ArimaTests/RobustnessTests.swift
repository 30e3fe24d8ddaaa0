// Degenerate inputs, bad arguments, serialization and thread safety.
import XCTest
import Foundation
@testable import ArimaModel

final class RobustnessTests: XCTestCase {
    /// A reproducible pseudo-random sequence (xorshift + Box-Muller), no global state.
    struct Rng {
        var s: UInt64
        mutating func next() -> Double {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            return Double(s >> 11) / Double(1 << 53)
        }
        mutating func normal() -> Double {
            let u = max(next(), 1e-300), v = next()
            return (-2 * Foundation.log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
    }

    /// R's stepwise walk only (the fewest fits, for debug builds).
    static func quick(_ m: Int) -> AutoArimaOptions {
        var o = AutoArimaOptions(period: m)
        o.beam = 1
        return o
    }

    func seasonalSeries(n: Int, m: Int, seed: UInt64 = 7) -> [Double] {
        var rng = Rng(s: seed)
        var y: [Double] = []
        var level = 100.0
        for t in 0..<n {
            level += 0.3 + rng.normal()
            y.append(level + 10 * sin(2 * Double.pi * Double(t) / Double(m)) + rng.normal())
        }
        return y
    }

    func assertSane(_ fit: ArimaFit, h: Int = 12, file: StaticString = #filePath, line: UInt = #line) {
        let f = fit.forecast(h: h, levels: [80, 95])
        XCTAssertEqual(f.mean.count, h, file: file, line: line)
        for i in 0..<h {
            XCTAssertTrue(f.mean[i].isFinite, "mean not finite for \(fit.description)", file: file, line: line)
            XCTAssertTrue(f.lo[0][i].isFinite && f.hi[1][i].isFinite, "interval not finite", file: file, line: line)
            XCTAssertLessThanOrEqual(f.lo[1][i], f.lo[0][i] + 1e-9 * max(1, abs(f.lo[0][i])), file: file, line: line)
            XCTAssertLessThanOrEqual(f.lo[0][i], f.mean[i] + 1e-9 * max(1, abs(f.mean[i])), file: file, line: line)
            XCTAssertLessThanOrEqual(f.mean[i], f.hi[0][i] + 1e-9 * max(1, abs(f.mean[i])), file: file, line: line)
        }
        XCTAssertTrue(fit.fitted.allSatisfy { $0.isFinite }, file: file, line: line)
    }

    func testConstantAndZeroSeries() throws {
        let c = try AutoArima.fit(y: [Double](repeating: 5, count: 40), options: Self.quick(12))
        XCTAssertEqual(c.description, "ARIMA(0,0,0) with non-zero mean")
        XCTAssertEqual(c.forecast(h: 3).mean, [5, 5, 5])
        assertSane(c)
        let z = try AutoArima.fit(y: [Double](repeating: 0, count: 40), options: Self.quick(4))
        XCTAssertEqual(z.description, "ARIMA(0,0,0) with zero mean")
        XCTAssertEqual(z.forecast(h: 2).mean, [0, 0])
        assertSane(z)
        // a pure linear trend: constant after one difference
        let lin = try AutoArima.fit(y: (0..<30).map { 2 * Double($0) + 1 }, options: AutoArimaOptions())
        XCTAssertEqual(lin.description, "ARIMA(0,1,0) with drift")
        XCTAssertEqual(lin.forecast(h: 1).mean[0], 61, accuracy: 1e-9)
    }

    /// Constant, all-zero, two-value and length-2 series, through every search and some
    /// fixed orders: a finite forecast with ordered intervals or an ArimaError, never NaN.
    func testDegenerateSeries() throws {
        let cases: [(String, [Double])] = [
            ("constant", [Double](repeating: 5, count: 24)), ("zeros", [Double](repeating: 0, count: 24)),
            ("two values", (0..<24).map { $0 % 2 == 0 ? 1 : 2 }), ("step", (0..<24).map { $0 < 12 ? 0 : 1 }),
            ("length 2", [3, 7]), ("length 2 constant", [4, 4]), ("length 1", [3]),
        ]
        var searches: [(String, AutoArimaOptions)] = []
        for m in [1, 4] {
            searches.append(("default m=\(m)", AutoArimaOptions(period: m)))
            var walk = AutoArimaOptions(period: m); walk.beam = 1
            searches.append(("R's walk m=\(m)", walk))
            var full = AutoArimaOptions(period: m); full.stepwise = false
            searches.append(("exhaustive m=\(m)", full))
        }
        let specs = [ArimaSpec(p: 1, d: 0, q: 0, period: 1, includeMean: true), ArimaSpec(p: 0, d: 1, q: 1, period: 1),
                     ArimaSpec(p: 0, d: 1, q: 0, period: 1, includeMean: false, includeDrift: true),
                     ArimaSpec(p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, period: 4)]
        for (name, y) in cases {
            for (search, o) in searches {
                do { assertSane(try AutoArima.fit(y: y, options: o), h: 6) } catch {
                    XCTAssertFalse(error.message.isEmpty, "\(name) \(search)")
                }
            }
            for spec in specs {
                do { assertSane(try ArimaModel.fit(y: y, spec: spec), h: 6) } catch {
                    XCTAssertFalse(error.message.isEmpty, "\(name) \(spec.description)")
                }
            }
        }
        // the constant is forecast with zero-width intervals
        let c = try AutoArima.fit(y: [4, 4], options: AutoArimaOptions())
        XCTAssertEqual(c.forecast(h: 2, levels: [95]).mean, [4, 4])
        XCTAssertEqual(c.forecast(h: 2, levels: [95]).hi[0], [4, 4])
    }

    func testShortSeries() throws {
        // shorter than two seasons: no seasonal differencing, still a model
        let y = seasonalSeries(n: 20, m: 12)
        let f = try AutoArima.fit(y: y, options: Self.quick(12))
        assertSane(f)
        for n in 1...6 {
            let g = try AutoArima.fit(y: Array(seasonalSeries(n: 40, m: 4).prefix(n)), options: Self.quick(4))
            assertSane(g, h: 5)
        }
    }

    func testMagnitudes() throws {
        let base = seasonalSeries(n: 60, m: 4)
        var descriptions: [String] = []
        for scale in [1e-9, 1.0, 1e12] {
            let y = base.map { $0 * scale }
            let fit = try AutoArima.fit(y: y, options: Self.quick(4))
            assertSane(fit)
            descriptions.append(fit.description)
            let f = fit.forecast(h: 3)
            XCTAssertEqual(f.mean[0] / scale, base.last!, accuracy: 30)
        }
        XCTAssertEqual(Set(descriptions).count, 1, "scale changed the model: \(descriptions)")
        // offset: huge level, small variation
        let off = try AutoArima.fit(y: base.map { $0 + 1e9 }, options: Self.quick(4))
        assertSane(off)
    }

    func testNearUnitRoot() throws {
        var rng = Rng(s: 11)
        var y: [Double] = [0]
        for _ in 1..<300 { y.append(0.999 * y.last! + rng.normal()) }
        let ar1 = try ArimaModel.fit(y: y, order: [1, 0, 0])
        XCTAssertLessThan(abs(ar1.ar[0]), 1)
        assertSane(ar1, h: 50)
        let auto = try AutoArima.fit(y: y, options: AutoArimaOptions())
        assertSane(auto, h: 50)
        // seasonal MA close to -1 (over-differenced)
        let s = seasonalSeries(n: 120, m: 12)
        let fit = try ArimaModel.fit(y: s, order: [0, 1, 1], seasonal: [0, 2, 1], period: 12)
        assertSane(fit)
    }

    func testBadArguments() {
        func kind(_ body: () throws -> Void) -> (ArimaErrorKind, String)? {
            do { try body(); return nil } catch let e as ArimaError { return (e.kind, e.message) } catch { return nil }
        }
        let y = seasonalSeries(n: 60, m: 12)
        var r = kind { _ = try ArimaModel.fit(y: y, order: [-1, 0, 0]) }
        XCTAssertEqual(r?.0, .invalidArgument); XCTAssertTrue(r?.1.contains("'p'") ?? false, r?.1 ?? "")
        r = kind { _ = try ArimaModel.fit(y: y, order: [1, 0, 0], seasonal: [1, 0, 0], period: 1) }
        XCTAssertEqual(r?.0, .invalidArgument); XCTAssertTrue(r?.1.contains("season") ?? false)
        r = kind { _ = try ArimaModel.fit(y: y, order: [1, 0, 0], seasonal: [0, 1, 1], period: 0) }
        XCTAssertEqual(r?.0, .invalidArgument); XCTAssertTrue(r?.1.contains("season") ?? false)
        r = kind { _ = try ArimaModel.fit(y: Array(y.prefix(8)), order: [3, 1, 3]) }
        XCTAssertEqual(r?.0, .notEnoughData)
        // An infinite value is refused; a missing one (NaN) is skipped (MissingValueTests),
        // except at either end of the series (the plugin cuts those off first).
        var bad = y; bad[5] = .infinity
        r = kind { _ = try ArimaModel.fit(y: bad, order: [1, 0, 0]) }
        XCTAssertEqual(r?.0, .invalidArgument); XCTAssertTrue(r?.1.contains("index 5") ?? false)
        r = kind { _ = try AutoArima.fit(y: bad, options: Self.quick(12)) }
        XCTAssertEqual(r?.0, .invalidArgument)
        var leading = y; leading[0] = .nan
        r = kind { _ = try AutoArima.fit(y: leading, options: Self.quick(12)) }
        XCTAssertEqual(r?.0, .invalidArgument)
        var o = AutoArimaOptions(period: 12); o.maxP = -1
        r = kind { _ = try AutoArima.fit(y: y, options: o) }
        XCTAssertEqual(r?.0, .invalidArgument); XCTAssertTrue(r?.1.contains("max_p") ?? false)
        r = kind { _ = try AutoArima.fit(y: [], options: AutoArimaOptions()) }
        XCTAssertEqual(r?.0, .notEnoughData)
        r = kind { _ = try ArimaFit.deserialize([1, 2, 3]) }
        XCTAssertEqual(r?.0, .invalidArgument)
    }

    func testSerializationRoundTrip() throws {
        let y = seasonalSeries(n: 100, m: 12)
        for fit in [try AutoArima.fit(y: y, options: Self.quick(12)),
                    try ArimaModel.fit(y: y, order: [1, 1, 1], seasonal: [0, 1, 1], period: 12),
                    try ArimaModel.fit(y: y, order: [2, 0, 0], includeMean: true)] {
            let bytes = fit.serialize()
            let back = try ArimaFit.deserialize(bytes)
            XCTAssertEqual(back.description, fit.description)
            XCTAssertEqual(back.coefficients, fit.coefficients)
            XCTAssertEqual(back.loglik, fit.loglik)
            XCTAssertEqual(back.aicc, fit.aicc)
            XCTAssertEqual(back.forecast(h: 10).mean, fit.forecast(h: 10).mean)
            XCTAssertEqual(back.forecast(h: 10).hi[0], fit.forecast(h: 10).hi[0])
            XCTAssertEqual(back.fitted, fit.fitted)
            XCTAssertEqual(back.serialize(), bytes)
            XCTAssertThrowsError(try ArimaFit.deserialize(Array(bytes.prefix(bytes.count - 3))))
        }
    }

    func testThreadSafety() throws {
        let series = (0..<4).map { seasonalSeries(n: 60, m: 4, seed: UInt64(100 + $0)) }
        let serial = try series.map { try AutoArima.fit(y: $0, options: Self.quick(4)).forecast(h: 6).mean }
        nonisolated(unsafe) var parallel = [[Double]](repeating: [], count: series.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: series.count) { i in
            let r = (try? AutoArima.fit(y: series[i], options: Self.quick(4)).forecast(h: 6).mean) ?? []
            lock.lock(); parallel[i] = r; lock.unlock()
        }
        XCTAssertEqual(parallel, serial)
    }

    func testConstantFlagAndBufferAPI() throws {
        let a = try ArimaSpec(order: [1, 1, 0], constant: true)
        XCTAssertTrue(a.includeDrift); XCTAssertFalse(a.includeMean)
        let b = try ArimaSpec(order: [1, 0, 0], constant: true)
        XCTAssertTrue(b.includeMean); XCTAssertFalse(b.includeDrift)
        let c = try ArimaSpec(order: [0, 1, 1], seasonal: [0, 1, 1], period: 12, constant: true)
        XCTAssertFalse(c.includeMean || c.includeDrift)
        let y = seasonalSeries(n: 50, m: 4)
        let viaArray = try AutoArima.fit(y: y, options: Self.quick(4))
        let viaBuffer = try y.withUnsafeBufferPointer { try AutoArima.fit(y: $0, options: Self.quick(4)) }
        XCTAssertEqual(viaArray.coefficients, viaBuffer.coefficients)
        let fixed = try y.withUnsafeBufferPointer { try ArimaModel.fit(y: $0, spec: a) }
        XCTAssertEqual(fixed.description, "ARIMA(1,1,0) with drift")
        // the calibrated intervals are never narrower
        let f0 = viaArray.forecast(h: 6), f1 = viaArray.forecast(h: 6, calibrate: true)
        for i in 0..<6 { XCTAssertGreaterThanOrEqual(f1.hi[0][i] + 1e-9, f0.hi[0][i]) }
        XCTAssertEqual(f0.mean, f1.mean)
    }

    func testDescriptionsAndSearchModes() throws {
        let y = seasonalSeries(n: 72, m: 4)
        var o = AutoArimaOptions(period: 4)
        o.stepwise = false
        let (full, cands) = try AutoArima.search(y: y, options: o)
        o.stepwise = true
        let (step, _) = try AutoArima.search(y: y, options: o)
        XCTAssertLessThanOrEqual(full.aicc, step.aicc + 1e-6)
        XCTAssertTrue(cands.allSatisfy { $0.spec.p + $0.spec.q + $0.spec.P + $0.spec.Q <= 5 })
        XCTAssertEqual(ArimaSpec(p: 2, d: 1, q: 1, P: 0, D: 1, Q: 1, period: 12, includeDrift: true).description,
                       "ARIMA(2,1,1)(0,1,1)[12]")
        XCTAssertEqual(ArimaSpec(p: 2, d: 0, q: 1, P: 0, D: 1, Q: 1, period: 12, includeDrift: true).description,
                       "ARIMA(2,0,1)(0,1,1)[12] with drift")
        var bic = AutoArimaOptions(period: 4); bic.ic = .bic
        assertSane(try AutoArima.fit(y: y, options: bic))
    }
}
