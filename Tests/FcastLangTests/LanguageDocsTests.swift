import FcastTestSupport
import XCTest

@testable import FcastLang

/// docs/language.md's builtin reference is the text `:help` prints: generated from the
/// declarations. With FCAST_UPDATE_DOCS=1 the test rewrites it instead of failing.
final class LanguageDocsTests: XCTestCase {
    func testBuiltinReferenceIsUpToDate() throws {
        let url = TestSupport.repoRoot.appendingPathComponent("docs/language.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let open = "<!-- builtins -->\n", close = "<!-- /builtins -->"
        let start = try XCTUnwrap(doc.range(of: open)), end = try XCTUnwrap(doc.range(of: close))
        let current = String(doc[start.upperBound..<end.lowerBound])
        let generated = "\n" + LanguageHelp.markdown + "\n"
        if current == generated { return }
        if ProcessInfo.processInfo.environment["FCAST_UPDATE_DOCS"] == "1" {
            try (String(doc[..<start.upperBound]) + generated + String(doc[end.lowerBound...]))
                .write(to: url, atomically: true, encoding: .utf8)
            return
        }
        XCTFail("docs/language.md is out of date with the builtins; run FCAST_UPDATE_DOCS=1 swift test --filter LanguageDocsTests")
    }

    func testEveryBuiltinIsDocumentedWithAnExampleThatParses() throws {
        for b in LanguageHelp.builtins {
            XCTAssertFalse(b.details.isEmpty, "\(b.name) has no reference text")
            XCTAssertNoThrow(try Parser.parse(Source(name: b.name, text: b.example)), "\(b.name)'s example does not parse")
            XCTAssertTrue(b.text.contains(b.details))
        }
    }
}
