import Foundation

/// Writes tables as CSV (RFC 4180: fields containing the delimiter, a quote, CR or LF, or
/// leading/trailing spaces are quoted, quotes doubled; lines end with LF).
public enum CSVWriter {
    /// Writes `header` and `rows` to `path`, creating parent folders. The file is written to a
    /// temporary name next to it and renamed into place, so readers never see half a file.
    public static func write(header: [String], rows: some Sequence<[String]>, to path: String) throws {
        var out = OutputFile()
        try out.open(path)
        do {
            out.appendRow(header)
            for row in rows {
                out.appendRow(row)
                if out.buffer.count >= 1 << 20 { try out.flush() }
            }
            try out.finish()
        } catch {
            out.abandon()
            throw error
        }
    }

    /// The CSV text of a table (for small tables and tests).
    public static func text(header: [String], rows: some Sequence<[String]>) -> String {
        var out = OutputFile()
        out.appendRow(header)
        for row in rows { out.appendRow(row) }
        return String(decoding: out.buffer, as: UTF8.self)
    }

    /// A field, quoted if needed.
    public static func quote(_ field: String) -> String {
        var bytes = [UInt8]()
        appendField(field, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendField(_ field: String, to out: inout [UInt8]) {
        var needs = false
        let utf8 = field.utf8
        for b in utf8 where b == 44 || b == 34 || b == 10 || b == 13 { needs = true; break }
        if !needs, let first = utf8.first, let last = utf8.last, first == 32 || last == 32 { needs = true }
        if !needs { out.append(contentsOf: utf8); return }
        out.append(34)
        for b in utf8 {
            out.append(b)
            if b == 34 { out.append(34) }
        }
        out.append(34)
    }

    /// Shortest text that reads back to the same double: `25338.0` -> `"25338"`, `0.1` -> `"0.1"`,
    /// `1e-07` stays `"1e-07"`; NaN -> `"NaN"`, infinities -> `"inf"`, `"-inf"`; -0.0 -> `"0"`.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == 0 { return "0" }
        var s = x.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}

/// A file written through a buffer into a temporary name, renamed on success.
struct OutputFile {
    var buffer = [UInt8]()
    private var fd: Int32 = -1
    private var path = ""
    private var temporary = ""

    mutating func open(_ path: String) throws {
        self.path = path
        try OutputFile.checkTarget(path)
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent().path
        if !parent.isEmpty && !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw FcastError("cannot create the folder '\(parent)' for '\(path)': \(error.localizedDescription)")
            }
        }
        temporary = parent.isEmpty ? ".\(url.lastPathComponent).tmp\(getpid())"
            : parent + "/.\(url.lastPathComponent).tmp\(getpid())"
        // O_EXCL | O_NOFOLLOW: the temporary name is created here, never followed through a
        // symlink someone put there; a leftover of an earlier crash is removed first.
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
        fd = Foundation.open(temporary, flags, 0o644)
        if fd < 0 && errno == EEXIST {
            unlink(temporary)
            fd = Foundation.open(temporary, flags, 0o644)
        }
        guard fd >= 0 else { throw FcastError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 21)
    }

    /// Refuses a path with a NUL byte (C would cut it there) and a path where something other
    /// than a regular file is (a symlink, FIFO, device, socket or folder): writing renames a
    /// new file over the path, which would replace that thing rather than write into it.
    static func checkTarget(_ path: String) throws {
        if path.utf8.contains(0) {
            throw FcastError("cannot write '\(TerminalText.escape(path))': the path contains a NUL character")
        }
        if path.isEmpty { throw FcastError("cannot write to an empty path") }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }   // nothing there yet
        let type = st.st_mode & S_IFMT
        if type != S_IFREG {
            throw FcastError("cannot write '\(path)': it is \(FileIO.kind(st.st_mode)); fcast writes regular files only and "
                             + "will not replace it (remove it or choose another path)")
        }
    }

    mutating func appendRow(_ fields: [String]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { buffer.append(44) }
            CSVWriter.appendField(f, to: &buffer)
        }
        buffer.append(10)
    }

    mutating func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    mutating func flush() throws {
        var done = 0
        let total = buffer.count
        let failure: Int32 = buffer.withUnsafeBytes { raw in
            while done < total {
                let n = Foundation.write(fd, raw.baseAddress! + done, total - done)
                if n < 0 { if errno == EINTR { continue }; return errno }
                done += n
            }
            return 0
        }
        if failure != 0 { throw FcastError("cannot write '\(path)': \(String(cString: strerror(failure)))") }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finish() throws {
        try flush()
        guard close(fd) == 0 else { fd = -1; throw FcastError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        fd = -1
        do { try OutputFile.checkTarget(path) } catch { unlink(temporary); throw error }
        guard rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw FcastError("cannot write '\(path)': \(message)")
        }
    }

    mutating func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        if !temporary.isEmpty { unlink(temporary) }
    }
}

extension LongCSV {
    /// Writes a panel as a long CSV (`unique_id,ds,y` by default, the names in `options`),
    /// timestamps in the panel's style and values in `CSVWriter.format`.
    public static func write(_ panel: Panel, to path: String, options: LongCSVOptions = .init()) throws {
        var out = OutputFile()
        try out.open(path)
        do {
            out.appendRow([options.id, options.time, options.value])
            for i in 0..<panel.count {
                var id = [UInt8]()
                CSVWriter.appendField(panel.ids[i], to: &id)
                for j in panel.range(i) {
                    out.buffer.append(contentsOf: id)
                    out.buffer.append(44)
                    out.append(Timestamp.format(panel.ds[j], style: panel.timestampStyle))
                    out.buffer.append(44)
                    out.append(CSVWriter.format(panel.y[j]))
                    out.buffer.append(10)
                }
                if out.buffer.count >= 1 << 20 { try out.flush() }
            }
            try out.finish()
        } catch {
            out.abandon()
            throw error
        }
    }
}
