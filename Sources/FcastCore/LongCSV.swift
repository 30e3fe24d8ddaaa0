import Foundation

/// Options for reading a long-format CSV (`unique_id,ds,y`).
public struct LongCSVOptions: Sendable {
    /// Name of the series id column.
    public var id = "unique_id"
    /// Name of the timestamp column.
    public var time = "ds"
    /// Name of the value column.
    public var value = "y"
    /// The data's frequency; inferred from the timestamps when nil.
    public var frequency: Frequency? = nil
    /// A business calendar for an inferred frequency (`freq: "business_hours(...)"` with no
    /// step): the step is inferred, then put on this calendar.
    public var calendar: BusinessHours? = nil
    /// Field delimiter (a single ASCII byte): `,` by default, `;` or tab also work.
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// `on_error: "skip"`: a row with a bad timestamp, value or id (or the wrong number of
    /// fields) is left out, counted and reported in `Panel.refused`, instead of stopping the load.
    public var skipBadRows = false
    /// Extra numeric columns kept as regressors (`load(..., regressors: [...])`), aligned with
    /// the values: empty, `NA` or `NaN` is a missing value.
    public var regressors: [String] = []

    public init() {}

    public init(id: String = "unique_id", time: String = "ds", value: String = "y", frequency: Frequency? = nil) {
        self.id = id
        self.time = time
        self.value = value
        self.frequency = frequency
    }
}

/// Reader for long-format CSV files: one row per (series, timestamp) with an id, a timestamp and a value.
///
/// Rules:
/// - A header row is required; the three columns are found by name (any order, other columns ignored).
/// - RFC 4180 quoting (`"a,b"`, `""` escapes), LF or CRLF line ends, optional trailing newline;
///   empty lines are skipped; a UTF-8 byte order mark is ignored.
/// - Empty values and `NA`, `N/A`, `NaN`/`nan`, `null`, `None` are missing values (NaN).
/// - Rows may come in any order: series are numbered in order of first appearance and sorted
///   by timestamp (stable) within each series. A repeated (id, timestamp) is an error.
/// - The frequency is inferred from the most common spacing between consecutive timestamps over
///   all series (calendar months, quarters and years are recognised), unless given. Every
///   timestamp must then lie on its series' grid (a whole number of steps after its first one);
///   gaps are allowed and reported by `Panel.describe()`.
/// - Errors are `FcastError`s naming the file, the line and the column (1-based, in characters).
public enum LongCSV {
    public static func load(path: String, options: LongCSVOptions = .init()) throws -> Panel {
        try FileIO.withContents(path: path) { try parse(bytes: $0, name: path, options: options) }
    }

    public static func parse(bytes: [UInt8], name: String, options: LongCSVOptions = .init()) throws -> Panel {
        try bytes.withUnsafeBufferPointer { try parse(bytes: $0, name: name, options: options) }
    }

    public static func parse(text: String, name: String, options: LongCSVOptions = .init()) throws -> Panel {
        try parse(bytes: Array(text.utf8), name: name, options: options)
    }

    public static func parse(bytes: UnsafeBufferPointer<UInt8>, name: String, options: LongCSVOptions = .init()) throws -> Panel {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw FcastError("the file is empty (a header row '\(options.id),\(options.time),\(options.value)' is required)", file: name)
        }
        var reader = LongCSVReader(base: base, end: bytes.count, name: name, options: options)
        return try reader.read()
    }
}

/// Reading whole files.
public enum FileIO {
    /// Calls `body` with the bytes of a file: memory-mapped (read-only, pre-faulted) when it is a
    /// regular file, read in one go otherwise. The buffer is valid only during the call.
    public static func withContents<R>(path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        if path.utf8.contains(0) {
            throw FcastError("cannot open '\(TerminalText.escape(path))': the path contains a NUL character")
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK)   // a FIFO must not block the open: it is refused below
        guard fd >= 0 else { throw FcastError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        var st = stat()
        let statOK = fstat(fd, &st) == 0
        if statOK && (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw FcastError("cannot read '\(path)': it is a directory")
        }
        // A FIFO, socket or device (/dev/zero) may never end: only regular files are read.
        if statOK && (st.st_mode & S_IFMT) != S_IFREG {
            close(fd)
            throw FcastError("cannot read '\(path)': it is \(FileIO.kind(st.st_mode)), not a regular file "
                             + "(a FIFO or a device may never end); save the data to a file first")
        }
        if statOK {
            let budget = ResourceBudget.memory
            // The file is mapped, and its rows take about as much again as columns.
            if Int(st.st_size) > budget.bytes / 2 {
                close(fd)
                throw FcastError("cannot read '\(path)': it is \(ResourceBudget.format(bytes: Int(st.st_size))), and loading it "
                                 + "would take about twice that, more than the memory budget of "
                                 + "\(ResourceBudget.format(bytes: budget.bytes)) (\(budget.source))")
            }
        }
        if statOK && (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0 {
            let size = Int(st.st_size)
            #if os(Linux)
            let flags = MAP_PRIVATE | MAP_POPULATE
            #else
            let flags = MAP_PRIVATE
            #endif
            let address = mmap(nil, size, PROT_READ, flags, fd, 0)
            close(fd)
            if let address, address != MAP_FAILED {
                defer { munmap(address, size) }
                return try body(UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size))
            }
        } else {
            close(fd)
        }
        let bytes = try readAll(path: path)
        return try bytes.withUnsafeBufferPointer { try body($0) }
    }

    /// "a FIFO", "a character device"... for messages.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a directory"
        default: return "not a regular file"
        }
    }

    /// The bytes of a file, read in one go.
    public static func readAll(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK)   // a FIFO must not block the open: it is refused below
        guard fd >= 0 else { throw FcastError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FcastError("cannot read '\(path)': \(String(cString: strerror(errno)))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw FcastError("cannot read '\(path)': it is a directory") }
        if (st.st_mode & S_IFMT) != S_IFREG {
            throw FcastError("cannot read '\(path)': it is \(kind(st.st_mode)), not a regular file (a FIFO or a device may never end)")
        }
        let size = Int(st.st_size)
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; break }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw FcastError("cannot read '\(path)': \(String(cString: strerror(failure)))") }
        // The file may have grown since fstat (or be a pipe): read whatever remains.
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw FcastError("cannot read '\(path)': \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}

// MARK: - Reader

private let QUOTE: UInt8 = 34, LF: UInt8 = 10, CR: UInt8 = 13, SPACE: UInt8 = 32, TAB: UInt8 = 9

/// One field of a row: content bytes `start..<end` (inside the quotes when quoted).
struct FieldSpan {
    var start = 0
    var end = 0
    var quoted = false
    var escaped = false   // contains `""` that must be unescaped
    /// Byte where the field begins (its opening quote when quoted).
    var origin: Int { quoted ? start - 1 : start }
}

struct LongCSVReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    let name: String
    let options: LongCSVOptions
    let delimiter: UInt8

    /// Current line number (1-based) at the scan position.
    var line = 1

    init(base: UnsafePointer<UInt8>, end: Int, name: String, options: LongCSVOptions) {
        self.base = base
        self.end = end
        self.name = name
        self.options = options
        self.delimiter = options.delimiter
    }

    // MARK: Locations and errors

    /// Line and character column (1-based) of byte `b`, given the row that contains it.
    func locate(_ b: Int, rowStart: Int, rowLine: Int) -> (line: Int, column: Int) {
        var l = rowLine, lineStart = rowStart
        var i = rowStart
        while i < b { if base[i] == LF { l += 1; lineStart = i + 1 }; i += 1 }
        var column = 1
        i = lineStart
        while i < b { if base[i] & 0xC0 != 0x80 { column += 1 }; i += 1 }
        return (l, column)
    }

    func error(_ message: String, at b: Int, rowStart: Int, rowLine: Int) -> FcastError {
        let (l, c) = locate(b, rowStart: rowStart, rowLine: rowLine)
        return FcastError(message, file: name, line: l, column: c)
    }

    /// The field's text for messages (unescaped, truncated).
    func text(_ f: FieldSpan) -> String {
        var bytes = Array(UnsafeBufferPointer(start: base + f.start, count: f.end - f.start))
        if f.escaped { bytes = Self.unescape(bytes) }
        var s = String(decoding: bytes, as: UTF8.self)
        if s.count > 60 { s = String(s.prefix(57)) + "..." }
        return TerminalText.escape(s)
    }

    static func unescape(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity(bytes.count)
        var skip = false
        for b in bytes {
            if skip { skip = false; continue }
            out.append(b)
            if b == QUOTE { skip = true }
        }
        return out
    }

    // MARK: Tokenizer

    /// Scans one row starting at `pos` (a line start), recording up to `capacity` field spans.
    /// Returns the number of fields; `pos` moves past the row's line end and `line` past its lines.
    @inline(__always)
    mutating func scanRow(_ pos: inout Int, _ spans: UnsafeMutablePointer<FieldSpan>, _ capacity: Int) throws -> Int {
        let rowStart = pos, rowLine = line
        var p = pos
        var n = 0
        var extraLines = 0
        let delimiter = self.delimiter
        while true {
            var field = FieldSpan()
            if p < end && base[p] == QUOTE {
                let open = p
                field.quoted = true
                p += 1
                field.start = p
                while true {
                    guard p < end else {
                        throw error("unterminated quoted field: the quote opened here is never closed",
                                    at: open, rowStart: rowStart, rowLine: rowLine)
                    }
                    let c = base[p]
                    if c == QUOTE {
                        if p + 1 < end && base[p + 1] == QUOTE { field.escaped = true; p += 2; continue }
                        field.end = p
                        p += 1
                        break
                    }
                    if c == LF { extraLines += 1 }
                    p += 1
                }
                if p < end {
                    let c = base[p]
                    if c != delimiter && c != LF && c != CR {
                        throw error("expected '\(Character(Unicode.Scalar(delimiter)))' or the end of the line after the closing quote, found '\(Character(Unicode.Scalar(c)))'",
                                    at: p, rowStart: rowStart, rowLine: rowLine)
                    }
                }
            } else {
                field.start = p
                while p < end {
                    let c = base[p]
                    if c == delimiter || c == LF || c == CR { break }
                    p += 1
                }
                field.end = p
            }
            if n < capacity { spans[n] = field }
            n += 1
            if p < end && base[p] == delimiter { p += 1; continue }
            // End of the row.
            if p < end {
                if base[p] == CR {
                    p += 1
                    if p < end && base[p] == LF { p += 1 }
                } else {
                    p += 1
                }
            }
            break
        }
        pos = p
        line += 1 + extraLines
        return n
    }

    // MARK: Reading

    /// Reads the whole file, in steps: the header and the three columns in it, the rows scanned
    /// into columns (ids interned as they come), the rows grouped by series, each series sorted
    /// by time and checked for repeated timestamps, the frequency resolved, the panel assembled.
    mutating func read() throws -> Panel {
        var pos = try skipToHeader()
        let columns = try readHeader(&pos)
        var rows = try scanRows(from: pos, columns: columns)
        if rows.count == 0 && options.frequency == nil {
            throw FcastError("no data rows after the header", file: name)
        }
        let offsets = rows.groupBySeries()
        let ids = rows.interner.strings()
        let style = Timestamp.style(code: rows.styleCode)
        try rows.sortEachSeriesByTime(offsets: offsets, ids: ids, style: style, file: name)
        let frequency = try FrequencyInference.resolve(ds: rows.ds, offsets: offsets, ids: ids, lines: rows.lines,
                                                       given: options.frequency, calendar: options.calendar,
                                                       style: style, name: name)
        var panel = Panel(ids: ids, offsets: offsets, ds: rows.ds, y: rows.ys, frequency: frequency, timestampStyle: style)
        panel.refused = rows.refused
        panel.regressorNames = options.regressors
        panel.regressors = rows.xs
        return panel
    }

    // MARK: Header

    /// The header's column names and the indices of the id, time and value columns.
    struct Columns {
        var names: [String]
        var id: Int
        var time: Int
        var value: Int
        /// the regressor columns, in the order of `options.regressors`
        var regressors: [Int] = []
        var count: Int { names.count }
    }

    /// Skips a UTF-8 byte order mark and empty lines; returns where the header starts.
    private mutating func skipToHeader() throws -> Int {
        var pos = 0
        if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { pos = 3 }
        while pos < end && (base[pos] == LF || base[pos] == CR) {
            if base[pos] == CR && pos + 1 < end && base[pos + 1] == LF { pos += 1 }
            pos += 1
            line += 1
        }
        guard pos < end else {
            throw FcastError("the file is empty (a header row '\(options.id),\(options.time),\(options.value)' is required)", file: name)
        }
        return pos
    }

    /// Scans the header row at `pos` (moving past it) and finds the three columns in it.
    private mutating func readHeader(_ pos: inout Int) throws -> Columns {
        let headerLine = line
        let maxHeader = 100_000
        let headerSpans = UnsafeMutablePointer<FieldSpan>.allocate(capacity: maxHeader)
        defer { headerSpans.deallocate() }
        let columnCount = try scanRow(&pos, headerSpans, maxHeader)
        guard columnCount <= maxHeader else {
            throw FcastError("the header has \(columnCount) columns; at most \(maxHeader) are supported", file: name, line: headerLine)
        }
        let header = (0..<columnCount).map { text(headerSpans[$0]) }
        return try resolveColumns(header, headerLine: headerLine)
    }

    /// The id, time and value columns named by the options: each must appear exactly once, and
    /// no two roles may name the same column. A missing one is reported with a suggestion.
    private func resolveColumns(_ header: [String], headerLine: Int) throws -> Columns {
        let wanted = [("id", options.id), ("time", options.time), ("value", options.value)]
        var columns = [Int]()
        for (role, column) in wanted {
            let matches = header.indices.filter { header[$0] == column }
            // A data set of future regressors (run(..., future:)) has no values: with
            // regressors named, an absent value column is all missing.
            if matches.isEmpty && role == "value" && !options.regressors.isEmpty && options.value == "y" {
                columns.append(-1)
                continue
            }
            guard let first = matches.first else {
                var message = "no column '\(column)' (the \(role) column) in the header; the columns are: "
                    + header.map { "'\($0)'" }.joined(separator: ", ")
                let others = header.filter { h in !wanted.contains(where: { $0.1 == h }) }
                if let hint = Self.suggestColumn(column, role: role, in: others) { message += "; did you mean '\(hint)'?" }
                throw FcastError(message, file: name, line: headerLine)
            }
            if matches.count > 1 {
                throw FcastError("column '\(column)' appears \(matches.count) times in the header (columns "
                    + matches.map { String($0 + 1) }.joined(separator: ", ") + ")", file: name, line: headerLine)
            }
            if let previous = columns.firstIndex(of: first) {
                throw FcastError("the \(wanted[previous].0) and \(role) columns are both '\(column)'", file: name)
            }
            columns.append(first)
        }
        var regressors = [Int]()
        for column in options.regressors {
            let matches = header.indices.filter { header[$0] == column }
            guard let first = matches.first else {
                var message = "no column '\(column)' (a regressor) in the header; the columns are: "
                    + header.map { "'\($0)'" }.joined(separator: ", ")
                if let hint = Suggest.closest(to: column, among: header) { message += "; did you mean '\(hint)'?" }
                throw FcastError(message, file: name, line: headerLine)
            }
            if matches.count > 1 {
                throw FcastError("column '\(column)' appears \(matches.count) times in the header (columns "
                    + matches.map { String($0 + 1) }.joined(separator: ", ") + ")", file: name, line: headerLine)
            }
            if let role = columns.firstIndex(of: first) {
                throw FcastError("regressor '\(column)' is the \(wanted[role].0) column", file: name, line: headerLine)
            }
            if regressors.contains(first) { throw FcastError("regressor '\(column)' is named twice", file: name, line: headerLine) }
            regressors.append(first)
        }
        return Columns(names: header, id: columns[0], time: columns[1], value: columns[2], regressors: regressors)
    }

    // MARK: Rows

    /// An upper bound on the number of rows from `pos` on: the number of line ends + 1.
    private func estimateRows(from pos: Int) -> Int {
        var estimate = 1
        var q = pos
        while q < end, let hit = memchr(base + q, Int32(LF), end - q) {
            estimate += 1
            q = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base + 1
        }
        return estimate
    }

    /// Scans every data row from `start` to the end of the file into columns, in file order:
    /// each row's id interned to its series (noting whether the rows of each series are
    /// contiguous, as they usually are), its timestamp and its value parsed.
    ///
    /// The reader's hot loop: its state stays in local variables and the per-row steps are
    /// written out in it (helpers taking that state inout were not inlined here, and made
    /// loading about 5% slower).
    private mutating func scanRows(from start: Int, columns: Columns) throws -> ScannedRows {
        var pos = start
        let columnCount = columns.count
        let idColumn = columns.id, timeColumn = columns.time, valueColumn = columns.value
        let capacity = columnCount + 1
        let spans = UnsafeMutablePointer<FieldSpan>.allocate(capacity: capacity)
        defer { spans.deallocate() }
        let estimate = estimateRows(from: pos)
        var ds = [Int64](); ds.reserveCapacity(estimate)
        var ys = [Double](); ys.reserveCapacity(estimate)
        var lines = [Int32](); lines.reserveCapacity(estimate)
        var interner = IDInterner()
        var current = -1                   // series of the previous row
        var grouped = true                 // rows of each series are contiguous so far
        var seriesStart = [Int]()          // while grouped: first row of each series
        var seriesOfRow = [Int32]()        // once not grouped: series of every row
        var styleCode: UInt8 = 0
        var sawTime = false
        // freq: "index": the time column holds integer row numbers, and nothing else.
        let indexAxis = options.frequency?.isIndex == true
        var scratch = [UInt8]()
        var refused = RefusedRows()
        let regressorColumns = columns.regressors
        var xs = [[Double]](repeating: [], count: regressorColumns.count)
        var xRow = [Double](repeating: .nan, count: regressorColumns.count)

        while pos < end {
            let c0 = base[pos]
            if c0 == LF || c0 == CR {      // empty line
                pos += 1
                if c0 == CR && pos < end && base[pos] == LF { pos += 1 }
                line += 1
                continue
            }
            let rowStart = pos, rowLine = line
            let n = try scanRow(&pos, spans, capacity)
            if pos - rowStart > ResourceBudget.maxLineBytes {
                throw error("the row is \(pos - rowStart) bytes long; at most \(ResourceBudget.maxLineBytes) (1 MiB) are read per row",
                            at: rowStart, rowStart: rowStart, rowLine: rowLine)
            }
            // The whole row is checked before anything is kept, so a row refused under
            // skipBadRows leaves no trace (no series without rows).
            var rowError: FcastError? = nil
            var t: Int64 = 0, code: UInt8 = 0, value = Double.nan
            var idField = FieldSpan()
            if n != columnCount {
                rowError = fieldCountError(n, columns: columns, spans: spans, rowStart: rowStart, rowLine: rowLine)
            } else {
                idField = spans[idColumn]
                // Timestamp.
                let timeField = spans[timeColumn]
                var ts = timeField.start, te = timeField.end
                while ts < te && (base[ts] == SPACE || base[ts] == TAB) { ts += 1 }
                while te > ts && (base[te - 1] == SPACE || base[te - 1] == TAB) { te -= 1 }
                if indexAxis {
                    if !timeField.escaped, let parsed = Timestamp.parseIndex(base + ts, te - ts) {
                        t = parsed; code = Timestamp.indexCode
                    } else {
                        let found = text(timeField)
                        rowError = error("expected a row number (a whole number, freq: \"index\") in column '\(options.time)', "
                                         + (found.isEmpty ? "found an empty field" : "found '\(found)'"),
                                         at: timeField.origin, rowStart: rowStart, rowLine: rowLine)
                    }
                } else if !timeField.escaped, let (parsed, c) = Timestamp.parseRaw(base + ts, te - ts) {
                    t = parsed; code = c
                } else {
                    rowError = timeError(timeField, rowStart: rowStart, rowLine: rowLine)
                }

                // Value: a number or a missing value; never an infinity or an overflow.
                let valueField = valueColumn >= 0 ? spans[valueColumn] : FieldSpan()
                var vs = valueField.start, ve = valueField.end
                while vs < ve && (base[vs] == SPACE || base[vs] == TAB) { vs += 1 }
                while ve > vs && (base[ve - 1] == SPACE || base[ve - 1] == TAB) { ve -= 1 }
                let parsed: Double? = valueField.escaped ? nil : NumberParser.parseValue(base + vs, ve - vs)
                if rowError == nil && valueColumn >= 0 {
                    if let parsed {
                        if parsed.isInfinite {
                            rowError = error(Self.isInfinityWord(base + vs, ve - vs)
                                             ? "value '\(text(valueField))' in column '\(options.value)' is not finite (an infinity)"
                                             : "value '\(text(valueField))' in column '\(options.value)' overflows a 64-bit number",
                                             at: valueField.origin, rowStart: rowStart, rowLine: rowLine)
                        } else {
                            value = parsed
                        }
                    } else {
                        rowError = error("expected a number in column '\(options.value)', found '\(text(valueField))'",
                                         at: valueField.origin, rowStart: rowStart, rowLine: rowLine)
                    }
                }

                // Regressors: numbers or missing values, as the value column.
                for (k, column) in regressorColumns.enumerated() where rowError == nil {
                    let f = spans[column]
                    var fs = f.start, fe = f.end
                    while fs < fe && (base[fs] == SPACE || base[fs] == TAB) { fs += 1 }
                    while fe > fs && (base[fe - 1] == SPACE || base[fe - 1] == TAB) { fe -= 1 }
                    if !f.escaped, let v = NumberParser.parseValue(base + fs, fe - fs), !v.isInfinite {
                        xRow[k] = v
                    } else {
                        rowError = error("expected a finite number in regressor column '\(columns.names[column])', found '\(text(f))'",
                                         at: f.origin, rowStart: rowStart, rowLine: rowLine)
                    }
                }

                // Series id: not empty, valid UTF-8, no control characters.
                if rowError == nil {
                    if idField.escaped {
                        scratch = Self.unescape(UnsafeBufferPointer(start: base + idField.start, count: idField.end - idField.start))
                        if let problem = scratch.withUnsafeBufferPointer({ Self.idProblem($0.baseAddress!, $0.count) }) {
                            rowError = error("series id \(problem) in column '\(options.id)'", at: idField.origin,
                                             rowStart: rowStart, rowLine: rowLine)
                        }
                    } else if idField.end == idField.start {
                        rowError = error("empty series id in column '\(options.id)'", at: idField.origin, rowStart: rowStart, rowLine: rowLine)
                    } else if let problem = Self.idProblem(base + idField.start, idField.end - idField.start) {
                        rowError = error("series id \(problem) in column '\(options.id)'", at: idField.origin,
                                         rowStart: rowStart, rowLine: rowLine)
                    }
                }
            }
            if let rowError {
                guard options.skipBadRows else { throw rowError }
                refused.add(rowError)
                continue
            }
            if !sawTime { styleCode = code; sawTime = true } else if code != styleCode { styleCode = Self.merge(styleCode, code) }

            let series: Int
            if idField.escaped {
                series = scratch.withUnsafeBufferPointer { interner.intern($0.baseAddress!, $0.count, previous: current) }
            } else {
                series = interner.intern(base + idField.start, idField.end - idField.start, previous: current)
            }
            let row = ys.count
            if series != current {
                if grouped {
                    if series == seriesStart.count {
                        seriesStart.append(row)
                    } else {
                        grouped = false
                        seriesOfRow.reserveCapacity(Swift.max(estimate, row * 2))
                        for s in 0..<seriesStart.count {
                            let stop = s + 1 < seriesStart.count ? seriesStart[s + 1] : row
                            for _ in seriesStart[s]..<stop { seriesOfRow.append(Int32(s)) }
                        }
                    }
                }
                current = series
            }
            if !grouped { seriesOfRow.append(Int32(series)) }

            ds.append(t)
            ys.append(value)
            lines.append(Int32(truncatingIfNeeded: rowLine))
            for k in 0..<xRow.count { xs[k].append(xRow[k]) }
        }
        return ScannedRows(ds: ds, ys: ys, lines: lines, interner: interner, grouped: grouped,
                           seriesStart: seriesStart, seriesOfRow: seriesOfRow, styleCode: styleCode, refused: refused, xs: xs)
    }

    /// Why bytes cannot be a series id (invalid UTF-8, a control character such as NUL or
    /// ESC), or nil when they can. ASCII ids take the fast path.
    static func idProblem(_ p: UnsafePointer<UInt8>, _ n: Int) -> String? {
        var ascii = true
        for i in 0..<n {
            let b = p[i]
            if b < 0x20 || b == 0x7F { return "contains the control character \(String(format: "0x%02X", b))" }
            if b >= 0x80 { ascii = false }
        }
        if ascii { return nil }
        guard let s = String(validating: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) else {
            return "is not valid UTF-8"
        }
        for u in s.unicodeScalars where (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029 {
            return "contains the control character U+\(String(format: "%04X", u.value))"
        }
        return nil
    }

    /// `inf`, `-Infinity`...: an infinity written as a word rather than a number too large.
    static func isInfinityWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self).lowercased().contains("inf")
    }

    /// A row with more or fewer fields than the header: located at the first extra field, or
    /// just after the last field when some are missing.
    private func fieldCountError(_ n: Int, columns: Columns, spans: UnsafeMutablePointer<FieldSpan>,
                                 rowStart: Int, rowLine: Int) -> FcastError {
        let columnCount = columns.count
        if n > columnCount {
            return error("expected \(columnCount) fields as in the header, found \(n)",
                         at: spans[columnCount].origin, rowStart: rowStart, rowLine: rowLine)
        }
        let last = spans[n - 1]
        let after = last.quoted ? last.end + 1 : last.end
        return error("expected \(columnCount) fields as in the header, found \(n) (no '\(columns.names[n])' field)",
                     at: after, rowStart: rowStart, rowLine: rowLine)
    }

    /// A timestamp field that is not one, quoted as found.
    private func timeError(_ timeField: FieldSpan, rowStart: Int, rowLine: Int) -> FcastError {
        let found = text(timeField)
        let integer = Int64(found.trimmingCharacters(in: .whitespaces)) != nil
        return error("expected a timestamp like 2020-03-01, 2020-03 or 2020-03-01 12:30:00 in column '\(options.time)', "
                     + (found.isEmpty ? "found an empty field" : "found '\(found)'")
                     + (integer ? " (for whole-number steps 1, 2, 3, ... load with freq: \"index\")" : ""),
                     at: timeField.origin, rowStart: rowStart, rowLine: rowLine)
    }

    /// Combines two timestamp style codes: the richer one wins (seconds over minutes over dates),
    /// keeping the separator already seen.
    static func merge(_ a: UInt8, _ b: UInt8) -> UInt8 {
        func seconds(_ c: UInt8) -> Int { c == 0 ? 0 : (c == 1 || c == 3 ? 1 : 2) }
        if a == 0 { return b }
        if b == 0 { return a }
        let sepBase: UInt8 = a <= 2 ? 0 : 2
        return sepBase + UInt8(Swift.max(seconds(a), seconds(b)))
    }

    /// A column to suggest for a missing one: a close spelling, or a usual name for its role.
    static func suggestColumn(_ wanted: String, role: String, in columns: [String]) -> String? {
        if let close = Suggest.closest(to: wanted, among: columns) { return close }
        let usual: [String]
        switch role {
        case "id": usual = ["unique_id", "id", "series", "series_id", "item_id", "key", "name", "sku", "store"]
        case "time": usual = ["ds", "date", "time", "timestamp", "datetime", "period", "month", "week", "day", "year", "quarter"]
        default: usual = ["y", "value", "values", "target", "sales", "count", "demand", "amount", "quantity", "volume"]
        }
        for u in usual { if let c = columns.first(where: { $0.lowercased() == u }) { return c } }
        return nil
    }
}

// MARK: - Scanned rows

/// The data rows as columns (timestamp, value, line in the file) with the series of each:
/// in file order as scanned, then grouped by series and sorted by time within each.
struct ScannedRows {
    var ds: [Int64]
    var ys: [Double]
    /// Each row's line in the file, for messages.
    var lines: [Int32]
    /// The series ids, numbered in order of first appearance.
    var interner: IDInterner
    /// Whether the rows of each series were contiguous in the file (the usual layout): then
    /// `seriesStart` holds each series' first row and `seriesOfRow` is empty.
    var grouped: Bool
    var seriesStart: [Int]
    /// When not grouped: the series of every row.
    var seriesOfRow: [Int32]
    /// The richest timestamp style seen (see `LongCSVReader.merge`).
    var styleCode: UInt8
    /// Rows left out under `skipBadRows`.
    var refused = RefusedRows()
    /// Regressor columns, row-aligned with `ys`.
    var xs: [[Double]] = []

    var count: Int { ys.count }

    /// Puts the rows of each series together (a stable counting sort, unless they already
    /// are) and returns where each series starts, with the row count at the end.
    mutating func groupBySeries() -> [Int] {
        let rowCount = ys.count
        let seriesCount = interner.count
        var offsets = [Int](repeating: 0, count: seriesCount + 1)
        if grouped {
            for s in 0..<seriesCount { offsets[s] = seriesStart[s] }
            offsets[seriesCount] = rowCount
            return offsets
        }
        for s in seriesOfRow { offsets[Int(s) + 1] += 1 }
        for s in 0..<seriesCount { offsets[s + 1] += offsets[s] }
        var cursor = offsets
        let newDs = Self.scatter(ds, series: seriesOfRow, offsets: offsets, cursor: &cursor); ds = []
        let newY = Self.scatter(ys, series: seriesOfRow, offsets: offsets, cursor: &cursor); ys = []
        let newLines = Self.scatter(lines, series: seriesOfRow, offsets: offsets, cursor: &cursor); lines = []
        ds = newDs; ys = newY; lines = newLines
        for k in 0..<xs.count { xs[k] = Self.scatter(xs[k], series: seriesOfRow, offsets: offsets, cursor: &cursor) }
        seriesOfRow = []
        return offsets
    }

    /// `source` reordered so that the rows of each series follow each other, in file order.
    private static func scatter<T>(_ source: [T], series seriesOfRow: [Int32], offsets: [Int], cursor: inout [Int]) -> [T] {
        let rowCount = source.count
        let seriesCount = offsets.count - 1
        return [T](unsafeUninitializedCapacity: rowCount) { out, initialized in
            cursor.withUnsafeMutableBufferPointer { c in
                for s in 0..<seriesCount { c[s] = offsets[s] }
                seriesOfRow.withUnsafeBufferPointer { series in
                    source.withUnsafeBufferPointer { src in
                        for r in 0..<rowCount {
                            let s = Int(series[r])
                            let at = c[s]
                            c[s] = at + 1
                            (out.baseAddress! + at).initialize(to: src[r])
                        }
                    }
                }
            }
            initialized = rowCount
        }
    }

    /// Sorts each series by timestamp (stable: ties keep file order), then rejects a timestamp
    /// repeated within a series, naming both lines.
    mutating func sortEachSeriesByTime(offsets: [Int], ids: [String], style: TimestampStyle, file: String) throws {
        for s in 0..<(offsets.count - 1) {
            let lo = offsets[s], hi = offsets[s + 1]
            guard hi - lo > 1 else { continue }
            var sorted = true
            for j in (lo + 1)..<hi where ds[j] < ds[j - 1] { sorted = false; break }
            if !sorted {
                var order = Array(lo..<hi)
                order.sort { ds[$0] != ds[$1] ? ds[$0] < ds[$1] : lines[$0] < lines[$1] }
                let d = order.map { ds[$0] }, v = order.map { ys[$0] }, l = order.map { lines[$0] }
                ds.replaceSubrange(lo..<hi, with: d)
                ys.replaceSubrange(lo..<hi, with: v)
                lines.replaceSubrange(lo..<hi, with: l)
                for k in 0..<xs.count { let x = order.map { xs[k][$0] }; xs[k].replaceSubrange(lo..<hi, with: x) }
            }
            for j in (lo + 1)..<hi where ds[j] == ds[j - 1] {
                throw FcastError("duplicate timestamp \(Timestamp.format(ds[j], style: style)) for series '\(ids[s])': "
                                 + "lines \(lines[j - 1]) and \(lines[j])", file: file, line: Int(lines[j]))
            }
        }
    }
}

// MARK: - Id interning

/// Maps id byte strings to dense indices without allocating per row: an open-addressing hash
/// table over an arena of the distinct ids' bytes.
struct IDInterner {
    private var arena = [UInt8]()
    private var starts = [0]
    private var hashes = [UInt64]()
    private var table = [Int32](repeating: -1, count: 1024)
    private var mask = 1023

    var count: Int { hashes.count }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return h ^ (h >> 29)
    }

    @inline(__always)
    private func equals(_ index: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let s = starts[index], e = starts[index + 1]
        guard e - s == n else { return false }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + s, p, n) == 0 }
    }

    /// Index of the id, adding it if new. `previous` (the last row's id index, or -1) and the id
    /// after it are checked first: rows grouped by series repeat the previous id, and rows sorted
    /// by time then id cycle through the ids in the same order.
    @inline(__always)
    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int, previous: Int) -> Int {
        if previous >= 0 {
            if equals(previous, p, n) { return previous }
            let next = previous + 1 < hashes.count ? previous + 1 : 0
            if equals(next, p, n) { return next }
        }
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let found = Int(table[slot])
            if found < 0 { break }
            if hashes[found] == h && equals(found, p, n) { return found }
            slot = (slot + 1) & mask
        }
        let index = hashes.count
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        starts.append(arena.count)
        hashes.append(h)
        table[slot] = Int32(index)
        if hashes.count * 2 > table.count { grow() }
        return index
    }

    private mutating func grow() {
        let size = table.count * 2
        table = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (i, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(i)
        }
    }

    /// The ids as strings, in index order.
    func strings() -> [String] {
        arena.withUnsafeBufferPointer { a in
            (0..<count).map { String(decoding: UnsafeBufferPointer(rebasing: a[starts[$0]..<starts[$0 + 1]]), as: UTF8.self) }
        }
    }
}

// MARK: - Numbers

enum NumberParser {
    /// Exact powers of ten representable as doubles.
    static let powers: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// Parses a trimmed value field: a decimal number, or a missing marker (empty, NA, N/A, NaN,
    /// null, None) which gives NaN. Returns nil when the field is not a number.
    @inline(__always)
    static func parseValue(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if n == 0 { return .nan }
        if let v = parseSimple(p, n) { return v }
        if isMissing(p, n) { return .nan }
        return parseStrtod(p, n)
    }

    static func isMissing(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard n <= 4 else { return false }
        let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        switch s {
        case "NA", "na", "N/A", "n/a", "null", "NULL", "None", "none": return true
        default: return s.lowercased() == "nan"
        }
    }

    /// Fast exact path for plain decimals (`-12.5`, `25338.0`, `6.962125889799999`): at most 19
    /// significant digits whose integer fits in 2^53 and a power of ten up to 22, where one
    /// multiplication or division by an exact power of ten is correctly rounded. Nil otherwise.
    @inline(__always)
    static func parseSimple(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        var negative = false
        if p[0] == 45 /* - */ { negative = true; i = 1 } else if p[0] == 43 /* + */ { i = 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var digits = 0
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            if mantissa != 0 || d != 0 { significant += 1 }
            mantissa = mantissa &* 10 &+ UInt64(d)
            digits += 1
            i += 1
        }
        if i < n && p[i] == 46 /* . */ {
            i += 1
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                if mantissa != 0 || d != 0 { significant += 1 }
                mantissa = mantissa &* 10 &+ UInt64(d)
                exponent -= 1
                digits += 1
                i += 1
            }
        }
        guard i == n, digits > 0, significant <= 19, mantissa <= (1 << 53) else { return nil }
        var value = Double(mantissa)
        if exponent < 0 {
            guard exponent >= -22 else { return nil }
            value /= powers[-exponent]
        }
        return negative ? -value : value
    }

    /// General path: `strtod` on a NUL-terminated stack copy; the whole field must be consumed.
    static func parseStrtod(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n < 256 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer -> Double? in
            let b = buffer.baseAddress!
            for i in 0..<n {
                guard p[i] != 0 else { return nil }
                b[i] = CChar(bitPattern: p[i])
            }
            b[n] = 0
            // Reject hexadecimal floats and leading spaces that strtod would accept.
            if n > 0 && (p[0] == SPACE || p[0] == TAB) { return nil }
            for i in 0..<n where p[i] == 120 || p[i] == 88 { return nil }   // 'x' / 'X'
            var endPointer: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(b, &endPointer)
            guard let endPointer, endPointer - b == n else { return nil }
            return v
        }
    }
}
