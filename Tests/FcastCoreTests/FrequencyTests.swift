import XCTest
@testable import FcastCore

final class FrequencyTests: XCTestCase {
    func testParseNames() throws {
        let cases: [(String, Frequency)] = [
            ("yearly", .init(.year)), ("year", .init(.year)), ("Y", .init(.year)), ("annual", .init(.year)), ("A", .init(.year)),
            ("quarterly", .init(.quarter)), ("Q", .init(.quarter)), ("monthly", .init(.month)), ("M", .init(.month)),
            ("weekly", .init(.week)), ("W", .init(.week)), ("daily", .init(.day)), ("D", .init(.day)),
            ("hourly", .init(.hour)), ("H", .init(.hour)), ("2h", .init(.hour, step: 2)),
            ("15min", .init(.minute, step: 15)), ("15 minutes", .init(.minute, step: 15)), ("minutely", .init(.minute)),
            ("30s", .init(.second, step: 30)), ("every 2 weeks", .init(.week, step: 2)), ("3 months", .init(.month, step: 3)),
            ("ME", .init(.month, endOfMonth: true)), ("QE", .init(.quarter, endOfMonth: true)),
            ("monthly end", .init(.month, endOfMonth: true)), ("  Monthly ", .init(.month)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Frequency.parse(text), expected, text)
        }
    }

    func testParseErrors() {
        let unknown = assertFcastError(try Frequency.parse("montly"))
        XCTAssertContains(unknown?.message ?? "", "unknown frequency 'montly'")
        XCTAssertContains(unknown?.message ?? "", "did you mean 'monthly'?")
        XCTAssertContains(unknown?.message ?? "", "quarterly (quarter, Q)")
        let ambiguous = assertFcastError(try Frequency.parse("5m"))
        XCTAssertContains(ambiguous?.message ?? "", "ambiguous")
        XCTAssertContains(ambiguous?.message ?? "", "5min")
        XCTAssertNotNil(assertFcastError(try Frequency.parse("0 days")))
        XCTAssertNotNil(assertFcastError(try Frequency.parse("daily end")))
    }

    func testDescriptionRoundTrips() throws {
        XCTAssertEqual(Frequency(.month).description, "monthly")
        XCTAssertEqual(Frequency(.quarter).description, "quarterly")
        XCTAssertEqual(Frequency(.minute, step: 15).description, "15 minutes")
        XCTAssertEqual(Frequency(.month, endOfMonth: true).description, "monthly end")
        for unit in Frequency.Unit.allCases {
            for step in [1, 2, 15] {
                let f = Frequency(unit, step: step)
                XCTAssertEqual(try Frequency.parse(f.description), f, f.description)
            }
        }
    }

    func testDefaultSeason() {
        XCTAssertEqual(Frequency(.year).defaultSeason, 1)
        XCTAssertEqual(Frequency(.quarter).defaultSeason, 4)
        XCTAssertEqual(Frequency(.month).defaultSeason, 12)
        XCTAssertEqual(Frequency(.month, step: 3).defaultSeason, 4)
        XCTAssertEqual(Frequency(.month, step: 5).defaultSeason, 1)
        XCTAssertEqual(Frequency(.week).defaultSeason, 52)
        XCTAssertEqual(Frequency(.day).defaultSeason, 7)
        XCTAssertEqual(Frequency(.hour).defaultSeason, 24)
        XCTAssertEqual(Frequency(.minute, step: 15).defaultSeason, 96)
        XCTAssertEqual(Frequency(.second, step: 15).defaultSeason, 4)
    }

    func testCalendarArithmeticAcrossMonthEnds() {
        let monthly = Frequency(.month)
        func f(_ t: Int64) -> String { Timestamp.format(t, style: .date) }
        let jan31 = Fixture.time("2020-01-31"), jan31b = Fixture.time("2021-01-31")
        XCTAssertEqual(f(monthly.advance(jan31, by: 1)), "2020-02-29")    // leap year
        XCTAssertEqual(f(monthly.advance(jan31b, by: 1)), "2021-02-28")
        XCTAssertEqual(f(monthly.advance(jan31, by: 2)), "2020-03-31")    // clamped per call, not cumulative
        XCTAssertEqual(f(monthly.advance(jan31, by: 3)), "2020-04-30")
        XCTAssertEqual(f(monthly.advance(jan31, by: 11)), "2020-12-31")
        XCTAssertEqual(f(monthly.advance(jan31, by: 12)), "2021-01-31")
        XCTAssertEqual(f(monthly.advance(Fixture.time("2020-03-31"), by: -1)), "2020-02-29")
        XCTAssertEqual(f(monthly.advance(Fixture.time("2020-01-15"), by: -13)), "2018-12-15")
        XCTAssertEqual(f(Frequency(.year).advance(Fixture.time("2020-02-29"), by: 1)), "2021-02-28")
        XCTAssertEqual(f(Frequency(.year).advance(Fixture.time("2020-02-29"), by: 4)), "2024-02-29")
        XCTAssertEqual(f(Frequency(.quarter).advance(Fixture.time("2019-11-30"), by: 1)), "2020-02-29")
        XCTAssertEqual(f(Frequency(.quarter).advance(Fixture.time("2019-10-01"), by: -2)), "2019-04-01")
        // Month-end anchoring lands on the last day of every month.
        let monthEnd = Frequency(.month, endOfMonth: true)
        XCTAssertEqual(f(monthEnd.advance(Fixture.time("2021-02-28"), by: 1)), "2021-03-31")
        XCTAssertEqual(f(monthEnd.advance(Fixture.time("2021-04-30"), by: -2)), "2021-02-28")
        // The time of day is kept.
        XCTAssertEqual(Timestamp.format(monthly.advance(Fixture.time("2020-01-31 06:30"), by: 1),
                                        style: .dateTime(separator: " ", seconds: false)), "2020-02-29 06:30")
    }

    func testFixedArithmetic() {
        let t = Fixture.time("2020-03-01")
        XCTAssertEqual(Frequency(.week).advance(t, by: 1) - t, 7 * 86_400)
        XCTAssertEqual(Frequency(.minute, step: 15).advance(t, by: -4), t - 3600)
        XCTAssertEqual(Frequency(.day).advance(Fixture.time("2020-02-28"), by: 2), t)
    }

    func testPeriods() {
        let monthly = Frequency(.month)
        let jan31 = Fixture.time("2020-01-31")
        XCTAssertEqual(monthly.periods(from: jan31, to: Fixture.time("2020-02-29")), 1)
        XCTAssertEqual(monthly.periods(from: jan31, to: Fixture.time("2020-04-30")), 3)
        XCTAssertEqual(monthly.periods(from: jan31, to: Fixture.time("2019-12-31")), -1)
        XCTAssertNil(monthly.periods(from: jan31, to: Fixture.time("2020-02-28")))
        XCTAssertNil(monthly.periods(from: jan31, to: Fixture.time("2020-03-15")))
        XCTAssertEqual(Frequency(.quarter).periods(from: Fixture.time("2019-01-01"), to: Fixture.time("2021-07-01")), 10)
        XCTAssertNil(Frequency(.quarter).periods(from: Fixture.time("2019-01-01"), to: Fixture.time("2019-02-01")))
        let q15 = Frequency(.minute, step: 15)
        XCTAssertEqual(q15.periods(from: Fixture.time("2020-01-01 00:00"), to: Fixture.time("2020-01-01 02:45")), 11)
        XCTAssertNil(q15.periods(from: Fixture.time("2020-01-01 00:00"), to: Fixture.time("2020-01-01 02:50")))
        XCTAssertEqual(Frequency(.week).periods(from: Fixture.time("2020-01-06"), to: Fixture.time("2019-12-30")), -1)
        // periods and advance agree on every step over several years.
        let start = Fixture.time("2019-08-31")
        for k in -30...30 {
            XCTAssertEqual(monthly.periods(from: start, to: monthly.advance(start, by: k)), k)
        }
    }
}
