import FcastPluginKit
import Foundation
import PluginNumerics
import XCTest
@testable import EtsPlugin

/// Box-Cox (plugins/shared/BoxCox.swift). No R is installed here to record a
/// BoxCox.lambda value, so Guerrero's method is checked on series whose answer is known
/// by construction: the coefficient of variation of sd_i / mean_i^(1−λ) is zero at λ = 0
/// when the spread grows with the level (multiplicative seasonality) and at λ = 1 when it
/// does not (additive).
final class BoxCoxTests: XCTestCase {
    func testRoundTrip() {
        for lambda in [-0.5, 0, 0.3, 1, 2] {
            for y in [0.5, 1, 7.25, 1234.5] {
                let z = BoxCox.transform(y, lambda: lambda)
                XCTAssertEqual(BoxCox.inverse(z, lambda: lambda), y, accuracy: 1e-9 * y, "lambda \(lambda)")
            }
        }
        XCTAssertEqual(BoxCox.transform(Foundation.exp(2), lambda: 0), 2, accuracy: 1e-12)
        XCTAssertEqual(BoxCox.transform(9, lambda: 0.5), 4, accuracy: 1e-12)   // (3 - 1) / 0.5
        XCTAssertEqual(BoxCox.parse(json: "\"auto\""), .auto)
        XCTAssertEqual(BoxCox.parse(json: "0.5"), .fixed(0.5))
        XCTAssertNil(BoxCox.parse(json: "\"guerrero\""))
    }

    func testGuerreroOnSeriesWithAKnownAnswer() {
        let season: [Double] = [1.2, 0.8, 1.1, 0.9]
        // Multiplicative: level doubles every 8 quarters, seasonal factors multiply it.
        var multiplicative: [Double] = []
        for t in 0..<40 {
            let level: Double = 100 * Foundation.pow(2.0, Double(t) / 8)
            multiplicative.append(level * season[t % 4])
        }
        XCTAssertEqual(BoxCox.guerrero(multiplicative, period: 4), 0, accuracy: 1e-3)
        // Additive: a trend plus seasonal offsets that do not grow with it.
        var additive: [Double] = []
        for t in 0..<40 { additive.append(100 + 5 * Double(t) + 10 * season[t % 4]) }
        XCTAssertEqual(BoxCox.guerrero(additive, period: 4), 1, accuracy: 1e-3)
        // Too short (two seasons or less): 1, as BoxCox.lambda.
        XCTAssertEqual(BoxCox.guerrero(Array(multiplicative.prefix(8)), period: 4), 1)
        // A gap does not stop it.
        var gapped = multiplicative
        gapped[13] = .nan
        // (that year lacks one seasonal factor, so its spread and mean move a little)
        XCTAssertEqual(BoxCox.guerrero(gapped, period: 4), 0, accuracy: 0.05)
    }

    func testEtsWithLambdaZeroIsEtsOfTheLogs() throws {
        let y = exampleSeries("visnights.csv", "NSWMetro")
        func fit(_ values: [Double], _ params: [String: ParameterValues.Value]) throws -> any FittedModel {
            let config = try EtsAlgorithm().configure(ParameterValues(params))
            let ds = (0..<values.count).map { Int64($0) * 86_400 * 91 }
            return try values.withUnsafeBufferPointer { yb in
                try ds.withUnsafeBufferPointer { db in
                    try config.fit(SeriesInput(id: "s", y: yb, ds: db, frequencyUnit: 7, frequencyStep: 1))
                }
            }
        }
        let transformed = try fit(y, ["lambda": .json("0"), "model": .string("AAA")])
        let logs = try fit(y.map { Foundation.log($0) }, ["model": .string("AAA")])
        let request = ForecastRequest(horizon: 6, levels: [80])
        let a = try transformed.predict(request), b = try logs.predict(request)
        for h in 0..<6 {
            XCTAssertEqual(a.mean[h], Foundation.exp(b.mean[h]), accuracy: 1e-9)
            XCTAssertEqual(a.hi[0][h], Foundation.exp(b.hi[0][h]), accuracy: 1e-9)
        }
        XCTAssertTrue(transformed.modelDescription!.hasSuffix("lambda 0.0"), transformed.modelDescription!)
        let back = try EtsAlgorithm().configure(ParameterValues(["lambda": .json("0")])).load(try transformed.save())
        XCTAssertEqual(try back.predict(request).mean, a.mean)
        // lambda 0 needs positive data
        XCTAssertThrowsError(try fit([3, 1, 0, 2, 5, 4], ["lambda": .json("0")])) { e in
            XCTAssertTrue("\(e)".contains("point 3 is 0.0"), "\(e)")
        }
        XCTAssertThrowsError(try EtsAlgorithm().configure(ParameterValues(["lambda": .json("\"log\"")])))
    }
}
