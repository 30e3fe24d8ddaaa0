import XCTest
@testable import FcastCore

final class TimestampTests: XCTestCase {
    func testKnownInstants() {
        // Values from Python: datetime.fromisoformat(s).replace(tzinfo=timezone.utc).timestamp()
        XCTAssertEqual(Timestamp.parse("1970-01-01")?.0, 0)
        XCTAssertEqual(Timestamp.parse("2020-03-01")?.0, 1_583_020_800)
        XCTAssertEqual(Timestamp.parse("1939-01-01")?.0, -978_307_200)
        XCTAssertEqual(Timestamp.parse("2000-02-29")?.0, 951_782_400)
        XCTAssertEqual(Timestamp.parse("1900-03-01")?.0, -2_203_891_200)
        XCTAssertEqual(Timestamp.parse("2024-12-31 23:59:59")?.0, 1_735_689_599)
    }

    func testAcceptedShapesAndStyles() {
        let base: Int64 = 1_583_020_800   // 2020-03-01
        XCTAssertEqual(Timestamp.parse("2020-03-01")?.1, .date)
        XCTAssertEqual(Timestamp.parse("2020-03")?.0, base)
        XCTAssertEqual(Timestamp.parse("2020-03")?.1, .date)
        XCTAssertEqual(Timestamp.parse("2020-03-01 12:30")?.0, base + 12 * 3600 + 30 * 60)
        XCTAssertEqual(Timestamp.parse("2020-03-01 12:30")?.1, .dateTime(separator: " ", seconds: false))
        XCTAssertEqual(Timestamp.parse("2020-03-01T12:30:15")?.0, base + 12 * 3600 + 30 * 60 + 15)
        XCTAssertEqual(Timestamp.parse("2020-03-01T12:30:15")?.1, .dateTime(separator: "T", seconds: true))
        XCTAssertEqual(Timestamp.parse("2020-03-01T12:30:15Z")?.0, base + 45_015)
        XCTAssertEqual(Timestamp.parse("2020-03-01 00:00:00.000")?.0, base)
        XCTAssertEqual(Timestamp.parse("2020-03-01T00:00Z")?.1, .dateTime(separator: "T", seconds: false))
    }

    func testRejectsInvalidDates() {
        for bad in ["2021-02-29", "2020-02-30", "2020-13-01", "2020-00-10", "2020-04-31", "2020-03-01 24:00",
                    "2020-03-01 12:60", "2020-03-01 12:00:60", "03/01/2020", "2020/03/01", "2020-3-1", "20200301",
                    "2020-03-01x", "2020-03-01 12", "", "abc", "2020-03-01 00:00:00.5", "２０２０-03-01"] {
            XCTAssertNil(Timestamp.parse(bad), "accepted '\(bad)'")
        }
    }

    func testLeapYears() {
        XCTAssertTrue(Timestamp.isLeapYear(2000))
        XCTAssertTrue(Timestamp.isLeapYear(2024))
        XCTAssertFalse(Timestamp.isLeapYear(1900))
        XCTAssertFalse(Timestamp.isLeapYear(2023))
        XCTAssertEqual(Timestamp.daysInMonth(year: 2000, month: 2), 29)
        XCTAssertEqual(Timestamp.daysInMonth(year: 1900, month: 2), 28)
        XCTAssertNotNil(Timestamp.parse("2000-02-29"))
        XCTAssertNil(Timestamp.parse("1900-02-29"))
        // 2024-02-28 + 1 day is the leap day, + 2 days is March 1.
        let feb28 = Fixture.time("2024-02-28")
        XCTAssertEqual(Timestamp.format(feb28 + 86_400, style: .date), "2024-02-29")
        XCTAssertEqual(Timestamp.format(feb28 + 2 * 86_400, style: .date), "2024-03-01")
    }

    func testCivilRoundTripOverManyCenturies() {
        // Every 997th day over about 4,400 years, and all days of 1999-2001, convert back and forth.
        var days: [Int64] = Array(stride(from: -800_000, through: 800_000, by: 997))
        days += Array(10_592...11_323)
        var previous: (Int, Int, Int)? = nil
        for d in days {
            let c = Timestamp.civilFromDays(d)
            XCTAssertTrue((1...12).contains(c.month) && c.day >= 1 && c.day <= Timestamp.daysInMonth(year: c.year, month: c.month))
            XCTAssertEqual(Timestamp.daysFromCivil(year: c.year, month: c.month, day: c.day), d)
            if let p = previous, d >= 10_593 && d <= 11_323 {
                // Consecutive days: next day of month, or day 1 of the next month.
                XCTAssertTrue((c.0, c.1) == (p.0, p.1) && c.2 == p.2 + 1 || c.2 == 1, "\(p) -> \(c)")
            }
            previous = c
        }
    }

    func testFormatRoundTrips() {
        let styles: [(String, TimestampStyle)] = [
            ("2020-03-01", .date),
            ("1939-01-01", .date),
            ("2020-03-01 12:30", .dateTime(separator: " ", seconds: false)),
            ("2020-03-01T12:30", .dateTime(separator: "T", seconds: false)),
            ("2020-03-01 12:30:15", .dateTime(separator: " ", seconds: true)),
            ("1969-12-31T23:59:59", .dateTime(separator: "T", seconds: true)),
        ]
        for (text, style) in styles {
            guard let (t, parsedStyle) = Timestamp.parse(text) else { XCTFail(text); continue }
            XCTAssertEqual(parsedStyle, style)
            XCTAssertEqual(Timestamp.format(t, style: style), text)
        }
        // Formatting never loses information: a time that the style does not show is still written.
        let t = Fixture.time("2020-03-01 06:00:05")
        XCTAssertEqual(Timestamp.format(t, style: .date), "2020-03-01 06:00:05")
        XCTAssertEqual(Timestamp.format(t, style: .dateTime(separator: "T", seconds: false)), "2020-03-01T06:00:05")
        XCTAssertEqual(Timestamp.format(Fixture.time("2020-03-01 06:00"), style: .dateTime(separator: " ", seconds: true)),
                       "2020-03-01 06:00:00")
    }

    func testComponentsAndWeekday() {
        let t = Fixture.time("2021-07-04 18:05:09")
        let c = Timestamp.components(t)
        XCTAssertEqual(c.year, 2021); XCTAssertEqual(c.month, 7); XCTAssertEqual(c.day, 4)
        XCTAssertEqual(c.hour, 18); XCTAssertEqual(c.minute, 5); XCTAssertEqual(c.second, 9)
        XCTAssertEqual(Timestamp.make(year: 2021, month: 7, day: 4, hour: 18, minute: 5, second: 9), t)
        XCTAssertEqual(Timestamp.weekday(t), 6)                       // a Sunday
        XCTAssertEqual(Timestamp.weekday(0), 3)                       // 1970-01-01, a Thursday
        XCTAssertEqual(Timestamp.weekday(Fixture.time("1969-12-29")), 0)  // a Monday before the epoch
    }
}
