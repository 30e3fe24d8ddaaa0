import FcastPluginKit
import XCTest

final class MissingValuesTests: XCTestCase {
    func testLocatesAndCountsFromOne() {
        let y: [Double] = [.nan, 1, .nan, .nan, 4, .nan]
        let m = MissingValues(y)
        XCTAssertEqual(m.positions, [0, 2, 3, 5])
        XCTAssertEqual(m.leading, 1)
        XCTAssertEqual(m.trailing, 1)
        XCTAssertEqual(m.interior, 2)
        XCTAssertEqual(m.observed, 2)
        // 2019-05-01 is day 18017 since 1970-01-01; points are months but the text shows the date.
        let ds: [Int64] = [18_000, 18_017, 18_030, 18_047, 18_078, 18_108].map { $0 * 86_400 }
        ds.withUnsafeBufferPointer {
            XCTAssertEqual(MissingValues([1, .nan, 3, .nan, .nan, 6]).describe(ds: $0),
                           "3 missing values, first at point 2 (2019-05-01)")
        }
        XCTAssertEqual(MissingValues([1, .nan]).describe(), "1 missing value, at point 2")
        XCTAssertTrue(MissingValues([1, 2]).isEmpty)
        let allMissing = MissingValues([Double.nan, .nan])
        XCTAssertEqual(allMissing.leading, 2)
        XCTAssertEqual(allMissing.trailing, 0)
    }

    func testTimestampsFormatAsTheDataDoes() {
        XCTAssertEqual(MissingValues.formatTimestamp(0), "1970-01-01")
        XCTAssertEqual(MissingValues.formatTimestamp(951_782_400), "2000-02-29")
        XCTAssertEqual(MissingValues.formatTimestamp(951_782_400 + 7 * 3600 + 5 * 60), "2000-02-29 07:05")
        XCTAssertEqual(MissingValues.formatTimestamp(-86_400), "1969-12-31")
    }
}
