// The syntax tree of fcast's language.

/// An expression. Every case carries the span of the whole expression (a parenthesized
/// expression's span includes its parentheses). Pipes are desugared at parse time:
/// `a |> f(b)` is `.call(f, [a, b])` with the first argument marked `isPiped`.
public indirect enum Expr: Sendable, Equatable {
    case number(Double, SourceSpan)
    case string(String, SourceSpan)
    case bool(Bool, SourceSpan)
    case none(SourceSpan)
    case name(String, SourceSpan)
    case list([Expr], SourceSpan)
    case record([RecordField], SourceSpan)
    case call(callee: Expr, args: [Argument], SourceSpan)
    case unary(op: String, Expr, SourceSpan)            // "-"
    case binary(op: String, Expr, Expr, SourceSpan)     // "+", "-", "*", "/"
    case field(Expr, String, SourceSpan)
    case index(Expr, Expr, SourceSpan)

    public var span: SourceSpan {
        switch self {
        case .number(_, let s), .string(_, let s), .bool(_, let s), .none(let s),
             .name(_, let s), .list(_, let s), .record(_, let s), .call(_, _, let s),
             .unary(_, _, let s), .binary(_, _, _, let s), .field(_, _, let s),
             .index(_, _, let s):
            return s
        }
    }

    /// The same expression with another span.
    public func withSpan(_ s: SourceSpan) -> Expr {
        switch self {
        case .number(let v, _): return .number(v, s)
        case .string(let v, _): return .string(v, s)
        case .bool(let v, _): return .bool(v, s)
        case .none: return .none(s)
        case .name(let v, _): return .name(v, s)
        case .list(let v, _): return .list(v, s)
        case .record(let v, _): return .record(v, s)
        case .call(let c, let a, _): return .call(callee: c, args: a, s)
        case .unary(let o, let e, _): return .unary(op: o, e, s)
        case .binary(let o, let l, let r, _): return .binary(op: o, l, r, s)
        case .field(let b, let n, _): return .field(b, n, s)
        case .index(let b, let i, _): return .index(b, i, s)
        }
    }

    /// A short description of what kind of expression this is, for messages:
    /// "a number", "a string", "a list", "a '+' expression", ...
    public var kindDescription: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .none: return "'none'"
        case .name(let n, _): return "the name '\(n)'"
        case .list: return "a list"
        case .record: return "a record"
        case .call: return "a call"
        case .unary(let op, _, _): return "a '\(op)' expression"
        case .binary(let op, _, _, _): return "a '\(op)' expression"
        case .field: return "a field access"
        case .index: return "an index expression"
        }
    }
}

/// One field of a record literal `{key: value}`.
public struct RecordField: Sendable, Equatable {
    public var key: String
    public var keySpan: SourceSpan
    public var value: Expr

    public init(key: String, keySpan: SourceSpan, value: Expr) {
        self.key = key
        self.keySpan = keySpan
        self.value = value
    }
}

/// One argument of a call: positional (`label == nil`) or named (`label: value`).
public struct Argument: Sendable, Equatable {
    public var label: String?
    public var labelSpan: SourceSpan?
    public var value: Expr
    /// True for the value that `|>` passed in as the first positional argument.
    public var isPiped: Bool

    public init(label: String? = nil, labelSpan: SourceSpan? = nil, value: Expr, isPiped: Bool = false) {
        self.label = label
        self.labelSpan = labelSpan
        self.value = value
        self.isPiped = isPiped
    }
}

/// A statement: an expression, or a binding of one name (`x = e`) or several (`a, b = e`,
/// which destructures a list value).
public enum Stmt: Sendable {
    case expr(Expr)
    case bind(names: [(String, SourceSpan)], value: Expr, span: SourceSpan)

    public var span: SourceSpan {
        switch self {
        case .expr(let e): return e.span
        case .bind(_, _, let s): return s
        }
    }
}

/// A notebook cell. A script is split into cells by lines that start with `##`; the rest
/// of such a line is the cell's title. Code before the first `##` line is a cell with
/// title nil (left out when it holds no statement).
public struct Cell: Sendable {
    /// Position in `Program.cells` (0-based).
    public var index: Int
    /// The text after `##`, trimmed; nil for the code before the first `##` or an empty title.
    public var title: String?
    /// The line of the `##` marker (1 for the code before the first marker).
    public var startLine: Int
    public var statements: [Stmt]
    /// The cell's full text from `startLine` (the `##` line included) up to the next `##`
    /// line (excluded) or the end of the source.
    public var sourceText: String

    public init(index: Int, title: String?, startLine: Int, statements: [Stmt], sourceText: String) {
        self.index = index
        self.title = title
        self.startLine = startLine
        self.statements = statements
        self.sourceText = sourceText
    }
}

/// A parsed script or REPL entry.
public struct Program: Sendable {
    public var source: Source
    public var cells: [Cell]
    /// All statements of all cells, in order.
    public var statements: [Stmt] { cells.flatMap(\.statements) }

    public init(source: Source, cells: [Cell]) {
        self.source = source
        self.cells = cells
    }
}

// MARK: - Printing as source

extension Expr: CustomStringConvertible {
    /// The expression as canonical source text (pipes appear desugared as calls).
    public var description: String { printed }

    private var precedence: Int {
        switch self {
        case .binary(let op, _, _, _): return op == "+" || op == "-" ? 1 : 2
        case .unary: return 3
        default: return 4
        }
    }

    private var printed: String {
        switch self {
        case .number(let v, _): return Expr.formatNumber(v)
        case .string(let s, _): return Expr.quote(s)
        case .bool(let b, _): return b ? "true" : "false"
        case .none: return "none"
        case .name(let n, _): return n
        case .list(let items, _): return "[" + items.map(\.printed).joined(separator: ", ") + "]"
        case .record(let fields, _):
            return "{" + fields.map { Expr.formatKey($0.key) + ": " + $0.value.printed }
                .joined(separator: ", ") + "}"
        case .call(let callee, let args, _):
            let a = args.map { ($0.label.map { Expr.formatKey($0) + ": " } ?? "") + $0.value.printed }
            return callee.wrapped(below: 4) + "(" + a.joined(separator: ", ") + ")"
        case .unary(let op, let e, _):
            if case .unary = e { return op + "(" + e.printed + ")" }
            return op + e.wrapped(below: 3)
        case .binary(let op, let l, let r, _):
            let p = precedence
            return l.wrapped(below: p) + " " + op + " " + r.wrapped(below: p + 1)
        case .field(let base, let name, _): return base.wrapped(below: 4) + "." + Expr.formatKey(name)
        case .index(let base, let i, _): return base.wrapped(below: 4) + "[" + i.printed + "]"
        }
    }

    private func wrapped(below p: Int) -> String {
        precedence < p ? "(" + printed + ")" : printed
    }

    static func formatNumber(_ v: Double) -> String {
        if v.rounded() == v, abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 || ch.value == 0x7F {
                    out += "\\u{" + String(ch.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }

    static func formatKey(_ k: String) -> String {
        Lexer.isPlainName(k) ? k : quote(k)
    }
}

extension Stmt: CustomStringConvertible {
    public var description: String {
        switch self {
        case .expr(let e): return e.description
        case .bind(let names, let value, _):
            return names.map(\.0).joined(separator: ", ") + " = " + value.description
        }
    }
}
