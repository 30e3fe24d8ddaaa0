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

/// Serving a store whose chosen models include a global one (global_xgb: one XGBoost model
/// fitted across every series). A global model forecasts a series from that series' history
/// (predict_global), so the server gives it the stored data, as the run did: POST /v1/forecast
/// answers the run's numbers, means and 80% bounds, for global and local winners alike.
/// Data: examples/data/visnights.csv (20 quarterly series).
final class ServeGlobalTests: XCTestCase {
    static let registry = TestSupport.registry(["naive", "global"])

    /// run([global_xgb(rounds: 20), snaive()], visnights, horizon: 8, level: [80]).
    static let fixture: Result<RunResult, StoreError> = {
        do {
            let data = try LongCSV.load(path: TestSupport.exampleData("visnights.csv").path, options: LongCSVOptions())
            var models: [ModelSpec] = []
            for (name, values) in [("global_xgb", ["rounds": ParameterValue.int(20)]), ("snaive", [:])] {
                guard let a = registry.algorithm(named: name) else { throw StoreError("no plugin for \(name)") }
                models.append(ModelSpec(algorithm: a, values: values))
            }
            ModelSpec.assignNames(&models)
            let options = RunOptions(horizon: 8, levels: [80], seed: 3)
            let job = Job(plan: Runner.plan(models, on: data, dataName: "visnights", options: options),
                          models: models, data: data)
            let run = try Runner.run(job, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                                     progressOutput: .silent)
            return .success(run)
        } catch {
            return .failure(StoreError("\(error)"))
        }
    }()

    struct Answer: Decodable {
        struct Forecast: Decodable { var id: String; var model: String; var mean: [Double]; var lo: [String: [Double]]; var hi: [String: [Double]] }
        var forecasts: [Forecast]
    }

    func testAGlobalWinnerServesTheRunsNumbers() async throws {
        let run = try Self.fixture.get()
        XCTAssertEqual(run.failedTasks, 0)
        // global_xgb for even series, snaive for odd ones
        let n = run.train.ids.count
        let tasks = (0..<n).map { s in run.plan.taskIndex(TaskRef(series: s, model: s % 2 == 0 ? 0 : 1)) }
        let version = try StoreVersion(run: run, tasks: tasks.map { ($0, nil, nil) }, source: "best", metric: "mase")
        let served = try ServedVersion(version, registry: Self.registry, workers: 2)
        XCTAssertEqual(served.readyCount, n, "\(served.series.map { $0.failure ?? "ok" })")
        let app = Application(router: ServeRoutes.router(ServedModels(served), options: ServeOptions()))
        let ids = run.train.ids
        try await app.test(.router) { client in
            let list = ids.map { "\"\($0)\"" }.joined(separator: ", ")
            let (s, _, text) = try await ServeRoutesTests.call(client, .post, "/v1/forecast",
                                                               body: #"{"ids": [\#(list)], "horizon": 8, "level": [80]}"#)
            XCTAssertEqual(s, 200, text)
            let answer = try JSONDecoder().decode(Answer.self, from: Data(text.utf8))
            XCTAssertEqual(answer.forecasts.count, n, text)
            var globals = 0
            for (series, f) in answer.forecasts.enumerated() {
                XCTAssertEqual(f.id, ids[series])
                let m = series % 2 == 0 ? 0 : 1
                XCTAssertEqual(f.model, run.models[m].name)
                if m == 0 { globals += 1 }
                XCTAssertEqual(f.mean.count, 8)
                for (a, b) in zip(f.mean, run.meanSlice(model: m, series: series)) { XCTAssertEqual(a, b, accuracy: 1e-9, f.id) }
                for (a, b) in zip(f.lo["80"] ?? [], run.loSlice(model: m, series: series, level: 0)) { XCTAssertEqual(a, b, accuracy: 1e-9, f.id) }
                for (a, b) in zip(f.hi["80"] ?? [], run.hiSlice(model: m, series: series, level: 0)) { XCTAssertEqual(a, b, accuracy: 1e-9, f.id) }
                XCTAssertEqual(f.hi["80"]?.count, 8, f.id)
            }
            XCTAssertEqual(globals, 10)
        }
    }
}
