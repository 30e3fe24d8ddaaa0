import XCTest
@testable import FcastCore

final class MetricsTests: XCTestCase {
    let actual: [Double] = [10, 20, 30, 40]
    let forecast: [Double] = [12, 18, 33, 40]

    func testMAE() {
        // |10-12| + |20-18| + |30-33| + |40-40| = 2 + 2 + 3 + 0 = 7; 7 / 4 = 1.75
        XCTAssertEqual(Metrics.mae(actual, forecast), 1.75, accuracy: 1e-12)
        // Works on slices without copying, and skips NaN: (2 + 3) / 2 = 2.5
        let withNaN: [Double] = [.nan, 10, 20, 30]
        XCTAssertEqual(Metrics.mae(withNaN[1...], [12, .nan, 33]), 2.5, accuracy: 1e-12)
        XCTAssertTrue(Metrics.mae([Double.nan], [1.0]).isNaN)
    }

    func testRMSE() {
        // (4 + 4 + 9 + 0) / 4 = 4.25; sqrt(4.25) = 2.0615528128088303
        XCTAssertEqual(Metrics.rmse(actual, forecast), 2.0615528128088303, accuracy: 1e-12)
        XCTAssertEqual(Metrics.mse(actual, forecast), 4.25, accuracy: 1e-12)
    }

    func testSMAPE() {
        // 200*2/22 = 18.181818..., 200*2/38 = 10.526315..., 200*3/63 = 9.523809..., 0
        // sum = 38.231943...; / 4 = 9.557985...
        let expected = (200.0 * 2 / 22 + 200.0 * 2 / 38 + 200.0 * 3 / 63 + 0) / 4
        XCTAssertEqual(Metrics.smape(actual, forecast), expected, accuracy: 1e-12)
        XCTAssertEqual(Metrics.smape(actual, forecast), 9.557985, accuracy: 1e-6)
        // Both zero counts as 0: (0 + 200*1/1) / 2 = 100
        XCTAssertEqual(Metrics.smape([0, 0], [0, 1]), 100, accuracy: 1e-12)
    }

    func testNaiveScaleAndMASE() {
        // Seasonal (lag 4) naive on [1,2,3,4, 3,4,5,6]: |3-1|,|4-2|,|5-3|,|6-4| = 2 each -> 2
        let insample: [Double] = [1, 2, 3, 4, 3, 4, 5, 6]
        XCTAssertEqual(Metrics.naiveScale(insample: insample, season: 4)!, 2, accuracy: 1e-12)
        // Lag 1: |2-1|,|3-2|,|4-3|,|3-4|,|4-3|,|5-4|,|6-5| = 7 ones -> 1
        XCTAssertEqual(Metrics.naiveScale(insample: insample, season: 1)!, 1, accuracy: 1e-12)
        // season >= length falls back to lag 1
        XCTAssertEqual(Metrics.naiveScale(insample: insample, season: 12)!, 1, accuracy: 1e-12)
        // A purely seasonal history has seasonal scale 0: lag 1 is used: |5-1|,|1-5|,|5-1| = 4 -> 4
        XCTAssertEqual(Metrics.naiveScale(insample: [1, 5, 1, 5], season: 2)!, 4, accuracy: 1e-12)
        // Constant history: nil
        XCTAssertNil(Metrics.naiveScale(insample: [3, 3, 3, 3], season: 2))
        XCTAssertNil(Metrics.naiveScale(insample: [3], season: 1))
        // MASE = MAE / scale = 1.75 / 2 = 0.875
        XCTAssertEqual(Metrics.mase(actual: actual, forecast: forecast, insample: insample, season: 4)!, 0.875, accuracy: 1e-12)
        XCTAssertNil(Metrics.mase(actual: actual, forecast: forecast, insample: [3, 3, 3], season: 1))
        // NaN in the history skips the pairs that touch it: lag 1 on [1, NaN, 3, 6]: only |6-3| = 3
        XCTAssertEqual(Metrics.naiveScale(insample: [1, .nan, 3, 6], season: 1)!, 3, accuracy: 1e-12)
    }

    func testCoverage() {
        // inside: 10 in [9,11] yes; 20 in [21,25] no; 30 in [30,30] yes (bounds inclusive); 40 in [35,39] no -> 2/4
        XCTAssertEqual(Metrics.coverage(actual: actual, lo: [9, 21, 30, 35], hi: [11, 25, 30, 39]), 0.5, accuracy: 1e-12)
        // NaN bounds skip the point: 1 of the 2 remaining points is inside
        XCTAssertEqual(Metrics.coverage(actual: [1, 2, 3], lo: [0, .nan, 4], hi: [2, 3, 5]), 0.5, accuracy: 1e-12)
    }

    func testBias() {
        // (2 - 2 + 3 + 0) / 4 = 0.75
        XCTAssertEqual(Metrics.bias(actual, forecast), 0.75, accuracy: 1e-12)
    }

    func testOnPanelSlices() throws {
        let path = try Fixture.exampleData("visnights.csv")
        let (train, test) = try LongCSV.load(path: path).split(last: 8)
        // A seasonal naive forecast: the last 4 training values repeated twice.
        let history = train.values(0)
        let snaive = Array(history.suffix(4)) + Array(history.suffix(4))
        let mase = Metrics.mase(actual: test.values(0), forecast: snaive, insample: history, season: 4)
        XCTAssertNotNil(mase)
        XCTAssertGreaterThan(mase!, 0)
        XCTAssertLessThan(mase!, 5)
        XCTAssertEqual(Metrics.mae(test.values(0), snaive) / Metrics.naiveScale(insample: history, season: 4)!, mase!, accuracy: 1e-12)
    }
}
