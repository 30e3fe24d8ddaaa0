// The parser: tokens -> Program (cells of statements).
//
//   program    := (cell-marker | statement) separated by newlines or ';'
//   statement  := name '=' pipe | name (',' name)+ '=' pipe | pipe
//   pipe       := additive ('|>' additive)*          -- right side: a call or a name
//   additive   := term (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := '-' unary | postfix
//   postfix    := primary ('(' arguments ')' | '.' name | '[' pipe ']')*
//   primary    := number | string | true | false | none | name
//               | '(' pipe ')' | '[' items ']' | '{' fields '}'
//
// A line that starts with '|>' continues the statement above.

public enum Parser {
    /// Parses a script or a REPL entry. Stops at the first error.
    public static func parse(_ source: Source) throws(Diagnostic) -> Program {
        if let tooLarge = LanguageLimits.checkSize(source) { throw tooLarge }
        var p = ParserState(source: source, lexed: Lexer.lex(source))
        return try p.program()
    }

    /// Parses `text` as a source named `name`.
    public static func parse(_ text: String, name: String = "<input>") throws(Diagnostic) -> Program {
        try parse(Source(name: name, text: text))
    }

    /// Parses a single expression (the whole text must be one expression).
    public static func parseExpression(_ source: Source) throws(Diagnostic) -> Expr {
        if let tooLarge = LanguageLimits.checkSize(source) { throw tooLarge }
        var p = ParserState(source: source, lexed: Lexer.lex(source))
        p.skipSeparators()
        let e = try p.pipe()
        p.skipSeparators()
        guard case .eof = p.peek.kind else {
            throw p.error("expected the end of the expression, found \(p.peek.description)", at: p.peek)
        }
        return e
    }

    /// For the REPL: does this text need more lines before it can be parsed?
    /// True when a bracket is still open, the last token is one that cannot end a
    /// statement (|> + - * / , = . :), or a string is continued with a trailing backslash.
    /// False when the text is complete or has an error that more lines cannot fix
    /// (an unterminated string, a bad character, a mismatched bracket): parse it to get
    /// the error.
    public static func needsMoreInput(_ text: String) -> Bool {
        let lexed = Lexer.lex(Source(name: "<input>", text: text))
        if let s = lexed.unterminatedString { return s.continued }
        if lexed.error != nil || lexed.mismatchedBracket { return false }
        if !lexed.openBrackets.isEmpty { return true }
        let significant = lexed.tokens.last { tok in
            switch tok.kind {
            case .eof, .newline: return false
            default: return true
            }
        }
        return significant?.kind.isContinuation ?? false
    }
}

struct ParserState {
    let source: Source
    let tokens: [LexToken]
    let lexError: Diagnostic?
    var i = 0
    /// Nesting level of the expression being parsed (LanguageLimits.maxNesting).
    var depth = 0
    /// Binary operators and '|>' stages in the statement so far (LanguageLimits.maxOperators).
    var operators = 0

    /// One more level of nesting at `token`, refused past the limit.
    mutating func enter(_ token: LexToken) throws(Diagnostic) {
        depth += 1
        if depth > LanguageLimits.maxNesting { throw LanguageLimits.tooDeep(at: token.span) }
    }

    /// One more operator in the statement at `token`, refused past the limit.
    mutating func countOperator(_ token: LexToken) throws(Diagnostic) {
        operators += 1
        if operators > LanguageLimits.maxOperators { throw LanguageLimits.tooManyOperators(at: token.span) }
    }

    init(source: Source, lexed: LexResult) {
        self.source = source
        self.tokens = lexed.tokens
        self.lexError = lexed.error
    }

    var peek: LexToken { tokens[i] }

    func peek(_ k: Int) -> LexToken { tokens[min(i + k, tokens.count - 1)] }

    var previous: LexToken? { i > 0 ? tokens[i - 1] : nil }

    @discardableResult
    mutating func advance() -> LexToken {
        let t = tokens[i]
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    /// A diagnostic about `token`; if the token is where lexing failed, the lexer's
    /// diagnostic instead (it explains the real problem).
    func error(_ message: String, at token: LexToken, notes: [String] = []) -> Diagnostic {
        if case .invalid = token.kind, let lexError { return lexError }
        return Diagnostic(message, at: token.span, notes: notes)
    }

    mutating func skipSeparators() {
        while true {
            switch peek.kind {
            case .newline, .semicolon: advance()
            default: return
            }
        }
    }

    // MARK: - Program and cells

    mutating func program() throws(Diagnostic) -> Program {
        var cells: [Cell] = []
        var title: String?
        var startLine = 1
        var hasMarker = false
        var statements: [Stmt] = []

        func finish(endOffset: Int) {
            if hasMarker || !statements.isEmpty {
                let start = source.offset(ofLine: startLine)
                let text = String(decoding: source.bytes[start..<max(start, endOffset)], as: UTF8.self)
                cells.append(Cell(index: cells.count, title: title, startLine: startLine,
                                  statements: statements, sourceText: text))
            }
        }

        while true {
            skipSeparators()
            let t = peek
            switch t.kind {
            case .eof:
                finish(endOffset: source.bytes.count)
                return Program(source: source, cells: cells)
            case .cell(let cellTitle):
                let line = t.span.start.line
                finish(endOffset: source.offset(ofLine: line))
                title = cellTitle
                startLine = line
                hasMarker = true
                statements = []
                advance()
            default:
                statements.append(try statement())
                switch peek.kind {
                case .newline, .semicolon, .eof, .cell:
                    break
                case .equals:
                    throw error("unexpected '=': a statement can bind names only once", at: peek,
                                notes: ["bind one name per statement, as in 'a = 1; b = a'"])
                case .rparen, .rbracket, .rbrace:
                    throw error("unexpected \(peek.description): there is no open bracket to close", at: peek)
                default:
                    throw error("expected a new line or ';' after the statement, found \(peek.description)",
                                at: peek)
                }
            }
        }
    }

    // MARK: - Statements

    mutating func statement() throws(Diagnostic) -> Stmt {
        let t = peek
        operators = 0
        switch t.kind {
        case .rparen, .rbracket, .rbrace:
            throw error("unexpected \(t.description): there is no open bracket to close", at: t)
        case .equals:
            throw error("expected a name before '='", at: t)
        case .pipe:
            throw error("expected an expression before '|>'", at: t,
                        notes: ["a line that starts with '|>' continues the statement above it; in the REPL, end the line with '|>' instead"])
        default:
            break
        }
        let first = try pipe()
        switch peek.kind {
        case .comma:
            guard case .name(let n, let s) = first else {
                throw error("unexpected ',' after an expression", at: peek,
                            notes: ["to bind several names at once, write 'a, b = value'"])
            }
            var names: [(String, SourceSpan)] = [(n, s)]
            while case .comma = peek.kind {
                advance()
                let t = peek
                guard case .name(let m) = t.kind else {
                    if let kw = t.kind.nameText {
                        throw error("cannot bind '\(kw)': it is a keyword", at: t)
                    }
                    throw error("expected a name after ',' in a tuple binding, found \(t.description)", at: t)
                }
                if let earlier = names.first(where: { $0.0 == m }) {
                    throw error("'\(m)' is bound twice in this tuple binding", at: t,
                                notes: ["note: first bound at \(earlier.1.start.lineColumn)"])
                }
                advance()
                names.append((m, t.span))
            }
            guard case .equals = peek.kind else {
                let list = names.map(\.0).joined(separator: ", ")
                throw error("expected '=' after '\(list)' to bind these names, found \(peek.description)", at: peek)
            }
            advance()
            let value = try pipe()
            return .bind(names: names, value: value, span: s.through(value.span))
        case .equals:
            guard case .name(let n, let s) = first else {
                if case .bool(let b, _) = first {
                    throw Diagnostic("cannot bind '\(b)': it is a keyword", at: first.span)
                }
                if case .none = first {
                    throw Diagnostic("cannot bind 'none': it is a keyword", at: first.span)
                }
                throw Diagnostic("cannot assign to \(first.kindDescription): only a name can be on the left of '='",
                                 at: first.span)
            }
            advance()
            let value = try pipe()
            return .bind(names: [(n, s)], value: value, span: s.through(value.span))
        default:
            return .expr(first)
        }
    }

    // MARK: - Expressions

    mutating func pipe() throws(Diagnostic) -> Expr {
        try enter(peek)
        defer { depth -= 1 }
        var lhs = try additive()
        while true {
            if case .pipe = peek.kind {
                // continue below
            } else if case .newline = peek.kind, case .pipe = peek(1).kind {
                advance()   // a line starting with '|>' continues the statement
            } else {
                return lhs
            }
            let op = advance()
            try countOperator(op)
            switch peek.kind {
            case .eof, .newline, .semicolon, .cell:
                throw error("expected an expression after '|>'", at: op,
                            notes: ["write a call or a function name after '|>', as in 'x |> f(y)'"])
            default:
                break
            }
            let rhs = try additive()
            let span = lhs.span.through(rhs.span)
            let piped = Argument(label: nil, labelSpan: nil, value: lhs, isPiped: true)
            switch rhs {
            case .call(let callee, let args, _):
                lhs = .call(callee: callee, args: [piped] + args, span)
            case .name:
                lhs = .call(callee: rhs, args: [piped], span)
            default:
                throw Diagnostic("expected a function call or a function name after '|>', found \(rhs.kindDescription)",
                                 at: rhs.span, notes: ["'x |> f(y)' means 'f(x, y)' and 'x |> f' means 'f(x)'"])
            }
        }
    }

    mutating func additive() throws(Diagnostic) -> Expr {
        var lhs = try term()
        while true {
            let op: String
            switch peek.kind {
            case .plus: op = "+"
            case .minus: op = "-"
            default: return lhs
            }
            let opToken = advance()
            try countOperator(opToken)
            let rhs = try term()
            lhs = .binary(op: op, lhs, rhs, lhs.span.through(rhs.span))
        }
    }

    mutating func term() throws(Diagnostic) -> Expr {
        var lhs = try unary()
        while true {
            let op: String
            switch peek.kind {
            case .star: op = "*"
            case .slash: op = "/"
            default: return lhs
            }
            let opToken = advance()
            try countOperator(opToken)
            let rhs = try unary()
            lhs = .binary(op: op, lhs, rhs, lhs.span.through(rhs.span))
        }
    }

    mutating func unary() throws(Diagnostic) -> Expr {
        if case .minus = peek.kind {
            let op = advance()
            try enter(op)
            defer { depth -= 1 }
            let operand = try unary()
            return .unary(op: "-", operand, op.span.through(operand.span))
        }
        return try postfix()
    }

    mutating func postfix() throws(Diagnostic) -> Expr {
        var e = try primary()
        let outer = depth
        defer { depth = outer }
        while true {
            switch peek.kind {
            case .lparen, .dot, .lbracket: try enter(peek)
            default: break
            }
            switch peek.kind {
            case .lparen:
                e = try call(e)
            case .dot:
                advance()
                let t = peek
                guard let fieldName = t.kind.nameText else {
                    throw error("expected a field name after '.', found \(t.description)", at: t)
                }
                advance()
                e = .field(e, fieldName, e.span.through(t.span))
            case .lbracket:
                let open = advance()
                let index = try pipe()
                let close = try expectClose(.rbracket, for: open)
                e = .index(e, index, e.span.through(close.span))
            default:
                return e
            }
        }
    }

    mutating func call(_ callee: Expr) throws(Diagnostic) -> Expr {
        let open = advance()
        var args: [Argument] = []
        var firstNamed: (String, SourceSpan)?
        var labels: [String: SourceSpan] = [:]
        while true {
            if case .rparen = peek.kind { break }
            if case .eof = peek.kind { throw unclosed(open, closer: ")", separator: "arguments") }
            let t = peek
            if let label = t.kind.nameText, case .colon = peek(1).kind {
                if let earlier = labels[label] {
                    throw error("argument '\(label)' is given twice", at: t,
                                notes: ["note: first given at \(earlier.start.lineColumn)"])
                }
                advance(); advance()
                let value = try pipe()
                labels[label] = t.span
                if firstNamed == nil { firstNamed = (label, t.span) }
                args.append(Argument(label: label, labelSpan: t.span, value: value))
            } else {
                let value = try pipe()
                if let (label, span) = firstNamed {
                    throw Diagnostic("positional argument after named argument", at: value.span,
                                     notes: ["positional arguments come first; the named argument '\(label)' is at \(span.start.lineColumn)"])
                }
                args.append(Argument(value: value))
            }
            if case .comma = peek.kind { advance(); continue }
            if case .rparen = peek.kind { break }
            throw unclosed(open, closer: ")", separator: "arguments")
        }
        let close = advance()
        return .call(callee: callee, args: args, callee.span.through(close.span))
    }

    /// "expected ')' to close '(' at 2:14, found 'x'"
    func unclosed(_ open: LexToken, closer: String, separator: String) -> Diagnostic {
        let t = peek
        let message = "expected '\(closer)' to close '\(open.text)' at \(open.span.start.lineColumn)"
        if case .eof = t.kind {
            return error(message + ", found end of file", at: open)
        }
        var notes: [String] = []
        if startsExpression(t.kind), let prev = previous, prev.kind.endsExpression {
            if t.span.start.line > prev.span.end.line {
                notes.append("is '\(closer)' missing at the end of line \(prev.span.end.line)?")
            } else {
                notes.append("put a ',' between \(separator)")
            }
        }
        if case .colon = t.kind {
            if open.kind == .lparen {
                notes.append("a named argument is written 'name: value'")
            }
        }
        if case .equals = t.kind, open.kind == .lparen {
            notes.append("named arguments use ':', as in 'f(season: 12)'")
        }
        return error(message + ", found \(t.description)", at: t, notes: notes)
    }

    func startsExpression(_ k: LexTokenKind) -> Bool {
        switch k {
        case .name, .number, .string, .trueKeyword, .falseKeyword, .noneKeyword,
             .lparen, .lbracket, .lbrace, .minus: return true
        default: return false
        }
    }

    mutating func expectClose(_ kind: LexTokenKind, for open: LexToken) throws(Diagnostic) -> LexToken {
        if peek.kind == kind { return advance() }
        let closer = kind == .rparen ? ")" : kind == .rbracket ? "]" : "}"
        var d = unclosed(open, closer: closer, separator: "items")
        if open.kind == .lparen, case .comma = peek.kind {
            d.notes.append("there are no tuples; for several values use a list '[a, b]'")
        }
        throw d
    }

    mutating func primary() throws(Diagnostic) -> Expr {
        let t = peek
        switch t.kind {
        case .number(let v): advance(); return .number(v, t.span)
        case .string(let s): advance(); return .string(s, t.span)
        case .trueKeyword: advance(); return .bool(true, t.span)
        case .falseKeyword: advance(); return .bool(false, t.span)
        case .noneKeyword: advance(); return .none(t.span)
        case .name(let n): advance(); return .name(n, t.span)
        case .lparen:
            let open = advance()
            if case .eof = peek.kind { throw unclosed(open, closer: ")", separator: "items") }
            if case .rparen = peek.kind {
                throw error("empty parentheses '()' are not an expression", at: peek)
            }
            let inner = try pipe()
            let close = try expectClose(.rparen, for: open)
            return inner.withSpan(open.span.through(close.span))
        case .lbracket:
            let open = advance()
            var items: [Expr] = []
            while true {
                if case .rbracket = peek.kind { break }
                if case .eof = peek.kind { throw unclosed(open, closer: "]", separator: "list items") }
                items.append(try pipe())
                if case .comma = peek.kind { advance(); continue }
                if case .rbracket = peek.kind { break }
                throw unclosed(open, closer: "]", separator: "list items")
            }
            let close = advance()
            return .list(items, open.span.through(close.span))
        case .lbrace:
            return try record()
        default:
            throw expectedExpression()
        }
    }

    mutating func record() throws(Diagnostic) -> Expr {
        let open = advance()
        var fields: [RecordField] = []
        var seen: [String: SourceSpan] = [:]
        while true {
            if case .rbrace = peek.kind { break }
            let t = peek
            let key: String
            if let k = t.kind.nameText {
                key = k
            } else if case .string(let s) = t.kind {
                key = s
            } else {
                if case .eof = t.kind { throw unclosed(open, closer: "}", separator: "fields") }
                throw error("expected a field name in the record, found \(t.description)", at: t,
                            notes: ["a record is written {name: value, ...}"])
            }
            advance()
            guard case .colon = peek.kind else {
                throw error("expected ':' after the field name '\(key)', found \(peek.description)", at: peek,
                            notes: ["a record is written {name: value, ...}"])
            }
            if let earlier = seen[key] {
                throw error("duplicate field '\(key)' in record", at: t,
                            notes: ["note: first given at \(earlier.start.lineColumn)"])
            }
            seen[key] = t.span
            advance()
            let value = try pipe()
            fields.append(RecordField(key: key, keySpan: t.span, value: value))
            if case .comma = peek.kind { advance(); continue }
            if case .rbrace = peek.kind { break }
            throw unclosed(open, closer: "}", separator: "fields")
        }
        let close = advance()
        return .record(fields, open.span.through(close.span))
    }

    /// "expected an expression after '|>'", "expected an expression, found ')'", ...
    func expectedExpression() -> Diagnostic {
        let t = peek
        if case .invalid = t.kind, let lexError { return lexError }
        if let prev = previous {
            switch prev.kind {
            case .newline, .semicolon, .cell:
                break
            default:
                if case .eof = t.kind {
                    return Diagnostic("expected an expression after '\(prev.text)'", at: prev.span)
                }
                return Diagnostic("expected an expression after '\(prev.text)', found \(t.description)", at: t.span)
            }
        }
        return Diagnostic("expected an expression, found \(t.description)", at: t.span)
    }
}
