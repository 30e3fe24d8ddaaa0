import FcastCore
import FcastPlugins
import FcastTestSupport
import Foundation
import XCTest

@testable import FcastLang

/// The regression corpus of the fuzzer (scripts/fuzz): every input that ever crashed, hung or
/// gave an error without a location, plus one per class of issue 18. Each runs in this
/// process (a crash fails the whole test run, loudly), with its `NAME.csv` as `data.csv`.
/// Its first line says what must happen: `# expect: ok` (runs to the end) or
/// `# expect: TEXT` (fails with an error located at NAME.fc:LINE:COLUMN whose text has TEXT).
final class FuzzCorpusTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fuzz-corpus")

    func testEveryCorpusInputEndsWithItsExpectedOutcome() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasSuffix(".fc") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 20)
        let registry = PluginRegistry()
        try registry.load(path: TestSupport.naivePlugin.path)
        for file in files {
            let name = String(file.dropLast(3))
            let dir = TestSupport.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let csv = Self.corpus.appendingPathComponent(name + ".csv")
            if FileManager.default.fileExists(atPath: csv.path) {
                try FileManager.default.copyItem(at: csv, to: dir.appendingPathComponent("data.csv"))
            }
            var text = try String(contentsOf: Self.corpus.appendingPathComponent(file), encoding: .utf8)
            let expect = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            XCTAssertTrue(expect.hasPrefix("# expect: "), "\(file): the first line must be '# expect: ...'")
            let expected = String(expect.dropFirst("# expect: ".count))
            text = text.replacingOccurrences(of: "\"data.csv\"", with: "\"\(dir.path)/data.csv\"")
                .replacingOccurrences(of: "\"out", with: "\"\(dir.path)/out")
            var output = "", errors = ""
            let interp = Interpreter(registry: registry, host: SystemHost(), output: { output += $0 }, progress: .silent)
            var runner = ScriptRunner(interpreter: interp)
            runner.color = false
            runner.errorOutput = { errors += $0 }
            let outcome = runner.run(Source(name: file, text: text))
            if expected == "ok" {
                XCTAssertEqual(outcome, .completed, "\(file): \(errors)")
            } else {
                XCTAssertEqual(outcome, .failed, "\(file): \(output)")
                let first = errors.split(separator: "\n").first.map(String.init) ?? ""
                XCTAssertNotNil(first.range(of: "^\(NSRegularExpression.escapedPattern(for: file)):[0-9]+:[0-9]+: error: ",
                                            options: .regularExpression), "\(file): not located: \(first)")
                XCTAssertTrue(errors.contains(expected), "\(file): expected '\(expected)' in: \(errors)")
            }
            // Control characters from data never reach the output raw.
            XCTAssertFalse(output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0 }, "\(file): \(output.debugDescription)")
        }
    }
}
