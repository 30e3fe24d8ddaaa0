import FcastPluginKit
import PluginNumerics
import XCTest
@testable import EtsModel
@testable import EtsPlugin

/// Missing values in ets: interior ones interpolated (plugins/shared/Interpolation.swift),
/// leading ones cut off, trailing ones forecast across (FcastPluginKit's MissingEndsModel).
final class EtsMissingValueTests: XCTestCase {
    func fit(_ config: any ModelConfig, _ y: [Double]) throws -> any FittedModel {
        let ds = (0..<y.count).map { Int64($0) * 86_400 * 91 }
        return try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try config.fit(SeriesInput(id: "NSWMetro", y: yb, ds: db, frequencyUnit: 7, frequencyStep: 1))
            }
        }
    }

    func testInterpolation() {
        // non-seasonal: linear between the neighbours
        XCTAssertEqual(Interpolation.fillInterior([1, .nan, .nan, 4], period: 1), [1, 2, 3, 4])
        // ends stay missing
        let ends = Interpolation.fillInterior([.nan, 1, .nan, 3, .nan], period: 1)
        XCTAssertTrue(ends[0].isNaN && ends[4].isNaN)
        XCTAssertEqual(ends[2], 2)
        // seasonal: along the season position (10 and 30 around the missing 20), not the
        // neighbours in time (1 and 3)
        let s: [Double] = [10, 1, 2, 3, .nan, 1, 2, 3, 30, 1, 2, 3]
        XCTAssertEqual(Interpolation.fillInterior(s, period: 4)[4], 20)
        // a season position with no observation on one side: linear in time
        let t: [Double] = [.nan, 1, 2, 3, 10, 1, .nan, 3]
        XCTAssertEqual(Interpolation.fillInterior(t, period: 4)[6], 2)
    }

    func testGappedSeriesForecastsAsItsInterpolation() throws {
        let y = exampleSeries("visnights.csv", "NSWMetro")
        var gapped = y
        for i in [0, 12, 13, 40] { gapped[i] = .nan }
        gapped.append(.nan)
        let config = try EtsAlgorithm().configure(ParameterValues([:]))
        let model = try fit(config, gapped)
        var stretch = Array(y.dropFirst())
        for i in [11, 12, 39] { stretch[i] = .nan }
        let reference = try fit(config, Interpolation.fillInterior(stretch, period: 4))
        XCTAssertEqual(model.modelDescription, reference.modelDescription)
        let f = try model.predict(ForecastRequest(horizon: 4, levels: [80, 95]))
        let r = try reference.predict(ForecastRequest(horizon: 5, levels: [80, 95]))
        XCTAssertEqual(f.mean, Array(r.mean.dropFirst()))
        XCTAssertEqual(f.hi[1], Array(r.hi[1].dropFirst()))
        let fitted = try model.fittedValues()
        XCTAssertEqual(fitted.count, gapped.count)
        XCTAssertTrue(fitted[0].isNaN && fitted.last!.isNaN)
        XCTAssertEqual(Array(fitted[1..<(fitted.count - 1)]), try reference.fittedValues())
        let back = try config.load(try model.save())
        XCTAssertEqual(try back.predict(ForecastRequest(horizon: 4)).mean, f.mean)
        // too few observed values: counted from 1, with the first missing point's date
        XCTAssertThrowsError(try fit(config, [1, .nan, .nan, 2])) { e in
            XCTAssertTrue("\(e)".contains("2 missing values, first at point 2 (1970-04-02)"), "\(e)")
        }
    }
}
