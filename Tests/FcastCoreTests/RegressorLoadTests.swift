// load(..., regressors:): extra numeric columns kept beside y, aligned through grouping and sorting.
import XCTest
@testable import FcastCore

final class RegressorLoadTests: XCTestCase {
    /// visnights rows for NSWMetro and NSWNthCo with VICMetro's value (same quarter) as
    /// `price` and a first-quarter flag as `promo`, written newest first and interleaved
    /// (so the loader must group and sort them).
    static func csv() throws -> (text: String, vic: [String: Double]) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("examples/data/visnights.csv"), encoding: .utf8)
        var vic: [String: Double] = [:], rows: [String: [(String, String)]] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            if f[0] == "VICMetro" { vic[f[1]] = Double(f[2])! }
            if f[0] == "NSWMetro" || f[0] == "NSWNthCo" { rows[f[0], default: []].append((f[1], f[2])) }
        }
        var out = "unique_id,ds,y,price,promo\n"
        let a = rows["NSWMetro"]!, b = rows["NSWNthCo"]!
        for k in stride(from: a.count - 1, through: 0, by: -1) {
            for (id, r) in [("NSWMetro", a[k]), ("NSWNthCo", b[k])] {
                let promo = r.0.contains("-01-") ? "1" : "0"
                out += "\(id),\(r.0),\(r.1),\(vic[r.0]!),\(id == "NSWNthCo" && k == 5 ? "NA" : promo)\n"
            }
        }
        return (out, vic)
    }

    func testRegressorColumnsStayAlignedWithTheValues() throws {
        let (text, vic) = try Self.csv()
        var options = LongCSVOptions()
        options.regressors = ["price", "promo"]
        let panel = try LongCSV.parse(text: text, name: "vis.csv", options: options)
        XCTAssertEqual(panel.ids, ["NSWMetro", "NSWNthCo"])
        XCTAssertEqual(panel.regressorNames, ["price", "promo"])
        XCTAssertEqual(panel.regressors.count, 2)
        XCTAssertEqual(panel.regressors[0].count, panel.totalPoints)
        XCTAssertEqual(panel.totalPoints, 152)
        for i in 0..<panel.count {
            for j in panel.range(i) {
                let ds = Timestamp.format(panel.ds[j], style: .date)
                XCTAssertEqual(panel.regressors[0][j], vic[ds]!, "\(panel.ids[i]) \(ds)")
                if !(i == 1 && j == panel.range(1).lowerBound + 5) {
                    XCTAssertEqual(panel.regressors[1][j], ds.contains("-01-") ? 1 : 0, "\(panel.ids[i]) \(ds)")
                }
            }
        }
        XCTAssertTrue(panel.regressors[1][panel.range(1).lowerBound + 5].isNaN)
        XCTAssertContains(panel.describe().description, "regressors price, promo (1 missing)")
        // splits and subsets carry them
        let (train, test) = try panel.split(last: 8)
        XCTAssertEqual(train.regressors[0], Array(panel.regressors[0][0..<68]) + Array(panel.regressors[0][76..<144]))
        XCTAssertEqual(test.regressors[0], Array(panel.regressors[0][68..<76]) + Array(panel.regressors[0][144..<152]))
        XCTAssertEqual(panel.subset([1]).regressors[0], Array(panel.regressors[0][76..<152]))
        // without regressors: nothing kept, describe says nothing
        let plain = try LongCSV.parse(text: text, name: "vis.csv")
        XCTAssertTrue(plain.regressors.isEmpty)
        XCTAssertFalse(plain.describe().description.contains("regressors"))
    }

    func testBadRegressorsNameFileLineAndColumn() throws {
        var options = LongCSVOptions()
        options.regressors = ["prize"]
        let missing = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y,price\nA,2020-01-01,1,2\n", name: "r.csv", options: options))
        XCTAssertContains(missing?.message ?? "", "no column 'prize' (a regressor) in the header")
        XCTAssertContains(missing?.message ?? "", "did you mean 'price'?")
        options.regressors = ["price"]
        let bad = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y,price\nA,2020-01-01,1,2\nA,2020-02-01,1,cheap\n", name: "r.csv", options: options))
        XCTAssertEqual(bad?.line, 3)
        XCTAssertEqual(bad?.column, 16)
        XCTAssertContains(bad?.message ?? "", "expected a finite number in regressor column 'price', found 'cheap'")
        options.regressors = ["y"]
        let role = assertFcastError(try LongCSV.parse(text: "unique_id,ds,y,price\nA,2020-01-01,1,2\n", name: "r.csv", options: options))
        XCTAssertContains(role?.message ?? "", "regressor 'y' is the value column")
    }
}
