// Source text, locations and spans.

/// A position in a source text.
///
/// `line` and `column` are 1-based; `column` counts characters (grapheme clusters) from
/// the start of the line. `offset` is the 0-based UTF-8 byte offset in the source text
/// (so `Array(text.utf8)[offset...]` starts at this position).
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(file: String, line: Int, column: Int, offset: Int) {
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `file:line:column`
    public var description: String { "\(file):\(line):\(column)" }

    /// `line:column`, the short form used inside messages ("'(' at 2:14").
    public var lineColumn: String { "\(line):\(column)" }
}

/// A range of source text; `end` is exclusive.
public struct SourceSpan: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var start: SourceLocation
    public var end: SourceLocation

    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }

    /// An empty span at `location`.
    public init(at location: SourceLocation) {
        self.start = location
        self.end = location
    }

    /// The span from the start of `self` to the end of `other`.
    public func through(_ other: SourceSpan) -> SourceSpan {
        SourceSpan(start: start, end: other.end)
    }

    /// `file:line:column`
    public var description: String { start.description }
}

/// A named source text (a script file, a REPL entry).
public struct Source: Sendable {
    public let name: String
    public let text: String
    /// The UTF-8 bytes of `text`.
    let bytes: [UInt8]
    /// Byte offset of the start of each line; `lineStarts[0] == 0`.
    let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        let bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            starts.append(i + 1)
        }
        self.bytes = bytes
        self.lineStarts = starts
    }

    /// Number of lines (a text ending with a newline has an empty last line).
    public var lineCount: Int { lineStarts.count }

    /// The text of a 1-based line without its line terminator ("\n" or "\r\n");
    /// "" for a line out of range.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The location of a UTF-8 byte offset (clamped to the text).
    public func location(atOffset offset: Int) -> SourceLocation {
        let offset = max(0, min(offset, bytes.count))
        // Last line start <= offset.
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let start = lineStarts[lo]
        var ascii = true
        for i in start..<offset where bytes[i] >= 0x80 { ascii = false; break }
        let column = ascii ? offset - start + 1
            : String(decoding: bytes[start..<offset], as: UTF8.self).count + 1
        return SourceLocation(file: name, line: lo + 1, column: column, offset: offset)
    }

    /// The span between two UTF-8 byte offsets.
    public func span(from start: Int, to end: Int) -> SourceSpan {
        SourceSpan(start: location(atOffset: start), end: location(atOffset: end))
    }

    /// The source text covered by a span (by offsets).
    public func text(in span: SourceSpan) -> String {
        let s = max(0, min(span.start.offset, bytes.count))
        let e = max(s, min(span.end.offset, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }

    /// Byte offset of the start of a 1-based line (the end of the text if out of range).
    func offset(ofLine line: Int) -> Int {
        guard line >= 1 else { return 0 }
        return line <= lineStarts.count ? lineStarts[line - 1] : bytes.count
    }
}
