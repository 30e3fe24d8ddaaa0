import FcastCore
import Foundation

/// Raw events not read yet: a CSV file or Parquet data (file, glob, hive folder), the
/// columns that matter and the rows kept. Reading happens in `aggregate`, streaming.
public struct EventSource: Sendable, CustomStringConvertible {
    /// The path as written, and as the host resolved it.
    public var path: String
    public var resolved: String
    public var time: String
    public var ids: [String]
    /// Numeric columns kept for aggregations (empty: any column may be named later).
    public var values: [String]
    public var from: Int64? = nil
    public var to: Int64? = nil
    public var keep: [String]? = nil

    public init(path: String, resolved: String, time: String, ids: [String], values: [String]) {
        self.path = path
        self.resolved = resolved
        self.time = time
        self.ids = ids
        self.values = values
    }

    public var isParquet: Bool { ParquetEvents.isParquet(resolved) }

    public var description: String {
        var s = "events: \(path) (\(isParquet ? "Parquet" : "CSV")), time \(time), id \(ids.joined(separator: ", "))"
        if !values.isEmpty { s += ", values \(values.joined(separator: ", "))" }
        if from != nil || to != nil {
            s += ", from " + (from.map { Timestamp.format($0, style: .date) } ?? "the start")
                + " to " + (to.map { Timestamp.format($0, style: .date) } ?? "the end")
        }
        if let keep { s += ", \(keep.count) series kept" }
        return s
    }

    /// The columns of the source (the CSV header, or Parquet's schema through DuckDB).
    public func columns(duckdb: () throws -> DuckDB) throws -> [String] {
        if isParquet { return try ParquetEvents.columns(resolved, duckdb: try duckdb()).map(\.name) }
        guard let f = fopen(resolved, "r") else { throw FcastError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        guard getline(&line, &cap, f) > 0, let line else { throw FcastError("the file is empty (a header row naming the columns is required)", file: path) }
        var header = String(cString: line).trimmingCharacters(in: .newlines)
        if header.hasPrefix("\u{FEFF}") { header.removeFirst() }
        return header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }

    /// Checks that the named columns exist; the error lists those that do.
    public func check(columns: [String]) throws {
        let named = [(time, "time")] + ids.map({ ($0, "id") }) + values.map({ ($0, "value") })
        for (c, role) in named where !columns.contains(c) {
            var message = "no column '\(c)' (the \(role) column) in '\(path)'; the columns are: "
                + columns.map { "'\($0)'" }.joined(separator: ", ")
            if let hint = Suggest.didYouMean(c, in: columns) { message += "; \(hint)" }
            throw FcastError(message)
        }
    }

    /// Aggregates the events: CSV in this process on every core, Parquet inside DuckDB.
    public func aggregate(every: Period, aggregation: Aggregation, timeZone: String, skipBadRows: Bool,
                          duckdb: () throws -> DuckDB) throws -> EventAggregate {
        if let c = aggregation.column, !values.isEmpty, !values.contains(c) {
            throw FcastError("\(aggregation) names column '\(c)', which load() did not keep; it kept: "
                             + values.map { "'\($0)'" }.joined(separator: ", "))
        }
        let query = EventQuery(time: time, ids: ids, every: every, aggregation: aggregation, timeZone: timeZone,
                               from: from, to: to, keep: keep, skipBadRows: skipBadRows)
        var result = isParquet
            ? try ParquetEvents.aggregate(path: resolved, query: query, duckdb: try duckdb())
            : try EventCSV.aggregate(path: resolved, name: path, query: query)
        result.report.source = path
        result.panel.name = path
        return result
    }
}
