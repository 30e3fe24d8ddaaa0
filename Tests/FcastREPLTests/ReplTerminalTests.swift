import FcastTestSupport
import Foundation
import XCTest

/// The REPL on a real pseudo-terminal: libedit, completion, history, multi-line input,
/// errors and Ctrl-C, typed as a person types.
final class ReplTerminalTests: XCTestCase {
    var history: String!

    override func setUp() {
        history = TestSupport.temporaryDirectory().appendingPathComponent("history").path
    }

    func start(plugins: URL? = nil) throws -> PseudoTerminal {
        var env = ["FCAST_HISTORY": history!]
        if let plugins { env["FCAST_PLUGIN_PATH"] = plugins.path }
        let term = try PseudoTerminal(executable: TestSupport.fcastBinary.path, arguments: [], environment: env,
                                      directory: TestSupport.repoRoot.path)
        XCTAssertTrue(term.waitFor("fc> "), "no prompt: \(term.output)")
        return term
    }

    func testTabCompletesAnAlgorithmsParameter() throws {
        let term = try start()
        let mark = term.output.endIndex
        term.type("m = snaive(se\t")
        XCTAssertTrue(term.waitFor("season: ", after: mark), term.text(after: mark))
        term.type("4)\rm\r")
        XCTAssertTrue(term.waitFor("model snaive(season: 4)", after: mark), term.text(after: mark))
        term.type("\u{04}")
        XCTAssertEqual(term.waitForExit(), 0)
    }

    func testHistoryIsRecalledInTheNextSession() throws {
        let first = try start()
        let mark0 = first.output.endIndex
        first.type("answer = 6 * 7\r")
        XCTAssertTrue(first.waitFor("\nfc> ", after: mark0), first.text(after: mark0))
        first.type(":quit\r")
        XCTAssertEqual(first.waitForExit(), 0)

        let second = try start()
        let mark = second.output.endIndex
        second.type("\u{1B}[A\u{1B}[A")  // Up twice: past ":quit" to the previous session's input
        XCTAssertTrue(second.waitFor("answer = 6 * 7", after: mark), second.text(after: mark))
        second.type("\rans\t\r")  // run it again, then complete the name and show it
        XCTAssertTrue(second.waitFor("\n42", after: mark), second.text(after: mark))
    }

    func testMultiLineInputContinuesWhileBracketsAreOpen() throws {
        let term = try start()
        let mark = term.output.endIndex
        term.type("xs = [1,\r")
        XCTAssertTrue(term.waitFor("..> ", after: mark), term.text(after: mark))
        term.type("  2, 3]\rxs\r")
        XCTAssertTrue(term.waitFor("[1, 2, 3]", after: mark), term.text(after: mark))
    }

    func testAnErrorShowsACaretAndKeepsTheWorkspace() throws {
        let term = try start()
        let mark = term.output.endIndex
        term.type("a = 1\ra = lod(\"x.csv\")\r")
        XCTAssertTrue(term.waitFor("did you mean 'load'?", after: mark), term.text(after: mark))
        XCTAssertTrue(term.text(after: mark).contains("^~~"), term.text(after: mark))
        let mark2 = term.output.endIndex
        term.type("a + 1\r")
        XCTAssertTrue(term.waitFor("\n2", after: mark2), term.text(after: mark2))
    }

    func testCtrlCStopsALongGridAndKeepsWhatFinished() throws {
        let dir = TestSupport.temporaryDirectory()
        _ = try TestSupport.compileCPlugin(source: TestSupport.slowPluginSource, name: "slow", in: dir)
        let term = try start(plugins: dir)
        term.type("emp = load(\"examples/data/us_employment.csv\")\r")
        term.type("res = run([slow(), slow(), slow(), slow()], emp, horizon: 2, workers: 2)\r")
        let mark = term.output.endIndex
        Thread.sleep(forTimeInterval: 1.0)
        term.send("\u{03}")
        let sent = Date()
        XCTAssertTrue(term.waitFor("interrupted: what finished is kept", after: mark, timeout: 5), term.text(after: mark))
        XCTAssertTrue(term.waitFor("fc> ", after: term.output.range(of: "what finished is kept")!.upperBound, timeout: 5))
        XCTAssertLessThan(Date().timeIntervalSince(sent), 1.0, "the prompt took too long to come back")
        let mark2 = term.output.endIndex
        term.type("res\r")
        XCTAssertTrue(term.waitFor("(interrupted: the rest were not run)", after: mark2), term.text(after: mark2))
        // Ctrl-C on a half-typed line clears it; the workspace is untouched.
        XCTAssertTrue(term.waitFor("fc> ", after: term.output.range(of: "the rest were not run")!.upperBound))
        let mark3 = term.output.endIndex
        term.type("abc")
        XCTAssertTrue(term.waitFor("abc", after: mark3))
        term.type("\u{03}")
        XCTAssertTrue(term.waitFor("fc> ", after: mark3), term.text(after: mark3))
        term.type("emp\r")
        XCTAssertTrue(term.waitFor("data set: 148 series", after: mark3), term.text(after: mark3))
        XCTAssertFalse(term.text(after: mark3).contains("unknown name 'abcemp'"), term.text(after: mark3))
        XCTAssertTrue(term.waitFor("more rows\nfc> ", after: mark3))
        term.type("\u{04}")
        XCTAssertEqual(term.waitForExit(), 0, term.text(after: mark3))
    }
}
