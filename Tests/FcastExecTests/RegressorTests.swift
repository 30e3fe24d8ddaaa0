import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import Foundation
import XCTest

/// Exogenous regressors through the host (issue 19 item 4): the ABI's fc_series.x and
/// fc_predict_request.x filled for plugins that declare FC_CAP_EXOGENOUS, future values
/// from `future:` or (cross-validation) from the held-out rows, checked with errors naming
/// series, regressor and periods, the same numbers on the processes executor, and a plan
/// hash that regressors change. Data: examples/data/consumption.csv (quarterly, two series,
/// income and promo) and consumption_future.csv (the next 8 quarters).
final class RegressorTests: XCTestCase {
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
        let a = try XCTUnwrap(Self.registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        return ModelSpec(algorithm: a, values: values)
    }

    func job(_ models: [ModelSpec], _ data: Panel, future: Panel?, horizon: Int = 8) -> Job {
        var named = models
        ModelSpec.assignNames(&named)
        let options = RunOptions(horizon: horizon, levels: [95], seed: 7)
        return Job(plan: Runner.plan(named, on: data, options: options, future: future), models: named, data: data, future: future)
    }

    func run(_ job: Job, on executor: any Executor = InlineExecutor()) throws -> RunResult {
        try Runner.run(job, on: executor, cancel: CancelToken(), progress: .none, progressOutput: .silent)
    }

    /// R 4.2.2 forecast 8.20: forecast(Arima(y, order = c(1,0,0), xreg = X), xreg = XF)$mean
    /// (Tests/reference/regressors/arima_xreg.R; the same figures as ArimaTests' XregRTests).
    static let rMean: [String: [Double]] = [
        "north": [0.70711139, 0.63773262, 0.87551900, 1.19230116, 1.18258822, 0.75898393, 0.75819802, 0.21131705],
        "south": [1.23609316, 0.32529831, 0.85271489, 0.85197215, 1.08631034, 0.76549085, 0.56574205, 1.02706888],
    ]

    func testArimaGetsTheRegressorsThroughTheABIAndMatchesR() throws {
        let data = try Self.load("consumption.csv"), future = try Self.load("consumption_future.csv")
        try Regressors.checkFuture(data: data, future: future, horizon: 8)
        let j = job([try spec("arima", ["order": .list([1, 0, 0])]), try spec("naive")], data, future: future)
        let res = try run(j)
        XCTAssertEqual(res.failedTasks, 0, "\(res.outcomes)")
        for s in 0..<data.count {
            let mean = Array(res.meanSlice(model: 0, series: s))
            for (t, r) in Self.rMean[data.ids[s]]!.enumerated() { XCTAssertEqual(mean[t], r, accuracy: 1e-3, "\(data.ids[s]) h=\(t + 1)") }
            XCTAssertEqual(res.descriptions[res.task(model: 0, series: s)], "Regression with ARIMA(1,0,0) errors")
        }
        // naive declares no regressors: it gets none and forecasts as without them
        let plain = try run(job([try spec("naive")], try LongCSV.load(path: TestSupport.exampleData("consumption.csv").path), future: nil))
        XCTAssertEqual(Array(res.meanSlice(model: 1, series: 0)), Array(plain.meanSlice(model: 0, series: 0)))
        // the same numbers on worker processes (the JOB frame carries the regressors)
        let p = try run(j, on: try ProcessExecutor(workers: 2, executable: TestSupport.fcastBinary))
        XCTAssertEqual(p.failedTasks, 0)
        XCTAssertEqual(p.mean, res.mean)
        XCTAssertEqual(p.lo, res.lo)
    }

    func testCrossValidationTakesFutureRegressorsFromTheHeldOutRows() throws {
        let data = try Self.load("consumption.csv")
        let arima = try spec("arima", ["order": .list([1, 0, 0])])
        var models = [arima]
        ModelSpec.assignNames(&models)
        let cv = try CrossValidation.job(models, on: data, dataName: "consumption", horizon: 4, windows: 2, step: 4, levels: [], seed: 1)
        let res = try run(cv)
        XCTAssertEqual(res.failedTasks, 0, "\(res.outcomes)")
        // window 2 of series north is the fit on the first 60 points with the last 4 rows'
        // regressors as future values: the same as fitting the split by hand
        let (train, test) = try data.subset([0]).split(last: 4)
        let byHand = try run(job([arima], train, future: test, horizon: 4))
        XCTAssertEqual(byHand.failedTasks, 0)
        let h = 4
        let k = cv.plan.taskIndex(TaskRef(series: 0, model: 0, window: 1))
        XCTAssertEqual(Array(res.mean[(k * h)..<(k * h + h)]), Array(byHand.meanSlice(model: 0, series: 0)))
    }

    func testFutureErrorsNameTheSeriesTheRegressorAndThePeriods() throws {
        let data = try Self.load("consumption.csv"), future = try Self.load("consumption_future.csv")
        func message(_ future: Panel?, horizon: Int = 8, _ data: Panel? = nil) -> String {
            do {
                try Regressors.checkFuture(data: data ?? (try! Self.load("consumption.csv")), future: future, horizon: horizon)
                return "no error"
            } catch { return "\(error)".replacingOccurrences(of: "error: ", with: "") }
        }
        XCTAssertEqual(message(future, horizon: 10),
                       "series 'north': horizon 10 but the future data set has 8 periods after 2017-10-01; it needs 10, from 2018-01-01")
        XCTAssertTrue(message(nil).hasPrefix("the data set has regressors ('income', 'promo'): a forecast needs their future values"), message(nil))
        XCTAssertEqual(message(try Self.load("consumption_future.csv", regressors: ["income"])),
                       "the future data set has no regressor 'promo' (it has 'income')")
        XCTAssertEqual(message(future.subset([1])),
                       "series 'north': no rows in the future data set (it needs 8 periods after 2017-10-01)")
        var holes = future
        let north = holes.range(0)
        for i in [north.lowerBound + 2, north.lowerBound + 3, north.lowerBound + 4] { holes.regressors[1][i] = .nan }
        XCTAssertEqual(message(holes),
                       "series 'north': future values of 'promo' missing for 2018-07-01 .. 2019-01-01 (3 of 8 periods)")
        XCTAssertEqual(message(nil, horizon: 8, try LongCSV.load(path: TestSupport.exampleData("consumption.csv").path)), "no error")
        XCTAssertEqual(message(future, horizon: 8, try LongCSV.load(path: TestSupport.exampleData("consumption.csv").path)),
                       "future: was given but the data set has no regressors (load it with regressors: [...])")
    }

    func testRegressorsAndFutureValuesChangeThePlan() throws {
        let withX = try Self.load("consumption.csv"), future = try Self.load("consumption_future.csv")
        let plain = try LongCSV.load(path: TestSupport.exampleData("consumption.csv").path)
        let models = [try spec("arima", ["order": .list([1, 0, 0])])]
        let options = RunOptions(horizon: 8, levels: [], seed: 1)
        let a = Runner.plan(models, on: plain, options: options)
        let b = Runner.plan(models, on: withX, options: options, future: future)
        var otherFuture = future
        otherFuture.regressors[0][0] += 1
        let c = Runner.plan(models, on: withX, options: options, future: otherFuture)
        XCTAssertNotEqual(a.data.fingerprint, b.data.fingerprint)
        XCTAssertNotEqual(a.hash, b.hash)
        XCTAssertNotEqual(b.hash, c.hash)
        XCTAssertEqual(try Plan.decode(b.canonicalJSON()), b)
        // a journal of the other plan says what changed
        XCTAssertTrue(c.changes(from: b).contains { $0.hasPrefix("the future regressors changed") }, "\(c.changes(from: b))")
        XCTAssertTrue(b.changes(from: a).contains { $0.hasPrefix("the run has future regressors") }, "\(b.changes(from: a))")
        // without regressors the plan's JSON is as before (no "future" key)
        XCTAssertFalse(String(decoding: a.canonicalJSON(), as: UTF8.self).contains("future"))
    }

    func testFutureDataSetMayOmitTheValueColumn() throws {
        var o = LongCSVOptions()
        o.regressors = ["income", "promo"]
        let p = try LongCSV.parse(text: "unique_id,ds,income,promo\nnorth,2018-01-01,0.5,1\nnorth,2018-04-01,0.7,0\n", name: "fut.csv", options: o)
        XCTAssertEqual(p.count, 1)
        XCTAssertTrue(p.y.allSatisfy(\.isNaN))
        XCTAssertEqual(p.regressors, [[0.5, 0.7], [1, 0]])
        // without regressors the value column is required as before
        XCTAssertThrowsError(try LongCSV.parse(text: "unique_id,ds,income\nnorth,2018-01-01,0.5\n", name: "fut.csv")) { e in
            XCTAssertTrue("\(e)".contains("no column 'y'"), "\(e)")
        }
    }
}
