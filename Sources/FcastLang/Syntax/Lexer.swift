// The lexer: source text -> tokens with spans.
//
// Newlines are statement separators, except inside (), [], {} and after a token that
// cannot end a statement (|> + - * / , = . :); such newlines are dropped here, so the
// parser only sees the newlines that end statements. A line whose first non-blank
// characters are exactly `##` (not `###`) is a cell marker; `#` starts a comment.
//
// The lexer never throws: at the first error it records the diagnostic, emits an
// `.invalid` token and stops. The parser reports that diagnostic when it reaches the
// token, so errors come out in source order.

enum LexTokenKind: Equatable, Sendable {
    case name(String)
    case number(Double)
    case string(String)
    case trueKeyword, falseKeyword, noneKeyword
    case lparen, rparen, lbracket, rbracket, lbrace, rbrace
    case comma, colon, semicolon, dot, equals
    case pipe, plus, minus, star, slash
    case newline
    case cell(title: String?)
    case invalid
    case eof

    /// After such a token a newline does not end the statement.
    var isContinuation: Bool {
        switch self {
        case .pipe, .plus, .minus, .star, .slash, .comma, .equals, .dot, .colon: return true
        default: return false
        }
    }

    /// Can this token end an expression?
    var endsExpression: Bool {
        switch self {
        case .name, .number, .string, .trueKeyword, .falseKeyword, .noneKeyword,
             .rparen, .rbracket, .rbrace: return true
        default: return false
        }
    }

    /// A name or a keyword (usable as a label, a record key or a field name).
    var nameText: String? {
        switch self {
        case .name(let n): return n
        case .trueKeyword: return "true"
        case .falseKeyword: return "false"
        case .noneKeyword: return "none"
        default: return nil
        }
    }
}

struct LexToken: Sendable {
    var kind: LexTokenKind
    var span: SourceSpan
    /// The raw text of the token.
    var text: String

    /// How messages name this token: "'x'", "'('", "a string", "end of file", ...
    var description: String {
        switch kind {
        case .eof: return "end of file"
        case .newline: return "end of line"
        case .string: return "a string"
        case .cell: return "a new cell ('##')"
        case .invalid: return "an invalid token"
        default: return "'\(text)'"
        }
    }
}

struct LexResult {
    /// Always ends with `.eof`; an `.invalid` token before it marks `error`.
    var tokens: [LexToken]
    var error: Diagnostic?
    /// Brackets still open at the end (innermost last).
    var openBrackets: [LexToken]
    /// A closing bracket did not match the innermost open one.
    var mismatchedBracket: Bool
    /// The input ended inside a string: its contents so far, and whether the line ended
    /// with a backslash that continues the string on the next line.
    var unterminatedString: (contents: String, continued: Bool)?
    /// The input ended inside a comment.
    var endsInComment: Bool
}

struct Lexer {
    let source: Source
    let bytes: [UInt8]
    var pos = 0
    var tokens: [LexToken] = []
    var brackets: [LexToken] = []
    var mismatched = false
    var error: Diagnostic?
    var unterminatedString: (contents: String, continued: Bool)?
    var endsInComment = false
    var atLineStart = true

    static func lex(_ source: Source) -> LexResult {
        var lexer = Lexer(source: source, bytes: source.bytes)
        lexer.run()
        return LexResult(tokens: lexer.tokens, error: lexer.error, openBrackets: lexer.brackets,
                         mismatchedBracket: lexer.mismatched,
                         unterminatedString: lexer.unterminatedString,
                         endsInComment: lexer.endsInComment)
    }

    /// Is `s` a valid name (keywords included)?
    static func isPlainName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, isNameStart(first) else { return false }
        return s.unicodeScalars.allSatisfy(isNameContinue)
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
        }
        return c.properties.isAlphabetic
    }

    static func isNameContinue(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return isNameStart(c) || (c >= "0" && c <= "9") }
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .decimalNumber, .connectorPunctuation: return true
        default: return c.properties.isAlphabetic
        }
    }

    // MARK: - Driver

    private var n: Int { bytes.count }

    private func byte(_ i: Int) -> UInt8? { i < n ? bytes[i] : nil }

    private func scalar(at p: Int) -> (Unicode.Scalar, Int) {
        let b = bytes[p]
        let len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        let end = min(n, p + len)
        let s = String(decoding: bytes[p..<end], as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
        return (s, end - p)
    }

    /// The last location computed: tokens come in order, so each location is found by
    /// moving forward from the previous one (no rescanning of long lines).
    private var cursor = SourceLocation(file: "", line: 1, column: 1, offset: 0)

    private mutating func location(_ offset: Int) -> SourceLocation {
        guard offset >= cursor.offset, cursor.file == source.name else {
            cursor = source.location(atOffset: offset)
            return cursor
        }
        var line = cursor.line
        var from = cursor.offset
        var column = cursor.column
        while line < source.lineStarts.count, source.lineStarts[line] <= offset {
            from = source.lineStarts[line]
            line += 1
            column = 1
        }
        var ascii = true
        for i in from..<offset where bytes[i] >= 0x80 { ascii = false; break }
        column += ascii ? offset - from : String(decoding: bytes[from..<offset], as: UTF8.self).count
        cursor = SourceLocation(file: source.name, line: line, column: column, offset: offset)
        return cursor
    }

    private mutating func span(_ a: Int, _ b: Int) -> SourceSpan {
        let start = location(a)
        return SourceSpan(start: start, end: location(b))
    }

    private func text(_ a: Int, _ b: Int) -> String { String(decoding: bytes[a..<b], as: UTF8.self) }

    private mutating func emit(_ kind: LexTokenKind, _ start: Int, _ end: Int) {
        tokens.append(LexToken(kind: kind, span: span(start, end), text: text(start, end)))
        atLineStart = false
    }

    private mutating func fail(_ d: Diagnostic, _ start: Int, _ end: Int) {
        error = d
        tokens.append(LexToken(kind: .invalid, span: d.span ?? span(start, end), text: text(start, end)))
    }

    private mutating func run() {
        // A byte order mark at the very start is ignored.
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { pos = 3 }
        while pos < n, error == nil {
            lexOne()
        }
        let end = span(n, n)
        tokens.append(LexToken(kind: .eof, span: end, text: ""))
    }

    private mutating func lexOne() {
        let c = bytes[pos]
        let start = pos
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
            pos += 1
        case UInt8(ascii: "\n"):
            newline(at: pos)
            pos += 1
            atLineStart = true
        case UInt8(ascii: "#"):
            if atLineStart, byte(pos + 1) == UInt8(ascii: "#"), byte(pos + 2) != UInt8(ascii: "#") {
                cellMarker()
            } else {
                while pos < n, bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
                if pos >= n { endsInComment = true }
            }
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            number()
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            string()
        case UInt8(ascii: "("): open(.lparen)
        case UInt8(ascii: "["): open(.lbracket)
        case UInt8(ascii: "{"): open(.lbrace)
        case UInt8(ascii: ")"): close(.rparen, opener: .lparen)
        case UInt8(ascii: "]"): close(.rbracket, opener: .lbracket)
        case UInt8(ascii: "}"): close(.rbrace, opener: .lbrace)
        case UInt8(ascii: ","): pos += 1; emit(.comma, start, pos)
        case UInt8(ascii: ":"): pos += 1; emit(.colon, start, pos)
        case UInt8(ascii: ";"): pos += 1; emit(.semicolon, start, pos)
        case UInt8(ascii: "+"): pos += 1; emit(.plus, start, pos)
        case UInt8(ascii: "-"): pos += 1; emit(.minus, start, pos)
        case UInt8(ascii: "*"): pos += 1; emit(.star, start, pos)
        case UInt8(ascii: "/"): pos += 1; emit(.slash, start, pos)
        case UInt8(ascii: "."):
            if let d = byte(pos + 1), isDigit(d), !(tokens.last?.kind.endsExpression ?? false) {
                var e = pos + 1
                while e < n, isDigit(bytes[e]) || bytes[e] == UInt8(ascii: "_") { e += 1 }
                fail(Diagnostic("a number cannot start with '.'", at: span(pos, e),
                                notes: ["write '0\(text(pos, e))'"]), pos, e)
                return
            }
            pos += 1; emit(.dot, start, pos)
        case UInt8(ascii: "|"):
            if byte(pos + 1) == UInt8(ascii: ">") {
                pos += 2; emit(.pipe, start, pos)
            } else {
                fail(Diagnostic("unexpected character '|'", at: span(pos, pos + 1),
                                notes: ["the pipe operator is '|>'"]), pos, pos + 1)
            }
        case UInt8(ascii: "="):
            if byte(pos + 1) == UInt8(ascii: "=") {
                fail(Diagnostic("'==' is not supported: the language has no comparison operators",
                                at: span(pos, pos + 2), notes: ["to bind a name, use a single '='"]),
                     pos, pos + 2)
            } else {
                pos += 1; emit(.equals, start, pos)
            }
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "!"):
            let e = byte(pos + 1) == UInt8(ascii: "=") ? pos + 2 : pos + 1
            if c == UInt8(ascii: "!") && e == pos + 1 {
                unexpectedCharacter()
            } else {
                fail(Diagnostic("'\(text(pos, e))' is not supported: the language has no comparison operators",
                                at: span(pos, e)), pos, e)
            }
        default:
            if Lexer.isNameStart(scalar(at: pos).0) {
                name()
            } else {
                unexpectedCharacter()
            }
        }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func unexpectedCharacter() {
        let (s, len) = scalar(at: pos)
        let shown: String
        if s.properties.generalCategory == .control || s.properties.isWhitespace
            || s.properties.generalCategory == .format || s.properties.generalCategory == .unassigned {
            let hex = String(s.value, radix: 16, uppercase: true)
            shown = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        } else {
            shown = "'\(Character(s))'"
        }
        var notes: [String] = []
        switch s {
        case "\u{201C}", "\u{201D}", "\u{2018}", "\u{2019}", "\u{00AB}", "\u{00BB}":
            notes.append("strings use straight quotes: \"...\" or '...'")
        case "\\":
            notes.append("a backslash can only appear inside a string")
        default:
            break
        }
        fail(Diagnostic("unexpected character \(shown)", at: span(pos, pos + len), notes: notes),
             pos, pos + len)
    }

    // MARK: - Newlines, brackets, cells

    private mutating func newline(at offset: Int) {
        guard brackets.isEmpty, let last = tokens.last else { return }
        switch last.kind {
        case .newline, .semicolon, .cell: return
        default:
            if last.kind.isContinuation { return }
        }
        tokens.append(LexToken(kind: .newline, span: span(offset, offset + 1), text: "\n"))
    }

    private mutating func open(_ kind: LexTokenKind) {
        pos += 1
        emit(kind, pos - 1, pos)
        brackets.append(tokens[tokens.count - 1])
    }

    private mutating func close(_ kind: LexTokenKind, opener: LexTokenKind) {
        pos += 1
        emit(kind, pos - 1, pos)
        if let top = brackets.last {
            if top.kind == opener { brackets.removeLast() } else { mismatched = true }
        }
    }

    private mutating func cellMarker() {
        let start = pos
        var end = pos
        while end < n, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var textEnd = end
        if textEnd > start, bytes[textEnd - 1] == UInt8(ascii: "\r") { textEnd -= 1 }
        if let open = brackets.last {
            let closer = open.kind == .lparen ? ")" : open.kind == .lbracket ? "]" : "}"
            fail(Diagnostic("'##' starts a new cell, but '\(open.text)' at \(open.span.start.lineColumn) is not closed",
                            at: span(start, start + 2),
                            notes: ["add '\(closer)' before the cell, or use a single '#' for a comment"]),
                 start, start + 2)
            return
        }
        if let last = tokens.last, last.kind.isContinuation {
            fail(Diagnostic("'##' starts a new cell, but the statement before it is unfinished: it ends with '\(last.text)'",
                            at: span(start, start + 2),
                            notes: ["finish the statement, or use a single '#' for a comment"]),
                 start, start + 2)
            return
        }
        let title = text(start + 2, textEnd).trimmingWhitespace()
        pos = textEnd
        emit(.cell(title: title.isEmpty ? nil : title), start, textEnd)
    }

    // MARK: - Names, numbers, strings

    private mutating func name() {
        let start = pos
        while pos < n {
            let (s, len) = scalar(at: pos)
            guard Lexer.isNameContinue(s) else { break }
            pos += len
        }
        let word = text(start, pos)
        switch word {
        case "true": emit(.trueKeyword, start, pos)
        case "false": emit(.falseKeyword, start, pos)
        case "none": emit(.noneKeyword, start, pos)
        default: emit(.name(word), start, pos)
        }
    }

    private mutating func number() {
        let start = pos
        func digitRun(_ p: inout Int) {
            while p < n, isDigit(bytes[p]) || bytes[p] == UInt8(ascii: "_") { p += 1 }
        }
        var p = pos
        digitRun(&p)
        var note: String?
        var bad = false
        if p < n, bytes[p] == UInt8(ascii: ".") {
            if let d = byte(p + 1), isDigit(d) {
                p += 1
                digitRun(&p)
            } else if p + 1 < n, Lexer.isNameStart(scalar(at: p + 1).0) {
                // `1.name`: the number ends before the dot.
            } else {
                p += 1
                bad = true
                let whole = text(start, p - 1)
                note = "write '\(whole).0' or '\(whole)'"
            }
        }
        if !bad, p < n, bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E") {
            if let d = byte(p + 1), isDigit(d) {
                p += 1
                digitRun(&p)
            } else if let sign = byte(p + 1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
                      let d = byte(p + 2), isDigit(d) {
                p += 2
                digitRun(&p)
            } else {
                note = "an exponent needs digits, as in 1.5e3"
                bad = true
                p += 1
                if let sign = byte(p), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { p += 1 }
            }
        }
        // Letters or digits glued to the number make it malformed.
        while p < n {
            let (s, len) = scalar(at: p)
            guard Lexer.isNameContinue(s) else { break }
            if !bad { note = nil }
            bad = true
            p += len
        }
        let lexeme = text(start, p)
        pos = p
        if !bad {
            // '_' must sit between two digits.
            let chars = Array(lexeme.utf8)
            for (i, ch) in chars.enumerated() where ch == UInt8(ascii: "_") {
                let before = i > 0 && isDigit(chars[i - 1])
                let after = i + 1 < chars.count && isDigit(chars[i + 1])
                if !(before && after) {
                    bad = true
                    note = "'_' can only separate digits, as in 1_000"
                    break
                }
            }
        }
        if !bad, let value = Double(lexeme.replacingUnderscores()) {
            emit(.number(value), start, p)
            return
        }
        if note == nil {
            let lower = lexeme.lowercased()
            if lower.hasPrefix("0x") || lower.hasPrefix("0b") || lower.hasPrefix("0o") {
                note = "only decimal numbers are supported"
            } else if lexeme.contains("_") && lexeme.utf8.last == UInt8(ascii: "_") {
                note = "'_' can only separate digits, as in 1_000"
            } else {
                note = "a name cannot start with a digit"
            }
        }
        fail(Diagnostic("malformed number '\(lexeme)'", at: span(start, p), notes: note.map { [$0] } ?? []),
             start, p)
    }

    private mutating func string() {
        let start = pos
        let quote = bytes[pos]
        let quoteText = quote == UInt8(ascii: "\"") ? "\"" : "'"
        pos += 1
        var buf: [UInt8] = []
        var continued = false

        func unterminated(_ lexer: inout Lexer, end: Int) {
            var e = end
            if e > start, lexer.bytes[e - 1] == UInt8(ascii: "\r") { e -= 1 }
            lexer.fail(Diagnostic("unterminated string", at: lexer.span(start, max(e, start + 1)),
                                  notes: ["close it with \(quoteText) before the end of the line"]),
                       start, max(e, start + 1))
        }

        while true {
            guard pos < n else {
                unterminatedString = (String(decoding: buf, as: UTF8.self), continued)
                unterminated(&self, end: n)
                return
            }
            let c = bytes[pos]
            if c == quote {
                pos += 1
                emit(.string(String(decoding: buf, as: UTF8.self)), start, pos)
                return
            }
            if c == UInt8(ascii: "\n") {
                unterminated(&self, end: pos)
                return
            }
            continued = false
            if c != UInt8(ascii: "\\") {
                buf.append(c)
                pos += 1
                continue
            }
            guard let e = byte(pos + 1) else {
                unterminatedString = (String(decoding: buf, as: UTF8.self), true)
                unterminated(&self, end: n)
                return
            }
            switch e {
            case UInt8(ascii: "n"): buf.append(10); pos += 2
            case UInt8(ascii: "t"): buf.append(9); pos += 2
            case UInt8(ascii: "r"): buf.append(13); pos += 2
            case UInt8(ascii: "0"): buf.append(0); pos += 2
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): buf.append(e); pos += 2
            case UInt8(ascii: "\n"):
                pos += 2; continued = true
            case UInt8(ascii: "\r") where byte(pos + 2) == UInt8(ascii: "\n"):
                pos += 3; continued = true
            case UInt8(ascii: "u"):
                guard byte(pos + 2) == UInt8(ascii: "{") else {
                    badUnicodeEscape(pos, pos + 2); return
                }
                var p = pos + 3
                while p < n, p - pos - 3 < 9, let b = byte(p), isHex(b) { p += 1 }
                guard byte(p) == UInt8(ascii: "}"), p > pos + 3, p - pos - 3 <= 8,
                      let v = UInt32(text(pos + 3, p), radix: 16), let s = Unicode.Scalar(v) else {
                    badUnicodeEscape(pos, min(n, p + 1)); return
                }
                buf.append(contentsOf: Array(String(Character(s)).utf8))
                pos = p + 1
            default:
                let (s, len) = scalar(at: pos + 1)
                fail(Diagnostic("unknown escape '\\\(Character(s))' in string", at: span(pos, pos + 1 + len),
                                notes: ["the escapes are \\\" \\' \\\\ \\n \\t \\r \\0 \\u{...}; write a backslash as \\\\"]),
                     pos, pos + 1 + len)
                return
            }
        }
    }

    private func isHex(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"))
    }

    private mutating func badUnicodeEscape(_ a: Int, _ b: Int) {
        fail(Diagnostic("invalid unicode escape in string", at: span(a, b),
                        notes: ["write it as \\u{1F600}: 1 to 8 hexadecimal digits in braces"]), a, b)
    }
}

fileprivate extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    func replacingUnderscores() -> String {
        String(self.filter { $0 != "_" })
    }
}
