import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastStore
import FcastTestSupport
import GRDB
import XCTest

/// Model stores and exogenous regressors (issue 19 item 4): a saved version keeps the
/// regressors' names and training values and which models use them; a forecast from the
/// store with the future values is the run's; refit needs the same columns; a store written
/// before regressors (schema 1) still opens. Data: examples/data/consumption.csv (quarterly,
/// north and south, income and promo) and consumption_future.csv (the next 8 quarters).
final class StoreRegressorTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        for name in ["naive", "arima", "prophet"] {
            _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so").path)
        }
        return r
    }()

    static func load(_ file: String, regressors: [String] = ["income", "promo"]) throws -> Panel {
        var o = LongCSVOptions()
        o.regressors = regressors
        return try LongCSV.load(path: TestSupport.exampleData(file).path, options: o)
    }

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:]) throws -> ModelSpec {
        ModelSpec(algorithm: try XCTUnwrap(Self.registry.algorithm(named: algorithm), "no plugin for \(algorithm)"), values: values)
    }

    /// run([arima(order: [1, 0, 0]), prophet(), naive()], consumption, horizon: 8, level: [80, 95], future:)
    func runWithRegressors() throws -> (RunResult, Panel, Panel) {
        let data = try Self.load("consumption.csv"), future = try Self.load("consumption_future.csv")
        var models = [try spec("arima", ["order": .list([1, 0, 0])]), try spec("prophet"), try spec("naive")]
        ModelSpec.assignNames(&models)
        let options = RunOptions(horizon: 8, levels: [80, 95], seed: 3)
        let job = Job(plan: Runner.plan(models, on: data, dataName: "consumption", options: options, future: future),
                      models: models, data: data, future: future)
        let run = try Runner.run(job, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        XCTAssertEqual(run.failedTasks, 0, "\(run.outcomes)")
        return (run, data, future)
    }

    /// An error's message as the language prints it (FcastError without its "error: " prefix).
    static func text(_ e: any Error) -> String { (e as? FcastError)?.locatedMessage ?? "\(e)" }

    func temporaryStorePath() -> String { TestSupport.temporaryDirectory().appendingPathComponent("models/c.db").path }

    func forecast(_ version: StoreVersion, _ entries: [StoredEntry], horizon: Int, future: Panel?) throws -> RunResult {
        let (job, tasks, failures) = try version.forecastJob(entries, horizon: horizon, levels: [80, 95], registry: Self.registry,
                                                             future: future)
        XCTAssertEqual(failures, [])
        return try Runner.run(job, tasks: tasks, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                              progressOutput: .silent)
    }

    /// The stored model of (series, model name) forecast from the store, against the run's.
    func assertSameForecasts(_ f: RunResult, _ stored: StoreVersion, _ run: RunResult, file: StaticString = #filePath,
                             line: UInt = #line) {
        XCTAssertEqual(f.failedTasks, 0, "\(f.outcomes)", file: file, line: line)
        for (mi, model) in run.models.enumerated() {
            guard let fm = f.models.firstIndex(where: { $0.name == model.name }) else {
                XCTFail("no \(model.name) in the forecast", file: file, line: line)
                continue
            }
            for s in 0..<run.train.count {
                let a = Array(f.meanSlice(model: fm, series: s)), b = Array(run.meanSlice(model: mi, series: s))
                XCTAssertEqual(a.count, 8, file: file, line: line)
                for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-9, "\(model.name) \(run.train.ids[s])", file: file, line: line) }
                for l in 0..<2 {
                    for (x, y) in zip(f.loSlice(model: fm, series: s, level: l), run.loSlice(model: mi, series: s, level: l)) {
                        XCTAssertEqual(x, y, accuracy: 1e-9, "\(model.name) lo", file: file, line: line)
                    }
                    for (x, y) in zip(f.hiSlice(model: fm, series: s, level: l), run.hiSlice(model: mi, series: s, level: l)) {
                        XCTAssertEqual(x, y, accuracy: 1e-9, "\(model.name) hi", file: file, line: line)
                    }
                }
            }
        }
    }

    func testAVersionKeepsTheRegressorsAndForecastsAsTheRunWithTheFutureValues() throws {
        let (run, data, future) = try runWithRegressors()
        let all = run.outcomes.indices.map { (task: $0, score: Double?.none, metric: String?.none) }
        let version = try StoreVersion(run: run, tasks: all, source: "run", metric: nil)
        let path = temporaryStorePath()
        _ = try SQLiteModelStore(path: path).save(version)
        let stored = try XCTUnwrap(try SQLiteModelStore(path: path, readOnly: true).latest())
        var expected = version
        expected.number = 1
        XCTAssertEqual(stored, expected)
        XCTAssertEqual(stored.data.regressorNames, ["income", "promo"])
        XCTAssertEqual(stored.data.regressors.map { $0.map(\.bitPattern) }, data.regressors.map { $0.map(\.bitPattern) })
        XCTAssertEqual(stored.regressorsUsed, ["income", "promo"])
        // arima and prophet use them; naive does not.
        for e in stored.entries {
            XCTAssertEqual(e.regressors, e.model.name == "naive" ? [] : ["income", "promo"], e.model.name)
            XCTAssertNotNil(e.envelope, e.model.name)
        }
        // From the saved states, with the future values: the run's numbers.
        assertSameForecasts(try forecast(stored, stored.entries, horizon: 8, future: future), stored, run)
        // Fitted again from the stored data and regressors (a plugin that cannot save): the same.
        var refitted = stored
        for i in refitted.entries.indices { refitted.entries[i].envelope = nil }
        assertSameForecasts(try forecast(refitted, refitted.entries, horizon: 8, future: future), refitted, run)
        XCTAssertEqual(try stored.checkFuture(stored.entries, future: future, horizon: 8),
                       ["naive uses no regressors: it forecasts from y alone"])
    }

    func testAForecastWithoutTheFutureValuesIsRefusedNamingTheSeriesAndRegressors() throws {
        let (run, _, future) = try runWithRegressors()
        let version = try StoreVersion(run: run, tasks: run.outcomes.indices.map { ($0, nil, nil) }, source: "run", metric: nil)
        XCTAssertThrowsError(try version.checkFuture(version.entries, future: nil, horizon: 4)) { e in
            XCTAssertEqual("\(e)", "series 'north': its model arima uses the regressors 'income', 'promo': a forecast needs their "
                           + "future values; give future: a data set with the same ids and those columns for the next 4 periods (2 series need them)")
        }
        XCTAssertThrowsError(try version.checkFuture(version.entries, future: future, horizon: 10)) { e in
            XCTAssertEqual(Self.text(e), "series 'north': horizon 10 but the future data set has 8 periods after 2017-10-01; it needs 10, from 2018-01-01")
        }
        let onlyIncome = try Self.load("consumption_future.csv", regressors: ["income"])
        XCTAssertThrowsError(try version.checkFuture(version.entries, future: onlyIncome, horizon: 4)) { e in
            XCTAssertEqual(Self.text(e), "the future data set has no regressor 'promo' (it has 'income')")
        }
        XCTAssertThrowsError(try version.checkFuture(version.entries, future: future.subset([1]), horizon: 4)) { e in
            XCTAssertEqual(Self.text(e), "series 'north': no rows in the future data set (it needs 4 periods after 2017-10-01)")
        }
        // Only the naive models: no future values needed, and given ones are not used.
        let naive = version.entries.filter { $0.model.name == "naive" }
        XCTAssertEqual(try version.checkFuture(naive, future: nil, horizon: 4), [])
        XCTAssertEqual(try version.checkFuture(naive, future: future, horizon: 4), ["the stored models use no regressors: future: is not used"])
        // Only south's arima: north's future rows are not needed.
        let south = version.entries.filter { $0.seriesID == "south" && $0.model.name == "arima" }
        XCTAssertEqual(try version.checkFuture(south, future: future.subset([1]), horizon: 8), [])
    }

    func testRefitNeedsTheSameRegressorColumns() throws {
        let (run, data, future) = try runWithRegressors()
        let version = try StoreVersion(run: run, tasks: run.outcomes.indices.map { ($0, nil, nil) }, source: "run", metric: nil)
        let plain = try Self.load("consumption.csv", regressors: [])
        XCTAssertThrowsError(try version.refitJob(on: plain, registry: Self.registry)) { e in
            XCTAssertEqual("\(e)", "the stored models use the regressors 'income', 'promo' and the new data has no regressors: "
                           + "load it with regressors: [\"income\", \"promo\"]")
        }
        XCTAssertThrowsError(try version.refitJob(on: try Self.load("consumption.csv", regressors: ["promo"]), registry: Self.registry)) { e in
            XCTAssertEqual("\(e)", "the stored models use the regressor 'income' and the new data has no column 'income' (it has 'promo')")
        }
        // With the future values: the new version's forecasts are a run's on the same data.
        let (job, tasks, notes, unforecast) = try version.refitJob(on: data, registry: Self.registry, future: future)
        XCTAssertEqual(notes, [])
        XCTAssertEqual(unforecast, 0)
        let refit = try Runner.run(job, tasks: tasks, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                                   progressOutput: .silent)
        let next = try StoreVersion(run: refit, tasks: tasks.map { ($0, nil, nil) }, source: "run", metric: nil)
        for (a, b) in zip(next.entries, version.entries) {
            XCTAssertEqual(a.seriesID, b.seriesID)
            XCTAssertEqual(a.regressors, b.regressors)
            XCTAssertEqual(a.forecast.count, b.forecast.count)
            for (x, y) in zip(a.forecast, b.forecast) { XCTAssertEqual(x, y, accuracy: 1e-9, "\(a.seriesID) \(a.model.name)") }
        }
        // Without them: the models with regressors are fitted only, and keep no forecast.
        let (job2, tasks2, _, unforecast2) = try version.refitJob(on: data, registry: Self.registry)
        XCTAssertEqual(unforecast2, 4)
        let fitted = try Runner.run(job2, tasks: tasks2, on: InlineExecutor(), cancel: CancelToken(), progress: .none,
                                    progressOutput: .silent)
        XCTAssertEqual(fitted.failedTasks, 0)
        let unforecastVersion = try StoreVersion(run: fitted, tasks: tasks2.map { ($0, nil, nil) }, source: "run", metric: nil)
        XCTAssertEqual(unforecastVersion.entries.map { $0.forecast.isEmpty }, version.entries.map { $0.model.name != "naive" })
        // ... and forecast later from the new version with the future values, as the run.
        assertSameForecasts(try forecast(unforecastVersion, unforecastVersion.entries, horizon: 8, future: future), unforecastVersion, run)
        // Extra columns the store did not have are left out, with a note.
        var extra = data
        extra.regressorNames.append("noise")
        extra.regressors.append(data.y.map { $0 * 0.5 })
        XCTAssertEqual(try version.refitJob(on: extra, registry: Self.registry, future: future).notes,
                       ["the stored models were fitted without the regressor 'noise': left out"])
    }

    /// A store written before regressors (schema 1: no regressor columns) reads as one
    /// without them, read-only as it is, and is migrated when opened for writing.
    func testAStoreOfSchemaOneStillOpens() throws {
        let (run, _, _) = try runWithRegressors()
        let naive = run.outcomes.indices.filter { run.models[run.plan.task($0).model].name == "naive" }
        var version = try StoreVersion(run: run, tasks: naive.map { ($0, nil, nil) }, source: "run", metric: nil)
        version.data.regressorNames = []
        version.data.regressors = []
        let path = temporaryStorePath()
        _ = try SQLiteModelStore(path: path).save(version)
        // Back to the schema-1 layout, as an older fcast wrote it.
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                ALTER TABLE versions DROP COLUMN regressors;
                ALTER TABLE series DROP COLUMN x;
                ALTER TABLE entries DROP COLUMN regressors;
                UPDATE store_info SET value = '1' WHERE key = 'schema';
                DELETE FROM grdb_migrations WHERE identifier = 'v2 regressors';
                """)
            XCTAssertFalse(try db.columns(in: "series").contains { $0.name == "x" })
        }
        let old = try XCTUnwrap(try SQLiteModelStore(path: path, readOnly: true).latest())
        XCTAssertEqual(old.data.regressorNames, [])
        XCTAssertEqual(old.entries.count, 2)
        XCTAssertTrue(old.entries.allSatisfy { $0.regressors.isEmpty })
        XCTAssertEqual(Array(old.entries[0].forecast.prefix(8)), Array(version.entries[0].forecast.prefix(8)))
        let f = try forecast(old, old.entries, horizon: 8, future: nil)
        XCTAssertEqual(f.failedTasks, 0)
        // Opened for writing: migrated to schema 2, and a version with regressors saves beside it.
        let writable = try SQLiteModelStore(path: path)
        let schema = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "SELECT value FROM store_info WHERE key = 'schema'") }
        XCTAssertEqual(schema, "2")
        XCTAssertEqual(try writable.latest()?.entries.count, 2)
        let full = try StoreVersion(run: run, tasks: run.outcomes.indices.map { ($0, nil, nil) }, source: "run", metric: nil)
        XCTAssertEqual(try writable.save(full), 2)
        XCTAssertEqual(try writable.latest()?.regressorsUsed, ["income", "promo"])
    }
}
