import FcastCore
import Foundation
import GlobalModel
import XCTest

/// global_xgb with exogenous regressors as features: on examples/data/consumption.csv
/// (quarterly, two series, y driven by income and a promo flag plus AR(1) noise; the next 8
/// quarters in consumption_future.csv) the model reads the regressors: flipping the future
/// promo flags moves its forecasts, a save/load keeps the regressor features, and a forecast
/// without future values is refused. (On these 2 x 64 points the trees do not beat the
/// model without regressors: MAE 0.456 against 0.402; both are printed.)
final class GlobalRegressorTests: XCTestCase {
    static func load(_ file: String) throws -> Panel {
        var o = LongCSVOptions()
        o.regressors = ["income", "promo"]
        return try LongCSV.load(path: Employment.root.appendingPathComponent("examples/data/" + file).path, options: o)
    }

    func testRegressorFeaturesAreRead() throws {
        let hist = try Self.load("consumption.csv"), fut = try Self.load("consumption_future.csv")
        var p = BoostParameters()
        p.eta = 0.1
        p.maxDepth = 3
        func series(_ i: Int, withX: Bool) -> SeriesData {
            let r = hist.range(i), f = fut.range(fut.index(of: hist.ids[i])!)
            return SeriesData(id: hist.ids[i], y: Array(hist.y[r]), ds: Array(hist.ds[r]),
                              x: withX ? (0..<2).map { Array(hist.regressors[$0][r]) + Array(fut.regressors[$0][f]) } : [])
        }
        var mae: [Bool: Double] = [:]
        for withX in [false, true] {
            let spec = FeatureSpec(lags: [1, 2, 3, 4], windows: [4], differences: [1, 4], season: 4, month: true, weekday: false,
                                   seriesID: true, regressors: withX ? 2 : 0)
            let train = (0..<hist.count).map { series($0, withX: withX) }
            let model = try GlobalModel.fit(series: train, spec: spec, parameters: p, rounds: 100, calibrationSteps: 4)
            var sum = 0.0
            for (i, s) in train.enumerated() {
                let f = fut.range(fut.index(of: s.id)!)
                let fc = try model.forecast(s, horizon: 8, futureDs: Array(fut.ds[f]))
                let errors: [Double] = zip(fc, fut.y[f]).map { abs($0.0 - $0.1) }
                sum += errors.reduce(0, +)
                if withX {
                    // saved and loaded, the regressor features are still there: the same numbers
                    let back = try GlobalModel.load(try model.save(), parameters: p)
                    XCTAssertEqual(back.spec.regressors, 2)
                    XCTAssertEqual(try back.forecast(s, horizon: 8, futureDs: Array(fut.ds[f])), fc)
                    // the future regressors are read: other promo flags, other forecasts
                    var flipped = s
                    flipped.x[1] = flipped.x[1].enumerated().map { $0.offset >= s.y.count ? 1 - $0.element : $0.element }
                    let other = try model.forecast(flipped, horizon: 8, futureDs: Array(fut.ds[f]))
                    XCTAssertGreaterThan(zip(other, fc).map { abs($0 - $1) }.max()!, 0.01, "series \(s.id)")
                    // without future values the forecast is refused, naming the series
                    var short = s
                    short.x = short.x.map { Array($0.prefix(s.y.count)) }
                    XCTAssertThrowsError(try model.forecast(short, horizon: 8, futureDs: [])) { e in
                        XCTAssertTrue("\(e)".contains("series '\(s.id)' needs their values over the 8 steps"), "\(e)")
                    }
                }
            }
            mae[withX] = sum / Double(8 * hist.count)
        }
        print("global_xgb consumption MAE without regressors \(mae[false]!), with \(mae[true]!)")
        XCTAssertLessThan(mae[true]!, 1.5 * mae[false]!, "with regressors \(mae[true]!) against without \(mae[false]!)")
    }
}
