import Foundation
import XCTest
@testable import FcastCore

/// Issue 18: loaders that never guess (every field validated, non-finite values refused or,
/// when asked, skipped and counted), files that never end refused, and writes that replace
/// regular files only.
final class StrictLoaderTests: XCTestCase {
    func loadError(_ text: String, options: LongCSVOptions = .init()) throws -> FcastError {
        let path = try Fixture.write(text)
        do {
            _ = try LongCSV.load(path: path, options: options)
        } catch let e as FcastError {
            XCTAssertEqual(e.file, path)
            return e
        }
        XCTFail("expected an error for \(text.debugDescription)")
        return FcastError("")
    }

    func testAYearWithANonDigitIsAnErrorAtItsColumn() throws {
        // '201f' once summed to the year 1010 and moved the row to the start of its series.
        let e = try loadError("unique_id,ds,y\na,2019-03-01,1\na,201f-04-01,2\na,2019-05-01,3\n")
        XCTAssertEqual(e.line, 3)
        XCTAssertEqual(e.column, 3)
        XCTAssertTrue(e.message.contains("found '201f-04-01'"), e.message)
        for bad in ["2o19-01-01", "20 9-01-01", "-019-01-01", "2019-0x-01", "2019-01-3x", "2019-01-01 1x:00"] {
            XCTAssertNil(Timestamp.parse(bad), bad)
        }
        XCTAssertNotNil(Timestamp.parse("0999-01-01"))
    }

    func testInfinitiesAndOverflowsAreErrors() throws {
        let inf = try loadError("unique_id,ds,y\na,2019-01-01,1\na,2019-02-01,inf\n")
        XCTAssertEqual([inf.line, inf.column], [3, 14])
        XCTAssertEqual(inf.message, "value 'inf' in column 'y' is not finite (an infinity)")
        let big = try loadError("unique_id,ds,y\na,2019-01-01,1e309\na,2019-02-01,2\n")
        XCTAssertEqual([big.line, big.column], [2, 14])
        XCTAssertEqual(big.message, "value '1e309' in column 'y' overflows a 64-bit number")
        let negative = try loadError("unique_id,ds,y\na,2019-01-01,-Infinity\n")
        XCTAssertTrue(negative.message.contains("not finite"), negative.message)
        // Missing values stay missing values; the largest finite number is a number.
        let path = try Fixture.write("unique_id,ds,y\na,2019-01-01,NaN\na,2019-02-01,1.7976931348623157e308\n")
        let p = try LongCSV.load(path: path)
        XCTAssertTrue(p.y[0].isNaN)
        XCTAssertEqual(p.y[1], .greatestFiniteMagnitude)
    }

    func testIdsMustBeUTF8WithoutControlCharacters() throws {
        let nul = try loadError("unique_id,ds,y\na\u{0}b,2019-01-01,1\n")
        XCTAssertEqual([nul.line, nul.column], [2, 1])
        XCTAssertEqual(nul.message, "series id contains the control character 0x00 in column 'unique_id'")
        let escape = try loadError("unique_id,ds,y\n\"\u{1B}[2J\",2019-01-01,1\n")
        XCTAssertTrue(escape.message.contains("control character 0x1B"), escape.message)
        var bytes = Array("unique_id,ds,y\nok,2019-01-01,1\n".utf8)
        bytes += [0x61, 0xFF, 0x62] + Array(",2019-01-01,1\n".utf8)
        let path = try Fixture.write("")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try LongCSV.load(path: path)) { error in
            let e = error as! FcastError
            XCTAssertEqual([e.line, e.column], [3, 1])
            XCTAssertEqual(e.message, "series id is not valid UTF-8 in column 'unique_id'")
        }
        // Non-ASCII ids are fine.
        let ok = try LongCSV.load(path: try Fixture.write("unique_id,ds,y\nZürich,2019-01-01,1\nZürich,2019-02-01,2\n東京,2019-01-01,3\n東京,2019-02-01,4\n"))
        XCTAssertEqual(ok.ids, ["Zürich", "東京"])
    }

    func testSkipLeavesBadRowsOutCountsThemAndDescribeSaysSo() throws {
        let text = """
            unique_id,ds,y
            a,2019-01-01,1
            a,201f-02-01,2
            a,2019-03-01,3
            a,2019-04-01,inf
            b,2019-01-01,5
            b\u{7F},2019-02-01,6
            b,2019-02-01,6,extra
            b,2019-03-01,7
            c,2019-01-01,1e400

            """
        var options = LongCSVOptions()
        options.skipBadRows = true
        let path = try Fixture.write(text)
        let p = try LongCSV.load(path: path, options: options)
        // Series c had only a refused row: it does not exist (no empty series).
        XCTAssertEqual(p.ids, ["a", "b"])
        XCTAssertEqual(p.y, [1, 3, 5, 7])
        XCTAssertEqual(p.refused.count, 5)
        XCTAssertEqual(p.refused.examples.count, 3)
        XCTAssertEqual(p.refused.examples[0], "\(path):3:3: expected a timestamp like 2020-03-01, 2020-03 or 2020-03-01 12:30:00 in column 'ds', found '201f-02-01'")
        let description = p.describe().description
        XCTAssertTrue(description.contains("refused   5 rows (on_error: \"skip\"), e.g. \(path):3:3: "), description)
        XCTAssertTrue(description.contains("missing   none"), description)
        // Splits and subsets still say what the load left out.
        let (train, test) = try p.split(last: 1)
        XCTAssertEqual(train.refused, p.refused)
        XCTAssertEqual(test.refused, p.refused)
        XCTAssertTrue(p.subset([1]).describe().description.contains("refused   5 rows"))
        // Without skip the first bad row stops the load.
        XCTAssertEqual(try loadError(text).line, 3)
    }

    func testFilesThatNeverEndAreRefused() throws {
        // load("/dev/zero") read until memory ran out.
        XCTAssertThrowsError(try LongCSV.load(path: "/dev/zero")) { error in
            XCTAssertEqual((error as! FcastError).message,
                           "cannot read '/dev/zero': it is a character device, not a regular file (a FIFO or a device may never end); save the data to a file first")
        }
        let dir = try Fixture.temporaryDirectory()
        let fifo = dir.appendingPathComponent("pipe.csv").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // No writer: opening must not block, and the FIFO is refused.
        XCTAssertThrowsError(try LongCSV.load(path: fifo)) { error in
            XCTAssertTrue((error as! FcastError).message.contains("it is a FIFO, not a regular file"), "\(error)")
        }
        XCTAssertThrowsError(try LongCSV.load(path: "data\u{0}.csv")) { error in
            XCTAssertTrue((error as! FcastError).message.contains("the path contains a NUL character"), "\(error)")
        }
    }

    func testARowLongerThanTheCapIsAnError() throws {
        let long = String(repeating: "x", count: ResourceBudget.maxLineBytes)
        let e = try loadError("unique_id,ds,y,note\na,2019-01-01,1,short\na,2019-02-01,2,\(long)\n")
        XCTAssertEqual([e.line, e.column], [3, 1])
        XCTAssertTrue(e.message.hasPrefix("the row is 1048592 bytes long; at most 1048576 (1 MiB)"), e.message)
    }

    func testAFileLargerThanTheMemoryBudgetIsRefused() throws {
        setenv("FCAST_MAX_MEMORY", "1K", 1)
        defer { unsetenv("FCAST_MAX_MEMORY") }
        let rows = (1...100).map { "a,\(2000 + $0)-01-01,\($0)" }.joined(separator: "\n")
        let path = try Fixture.write("unique_id,ds,y\n" + rows + "\n")
        XCTAssertThrowsError(try LongCSV.load(path: path)) { error in
            let m = (error as! FcastError).message
            XCTAssertTrue(m.contains("it is 1.6 KB, and loading it would take about twice that, more than the memory budget of 1.0 KB (FCAST_MAX_MEMORY=1K)"), m)
        }
    }

    func testWritesRefuseSymlinksFifosDevicesAndNulPaths() throws {
        let dir = try Fixture.temporaryDirectory()
        let target = dir.appendingPathComponent("precious.txt").path
        try "keep me\n".write(toFile: target, atomically: false, encoding: .utf8)
        let link = dir.appendingPathComponent("out.csv").path
        XCTAssertEqual(symlink(target, link), 0)
        XCTAssertThrowsError(try CSVWriter.write(header: ["a"], rows: [["1"]], to: link)) { error in
            XCTAssertTrue((error as! FcastError).message.contains("it is a symbolic link; fcast writes regular files only"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep me\n")
        var st = stat()
        XCTAssertEqual(lstat(link, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK, "the link is still a link")

        let fifo = dir.appendingPathComponent("fifo.csv").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try CSVWriter.write(header: ["a"], rows: [["1"]], to: fifo)) { error in
            XCTAssertTrue((error as! FcastError).message.contains("it is a FIFO"), "\(error)")
        }
        XCTAssertThrowsError(try CSVWriter.write(header: ["a"], rows: [["1"]], to: "/dev/null")) { error in
            XCTAssertTrue((error as! FcastError).message.contains("it is a character device"), "\(error)")
        }
        let nul = dir.path + "/a.csv\u{0}b"
        XCTAssertThrowsError(try CSVWriter.write(header: ["a"], rows: [["1"]], to: nul)) { error in
            XCTAssertTrue((error as! FcastError).message.contains("the path contains a NUL character"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.csv").path))
        // A regular file is replaced as before.
        let plain = dir.appendingPathComponent("plain.csv").path
        try CSVWriter.write(header: ["a"], rows: [["1"]], to: plain)
        try CSVWriter.write(header: ["a"], rows: [["2"]], to: plain)
        XCTAssertEqual(try String(contentsOfFile: plain, encoding: .utf8), "a\n2\n")
    }

    func testTerminalTextEscapesControlCharacters() {
        XCTAssertEqual(TerminalText.escape("plain id"), "plain id")
        XCTAssertEqual(TerminalText.escape("a\u{1B}[2Jb"), "a\\u{1B}[2Jb")
        XCTAssertEqual(TerminalText.escape("x\ty\u{0}\u{9B}"), "x\\ty\\u{0}\\u{9B}")
        XCTAssertEqual(TerminalText.escape("東京"), "東京")
    }

    func testCheckedConversions() {
        XCTAssertNil(Checked.truncated(1e300))
        XCTAssertNil(Checked.truncated(.infinity))
        XCTAssertNil(Checked.truncated(.nan))
        XCTAssertNil(Checked.truncated(9.223372036854775808e18))
        XCTAssertEqual(Checked.truncated(-9.2e18), -9_200_000_000_000_000_000)
        XCTAssertEqual(Checked.truncated(-2.7), -2)
        XCTAssertNil(Checked.whole(2.5))
        XCTAssertEqual(Checked.clamped(.infinity, to: 0...28), 28)
        XCTAssertEqual(Checked.clamped(.nan, to: 0...28), 0)
        XCTAssertEqual(ResourceBudget.parseBytes("512M"), 512 << 20)
        XCTAssertNil(ResourceBudget.parseBytes("2GB"))   // K, M, G or T only
        XCTAssertEqual(ResourceBudget.parseBytes("2g"), 2 << 30)
        XCTAssertNil(ResourceBudget.parseBytes("-1"))
        XCTAssertEqual(ResourceBudget.product(1 << 40, 1 << 40), .max)
    }
}
