import FcastCore
@testable import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// Cross-validation without refitting (statsforecast's `refit: false | k`): window 1 is
/// fitted as with refit: true, later windows forecast from a fit of an earlier window's
/// data forwarded over their newer points (fcast.forward.v1), on every executor.
final class RefitTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        for name in ["naive", "arima", "ets", "theta", "prophet"] {
            _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_\(name).so").path)
        }
        return r
    }()
    static let visnights = try! LongCSV.load(path: TestSupport.exampleData("visnights.csv").path)
    /// Six series of visnights: enough for several workers, quick to fit.
    static let six = visnights.subset(Array(0..<6))

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:]) throws -> ModelSpec {
        let a = try XCTUnwrap(Self.registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        return ModelSpec(algorithm: a, values: values)
    }

    func models() throws -> [ModelSpec] {
        var m = [try spec("arima", ["order": .list([0, 1, 1]), "seasonal": .list([0, 1, 1])]),
                 try spec("ets", ["model": .string("ANA")]),
                 try spec("theta", ["model": .string("OTM")]),
                 try spec("drift")]
        ModelSpec.assignNames(&m)
        return m
    }

    func crossValidate(_ models: [ModelSpec], _ data: Panel, windows: Int = 4, refit: CrossValidation.Refit,
                       levels: [Double] = [], on executor: any Executor = InlineExecutor()) throws -> CVResult {
        let job = try CrossValidation.job(models, on: data, horizon: 4, windows: windows, refit: refit, levels: levels)
        let run = try Runner.run(job, on: executor, cancel: CancelToken(), progress: .none, progressOutput: .silent)
        return CVResult(run: run, step: 4)
    }

    /// The series' first `count` points as a plugin sees them.
    func withSeries<T>(_ data: Panel, _ s: Int, count: Int, _ body: (SeriesRef) throws -> T) rethrows -> T {
        let r = data.range(s)
        return try data.y.withUnsafeBufferPointer { y in
            try data.ds.withUnsafeBufferPointer { ds in
                try body(SeriesRef(id: data.ids[s], y: UnsafeBufferPointer(rebasing: y[r.lowerBound..<(r.lowerBound + count)]),
                                   ds: UnsafeBufferPointer(rebasing: ds[r.lowerBound..<(r.lowerBound + count)]),
                                   frequencyUnit: data.frequency.pluginUnit, frequencyStep: Int32(data.frequency.step)))
            }
        }
    }

    // MARK: Windows

    /// statsforecast: `should_fit = i_window == 0 or (refit > 0 and i_window % refit == 0)`.
    func testWhichWindowsAreFitted() {
        let never = CrossValidation.windows(horizon: 8, count: 4, step: 8, refit: .never)
        XCTAssertEqual(never.map(\.cutoff), [32, 24, 16, 8])
        XCTAssertEqual(never.map(\.fitCutoff), [nil, 32, 32, 32])
        let two = CrossValidation.windows(horizon: 8, count: 5, step: 8, refit: .every(2))
        XCTAssertEqual(two.map(\.fitCutoff), [nil, 40, nil, 24, nil])
        XCTAssertEqual(CrossValidation.windows(horizon: 8, count: 3, step: 8, refit: .always).map(\.fitCutoff), [nil, nil, nil])
        XCTAssertEqual(CrossValidation.refit(of: never), .never)
        XCTAssertEqual(CrossValidation.refit(of: two), .every(2))
        // Plans without refit keep the JSON (and hash) they had: no fitCutoff key.
        let json = String(decoding: Plan.canonicalJSON(CrossValidation.windows(horizon: 8, count: 2, step: 8)), as: UTF8.self)
        XCTAssertEqual(json, #"[{"cutoff":16},{"cutoff":8}]"#)
    }

    // MARK: refit: false

    /// Window 1 is refit: true's window 1, bit for bit; later windows are the first window's
    /// fit forwarded over the data up to their cutoff (done here by hand through the plugin
    /// calls), not new fits: their forecasts differ from refit: true's and their models are
    /// described as the first window's (OTM's fitted theta).
    func testRefitFalseForecastsLaterWindowsFromTheFirstFit() throws {
        let data = Self.six, models = try models()
        let always = try crossValidate(models, data, refit: .always)
        let once = try crossValidate(models, data, refit: .never)
        XCTAssertEqual(once.refit, .never)
        XCTAssertTrue(once.failures.isEmpty, "\(once.failures.map(\.failure.message))")
        for m in models.indices {
            for s in 0..<data.count {
                XCTAssertEqual(once.run.meanSlice(model: m, series: s, window: 0), always.run.meanSlice(model: m, series: s, window: 0))
                let config = try models[m].algorithm.configure(models[m].values)
                let n = data.length(s)
                let first = try withSeries(data, s, count: n - once.run.plan.windows[0].cutoff) { try config.fit($0) }
                for w in 1..<4 {
                    let count = n - once.run.plan.windows[w].cutoff
                    let forwarded = try withSeries(data, s, count: count) { try config.forward(first, to: $0) }
                    let byHand = try forwarded.predict(horizon: 4, futureDs: Array(once.run.futureSlice(series: s, window: w)),
                                                       levels: [])
                    XCTAssertEqual(Array(once.run.meanSlice(model: m, series: s, window: w)), byHand.mean,
                                   "\(models[m].name) \(data.ids[s]) window \(w + 1)")
                    if models[m].name.hasPrefix("theta") {
                        XCTAssertEqual(once.run.descriptions[once.run.task(model: m, series: s, window: w)],
                                       once.run.descriptions[once.run.task(model: m, series: s, window: 0)])
                    }
                }
            }
            // Estimated models give other forecasts than fits of the later windows' own data.
            if models[m].name != "drift" {
                XCTAssertNotEqual(once.run.meanSlice(model: m, series: 0, window: 3), always.run.meanSlice(model: m, series: 0, window: 3),
                                  models[m].name)
            }
        }
        // drift has no parameters beyond its data: forwarding is fitting the new data.
        let drift = models.firstIndex { $0.name == "drift" }!
        for w in 0..<4 {
            XCTAssertEqual(once.run.meanSlice(model: drift, series: 2, window: w), always.run.meanSlice(model: drift, series: 2, window: w))
        }
    }

    /// refit: 2 fits at windows 1 and 3 (refit: true's forecasts there); window 2 forwards the
    /// fit of window 1, window 4 that of window 3.
    func testRefitTwoFitsAtWindowsOneAndThree() throws {
        let data = Self.six, models = [try models()[1]]
        let always = try crossValidate(models, data, refit: .always)
        let once = try crossValidate(models, data, refit: .never)
        let two = try crossValidate(models, data, refit: .every(2))
        for s in 0..<data.count {
            func mean(_ cv: CVResult, _ w: Int) -> ArraySlice<Double> { cv.run.meanSlice(model: 0, series: s, window: w) }
            XCTAssertEqual(mean(two, 0), mean(always, 0))
            XCTAssertEqual(mean(two, 1), mean(once, 1))      // window 1's fit, forwarded
            XCTAssertEqual(mean(two, 2), mean(always, 2))    // fitted again
            XCTAssertNotEqual(mean(two, 3), mean(always, 3))
            // Window 4 forwards window 3's fit: by hand.
            let config = try models[0].algorithm.configure(models[0].values)
            let n = data.length(s)
            let fit3 = try withSeries(data, s, count: n - two.run.plan.windows[2].cutoff) { try config.fit($0) }
            let fwd = try withSeries(data, s, count: n - two.run.plan.windows[3].cutoff) { try config.forward(fit3, to: $0) }
            let f = try fwd.predict(horizon: 4, futureDs: Array(two.run.futureSlice(series: s, window: 3)), levels: [])
            XCTAssertEqual(Array(mean(two, 3)), f.mean)
        }
    }

    // MARK: Executors

    /// Threads (tasks of one series on several threads at once, sharing one fit) and worker
    /// processes (each fitting what its tasks need) give inline's numbers, intervals included.
    func testThreadsAndProcessesGiveInlineNumbers() throws {
        let data = Self.six, models = try models()
        for refit in [CrossValidation.Refit.never, .every(2)] {
            let inline = try crossValidate(models, data, refit: refit, levels: [80])
            let threads = try crossValidate(models, data, refit: refit, levels: [80], on: ThreadExecutor(workers: 4))
            let processes = try crossValidate(models, data, refit: refit, levels: [80],
                                              on: try ProcessExecutor(workers: 2, executable: TestSupport.fcastBinary))
            XCTAssertTrue(inline.failures.isEmpty)
            for other in [threads, processes] {
                let what = "\(other.run.executor), refit: \(refit)"
                XCTAssertEqual(other.run.outcomes.map(\.isFailure), inline.run.outcomes.map(\.isFailure), what)
                XCTAssertEqual(other.run.mean, inline.run.mean, what)
                XCTAssertEqual(other.run.lo, inline.run.lo, what)
                XCTAssertEqual(other.run.hi, inline.run.hi, what)
                XCTAssertEqual(other.run.descriptions, inline.run.descriptions, what)
            }
        }
    }

    // MARK: Failures

    /// A model whose plugin cannot forward is refused before anything runs, by name.
    func testAModelWithoutForwardIsRefusedByName() throws {
        let models = [try spec("prophet"), try spec("naive")]
        XCTAssertThrowsError(try CrossValidation.job(models, on: Self.six, horizon: 4, windows: 3, refit: .never)) { e in
            XCTAssertEqual("\(e)", "refit: false needs models that can forecast from new data without fitting again; prophet cannot")
        }
        // refit: true needs nothing of the kind.
        XCTAssertNoThrow(try CrossValidation.job(models, on: Self.six, horizon: 4, windows: 3, refit: .always))
    }

    /// A fit that fails on the first window's data fails every window that forwards it, with
    /// its message; a window fitted again on longer data succeeds (refit: 2).
    func testAFailedFitFailsTheWindowsThatForwardIt() throws {
        // 12 points; horizon 2, 4 windows, step 2: window 1 trains on 4 points, too few for
        // snaive(season: 4) (it needs 5); windows 3 and 4 train on 8 and 10.
        let ds = (0..<12).map { Frequency.monthly.advance(Timestamp.parse("2020-01-01")!.0, by: $0) }
        let data = Panel(series: [(id: "a", ds: ds, y: (0..<12).map { Double($0 % 4) + Double($0) })], frequency: .monthly)
        var models = [try spec("snaive", ["season": .int(4)])]
        ModelSpec.assignNames(&models)
        func cv(_ refit: CrossValidation.Refit) throws -> CVResult {
            let job = try CrossValidation.job(models, on: data, horizon: 2, windows: 4, step: 2, refit: refit)
            return CVResult(run: try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none,
                                                progressOutput: .silent), step: 2)
        }
        let once = try cv(.never)
        XCTAssertEqual(once.failures.map(\.window), [0, 1, 2, 3])
        XCTAssertEqual(Set(once.failures.map(\.failure.message)).count, 1)
        XCTAssertTrue(once.failures[0].failure.message.contains("snaive needs at least 5 points"), once.failures[0].failure.message)
        let two = try cv(.every(2))
        XCTAssertEqual(two.failures.map(\.window), [0, 1])
        XCTAssertTrue(two.isOK(model: 0, series: 0, window: 2) && two.isOK(model: 0, series: 0, window: 3))
    }
}

/// A global model (global_xgb) without refitting: one fit across all series on window 1's
/// data serves every later window, each forecasting its series' data up to its own cutoff
/// (predict_global takes the series: no forward needed). Inline only, as GlobalExecutorTests.
final class GlobalRefitTests: XCTestCase {
    func testOneGlobalFitServesEveryWindow() throws {
        let g = try XCTUnwrap(GlobalExecutorTests.registry.algorithm(named: "global_xgb"), "libfcast_global.so not built")
        var models = [ModelSpec(algorithm: g, values: ["rounds": .int(30), "calibration": .int(4)])]
        ModelSpec.assignNames(&models)
        let data = GlobalExecutorTests.visnights
        func run(_ refit: CrossValidation.Refit) throws -> RunResult {
            let windows = CrossValidation.windows(horizon: 8, count: 3, step: 8, refit: refit)
            let job = Job(plan: Runner.plan(models, on: data, options: RunOptions(horizon: 8, seed: 7), windows: windows),
                          models: models, data: data, keep: .fitted)
            return try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        }
        let once = try run(.never), always = try run(.always)
        guard case .fitted(let first)? = once.kept[once.task(model: 0, series: 0, window: 0)] else { return XCTFail("no kept model") }
        for s in 0..<data.count {
            XCTAssertEqual(once.meanSlice(model: 0, series: s, window: 0), always.meanSlice(model: 0, series: s, window: 0))
            for w in 1..<3 {
                guard case .fitted(let m)? = once.kept[once.task(model: 0, series: s, window: w)] else { return XCTFail("no kept model") }
                XCTAssertTrue(m === first, "series \(s) window \(w + 1) has a fit of its own")
                XCTAssertTrue(once.meanSlice(model: 0, series: s, window: w).allSatisfy(\.isFinite))
            }
        }
        // Later windows forecast from other data than window 1's, with window 1's model.
        XCTAssertNotEqual(once.meanSlice(model: 0, series: 0, window: 2), once.meanSlice(model: 0, series: 0, window: 0))
        XCTAssertNotEqual(once.meanSlice(model: 0, series: 0, window: 2), always.meanSlice(model: 0, series: 0, window: 2))
    }
}
