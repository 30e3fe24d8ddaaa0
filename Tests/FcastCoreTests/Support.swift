import Foundation
import XCTest
@testable import FcastCore

/// Test helpers: locating the repository's example data and writing temporary CSV files.
enum Fixture {
    /// `examples/data/<name>` in the repository, found by walking up from this source file
    /// (symlinks resolved, so a scratch package linking the test folder also finds it).
    static func exampleData(_ name: String, file: String = #filePath) throws -> String {
        let here = URL(fileURLWithPath: file)
        for start in [here.resolvingSymlinksInPath(), here] {
            var dir = start.deletingLastPathComponent()
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("examples/data/\(name)").path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        throw XCTSkip("examples/data/\(name) not found above \(file)")
    }

    /// A fresh temporary folder for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fcastcore-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to a temporary file named `name` and returns its path.
    static func write(_ text: String, name: String = "data.csv") throws -> String {
        let url = try temporaryDirectory().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func time(_ text: String) -> Int64 {
        guard let (t, _) = Timestamp.parse(text) else { fatalError("bad timestamp in a test: \(text)") }
        return t
    }
}

/// Asserts that `body` throws an `FcastError` and returns it for further checks.
@discardableResult
func assertFcastError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> FcastError? {
    do {
        _ = try body()
        XCTFail("expected an error", file: file, line: line)
        return nil
    } catch let error as FcastError {
        return error
    } catch {
        XCTFail("expected an FcastError, got \(error)", file: file, line: line)
        return nil
    }
}

func XCTAssertContains(_ text: String, _ part: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(text.contains(part), "'\(text)' does not contain '\(part)'", file: file, line: line)
}
