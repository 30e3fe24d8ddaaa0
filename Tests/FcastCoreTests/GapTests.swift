import Foundation
import XCTest
@testable import FcastCore

/// Gapped data: describe() reports gaps, fill_gaps inserts them, and business calendars make
/// a weekday-hours series regular on its own clock.
final class GapTests: XCTestCase {
    /// Two quarterly visnights series with QLDMetro's 2005-Q3 removed.
    func quarterlyWithGap() throws -> (full: Panel, gapped: Panel) {
        let path = try Fixture.exampleData("visnights.csv")
        let full = try LongCSV.load(path: path)
        let keep = ["NSWMetro", "QLDMetro"].map { full.index(of: $0)! }
        let two = full.subset(keep)
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n")
            .filter { $0.hasPrefix("unique_id") || (($0.hasPrefix("NSWMetro,") || $0.hasPrefix("QLDMetro,")) && !$0.hasPrefix("QLDMetro,2005-07-01")) }
            .joined(separator: "\n")
        let gapped = try LongCSV.load(path: try Fixture.write(text + "\n"))
        return (two, gapped)
    }

    func testDescribeReportsAMissingQuarter() throws {
        let (full, gapped) = try quarterlyWithGap()
        XCTAssertEqual(full.describe().seriesWithGaps, 0)
        XCTAssertNil(full.describe().gapNote)
        let d = gapped.describe()
        XCTAssertEqual(gapped.frequency, .quarterly)
        XCTAssertEqual(d.seriesWithGaps, 1)
        XCTAssertEqual(d.missingPeriods, 1)
        XCTAssertEqual(d.gapExamples, ["QLDMetro"])
        XCTAssertEqual(d.firstGap, .init(id: "QLDMetro", before: Fixture.time("2005-04-01"), after: Fixture.time("2005-10-01"), missing: 1))
        XCTAssertTrue(d.description.contains("first: 'QLDMetro': 1 period missing between 2005-04-01 and 2005-10-01"), d.description)
        XCTAssertEqual(d.gapNote, "1 series with 1 missing period on the quarterly grid (first: 'QLDMetro': 1 period missing between 2005-04-01 and 2005-10-01)")
    }

    func testFillGapsRestoresTheGridWithMissingOrZero() throws {
        let (full, gapped) = try quarterlyWithGap()
        let filled = try gapped.fillingGaps(value: .nan)
        XCTAssertEqual(filled.ds, full.ds)
        XCTAssertEqual(filled.describe().seriesWithGaps, 0)
        let q = filled.index(of: "QLDMetro")!
        let at = filled.range(q).first { filled.ds[$0] == Fixture.time("2005-07-01") }!
        XCTAssertTrue(filled.y[at].isNaN)
        // Every other value is the original.
        for i in filled.y.indices where i != at { XCTAssertEqual(filled.y[i], full.y[i]) }
        let zeros = try gapped.fillingGaps(value: 0)
        XCTAssertEqual(zeros.y[at], 0)
        XCTAssertEqual(zeros.describe().nanCount, 0)
        // A panel with no gaps is unchanged.
        XCTAssertEqual(try full.fillingGaps(value: 0).y, full.y)
    }

    func testFillGapsKeepsMonthDaysAndRefusesOffGridSeries() throws {
        let p = Panel(series: [("m", [Fixture.time("2021-01-31"), Fixture.time("2021-04-30")], [1, 4])],
                      frequency: Frequency(.month, endOfMonth: true))
        let f = try p.fillingGaps(value: 0)
        XCTAssertEqual(f.ds.map { Timestamp.format($0, style: .date) }, ["2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30"])
        let bad = Panel(series: [("odd", [0, 86_400, 86_400 * 2 + 60], [1, 2, 3])], frequency: .daily)
        XCTAssertThrowsError(try bad.fillingGaps(value: 0)) { e in
            XCTAssertTrue("\(e)".contains("'odd'"), "\(e)")
        }
    }

    // MARK: Business calendars

    func testParseAndDescribeBusinessHours() throws {
        let b = try BusinessHours.parse("business_hours(07:00-21:00, mon-fri)")
        XCTAssertEqual(b.open, 7 * 3600)
        XCTAssertEqual(b.close, 21 * 3600)
        XCTAssertEqual(b.days, [0, 1, 2, 3, 4])
        XCTAssertEqual(b.description, "business_hours(07:00-21:00, mon-fri)")
        XCTAssertEqual(try BusinessHours.parse("business_hours(09:30-17:00, mon wed-thu sat)").description,
                       "business_hours(09:30-17:00, mon wed-thu sat)")
        XCTAssertEqual(try BusinessHours.parse("business_hours(00:00-24:00)").days, [0, 1, 2, 3, 4])
        for bad in ["business_hours(21:00-07:00)", "business_hours(7-21)", "business_hours(07:00-21:00, funday)",
                    "business_hours(07:00-21:00, fri-mon)", "business_hours(07:00-25:00)"] {
            XCTAssertThrowsError(try BusinessHours.parse(bad), bad)
        }
        let f = try Frequency.parse("5min business_hours(07:00-21:00, mon-fri)")
        XCTAssertEqual(f.stepSeconds, 300)
        XCTAssertEqual(f.business, b)
        XCTAssertEqual(try Frequency.parse(f.description), f)
        XCTAssertEqual(f.defaultSeason, 168)
        XCTAssertThrowsError(try Frequency.parse("monthly business_hours(07:00-21:00)"))
        XCTAssertThrowsError(try Frequency.parse("business_hours(07:00-21:00)"))
    }

    func testBusinessClockSkipsNightsAndWeekends() throws {
        let f = try Frequency.parse("5min business_hours(07:00-21:00, mon-fri)")
        // Friday 2024-03-08 20:55 -> Monday 2024-03-11 07:00 -> 07:05.
        let friday = Fixture.time("2024-03-08 20:55:00")
        XCTAssertEqual(f.advance(friday, by: 1), Fixture.time("2024-03-11 07:00:00"))
        XCTAssertEqual(f.advance(friday, by: 2), Fixture.time("2024-03-11 07:05:00"))
        XCTAssertEqual(f.advance(Fixture.time("2024-03-11 07:00:00"), by: -1), friday)
        // A whole business week is 5 x 168 periods.
        XCTAssertEqual(f.advance(friday, by: 840), Fixture.time("2024-03-15 20:55:00"))
        XCTAssertEqual(f.periods(from: friday, to: Fixture.time("2024-03-15 20:55:00")), 840)
        XCTAssertNil(f.periods(from: friday, to: Fixture.time("2024-03-09 10:00:00")))   // a Saturday
        XCTAssertNil(f.periods(from: friday, to: Fixture.time("2024-03-08 21:00:00")))   // closed
        // From a time outside the hours, the next period is the next opening.
        XCTAssertEqual(f.advance(Fixture.time("2024-03-09 12:00:00"), by: 1), Fixture.time("2024-03-11 07:00:00"))
        // Index and time round-trip over dates before and after 1970.
        let b = f.business!
        for t in [Fixture.time("1969-12-31 07:05:00"), Fixture.time("2000-02-29 20:55:00"), Fixture.time("2024-03-04 07:00:00")] {
            let i = try XCTUnwrap(b.index(of: t, step: 300))
            XCTAssertEqual(b.time(ofIndex: i, step: 300), t)
        }
    }

    /// A weekday 07:00-21:00 5-minute series (daily profile and noise): on calendar time it
    /// has a gap every night and weekend; on the business calendar it is regular.
    func testWeekdaySeriesIsRegularOnItsCalendar() throws {
        var rows = ["unique_id,ds,y"]
        var state: UInt64 = 19
        func noise() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var day = Fixture.time("2024-03-04")   // a Monday
        var days = 0
        while days < 10 {
            if Timestamp.weekday(day) < 5 {
                for slot in 0..<168 {
                    let h = 7 + Double(slot) / 12
                    let y = 40 * exp(-pow((h - 10) / 1.6, 2)) + 32 * exp(-pow((h - 15) / 2, 2)) + 10 + 6 * noise()
                    rows.append("calls,\(Timestamp.format(day + 25_200 + Int64(slot) * 300, style: .dateTime(separator: " ", seconds: true))),\(y)")
                }
                days += 1
            }
            day += 86_400
        }
        let path = try Fixture.write(rows.joined(separator: "\n") + "\n")
        let plain = try LongCSV.load(path: path)
        XCTAssertEqual(plain.frequency, Frequency(.minute, step: 5))
        XCTAssertEqual(plain.describe().seriesWithGaps, 1)
        // 9 nights of 120 periods, one weekend of 2 x 288 more.
        XCTAssertEqual(plain.describe().missingPeriods, 9 * 120 + 576)

        var options = LongCSVOptions()
        options.calendar = try BusinessHours.parse("business_hours(07:00-21:00, mon-fri)")
        let biz = try LongCSV.load(path: path, options: options)
        XCTAssertEqual(biz.frequency.business, options.calendar)
        XCTAssertEqual(biz.frequency.stepSeconds, 300)
        XCTAssertEqual(biz.describe().seriesWithGaps, 0)
        XCTAssertEqual(biz.describe().irregularSeries, 0)
        XCTAssertEqual(try biz.fillingGaps(value: 0).ds, biz.ds)

        // On weekends-only hours the weekday rows are off the grid: an error naming the series.
        options.calendar = try BusinessHours.parse("business_hours(07:00-21:00, sat-sun)")
        XCTAssertThrowsError(try LongCSV.load(path: path, options: options)) { e in
            XCTAssertTrue("\(e)".contains("'calls'"), "\(e)")
        }
    }

    // MARK: Row-index axis

    /// Issue 19: integer steps load with freq: "index", keep their numbers, report a missing
    /// step as a gap and continue one step at a time; without freq: "index" the loader says so.
    func testIndexAxisLoadsIntegerStepsAndReportsGaps() throws {
        let text = "id,t,y\nm1,1,10\nm1,2,11\nm1,4,13\nm2,-2,5\nm2,-1,6\n"
        let path = try Fixture.write(text)
        var options = LongCSVOptions(id: "id", time: "t", frequency: try Frequency.parse("index"))
        let p = try LongCSV.load(path: path, options: options)
        XCTAssertEqual(p.frequency, .index)
        XCTAssertEqual(p.frequency.description, "index")
        XCTAssertEqual(p.frequency.defaultSeason, 1)
        XCTAssertEqual(p.timestampStyle, .index)
        XCTAssertEqual(p.ds, [1, 2, 4, -2, -1])
        XCTAssertEqual(p.frequency.advance(4, by: 3), 7)
        XCTAssertEqual(Timestamp.format(-1, style: .index), "-1")
        let d = p.describe()
        XCTAssertEqual(d.missingPeriods, 1)
        XCTAssertTrue(d.description.contains("steps     -2 .. 4"), d.description)
        XCTAssertEqual(d.gapNote, "1 series with 1 missing period on the index grid (first: 'm1': 1 period missing between 2 and 4)")
        // A step that is not a whole number, located.
        options.frequency = .index
        XCTAssertThrowsError(try LongCSV.load(path: try Fixture.write("id,t,y\nm1,1,10\nm1,2.5,11\n"), options: options)) { error in
            let e = error as! FcastError
            XCTAssertEqual(e.line, 3)
            XCTAssertTrue(e.message.contains("expected a row number (a whole number, freq: \"index\") in column 't', found '2.5'"), e.message)
        }
        // Without freq: "index", integer steps are not guessed to be times; the error says what to write.
        XCTAssertThrowsError(try LongCSV.load(path: path, options: LongCSVOptions(id: "id", time: "t"))) { error in
            XCTAssertTrue((error as! FcastError).message.hasSuffix("found '1' (for whole-number steps 1, 2, 3, ... load with freq: \"index\")"),
                          (error as! FcastError).message)
        }
    }
}

