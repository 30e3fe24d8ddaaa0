import XCTest
@testable import FcastCore

final class CSVWriterTests: XCTestCase {
    func testFormat() {
        XCTAssertEqual(CSVWriter.format(25338.0), "25338")
        XCTAssertEqual(CSVWriter.format(0.1), "0.1")
        XCTAssertEqual(CSVWriter.format(-2.5), "-2.5")
        XCTAssertEqual(CSVWriter.format(6.962125889799999), "6.962125889799999")
        XCTAssertEqual(CSVWriter.format(.nan), "NaN")
        XCTAssertEqual(CSVWriter.format(.infinity), "inf")
        XCTAssertEqual(CSVWriter.format(-0.0), "0")
        XCTAssertEqual(CSVWriter.format(1e-7), "1e-07")
        for x in [0.1, 1.0 / 3, 123456.789, 1e300, Double.leastNonzeroMagnitude, -7.25, 2.0.squareRoot()] {
            XCTAssertEqual(Double(CSVWriter.format(x)), x)   // round trip
        }
    }

    func testQuoting() {
        XCTAssertEqual(CSVWriter.quote("plain"), "plain")
        XCTAssertEqual(CSVWriter.quote("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVWriter.quote("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVWriter.quote("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSVWriter.quote(" padded"), "\" padded\"")
        XCTAssertEqual(CSVWriter.text(header: ["a", "b"], rows: [["1", "x,y"]]), "a,b\n1,\"x,y\"\n")
    }

    func testWriteCreatesFoldersAndReadsBack() throws {
        let dir = try Fixture.temporaryDirectory()
        let path = dir.appendingPathComponent("nested/deeper/out.csv").path
        try CSVWriter.write(header: ["unique_id", "ds", "y", "note"],
                            rows: [["Store, North", "2020-01-01", "1.5", "say \"hi\""],
                                   ["Store, North", "2020-02-01", "NaN", "two\nlines"]],
                            to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, "unique_id,ds,y,note\n\"Store, North\",2020-01-01,1.5,\"say \"\"hi\"\"\"\n\"Store, North\",2020-02-01,NaN,\"two\nlines\"\n")
        var options = LongCSVOptions()
        options.frequency = .monthly
        let panel = try LongCSV.load(path: path, options: options)
        XCTAssertEqual(panel.ids, ["Store, North"])
        XCTAssertEqual(panel.y[0], 1.5)
        XCTAssertTrue(panel.y[1].isNaN)
        // No temporary file is left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("nested/deeper").path)
        XCTAssertEqual(left, ["out.csv"])
    }

    func testWriteErrorsNameThePath() throws {
        let dir = try Fixture.temporaryDirectory()
        let file = dir.appendingPathComponent("afile")
        try Data("x".utf8).write(to: file)
        let path = file.appendingPathComponent("inside.csv").path
        let e = assertFcastError(try CSVWriter.write(header: ["a"], rows: [["1"]], to: path))
        XCTAssertContains(e?.message ?? "", path)
    }

    func testErrorDescription() {
        XCTAssertEqual(FcastError("boom").description, "error: boom")
        XCTAssertEqual(FcastError("boom", file: "a.csv").description, "a.csv: error: boom")
        XCTAssertEqual(FcastError("boom", file: "a.csv", line: 3).description, "a.csv:3: error: boom")
        XCTAssertEqual(FcastError("boom", file: "a.csv", line: 3, column: 7).description, "a.csv:3:7: error: boom")
        XCTAssertEqual(FcastError("boom", line: 2, column: 1).description, "line 2:1: error: boom")
        XCTAssertEqual(Suggest.didYouMean("seasn", in: ["season", "level"]), "did you mean 'season'?")
        XCTAssertNil(Suggest.didYouMean("xyz", in: ["season", "level"]))
        XCTAssertEqual(Suggest.editDistance("kitten", "sitting"), 3)
    }
}
