import XCTest
@testable import FcastCore

final class PanelTests: XCTestCase {
    /// Three monthly series: A complete (6 points), B with two missing months and a NaN, C constant.
    func sample() -> Panel {
        func months(_ list: [Int]) -> [Int64] { list.map { Frequency.monthly.advance(Fixture.time("2020-01-01"), by: $0) } }
        return Panel(series: [
            (id: "A", ds: months([0, 1, 2, 3, 4, 5]), y: [1, 2, 3, 4, 5, 6]),
            (id: "B", ds: months([0, 1, 4, 5]), y: [10, .nan, 30, 40]),
            (id: "C", ds: months([2, 3, 4]), y: [7, 7, 7]),
        ], frequency: .monthly)
    }

    func testAccessors() {
        let p = sample()
        XCTAssertEqual(p.count, 3)
        XCTAssertEqual(p.totalPoints, 13)
        XCTAssertEqual(p.offsets, [0, 6, 10, 13])
        XCTAssertEqual(p.length(1), 4)
        XCTAssertEqual(p.range(2), 10..<13)
        XCTAssertEqual(Array(p.values(2)), [7, 7, 7])
        XCTAssertEqual(p.lastTime(0), Fixture.time("2020-06-01"))
        XCTAssertEqual(p.index(of: "B"), 1)
        XCTAssertNil(p.index(of: "Z"))
        XCTAssertNoThrow(try p.validate())
    }

    func testIndexFollowsIdChanges() {
        var p = sample()
        XCTAssertEqual(p.index(of: "C"), 2)
        let copy = p
        p.ids[2] = "Z"
        XCTAssertEqual(p.index(of: "Z"), 2)
        XCTAssertNil(p.index(of: "C"))
        XCTAssertEqual(copy.index(of: "C"), 2)   // copies are independent values
        XCTAssertNil(copy.index(of: "Z"))
    }

    func testSubset() {
        let p = sample().subset([2, 0])
        XCTAssertEqual(p.ids, ["C", "A"])
        XCTAssertEqual(p.offsets, [0, 3, 9])
        XCTAssertEqual(p.y, [7, 7, 7, 1, 2, 3, 4, 5, 6])
        XCTAssertEqual(p.index(of: "A"), 1)
        XCTAssertEqual(p.frequency, .monthly)
    }

    func testSplit() throws {
        let (train, test) = try sample().split(last: 2)
        XCTAssertEqual(train.offsets, [0, 4, 6, 7])
        XCTAssertEqual(test.offsets, [0, 2, 4, 6])
        XCTAssertEqual(Array(train.values(0)), [1, 2, 3, 4])
        XCTAssertEqual(Array(test.values(0)), [5, 6])
        XCTAssertEqual(Array(test.values(1)), [30, 40])
        XCTAssertEqual(test.times(1).map { Timestamp.format($0, style: .date) }, ["2020-05-01", "2020-06-01"])
        XCTAssertEqual(Array(train.values(2)), [7])
        XCTAssertEqual(test.index(of: "C"), 2)
        let (all, none) = try sample().split(last: 0)
        XCTAssertEqual(all.totalPoints, 13)
        XCTAssertEqual(none.totalPoints, 0)
        XCTAssertEqual(none.count, 3)
    }

    func testSplitTooShortNamesTheSeries() {
        let e = assertFcastError(try sample().split(last: 4))
        XCTAssertContains(e?.message ?? "", "series 'B' has only 4")
        XCTAssertContains(e?.message ?? "", "1 more series are too short, e.g. 'C' (3)")
        XCTAssertNotNil(assertFcastError(try sample().split(last: -1)))
    }

    func testCrossValidationWindows() throws {
        // A: 6 points [1...6], horizon 2, 2 windows, step 1:
        //   window 0 drops the last 1 point: test [4, 5], train [1, 2, 3]
        //   window 1 = split(last: 2): test [5, 6], train [1, 2, 3, 4]
        let a = sample().subset([0])
        let windows = try a.crossValidation(horizon: 2, windows: 2, step: 1)
        XCTAssertEqual(windows.count, 2)
        XCTAssertEqual(windows[0].train.y, [1, 2, 3])
        XCTAssertEqual(windows[0].test.y, [4, 5])
        XCTAssertEqual(windows[1].train.y, [1, 2, 3, 4])
        XCTAssertEqual(windows[1].test.y, [5, 6])
        // Default step = horizon: adjacent windows [3, 4] and [5, 6].
        let adjacent = try a.crossValidation(horizon: 2, windows: 2)
        XCTAssertEqual(adjacent[0].test.y, [3, 4])
        XCTAssertEqual(adjacent[0].test.ds, [Fixture.time("2020-03-01"), Fixture.time("2020-04-01")])
        // 2 windows of 2 need at least 2 + 2 + 1 = 5 points: B (4) and C (3) are too short.
        let e = assertFcastError(try sample().crossValidation(horizon: 2, windows: 2))
        XCTAssertContains(e?.message ?? "", "series 'B' has only 4 (each series needs at least 5)")
        XCTAssertNotNil(assertFcastError(try a.crossValidation(horizon: 0, windows: 2)))
    }

    func testDescribe() {
        let d = sample().describe()
        XCTAssertEqual(d.seriesCount, 3)
        XCTAssertEqual(d.totalPoints, 13)
        XCTAssertEqual(d.seriesWithGaps, 1)
        XCTAssertEqual(d.missingPeriods, 2)        // B misses 2020-03 and 2020-04
        XCTAssertEqual(d.gapExamples, ["B"])
        XCTAssertEqual(d.nanCount, 1)
        XCTAssertEqual(d.constantSeries, 1)
        XCTAssertEqual(d.lengthMin, 3)
        XCTAssertEqual(d.lengthMedian, 4)       // sorted lengths [3, 4, 6]: index round(0.5 * 2) = 1
        XCTAssertEqual(d.lengthP75, 6)          // index round(0.75 * 2) = 2
        XCTAssertEqual(d.lengthMax, 6)
        XCTAssertEqual(d.description, """
            3 series, 13 points, monthly
            dates     2020-01-01 .. 2020-06-01
            length    min 3  p25 4  median 4  p75 6  max 6
            gaps      1 series with 2 missing periods, e.g. B
                      first: 'B': 2 periods missing between 2020-02-01 and 2020-05-01
            missing   1 value (NaN) in 1 series, e.g. B
            constant  1 series, e.g. C
            """)
    }

    func testDescribeIrregularAndEmpty() {
        let p = Panel(series: [(id: "X", ds: [Fixture.time("2020-01-01"), Fixture.time("2020-01-15")], y: [1, 2])],
                      frequency: .monthly)
        let d = p.describe()
        XCTAssertEqual(d.irregularSeries, 1)
        XCTAssertContains(d.description, "irregular 1 series off the monthly grid, e.g. X")
        let empty = Panel.empty(frequency: .daily).describe()
        XCTAssertEqual(empty.description, "0 series, 0 points, daily\ngaps      none\nmissing   none\nconstant  none")
    }

    func testValidateFindsUnsortedTimestamps() {
        let p = Panel(series: [(id: "X", ds: [Fixture.time("2020-02-01"), Fixture.time("2020-01-01")], y: [1, 2])],
                      frequency: .monthly)
        XCTAssertContains(assertFcastError(try p.validate())?.message ?? "", "not increasing at 2020-01-01")
    }

    func testGroupedThousands() {
        XCTAssertEqual(grouped(0), "0")
        XCTAssertEqual(grouped(999), "999")
        XCTAssertEqual(grouped(72_192), "72,192")
        XCTAssertEqual(grouped(12_000_000), "12,000,000")
        XCTAssertEqual(grouped(-1234), "-1,234")
    }
}
