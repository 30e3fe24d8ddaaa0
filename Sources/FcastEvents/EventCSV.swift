import FcastCore
import Foundation

/// Interns byte strings of a mapped file: open addressing on a hash of the bytes, entries
/// pointing into the file (valid while it is mapped). No allocation per lookup.
struct ByteInterner {
    private var slots: [Int32]            // entry + 1, 0 empty
    private var hashes: [UInt64] = []
    var starts: [UnsafePointer<UInt8>] = []
    var lengths: [Int32] = []
    private var mask: Int

    init() { slots = Array(repeating: 0, count: 1024); mask = 1023 }

    var count: Int { starts.count }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        while i < n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3; i += 1 }
        return h ^ (h >> 32)
    }

    @inline(__always)
    mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        let h = ByteInterner.hash(p, n)
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = slots[s]
            if e == 0 { break }
            let k = Int(e - 1)
            if hashes[k] == h && Int(lengths[k]) == n && memcmp(starts[k], p, n) == 0 { return Int32(k) }
            s = (s + 1) & mask
        }
        let k = Int32(starts.count)
        starts.append(p); lengths.append(Int32(n)); hashes.append(h)
        slots[s] = k + 1
        if starts.count * 2 > slots.count { rehash() }
        return k
    }

    private mutating func rehash() {
        let size = slots.count * 2
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for k in 0..<hashes.count {
            var s = Int(truncatingIfNeeded: hashes[k]) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(k + 1)
        }
    }

    /// The text of entry `k`, a quoted field unquoted.
    func string(_ k: Int) -> String {
        let bytes = UnsafeBufferPointer(start: starts[k], count: Int(lengths[k]))
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads a raw-event CSV file and aggregates it: the file is memory-mapped and scanned byte by
/// byte, split at line boundaries into one chunk per core; each chunk keeps its own partial
/// aggregates, merged at the end. Pages already read are given back to the kernel, so the
/// memory used grows with series x periods, not with the file.
public enum EventCSV {
    /// Aggregates the events of `path` (shown as `name` in messages).
    public static func aggregate(path: String, name: String? = nil, query: EventQuery,
                                 threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> EventAggregate {
        let name = name ?? path
        let zone = try WallClock.zone(named: query.timeZone)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FcastError("cannot open '\(name)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FcastError("cannot read '\(name)': \(String(cString: strerror(errno)))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw FcastError("cannot read '\(name)': it is a directory (Parquet folders are read through DuckDB: name a .parquet file, a glob or a hive folder)") }
        let size = Int(st.st_size)
        guard size > 0 else { throw FcastError("the file is empty (a header row naming the columns is required)", file: name) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw FcastError("cannot map '\(name)': \(String(cString: strerror(errno)))")
        }
        defer { munmap(address, size) }
        madvise(address, size, MADV_SEQUENTIAL)
        let base = UnsafePointer(address.assumingMemoryBound(to: UInt8.self))
        return try aggregate(base: base, size: size, name: name, query: query, zone: zone, threads: threads)
    }

    /// Aggregates CSV text in memory (tests, small inputs).
    public static func aggregate(text: String, name: String, query: EventQuery) throws -> EventAggregate {
        let zone = try WallClock.zone(named: query.timeZone)
        var bytes = Array(text.utf8)
        if bytes.isEmpty { throw FcastError("the file is empty (a header row naming the columns is required)", file: name) }
        return try bytes.withUnsafeMutableBufferPointer { b in
            try aggregate(base: UnsafePointer(b.baseAddress!), size: b.count, name: name, query: query, zone: zone, threads: 1, release: false)
        }
    }

    static func aggregate(base: UnsafePointer<UInt8>, size: Int, name: String, query: EventQuery,
                          zone: TimeZone, threads: Int, release: Bool = true) throws -> EventAggregate {
        // Header.
        var headerEnd = 0
        while headerEnd < size && base[headerEnd] != 10 { headerEnd += 1 }
        var header = String(decoding: UnsafeBufferPointer(start: base, count: headerEnd), as: UTF8.self)
        if header.hasSuffix("\r") { header.removeLast() }
        if header.hasPrefix("\u{FEFF}") { header.removeFirst() }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        func find(_ column: String, _ role: String) throws -> Int {
            guard let i = columns.firstIndex(of: column) else {
                var message = "no column '\(column)' (the \(role) column) in the header; the columns are: "
                    + columns.map { "'\($0)'" }.joined(separator: ", ")
                if let hint = Suggest.didYouMean(column, in: columns) { message += "; \(hint)" }
                throw FcastError(message, file: name, line: 1)
            }
            return i
        }
        var layout = Layout()
        layout.time = try find(query.time, "time")
        layout.ids = try query.ids.map { try find($0, "id") }
        if let v = query.aggregation.column { layout.value = try find(v, "value") }
        layout.columnNames = columns
        layout.lastNeeded = ([layout.time, layout.value] + layout.ids).max()!

        // Chunks at line boundaries.
        let bodyStart = min(size, headerEnd + 1)
        let parts = size - bodyStart < 1 << 20 ? 1 : max(1, min(threads, 16))
        var bounds = [bodyStart]
        for k in 1..<parts {
            var cut = bodyStart + (size - bodyStart) * k / parts
            cut = max(cut, bounds.last!)
            while cut < size && base[cut - 1] != 10 { cut += 1 }
            bounds.append(cut)
        }
        bounds.append(size)

        let readers = (0..<parts).map { k in
            ChunkReader(base: base, start: bounds[k], end: bounds[k + 1], layout: layout, query: query,
                        zone: zone, name: name, release: release)
        }
        let box = UncheckedBox(readers)
        DispatchQueue.concurrentPerform(iterations: parts) { k in box.value[k].run() }

        // Line numbers: chunk k's lines start after the header and the lines of chunks before it.
        var lineBase = 1
        for r in readers { r.lineBase = lineBase; lineBase += r.lines }
        // Mixed kinds of timestamps (with and without a UTC offset).
        var firstWall: (Int, ChunkReader)? = nil, firstInstant: (Int, ChunkReader)? = nil
        for r in readers {
            if firstWall == nil, let l = r.firstWallLine { firstWall = (l, r) }
            if firstInstant == nil, let l = r.firstInstantLine { firstInstant = (l, r) }
        }
        if let (wl, wr) = firstWall, let (il, ir) = firstInstant {
            let w = wr.lineBase + wl, i = ir.lineBase + il
            throw FcastError("mixed time zone offsets in column '\(query.time)': line \(min(w, i)) has "
                + (w < i ? "a local time with no UTC offset" : "a UTC offset (or an epoch time)")
                + " and line \(max(w, i)) " + (w < i ? "an offset (or an epoch time)" : "a local time with no offset")
                + "; write every time the same way", file: name, line: max(w, i), column: 1)
        }
        for r in readers {
            if let e = r.stopError {
                var e = e
                e.line = (e.line ?? 0) + r.lineBase
                throw e
            }
        }
        let table = EventTable(query: query)
        for r in readers {
            let t = r.table()
            t.report.badExamples = t.report.badExamples.map { var e = $0; e.line = (e.line ?? 0) + r.lineBase; return e }
            table.merge(t)
        }
        return table.finish(name: name)
    }
}

final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

struct Layout {
    var time = 0
    var ids: [Int] = []
    var value = -1
    var lastNeeded = 0
    var columnNames: [String] = []
}

/// One chunk of lines: its own interners, cells and report.
final class ChunkReader: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let start: Int, end: Int
    let layout: Layout
    let query: EventQuery
    let clock: WallClock
    let name: String
    let release: Bool

    var lines = 0
    var lineBase = 0
    var firstWallLine: Int? = nil
    var firstInstantLine: Int? = nil
    var stopError: FcastError? = nil

    var interners: [ByteInterner]
    var pairs: [[UInt64: Int32]] = []
    var pairParts: [[Int32]] = []       // composite code -> component codes
    var cells: [Cells] = []
    var report = EventReport()

    init(base: UnsafePointer<UInt8>, start: Int, end: Int, layout: Layout, query: EventQuery, zone: TimeZone,
         name: String, release: Bool) {
        self.base = base; self.start = start; self.end = end
        self.layout = layout; self.query = query
        self.clock = WallClock(zone: zone)
        self.name = name
        self.release = release
        interners = Array(repeating: ByteInterner(), count: layout.ids.count)
        pairs = Array(repeating: [:], count: layout.ids.count)
    }

    private func bad(_ message: String, line: Int, column: Int) -> Bool {
        let e = FcastError(message, file: name, line: line, column: column)
        if !query.skipBadRows { stopError = e; return false }
        report.badRows += 1
        if report.badExamples.count < 10 { report.badExamples.append(e) }
        return true
    }

    private func fieldText(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        let s = String(decoding: UnsafeBufferPointer(start: p, count: min(n, 40)), as: UTF8.self)
        return n > 40 ? s + "..." : s
    }

    func run() {
        let ncol = layout.lastNeeded + 1
        let fold = query.aggregation.fold
        let every = query.every
        let from = query.from ?? Int64.min, to = query.to ?? Int64.max
        let idCount = layout.ids.count
        // Per column of interest: role (-1 skip, 0 time, 1 value, 2+k id k).
        var role = Array(repeating: -1, count: ncol)
        role[layout.time] = 0
        if layout.value >= 0 { role[layout.value] = 1 }
        for (k, c) in layout.ids.enumerated() { role[c] = 2 + k }
        var idCodes = Array(repeating: Int32(0), count: max(idCount, 1))
        var releasedUpTo = start & ~4095
        let releaseStep = 32 << 20

        var pos = start
        var line = 0
        rows: while pos < end {
            line += 1
            let lineStart = pos
            // Find the end of the line.
            var lineEnd: Int
            if let nl = memchr(base + pos, 10, end - pos) {
                lineEnd = UnsafePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - base
            } else { lineEnd = end }
            let next = lineEnd + 1
            if lineEnd > lineStart && base[lineEnd - 1] == 13 { lineEnd -= 1 }
            defer {
                pos = next
                if release && pos - releasedUpTo > releaseStep {
                    let upTo = pos & ~4095
                    madvise(UnsafeMutableRawPointer(mutating: base + releasedUpTo), upTo - releasedUpTo, MADV_DONTNEED)
                    releasedUpTo = upTo
                }
            }
            if lineEnd == lineStart { continue }   // blank line
            report.rows += 1

            var t: Int64 = 0, kind = Fields.TimeKind.wall, v = Double.nan, hasValue = false
            var p = lineStart
            var col = 0
            while col < ncol {
                guard p <= lineEnd else {
                    if bad("the row has \(col) fields; column '\(layout.columnNames[col])' (field \(col + 1)) is missing",
                           line: line, column: lineEnd - lineStart + 1) { continue rows } else { break rows }
                }
                var fs = p, fe: Int
                if p < lineEnd && base[p] == 34 {          // quoted field
                    var q = p + 1
                    while true {
                        while q < lineEnd && base[q] != 34 { q += 1 }
                        if q + 1 < lineEnd && base[q + 1] == 34 { q += 2; continue }
                        break
                    }
                    guard q < lineEnd else {
                        if bad("a quoted field is not closed on its line", line: line, column: p - lineStart + 1) { continue rows } else { break rows }
                    }
                    fs = p + 1; fe = q
                    p = q + 1
                    if p < lineEnd && base[p] != 44 {
                        if bad("unexpected text after a quoted field", line: line, column: p - lineStart + 1) { continue rows } else { break rows }
                    }
                } else {
                    var q = p
                    while q < lineEnd && base[q] != 44 { q += 1 }
                    fe = q; p = q
                }
                let r = role[col]
                if r >= 0 {
                    let fp = base + fs, fn = fe - fs
                    if r == 0 {
                        guard let (tt, kk) = Fields.timestamp(fp, fn) else {
                            if bad("cannot read '\(fieldText(fp, fn))' in column '\(query.time)' as a timestamp "
                                   + "(expected YYYY-MM-DD[ HH:MM[:SS]] with an optional Z or UTC offset, or epoch seconds)",
                                   line: line, column: fs - lineStart + 1) { continue rows } else { break rows }
                        }
                        t = tt; kind = kk
                    } else if r == 1 {
                        if Fields.isMissing(fp, fn) { hasValue = false } else if let x = Fields.number(fp, fn) {
                            v = x; hasValue = true
                        } else {
                            if bad("cannot read '\(fieldText(fp, fn))' in column '\(layout.columnNames[col])' as a number",
                                   line: line, column: fs - lineStart + 1) { continue rows } else { break rows }
                        }
                    } else {
                        guard fn > 0 else {
                            if bad("empty id in column '\(layout.columnNames[col])'", line: line, column: fs - lineStart + 1) { continue rows } else { break rows }
                        }
                        idCodes[r - 2] = interners[r - 2].code(fp, fn)
                    }
                }
                col += 1
                p += 1     // past the comma
            }
            // Wall-clock time.
            let wall: Int64
            if kind == .wall {
                if firstWallLine == nil { firstWallLine = line }
                wall = t
            } else {
                if firstInstantLine == nil { firstInstantLine = line }
                wall = clock.wall(t)
            }
            if wall < from || wall >= to { report.outOfRange += 1; continue }
            // Series.
            var key = idCodes[0]
            if idCount > 1 {
                for k in 1..<idCount {
                    let pair = UInt64(UInt32(bitPattern: key)) << 32 | UInt64(UInt32(bitPattern: idCodes[k]))
                    if let c = pairs[k][pair] { key = c } else {
                        let c = Int32(pairParts.count)
                        pairParts.append(k == 1 ? [key, idCodes[1]] : pairParts[Int(key)] + [idCodes[k]])
                        pairs[k][pair] = c
                        key = c
                    }
                }
            }
            let ki = Int(key)
            if ki >= cells.count {
                while cells.count <= ki { cells.append(Cells(fold: fold)) }
            }
            let period = every.index(wall: wall)
            if fold == .count {
                cells[ki].add(period)
            } else if hasValue {
                cells[ki].add(period, v)
            } else {
                report.missingValues += 1
                _ = cells[ki].slot(period)
            }
            report.used += 1
        }
        lines = line
    }

    /// This chunk's cells by series id.
    func table() -> EventTable {
        let table = EventTable(query: query)
        table.report = report
        for (code, c) in cells.enumerated() where !c.counts.isEmpty {
            let key: String
            if layout.ids.count == 1 {
                key = interners[0].string(code)
            } else {
                // Pair codes are only made for complete composites (the last column), but
                // intermediate ones share the numbering: keep only full-length ones.
                let parts = pairParts[code]
                guard parts.count == layout.ids.count else { continue }
                key = parts.enumerated().map { interners[$0.offset].string(Int($0.element)) }.joined(separator: "/")
            }
            table.cells(for: key).merge(c)
        }
        return table
    }
}
