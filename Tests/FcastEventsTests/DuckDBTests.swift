import FcastCore
@testable import FcastEvents
import Foundation
import XCTest

/// The Parquet route through DuckDB's CLI (scripts/setup installs it in .venv; these tests
/// fail, saying so, when it is missing).
final class DuckDBTests: XCTestCase {
    func duckdb() throws -> DuckDB {
        do { return try DuckDB.locate() } catch {
            XCTFail("DuckDB is needed for these tests: run scripts/setup (it installs the PyPI package duckdb-cli into .venv). \(error)")
            throw error
        }
    }

    func assertSame(_ a: Panel, _ b: Panel, sums: Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.ids, b.ids, file: file, line: line)
        XCTAssertEqual(a.offsets, b.offsets, file: file, line: line)
        XCTAssertEqual(a.ds, b.ds, file: file, line: line)
        XCTAssertEqual(a.y.count, b.y.count, file: file, line: line)
        for (x, y) in zip(a.y, b.y) {
            if x.isNaN || y.isNaN { XCTAssertTrue(x.isNaN && y.isNaN, file: file, line: line); continue }
            if sums { XCTAssertEqual(x, y, accuracy: 1e-9 * max(1, abs(x)), file: file, line: line) } else { XCTAssertEqual(x, y, file: file, line: line) }
        }
    }

    func testParquetInstantsGiveTheSameDailySeriesAsCSVAcrossDST() throws {
        let db = try duckdb()
        let (text, rows) = EventCSVTests.events(rows: 30_000, seed: 11, style: 0)
        let csv = try temporaryFile("instants.csv", text)
        let parquet = (csv as NSString).deletingLastPathComponent + "/instants.parquet"
        try db.execute("COPY (SELECT * FROM read_csv(\(DuckDB.literal(csv)), header = true, types = {'pickup_time': 'TIMESTAMPTZ', 'location': 'VARCHAR'})) TO \(DuckDB.literal(parquet)) (FORMAT parquet)")
        for aggregation in [Aggregation.count, .sum("fare"), .max("fare"), .mean("fare")] {
            let query = EventQuery(time: "pickup_time", ids: ["location"], every: .day, aggregation: aggregation, timeZone: "America/New_York")
            let fromCSV = try EventCSV.aggregate(path: csv, query: query, threads: 2)
            let fromParquet = try ParquetEvents.aggregate(path: parquet, query: query, duckdb: db)
            assertSame(fromCSV.panel, fromParquet.panel, sums: aggregation != .count)
            XCTAssertEqual(fromParquet.report.rows, rows.count)
            XCTAssertEqual(fromParquet.report.used, rows.count)
        }
        // The DST days are in the data and have the events of 23 and 25 hours.
        let q = EventQuery(time: "pickup_time", ids: ["location"], every: .day, timeZone: "America/New_York")
        let p = try ParquetEvents.aggregate(path: parquet, query: q, duckdb: db).panel
        XCTAssertTrue(p.ds.contains(Timestamp.make(year: 2024, month: 3, day: 10)))
        XCTAssertTrue(p.ds.contains(Timestamp.make(year: 2024, month: 11, day: 3)))
    }

    func testHiveFolderOfGeneratedTripsMatchesCSVWithRangeAndKeys() throws {
        let db = try duckdb()
        var g = TripGenerator()
        g.locations = 12; g.days = 70; g.busiest = 60; g.seed = 5
        g.start = Timestamp.make(year: 2023, month: 12, day: 1)
        let csv = try temporaryFile("trips.csv", "")
        let n = try g.writeCSV(to: csv)
        XCTAssertGreaterThan(n, 2000)
        let folder = (csv as NSString).deletingLastPathComponent + "/trips"
        try? FileManager.default.removeItem(atPath: folder)
        try TripGenerator.writeParquet(csv: csv, folder: folder, duckdb: db)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/year=2024/month=1"))
        var query = EventQuery(time: "pickup_time", ids: ["location"], every: .day, aggregation: .sum("fare"),
                               timeZone: "America/New_York",
                               from: Timestamp.make(year: 2024, month: 1, day: 1), to: Timestamp.make(year: 2024, month: 2, day: 1),
                               keep: ["1", "3", "99"])
        for every in [Period.day, .week, .month, .hour] {
            query.every = every
            let a = try EventCSV.aggregate(path: csv, query: query, threads: 2)
            let b = try ParquetEvents.aggregate(path: folder, query: query, duckdb: db)
            assertSame(a.panel, b.panel, sums: true)
            XCTAssertEqual(a.panel.ids, ["1", "3"])
            XCTAssertEqual(b.report.absentKeys, ["99"])
            XCTAssertEqual(a.report.used, b.report.used)
        }
        // A glob over the same files, counts.
        query.aggregation = .count; query.every = .day; query.keep = nil
        let glob = try ParquetEvents.aggregate(path: folder + "/year=2024/*/*.parquet", query: query, duckdb: db)
        let whole = try EventCSV.aggregate(path: csv, query: query, threads: 2)
        assertSame(whole.panel, glob.panel, sums: false)
        XCTAssertEqual(glob.panel.count, 12)
    }

    func testWriteParquetAndReadItBack() throws {
        let db = try duckdb()
        let dir = (try temporaryFile("x.txt", "") as NSString).deletingLastPathComponent
        let path = dir + "/out/series.parquet"
        try ParquetEvents.write(header: ["unique_id", "ds", "y"],
                                rows: AnySequence([["a,1", "2024-01-01", "1.5"], ["b", "2024-01-02", ""]]),
                                to: path, duckdb: db, types: ["ds": "TIMESTAMP"])
        var rows: [[String]] = []
        try db.query("SELECT unique_id, ds, y FROM read_parquet(\(DuckDB.literal(path))) ORDER BY 1") { rows.append($0) }
        XCTAssertEqual(rows, [["unique_id", "ds", "y"], ["a,1", "2024-01-01 00:00:00", "1.5"], ["b", "2024-01-02 00:00:00", ""]])
    }

    func testErrorsNameThePackageThePathAndDuckDBsMessage() throws {
        XCTAssertThrowsError(try DuckDB.locate(environment: ["FCAST_DUCKDB": "/nonexistent/duckdb"])) { error in
            XCTAssertTrue("\(error)".contains("duckdb-cli"), "\(error)")
            XCTAssertTrue("\(error)".contains("scripts/setup"), "\(error)")
        }
        let db = try duckdb()
        let query = EventQuery(time: "t", ids: ["k"], every: .day)
        XCTAssertThrowsError(try ParquetEvents.aggregate(path: "/nonexistent/dir/*.parquet", query: query, duckdb: db)) { error in
            XCTAssertTrue("\(error)".contains("no Parquet file matches '/nonexistent/dir/*.parquet'"), "\(error)")
        }
        XCTAssertThrowsError(try db.execute("SELECT * FROM no_such_table")) { error in
            XCTAssertTrue("\(error)".contains("DuckDB failed: ") && "\(error)".contains("no_such_table"), "\(error)")
        }
        // A file name with a quote is quoted safely.
        let dir = (try temporaryFile("y.txt", "") as NSString).deletingLastPathComponent
        let odd = dir + "/it's.parquet"
        try db.execute("COPY (SELECT TIMESTAMP '2024-01-01 10:00' AS t, 'a' AS k) TO \(DuckDB.literal(odd)) (FORMAT parquet)")
        let r = try ParquetEvents.aggregate(path: odd, query: query, duckdb: db)
        XCTAssertEqual(r.panel.ids, ["a"]); XCTAssertEqual(r.panel.y, [1])
        var missing = query; missing.time = "when"
        XCTAssertThrowsError(try ParquetEvents.aggregate(path: odd, query: missing, duckdb: db)) { error in
            XCTAssertTrue("\(error)".contains("no column 'when' (the time column)") && "\(error)".contains("'t', 'k'"), "\(error)")
        }
    }
}
