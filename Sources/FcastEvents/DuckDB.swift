import FcastCore
import Foundation

/// DuckDB's command-line program (the PyPI package duckdb-cli), run as a child process: SQL
/// in, CSV out over a pipe, read as it comes (no temporary copy of the data).
public struct DuckDB: Sendable {
    public let executable: String

    public init(executable: String) { self.executable = executable }

    public static let missingMessage =
        "DuckDB's command-line program is needed to read and write Parquet, and was not found: "
        + "install the PyPI package duckdb-cli (scripts/setup puts it in the project's .venv), "
        + "or set FCAST_DUCKDB to its path"

    /// `FCAST_DUCKDB`, else `.venv/bin/duckdb` in the current folder or one above it, or
    /// beside the running executable's project, else `duckdb` on `PATH`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DuckDB {
        let fm = FileManager.default
        if let path = environment["FCAST_DUCKDB"], !path.isEmpty {
            guard fm.isExecutableFile(atPath: path) else {
                throw FcastError("FCAST_DUCKDB is '\(path)', which is not an executable file; " + missingMessage)
            }
            return DuckDB(executable: path)
        }
        var starts = [fm.currentDirectoryPath]
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent().path
        if exe.hasPrefix("/") { starts.append(exe) }
        let bundle = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent().path
        if let bundle { starts.append(bundle) }
        for s in starts {
            var dir = URL(fileURLWithPath: s)
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent(".venv/bin/duckdb").path
                if fm.isExecutableFile(atPath: candidate) { return DuckDB(executable: candidate) }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        for dir in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/duckdb"
            if fm.isExecutableFile(atPath: candidate) { return DuckDB(executable: candidate) }
        }
        throw FcastError(missingMessage)
    }

    /// `'text'` as an SQL string literal.
    public static func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
    /// `"name"` as an SQL identifier.
    public static func identifier(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Runs `sql` and hands each row of its CSV result (header first) to `row`; `input`, when
    /// given, is written to the program's standard input (read by `'/dev/stdin'` in the SQL).
    /// DuckDB's own error message is shown when it fails.
    public func query(_ sql: String, input: ((FileHandle) throws -> Void)? = nil,
                      row: ([String]) throws -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-batch", "-csv", "-header", "-nullvalue", "", "-c", sql]
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inp
        do { try process.run() } catch {
            throw FcastError("cannot run DuckDB at '\(executable)': \(error.localizedDescription); " + DuckDB.missingMessage)
        }
        // Standard error is drained on its own thread so a chatty DuckDB never blocks.
        let errorText = UncheckedBox(Data())
        let errDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errorText.value = err.fileHandleForReading.readDataToEndOfFile()
            errDone.signal()
        }
        let inDone = DispatchSemaphore(value: 0)
        let writeFailure = UncheckedBox<(any Error)?>(nil)
        if let input {
            let box = UncheckedBox(input)
            let handle = inp.fileHandleForWriting
            Thread.detachNewThread {
                do { try box.value(handle) } catch { writeFailure.value = error }
                try? handle.close()
                inDone.signal()
            }
        } else {
            inDone.signal()
        }
        var rowError: (any Error)? = nil
        var pending = [UInt8]()
        let reader = out.fileHandleForReading
        let parser = CSVLineParser()
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            if rowError != nil { continue }       // drain, so DuckDB can finish
            pending.append(contentsOf: chunk)
            var startIndex = 0
            while let nl = pending[startIndex...].firstIndex(of: 10) {
                if rowError == nil {
                    do { try row(parser.fields(pending[startIndex..<nl])) } catch { rowError = error }
                }
                startIndex = nl + 1
            }
            pending.removeFirst(startIndex)
        }
        if !pending.isEmpty && rowError == nil { do { try row(parser.fields(pending[...])) } catch { rowError = error } }
        process.waitUntilExit()
        inDone.wait()
        errDone.wait()
        if let rowError { throw rowError }
        if let e = writeFailure.value, process.terminationStatus == 0 { throw e }
        if process.terminationStatus != 0 {
            var message = String(decoding: errorText.value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if message.isEmpty { message = "exit status \(process.terminationStatus)" }
            throw FcastError("DuckDB failed: " + message)
        }
    }

    /// Runs statements for their effect.
    public func execute(_ sql: String, input: ((FileHandle) throws -> Void)? = nil) throws {
        try query(sql, input: input) { _ in }
    }
}

/// Fields of one CSV line as DuckDB writes them (quotes around fields that need them).
struct CSVLineParser {
    func fields(_ line: ArraySlice<UInt8>) -> [String] {
        var line = line
        if line.last == 13 { line = line.dropLast() }
        var out: [String] = []
        var field = [UInt8]()
        var i = line.startIndex
        var quoted = false, wasQuoted = false
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == 34 {
                    if i + 1 < line.endIndex && line[i + 1] == 34 { field.append(34); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == 34 { quoted = true; wasQuoted = true }
            else if c == 44 { out.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true); wasQuoted = false }
            else { field.append(c) }
            i += 1
        }
        _ = wasQuoted
        out.append(String(decoding: field, as: UTF8.self))
        return out
    }
}

/// Parquet data read through DuckDB: a file, a glob, or a hive-partitioned folder.
public enum ParquetEvents {
    /// Whether a path is read as Parquet: a `.parquet` file, a glob, or a folder.
    public static func isParquet(_ path: String) -> Bool {
        if path.lowercased().hasSuffix(".parquet") || path.contains("*") || path.contains("?") { return true }
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// The SQL table expression reading `path`: folders are read as hive partitions
    /// (`folder/year=2019/month=3/part.parquet`), a folder ending in `/` too.
    public static func source(_ path: String) -> String {
        var isDir: ObjCBool = false
        var pattern = path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            pattern = (path.hasSuffix("/") ? path : path + "/") + "**/*.parquet"
        } else if path.hasSuffix("/") {
            pattern = path + "*.parquet"
        }
        let hive = pattern.contains("=") || pattern.contains("**")
        return "read_parquet(\(DuckDB.literal(pattern))\(hive ? ", hive_partitioning = true" : ""))"
    }

    /// The columns of a Parquet source and their DuckDB types; a path matching no file is an
    /// error saying so.
    public static func columns(_ path: String, duckdb: DuckDB) throws -> [(name: String, type: String)] {
        var out: [(String, String)] = []
        var header = true
        do {
            try duckdb.query("DESCRIBE SELECT * FROM \(source(path))") { row in
                if header { header = false; return }
                if row.count >= 2 { out.append((row[0], row[1])) }
            }
        } catch let e as FcastError {
            if e.message.contains("No files found") || e.message.contains("no files found") {
                throw FcastError("no Parquet file matches '\(path)' (\(e.message))")
            }
            throw e
        }
        return out
    }

    /// The SQL of the aggregation: one row per series, period and whether it is in range.
    static func aggregationSQL(path: String, query: EventQuery, columns: [(name: String, type: String)]) throws -> String {
        let names = columns.map(\.name)
        func column(_ c: String, _ role: String) throws -> String {
            guard names.contains(c) else {
                var message = "no column '\(c)' (the \(role) column) in '\(path)'; the columns are: "
                    + names.map { "'\($0)'" }.joined(separator: ", ")
                if let hint = Suggest.didYouMean(c, in: names) { message += "; \(hint)" }
                throw FcastError(message)
            }
            return DuckDB.identifier(c)
        }
        let t = try column(query.time, "time")
        let type = columns.first { $0.name == query.time }!.type.uppercased()
        let tz = DuckDB.literal(query.timeZone)
        let wallTs: String
        if type.contains("WITH TIME ZONE") {
            wallTs = "timezone(\(tz), \(t))"
        } else if type.hasPrefix("TIMESTAMP") || type == "DATE" || type == "VARCHAR" {
            wallTs = "CAST(\(t) AS TIMESTAMP)"          // local wall-clock times, as in CSV files without offsets
        } else if ["BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "UINTEGER", "DOUBLE", "FLOAT"].contains(type) {
            wallTs = "timezone(\(tz), to_timestamp(\(t)))"
        } else {
            throw FcastError("column '\(query.time)' of '\(path)' is \(type), not a timestamp, a date or epoch seconds")
        }
        let wall = "CAST(floor(epoch(\(wallTs))) AS BIGINT)"
        let ids = try query.ids.map { "CAST(\(try column($0, "id")) AS VARCHAR)" }
        let key = ids.count == 1 ? ids[0] : "concat_ws('/', \(ids.joined(separator: ", ")))"
        var conditions: [String] = []
        if let from = query.from { conditions.append("w >= \(from)") }
        if let to = query.to { conditions.append("w < \(to)") }
        let inRange = conditions.isEmpty ? "TRUE" : conditions.joined(separator: " AND ")
        let index = query.every.sqlIndex(wallSeconds: "w", wallTimestamp: "wt")
        var select = "k, CASE WHEN w IS NULL THEN NULL WHEN \(inRange) THEN \(index) ELSE -1 END AS p, "
            + "(w IS NOT NULL AND \(inRange)) AS ok, count(*) AS rows"
        var inner = "\(key) AS k, \(wallTs) AS wt, \(wall) AS w"
        if let v = query.aggregation.column {
            inner += ", CAST(\(try column(v, "value")) AS DOUBLE) AS v"
            let fold: String
            switch query.aggregation.fold {
            case .sum: fold = "sum(v)"
            case .max: fold = "max(v)"
            case .min: fold = "min(v)"
            case .count: fold = "NULL"
            }
            select += ", count(v) AS n, \(fold) AS a"
        }
        var filter = ""
        if let keep = query.keep { filter = " WHERE k IN (" + keep.map(DuckDB.literal).joined(separator: ", ") + ")" }
        return "SELECT \(select) FROM (SELECT \(inner) FROM \(source(path)))\(filter) GROUP BY ALL ORDER BY k, p"
    }

    /// Aggregates events in Parquet: projection, the range, the series kept and the
    /// aggregation go to DuckDB as SQL; the per-period rows come back as CSV.
    public static func aggregate(path: String, query: EventQuery, duckdb: DuckDB) throws -> EventAggregate {
        _ = try WallClock.zone(named: query.timeZone)
        let columns = try columns(path, duckdb: duckdb)
        let sql = try aggregationSQL(path: path, query: query, columns: columns)
        let table = EventTable(query: query)
        var header = true
        let valued = query.aggregation.column != nil
        try duckdb.query(sql) { row in
            if header { header = false; return }
            guard row.count >= (valued ? 6 : 4), let rows = Int(row[3]) else { throw FcastError("DuckDB gave an unexpected row: \(row)") }
            table.report.rows += rows
            guard row[1] != "" else { table.report.badRows += rows; return }     // no timestamp
            guard row[2] == "true", let p = Int64(row[1]) else { table.report.outOfRange += rows; return }
            let c = table.cells(for: row[0])
            let i = c.slot(p)
            table.report.used += rows
            if valued {
                let n = Int64(row[4]) ?? 0
                c.counts[i] += n
                table.report.missingValues += rows - Int(n)
                if n > 0, let a = Double(row[5]) { c.acc[i] = a }
            } else {
                c.counts[i] += Int64(rows)
            }
        }
        if table.report.badRows > 0 && !query.skipBadRows {
            throw FcastError("\(table.report.badRows) rows of '\(path)' have no time in column '\(query.time)' (on_error: \"skip\" leaves them out)")
        }
        if query.keep == nil { table.report.otherKeys = 0 }
        return table.finish(name: path)
    }

    /// Writes a table (a header and rows of text) to a Parquet file through DuckDB: the rows
    /// stream into its standard input as CSV; column types are detected (`types` overrides).
    public static func write(header: [String], rows: AnySequence<[String]>, to path: String, duckdb: DuckDB,
                             types: [String: String] = [:]) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let temporary = path + ".tmp-\(getpid())"
        var options = "header = true, auto_detect = true"
        if !types.isEmpty {
            options += ", types = {" + types.map { "\(DuckDB.literal($0.key)): \(DuckDB.literal($0.value))" }.joined(separator: ", ") + "}"
        }
        let sql = "COPY (SELECT * FROM read_csv('/dev/stdin', \(options))) TO \(DuckDB.literal(temporary)) (FORMAT parquet)"
        let rowsBox = UncheckedBox(rows)
        do {
            try duckdb.execute(sql) { handle in
                var buffer = [UInt8](); buffer.reserveCapacity(1 << 16)
                func put(_ fields: [String]) {
                    for (i, f) in fields.enumerated() {
                        if i > 0 { buffer.append(44) }
                        if f.contains(",") || f.contains("\"") || f.contains("\n") {
                            buffer.append(34); buffer.append(contentsOf: f.replacingOccurrences(of: "\"", with: "\"\"").utf8); buffer.append(34)
                        } else { buffer.append(contentsOf: f.utf8) }
                    }
                    buffer.append(10)
                    if buffer.count > 1 << 16 { handle.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
                }
                put(header)
                for r in rowsBox.value { put(r) }
                handle.write(Data(buffer))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            throw FcastError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}
