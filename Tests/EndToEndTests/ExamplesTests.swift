import FcastTestSupport
import Foundation
import XCTest

/// Runs every `examples/*.fc` as its header says (`fcast run examples/NAME.fc` from a folder
/// holding `examples/data`) and checks the exit status, each cell's heading, some key lines
/// and the files the script writes. Not the whole output: it has timings.
///
/// The employment example fits AutoARIMA and Prophet to 148 long monthly series, which takes
/// about ten minutes in a debug build; here its data file holds only the four series the
/// script plots, each cut to its last 176 months (more than 150 training points, so AutoARIMA
/// takes its stepwise search): a few seconds. `FCAST_FULL_EXAMPLES=1` runs it on the real file.
final class ExamplesTests: XCTestCase {
    static let examplesDir = TestSupport.repoRoot.appendingPathComponent("examples")

    /// Lines each example's stdout must contain, with the reduced employment data.
    static let keyLines: [String: [String]] = [
        "visnights.fc": [
            "20 series, 1,520 points, quarterly",
            "dates     1998-01-01 .. 2016-10-01",
            "model   series  failed     mae    rmse  smape   mase  cover80  cover95  seconds",
            // The four benchmarks, ETS and Theta scored on the last two years, best first.
            "snaive      20       0  0.4172  0.5038  13.47  1.127   0.8438   0.9750",
            "ets         20       0  0.4346  0.5133  13.98  1.165   0.6312   0.8500",
            "theta       20       0  0.4426  0.5196  14.24  1.184   0.5750   0.8313",
            "naive       20       0  0.6395  0.8092  18.68  1.703   0.9375   0.9812",
            "drift       20       0  0.6461  0.8284  18.90  1.725   0.9375   0.9812",
            "mean        20       0  0.7343  0.9125  21.41  1.887   0.6312   0.7688",
            // Choosing on cross-validation, its errors per step, the choice scored on the hold-out.
            "plot: wrote out/visnights_cv_errors.png (cross-validation errors of 4 models)",
            "wrote 20 rows to out/visnights_cv_choice.csv",
            // The winners kept in a model store, and forecast from it.
            "saved version 1 to out/visnights.db: 20 series, 20 models",
            "wrote 8 rows to out/visnights_forecasts.csv",
        ],
        "taxi.fc": [
            "aggregate: 28851 rows read from examples/data/taxi_trips.csv, 28851 counted",
            "12 series, 4,800 points, daily",
            "dates     2023-01-01 .. 2024-02-04",
            "best by mae for 6 series; wins:",
            "plot: wrote out/taxi_forecasts.png (2 series)",
            "tuning of 9 trials by asha (rungs 10, 30, 90, 270; the top 1/3 go on), mae on the validation data",
            "wrote 672 rows to out/taxi_forecasts.parquet",
            "wrote 6 rows to out/taxi_best.csv",
        ],
        "employment.fc": [
            "4 series, 704 points, monthly",
            "dates     2005-02-01 .. 2019-09-01",
            "tuning of 9 trials by asha (rungs 10, 30, 90, 270; the top 1/3 go on), mase on the validation data",
            "run: 7 models x 4 series, horizon 24, levels 80, 95",
            "28 of 28 tasks done in",
            "best by mase for 4 series; wins:",
            "plot: wrote out/employment_auto_arima.png (4 series)",
            "plot: wrote out/employment_compare.png (1 series)",
            "plot: wrote out/employment_mase.png (mase of 7 models)",
            "plot: wrote out/employment_wins.png (wins of 7 models)",
            "CEU0500000001 — auto_arima: ARIMA(",
            "wrote 672 rows to out/employment_forecasts.csv",
            "wrote 4 rows to out/employment_best.csv",
        ],
    ]

    /// Lines that hold on the full data too.
    static let fullDataKeyLines: [String: [String]] = [
        "employment.fc": [
            "148 series, 72,339 points, monthly",
            "run: 7 models x 148 series, horizon 24, levels 80, 95",
            "1036 of 1036 tasks done in",
            "wrote 24864 rows to out/employment_forecasts.csv",
            "wrote 148 rows to out/employment_best.csv",
        ],
    ]

    func testEveryExampleRunsAndPrintsItsKeyLines() throws {
        let full = ProcessInfo.processInfo.environment["FCAST_FULL_EXAMPLES"] == "1"
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.examplesDir.path)
            .filter { $0.hasSuffix(".fc") }.sorted()
        XCTAssertEqual(Set(examples), Set(Self.keyLines.keys), "every example needs its key lines here")
        for name in examples {
            let dir = try Self.workingFolder(for: name, fullData: full)
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try TestSupport.fcast(["run", "--workers", "2", "examples/\(name)"], directory: dir)
            XCTAssertEqual(r.status, 0, "\(name) failed:\n\(r.stderr)")
            XCTAssertFalse(r.stderr.contains("error"), "\(name):\n\(r.stderr)")
            let script = try String(contentsOf: Self.examplesDir.appendingPathComponent(name), encoding: .utf8)
            for line in script.split(separator: "\n") where line.hasPrefix("## ") {
                XCTAssertTrue(r.stdout.contains("\n\(line)\n"), "\(name): no cell heading '\(line)' in:\n\(r.stdout)")
            }
            let expected = full && Self.fullDataKeyLines[name] != nil ? Self.fullDataKeyLines[name]! : Self.keyLines[name] ?? []
            for key in expected {
                XCTAssertTrue(r.stdout.contains(key), "\(name): no line '\(key)' in:\n\(r.stdout)")
            }
            // Every file the script writes (write(..., "path"), plot(..., to: "path")) is there.
            for path in Self.writtenPaths(script) {
                let size = (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(path).path)[.size] as? Int) ?? 0
                XCTAssertGreaterThan(size, 0, "\(name) did not write \(path)")
            }
        }
    }

    /// A fresh folder with `examples/NAME.fc` and `examples/data`: the real files, or for the
    /// employment data the reduced copy described above.
    static func workingFolder(for name: String, fullData: Bool) throws -> URL {
        let fm = FileManager.default
        let dir = TestSupport.temporaryDirectory()
        let data = dir.appendingPathComponent("examples/data")
        try fm.createDirectory(at: data, withIntermediateDirectories: true)
        try fm.copyItem(at: examplesDir.appendingPathComponent(name), to: dir.appendingPathComponent("examples/\(name)"))
        for file in try fm.contentsOfDirectory(atPath: examplesDir.appendingPathComponent("data").path) {
            let source = examplesDir.appendingPathComponent("data/\(file)")
            if file == "us_employment.csv" && !fullData {
                try reducedEmployment(from: source, keeping: 176).write(to: data.appendingPathComponent(file),
                                                                         atomically: true, encoding: .utf8)
            } else {
                try fm.createSymbolicLink(at: data.appendingPathComponent(file), withDestinationURL: source)
            }
        }
        return dir
    }

    /// The rows of the series that examples/employment.fc names, the last `keeping` of each.
    static func reducedEmployment(from url: URL, keeping: Int) throws -> String {
        let script = try String(contentsOf: examplesDir.appendingPathComponent("employment.fc"), encoding: .utf8)
        let named = Set(script.matches(of: /CEU[0-9]{10}/).map { String($0.output) })
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        var rows: [String: [Substring]] = [:], order: [String] = []
        for line in lines.dropFirst() {
            let id = String(line.prefix { $0 != "," })
            guard named.contains(id) else { continue }
            if rows[id] == nil { order.append(id) }
            rows[id, default: []].append(line)
        }
        return ([lines[0]] + order.flatMap { rows[$0]!.suffix(keeping) }).joined(separator: "\n") + "\n"
    }

    /// The string paths given to write() and to plot()'s `to:` in a script.
    static func writtenPaths(_ script: String) -> [String] {
        let writes = script.matches(of: /write\([^,]+,\s*"([^"]+)"\)/).map { String($0.output.1) }
        let plots = script.matches(of: /to:\s*"([^"{]+)"/).map { String($0.output.1) }
        return writes + plots
    }
}
