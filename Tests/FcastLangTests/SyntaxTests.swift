import XCTest
@testable import FcastLang

// MARK: - Helpers

/// A fully parenthesized form of an expression, to check the tree's shape.
/// Piped arguments are marked with '^', named ones as label=value.
private func sx(_ e: Expr) -> String {
    switch e {
    case .number(let v, _): return Expr.formatNumber(v)
    case .string(let s, _): return Expr.quote(s)
    case .bool(let b, _): return b ? "true" : "false"
    case .none: return "none"
    case .name(let n, _): return n
    case .list(let items, _): return "[" + items.map(sx).joined(separator: " ") + "]"
    case .record(let fields, _): return "{" + fields.map { "\($0.key)=\(sx($0.value))" }.joined(separator: " ") + "}"
    case .call(let callee, let args, _):
        let a = args.map { arg -> String in
            (arg.isPiped ? "^" : "") + (arg.label.map { "\($0)=" } ?? "") + sx(arg.value)
        }
        return "(" + ([sx(callee)] + a).joined(separator: " ") + ")"
    case .unary(let op, let x, _): return "(\(op) \(sx(x)))"
    case .binary(let op, let l, let r, _): return "(\(op) \(sx(l)) \(sx(r)))"
    case .field(let b, let n, _): return "(. \(sx(b)) \(n))"
    case .index(let b, let i, _): return "(idx \(sx(b)) \(sx(i)))"
    }
}

private func sx(_ s: Stmt) -> String {
    switch s {
    case .expr(let e): return sx(e)
    case .bind(let names, let value, _): return "(= " + names.map(\.0).joined(separator: ",") + " " + sx(value) + ")"
    }
}

private func program(_ text: String, file: String = "t.fc", line: UInt = #line) -> Program? {
    do {
        return try Parser.parse(Source(name: file, text: text))
    } catch {
        XCTFail("unexpected error: \(error.render(source: Source(name: file, text: text)))", line: line)
        return nil
    }
}

/// The statements of `text`, each as an s-expression, joined by " ; ".
private func stmts(_ text: String, line: UInt = #line) -> String {
    guard let p = program(text, line: line) else { return "<error>" }
    return p.statements.map(sx).joined(separator: " ; ")
}

private func expr(_ text: String, line: UInt = #line) -> Expr? {
    guard let p = program(text, line: line) else { return nil }
    guard p.statements.count == 1, case .expr(let e) = p.statements[0] else {
        XCTFail("expected one expression statement", line: line)
        return nil
    }
    return e
}

private func diagnostic(_ text: String, file: String = "t.fc", line: UInt = #line) -> Diagnostic? {
    do {
        let p = try Parser.parse(Source(name: file, text: text))
        XCTFail("expected an error, parsed \(p.statements.map(sx))", line: line)
        return nil
    } catch {
        return error
    }
}

/// The rendered error for `text` (file "t.fc").
private func rendered(_ text: String, line: UInt = #line) -> String {
    guard let d = diagnostic(text, line: line) else { return "<no error>" }
    return d.render(source: Source(name: "t.fc", text: text))
}

private func loc(_ s: SourceLocation) -> String { "\(s.line):\(s.column)" }
private func span(_ s: SourceSpan) -> String { "\(loc(s.start))-\(loc(s.end))" }

// MARK: - Tests

final class SyntaxLiteralTests: XCTestCase {
    func testNumbers() {
        XCTAssertEqual(stmts("42"), "42")
        XCTAssertEqual(stmts("3.25"), "3.25")
        XCTAssertEqual(stmts("1e3"), "1000")
        XCTAssertEqual(stmts("2E+2"), "200")
        XCTAssertEqual(stmts("1.5e-3"), "0.0015")
        XCTAssertEqual(stmts("1_000_000"), "1000000")
        XCTAssertEqual(stmts("1_000.5"), "1000.5")
        XCTAssertEqual(stmts("007"), "7")
        guard case .number(let v, _)? = expr("0.1") else { return XCTFail() }
        XCTAssertEqual(v, 0.1)
    }

    func testStrings() {
        guard case .string(let s, _)? = expr(#""a \"b\" \\ c\nd\te""#) else { return XCTFail() }
        XCTAssertEqual(s, "a \"b\" \\ c\nd\te")
        guard case .string(let t, _)? = expr(#"'it\'s "fine"'"#) else { return XCTFail() }
        XCTAssertEqual(t, "it's \"fine\"")
        guard case .string(let u, _)? = expr(#""\u{e9}t\u{E9} \r\0""#) else { return XCTFail() }
        XCTAssertEqual(u, "été \r\0")
        guard case .string(let e, _)? = expr(#""""#) else { return XCTFail() }
        XCTAssertEqual(e, "")
        guard case .string(let w, _)? = expr("\"données \u{1F600}\"") else { return XCTFail() }
        XCTAssertEqual(w, "données \u{1F600}")
    }

    func testStringLineContinuation() {
        guard case .string(let s, _)? = expr("\"abc\\\ndef\"") else { return XCTFail() }
        XCTAssertEqual(s, "abcdef")
    }

    func testKeywordsAndNames() {
        XCTAssertEqual(stmts("true; false; none"), "true ; false ; none")
        guard case .bool(true, _)? = expr("true") else { return XCTFail() }
        guard case .none? = expr("none") else { return XCTFail() }
        XCTAssertEqual(stmts("_x1"), "_x1")
        XCTAssertEqual(stmts("trueish"), "trueish")
        XCTAssertEqual(stmts("données = 1"), "(= données 1)")
        guard case .name("a_b2", _)? = expr("a_b2") else { return XCTFail() }
    }

    func testLists() {
        XCTAssertEqual(stmts("[]"), "[]")
        XCTAssertEqual(stmts("[1, 2, 3]"), "[1 2 3]")
        XCTAssertEqual(stmts("[1, 2,]"), "[1 2]")
        XCTAssertEqual(stmts("[[1], [2, [3]]]"), "[[1] [2 [3]]]")
        XCTAssertEqual(stmts("[\"a\", x, f(1)]"), "[\"a\" x (f 1)]")
    }

    func testRecords() {
        XCTAssertEqual(stmts("{}"), "{}")
        XCTAssertEqual(stmts(#"{name: "weekly", period: 7, order: 3}"#), #"{name="weekly" period=7 order=3}"#)
        XCTAssertEqual(stmts("{a: 1,}"), "{a=1}")
        XCTAssertEqual(stmts(#"{"a b": 1, none: 2}"#), "{a b=1 none=2}")
        XCTAssertEqual(stmts("{a: {b: [1]}}"), "{a={b=[1]}}")
        guard case .record(let fields, _)? = expr("{k: 1}") else { return XCTFail() }
        XCTAssertEqual(fields.map(\.key), ["k"])
        XCTAssertEqual(span(fields[0].keySpan), "1:2-1:3")
    }
}

final class SyntaxExpressionTests: XCTestCase {
    func testPrecedence() {
        XCTAssertEqual(stmts("1 + 2 * 3"), "(+ 1 (* 2 3))")
        XCTAssertEqual(stmts("(1 + 2) * 3"), "(* (+ 1 2) 3)")
        XCTAssertEqual(stmts("1 - 2 - 3"), "(- (- 1 2) 3)")
        XCTAssertEqual(stmts("8 / 4 / 2"), "(/ (/ 8 4) 2)")
        XCTAssertEqual(stmts("1 * 2 + 3 / 4"), "(+ (* 1 2) (/ 3 4))")
        XCTAssertEqual(stmts("-2 * 3"), "(* (- 2) 3)")
        XCTAssertEqual(stmts("2 * -3"), "(* 2 (- 3))")
        XCTAssertEqual(stmts("- -1"), "(- (- 1))")
        XCTAssertEqual(stmts("--1"), "(- (- 1))")
        XCTAssertEqual(stmts("-x.y"), "(- (. x y))")
        XCTAssertEqual(stmts("-f(1)[0]"), "(- (idx (f 1) 0))")
        XCTAssertEqual(stmts("x = -1.5e3 + 2 * (3 - 1) / 4"), "(= x (+ (- 1500) (/ (* 2 (- 3 1)) 4)))")
        XCTAssertEqual(stmts("1-2"), "(- 1 2)")
    }

    func testPostfix() {
        XCTAssertEqual(stmts("r.name"), "(. r name)")
        XCTAssertEqual(stmts("xs[0]"), "(idx xs 0)")
        XCTAssertEqual(stmts("a.b.c[1][2].d"), "(. (idx (idx (. (. a b) c) 1) 2) d)")
        XCTAssertEqual(stmts("xs[i + 1]"), "(idx xs (+ i 1))")
        XCTAssertEqual(stmts("r.none"), "(. r none)")
        XCTAssertEqual(stmts("[1, 2][0]"), "(idx [1 2] 0)")
        XCTAssertEqual(stmts("{a: 1}.a"), "(. {a=1} a)")
        XCTAssertEqual(stmts("xs[ys |> first]"), "(idx xs (first ^ys))")
    }

    func testCalls() {
        XCTAssertEqual(stmts("f()"), "(f)")
        XCTAssertEqual(stmts("f(1, x)"), "(f 1 x)")
        XCTAssertEqual(stmts("f(1, season: 12)"), "(f 1 season=12)")
        XCTAssertEqual(stmts("f(a: 1, b: 2,)"), "(f a=1 b=2)")
        XCTAssertEqual(stmts("grid(auto_arima(), ets(), snaive(season: [4, 12]), season: 12)"),
                       "(grid (auto_arima) (ets) (snaive season=[4 12]) season=12)")
        XCTAssertEqual(stmts("f(1)(2)"), "((f 1) 2)")
        XCTAssertEqual(stmts("m.fit(x)"), "((. m fit) x)")
        XCTAssertEqual(stmts("f(none: 1, true: 2)"), "(f none=1 true=2)")
        XCTAssertEqual(stmts("f(x: y |> g)"), "(f x=(g ^y))")
        guard case .call(_, let args, _)? = expr("f(1, season: 12)") else { return XCTFail() }
        XCTAssertNil(args[0].label)
        XCTAssertNil(args[0].labelSpan)
        XCTAssertFalse(args[0].isPiped)
        XCTAssertEqual(args[1].label, "season")
        XCTAssertEqual(args[1].labelSpan.map(span), "1:6-1:12")
        XCTAssertEqual(span(args[1].value.span), "1:14-1:16")
    }

    func testPipeDesugaring() {
        XCTAssertEqual(stmts("a |> f(b, c: d)"), "(f ^a b c=d)")
        XCTAssertEqual(stmts("a |> f"), "(f ^a)")
        XCTAssertEqual(stmts("a |> f()"), "(f ^a)")
        XCTAssertEqual(stmts("x |> f |> g(1)"), "(g ^(f ^x) 1)")
        XCTAssertEqual(stmts("a + 1 |> f"), "(f ^(+ a 1))")
        XCTAssertEqual(stmts("-a |> f"), "(f ^(- a))")
        XCTAssertEqual(stmts("a |> m.fit(1)"), "((. m fit) ^a 1)")
        XCTAssertEqual(stmts("a |> (f)"), "(f ^a)")
        XCTAssertEqual(stmts("a |> f(1)(2)"), "((f 1) ^a 2)")
        XCTAssertEqual(stmts("best = run(g, train, horizon: 28) |> evaluate(valid, metric: \"mae\") |> best(by: \"mae\")"),
                       "(= best (best ^(evaluate ^(run g train horizon=28) valid metric=\"mae\") by=\"mae\"))")
        XCTAssertEqual(stmts("f(a |> g, b)"), "(f (g ^a) b)")
        guard case .call(let callee, let args, let s)? = expr("data |> fit(season: 7)") else { return XCTFail() }
        guard case .name("fit", _) = callee else { return XCTFail() }
        XCTAssertEqual(args.count, 2)
        XCTAssertTrue(args[0].isPiped)
        XCTAssertNil(args[0].label)
        XCTAssertEqual(span(args[0].value.span), "1:1-1:5")
        XCTAssertEqual(span(s), "1:1-1:23")
    }

    func testParenthesizedSpanIncludesParens() {
        guard case .binary("*", let l, _, let s)? = expr("(a + b) * c") else { return XCTFail() }
        XCTAssertEqual(span(l.span), "1:1-1:8")
        XCTAssertEqual(span(s), "1:1-1:12")
    }

    func testDescriptionPrintsSource() {
        let cases = [
            "x = -1500 + 2 * (3 - 1) / 4",
            "a - (b - c)",
            "a - b - c",
            "f(x, season: [4, 12], name: \"a\\\"b\\n\")",
            "{name: \"weekly\", \"a b\": 1}",
            "-(-x)",
            "(-x).y",
            "(a + b).c[0]",
            "train, test = split(emp, last: 24)",
            "g(f(x), 1)",
            "none; true; false; 0.5; 1.5e+20",
        ]
        for c in cases {
            let p = program(c)
            XCTAssertEqual(p?.statements.map(\.description).joined(separator: "; "), c)
        }
        XCTAssertEqual(program("x |> f(1)")?.statements[0].description, "f(x, 1)")
    }
}

final class SyntaxStatementTests: XCTestCase {
    func testBindings() {
        XCTAssertEqual(stmts("x = 1"), "(= x 1)")
        XCTAssertEqual(stmts("train, test = split(emp, last: 24)"), "(= train,test (split emp last=24))")
        XCTAssertEqual(stmts("a, b, c = xs"), "(= a,b,c xs)")
        XCTAssertEqual(stmts("ok = true; nothing = none"), "(= ok true) ; (= nothing none)")
        XCTAssertEqual(stmts("describe(emp)"), "(describe emp)")
        guard let p = program("train, test = split(emp, last: 24)"),
              case .bind(let names, _, let s) = p.statements[0] else { return XCTFail() }
        XCTAssertEqual(names.map(\.0), ["train", "test"])
        XCTAssertEqual(names.map { span($0.1) }, ["1:1-1:6", "1:8-1:12"])
        XCTAssertEqual(span(s), "1:1-1:35")
        XCTAssertEqual(span(p.statements[0].span), "1:1-1:35")
    }

    func testSeparatorsAndComments() {
        XCTAssertEqual(stmts(""), "")
        XCTAssertEqual(stmts("\n\n  \n"), "")
        XCTAssertEqual(stmts(";;"), "")
        XCTAssertEqual(stmts("a; b\nc;\n\nd"), "a ; b ; c ; d")
        XCTAssertEqual(stmts("x = 1 # comment\n# whole line\ny = 2 # f(("), "(= x 1) ; (= y 2)")
        XCTAssertEqual(stmts("x = \"# not a comment\""), "(= x \"# not a comment\")")
        XCTAssertEqual(stmts("a\r\nb\r\n"), "a ; b")
        XCTAssertEqual(stmts("\u{FEFF}a"), "a")
        XCTAssertEqual(stmts("\ta\t=\t1"), "(= a 1)")
    }

    func testMultiLineStatements() {
        XCTAssertEqual(stmts("g = grid(\n  auto_arima(),\n  ets(),   # comment\n\n  season: 12\n)\nx = 1"),
                       "(= g (grid (auto_arima) (ets) season=12)) ; (= x 1)")
        XCTAssertEqual(stmts("xs = [\n1,\n2,\n]"), "(= xs [1 2])")
        XCTAssertEqual(stmts("r = {\n a: 1,\n b: 2\n}"), "(= r {a=1 b=2})")
        XCTAssertEqual(stmts("y = 1 +\n  2 *\n  3"), "(= y (+ 1 (* 2 3)))")
        XCTAssertEqual(stmts("y = 1 -\n2"), "(= y (- 1 2))")
        XCTAssertEqual(stmts("best = run(g, train) |>\n  evaluate(valid) |>\n  # comment\n  best(by: \"mae\")"),
                       "(= best (best ^(evaluate ^(run g train) valid) by=\"mae\"))")
        XCTAssertEqual(stmts("a,\nb = xs"), "(= a,b xs)")
        XCTAssertEqual(stmts("x =\n  5"), "(= x 5)")
        XCTAssertEqual(stmts("x = r.\n  name"), "(= x (. r name))")
        // A newline ends the statement otherwise: no call or index across lines.
        XCTAssertEqual(stmts("f\n(1)"), "f ; 1")
        XCTAssertEqual(stmts("x\n[1]"), "x ; [1]")
        XCTAssertEqual(stmts("y = 1\n-2"), "(= y 1) ; (- 2)")
    }

    func testLeadingPipeContinues() {
        XCTAssertEqual(stmts("best = run(g, train)\n  |> evaluate(valid)\n  # note\n\n  |> best(by: \"mae\")\nz = 1"),
                       "(= best (best ^(evaluate ^(run g train) valid) by=\"mae\")) ; (= z 1)")
    }
}

final class SyntaxEntryPointTests: XCTestCase {
    func testParseTextAndExpression() throws {
        let p = try Parser.parse("x = 1; f(x)")
        XCTAssertEqual(p.source.name, "<input>")
        XCTAssertEqual(p.statements.map(\.description), ["x = 1", "f(x)"])
        XCTAssertEqual(try Parser.parse("y", name: "repl").statements[0].span.start.file, "repl")

        let e = try Parser.parseExpression(Source(name: "arg", text: "  [1, 2] |> f\n"))
        XCTAssertEqual(sx(e), "(f ^[1 2])")
        XCTAssertEqual(span(e.span), "1:3-1:14")
        XCTAssertThrowsError(try Parser.parseExpression(Source(name: "arg", text: "x = 1"))) { error in
            XCTAssertEqual((error as? Diagnostic)?.message, "expected the end of the expression, found '='")
        }
        XCTAssertThrowsError(try Parser.parseExpression(Source(name: "arg", text: "1; 2")))
    }
}

final class SyntaxCellTests: XCTestCase {
    static let script = """
    # examples/employment.fc
    ## Load
    emp = load("examples/data/us_employment.csv")      # comment
    describe(emp)

    ## Fit
    train, test = split(emp, last: 24)
    ##
    ### not a cell
    ##Look and keep  \n\
    plot(res)
    """

    func testCells() throws {
        let p = try XCTUnwrap(program(Self.script))
        XCTAssertEqual(p.cells.map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(p.cells.map(\.title), ["Load", "Fit", nil, "Look and keep"])
        XCTAssertEqual(p.cells.map(\.startLine), [2, 6, 8, 10])
        XCTAssertEqual(p.cells.map(\.statements.count), [2, 1, 0, 1])
        XCTAssertEqual(p.cells[0].sourceText,
                       "## Load\nemp = load(\"examples/data/us_employment.csv\")      # comment\ndescribe(emp)\n\n")
        XCTAssertEqual(p.cells[1].sourceText, "## Fit\ntrain, test = split(emp, last: 24)\n")
        XCTAssertEqual(p.cells[2].sourceText, "##\n### not a cell\n")
        XCTAssertEqual(p.cells[3].sourceText, "##Look and keep  \nplot(res)")
        XCTAssertEqual(p.statements.count, 4)
        XCTAssertEqual(span(p.cells[1].statements[0].span), "7:1-7:35")
    }

    func testCodeBeforeFirstMarkerIsCellZero() throws {
        let p = try XCTUnwrap(program("x = 1\n\n  ## Next  \ny = 2\n"))
        XCTAssertEqual(p.cells.map(\.title), [nil, "Next"])
        XCTAssertEqual(p.cells.map(\.startLine), [1, 3])
        XCTAssertEqual(p.cells.map(\.index), [0, 1])
        XCTAssertEqual(p.cells[0].sourceText, "x = 1\n\n")
        XCTAssertEqual(p.cells[1].sourceText, "  ## Next  \ny = 2\n")
    }

    func testNoMarkers() throws {
        let p = try XCTUnwrap(program("x = 1\ny = 2"))
        XCTAssertEqual(p.cells.count, 1)
        XCTAssertNil(p.cells[0].title)
        XCTAssertEqual(p.cells[0].startLine, 1)
        XCTAssertEqual(p.cells[0].sourceText, "x = 1\ny = 2")
        XCTAssertEqual(try XCTUnwrap(program("# only a comment\n")).cells.count, 0)
        XCTAssertEqual(try XCTUnwrap(program("")).cells.count, 0)
    }

    func testMarkerAfterCodeOnSameLineIsAComment() {
        XCTAssertEqual(program("x = 1 ## not a cell")?.cells.count, 1)
        XCTAssertEqual(program("x = 1 ## not a cell")?.cells[0].title, nil)
    }
}

final class SyntaxSpanTests: XCTestCase {
    func testSpans() throws {
        let p = try XCTUnwrap(program("x = 1\n  emp = load(\"a.csv\", time: \"t\") |> f\n"))
        guard case .bind(let names, let value, let s) = p.statements[1] else { return XCTFail() }
        XCTAssertEqual(span(names[0].1), "2:3-2:6")
        XCTAssertEqual(span(s), "2:3-2:38")
        guard case .call(let callee, let args, let cs) = value else { return XCTFail() }
        XCTAssertEqual(span(callee.span), "2:37-2:38")
        XCTAssertEqual(span(cs), "2:9-2:38")
        guard case .call(let inner, let innerArgs, let ins) = args[0].value else { return XCTFail() }
        XCTAssertEqual(span(inner.span), "2:9-2:13")
        XCTAssertEqual(span(ins), "2:9-2:33")
        XCTAssertEqual(span(innerArgs[0].value.span), "2:14-2:21")
        XCTAssertEqual(innerArgs[1].labelSpan.map(span), "2:23-2:27")
        XCTAssertEqual(span(innerArgs[1].value.span), "2:29-2:32")
        XCTAssertEqual(s.start.file, "t.fc")
        XCTAssertEqual(s.start.offset, 8)
        XCTAssertEqual(s.end.offset, 43)
        XCTAssertEqual(p.source.text(in: cs), "load(\"a.csv\", time: \"t\") |> f")
    }

    func testSpanKinds() {
        func sp(_ text: String) -> String { expr(text).map { span($0.span) } ?? "?" }
        XCTAssertEqual(sp("42"), "1:1-1:3")
        XCTAssertEqual(sp("-1.5e3"), "1:1-1:7")
        XCTAssertEqual(sp("'ab'"), "1:1-1:5")
        XCTAssertEqual(sp("[1, 2]"), "1:1-1:7")
        XCTAssertEqual(sp("{a: 1}"), "1:1-1:7")
        XCTAssertEqual(sp("r.name"), "1:1-1:7")
        XCTAssertEqual(sp("xs[10]"), "1:1-1:7")
        XCTAssertEqual(sp("a + b * c"), "1:1-1:10")
        XCTAssertEqual(sp("f(\n  1\n)"), "1:1-3:2")
        XCTAssertEqual(sp("none"), "1:1-1:5")
    }

    func testColumnsCountCharacters() throws {
        let p = try XCTUnwrap(program("s = \"héllo 😀\"; x = y"))
        guard case .bind(_, let v, _) = p.statements[1] else { return XCTFail() }
        XCTAssertEqual(span(v.span), "1:20-1:21")
        XCTAssertEqual(v.span.start.offset, 23)
    }

    func testTokenLocationsAgreeWithSource() {
        let text = "é = [1,\n  \"😀x\", données]  # c\n\t## Cell é\ny = {a: 'ü'} |> f\r\nz"
        let source = Source(name: "t.fc", text: text)
        let lexed = Lexer.lex(source)
        XCTAssertNil(lexed.error)
        XCTAssertGreaterThan(lexed.tokens.count, 15)
        for t in lexed.tokens {
            XCTAssertEqual(t.span.start, source.location(atOffset: t.span.start.offset), t.text)
            XCTAssertEqual(t.span.end, source.location(atOffset: t.span.end.offset), t.text)
        }
    }

    func testLongLinesParseQuickly() throws {
        let items = (0..<50_000).map { "f(\($0), k: \"é\")" }.joined(separator: ", ")
        let start = Date()
        let p = try Parser.parse("xs = [" + items + "]")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        guard case .bind(_, .list(let list, _), _) = p.statements[0] else { return XCTFail() }
        XCTAssertEqual(list.count, 50_000)
        let last = list[49_999].span.start
        XCTAssertEqual(last, p.source.location(atOffset: last.offset))
        XCTAssertEqual(last.column, p.source.lineText(1).count - "f(49999, k: \"é\")]".count + 1)
    }

    func testSourceLines() {
        let s = Source(name: "f", text: "a\r\nbc\n\nd")
        XCTAssertEqual(s.lineCount, 4)
        XCTAssertEqual((1...5).map(s.lineText), ["a", "bc", "", "d", ""])
        XCTAssertEqual(s.location(atOffset: 4), SourceLocation(file: "f", line: 2, column: 2, offset: 4))
        XCTAssertEqual(s.location(atOffset: 99).offset, 8)
    }
}

final class SyntaxErrorTests: XCTestCase {
    func testUnterminatedString() {
        XCTAssertEqual(rendered("emp = load(\"data.csv)\nx = 1"), """
        t.fc:1:12: error: unterminated string
            1 | emp = load("data.csv)
              |            ^~~~~~~~~~
          help: close it with " before the end of the line
        """)
        XCTAssertEqual(diagnostic("x = 'abc")?.message, "unterminated string")
        XCTAssertEqual(diagnostic("x = 'abc\\")?.message, "unterminated string")
    }

    func testBadCharacters() {
        XCTAssertEqual(rendered("x = 1 @ 2"), """
        t.fc:1:7: error: unexpected character '@'
            1 | x = 1 @ 2
              |       ^
        """)
        XCTAssertEqual(rendered("x = “a”"), """
        t.fc:1:5: error: unexpected character '“'
            1 | x = “a”
              |     ^
          help: strings use straight quotes: "..." or '...'
        """)
        XCTAssertEqual(diagnostic("x = a | f")?.message, "unexpected character '|'")
        XCTAssertEqual(diagnostic("x = a | f")?.notes, ["the pipe operator is '|>'"])
        XCTAssertEqual(diagnostic("x = a\u{00A0}")?.message, "unexpected character U+00A0")
        XCTAssertEqual(diagnostic("x = !a")?.message, "unexpected character '!'")
        XCTAssertEqual(diagnostic("x = a \\ b")?.message, "unexpected character '\\'")
    }

    func testMalformedNumbers() {
        XCTAssertEqual(rendered("x = 12abc + 1"), """
        t.fc:1:5: error: malformed number '12abc'
            1 | x = 12abc + 1
              |     ^~~~~
          help: a name cannot start with a digit
        """)
        XCTAssertEqual(diagnostic("x = 1.")?.message, "malformed number '1.'")
        XCTAssertEqual(diagnostic("x = 1.")?.notes, ["write '1.0' or '1'"])
        XCTAssertEqual(diagnostic("x = 1e + 2")?.message, "malformed number '1e'")
        XCTAssertEqual(diagnostic("x = 1e+")?.message, "malformed number '1e+'")
        XCTAssertEqual(diagnostic("x = 1e+")?.notes, ["an exponent needs digits, as in 1.5e3"])
        XCTAssertEqual(diagnostic("x = 1__000")?.message, "malformed number '1__000'")
        XCTAssertEqual(diagnostic("x = 1__000")?.notes, ["'_' can only separate digits, as in 1_000"])
        XCTAssertEqual(diagnostic("x = 1_")?.message, "malformed number '1_'")
        XCTAssertEqual(diagnostic("x = 0x1F")?.notes, ["only decimal numbers are supported"])
        XCTAssertEqual(diagnostic("x = .5")?.message, "a number cannot start with '.'")
        XCTAssertEqual(diagnostic("x = .5")?.notes, ["write '0.5'"])
        XCTAssertEqual(diagnostic("x = 1.5.2")?.message, "expected a field name after '.', found '2'")
    }

    func testComparisonOperators() {
        XCTAssertEqual(rendered("ok = x == 1"), """
        t.fc:1:8: error: '==' is not supported: the language has no comparison operators
            1 | ok = x == 1
              |        ^~
          help: to bind a name, use a single '='
        """)
        XCTAssertEqual(diagnostic("a < b")?.message, "'<' is not supported: the language has no comparison operators")
        XCTAssertEqual(diagnostic("a >= b")?.message, "'>=' is not supported: the language has no comparison operators")
        XCTAssertEqual(diagnostic("a != b")?.message, "'!=' is not supported: the language has no comparison operators")
    }

    func testUnknownEscape() {
        XCTAssertEqual(rendered(#"load("C:\data\x.csv")"#), #"""
        t.fc:1:9: error: unknown escape '\d' in string
            1 | load("C:\data\x.csv")
              |         ^~
          help: the escapes are \" \' \\ \n \t \r \0 \u{...}; write a backslash as \\
        """#)
        XCTAssertEqual(diagnostic(#"x = "\u{110000}""#)?.message, "invalid unicode escape in string")
        XCTAssertEqual(diagnostic(#"x = "\u12""#)?.message, "invalid unicode escape in string")
    }

    func testExpectedExpressionAfterPipe() {
        XCTAssertEqual(rendered("x = data |>"), """
        t.fc:1:10: error: expected an expression after '|>'
            1 | x = data |>
              |          ^~
          help: write a call or a function name after '|>', as in 'x |> f(y)'
        """)
        XCTAssertEqual(diagnostic("x = data |> ;")?.message, "expected an expression after '|>'")
        XCTAssertEqual(diagnostic("f(data |> )")?.message, "expected an expression after '|>', found ')'")
        XCTAssertEqual(diagnostic("x = 1 +")?.message, "expected an expression after '+'")
        XCTAssertEqual(diagnostic("x =")?.message, "expected an expression after '='")
        XCTAssertEqual(diagnostic("x = * 2")?.message, "expected an expression after '=', found '*'")
        XCTAssertEqual(diagnostic("f(a: )")?.message, "expected an expression after ':', found ')'")
        XCTAssertEqual(diagnostic("f(,)")?.message, "expected an expression after '(', found ','")
        XCTAssertEqual(diagnostic("|> f")?.message, "expected an expression before '|>'")
        XCTAssertEqual(diagnostic("|> f")?.notes,
                       ["a line that starts with '|>' continues the statement above it; in the REPL, end the line with '|>' instead"])
        XCTAssertEqual(stmts("x = 1\n\n|> f"), "(= x (f ^1))")
        XCTAssertEqual(diagnostic("x = ()")?.message, "empty parentheses '()' are not an expression")
    }

    func testPipeRightSide() {
        XCTAssertEqual(rendered("y = x |> 3"), """
        t.fc:1:10: error: expected a function call or a function name after '|>', found a number
            1 | y = x |> 3
              |          ^
          help: 'x |> f(y)' means 'f(x, y)' and 'x |> f' means 'f(x)'
        """)
        XCTAssertEqual(diagnostic("y = x |> f(1) + 2")?.message,
                       "expected a function call or a function name after '|>', found a '+' expression")
        XCTAssertEqual(diagnostic("y = x |> r.f")?.message,
                       "expected a function call or a function name after '|>', found a field access")
    }

    func testPositionalAfterNamed() {
        XCTAssertEqual(rendered("g = grid(ets(), season: 12, theta())"), """
        t.fc:1:29: error: positional argument after named argument
            1 | g = grid(ets(), season: 12, theta())
              |                             ^~~~~~~
          help: positional arguments come first; the named argument 'season' is at 1:17
        """)
        // The piped value is the first positional argument, so this is fine.
        XCTAssertEqual(stmts("x |> f(a: 1)"), "(f ^x a=1)")
    }

    func testUnclosedBrackets() {
        XCTAssertEqual(rendered("x = 1\nres = run(g, train,\n  horizon: 24\nbest = 2"), """
        t.fc:4:1: error: expected ')' to close '(' at 2:10, found 'best'
            4 | best = 2
              | ^~~~
          help: is ')' missing at the end of line 3?
        """)
        XCTAssertEqual(rendered("res = run(g, [1, 2"), """
        t.fc:1:14: error: expected ']' to close '[' at 1:14, found end of file
            1 | res = run(g, [1, 2
              |              ^
        """)
        XCTAssertEqual(diagnostic("f(a b)")?.message, "expected ')' to close '(' at 1:2, found 'b'")
        XCTAssertEqual(diagnostic("f(a b)")?.notes, ["put a ',' between arguments"])
        XCTAssertEqual(diagnostic("f(a]")?.message, "expected ')' to close '(' at 1:2, found ']'")
        XCTAssertEqual(diagnostic("f(season = 12)")?.message, "expected ')' to close '(' at 1:2, found '='")
        XCTAssertEqual(diagnostic("f(season = 12)")?.notes, ["named arguments use ':', as in 'f(season: 12)'"])
        XCTAssertEqual(diagnostic("x = (1, 2)")?.message, "expected ')' to close '(' at 1:5, found ','")
        XCTAssertEqual(diagnostic("x = (1, 2)")?.notes, ["there are no tuples; for several values use a list '[a, b]'"])
        XCTAssertEqual(diagnostic("x = (1")?.message, "expected ')' to close '(' at 1:5, found end of file")
        XCTAssertEqual(diagnostic("x = [1 2]")?.notes, ["put a ',' between list items"])
        XCTAssertEqual(diagnostic("x = {a: 1 b: 2}")?.message, "expected '}' to close '{' at 1:5, found 'b'")
        XCTAssertEqual(diagnostic("x = {a: 1")?.message, "expected '}' to close '{' at 1:5, found end of file")
        XCTAssertEqual(diagnostic("x = xs[1")?.message, "expected ']' to close '[' at 1:7, found end of file")
        XCTAssertEqual(diagnostic("f(")?.message, "expected ')' to close '(' at 1:2, found end of file")
        XCTAssertEqual(diagnostic("x = f(1))")?.message, "unexpected ')': there is no open bracket to close")
        XCTAssertEqual(diagnostic(")")?.message, "unexpected ')': there is no open bracket to close")
    }

    func testRecordErrors() {
        XCTAssertEqual(diagnostic("r = {a}")?.message, "expected ':' after the field name 'a', found '}'")
        XCTAssertEqual(diagnostic("r = {1: 2}")?.message, "expected a field name in the record, found '1'")
        XCTAssertEqual(rendered("r = {a: 1, a: 2}"), """
        t.fc:1:12: error: duplicate field 'a' in record
            1 | r = {a: 1, a: 2}
              |            ^
          note: first given at 1:6
        """)
    }

    func testArgumentGivenTwice() {
        XCTAssertEqual(rendered("f(season: 4, season: 12)"), """
        t.fc:1:14: error: argument 'season' is given twice
            1 | f(season: 4, season: 12)
              |              ^~~~~~
          note: first given at 1:3
        """)
    }

    func testBindingErrors() {
        XCTAssertEqual(rendered("f(x) = 3"), """
        t.fc:1:1: error: cannot assign to a call: only a name can be on the left of '='
            1 | f(x) = 3
              | ^~~~
        """)
        XCTAssertEqual(diagnostic("r.a = 3")?.message, "cannot assign to a field access: only a name can be on the left of '='")
        XCTAssertEqual(diagnostic("true = 3")?.message, "cannot bind 'true': it is a keyword")
        XCTAssertEqual(diagnostic("none = 3")?.message, "cannot bind 'none': it is a keyword")
        XCTAssertEqual(diagnostic("a, none = xs")?.message, "cannot bind 'none': it is a keyword")
        XCTAssertEqual(diagnostic("a, 1 = xs")?.message, "expected a name after ',' in a tuple binding, found '1'")
        XCTAssertEqual(diagnostic("a, b")?.message, "expected '=' after 'a, b' to bind these names, found end of file")
        XCTAssertEqual(diagnostic("a, a = xs")?.message, "'a' is bound twice in this tuple binding")
        XCTAssertEqual(diagnostic("f(x), g(y)")?.message, "unexpected ',' after an expression")
        XCTAssertEqual(diagnostic("x = y = 1")?.message, "unexpected '=': a statement can bind names only once")
        XCTAssertEqual(diagnostic("= 1")?.message, "expected a name before '='")
        XCTAssertEqual(diagnostic("x y")?.message, "expected a new line or ';' after the statement, found 'y'")
        XCTAssertEqual(diagnostic("x = r.1")?.message, "expected a field name after '.', found '1'")
    }

    func testCellMarkerInsideStatement() {
        XCTAssertEqual(rendered("g = grid(ets(),\n## Fit\n)"), """
        t.fc:2:1: error: '##' starts a new cell, but '(' at 1:9 is not closed
            2 | ## Fit
              | ^~
          help: add ')' before the cell, or use a single '#' for a comment
        """)
        XCTAssertEqual(diagnostic("x = a |>\n## Fit\nf")?.message,
                       "'##' starts a new cell, but the statement before it is unfinished: it ends with '|>'")
    }

    func testErrorsComeInSourceOrder() {
        // A parse error on line 1 comes before a lexing error on line 2.
        XCTAssertEqual(diagnostic("f(a b)\nx = \"open")?.message, "expected ')' to close '(' at 1:2, found 'b'")
        XCTAssertEqual(diagnostic("f(a, b)\nx = \"open")?.message, "unterminated string")
        XCTAssertEqual(diagnostic("x = [1, @]")?.message, "unexpected character '@'")
    }
}

final class SyntaxDiagnosticRenderTests: XCTestCase {
    func testRenderForms() {
        let src = Source(name: "examples/employment.fc", text: "## Load\n\nemp = lod(\"examples/data/us_employment.csv\")")
        let s = SourceSpan(start: SourceLocation(file: src.name, line: 3, column: 7, offset: 15),
                           end: SourceLocation(file: src.name, line: 3, column: 10, offset: 18))
        let d = Diagnostic("unknown name 'lod'", at: s, notes: ["did you mean 'load'?"])
        XCTAssertEqual(d.render(source: src), """
        examples/employment.fc:3:7: error: unknown name 'lod'
            3 | emp = lod("examples/data/us_employment.csv")
              |       ^~~
          help: did you mean 'load'?
        """)
        XCTAssertEqual(d.render(source: nil), """
        examples/employment.fc:3:7: error: unknown name 'lod'
          help: did you mean 'load'?
        """)
        // Another file's source is not shown.
        XCTAssertEqual(d.render(source: Source(name: "other.fc", text: "a\nb\nc")), d.render(source: nil))
        XCTAssertEqual(d.description, "examples/employment.fc:3:7: error: unknown name 'lod'")
        XCTAssertEqual(Diagnostic("no script given").render(source: src), "error: no script given")
        XCTAssertEqual(Diagnostic("no script given").description, "error: no script given")
        let colored = d.render(source: src, color: true)
        XCTAssertTrue(colored.contains("\u{1B}[1;31merror:\u{1B}[0m"))
        XCTAssertEqual(colored.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression),
                       d.render(source: src))
    }

    func testRenderTabsWideLinesAndMultiLineSpans() {
        let text = "\tx = f(1,\n\t\t2)"
        let src = Source(name: "t.fc", text: text)
        let d = Diagnostic("boom", at: src.span(from: 5, to: 14), notes: ["note: extra", "help: try", "plain"])
        XCTAssertEqual(d.render(source: src), """
        t.fc:1:6: error: boom
            1 | \tx = f(1,
              | \t    ^~~~
          note: extra
          help: try
          help: plain
        """)
        let many = Source(name: "t.fc", text: String(repeating: "\n", count: 123456) + "x")
        let d2 = Diagnostic("far", at: many.span(from: 123456, to: 123457))
        XCTAssertEqual(d2.render(source: many), """
        t.fc:123457:1: error: far
        123457 | x
               | ^
        """)
        // An empty span at the end of a line points just past it.
        let s3 = Source(name: "t.fc", text: "ab\n")
        XCTAssertEqual(Diagnostic("here", at: s3.span(from: 2, to: 2)).render(source: s3), """
        t.fc:1:3: error: here
            1 | ab
              |   ^
        """)
    }
}

final class SyntaxNeedsMoreInputTests: XCTestCase {
    func testNeedsMoreInput() {
        let more = [
            "f(", "f(1,", "g = grid(ets(),\n  theta()", "[1, 2", "{a: 1", "x = [f(1), {a: (",
            "x |>", "x = 1 +", "x = 2 *", "x = 2 /", "x = 2 -", "a,", "x =", "r.",
            "run(g) |>  # comment", "f(\"a)\"", "x = \"abc\\", "x = \"abc\\\n",
        ]
        for t in more { XCTAssertTrue(Parser.needsMoreInput(t), t) }
        let complete = [
            "", "   ", "# comment", "x = 1", "f(1)", "f(1) |> g", "x = \"abc\"", "## Cell",
            "x = \"abc", "f(\"abc", "x = 1 @", "f(]", "x)", "x = 1\n", "f(\n1\n)\n",
            "x = \"abc\\\ndef",
        ]
        for t in complete { XCTAssertFalse(Parser.needsMoreInput(t), t) }
    }
}

final class SyntaxCompletionTests: XCTestCase {
    func testCompletionContext() {
        let cases: [(String, CompletionContext)] = [
            ("", .name(prefix: "")),
            ("lo", .name(prefix: "lo")),
            ("emp = lo", .name(prefix: "lo")),
            ("emp = ", .name(prefix: "")),
            ("x = 1 + ab", .name(prefix: "ab")),
            ("x |> ev", .name(prefix: "ev")),
            ("x = tr", .name(prefix: "tr")),
            ("x = true", .name(prefix: "true")),
            ("a; b", .name(prefix: "b")),
            ("x = 1\ny", .name(prefix: "y")),
            ("train, te", .name(prefix: "te")),
            ("f(", .argumentLabel(callee: "f", prefix: "", used: [])),
            ("grid(auto_arima(se", .argumentLabel(callee: "auto_arima", prefix: "se", used: [])),
            ("f(x, ", .argumentLabel(callee: "f", prefix: "", used: [])),
            ("f(x, season: 12, le", .argumentLabel(callee: "f", prefix: "le", used: ["season"])),
            ("run(g, train, horizon: 24) |> evaluate(valid, me", .argumentLabel(callee: "evaluate", prefix: "me", used: [])),
            ("f(a: g(b: 1), c: 2,\n  d", .argumentLabel(callee: "f", prefix: "d", used: ["a", "c"])),
            ("f(season: ", .name(prefix: "")),
            ("f(season: tr", .name(prefix: "tr")),
            ("f(season: [4, ", .name(prefix: "")),
            ("f(g(1), ", .argumentLabel(callee: "f", prefix: "", used: [])),
            ("m.fit(", .name(prefix: "")),
            ("f(1)(", .name(prefix: "")),
            ("(a", .name(prefix: "a")),
            ("xs[i", .name(prefix: "i")),
            ("load(\"examples/da", .path(prefix: "examples/da")),
            ("load('a\\tb", .path(prefix: "a\tb")),
            ("x = \"", .path(prefix: "")),
            ("x = \"abc\"", .none),
            ("x = 12", .none),
            ("x = 1.", .none),
            ("r.na", .none),
            ("r.", .none),
            ("f(x)", .none),
            ("f(x) ", .none),
            ("x ", .none),
            ("x = 1 # lo", .none),
            ("## Lo", .none),
            ("{na", .none),
            ("{a: 1, b", .none),
            ("{a: v", .name(prefix: "v")),
            ("x = 1 @ f(", .none),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(Parser.completionContext(text), expected, text)
        }
    }
}

final class SyntaxExampleScriptTests: XCTestCase {
    /// The sketch from the design, end to end.
    func testDesignExamples() throws {
        let text = """
        # examples/employment.fc
        ## Load                                  
        emp = load("examples/data/us_employment.csv")      # comment
        describe(emp)
        train, test = split(emp, last: 24)                 # tuple binding
        g = grid(auto_arima(), ets(), snaive(season: [4, 12]), season: 12)
        res = run(g, train, horizon: 24, level: [80, 95])
        best = run(g, train, horizon: 28) |> evaluate(valid, metric: "mae") |> best(by: "mae")
        x = -1.5e3 + 2 * (3 - 1) / 4
        r = {name: "weekly", period: 7, order: 3}
        f = r.name
        ok = true; nothing = none

        ## Raw events
        trips = load("trips.csv", time: "pickup_at", id: "pickup_location_id")
        daily = trips |> aggregate(every: "day", value: count())
        g = grid(auto_arima(season: 7), prophet(mode: ["additive", "multiplicative"], interval: 0.75))
        serve("models/taxi.db", port: 8080)
        """
        let p = try Parser.parse(Source(name: "examples/employment.fc", text: text))
        XCTAssertEqual(p.cells.map(\.title), ["Load", "Raw events"])
        XCTAssertEqual(p.cells.map(\.statements.count), [11, 4])
        XCTAssertEqual(p.statements.map(\.description), [
            "emp = load(\"examples/data/us_employment.csv\")",
            "describe(emp)",
            "train, test = split(emp, last: 24)",
            "g = grid(auto_arima(), ets(), snaive(season: [4, 12]), season: 12)",
            "res = run(g, train, horizon: 24, level: [80, 95])",
            "best = best(evaluate(run(g, train, horizon: 28), valid, metric: \"mae\"), by: \"mae\")",
            "x = -1500 + 2 * (3 - 1) / 4",
            "r = {name: \"weekly\", period: 7, order: 3}",
            "f = r.name",
            "ok = true",
            "nothing = none",
            "trips = load(\"trips.csv\", time: \"pickup_at\", id: \"pickup_location_id\")",
            "daily = aggregate(trips, every: \"day\", value: count())",
            "g = grid(auto_arima(season: 7), prophet(mode: [\"additive\", \"multiplicative\"], interval: 0.75))",
            "serve(\"models/taxi.db\", port: 8080)",
        ])
    }
}
