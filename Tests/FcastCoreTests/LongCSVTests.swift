import XCTest
@testable import FcastCore

final class LongCSVTests: XCTestCase {
    // MARK: Real data

    func testUSEmployment() throws {
        let path = try Fixture.exampleData("us_employment.csv")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let dataLines = text.split(separator: "\n", omittingEmptySubsequences: true).count - 1
        let panel = try LongCSV.load(path: path)
        XCTAssertEqual(panel.count, 148)
        XCTAssertEqual(panel.totalPoints, dataLines)
        XCTAssertEqual(panel.frequency, Frequency(.month))
        XCTAssertEqual(panel.timestampStyle, .date)
        XCTAssertEqual(panel.ids.first, "CEU0500000001")
        XCTAssertEqual(panel.y[0], 25338.0)
        XCTAssertEqual(panel.ds[0], Fixture.time("1939-01-01"))
        XCTAssertEqual(panel.index(of: "CEU0500000001"), 0)
        XCTAssertEqual(panel.offsets.last, panel.totalPoints)
        XCTAssertNoThrow(try panel.validate())
        for i in 0..<panel.count {
            XCTAssertEqual(panel.index(of: panel.ids[i]), i)
        }
        let d = panel.describe()
        XCTAssertEqual(d.seriesCount, 148)
        XCTAssertEqual(d.irregularSeries, 0)
        XCTAssertEqual(d.frequency, .monthly)
        XCTAssertTrue(d.description.hasPrefix("148 series, \(grouped(dataLines)) points, monthly"), d.description)
        XCTAssertEqual(Timestamp.format(d.firstTime!, style: .date), "1939-01-01")
    }

    func testVisnights() throws {
        let path = try Fixture.exampleData("visnights.csv")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let dataLines = text.split(separator: "\n", omittingEmptySubsequences: true).count - 1
        let panel = try LongCSV.load(path: path)
        XCTAssertEqual(panel.count, 20)
        XCTAssertEqual(panel.totalPoints, dataLines)
        XCTAssertEqual(panel.frequency, .quarterly)
        XCTAssertEqual(panel.frequency.defaultSeason, 4)
        XCTAssertEqual(panel.ids[0], "NSWMetro")
        XCTAssertEqual(panel.y[1], 6.962125889799999)   // 16 significant digits read exactly
        XCTAssertEqual(panel.describe().seriesWithGaps, 0)
        for i in 0..<panel.count { XCTAssertEqual(panel.length(i), 76) }
    }

    // MARK: Bad input

    func testMalformedRowTooManyFields() throws {
        let path = try Fixture.write("unique_id,ds,y\nA,2020-01-01,1\nA,2020-02-01,2,9\n", name: "bad.csv")
        let e = assertFcastError(try LongCSV.load(path: path))
        XCTAssertEqual(e?.file, path)
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 16)   // "A,2020-02-01,2," is 15 characters: the extra field starts at 16
        XCTAssertContains(e?.message ?? "", "expected 3 fields as in the header, found 4")
        XCTAssertEqual(e?.description, "\(path):3:16: error: expected 3 fields as in the header, found 4")
    }

    func testMalformedRowTooFewFields() throws {
        let e = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\nA,2020-01-01,1\nA,2020-02-01\n", name: "few.csv"))
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 13)   // just after "A,2020-02-01"
        XCTAssertContains(e?.message ?? "", "found 2 (no 'y' field)")
    }

    func testUnterminatedQuote() {
        let e = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\nA,2020-01-01,1\nA,\"2020-02-01,2\nA,2020-03-01,3\n", name: "q.csv"))
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 3)
        XCTAssertContains(e?.message ?? "", "unterminated quoted field")
        let after = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\n\"A\"x,2020-01-01,1\n", name: "q.csv"))
        XCTAssertEqual(after?.line, 2)
        XCTAssertEqual(after?.column, 4)
        XCTAssertContains(after?.message ?? "", "after the closing quote, found 'x'")
    }

    func testNonNumericValue() throws {
        // The column counts characters, not bytes: "Zürich" is 6 characters (7 bytes).
        let path = try Fixture.write("unique_id,ds,y\nZürich,2020-01-01,1.5\nZürich,2020-02-01,abc\n")
        let e = assertFcastError(try LongCSV.load(path: path))
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 19)
        XCTAssertEqual(e?.message, "expected a number in column 'y', found 'abc'")
        XCTAssertEqual(e?.description, "\(path):3:19: error: expected a number in column 'y', found 'abc'")
        let comma = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\nA,2020-01-01,\"1,5\"\n", name: "c.csv"))
        XCTAssertEqual(comma?.column, 14)
        XCTAssertContains(comma?.message ?? "", "found '1,5'")
    }

    func testBadDate() throws {
        let path = try Fixture.write("unique_id,ds,y\nA,2020-01-01,1\nA,03/01/2020,2\n")
        let e = assertFcastError(try LongCSV.load(path: path))
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 3)
        XCTAssertContains(e?.message ?? "", "in column 'ds', found '03/01/2020'")
        let leap = assertFcastError(try LongCSV.parse(text: "y,ds,unique_id\n1,2021-02-29,A\n", name: "leap.csv"))
        XCTAssertEqual(leap?.line, 2)
        XCTAssertEqual(leap?.column, 3)
        XCTAssertContains(leap?.message ?? "", "found '2021-02-29'")
        let empty = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\nA,,1\n", name: "e.csv"))
        XCTAssertContains(empty?.message ?? "", "found an empty field")
    }

    func testDuplicateNamesBothLines() throws {
        let path = try Fixture.write("unique_id,ds,y\nA,2020-01-01,1\nB,2020-01-01,5\nA,2020-02-01,2\nA,2020-01-01,3\n")
        let e = assertFcastError(try LongCSV.load(path: path))
        XCTAssertEqual(e?.message, "duplicate timestamp 2020-01-01 for series 'A': lines 2 and 5")
        XCTAssertEqual(e?.line, 5)
        XCTAssertEqual(e?.file, path)
    }

    func testMissingColumnWithSuggestion() throws {
        let path = try Fixture.write("unique_id,date,y\nA,2020-01-01,1\nA,2020-01-02,2\n")
        let e = assertFcastError(try LongCSV.load(path: path))
        XCTAssertEqual(e?.file, path)
        XCTAssertContains(e?.message ?? "", "no column 'ds'")
        XCTAssertContains(e?.message ?? "", "'unique_id', 'date', 'y'")
        XCTAssertContains(e?.message ?? "", "did you mean 'date'?")
        XCTAssertContains(e?.description ?? "", "\(path):1: error:")
        let typo = assertFcastError(try LongCSV.parse(text: "uniqe_id,ds,y\nA,2020-01-01,1\n", name: "t.csv"))
        XCTAssertContains(typo?.message ?? "", "no column 'unique_id'")
        XCTAssertContains(typo?.message ?? "", "did you mean 'uniqe_id'?")
        let none = assertFcastError(try LongCSV.parse(text: "unique_id,ds,zzz\nA,2020-01-01,1\n", name: "t.csv"))
        XCTAssertFalse(none?.message.contains("did you mean") ?? true)
        // The names can be chosen.
        var options = LongCSVOptions()
        options.time = "date"
        XCTAssertEqual(try LongCSV.load(path: path, options: options).count, 1)
    }

    func testEmptyAndHeaderOnly() {
        XCTAssertContains(assertFcastError(try LongCSV.parse(text: "", name: "e.csv"))?.message ?? "", "empty")
        XCTAssertContains(assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\n", name: "e.csv"))?.message ?? "", "no data rows")
        XCTAssertContains(assertFcastError(try LongCSV.load(path: "/nonexistent/x.csv"))?.message ?? "",
                          "cannot open '/nonexistent/x.csv'")
        let e = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\n,2020-01-01,1\n", name: "e.csv"))
        XCTAssertContains(e?.message ?? "", "empty series id")
    }

    // MARK: Accepted shapes

    func testQuotedFieldsWithCommasQuotesAndNewlines() throws {
        let text = #"""
        note,unique_id,y,ds
        "plain","Store, North",1.5,2020-01-01
        "two
        lines","Store, North",2.5,2020-02-01
        x,"He said ""hi""",3,2020-01-01
        "","He said ""hi""","4",2020-02-01

        """#
        let panel = try LongCSV.parse(text: text, name: "q.csv")
        XCTAssertEqual(panel.ids, ["Store, North", "He said \"hi\""])
        XCTAssertEqual(panel.y, [1.5, 2.5, 3, 4])
        XCTAssertEqual(panel.offsets, [0, 2, 4])
        XCTAssertEqual(panel.frequency, .monthly)
        // Line numbers stay right after a quoted newline.
        let bad = text.replacingOccurrences(of: "\"4\"", with: "\"four\"")
        XCTAssertEqual(assertFcastError(try LongCSV.parse(text: bad, name: "q.csv"))?.line, 6)
    }

    func testUnsortedInterleavedInput() throws {
        let text = """
        unique_id,ds,y
        B,2020-03-01,33
        A,2020-02-01,2
        B,2020-01-01,31
        A,2020-01-01,1
        C,2020-01-01,100
        B,2020-02-01,32
        A,2020-03-01,3

        """
        let panel = try LongCSV.parse(text: text, name: "u.csv")
        XCTAssertEqual(panel.ids, ["B", "A", "C"])   // order of first appearance
        XCTAssertEqual(panel.offsets, [0, 3, 6, 7])
        XCTAssertEqual(Array(panel.values(0)), [31, 32, 33])
        XCTAssertEqual(Array(panel.values(1)), [1, 2, 3])
        XCTAssertEqual(panel.times(1).map { Timestamp.format($0, style: .date) }, ["2020-01-01", "2020-02-01", "2020-03-01"])
        XCTAssertEqual(panel.index(of: "C"), 2)
        XCTAssertEqual(panel.frequency, .monthly)
        XCTAssertNoThrow(try panel.validate())
    }

    func testCRLFAndNoTrailingNewline() throws {
        let lf = try LongCSV.parse(text: "unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02,2\nB,2020-01-01,3\n", name: "lf.csv")
        let crlf = try LongCSV.parse(text: "unique_id,ds,y\r\nA,2020-01-01,1\r\nA,2020-01-02,2\r\nB,2020-01-01,3", name: "crlf.csv")
        let blankEnd = try LongCSV.parse(text: "unique_id,ds,y\r\nA,2020-01-01,1\r\nA,2020-01-02,2\r\nB,2020-01-01,3\r\n\r\n", name: "b.csv")
        for p in [crlf, blankEnd] {
            XCTAssertEqual(p.ids, lf.ids)
            XCTAssertEqual(p.ds, lf.ds)
            XCTAssertEqual(p.y, lf.y)
            XCTAssertEqual(p.frequency, .daily)
        }
        let e = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y\r\nA,2020-01-01,1\r\nA,2020-01-02,x\r\n", name: "crlf.csv"))
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 14)
    }

    func testMissingValuesExtraColumnsAndBOM() throws {
        let text = "\u{FEFF}extra,y,unique_id,ds\nq,,A,2020-01-01\nq,NA,A,2020-01-02\nq,NaN,A,2020-01-03\nq,nan,A,2020-01-04\nq, 7 ,A,2020-01-05\nq,-1.25e3,A,2020-01-06\n"
        let panel = try LongCSV.parse(text: text, name: "na.csv")
        XCTAssertEqual(panel.count, 1)
        XCTAssertEqual(panel.y.prefix(4).filter { $0.isNaN }.count, 4)
        XCTAssertEqual(panel.y[4], 7)
        XCTAssertEqual(panel.y[5], -1250)
        let d = panel.describe()
        XCTAssertEqual(d.nanCount, 4)
        XCTAssertEqual(d.seriesWithNaN, 1)
    }

    func testOtherDelimiterAndUTCSuffix() throws {
        var options = LongCSVOptions(id: "store", time: "when", value: "sales")
        options.delimiter = UInt8(ascii: ";")
        let text = "when;store;sales\n2020-01-01T00:00:00Z;\"a;b\";1,5\n2020-01-01T01:00:00Z;\"a;b\";2\n"
        // "1,5" is not a number (the decimal separator is '.'): the error points at it.
        let e = assertFcastError(try LongCSV.parse(text: text, name: "semi.csv", options: options))
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.column, 28)
        XCTAssertEqual(e?.message, "expected a number in column 'sales', found '1,5'")
        let panel = try LongCSV.parse(text: text.replacingOccurrences(of: "1,5", with: "1.5"), name: "semi.csv", options: options)
        XCTAssertEqual(panel.ids, ["a;b"])
        XCTAssertEqual(panel.y, [1.5, 2])
        XCTAssertEqual(panel.frequency, .hourly)
        XCTAssertEqual(panel.timestampStyle, .dateTime(separator: "T", seconds: true))
    }

    func testNumberParsingIsExact() throws {
        let values = ["0.1", "25338.0", "-0.000123", "123456789012345678", "1.7976931348623157e308", "4.9e-324",
                      "6.962125889799999", "0.30000000000000004", "1e22", "9007199254740993", "+3.5", ".5", "5."]
        let text = "unique_id,ds,y\n" + values.enumerated().map { "A,2020-01-\(String(format: "%02d", $0.offset + 1)),\($0.element)" }
            .joined(separator: "\n")
        let panel = try LongCSV.parse(text: text, name: "n.csv")
        for (i, v) in values.enumerated() {
            XCTAssertEqual(panel.y[i], Double(v.replacingOccurrences(of: "+", with: "")), v)
        }
    }

    // MARK: Frequency inference

    private func inferred(_ stamps: [String], id: String = "A") throws -> Panel {
        let text = "unique_id,ds,y\n" + stamps.enumerated().map { "\(id),\($0.element),\($0.offset)" }.joined(separator: "\n")
        return try LongCSV.parse(text: text, name: "f.csv")
    }

    func testInferenceOfCommonFrequencies() throws {
        XCTAssertEqual(try inferred(["2015-01-01", "2016-01-01", "2017-01-01", "2019-01-01"]).frequency, .yearly)
        XCTAssertEqual(try inferred(["2019-01-01", "2019-04-01", "2019-07-01", "2019-10-01", "2020-01-01"]).frequency, .quarterly)
        XCTAssertEqual(try inferred(["2019-11-01", "2019-12-01", "2020-01-01", "2020-02-01", "2020-03-01"]).frequency, .monthly)
        XCTAssertEqual(try inferred(["2020-01-06", "2020-01-13", "2020-01-20", "2020-02-03"]).frequency, .weekly)
        XCTAssertEqual(try inferred(["2020-02-27", "2020-02-28", "2020-02-29", "2020-03-01", "2020-03-05"]).frequency, .daily)
        let hourly = try inferred(["2020-03-01 22:00", "2020-03-01 23:00", "2020-03-02 00:00", "2020-03-02 01:00"])
        XCTAssertEqual(hourly.frequency, .hourly)
        XCTAssertEqual(hourly.timestampStyle, .dateTime(separator: " ", seconds: false))
        let quarterHour = try inferred(["2020-03-01T23:30:00", "2020-03-01T23:45:00", "2020-03-02T00:00:00", "2020-03-02T00:30:00"])
        XCTAssertEqual(quarterHour.frequency, Frequency(.minute, step: 15))
        XCTAssertEqual(quarterHour.timestampStyle, .dateTime(separator: "T", seconds: true))
        XCTAssertEqual(quarterHour.describe().missingPeriods, 1)
        XCTAssertEqual(try inferred(["2020-01", "2020-02", "2020-03"]).frequency, .monthly)
    }

    func testMonthEndData() throws {
        let panel = try inferred(["2019-11-30", "2019-12-31", "2020-01-31", "2020-02-29", "2020-03-31", "2020-04-30"])
        XCTAssertEqual(panel.frequency, Frequency(.month, endOfMonth: true))
        let d = panel.describe()
        XCTAssertEqual(d.irregularSeries, 0)
        XCTAssertEqual(d.seriesWithGaps, 0)
        XCTAssertEqual(Timestamp.format(panel.frequency.advance(panel.ds.last!, by: 1), style: .date), "2020-05-31")
        // Data on the 30th: Feb is clamped, and the grid comes back to the 30th.
        let thirtieth = try inferred(["2020-01-30", "2020-02-29", "2020-03-30", "2020-04-30", "2020-05-30"])
        XCTAssertEqual(thirtieth.frequency, .monthly)
        XCTAssertEqual(thirtieth.describe().irregularSeries, 0)
    }

    func testMostCommonSpacingWinsAcrossSeries() throws {
        // Series B has a gap of two months; the data set is still monthly.
        let text = """
        unique_id,ds,y
        A,2020-01-01,1
        A,2020-02-01,2
        A,2020-03-01,3
        B,2020-01-01,1
        B,2020-04-01,4
        B,2020-05-01,5
        """
        let panel = try LongCSV.parse(text: text, name: "g.csv")
        XCTAssertEqual(panel.frequency, .monthly)
        XCTAssertEqual(panel.describe().seriesWithGaps, 1)
        XCTAssertEqual(panel.describe().missingPeriods, 2)
    }

    func testInconsistentSpacingsAreExplained() throws {
        let e = assertFcastError(try inferred(["2020-01-01", "2020-02-01", "2020-03-01", "2020-03-15", "2020-04-01"]))
        XCTAssertEqual(e?.line, 5)
        XCTAssertContains(e?.message ?? "", "series 'A' does not fit the monthly frequency")
        XCTAssertContains(e?.message ?? "", "2020-03-15 (line 5)")
        XCTAssertContains(e?.message ?? "", "1 month (2 times)")
        XCTAssertContains(e?.message ?? "", "inconsistent")
        XCTAssertContains(e?.message ?? "", "freq:")
        // Overriding with a frequency the data fits is accepted; a wrong one is explained.
        var options = LongCSVOptions()
        options.frequency = .daily
        let text = "unique_id,ds,y\nA,2020-01-01,1\nA,2020-02-01,2\nA,2020-03-15,3\n"
        XCTAssertEqual(try LongCSV.parse(text: text, name: "d.csv", options: options).frequency, .daily)
        options.frequency = .weekly
        XCTAssertContains(assertFcastError(try LongCSV.parse(text: text, name: "d.csv", options: options))?.message ?? "",
                          "the given weekly frequency")
    }

    func testSinglePointSeriesNeedTheOverride() throws {
        let text = "unique_id,ds,y\nA,2020-01-01,1\nB,2020-01-01,2\n"
        XCTAssertContains(assertFcastError(try LongCSV.parse(text: text, name: "s.csv"))?.message ?? "",
                          "every series has a single timestamp")
        var options = LongCSVOptions()
        options.frequency = .monthly
        let panel = try LongCSV.parse(text: text, name: "s.csv", options: options)
        XCTAssertEqual(panel.count, 2)
        XCTAssertEqual(panel.frequency, .monthly)
    }

    func testLargeGeneratedFileRoundTrip() throws {
        // 300 series x 50 days, rows interleaved by date, written then read back.
        var rows: [[String]] = []
        let start = Fixture.time("2021-12-20")
        for day in 0..<50 {
            for s in 0..<300 {
                rows.append(["s\(s)", Timestamp.format(start + Int64(day) * 86_400, style: .date),
                             CSVWriter.format(Double(s) + Double(day) / 8)])
            }
        }
        let dir = try Fixture.temporaryDirectory()
        let path = dir.appendingPathComponent("big/long.csv").path
        try CSVWriter.write(header: ["unique_id", "ds", "y"], rows: rows, to: path)
        let panel = try LongCSV.load(path: path)
        XCTAssertEqual(panel.count, 300)
        XCTAssertEqual(panel.totalPoints, 15_000)
        XCTAssertEqual(panel.frequency, .daily)
        XCTAssertEqual(panel.ids[299], "s299")
        XCTAssertEqual(Array(panel.values(7).prefix(3)), [7, 7.125, 7.25])
        // Writing the panel and reading it back gives the same panel (grouped now).
        let again = dir.appendingPathComponent("again.csv").path
        try LongCSV.write(panel, to: again)
        let back = try LongCSV.load(path: again)
        XCTAssertEqual(back.ids, panel.ids)
        XCTAssertEqual(back.ds, panel.ds)
        XCTAssertEqual(back.y, panel.y)
        XCTAssertEqual(back.offsets, panel.offsets)
    }
}
