import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastServe
import FcastStore
import FcastTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// Serving models that use exogenous regressors (issue 19 item 4): POST /v1/forecast takes
/// each series' future regressor values ("regressors": {id: {name: [...]}}) and answers the
/// numbers of run(..., future:); GET /v1/series/{id} names the regressors a model needs;
/// missing, short or non-numeric values are refused naming the series and regressor. Data:
/// examples/data/consumption.csv and consumption_future.csv (income, promo; 8 quarters).
final class ServeRegressorTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        for name in ["naive", "arima", "prophet"] {
            _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so").path)
        }
        return r
    }()

    static func load(_ file: String) throws -> Panel {
        var o = LongCSVOptions()
        o.regressors = ["income", "promo"]
        return try LongCSV.load(path: TestSupport.exampleData(file).path, options: o)
    }

    /// run([arima(order: [1, 0, 0]), prophet(), naive()], consumption, horizon: 8, level: [80, 95], future:).
    static let fixture: Result<(RunResult, Panel), StoreError> = {
        do {
            let data = try load("consumption.csv"), future = try load("consumption_future.csv")
            var models: [ModelSpec] = []
            for (name, values) in [("arima", ["order": ParameterValue.list([1, 0, 0])]), ("prophet", [:]), ("naive", [:])] {
                guard let a = registry.algorithm(named: name) else { throw StoreError("no plugin for \(name)") }
                models.append(ModelSpec(algorithm: a, values: values))
            }
            ModelSpec.assignNames(&models)
            let options = RunOptions(horizon: 8, levels: [80, 95], seed: 5)
            let job = Job(plan: Runner.plan(models, on: data, dataName: "consumption", options: options, future: future),
                          models: models, data: data, future: future)
            let run = try Runner.run(job, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                                     progressOutput: .silent)
            return .success((run, future))
        } catch {
            return .failure(StoreError("\(error)"))
        }
    }()

    /// A version of the run's model `model[s]` for each series s (north, south).
    func version(_ chosen: [String]) throws -> (StoreVersion, RunResult, Panel) {
        let (run, future) = try Self.fixture.get()
        XCTAssertEqual(run.failedTasks, 0)
        let tasks = chosen.enumerated().map { s, name in
            run.plan.taskIndex(TaskRef(series: s, model: run.models.firstIndex { $0.name == name }!))
        }
        let v = try StoreVersion(run: run, tasks: tasks.map { ($0, nil, nil) }, source: "best", metric: "mase")
        return (v, run, future)
    }

    func withApp(_ version: StoreVersion, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        let served = try ServedVersion(version, registry: Self.registry, workers: 2)
        XCTAssertEqual(served.readyCount, version.entries.count, "\(served.series.map { $0.failure ?? "ok" })")
        let app = Application(router: ServeRoutes.router(ServedModels(served), options: ServeOptions()))
        try await app.test(.router) { client in try await body(client) }
    }

    /// The future values of series `s` as a request's JSON: {"income": [...], "promo": [...]}.
    static func values(_ future: Panel, _ s: Int, count: Int = 8) -> String {
        let r = future.range(s)
        let lists = future.regressorNames.enumerated().map { j, name in
            "\"\(name)\": [" + future.regressors[j][r].prefix(count).map { "\($0)" }.joined(separator: ", ") + "]"
        }
        return "{" + lists.joined(separator: ", ") + "}"
    }

    struct Answer: Decodable {
        struct Forecast: Decodable { var id: String; var model: String; var mean: [Double]; var lo: [String: [Double]]; var hi: [String: [Double]] }
        var forecasts: [Forecast]
    }

    func testForecastsWithFutureRegressorsAreTheRunsNumbers() async throws {
        let (version, run, future) = try version(["arima", "prophet"])
        let body = #"{"ids": ["north", "south"], "horizon": 8, "regressors": {"north": \#(Self.values(future, 0)), "south": \#(Self.values(future, 1))}}"#
        try await withApp(version) { client in
            let (s, _, text) = try await ServeRoutesTests.call(client, .post, "/v1/forecast", body: body)
            XCTAssertEqual(s, 200, text)
            // JSONDecoder reads doubles exactly.
            let answer = try JSONDecoder().decode(Answer.self, from: Data(text.utf8))
            XCTAssertEqual(answer.forecasts.map(\.model), ["arima", "prophet"])
            for (series, f) in answer.forecasts.enumerated() {
                let m = run.models.firstIndex { $0.name == f.model }!
                for (a, b) in zip(f.mean, run.meanSlice(model: m, series: series)) { XCTAssertEqual(a, b, accuracy: 1e-9, f.id) }
                for (a, b) in zip(f.hi["95"] ?? [], run.hiSlice(model: m, series: series, level: 1)) { XCTAssertEqual(a, b, accuracy: 1e-9, f.id) }
                XCTAssertEqual(f.mean.count, 8)
            }
            // A shorter horizon uses the first values.
            let (s4, _, text4) = try await ServeRoutesTests.call(client, .post, "/v1/forecast",
                body: #"{"ids": ["north"], "horizon": 4, "regressors": {"north": \#(Self.values(future, 0))}}"#)
            XCTAssertEqual(s4, 200, text4)
            let four = try JSONDecoder().decode(Answer.self, from: Data(text4.utf8)).forecasts[0].mean
            for (a, b) in zip(four, run.meanSlice(model: 0, series: 0).prefix(4)) { XCTAssertEqual(a, b, accuracy: 1e-9) }
            // The series says which regressors its model needs.
            let (d, detail, _) = try await ServeRoutesTests.call(client, .get, "/v1/series/north")
            XCTAssertEqual(d, 200)
            XCTAssertEqual((detail as? [String: Any])?["regressors"] as? [String], ["income", "promo"])
        }
    }

    func testMissingShortOrBadRegressorValuesAreRefusedNamingThem() async throws {
        let (version, _, future) = try version(["arima", "naive"])
        let north = Self.values(future, 0), short = Self.values(future, 0, count: 3)
        let cases: [(String, Int, String)] = [
            (#"{"ids": ["north"], "horizon": 4}"#, 422,
             #"series 'north': its model arima uses the regressors 'income', 'promo': give their 4 future values in field 'regressors'"#),
            (#"{"ids": ["north"], "horizon": 4, "regressors": {"north": {"income": [1, 2, 3, 4]}}}"#, 422,
             "series 'north': no future values of regressor 'promo' (its model uses 'income', 'promo')"),
            (#"{"ids": ["north"], "horizon": 4, "regressors": {"north": \#(short)}}"#, 422,
             "series 'north': regressor 'income' has 3 future values; horizon 4 needs 4"),
            (#"{"ids": ["north"], "horizon": 2, "regressors": {"north": {"income": [1, "x"], "promo": [0, 0]}}}"#, 400,
             "field 'regressors.north.income[1]' must be a number"),
            (#"{"ids": ["north"], "horizon": 2, "regressors": {"north": {"income": [1, null], "promo": [0, 0]}}}"#, 400,
             "field 'regressors.north.income[1]' must not be null"),
            (#"{"ids": ["north"], "horizon": 2, "regressors": {"north": {"income": 1, "promo": [0, 0]}}}"#, 400,
             "field 'regressors.north.income' must be a list of numbers"),
            (#"{"ids": ["north"], "horizon": 2, "regressors": [1]}"#, 400,
             "field 'regressors' must be an object: per series id, per regressor, a list of numbers"),
            (#"{"ids": ["north"], "horizon": 2, "regressors": {"north": {"income": [1, 2], "promo": [0, 0], "price": [1, 1]}}}"#, 400,
             "field 'regressors.north': series 'north' has no regressor 'price'; its model uses 'income', 'promo'"),
            (#"{"ids": ["north"], "horizon": 2, "regressors": {"north": \#(north), "east": \#(north)}}"#, 400,
             "field 'regressors': series 'east' is not in 'ids'"),
        ]
        try await withApp(version) { client in
            for (body, status, message) in cases {
                let (s, out, _) = try await ServeRoutesTests.call(client, .post, "/v1/forecast", body: body)
                XCTAssertEqual(s, status, body)
                let error = (out as? [String: Any])?["error"] as? String ?? ""
                XCTAssertTrue(error.contains(message), "\(body): \(error)")
            }
            // south's naive needs none: it forecasts without them, and values given for it are not used.
            let (s, out, _) = try await ServeRoutesTests.call(client, .post, "/v1/forecast",
                body: #"{"ids": ["south"], "horizon": 3, "regressors": {"south": {"income": [1, 2, 3]}}}"#)
            XCTAssertEqual(s, 200)
            XCTAssertEqual(((out as? [String: Any])?["forecasts"] as? [[String: Any]])?.first?["model"] as? String, "naive")
            let (_, detail, _) = try await ServeRoutesTests.call(client, .get, "/v1/series/south")
            XCTAssertEqual((detail as? [String: Any])?["regressors"] as? [String], [])
        }
    }

    /// A version refitted without the regressors' future values stores no forecast for the
    /// models that use them: the series detail has empty stored lists, and it still forecasts.
    func testASeriesWithoutAStoredForecastStillServes() async throws {
        let (chosen, run, future) = try version(["arima", "naive"])
        var version = chosen
        version.entries[0].forecast = []
        try await withApp(version) { client in
            let (d, detail, _) = try await ServeRoutesTests.call(client, .get, "/v1/series/north")
            XCTAssertEqual(d, 200)
            let stored = try XCTUnwrap((detail as? [String: Any])?["stored"] as? [String: Any])
            XCTAssertEqual(stored["ds"] as? [String], [])
            XCTAssertEqual(stored["mean"] as? [Double], [])
            let (s, _, text) = try await ServeRoutesTests.call(client, .post, "/v1/forecast",
                body: #"{"ids": ["north"], "horizon": 8, "regressors": {"north": \#(Self.values(future, 0))}}"#)
            XCTAssertEqual(s, 200, text)
            let mean = try JSONDecoder().decode(Answer.self, from: Data(text.utf8)).forecasts[0].mean
            for (a, b) in zip(mean, run.meanSlice(model: 0, series: 0)) { XCTAssertEqual(a, b, accuracy: 1e-9) }
            XCTAssertEqual(mean.count, 8)
        }
    }

    /// Through the binaries: a store saved by a script, `fcast predict --future`, and
    /// `fcast serve` answering raw HTTP with the regressors in the body: the same numbers.
    func testFcastServeAndFcastPredictWithRegressorsGiveTheSameNumbers() throws {
        let dir = TestSupport.temporaryDirectory()
        let store = dir.appendingPathComponent("models/c.db").path
        let data = TestSupport.exampleData("consumption.csv").path, futurePath = TestSupport.exampleData("consumption_future.csv").path
        let script = try TestSupport.write("""
            d = load("\(data)", regressors: ["income", "promo"])
            fut = load("\(futurePath)", regressors: ["income", "promo"])
            save(run(arima(order: [1, 0, 0]), d, horizon: 8, level: [80], future: fut), "\(store)")
            """, to: "save.fc", in: dir)
        let saved = try TestSupport.fcast(["run", script.path])
        XCTAssertEqual(saved.status, 0, saved.stderr)
        // Without the future values: refused, naming the series and the regressors.
        let csvPath = dir.appendingPathComponent("f.csv").path
        let refused = try TestSupport.fcast(["predict", store, "--horizon", "4", "--out", csvPath])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("series 'north': its model arima uses the regressors 'income', 'promo'"), refused.stderr)
        let p = try TestSupport.fcast(["predict", store, "--horizon", "8", "--future", futurePath, "--out", csvPath])
        XCTAssertEqual(p.status, 0, p.stderr)
        let rows = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        XCTAssertEqual(rows.count, 2 * 8)
        let future = try Self.load("consumption_future.csv")
        let server = try ServerProcess(store: store)
        defer { _ = server.stop() }
        let body = #"{"ids": ["north", "south"], "horizon": 8, "regressors": {"north": \#(Self.values(future, 0)), "south": \#(Self.values(future, 1))}}"#
        let r = try RawHTTP.request(port: server.port, "POST", "/v1/forecast", body: body)
        XCTAssertEqual(r.status, 200, r.body)
        let answer = try JSONDecoder().decode(ServeProcessTests.Answer.self, from: Data(r.body.utf8))
        XCTAssertEqual(answer.forecasts.map(\.id), ["north", "south"])
        var compared = 0
        for f in answer.forecasts {
            for (t, row) in rows.filter({ $0[0] == f.id }).enumerated() {
                XCTAssertEqual(row[1], f.ds[t])
                let expected = row[3...].map { Double($0)!.bitPattern }
                XCTAssertEqual([f.mean[t], f.lo["80"]![t], f.hi["80"]![t]].map(\.bitPattern), expected, "\(f.id) step \(t + 1)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 16)
        let short = try RawHTTP.request(port: server.port, "POST", "/v1/forecast",
                                        body: #"{"ids": ["south"], "horizon": 8, "regressors": {"south": \#(Self.values(future, 1, count: 5))}}"#)
        XCTAssertEqual(short.status, 422)
        XCTAssertTrue(short.body.contains("series 'south': regressor 'income' has 5 future values; horizon 8 needs 8"), short.body)
        let detail = try RawHTTP.request(port: server.port, "GET", "/v1/series/south")
        XCTAssertTrue(detail.body.contains(#""regressors":["income","promo"]"#), detail.body)
    }
}
