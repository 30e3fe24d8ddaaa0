import FcastPluginKit
import XCTest
#if canImport(Glibc)
import Glibc
#endif

@testable import ProphetModel
@testable import ProphetPlugin

/// A deterministic noise source for the synthetic series (no global state).
struct TestRNG {
    var state: UInt64
    mutating func uniform() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (Double(state >> 11) + 0.5) * 0x1.0p-53
    }
    mutating func normal() -> Double {
        let u1 = uniform(), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

let day: Int64 = 86_400
/// 2020-01-01 as seconds since the epoch.
let jan2020: Int64 = 18_262 * day

/// The Fourier basis Prophet uses: time in days since the epoch.
func fourier(_ s: Int64, period: Double, _ j: Int) -> (Double, Double) {
    let x = 2 * Double.pi * Double(j) * (Double(s) / 86_400) / period
    return (sin(x), cos(x))
}

final class ProphetModelTests: XCTestCase {
    /// Known trend (one change of slope) + known yearly and weekly Fourier terms + small
    /// noise: the fit recovers each component.
    func testRecoversKnownTrendAndFourierTerms() throws {
        let n = 3 * 365
        let ds = (0..<n).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 1)
        var trend = [Double](), yearly = [Double](), weekly = [Double](), y = [Double]()
        for (i, s) in ds.enumerated() {
            let tr = 100 + 0.05 * Double(i) + (i > 500 ? -0.12 * Double(i - 500) : 0)
            let (s1, c1) = fourier(s, period: 365.25, 1)
            let (s2, _) = fourier(s, period: 365.25, 2)
            let yr = 8 * s1 - 5 * c1 + 2 * s2
            let (w1, wc1) = fourier(s, period: 7, 1)
            let wk = 3 * w1 + 1.5 * wc1
            trend.append(tr); yearly.append(yr); weekly.append(wk)
            y.append(tr + yr + wk + 0.3 * rng.normal())
        }
        let fit = try Prophet.fit(ds: ds, y: y, options: ProphetOptions())
        XCTAssertEqual(Set(fit.blocks.map(\.name)), ["yearly", "weekly"])
        let c = fit.fittedComponents
        var eT = 0.0, eY = 0.0, eW = 0.0
        for i in 0..<n {
            // The components are identified up to a constant between trend and yearly.
            eY = max(eY, abs(c.components["yearly"]![i] - yearly[i]))
            eW = max(eW, abs(c.components["weekly"]![i] - weekly[i]))
            eT = max(eT, abs(c.trend[i] - trend[i]))
        }
        XCTAssertLessThan(eW, 0.15, "weekly component")
        XCTAssertLessThan(eY, 0.8, "yearly component")
        XCTAssertLessThan(eT, 1.0, "trend")
        // The residual scale is the noise's.
        XCTAssertEqual(fit.sigma * fit.yScale, 0.3, accuracy: 0.05)
        // The slope change near day 500 is found: slopes before and after (per day).
        let slope0 = (c.trend[400] - c.trend[300]) / 100, slope1 = (c.trend[800] - c.trend[700]) / 100
        XCTAssertEqual(slope0, 0.05, accuracy: 0.01)
        XCTAssertEqual(slope1, -0.07, accuracy: 0.01)
        // Forecast continues the last slope and the seasonal pattern.
        let future = (1...30).map { ds[n - 1] + Int64($0) * day }
        let f = fit.forecast(at: future, levels: [0.8], seed: 3)
        for (h, s) in future.enumerated() {
            let i = n + h
            let tr = 100 + 0.05 * Double(i) - 0.12 * Double(i - 500)
            let (s1, c1) = fourier(s, period: 365.25, 1)
            let (s2, _) = fourier(s, period: 365.25, 2)
            let (w1, wc1) = fourier(s, period: 7, 1)
            let truth = tr + 8 * s1 - 5 * c1 + 2 * s2 + 3 * w1 + 1.5 * wc1
            XCTAssertEqual(f.yhat[h], truth, accuracy: 1.5)
            XCTAssertLessThan(f.lower[0][h], f.yhat[h])
            XCTAssertGreaterThan(f.upper[0][h], f.yhat[h])
        }
    }

    /// A multiplicative yearly factor is recovered as a relative component.
    func testMultiplicativeComponent() throws {
        let n = 4 * 52
        let ds = (0..<n).map { jan2020 + Int64($0) * 7 * day }
        var rng = TestRNG(state: 2)
        var y = [Double](), factor = [Double]()
        for (i, s) in ds.enumerated() {
            let tr = 50 + 0.5 * Double(i)
            let (s1, c1) = fourier(s, period: 365.25, 1)
            let f = 0.2 * s1 + 0.1 * c1
            factor.append(f)
            y.append(tr * (1 + f) + 0.2 * rng.normal())
        }
        var o = ProphetOptions()
        o.mode = .multiplicative
        let fit = try Prophet.fit(ds: ds, y: y, options: o)
        XCTAssertEqual(fit.blocks.map(\.name), ["yearly"])   // weekly data: no weekly/daily terms
        let c = fit.fittedComponents
        for i in 0..<n {
            XCTAssertEqual(c.components["yearly"]![i], factor[i], accuracy: 0.02)
            XCTAssertEqual(c.trend[i], 50 + 0.5 * Double(i), accuracy: 1.5)
        }
    }

    /// Holiday effects with a window: a day before and the day itself.
    func testHolidayEffects() throws {
        let n = 3 * 365
        let ds = (0..<n).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 3)
        let xmas = [2020, 2021, 2022, 2023].map { daysFromCivil($0, 12, 25) }
        var y = [Double]()
        for s in ds {
            let d = Int(s / day)
            var v = 20 + 0.01 * Double(d - 18_262) + 0.2 * rng.normal()
            if xmas.contains(d) { v += 6 }
            if xmas.contains(d + 1) { v -= 3 }
            y.append(v)
        }
        var o = ProphetOptions()
        o.holidays = [Holiday(name: "xmas", days: xmas, lowerWindow: -1, upperWindow: 0)]
        o.yearly = .off
        o.weekly = .off
        let fit = try Prophet.fit(ds: ds, y: y, options: o)
        let c = fit.fittedComponents
        let iX = ds.firstIndex { Int($0 / day) == xmas[0] }!
        XCTAssertEqual(c.holidays["xmas"]![iX], 6, accuracy: 0.4)
        XCTAssertEqual(c.holidays["xmas"]![iX - 1], -3, accuracy: 0.4)
        XCTAssertEqual(c.holidays["xmas"]![iX + 1], 0, accuracy: 1e-12)
        // Future Christmas (2023) gets the effect too.
        let future = (1...365).map { ds[n - 1] + Int64($0) * day }
        let comps = fit.components(at: future)
        let jX = future.firstIndex { Int($0 / day) == xmas[3] }!
        XCTAssertEqual(comps.holidays["xmas"]![jX], 6, accuracy: 0.4)
        XCTAssertEqual(comps.holidays["xmas"]![jX - 1], -3, accuracy: 0.4)
    }

    /// Logistic growth saturates below the cap.
    func testLogisticGrowth() throws {
        let n = 400
        let ds = (0..<n).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 4)
        let y = (0..<n).map { i in 100 / (1 + exp(-(Double(i) - 200) / 40)) + 0.5 * rng.normal() }
        var o = ProphetOptions()
        o.growth = .logistic
        o.cap = 100
        o.yearly = .off
        o.weekly = .off
        let fit = try Prophet.fit(ds: ds, y: y, options: o)
        let fitted = fit.fittedValues
        var maxErr = 0.0
        for i in 0..<n { maxErr = max(maxErr, abs(fitted[i] - 100 / (1 + exp(-(Double(i) - 200) / 40)))) }
        XCTAssertLessThan(maxErr, 2)
        let future = (1...400).map { ds[n - 1] + Int64($0) * day }
        let f = fit.forecast(at: future, levels: [0.8], seed: 1)
        XCTAssertGreaterThan(f.yhat.last!, 97)
        XCTAssertLessThanOrEqual(f.yhat.max()!, 100)
    }

    func testFlatGrowth() throws {
        let ds = (0..<200).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 5)
        let y = ds.map { 10 + 2 * fourier($0, period: 7, 1).0 + 0.1 * rng.normal() }
        var o = ProphetOptions()
        o.growth = .flat
        let fit = try Prophet.fit(ds: ds, y: y, options: o)
        XCTAssertEqual(fit.k, 0)
        let c = fit.fittedComponents
        XCTAssertEqual(c.trend.first!, c.trend.last!)
        XCTAssertEqual(c.trend[0], 10, accuracy: 0.1)
    }

    /// Automatic seasonalities follow the data's frequency and span, as Prophet's.
    func testAutomaticSeasonalities() throws {
        func names(_ n: Int, every step: Int64) throws -> [String] {
            let ds = (0..<n).map { jan2020 + Int64($0) * step }
            let y = (0..<n).map { Double($0 % 7) + Double($0) * 0.01 }
            return try Prophet.fit(ds: ds, y: y, options: ProphetOptions()).blocks.map(\.name)
        }
        XCTAssertEqual(try names(36, every: 30 * day), ["yearly"])          // monthly-ish, 3 years
        XCTAssertEqual(try names(20, every: 30 * day), [])                  // under two years
        XCTAssertEqual(try names(800, every: day), ["yearly", "weekly"])
        XCTAssertEqual(try names(300, every: day), ["weekly"])
        XCTAssertEqual(try names(24 * 30, every: 3600), ["weekly", "daily"])
    }

    func testAutomaticChangepointsFollowProphet() {
        // 100 rows, 80% -> 80 rows, 25 changepoints at round(linspace(0, 79, 26))[1:].
        let ds = (0..<100).map { Int64($0) }
        let cps = automaticChangepoints(ds: ds, n: 25, range: 0.8)
        XCTAssertEqual(cps.count, 25)
        XCTAssertEqual(cps.first, 3)    // 79/25 = 3.16
        XCTAssertEqual(cps.last, 79)
        XCTAssertEqual(automaticChangepoints(ds: Array(ds.prefix(10)), n: 25, range: 0.8).count, 7)
    }

    func testIntervalsAreSeededAndCalibrated() throws {
        let n = 500
        let ds = (0..<n + 200).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 6)
        let y = (0..<(n + 200)).map { _ in 50 + 2 * rng.normal() }
        var o = ProphetOptions()
        o.yearly = .off
        o.weekly = .off
        let fit = try Prophet.fit(ds: Array(ds.prefix(n)), y: Array(y.prefix(n)), options: o)
        let future = Array(ds.suffix(200))
        let a = fit.forecast(at: future, levels: [0.8, 0.95], seed: 42)
        let b = fit.forecast(at: future, levels: [0.8, 0.95], seed: 42)
        let c = fit.forecast(at: future, levels: [0.8, 0.95], seed: 43)
        XCTAssertEqual(a.lower, b.lower)
        XCTAssertEqual(a.upper, b.upper)
        XCTAssertNotEqual(a.lower, c.lower)
        var inside = 0
        for (h, v) in y.suffix(200).enumerated() where v >= a.lower[0][h] && v <= a.upper[0][h] { inside += 1 }
        XCTAssertEqual(Double(inside) / 200, 0.8, accuracy: 0.08)
        for h in 0..<200 { XCTAssertLessThan(a.lower[1][h], a.lower[0][h]) }
    }

    func testBadInput() {
        func fails(_ y: [Double], _ o: ProphetOptions, _ kind: ProphetError.Kind, _ param: String? = nil,
                   file: StaticString = #filePath, line: UInt = #line) {
            let ds = (0..<y.count).map { jan2020 + Int64($0) * day }
            XCTAssertThrowsError(try Prophet.fit(ds: ds, y: y, options: o), file: file, line: line) { e in
                guard let e = e as? ProphetError else { return XCTFail("\(e)", file: file, line: line) }
                XCTAssertEqual(e.kind, kind, file: file, line: line)
                if let param { XCTAssertEqual(e.parameter, param, "\(e)", file: file, line: line) }
            }
        }
        fails([1], ProphetOptions(), .notEnoughData)
        fails([1, .nan, .nan], ProphetOptions(), .notEnoughData)
        // (a constant series is fitted as Prophet does: testDegenerateSeries)
        var mult = ProphetOptions()
        mult.mode = .multiplicative
        fails([1, 2, -3, 4], mult, .badData, "mode")
        fails([1, 2, .nan, 4], mult, .badData, "mode")
        var logistic = ProphetOptions()
        logistic.growth = .logistic
        fails([1, 2, 3, 4], logistic, .invalidArgument, "cap")
        var custom = ProphetOptions()
        custom.seasonalities = [CustomSeasonality(name: "monthly", period: 0, order: 3)]
        fails([1, 2, 3, 4], custom, .invalidArgument, "seasonality")
        // Missing values are dropped in additive mode, as Prophet does.
        let ds = (0..<30).map { jan2020 + Int64($0) * day }
        XCTAssertNoThrow(try Prophet.fit(ds: ds, y: (0..<30).map { $0 == 10 ? .nan : Double($0) }, options: ProphetOptions()))
    }

    /// Explicit changepoints are used as given; a slope change at one of them is found.
    func testExplicitChangepointsAndNoChangepoints() throws {
        let n = 300
        let ds = (0..<n).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 14)
        var y = [Double]()
        for i in 0..<n {
            let drop: Double = i > 200 ? 0.25 * Double(i - 200) : 0
            y.append(10 + 0.1 * Double(i) - drop + 0.2 * rng.normal())
        }
        var o = ProphetOptions()
        o.weekly = .off
        o.changepoints = [ds[100], ds[200]]
        let fit = try Prophet.fit(ds: ds, y: y, options: o)
        XCTAssertEqual(fit.changepoints, [ds[100], ds[200]])
        // delta on the t scale (t in [0, 1] over the history, y scaled by yScale): per day.
        let perDay = fit.delta.map { $0 * fit.yScale / Double(n - 1) }
        XCTAssertEqual(perDay[0], 0, accuracy: 0.01)
        XCTAssertEqual(perDay[1], -0.25, accuracy: 0.02)
        // No changepoints at all: a single straight line (Prophet's dummy changepoint at 0).
        var none = ProphetOptions()
        none.nChangepoints = 0
        none.weekly = .off
        var yl = [Double]()
        for i in 0..<n { yl.append(3 + 0.5 * Double(i) + 0.1 * rng.normal()) }
        let line = try Prophet.fit(ds: ds, y: yl, options: none)
        XCTAssertEqual(line.changepoints, [])
        let c = line.fittedComponents.trend
        XCTAssertEqual((c[n - 1] - c[0]) / Double(n - 1), 0.5, accuracy: 0.01)
    }

    /// A custom seasonality (period 30.5 days, order 2) is recovered.
    func testCustomSeasonality() throws {
        let n = 500
        let ds = (0..<n).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 15)
        var truth = [Double]()
        let y = ds.map { s -> Double in
            let (s1, c1) = fourier(s, period: 30.5, 1)
            let (s2, _) = fourier(s, period: 30.5, 2)
            let v = 4 * s1 + 2 * c1 - 1.5 * s2
            truth.append(v)
            return 50 + v + 0.3 * rng.normal()
        }
        var o = ProphetOptions()
        o.weekly = .off
        o.seasonalities = [CustomSeasonality(name: "monthly", period: 30.5, order: 2)]
        let fit = try Prophet.fit(ds: ds, y: y, options: o)
        XCTAssertEqual(fit.blocks.map(\.name), ["monthly"])
        let c = fit.fittedComponents.components["monthly"]!
        for i in 0..<n { XCTAssertEqual(c[i], truth[i], accuracy: 0.25) }
    }

    func testSaveLoadRoundTrip() throws {
        let ds = (0..<800).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 7)
        let y = ds.map { 30 + 3 * fourier($0, period: 7, 1).0 + rng.normal() }
        var o = ProphetOptions()
        o.holidays = [Holiday(name: "h", days: [18_300, 18_600], lowerWindow: 0, upperWindow: 1)]
        let fit = try Prophet.fit(ds: ds, y: y, options: o)
        let back = try ProphetFit.deserialize(fit.serialized())
        let future = (1...20).map { ds.last! + Int64($0) * day }
        let a = fit.forecast(at: future, levels: [0.9], seed: 5), b = back.forecast(at: future, levels: [0.9], seed: 5)
        XCTAssertEqual(a.yhat, b.yhat)
        XCTAssertEqual(a.lower, b.lower)
        XCTAssertEqual(fit.fittedValues, back.fittedValues)
        XCTAssertThrowsError(try ProphetFit.deserialize([9, 1, 2]))
        XCTAssertThrowsError(try ProphetFit.deserialize(Array(fit.serialized().prefix(40))))
    }
}

final class ProphetPluginTests: XCTestCase {
    func fit(_ config: any ModelConfig, id: String = "s", y: [Double], ds: [Int64], unit: Int32 = 4) throws -> any FittedModel {
        try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try config.fit(SeriesInput(id: id, y: yb, ds: db, frequencyUnit: unit, frequencyStep: 1))
            }
        }
    }

    func testSchemaAndDescription() throws {
        let a = ProphetAlgorithm()
        let names = a.parameters.map(\.name)
        for p in ["growth", "changepoints", "n_changepoints", "changepoint_range", "changepoint_prior_scale", "yearly", "weekly",
                  "daily", "seasonality", "mode", "seasonality_prior_scale", "holidays", "holidays_prior_scale", "cap", "floor",
                  "interval_width"] {
            XCTAssertTrue(names.contains(p), p)
        }
        let config = try a.configure(ParameterValues(["mode": .string("multiplicative"), "yearly": .json("6"),
                                                      "weekly": .json("false")]))
        let ds = (0..<60).map { jan2020 + Int64($0) * 31 * day }
        let y = (0..<60).map { 100 + Double($0) + 10 * sin(Double($0) * .pi / 6) }
        let m = try fit(config, y: y, ds: ds, unit: 6)
        XCTAssertEqual(m.modelDescription, "prophet(multiplicative, 25 changepoints, yearly 6)")
        let f = try m.predict(ForecastRequest(horizon: 12, levels: [80, 95], seed: 1))
        XCTAssertEqual(f.mean.count, 12)
        XCTAssertEqual(f.lo.count, 2)
        XCTAssertEqual(try m.fittedValues().count, 60)
        // Save and load through the config.
        let back = try config.load(try m.save())
        let g = try back.predict(ForecastRequest(horizon: 12, levels: [80, 95], seed: 1))
        XCTAssertEqual(f.mean, g.mean)
        XCTAssertEqual(f.hi, g.hi)
        // Without future dates the plugin steps by calendar months from the last date.
        XCTAssertEqual(try m.predict(ForecastRequest(horizon: 3)).mean.count, 3)
    }

    /// Constant, all-zero, two-value and length-2 series: a finite forecast with ordered
    /// intervals, as Prophet 1.5 gives (a constant series: the constant, sigma_obs 1e-9,
    /// so intervals of (almost) zero width); one value: a clear error.
    func testDegenerateSeries() throws {
        let cases: [(String, [Double])] = [
            ("constant", [Double](repeating: 5, count: 40)), ("zeros", [Double](repeating: 0, count: 40)),
            ("negative constant", [Double](repeating: -2.5, count: 40)),
            ("two values", (0..<40).map { $0 % 2 == 0 ? 1 : 2 }), ("step", (0..<40).map { $0 < 20 ? 0 : 1 }),
            ("length 2", [3, 7]), ("length 2 constant", [4, 4]),
        ]
        for growth in ["linear", "flat"] {
            let config = try ProphetAlgorithm().configure(ParameterValues(["growth": .string(growth)]))
            for (name, y) in cases {
                let ds = (0..<y.count).map { jan2020 + Int64($0) * day }
                let m = try fit(config, y: y, ds: ds)
                let f = try m.predict(ForecastRequest(horizon: 7, levels: [80, 95], seed: 1))
                for i in 0..<7 {
                    XCTAssertTrue(f.mean[i].isFinite, "\(growth) \(name)")
                    for l in 0..<2 {
                        XCTAssertLessThanOrEqual(f.lo[l][i], f.mean[i], "\(growth) \(name)")
                        XCTAssertLessThanOrEqual(f.mean[i], f.hi[l][i], "\(growth) \(name)")
                    }
                }
                if Set(y).count == 1 {
                    for i in 0..<7 {
                        XCTAssertEqual(f.mean[i], y[0], accuracy: 1e-9, "\(growth) \(name)")
                        // the trend's simulated changes (Laplace scale 1e-8 as Prophet's) and sigma_obs 1e-9
                        XCTAssertEqual(f.hi[1][i] - f.lo[1][i], 0, accuracy: 1e-5 * max(1, abs(y[0])), "\(growth) \(name)")
                    }
                    for v in try m.fittedValues() { XCTAssertEqual(v, y[0], accuracy: 1e-9, "\(growth) \(name)") }
                    let back = try config.load(try m.save())
                    XCTAssertEqual(try back.predict(ForecastRequest(horizon: 7, levels: [80, 95], seed: 1)).mean, f.mean)
                }
            }
            XCTAssertThrowsError(try fit(config, y: [3], ds: [jan2020]))
        }
    }

    func testHolidaysAsRecordsAndCSV() throws {
        let a = ProphetAlgorithm()
        let c1 = try a.configure(ParameterValues(["holidays": .json(#"[{"name": "xmas", "ds": ["2019-12-25", "2020-12-25"], "lower_window": -1, "upper_window": 0}, {"unique_id": "launch", "ds": "2020-06-01", "y": 1}]"#)])) as! ProphetConfig
        XCTAssertEqual(c1.options.holidays.count, 2)
        XCTAssertEqual(c1.options.holidays[0].days, [daysFromCivil(2019, 12, 25), daysFromCivil(2020, 12, 25)])
        XCTAssertEqual(c1.options.holidays[0].lowerWindow, -1)
        XCTAssertEqual(c1.options.holidays[1].name, "launch")
        let path = NSTemporaryDirectory() + "prophet-holidays-\(getpid()).csv"
        try "holiday,ds,lower_window,upper_window\nxmas,2019-12-25,-1,0\nxmas,2020-12-25,-1,0\nnewyear,2020-01-01,0,1\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c2 = try a.configure(ParameterValues(["holidays": .json("\"\(path)\"")])) as! ProphetConfig
        XCTAssertEqual(c2.options.holidays.map(\.name), ["xmas", "newyear"])
        XCTAssertEqual(c2.options.holidays[0].days.count, 2)
        XCTAssertEqual(c2.options.holidays[1].upperWindow, 1)
    }

    func testConfigurationErrorsNameTheParameter() {
        let a = ProphetAlgorithm()
        func err(_ v: [String: ParameterValues.Value], _ param: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try a.configure(ParameterValues(v)), file: file, line: line) { e in
                let m = (e as? PluginError)?.message ?? "\(e)"
                XCTAssertTrue(m.contains("'\(param)'"), m, file: file, line: line)
            }
        }
        err(["growth": .string("logistic")], "cap")
        err(["seasonality": .json(#"[{"name": "monthly", "period": 0, "order": 5}]"#)], "seasonality")
        err(["seasonality": .json(#"[{"name": "monthly", "period": 30.5}]"#)], "seasonality")
        err(["yearly": .json("\"sometimes\"")], "yearly")
        err(["holidays": .json(#"[{"name": "x", "ds": "25/12/2020"}]"#)], "holidays")
        err(["holidays": .json(#"[{"name": "x", "ds": "2020-12-25", "lower_window": 1}]"#)], "holidays")
        err(["mode": .string("exotic")], "mode")
        err(["changepoint_range": .real(1.5)], "changepoint_range")
        err(["cap": .json("[1, 2]"), "growth": .string("logistic")], "cap")
    }

    func testPerSeriesErrorsAndLogisticCapById() throws {
        let a = ProphetAlgorithm()
        let ds = (0..<100).map { jan2020 + Int64($0) * day }
        let y = (0..<100).map { 10 + Double($0) * 0.3 + Double($0 % 7) }
        let config = try a.configure(ParameterValues(["growth": .string("logistic"), "cap": .json(#"{"a": 60, "b": 80}"#)]))
        XCTAssertNoThrow(try fit(config, id: "a", y: y, ds: ds))
        XCTAssertThrowsError(try fit(config, id: "c", y: y, ds: ds)) { e in
            XCTAssertTrue((e as! PluginError).message.contains("'cap'"))
        }
        let mult = try a.configure(ParameterValues(["mode": .string("multiplicative")]))
        XCTAssertThrowsError(try fit(mult, y: [1, -2, 3, 4, 5], ds: Array(ds.prefix(5)))) { e in
            XCTAssertEqual((e as! PluginError).status, 3)
            XCTAssertTrue((e as! PluginError).message.contains("'mode'"))
        }
        let plain = try a.configure(ParameterValues([:]))
        XCTAssertThrowsError(try fit(plain, y: [4], ds: [0])) { e in XCTAssertEqual((e as! PluginError).status, 2) }
        // a constant series is no longer refused: Prophet forecasts the constant (testDegenerateSeries)
        XCTAssertEqual(try fit(plain, y: [4, 4, 4], ds: [0, day, 2 * day]).predict(ForecastRequest(horizon: 2)).mean, [4, 4])
    }

    func testConcurrentFitsAgree() throws {
        let config = try ProphetAlgorithm().configure(ParameterValues([:]))
        let ds = (0..<730).map { jan2020 + Int64($0) * day }
        var rng = TestRNG(state: 8)
        let y = ds.map { 5 + 2 * fourier($0, period: 7, 2).1 + rng.normal() }
        let reference = try fit(config, y: y, ds: ds).predict(ForecastRequest(horizon: 7, levels: [80], seed: 9))
        final class Shared: @unchecked Sendable {
            let config: any ModelConfig
            let y: [Double], ds: [Int64]
            var results = [Forecast?](repeating: nil, count: 8)
            let lock = NSLock()
            init(_ c: any ModelConfig, _ y: [Double], _ ds: [Int64]) { config = c; self.y = y; self.ds = ds }
        }
        let shared = Shared(config, y, ds)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let r = try? shared.y.withUnsafeBufferPointer { yb in
                try shared.ds.withUnsafeBufferPointer { db in
                    try shared.config.fit(SeriesInput(id: "s", y: yb, ds: db, frequencyUnit: 4, frequencyStep: 1))
                        .predict(ForecastRequest(horizon: 7, levels: [80], seed: 9))
                }
            }
            shared.lock.lock()
            shared.results[i] = r
            shared.lock.unlock()
        }
        let results = shared.results
        for r in results {
            XCTAssertEqual(r?.mean, reference.mean)
            XCTAssertEqual(r?.lo, reference.lo)
        }
    }
}

final class ProphetGradientTests: XCTestCase {
    /// The analytic gradient of the objective agrees with central differences, for every
    /// trend and mode, with holidays.
    func testGradientMatchesFiniteDifferences() throws {
        let n = 120
        let ds = (0..<n).map { jan2020 + Int64($0) * day }
        let t = (0..<n).map { Double($0) / Double(n - 1) }
        var rng = TestRNG(state: 11)
        let y = (0..<n).map { i in 0.5 + 0.3 * Double(i) / Double(n) + 0.05 * rng.normal() }
        for growth in ProphetGrowth.allCases {
            for mode in ProphetMode.allCases {
                var o = ProphetOptions()
                o.mode = mode
                o.weekly = .on
                o.holidays = [Holiday(name: "h", days: [18_270, 18_300], lowerWindow: -1, upperWindow: 1)]
                let blocks = makeBlocks(options: o, ds: ds)
                let rows = blocks.map { $0.rows(at: ds) }
                let cps = [0.2, 0.4, 0.6, 0.8]
                let obj = Objective(t: t, y: y, cps: cps, growth: growth, capS: 1.5, tau: 0.05, blocks: blocks, blockRows: rows)
                var x = (0..<obj.nv).map { _ in 0.3 * rng.normal() }
                for l in 0..<(2 * cps.count) { x[2 + l] = abs(x[2 + l]) + 0.01 }
                x[obj.iSigma] = -1
                var g = [Double](repeating: 0, count: obj.nv)
                _ = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { obj.evaluate(xp.baseAddress!, $0.baseAddress!) } }
                for j in 0..<obj.nv {
                    let h = 1e-6
                    var xp = x, xm = x
                    xp[j] += h
                    xm[j] -= h
                    let fp = xp.withUnsafeBufferPointer { obj.evaluate($0.baseAddress!, nil) }
                    let fm = xm.withUnsafeBufferPointer { obj.evaluate($0.baseAddress!, nil) }
                    let num = (fp - fm) / (2 * h)
                    XCTAssertEqual(g[j], num, accuracy: 1e-4 * max(1, abs(num)), "\(growth) \(mode) variable \(j)")
                }
            }
        }
    }
}

final class ProphetNormalEquationTests: XCTestCase {
    /// The structured J'J and J'r equal those of the dense Jacobian, for every trend and
    /// mode, with a mixed-mode design (weekly, yearly, holidays).
    func testStructuredNormalEquationsMatchDense() throws {
        let n = 400
        let ds = (0..<n).map { jan2020 + Int64($0) * day }
        let t = (0..<n).map { Double($0) / Double(n - 1) }
        var rng = TestRNG(state: 12)
        let y = (0..<n).map { i in 0.5 + 0.3 * Double(i) / Double(n) + 0.05 * rng.normal() }
        for growth in ProphetGrowth.allCases {
            for mode in ProphetMode.allCases {
                var o = ProphetOptions()
                o.mode = mode
                o.yearly = .order(3)
                o.weekly = .on
                o.holidaysMode = mode == .additive ? .multiplicative : .additive
                o.holidays = [Holiday(name: "h", days: [18_270, 18_300, 18_500], lowerWindow: -1, upperWindow: 1)]
                let blocks = makeBlocks(options: o, ds: ds)
                let rows = blocks.map { $0.rows(at: ds) }
                let cps = [0.1, 0.3, 0.3, 0.55, 0.8]
                let obj = Objective(t: t, y: y, cps: cps, growth: growth, capS: 1.5, tau: 0.05, blocks: blocks, blockRows: rows)
                let p = 2 + cps.count + obj.K
                for j in 0..<p { obj.th[j] = 0.2 * rng.normal() }
                obj.th[0] = 1.3
                let J = UnsafeMutablePointer<Double>.allocate(capacity: n * p)
                let r = UnsafeMutablePointer<Double>.allocate(capacity: n)
                let G1 = UnsafeMutablePointer<Double>.allocate(capacity: p * p), G2 = UnsafeMutablePointer<Double>.allocate(capacity: p * p)
                let j1 = UnsafeMutablePointer<Double>.allocate(capacity: p), j2 = UnsafeMutablePointer<Double>.allocate(capacity: p)
                defer { [J, r, G1, G2, j1, j2].forEach { $0.deallocate() } }
                let rss1 = obj.jacobian(J, r)
                obj.normalEquations(J, r, G1, j1, p: p)
                let rss2 = obj.structuredNormalEquations(G2, j2, r)
                XCTAssertEqual(rss1, rss2, accuracy: 1e-12 * max(1, rss1))
                for a in 0..<p {
                    XCTAssertEqual(j1[a], j2[a], accuracy: 1e-9 * (1 + abs(j1[a])), "\(growth) \(mode) J'r[\(a)]")
                    for c in 0..<p {
                        XCTAssertEqual(G1[a * p + c], G2[a * p + c], accuracy: 1e-9 * (1 + abs(G1[a * p + c])),
                                       "\(growth) \(mode) G[\(a),\(c)]")
                    }
                }
            }
        }
    }
}

final class ProphetPercentileTests: XCTestCase {
    /// The bracketed selection gives numpy's linear percentile exactly.
    func testPercentileMatchesSorting() {
        var rng = TestRNG(state: 13)
        for n in [1, 2, 5, 100, 255, 256, 1000, 1001] {
            var v = (0..<n).map { _ in rng.normal() }
            if n > 10 { for j in 0..<(n / 10) { v[j * 7 % n] = 1.5 } }   // ties
            let sorted = v.sorted()
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: n + 2)
            defer { scratch.deallocate() }
            for q in [0.0, 0.025, 0.1, 0.25, 0.5, 0.9, 0.975, 1.0] {
                let pos = q * Double(n - 1)
                let lo = Int(pos.rounded(.down)), hi = min(lo + 1, n - 1)
                let expected = sorted[lo] + (pos - Double(lo)) * (sorted[hi] - sorted[lo])
                let got = v.withUnsafeMutableBufferPointer { fastPercentile($0, q, scratch: scratch) }
                XCTAssertEqual(got, expected, accuracy: 1e-12, "n \(n) q \(q)")
            }
        }
    }
}

final class ProphetAgainstProphetTests: XCTestCase {
    /// Prophet 1.5's fit of visnights NSWMetro (additive, last 8 quarters held out), from
    /// bench/prophet/prophet_params.py: same design (y scale, changepoints), and fcast's
    /// optimum has at least Prophet's log posterior on the same objective.
    func testOptimumAtLeastProphets() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/data/visnights.csv").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var ds: [Int64] = [], y: [Double] = []
        for line in text.split(separator: "\n") where line.hasPrefix("NSWMetro,") {
            let f = line.split(separator: ",")
            let d = f[1].split(separator: "-").map { Int($0)! }
            ds.append(Int64(daysFromCivil(d[0], d[1], d[2])) * day)
            y.append(Double(f[2])!)
        }
        ds.removeLast(8)
        y.removeLast(8)
        let fit = try Prophet.fit(ds: ds, y: y, options: ProphetOptions())
        XCTAssertEqual(fit.yScale, 9.579562225899998, accuracy: 1e-9)
        XCTAssertEqual(fit.changepointsT.count, 25)
        XCTAssertEqual(fit.changepointsT[0], 0.029589668137976134, accuracy: 1e-12)
        XCTAssertEqual(fit.changepointsT[2], 0.08925944090240313, accuracy: 1e-12)
        XCTAssertEqual(fit.blocks.map(\.name), ["yearly"])
        let prophet = fit.logPosteriorAt(
            k: -0.18856743, m: -0.12855138,
            delta: [7.7505702e-10, -1.3208001e-11, -5.9484353e-10, -2.6700395e-10, -5.9558971e-10, 5.7431676e-11,
                    -8.6383607e-11, 9.0285034e-10, 3.9077031e-11, 1.2255456e-09, 7.0223782e-05, 0.00018220218,
                    0.00072720614, 0.00036241252, 0.00060392248, 0.000555658, 0.00023341337, 0.00040956525,
                    0.00031237723, 0.00089485766, 0.23999828, 0.00067580903, 0.00028212643, 5.6518187e-05, 0.00034971505],
            sigma: 0.057303861,
            beta: [0.058459359, -1.7179424, -0.074287702, -0.49114272, -0.061336354, -0.87242975, -0.011422474,
                   -0.1240959, -0.013160635, -0.83405234, -0.12565171, -0.11921463, -0.15918257, 1.7029262,
                   0.052235507, 1.0530768, -0.31672933, 1.7526837, 0.11211524, 0.65972795])
        XCTAssertGreaterThanOrEqual(fit.logPosterior, prophet - 1e-9)
        // And the two optima are close: the objective is the same function.
        XCTAssertLessThan(fit.logPosterior - prophet, 1)
    }
}
