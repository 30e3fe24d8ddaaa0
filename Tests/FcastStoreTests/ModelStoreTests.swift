import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastStore
import FcastTestSupport
import GRDB
import XCTest

/// Stores of fitted models: written in one transaction, read back exactly, forecasting the
/// numbers of the run that was saved without refitting.
final class ModelStoreTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        for name in ["naive", "arima", "prophet", "theta", "ets"] {
            _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so").path)
        }
        return r
    }()
    static let visnights = try! LongCSV.load(path: TestSupport.exampleData("visnights.csv").path)

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:]) throws -> ModelSpec {
        ModelSpec(algorithm: try XCTUnwrap(Self.registry.algorithm(named: algorithm), "no plugin for \(algorithm)"), values: values)
    }

    /// A run of snaive, drift, auto_arima, prophet, theta and ets on four series, and its best table's tasks.
    func runAndBest() throws -> (RunResult, [(task: Int, score: Double?, metric: String?)]) {
        let (train, test) = try Self.visnights.subset([0, 1, 2, 3]).split(last: 8)
        var models = [try spec("snaive", ["season": .int(4)]), try spec("drift"),
                      try spec("auto_arima", ["stepwise": .bool(true)]), try spec("prophet"), try spec("theta"),
                      try spec("ets")]
        ModelSpec.assignNames(&models)
        let options = RunOptions(horizon: 8, levels: [80, 95], seed: 11)
        let job = Job(plan: Runner.plan(models, on: train, dataName: "visnights", options: options), models: models, data: train)
        let run = try Runner.run(job, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        XCTAssertEqual(run.failedTasks, 0)
        let best = try Evaluation.best(try Evaluation.evaluate(run, test: test), by: "mase")
        return (run, best.map { ($0.task!, $0.score, $0.metric) })
    }

    func temporaryStorePath() -> String { TestSupport.temporaryDirectory().appendingPathComponent("models/x.db").path }

    func testAVersionReadsBackExactly() throws {
        let (run, best) = try runAndBest()
        let version = try StoreVersion(run: run, tasks: best, source: "best", metric: "mase")
        XCTAssertEqual(version.entries.count, 4)
        XCTAssertTrue(version.entries.allSatisfy { $0.envelope != nil })
        for store in [try SQLiteModelStore(path: temporaryStorePath()), InMemoryModelStore()] as [any ModelStore] {
            XCTAssertNil(try store.latest())
            XCTAssertEqual(try store.save(version), 1)
            var expected = version
            expected.number = 1
            XCTAssertEqual(try store.latest(), expected, store.location)
            XCTAssertEqual(try store.save(version), 2)
            XCTAssertEqual(try store.latestNumber(), 2)
        }
    }

    func testForecastsFromTheStoreAreTheRunsWithoutRefitting() throws {
        let (run, _) = try runAndBest()
        // Every task of the run: all six algorithms, each series.
        let all = run.outcomes.indices.map { (task: $0, score: Double?.none, metric: String?.none) }
        let path = temporaryStorePath()
        _ = try SQLiteModelStore(path: path).save(try StoreVersion(run: run, tasks: all, source: "run", metric: nil))
        let stored = try XCTUnwrap(try SQLiteModelStore(path: path, readOnly: true).latest())
        let (job, tasks, failures) = try stored.forecastJob(stored.entries, horizon: 8, levels: [80, 95], registry: Self.registry)
        XCTAssertEqual(failures, [])
        let f = try Runner.run(job, tasks: tasks, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                               progressOutput: .silent)
        XCTAssertEqual(f.failedTasks, 0)
        XCTAssertEqual(f.mean, run.mean)
        XCTAssertEqual(f.lo, run.lo)
        XCTAssertEqual(f.hi, run.hi)
        XCTAssertEqual(f.descriptions, run.descriptions)
        // The forecast made at save time is stored too.
        let first = stored.entries[0]
        XCTAssertEqual(Array(first.forecast.prefix(8)), Array(run.meanSlice(model: 0, series: 0)))
    }

    func testAModelWithoutSavedBytesIsFittedAgainFromTheStoredData() throws {
        let (run, best) = try runAndBest()
        var version = try StoreVersion(run: run, tasks: best, source: "best", metric: "mase")
        for i in version.entries.indices { version.entries[i].envelope = nil }
        let (job, tasks, _) = try version.forecastJob(version.entries, horizon: 8, levels: [80, 95], registry: Self.registry)
        let f = try Runner.run(job, tasks: tasks, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        for (k, _, _) in best {
            let t = run.plan.task(k)
            XCTAssertEqual(f.meanSlice(model: job.models.firstIndex { $0.name == run.models[t.model].name }!, series: t.series),
                           run.meanSlice(model: t.model, series: t.series))
        }
    }

    func testAMissingPluginFailsOnlyItsSeries() throws {
        let (run, best) = try runAndBest()
        var version = try StoreVersion(run: run, tasks: best, source: "best", metric: "mase")
        version.entries[0].model.library = "gone"
        let (job, tasks, failures) = try version.forecastJob(version.entries, horizon: 4, levels: [], registry: Self.registry)
        XCTAssertEqual(failures.map(\.seriesID), [version.entries[0].seriesID])
        XCTAssertTrue(failures[0].message.contains("needs the plugin library 'gone'"), failures[0].message)
        let f = try Runner.run(job, tasks: tasks, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        XCTAssertEqual(f.completedTasks, 3)   // the other three winners
        XCTAssertEqual(f.failedTasks, 0)
        XCTAssertThrowsError(try version.entries(for: ["NSWMetr"])) { e in
            XCTAssertEqual("\(e)", "the store has no series 'NSWMetr'; did you mean 'NSWMetro'?")
        }
    }

    func testAFailedSaveLeavesTheStoreAsItWas() throws {
        let (run, best) = try runAndBest()
        let version = try StoreVersion(run: run, tasks: best, source: "best", metric: "mase")
        let path = temporaryStorePath()
        let store = try SQLiteModelStore(path: path)
        XCTAssertEqual(try store.save(version), 1)
        // Two series with one id break the series table's key halfway through the save.
        var broken = version
        broken.data.ids[1] = broken.data.ids[0]
        XCTAssertThrowsError(try store.save(broken)) { e in
            XCTAssertTrue("\(e)".contains("the save failed and the store is as it was"), "\(e)")
        }
        XCTAssertEqual(try store.latestNumber(), 1)
        var expected = version
        expected.number = 1
        XCTAssertEqual(try SQLiteModelStore(path: path, readOnly: true).latest(), expected)
        let counts = try DatabaseQueue(path: path).read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM series")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM entries")!,
             try String.fetchOne(db, sql: "PRAGMA journal_mode")!)
        }
        XCTAssertEqual(counts.0, 4)
        XCTAssertEqual(counts.1, 4)   // one winner per series
        XCTAssertEqual(counts.2, "wal")
    }

    func testFilesThatAreNotStoresAreRefusedByName() throws {
        let dir = TestSupport.temporaryDirectory()
        let other = dir.appendingPathComponent("other.db").path
        try DatabaseQueue(path: other).write { db in try db.execute(sql: "CREATE TABLE trips (id INTEGER)") }
        XCTAssertThrowsError(try SQLiteModelStore(path: other)) { e in
            XCTAssertEqual("\(e)", "\(other): an SQLite file, but not an fcast model store (its tables: trips)")
        }
        let text = dir.appendingPathComponent("text.db").path
        try "hello, not a database".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SQLiteModelStore(path: text, readOnly: true)) { e in
            XCTAssertTrue("\(e)".hasPrefix("\(text): "), "\(e)")
        }
        XCTAssertThrowsError(try SQLiteModelStore(path: dir.appendingPathComponent("none.db").path, readOnly: true)) { e in
            XCTAssertTrue("\(e)".hasSuffix("none.db: no such model store"), "\(e)")
        }
        let future = dir.appendingPathComponent("future.db").path
        _ = try SQLiteModelStore(path: future)
        try DatabaseQueue(path: future).write { db in try db.execute(sql: "UPDATE store_info SET value = '9' WHERE key = 'schema'") }
        XCTAssertThrowsError(try SQLiteModelStore(path: future)) { e in
            XCTAssertTrue("\(e)".contains("a model store of schema 9; this fcast reads schema 2"), "\(e)")
        }
    }
}
