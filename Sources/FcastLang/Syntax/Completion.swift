// What is being typed at the cursor, for REPL tab completion.

/// What the text before the cursor is in the middle of.
public enum CompletionContext: Equatable, Sendable {
    /// Completing an identifier (a name, a function, a keyword) that starts with `prefix`.
    case name(prefix: String)
    /// Inside `callee(...` where a named argument label may be typed (right after '(' or
    /// ','). `used` lists the labels already given in this call. A positional value may
    /// also go here when `used` is empty, so a completer may offer names too.
    case argumentLabel(callee: String, prefix: String, used: [String])
    /// Inside an unterminated string literal; `prefix` is its text so far (escapes applied).
    case path(prefix: String)
    /// Nothing to complete (after a number, in a comment, after '.', at a record key, ...).
    case none
}

extension Parser {
    /// Classifies the position at the end of `textBeforeCursor` (all text of the entry up
    /// to the cursor, possibly several lines).
    public static func completionContext(_ textBeforeCursor: String) -> CompletionContext {
        let source = Source(name: "<input>", text: textBeforeCursor)
        let lexed = Lexer.lex(source)
        if let s = lexed.unterminatedString { return .path(prefix: s.contents) }
        if lexed.error != nil || lexed.endsInComment { return .none }

        var tokens = Array(lexed.tokens.dropLast())   // drop eof
        let end = source.bytes.count
        var prefix = ""
        if let last = tokens.last, last.span.end.offset == end {
            switch last.kind {
            case .name, .trueKeyword, .falseKeyword, .noneKeyword:
                prefix = last.text
                tokens.removeLast()
            case .number, .string, .cell, .rparen, .rbracket, .rbrace:
                return .none
            default:
                break
            }
        }

        // Open brackets at the cursor, with what is known about calls.
        struct Frame {
            var kind: LexTokenKind
            var callee: String?
            var isCall: Bool
            var used: [String]
        }
        var frames: [Frame] = []
        for (k, t) in tokens.enumerated() {
            let before: LexToken? = k > 0 ? tokens[k - 1] : nil
            switch t.kind {
            case .lparen:
                var frame = Frame(kind: .lparen, callee: nil, isCall: false, used: [])
                if let b = before, b.kind.endsExpression {
                    frame.isCall = true
                    if case .name(let n) = b.kind, !(k >= 2 && tokens[k - 2].kind == .dot) {
                        frame.callee = n
                    }
                }
                frames.append(frame)
            case .lbracket, .lbrace:
                frames.append(Frame(kind: t.kind, callee: nil, isCall: false, used: []))
            case .rparen, .rbracket, .rbrace:
                if !frames.isEmpty { frames.removeLast() }
            case .colon:
                if let b = before, let label = b.kind.nameText, k >= 2,
                   tokens[k - 2].kind == .lparen || tokens[k - 2].kind == .comma,
                   let top = frames.last, top.isCall {
                    frames[frames.count - 1].used.append(label)
                }
            default:
                break
            }
        }

        guard let prev = tokens.last else { return .name(prefix: prefix) }
        let top = frames.last
        switch prev.kind {
        case .newline, .semicolon, .cell:
            return .name(prefix: prefix)
        case .lparen, .comma:
            if let top, top.isCall {
                if let callee = top.callee {
                    return .argumentLabel(callee: callee, prefix: prefix, used: top.used)
                }
                return .name(prefix: prefix)
            }
            if let top, top.kind == .lbrace { return .none }   // a record key
            return .name(prefix: prefix)
        case .lbrace:
            return .none
        case .lbracket, .equals, .pipe, .plus, .minus, .star, .slash, .colon:
            return .name(prefix: prefix)
        default:
            return .none
        }
    }
}
