import FcastCore
import FcastExec
import FcastPlugins
import FcastTestSupport
import XCTest

/// The plugin host against real shared libraries: the built naive plugin, the C example
/// plugin, and deliberately broken libraries compiled here.
final class PluginHostTests: XCTestCase {
    func loadNaive() throws -> PluginRegistry {
        let registry = PluginRegistry()
        try registry.load(path: TestSupport.naivePlugin.path)
        return registry
    }

    func testNaiveLibraryOffersFourAlgorithmsWithSchemas() throws {
        let registry = try loadNaive()
        XCTAssertEqual(registry.algorithms.map(\.name), ["naive", "snaive", "mean", "drift"])
        let lib = registry.libraries[0]
        XCTAssertEqual(lib.name, "naive")
        XCTAssertEqual(lib.abiMajor, 1)
        let snaive = try XCTUnwrap(registry.algorithm(named: "snaive"))
        XCTAssertTrue(snaive.capabilities.contains([.intervals, .threadSafe, .saveLoad, .fitted]))
        let season = try XCTUnwrap(snaive.parameter(named: "season"))
        XCTAssertEqual(season.kind, .int)
        XCTAssertFalse(season.required)
        XCTAssertTrue(season.auto)
        XCTAssertEqual(season.min, 1)
        XCTAssertEqual(registry.algorithm(named: "naive")?.parameters.count, 0)
    }

    func testFitPredictSaveLoadThroughTheCABI() throws {
        let registry = try loadNaive()
        let config = try registry.algorithm(named: "snaive")!.configure(["season": .int(4)])
        let y: [Double] = [10, 20, 30, 40, 12, 22, 33, 41, 14, 25, 35, 44]
        let ds = (0..<y.count).map { Int64($0) * 86_400 * 91 }
        let model = try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try config.fit(SeriesRef(id: "q", y: yb, ds: db, frequencyUnit: 7, frequencyStep: 1))
            }
        }
        let f = try model.predict(horizon: 5, futureDs: [], levels: [80])
        XCTAssertEqual(f.mean, [14, 25, 35, 44, 14])
        // σ̂² = 5.5 (see NaiveTests); 80%: ± 1.2815515655446004·sqrt(5.5)
        XCTAssertEqual(f.hi[0][0], 14 + 1.2815515655446004 * 5.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(model.modelDescription, "snaive[4]")
        let restored = try config.load(try model.save())
        XCTAssertEqual(try restored.predict(horizon: 5, futureDs: [], levels: [80]).hi, f.hi)
        XCTAssertEqual(try model.fittedValues(count: 12)[4], 10)
    }

    func testPluginErrorsComeBackAsTaskFailures() throws {
        let registry = try loadNaive()
        let config = try registry.algorithm(named: "snaive")!.configure(["season": .int(12)])
        let y: [Double] = [1, 2, 3]
        let ds: [Int64] = [0, 1, 2]
        XCTAssertThrowsError(try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { try config.fit(SeriesRef(id: "short", y: yb, ds: $0, frequencyUnit: 6, frequencyStep: 1)) }
        }) { error in
            let f = error as! TaskFailure
            XCTAssertEqual(f.kind, .notEnoughData)
            XCTAssertTrue(f.message.contains("at least 13 points"), f.message)
        }
        // A parameter out of its range that reaches configure anyway: refused there.
        XCTAssertThrowsError(try registry.algorithm(named: "snaive")!.configure(["season": .int(0)])) { error in
            XCTAssertTrue((error as! TaskFailure).message.contains("'season' must be at least 1, got 0"), "\(error)")
        }
    }

    func testCPluginLoadsAndRuns() throws {
        let dir = TestSupport.temporaryDirectory()
        let source = try String(contentsOf: TestSupport.repoRoot.appendingPathComponent("examples/c-plugin/window_average.c"), encoding: .utf8)
        let lib = try TestSupport.compileCPlugin(source: source, name: "window", in: dir)
        let registry = PluginRegistry()
        registry.discover(searchPath: [dir.path])
        XCTAssertEqual(registry.failures.map(\.description), [])
        let algorithm = try XCTUnwrap(registry.algorithm(named: "window_average"))
        XCTAssertEqual(algorithm.library.path, lib.path)
        XCTAssertFalse(algorithm.capabilities.contains(.intervals))
        XCTAssertEqual(algorithm.parameter(named: "window")?.defaultText, "3")
        let config = try algorithm.configure(["window": .int(2)])
        let y: [Double] = [5, 1, 2, 6]
        let ds: [Int64] = [0, 1, 2, 3]
        let model = try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { try config.fit(SeriesRef(id: "c", y: yb, ds: $0, frequencyUnit: 4, frequencyStep: 1)) }
        }
        XCTAssertEqual(try model.predict(horizon: 2, futureDs: [], levels: []).mean, [4, 4])
        // Intervals from a plugin that has none: a clear failure, not garbage.
        XCTAssertThrowsError(try model.predict(horizon: 2, futureDs: [], levels: [80])) { error in
            XCTAssertTrue((error as! TaskFailure).message.contains("no prediction intervals"))
        }
        XCTAssertThrowsError(try algorithm.configure(["window": .int(0)]))
    }

    func testBrokenLibrariesAreReportedAndTheOthersStillLoad() throws {
        let dir = TestSupport.temporaryDirectory()
        // A shared library without the entry symbol.
        _ = try TestSupport.compileCPlugin(source: "int not_a_plugin(void) { return 42; }\n", name: "bogus", in: dir)
        // A plugin built for ABI 2.
        let abi2 = """
            #include "fcast_plugin.h"
            static const fc_algorithm *const none[] = {0};
            static const fc_library lib = { sizeof(fc_library), 2, 0, "future", "9.0", "from the future", 0, none };
            const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
            """
        _ = try TestSupport.compileCPlugin(source: abi2, name: "future", in: dir)
        // A file with a plugin's name that is not a shared library at all.
        try TestSupport.write("just text\n", to: "libfcast_text.so", in: dir)
        // The real naive plugin beside them, and a folder that does not exist.
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("libfcast_naive.so"),
                                                   withDestinationURL: TestSupport.naivePlugin)
        let missing = dir.appendingPathComponent("no-such-folder").path
        let registry = PluginRegistry()
        registry.discover(searchPath: [missing, dir.path], explicit: [missing])

        XCTAssertEqual(registry.algorithms.map(\.name), ["naive", "snaive", "mean", "drift"])
        let reasons = Dictionary(uniqueKeysWithValues: registry.failures.map {
            (URL(fileURLWithPath: $0.path).lastPathComponent, $0.reason)
        })
        XCTAssertEqual(registry.failures.count, 4, "\(registry.failures)")
        XCTAssertEqual(reasons["no-such-folder"], "no such file or folder")
        XCTAssertTrue(reasons["libfcast_bogus.so"]!.contains("exports neither 'fcast_bogus_plugin_entry' nor 'fcast_plugin_entry'"), reasons["libfcast_bogus.so"]!)
        XCTAssertTrue(reasons["libfcast_future.so"]!.contains("built for fcast plugin ABI 2.0"), reasons["libfcast_future.so"]!)
        XCTAssertTrue(reasons["libfcast_future.so"]!.contains("speaks ABI 1.1"))
        XCTAssertTrue(reasons["libfcast_text.so"]!.hasPrefix("cannot load"), reasons["libfcast_text.so"]!)
    }

    func testExecutorRunsAGridAndRecordsFailures() throws {
        let registry = try loadNaive()
        // Two monthly series: one long enough for snaive(season 12), one not.
        var series: [(id: String, ds: [Int64], y: [Double])] = []
        let start = Timestamp.parse("2020-01-01")!.0
        series.append(("long", (0..<30).map { Frequency.monthly.advance(start, by: $0) }, (0..<30).map { Double($0 % 12) + Double($0) }))
        series.append(("short", (0..<6).map { Frequency.monthly.advance(start, by: $0) }, [1, 2, 3, 4, 5, 6]))
        let panel = Panel(series: series, frequency: .monthly, timestampStyle: .date)
        let models = [ModelSpec(algorithm: registry.algorithm(named: "naive")!, values: [:]),
                      ModelSpec(algorithm: registry.algorithm(named: "snaive")!, values: ["season": .int(12)])]
        let result = try LocalExecutor.run(models, on: panel, options: RunOptions(horizon: 3, levels: [80], workers: 2),
                                       progressOutput: .silent)
        XCTAssertEqual(result.completedTasks, 4)
        XCTAssertEqual(result.failedTasks, 1)
        let failure = try XCTUnwrap(result.failures.first)
        XCTAssertEqual(panel.ids[failure.series], "short")
        XCTAssertEqual(failure.failure.kind, .notEnoughData)
        XCTAssertEqual(Array(result.meanSlice(model: 0, series: 1)), [6, 6, 6])
        // The forecast dates continue the monthly calendar.
        XCTAssertEqual(Timestamp.format(result.futureSlice(series: 1).first!, style: .date), "2020-07-01")
        // snaive for "long": the last season repeats.
        let y = panel.values(0)
        XCTAssertEqual(Array(result.meanSlice(model: 1, series: 0)), Array(y[(y.startIndex + 18)..<(y.startIndex + 21)]))
    }

    func testResultsDoNotDependOnWorkerCount() throws {
        let registry = try loadNaive()
        let panel = try LongCSV.load(path: TestSupport.exampleData("visnights.csv").path)
        let models = ["naive", "drift", "mean"].map { ModelSpec(algorithm: registry.algorithm(named: $0)!, values: [:]) }
        let one = try LocalExecutor.run(models, on: panel, options: RunOptions(horizon: 8, levels: [80, 95], workers: 1), progressOutput: .silent)
        let two = try LocalExecutor.run(models, on: panel, options: RunOptions(horizon: 8, levels: [80, 95], workers: 2), progressOutput: .silent)
        XCTAssertEqual(one.mean, two.mean)
        XCTAssertEqual(one.lo, two.lo)
        XCTAssertEqual(one.hi, two.hi)
        XCTAssertEqual(one.failedTasks, 0)
    }

    func testGridNamesShowOnlyWhatVaries() throws {
        let registry = try loadNaive()
        let snaive = registry.algorithm(named: "snaive")!, naive = registry.algorithm(named: "naive")!
        var specs = [ModelSpec(algorithm: naive, values: [:]),
                     ModelSpec(algorithm: snaive, values: ["season": .int(4)]),
                     ModelSpec(algorithm: snaive, values: ["season": .int(12)])]
        ModelSpec.assignNames(&specs)
        XCTAssertEqual(specs.map(\.name), ["naive", "snaive(season=4)", "snaive(season=12)"])
        var same = [ModelSpec(algorithm: snaive, values: ["season": .int(12)])]
        ModelSpec.assignNames(&same)
        XCTAssertEqual(same.map(\.name), ["snaive"])
    }
}
