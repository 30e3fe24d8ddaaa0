// Limits of the language: every input gets an error, never a crash.
//
// The parser and the evaluator recurse over nested expressions, and the AST is a tree of
// indirect enums whose destruction recurses too, so the depth of any expression is bounded
// here, with a message at the offending line:column:
//
// - nesting (brackets, calls, unary minus, postfix '.f', '[i]', '(...)') at most `maxNesting`
//   levels: `((((1))))` with 101 parentheses is an error, not a stack overflow;
// - binary operators and '|>' stages are parsed in loops and evaluated iteratively (the
//   evaluator walks a left-associative chain instead of recursing down it), but each one
//   still adds a level to the tree, so a statement has at most `maxOperators` of them: a sum
//   of 10,000 terms or 5,000 '|>' stages runs; a sum of 20,000 terms is refused;
// - a script is at most `maxScriptBytes` and a line at most `maxLineBytes`;
// - a value (lists and records inside lists and records) is at most `maxValueNesting` deep,
//   since display and comparison recurse over values.

public enum LanguageLimits {
    /// Nesting levels of one expression. A level is up to 7 parser frames, several KB each
    /// in a debug build: 256 levels of records overflowed the main thread's 8 MB there.
    public static let maxNesting = 100
    /// Binary operators and '|>' stages in one statement (each is a level of the tree).
    public static let maxOperators = 10_000
    /// Bytes of one script or REPL entry (16 MiB).
    public static let maxScriptBytes = 16 << 20
    /// Bytes of one line (1 MiB).
    public static let maxLineBytes = 1 << 20
    /// Nesting of lists and records in a value.
    public static let maxValueNesting = 100

    /// The first limit a source breaks (its size, then its longest line), as a diagnostic
    /// at the place where it is broken; nil when it is within them.
    static func checkSize(_ source: Source) -> Diagnostic? {
        let bytes = source.bytes
        if bytes.count > maxScriptBytes {
            return Diagnostic("the script is \(bytes.count) bytes; at most \(maxScriptBytes) (16 MiB) are read",
                              at: SourceSpan(at: source.location(atOffset: 0)),
                              notes: ["split it into several scripts, or keep data in CSV files and load() them"])
        }
        var lineStart = 0
        var i = 0
        let n = bytes.count
        while i <= n {
            if i == n || bytes[i] == 10 {
                if i - lineStart > maxLineBytes {
                    return Diagnostic("line is \(i - lineStart) bytes long; at most \(maxLineBytes) (1 MiB) are allowed",
                                      at: SourceSpan(at: source.location(atOffset: lineStart)),
                                      notes: ["break the expression over several lines"])
                }
                lineStart = i + 1
            }
            i += 1
        }
        return nil
    }

    /// A script file's text: its bytes must be UTF-8; the first byte that is not is an error
    /// at its line:column (instead of "the file isn't in the correct format").
    public static func decodeScript(_ bytes: [UInt8], name: String) throws(Diagnostic) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var line = 1, column = 1, offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let u):
                offset += UTF8.width(u)
                if u == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            case .error:
                throw Diagnostic("the script is not valid UTF-8 (byte \(offset + 1) of the file)",
                                 at: SourceSpan(at: SourceLocation(file: name, line: line, column: column, offset: offset)),
                                 notes: ["save the script as UTF-8"])
            }
        }
    }

    static func tooDeep(at span: SourceSpan) -> Diagnostic {
        Diagnostic("expression nested too deeply: more than \(maxNesting) levels of brackets, calls, '-' or postfix '.', '[ ]'",
                   at: span, notes: ["bind the inner parts to names first, as in 'a = ...; b = f(a)'"])
    }

    static func tooManyOperators(at span: SourceSpan) -> Diagnostic {
        Diagnostic("statement too long: more than \(maxOperators) operators ('+', '-', '*', '/', '|>')",
                   at: span, notes: ["split it into several statements, as in 'a = ...; b = a + ...'"])
    }
}

extension Value {
    /// Levels of lists and records in the value: 0 for a scalar, 1 for `[1, 2]`, 2 for `[[1]]`.
    var nestingDepth: Int {
        switch self {
        case .list(let items): return 1 + (items.lazy.map(\.nestingDepth).max() ?? 0)
        case .record(let fields): return 1 + (fields.lazy.map(\.value.nestingDepth).max() ?? 0)
        default: return 0
        }
    }
}
