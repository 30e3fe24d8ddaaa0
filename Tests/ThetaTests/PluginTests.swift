import FcastPluginKit
import XCTest
@testable import ThetaModel
@testable import ThetaPlugin
import PluginNumerics

/// The plugin layer: options, the default season from the data's frequency, errors as the
/// ABI's statuses, save/load through the kit's types.
final class ThetaPluginTests: XCTestCase {
    func fit(_ config: any ModelConfig, y: [Double], unit: Int32) throws -> any FittedModel {
        let ds = (0..<y.count).map { Int64($0) }
        return try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try config.fit(SeriesInput(id: "s", y: yb, ds: db, frequencyUnit: unit, frequencyStep: 1))
            }
        }
    }

    func testOptionsSeasonAndSaveLoad() throws {
        let a = ThetaAlgorithm()
        XCTAssertEqual(Set(a.parameters.map(\.name)), ["model", "decomposition", "season"])
        let y = exampleSeries("visnights", "NSWMetro")
        // Quarterly data: season 4 from the frequency.
        let auto = try fit(try a.configure(ParameterValues([:])), y: y, unit: 7)
        XCTAssertTrue(auto.modelDescription!.hasSuffix("x seasonal[4]"), auto.modelDescription!)
        let dotm = try a.configure(ParameterValues(["model": .string("DOTM"), "season": .int(1)]))
        let m = try fit(dotm, y: y, unit: 7)
        XCTAssertTrue(m.modelDescription!.hasPrefix("DOTM(theta="), m.modelDescription!)
        XCTAssertFalse(m.modelDescription!.contains("seasonal"))
        let request = ForecastRequest(horizon: 8, levels: [80, 95], seed: 11)
        let back = try dotm.load(try m.save())
        let f1 = try m.predict(request), f2 = try back.predict(request)
        XCTAssertEqual(f1.mean, f2.mean)
        XCTAssertEqual(f1.lo, f2.lo)
        XCTAssertEqual(f1.hi, f2.hi)
        XCTAssertEqual(try m.fittedValues(), try back.fittedValues())
        XCTAssertEqual(try m.fittedValues().count, y.count)
    }

    func testErrors() throws {
        let a = ThetaAlgorithm()
        XCTAssertThrowsError(try a.configure(ParameterValues(["model": .string("XTM")])))
        XCTAssertThrowsError(try a.configure(ParameterValues(["decomposition": .string("both")])))
        let c = try a.configure(ParameterValues([:]))
        XCTAssertThrowsError(try fit(c, y: [1, 2, 3], unit: 6)) { e in
            XCTAssertEqual((e as? PluginError)?.status, PluginError.notEnoughData("").status)
        }
        XCTAssertThrowsError(try fit(c, y: [1, 2, .infinity, 4, 5, 6], unit: 6)) { e in
            XCTAssertEqual((e as? PluginError)?.status, PluginError.badData("").status)
            XCTAssertTrue("\(e)".contains("point 3 of 6"), "\(e)")
        }
        XCTAssertThrowsError(try fit(c, y: [1, .nan, .nan, .nan, 5, .nan], unit: 6)) { e in
            XCTAssertEqual((e as? PluginError)?.status, PluginError.notEnoughData("").status)
            XCTAssertTrue("\(e)".contains("4 missing values, first at point 2"), "\(e)")
        }
        XCTAssertThrowsError(try c.load([7, 7, 7]))
    }

    /// Missing values: interior ones interpolated (plugins/shared/Interpolation.swift), a
    /// leading one cut off, trailing ones forecast across. The gapped series forecasts as the
    /// interpolated one does, shifted by the trailing gap.
    func testMissingValuesAreInterpolated() throws {
        let y = exampleSeries("visnights", "NSWMetro")
        var gapped = y
        for i in [0, 9, 10, 30] { gapped[i] = .nan }
        gapped += [.nan, .nan]
        let c = try ThetaAlgorithm().configure(ParameterValues([:]))
        let model = try fit(c, y: gapped, unit: 7)
        var stretch = y
        for i in [9, 10, 30] { stretch[i] = .nan }
        let filled = Interpolation.fillInterior(Array(stretch.dropFirst()), period: 4)
        // quarterly: points 10 and 11 (Q2, Q3 of 2000) from the same quarters a year apart
        XCTAssertEqual(filled[8], (y[5] + y[13]) / 2, accuracy: 1e-12)
        let reference = try fit(c, y: filled, unit: 7)
        let request = ForecastRequest(horizon: 4, levels: [80], seed: 3)
        let f = try model.predict(request)
        let r = try reference.predict(ForecastRequest(horizon: 6, levels: [80], seed: 3))
        XCTAssertEqual(f.mean, Array(r.mean.dropFirst(2)))
        let fitted = try model.fittedValues()
        XCTAssertEqual(fitted.count, gapped.count)
        XCTAssertTrue(fitted[0].isNaN && fitted.last!.isNaN && fitted[5].isFinite)
        let back = try c.load(try model.save())
        XCTAssertEqual(try back.predict(request).mean, f.mean)
        XCTAssertEqual(try back.predict(request).hi, f.hi)
    }
}
