import FcastPlugins
import FcastTestSupport
import XCTest

@testable import FcastLang

/// A workspace with the naive plugin loaded and output captured, for tests of the language.
class LanguageTestCase: XCTestCase {
    var output = ""
    var interp: Interpreter!
    /// The real host: files on disk, gnuplot (its environment and terminal can be set).
    var host: SystemHost!

    override func setUpWithError() throws {
        let registry = PluginRegistry()
        try registry.load(path: TestSupport.naivePlugin.path)
        output = ""
        host = SystemHost()
        interp = Interpreter(registry: registry, host: host, output: { [unowned self] in self.output += $0 }, progress: .silent)
    }

    func run(_ text: String) throws {
        let source = Source(name: "test.fc", text: text)
        try interp.run(try Parser.parse(source))
    }

    /// The rendered diagnostic of a failing program.
    func failure(_ text: String) -> String {
        let source = Source(name: "test.fc", text: text)
        do {
            try interp.run(try Parser.parse(source))
            XCTFail("expected an error for: \(text)")
            return ""
        } catch {
            return error.render(source: source)
        }
    }
}
