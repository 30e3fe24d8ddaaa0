import Foundation
import FcastPluginKit
import XCTest

@testable import NaivePlugin

/// Forecasts and intervals of the naive family against values computed by hand from the
/// formulas of Hyndman & Athanasopoulos, FPP3 §5.5, with σ̂² the mean squared one-step
/// residual (as R's forecast::naive/snaive/rwf compute it).
final class NaiveTests: XCTestCase {
    /// Φ⁻¹(0.90) and Φ⁻¹(0.975), the 80% and 95% multipliers (R: qnorm(0.9), qnorm(0.975)).
    let z80 = 1.2815515655446004
    let z95 = 1.959963984540054

    func forecast(_ kind: NaiveKind, season: Int? = nil, _ y: [Double], h: Int, levels: [Double] = [80, 95]) throws -> Forecast {
        let algorithm = NaiveAlgorithm(kind: kind)
        let config = try algorithm.configure(ParameterValues(season.map { ["season": .int($0)] } ?? [:]))
        let ds = (0..<y.count).map { Int64($0) * 86_400 }
        let model = try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try config.fit(SeriesInput(id: "s", y: yb, ds: db, frequencyUnit: 4, frequencyStep: 1))
            }
        }
        return try model.predict(ForecastRequest(horizon: h, levels: levels))
    }

    func testNormalQuantileMatchesR() {
        XCTAssertEqual(Normal.quantile(0.9), z80, accuracy: 1e-14)
        XCTAssertEqual(Normal.quantile(0.975), z95, accuracy: 1e-14)
        XCTAssertEqual(Normal.quantile(0.5), 0, accuracy: 1e-15)
        XCTAssertEqual(Normal.quantile(1e-10), -6.361340902404056, accuracy: 1e-9)  // qnorm(1e-10)
        XCTAssertEqual(Normal.quantile(0.01), -2.3263478740408408, accuracy: 1e-13) // qnorm(0.01)
    }

    func testNaive() throws {
        // y = 1 3 2 5 4. Residuals y_t - y_{t-1}: 2, -1, 3, -1; σ̂² = (4+1+9+1)/4 = 3.75.
        // Forecast 4 at every step; se_h = sqrt(3.75 h).
        let f = try forecast(.naive, [1, 3, 2, 5, 4], h: 3)
        XCTAssertEqual(f.mean, [4, 4, 4])
        for h in 1...3 {
            let se = (3.75 * Double(h)).squareRoot()
            XCTAssertEqual(f.lo[0][h - 1], 4 - z80 * se, accuracy: 1e-12)
            XCTAssertEqual(f.hi[1][h - 1], 4 + z95 * se, accuracy: 1e-12)
        }
        // h = 1, 80%: 4 ± 1.2815516·1.9364917 = 4 ± 2.4817139 = [1.5182861, 6.4817139]
        XCTAssertEqual(f.lo[0][0], 1.5182861, accuracy: 1e-7)
        XCTAssertEqual(f.hi[0][0], 6.4817139, accuracy: 1e-7)
    }

    func testSeasonalNaive() throws {
        // Quarterly, m = 4. Residuals y_t - y_{t-4}: 2 2 3 1 2 3 2 3; σ̂² = 44/8 = 5.5.
        // Forecasts repeat the last season 14 25 35 44; se = sqrt(5.5) for h = 1..4, sqrt(11) for h = 5..8.
        let y: [Double] = [10, 20, 30, 40, 12, 22, 33, 41, 14, 25, 35, 44]
        let f = try forecast(.snaive, season: 4, y, h: 6)
        XCTAssertEqual(f.mean, [14, 25, 35, 44, 14, 25])
        XCTAssertEqual(f.hi[0][0] - f.mean[0], z80 * 5.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(f.hi[0][3] - f.mean[3], z80 * 5.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(f.hi[0][4] - f.mean[4], z80 * 11.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(f.lo[1][5], 25 - z95 * 11.0.squareRoot(), accuracy: 1e-12)
        // 80% at h = 1: 14 ± 1.2815516·2.3452079 = 14 ± 3.0055048 = [10.9944952, 17.0055048]
        XCTAssertEqual(f.lo[0][0], 10.9944952, accuracy: 1e-7)
    }

    func testMean() throws {
        // y = 1 2 3 4 10: mean 4, sample variance 50/4 = 12.5; se = sqrt(12.5·(1 + 1/5)) = sqrt(15).
        let f = try forecast(.mean, [1, 2, 3, 4, 10], h: 2)
        XCTAssertEqual(f.mean, [4, 4])
        XCTAssertEqual(f.hi[0][1], 4 + z80 * 15.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(f.lo[1][0], 4 - z95 * 15.0.squareRoot(), accuracy: 1e-12)
    }

    func testDrift() throws {
        // y = 1 3 2 5 4: slope b = (4 - 1)/4 = 0.75; forecasts 4.75, 5.5, 6.25.
        // Residuals 2-b, -1-b, 3-b, -1-b = 1.25 -1.75 2.25 -1.75, Σe² = 12.75;
        // σ̂² = 12.75/3 = 4.25 (one degree of freedom to the slope); Var(b̂) = 4.25/4 = 1.0625;
        // se_h² = 4.25 h + 1.0625 h²: 5.3125, 12.75, 22.3125. R 4.2.2, forecast 8.20:
        // ((rwf(c(1,3,2,5,4), drift=TRUE, h=3, level=80)$upper - mean) / qnorm(0.9))^2 gives the same.
        let f = try forecast(.drift, [1, 3, 2, 5, 4], h: 3)
        XCTAssertEqual(f.mean[0], 4.75, accuracy: 1e-12)
        XCTAssertEqual(f.mean[2], 6.25, accuracy: 1e-12)
        for (h, v) in [5.3125, 12.75, 22.3125].enumerated() {
            XCTAssertEqual(f.hi[0][h] - f.mean[h], z80 * v.squareRoot(), accuracy: 1e-12)
        }
    }

    /// visnights NSWMetro (76 quarters), h 3, 80% and 95%: R 4.2.2 with forecast 8.20,
    /// rwf(y, h = 3, drift = TRUE, level = c(80, 95)), printed with 15 digits.
    func testDriftMatchesRsRwfOnVisnights() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/data/visnights.csv")
        let y = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("NSWMetro,") }.map { Double($0.split(separator: ",")[2])! }
        XCTAssertEqual(y.count, 76)
        let f = try forecast(.drift, y, h: 3)
        let mean = [7.862692594804, 7.847108347408, 7.831524100012]
        let lo80 = [6.30758488332956, 5.63343243593049, 5.10278755349353]
        let hi95 = [10.2410246015034, 11.2326335003472, 12.0047665182378]
        for h in 0..<3 {
            XCTAssertEqual(f.mean[h], mean[h], accuracy: 1e-9)
            XCTAssertEqual(f.lo[0][h], lo80[h], accuracy: 1e-9)
            XCTAssertEqual(f.hi[1][h], hi95[h], accuracy: 1e-9)
        }
    }

    func testTooShortSeriesIsAClearError() {
        XCTAssertThrowsError(try forecast(.snaive, season: 12, [1, 2, 3], h: 2)) { error in
            let e = error as! PluginError
            XCTAssertEqual(Int(e.status), 2)  // FC_ERR_NOT_ENOUGH_DATA
            XCTAssertTrue(e.message.contains("at least 13 points"), e.message)
            XCTAssertTrue(e.message.contains("series has 3"), e.message)
        }
    }

    /// Constant, all-zero, two-value and length-2 series: every method gives a finite
    /// forecast with lo <= mean <= hi (zero-width where the residuals are all zero), or a
    /// clear error when the series is too short for it; never NaN.
    func testDegenerateSeries() throws {
        let cases: [(String, [Double])] = [
            ("constant", [Double](repeating: 5, count: 24)), ("zeros", [Double](repeating: 0, count: 24)),
            ("two values", (0..<24).map { $0 % 2 == 0 ? 1 : 2 }), ("step", (0..<24).map { $0 < 12 ? 0 : 1 }),
            ("length 2", [3, 7]), ("length 2 constant", [4, 4]),
        ]
        for kind in [NaiveKind.naive, .snaive, .mean, .drift] {
            for (name, y) in cases {
                let season: Int? = kind == .snaive ? 4 : nil
                // too short: snaive needs a season plus one, drift 3 points (a slope and its variance)
                if (kind == .snaive && y.count <= 4) || (kind == .drift && y.count < 3) {
                    XCTAssertThrowsError(try forecast(kind, season: season, y, h: 6), "\(kind) \(name)") { error in
                        XCTAssertEqual(Int((error as! PluginError).status), 2, "\(kind) \(name)")  // FC_ERR_NOT_ENOUGH_DATA
                    }
                    continue
                }
                let f = try forecast(kind, season: season, y, h: 6)
                for i in 0..<6 {
                    XCTAssertTrue(f.mean[i].isFinite, "\(kind) \(name)")
                    for l in 0..<2 {
                        XCTAssertTrue(f.lo[l][i].isFinite && f.hi[l][i].isFinite, "\(kind) \(name)")
                        XCTAssertLessThanOrEqual(f.lo[l][i], f.mean[i], "\(kind) \(name)")
                        XCTAssertLessThanOrEqual(f.mean[i], f.hi[l][i], "\(kind) \(name)")
                    }
                    if Set(y).count == 1 {
                        XCTAssertEqual(f.mean[i], y[0], "\(kind) \(name)")
                        XCTAssertEqual(f.hi[1][i], f.lo[1][i], "\(kind) \(name)")
                    }
                }
            }
        }
        XCTAssertThrowsError(try forecast(.naive, [5], h: 2))
        XCTAssertThrowsError(try forecast(.mean, [5], h: 2))
    }

    func fit(_ kind: NaiveKind, season: Int? = nil, _ y: [Double]) throws -> any FittedModel {
        let config = try NaiveAlgorithm(kind: kind).configure(ParameterValues(season.map { ["season": .int($0)] } ?? [:]))
        let ds = (0..<y.count).map { Int64($0) * 86_400 }
        return try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try config.fit(SeriesInput(id: "s", y: yb, ds: db, frequencyUnit: 4, frequencyStep: 1))
            }
        }
    }

    /// Missing values as R's forecast::naive/snaive/meanf (lagwalk): σ̂² from the pairs of
    /// observations `lag` apart that are both present, the last observed value carried
    /// forward (at the same season position). Figures by hand below.
    func testMissingValuesNaive() throws {
        // y = 1 3 NA 5 4: pairs (1,3) and (5,4) give residuals 2 and -1, σ̂² = 5/2 = 2.5.
        let model = try fit(.naive, [1, 3, .nan, 5, 4])
        let f = try model.predict(ForecastRequest(horizon: 2, levels: [80]))
        XCTAssertEqual(f.mean, [4, 4])
        XCTAssertEqual(f.hi[0][1] - 4, z80 * (2.5 * 2).squareRoot(), accuracy: 1e-12)
        let fitted = try model.fittedValues()
        XCTAssertTrue(fitted[0].isNaN)
        XCTAssertEqual(Array(fitted.dropFirst()), [1, 3, 3, 5])   // the missing point carries 3 forward
        // Trailing missing values: the forecast is the last observation, and the intervals
        // widen from there (h = 1 is 3 steps after the last observation): σ̂² = 3.75 as testNaive.
        let t = try fit(.naive, [1, 3, 2, 5, 4, .nan, .nan]).predict(ForecastRequest(horizon: 1, levels: [80]))
        XCTAssertEqual(t.mean, [4])
        XCTAssertEqual(t.hi[0][0] - 4, z80 * (3.75 * 3).squareRoot(), accuracy: 1e-12)
    }

    func testMissingValuesSeasonalNaive() throws {
        // Quarterly; points 6 and 12 missing. Pairs four apart with both present: 12-10, 33-30,
        // 41-40, 14-12, 35-33 = 2 3 1 2 2; σ̂² = 22/5 = 4.4. The last season is 14 25 35 and,
        // for the missing fourth quarter, the last observed fourth quarter, 41.
        let y: [Double] = [10, 20, 30, 40, 12, .nan, 33, 41, 14, 25, 35, .nan]
        let model = try fit(.snaive, season: 4, y)
        let f = try model.predict(ForecastRequest(horizon: 5, levels: [80]))
        XCTAssertEqual(f.mean, [14, 25, 35, 41, 14])
        XCTAssertEqual(f.hi[0][0] - f.mean[0], z80 * 4.4.squareRoot(), accuracy: 1e-12)
        // The fourth quarter's forecast is two seasons from its last observation (one trailing gap).
        XCTAssertEqual(f.hi[0][3] - f.mean[3], z80 * 8.8.squareRoot(), accuracy: 1e-12)
        let fitted = try model.fittedValues()
        XCTAssertEqual(fitted.count, 12)
        XCTAssertEqual(fitted[9], 20)   // y[5] is missing: its filled value is y[1] = 20
    }

    func testMissingValuesMeanAndDrift() throws {
        // mean ignores missing values: 2 4 6, mean 4, sample variance 4, T = 3 observed.
        let m = try fit(.mean, [2, .nan, 4, 6]).predict(ForecastRequest(horizon: 1, levels: [95]))
        XCTAssertEqual(m.mean, [4])
        XCTAssertEqual(m.hi[0][0] - 4, z95 * (4 * (1 + 1.0 / 3)).squareRoot(), accuracy: 1e-12)
        // drift: a leading missing value is dropped; the line from the first observation (1)
        // to the last (8, three steps later... four): slope 7/4 = 1.75. Residuals of the
        // present pairs (1,3) and (7,8): 0.25, -0.75; ss = 0.625, σ̂² = ss/(2-1) = 0.625,
        // Var(b̂) = ss/(2-1)/4 = 0.15625. h = 1: 8 + 1.75 = 9.75, se = sqrt(0.625 + 0.15625).
        let model = try fit(.drift, [.nan, 1, 3, .nan, 7, 8])
        let d = try model.predict(ForecastRequest(horizon: 1, levels: [80]))
        XCTAssertEqual(d.mean[0], 9.75, accuracy: 1e-12)
        XCTAssertEqual(d.hi[0][0] - 9.75, z80 * 0.78125.squareRoot(), accuracy: 1e-12)
        let fitted = try model.fittedValues()
        XCTAssertEqual(fitted.count, 6)
        XCTAssertTrue(fitted[0].isNaN && fitted[1].isNaN)
        XCTAssertEqual(Array(fitted[2...]), [2.75, 4.75, 4.75, 8.75])
        // A trailing gap moves the line on: two steps after 8 is 8 + 3·1.75.
        let g = try fit(.drift, [1, 3, .nan, 7, 8, .nan]).predict(ForecastRequest(horizon: 1))
        XCTAssertEqual(g.mean[0], 8 + 2 * 1.75, accuracy: 1e-12)
        // Saved and loaded, the gap and the observed count survive.
        let config = try NaiveAlgorithm(kind: .mean).configure(ParameterValues([:]))
        let mean = try fit(.mean, [2, .nan, 4, 6, .nan])
        let restored = try config.load(try mean.save())
        XCTAssertEqual(try restored.predict(ForecastRequest(horizon: 1, levels: [95])).hi,
                       try mean.predict(ForecastRequest(horizon: 1, levels: [95])).hi)
    }

    func testTooFewObservedValuesSayWhereTheGapsAre() {
        XCTAssertThrowsError(try fit(.naive, [1, .nan, .nan, .nan])) { error in
            let e = error as! PluginError
            XCTAssertEqual(Int(e.status), 2)
            XCTAssertTrue(e.message.contains("3 missing values, first at point 2 (1970-01-02)"), e.message)
        }
        // Observed values but no pair one step apart: no residual variance.
        XCTAssertThrowsError(try fit(.naive, [1, .nan, 3, .nan, 5])) { error in
            XCTAssertTrue((error as! PluginError).message.contains("two observed values 1 point apart"),
                          (error as! PluginError).message)
        }
        XCTAssertThrowsError(try fit(.naive, [1, .infinity, 3])) { error in
            XCTAssertTrue((error as! PluginError).message.contains("point 2 of 3 is inf"), (error as! PluginError).message)
        }
    }

    func testSaveAndLoadGiveTheSameForecast() throws {
        let algorithm = NaiveAlgorithm(kind: .drift)
        let config = try algorithm.configure(ParameterValues([:]))
        let y: [Double] = [3, 5, 4, 8, 9, 12]
        let ds = (0..<y.count).map { Int64($0) }
        let model = try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { try config.fit(SeriesInput(id: "s", y: yb, ds: $0, frequencyUnit: 4, frequencyStep: 1)) }
        }
        let restored = try config.load(try model.save())
        let request = ForecastRequest(horizon: 4, levels: [90])
        let a = try model.predict(request), b = try restored.predict(request)
        XCTAssertEqual(a.mean, b.mean)
        XCTAssertEqual(a.lo, b.lo)
        let fitted = try model.fittedValues(), restoredFitted = try restored.fittedValues()
        XCTAssertTrue(fitted[0].isNaN && restoredFitted[0].isNaN)
        XCTAssertEqual(Array(fitted.dropFirst()), Array(restoredFitted.dropFirst()))
        // y_{t-1} + b with b = (12 - 3)/5 = 1.8
        let expected: [Double] = [4.8, 6.8, 5.8, 9.8, 10.8]
        for (a, b) in zip(fitted.dropFirst(), expected) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertThrowsError(try config.load([9, 1, 2]))
    }
}
