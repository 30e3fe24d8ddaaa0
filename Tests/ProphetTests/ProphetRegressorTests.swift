// Prophet with extra regressors (add_regressor) against Prophet 1.5.0 (PyPI, in a
// throwaway venv: python3 -m venv /tmp/pvenv; /tmp/pvenv/bin/pip install prophet==1.5.0),
// recorded with Tests/reference/regressors/prophet_xreg.py run in examples/data: per series
// of examples/data/consumption.csv, Prophet() with add_regressor("income") and
// add_regressor("promo") (defaults: standardize "auto", prior scale 10, additive), fitted,
// then predict() on the 8 quarters of examples/data/consumption_future.csv. Prophet finds
// the MAP with Stan's L-BFGS and stops at its tolerances; fcast's prophet solves the same
// MAP exactly (Fit.swift), so yhat agrees to within 0.02 (y ranges over about -1 .. 3) and
// the regressors' standardisation (mean, sample std; binary promo left as it is) exactly.
import FcastPluginKit
import XCTest

@testable import ProphetModel
@testable import ProphetPlugin

final class ProphetRegressorTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Rows { var ds: [Int64] = []; var y: [Double] = []; var income: [Double] = []; var promo: [Double] = [] }

    static func read(_ file: String) throws -> [String: Rows] {
        let text = try String(contentsOf: root.appendingPathComponent("examples/data/" + file), encoding: .utf8)
        var out: [String: Rows] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            let d = f[1].split(separator: "-").map { Int($0)! }
            var r = out[f[0]] ?? Rows()
            r.ds.append(Int64(daysFromCivil(d[0], d[1], d[2])) * 86_400)
            r.y.append(Double(f[2])!); r.income.append(Double(f[3])!); r.promo.append(Double(f[4])!)
            out[f[0]] = r
        }
        return out
    }

    // Prophet 1.5.0: extra_regressors mu/std and predict(future).yhat
    static let reference: [String: (income: (Double, Double), yhat: [Double])] = [
        "north": ((0.547409375, 0.8233334433620035),
                  [0.821486, 0.612274, 1.106863, 1.400597, 1.582683, 0.713646, 0.997744, 0.133664]),
        "south": ((0.7321109374999999, 1.0393559209979),
                  [1.336491, 0.517921, 0.662023, 0.804446, 0.950473, 0.730424, 0.344350, 1.024222]),
    ]

    func testAddRegressorMatchesProphet() throws {
        let hist = try Self.read("consumption.csv"), fut = try Self.read("consumption_future.csv")
        for (id, ref) in Self.reference {
            let h = hist[id]!, f = fut[id]!
            let fit = try Prophet.fit(ds: h.ds, y: h.y, regressors: [h.income, h.promo], options: ProphetOptions())
            let kinds = fit.blocks.compactMap { b -> (Double, Double)? in
                if case .regressor(_, let mu, let std) = b.kind { return (mu, std) } else { return nil }
            }
            XCTAssertEqual(kinds.count, 2)
            XCTAssertEqual(kinds[0].0, ref.income.0, accuracy: 1e-12, "\(id) income mean")
            XCTAssertEqual(kinds[0].1, ref.income.1, accuracy: 1e-12, "\(id) income std")
            XCTAssertEqual(kinds[1].0, 0); XCTAssertEqual(kinds[1].1, 1)   // binary: not standardised
            let fc = fit.forecast(at: f.ds, levels: [], seed: 1, regressors: [f.income, f.promo])
            for s in 0..<8 { XCTAssertEqual(fc.yhat[s], ref.yhat[s], accuracy: 0.02, "\(id) h=\(s + 1)") }
            // the regressors matter: without them (or with promo switched) the forecasts move
            let flipped = fit.forecast(at: f.ds, levels: [], seed: 1, regressors: [f.income, f.promo.map { 1 - $0 }])
            XCTAssertGreaterThan(zip(flipped.yhat, fc.yhat).map { abs($0 - $1) }.max()!, 0.05)
            // saved and loaded, the same numbers
            let back = try ProphetFit.deserialize(fit.serialized())
            XCTAssertEqual(back.forecast(at: f.ds, levels: [], seed: 1, regressors: [f.income, f.promo]).yhat, fc.yhat)
            XCTAssertEqual(back.fittedValues, fit.fittedValues)
        }
    }

    func testPluginPassesRegressorsAndNeedsTheirFuture() throws {
        let hist = try Self.read("consumption.csv"), fut = try Self.read("consumption_future.csv")
        let h = hist["north"]!, f = fut["north"]!
        let config = try ProphetAlgorithm().configure(ParameterValues([:]))
        XCTAssertTrue(ProphetAlgorithm().capabilities.contains(.exogenous))
        let x = (0..<h.y.count).flatMap { [h.income[$0], h.promo[$0]] }
        let model = try h.y.withUnsafeBufferPointer { yb in
            try h.ds.withUnsafeBufferPointer { db in
                try x.withUnsafeBufferPointer { xb in
                    try config.fit(SeriesInput(id: "north", y: yb, ds: db, frequencyUnit: 7, frequencyStep: 1, x: xb, regressorCount: 2))
                }
            }
        }
        XCTAssertTrue(model.modelDescription!.contains("2 regressors"), model.modelDescription!)
        let futureX = (0..<8).flatMap { [f.income[$0], f.promo[$0]] }
        let fc = try model.predict(ForecastRequest(horizon: 8, futureDs: f.ds, levels: [80], seed: 1, futureX: futureX, regressorCount: 2))
        for s in 0..<8 { XCTAssertEqual(fc.mean[s], Self.reference["north"]!.yhat[s], accuracy: 0.02) }
        XCTAssertEqual(try model.fittedValues().count, 64)
        XCTAssertThrowsError(try model.predict(ForecastRequest(horizon: 8, futureDs: f.ds, seed: 1))) { e in
            XCTAssertTrue("\((e as! PluginError).message)".contains("needs their future values"), "\(e)")
        }
        var missing = futureX
        missing[5] = .nan   // step 3, promo
        XCTAssertThrowsError(try model.predict(ForecastRequest(horizon: 8, futureDs: f.ds, seed: 1, futureX: missing, regressorCount: 2))) { e in
            XCTAssertEqual((e as! PluginError).message, "prophet: future value 3 of regressor 2 is missing")
        }
    }
}
