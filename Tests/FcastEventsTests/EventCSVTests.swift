import FcastCore
@testable import FcastEvents
import Foundation
import XCTest

/// Deterministic generator for test data (SplitMix64).
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func temporaryFile(_ name: String, _ text: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcast-events-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

final class EventCSVTests: XCTestCase {
    /// Rows of synthetic events across both 2024 DST changes in New York, as UTC instants
    /// written with `Z`, an offset, or epoch seconds (all instants), fares with cents.
    static func events(rows: Int, seed: UInt64, style: Int) -> (text: String, rows: [(key: String, t: Int64, fare: Double)]) {
        var r = TestRandom(state: seed)
        var out = "pickup_time,location,fare,payment\n"
        var rows_: [(String, Int64, Double)] = []
        let start = Timestamp.make(year: 2024, month: 1, day: 1)
        let span: Int64 = 366 * 86_400
        for _ in 0..<rows {
            let t = start + Int64(r.below(Int(span)))
            let key = "PU\(r.below(37))"
            let fare = Double(r.below(10_000)) / 100
            let time: String
            switch style {
            case 0: time = Timestamp.format(t, style: .dateTime(separator: "T", seconds: true)) + "Z"
            case 1: time = String(t)
            default:
                // The same instant written with New York's offset at that instant.
                let off = TimeZone(identifier: "America/New_York")!.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
                let sign = off < 0 ? "-" : "+"
                time = Timestamp.format(t + Int64(off), style: .dateTime(separator: " ", seconds: true))
                    + String(format: "%@%02d:%02d", sign, abs(off) / 3600, (abs(off) % 3600) / 60)
            }
            out += "\(time),\(key),\(String(format: "%.2f", fare)),card\n"
            rows_.append((key, t, fare))
        }
        return (out, rows_)
    }

    /// The local day of an instant in New York, by Foundation's Calendar: an independent
    /// computation of what the aggregation must find.
    static func localDay(_ t: Int64, _ calendar: Calendar) -> Int64 {
        let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(t)))
        return Timestamp.daysFromCivil(year: c.year!, month: c.month!, day: c.day!) * 86_400
    }

    func testDailyCountsAndSumsMatchBruteForceInBothChunks() throws {
        for style in 0..<3 {
            let (text, rows) = Self.events(rows: 40_000, seed: UInt64(7 + style), style: style)
            XCTAssertGreaterThan(text.utf8.count, 1 << 20, "large enough to be read in two chunks")
            let path = try temporaryFile("events\(style).csv", text)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "America/New_York")!
            var counts: [String: [Int64: Int]] = [:], sums: [String: [Int64: Double]] = [:]
            for r in rows {
                let d = Self.localDay(r.t, calendar)
                counts[r.key, default: [:]][d, default: 0] += 1
                sums[r.key, default: [:]][d, default: 0] += r.fare
            }
            for aggregation in [Aggregation.count, .sum("fare")] {
                let query = EventQuery(time: "pickup_time", ids: ["location"], every: .day, aggregation: aggregation,
                                       timeZone: "America/New_York")
                let result = try EventCSV.aggregate(path: path, query: query, threads: 2)
                XCTAssertEqual(result.report.rows, rows.count)
                XCTAssertEqual(result.report.used, rows.count)
                let panel = result.panel
                XCTAssertEqual(panel.ids, counts.keys.sorted())
                for (i, id) in panel.ids.enumerated() {
                    for j in panel.range(i) {
                        let d = panel.ds[j]
                        if aggregation == .count {
                            XCTAssertEqual(panel.y[j], Double(counts[id]![d] ?? 0), "\(id) \(Timestamp.format(d, style: .date))")
                        } else if let s = sums[id]![d] {
                            XCTAssertEqual(panel.y[j], s, accuracy: 1e-9 * max(1, abs(s)), "\(id) \(d)")
                        } else {
                            XCTAssertTrue(panel.y[j].isNaN, "an empty day has no sum")
                        }
                    }
                }
                if aggregation == .count {
                    XCTAssertEqual(panel.y.reduce(0, +), Double(rows.count), "every event counted once")
                }
            }
        }
    }

    func testNewYorkDSTDaysHave23And25Hours() throws {
        // One event a minute, as epoch seconds, from 2026-03-07 to 2026-03-09 and from
        // 2026-10-31 to 2026-11-02 New York time (UTC-5 in winter, UTC-4 in summer).
        var text = "t,k\n"
        let spring = Timestamp.make(year: 2026, month: 3, day: 7, hour: 5)        // 00:00 EST
        let fall = Timestamp.make(year: 2026, month: 10, day: 31, hour: 4)        // 00:00 EDT
        for start in [spring, fall] {
            let end = start + 3 * 86_400 - (start == spring ? 3600 : -3600)
            var t = start
            while t < end { text += "\(t),a\n"; t += 60 }
        }
        let query = EventQuery(time: "t", ids: ["k"], every: .day, timeZone: "America/New_York",
                               from: Timestamp.make(year: 2026, month: 3, day: 7), to: Timestamp.make(year: 2026, month: 11, day: 3))
        let result = try EventCSV.aggregate(text: text, name: "dst.csv", query: query)
        let p = result.panel
        func day(_ m: Int, _ d: Int) -> Double {
            let i = p.ds.firstIndex(of: Timestamp.make(year: 2026, month: m, day: d))!
            return p.y[i]
        }
        XCTAssertEqual(day(3, 7), 1440)
        XCTAssertEqual(day(3, 8), 1380, "spring forward: a 23-hour day")
        XCTAssertEqual(day(3, 9), 1440)
        XCTAssertEqual(day(3, 10), 0, "an empty day counts 0")
        XCTAssertEqual(day(10, 31), 1440)
        XCTAssertEqual(day(11, 1), 1500, "fall back: a 25-hour day")
        XCTAssertEqual(day(11, 2), 1440)
        XCTAssertEqual(result.report.outOfRange, 0)

        // Hours: the local hour 02:00 does not exist on 2026-03-08; 01:00 happens twice on 11-01.
        var hourly = query
        hourly.every = .hour
        let h = try EventCSV.aggregate(text: text, name: "dst.csv", query: hourly).panel
        func hour(_ m: Int, _ d: Int, _ hh: Int) -> Double { h.y[h.ds.firstIndex(of: Timestamp.make(year: 2026, month: m, day: d, hour: hh))!] }
        XCTAssertEqual(hour(3, 8, 1), 60)
        XCTAssertEqual(hour(3, 8, 2), 0)
        XCTAssertEqual(hour(3, 8, 3), 60)
        XCTAssertEqual(hour(11, 1, 1), 120, "both 01:00 hours")
    }

    func testBadRowsNameLineAndColumn() throws {
        let text = "ts,id,fare\n2024-01-01 10:00,a,1.5\n2024-01-01 11:00,b,x2\n2024-13-01 00:00,a,1\n2024-01-02 09:00,a\n2024-01-02 10:00,a,2.5\n"
        var query = EventQuery(time: "ts", ids: ["id"], every: .day, aggregation: .sum("fare"))
        XCTAssertThrowsError(try EventCSV.aggregate(text: text, name: "bad.csv", query: query)) { error in
            XCTAssertEqual("\(error)", "bad.csv:3:20: error: cannot read 'x2' in column 'fare' as a number")
        }
        query.skipBadRows = true
        let r = try EventCSV.aggregate(text: text, name: "bad.csv", query: query)
        XCTAssertEqual(r.report.badRows, 3)
        XCTAssertEqual(r.report.badExamples.map(\.locatedMessage), [
            "bad.csv:3:20: cannot read 'x2' in column 'fare' as a number",
            "bad.csv:4:1: cannot read '2024-13-01 00:00' in column 'ts' as a timestamp (expected YYYY-MM-DD[ HH:MM[:SS]] with an optional Z or UTC offset, or epoch seconds)",
            "bad.csv:5:19: the row has 2 fields; column 'fare' (field 3) is missing",
        ])
        XCTAssertEqual(r.report.used, 2)
        XCTAssertEqual(r.panel.ids, ["a"])
        XCTAssertEqual(r.panel.y, [1.5, 2.5])
        XCTAssertTrue(r.report.description.contains("3 bad rows skipped"), r.report.description)
    }

    func testMissingColumnListsTheColumns() {
        let query = EventQuery(time: "pickup", ids: ["id"], every: .day)
        XCTAssertThrowsError(try EventCSV.aggregate(text: "ts,id\n2024-01-01,a\n", name: "e.csv", query: query)) { error in
            XCTAssertEqual("\(error)", "e.csv:1: error: no column 'pickup' (the time column) in the header; the columns are: 'ts', 'id'")
        }
    }

    func testMixedOffsetsAreAnError() {
        let query = EventQuery(time: "ts", ids: ["id"], every: .day)
        XCTAssertThrowsError(try EventCSV.aggregate(text: "ts,id\n2024-01-01 10:00,a\n2024-01-01T11:00:00Z,a\n", name: "m.csv", query: query)) { error in
            XCTAssertTrue("\(error)".hasPrefix("m.csv:3:1: error: mixed time zone offsets in column 'ts': line 2 has a local time"), "\(error)")
        }
    }

    func testSeveralKeysRangeAndKeep() throws {
        let text = """
        ts,zone,kind,fare
        2024-02-27,A,x,1
        2024-02-28,A,y,2
        2024-02-28,B,x,3
        2024-03-02,A,x,4
        2024-03-05,A,x,5

        """
        let query = EventQuery(time: "ts", ids: ["zone", "kind"], every: .day, aggregation: .max("fare"),
                               from: Timestamp.make(year: 2024, month: 2, day: 28), to: Timestamp.make(year: 2024, month: 3, day: 3),
                               keep: ["A/x", "C/z"])
        let r = try EventCSV.aggregate(text: text, name: "k.csv", query: query)
        XCTAssertEqual(r.panel.ids, ["A/x"])
        XCTAssertEqual(r.panel.ds.map { Timestamp.format($0, style: .date) }, ["2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"])
        XCTAssertEqual(r.panel.y.map { $0.isNaN ? -1 : $0 }, [-1, -1, -1, 4])
        XCTAssertEqual(r.report.outOfRange, 2)
        XCTAssertEqual(r.report.absentKeys, ["C/z"])
        var monthly = query
        monthly.every = .month; monthly.aggregation = .count; monthly.keep = nil; monthly.from = nil; monthly.to = nil
        let m = try EventCSV.aggregate(text: text, name: "k.csv", query: monthly).panel
        XCTAssertEqual(m.ids, ["A/x", "A/y", "B/x"])
        XCTAssertEqual(Array(m.values(0)), [1, 2])
    }

    func testNumbersAndTimestamps() {
        func num(_ s: String) -> Double? { var s = s; return s.withUTF8 { Fields.number($0.baseAddress!, $0.count) } }
        for s in ["0", "-12.5", "3e4", ".5", "123456789.123456789", "1e-300", "17.99"] {
            XCTAssertEqual(num(s), Double(s), s)
        }
        XCTAssertNil(num("1.2.3")); XCTAssertNil(num("-")); XCTAssertNil(num("1e"))
        func ts(_ s: String) -> Int64? { var s = s; return s.withUTF8 { Fields.timestamp($0.baseAddress!, $0.count)?.0 } }
        XCTAssertEqual(ts("2024-03-10T07:30:00.123Z"), Timestamp.make(year: 2024, month: 3, day: 10, hour: 7, minute: 30))
        XCTAssertEqual(ts("2024-03-10 02:30:00-05:00"), Timestamp.make(year: 2024, month: 3, day: 10, hour: 7, minute: 30))
        XCTAssertEqual(ts("1710055800"), Timestamp.make(year: 2024, month: 3, day: 10, hour: 7, minute: 30))
        XCTAssertEqual(ts("1710055800000"), Timestamp.make(year: 2024, month: 3, day: 10, hour: 7, minute: 30))
        XCTAssertNil(ts("2024-02-30")); XCTAssertNil(ts("2024-01-01 25:00"))
    }
}
