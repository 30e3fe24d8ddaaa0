import FcastLang
import FcastPlugins
import FcastTestSupport
import XCTest

@testable import FcastREPL

/// The REPL's loop, commands and completion, without a terminal.
final class ReplTests: XCTestCase {
    var out = ""
    var err = ""
    var interp: Interpreter!

    override func setUpWithError() throws {
        let registry = PluginRegistry()
        try registry.load(path: TestSupport.naivePlugin.path)
        out = ""
        err = ""
        interp = Interpreter(registry: registry, host: SystemHost(), output: { [unowned self] in self.out += $0 }, progress: .silent)
    }

    func repl(_ lines: [String]) -> Repl {
        let r = Repl(interpreter: interp, reader: ScriptedLineReader(lines.map { .line($0) }),
                     output: { [unowned self] in self.out += $0 }, errorOutput: { [unowned self] in self.err += $0 })
        r.run()
        return r
    }

    var completer: Completer { ReplSession.completer(for: interp) }

    func testCompletion() throws {
        XCTAssertEqual(completer.complete("x = lo"), .init(insertion: "ad", candidates: ["load"]))
        XCTAssertEqual(completer.complete("m = snaive(").candidates, ["season: "])
        XCTAssertEqual(completer.complete("m = snaive(s").insertion, "eason: ")
        XCTAssertEqual(completer.complete("run(g, d, hor").insertion, "izon: ")
        XCTAssertEqual(completer.complete(":pl").insertion, "ugins ")
        XCTAssertEqual(completer.complete("d = load(\"examples/data/vis").insertion, "nights.csv")
        XCTAssertEqual(completer.complete("d = load(\"examples/da").insertion, "ta/")
        XCTAssertEqual(completer.complete(":load examples/emp").insertion, "loyment.fc")
        try interp.run(Parser.parse(Source(name: "t", text: "series_a = 1\nseries_b = 2")))
        // "ser" is also the builtin serve(); "seri" is only the variables.
        XCTAssertEqual(completer.complete("ser").candidates, ["series_a", "series_b", "serve"])
        XCTAssertEqual(completer.complete("seri").candidates, ["series_a", "series_b"])
        XCTAssertEqual(completer.complete("seri").insertion, "es_")
    }

    func testInputsAreCellsAndErrorsKeepTheWorkspace() {
        let r = repl(["x = [1,", "2]", "y = nosuch", "x", "_"])
        XCTAssertTrue(err.contains("<input 2>:1:5: error: unknown name 'nosuch'"), err)
        XCTAssertEqual(out, "[1, 2]\n[1, 2]\n")
        XCTAssertEqual(r.transcript, ["x = [1,\n2]", "x", "_"])
    }

    func testCommands() throws {
        let dir = TestSupport.temporaryDirectory()
        let script = try TestSupport.write("""
            ## Data
            vis = load("examples/data/visnights.csv")
            ## Model
            m = snaive(season: 4)
            k = 7
            """, to: "s.fc", in: dir)
        let saved = dir.appendingPathComponent("saved.fc").path
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(TestSupport.repoRoot.path))
        _ = repl([":cells \(script.path)", ":run \(script.path) 2", ":vars", "z = k + 1", ":save \(saved)",
                  ":reset", ":vars", ":load \(saved)", "z", ":help split", ":help snaive", ":nope", ":quit", "never = 1"])
        XCTAssertTrue(out.contains("1. Data  line 1, 1 statement\n2. Model  line 3, 2 statements\n"), out)
        XCTAssertTrue(out.contains("k  7\nm  model snaive(season: 4)\n"), out)
        XCTAssertTrue(out.contains("saved 1 input to \(saved)"), out)
        XCTAssertTrue(out.contains("workspace cleared\nthe workspace is empty\n"), out)
        // :save keeps only successful inputs; :load of it rebuilds z... from k, which :reset removed.
        XCTAssertTrue(err.contains("unknown name 'k'"), err)
        XCTAssertTrue(out.contains("split(data, last: ...)"), out)
        XCTAssertTrue(out.contains("season: int in 1...100000 (auto)"), out)
        XCTAssertTrue(err.contains("unknown command ':nope'"), err)
        XCTAssertNil(interp.globals["never"], ":quit stops reading")
        XCTAssertEqual(try String(contentsOfFile: saved, encoding: .utf8).split(separator: "\n").last, "z = k + 1")
    }
}
