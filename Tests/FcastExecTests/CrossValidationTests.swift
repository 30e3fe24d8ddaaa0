import FcastCore
import Foundation
@testable import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// Rolling-origin cross-validation, its scores and conformal intervals, on hand-computed
/// examples and the bundled quarterly tourism data.
final class CrossValidationTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_naive.so").path)
        return r
    }()
    static let visnights = try! LongCSV.load(path: TestSupport.exampleData("visnights.csv").path)

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:]) throws -> ModelSpec {
        let a = try XCTUnwrap(Self.registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        return ModelSpec(algorithm: a, values: values)
    }

    func crossValidate(_ models: [ModelSpec], _ data: Panel, horizon: Int, windows: Int, step: Int? = nil,
                       levels: [Double] = []) throws -> CVResult {
        var named = models
        ModelSpec.assignNames(&named)
        let job = try CrossValidation.job(named, on: data, horizon: horizon, windows: windows, step: step, levels: levels)
        let run = try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        return CVResult(run: run, step: step ?? horizon)
    }

    /// One monthly series of 10 points.
    func tiny() -> Panel {
        let y: [Double] = [1, 3, 2, 5, 4, 6, 8, 7, 9, 10]
        let ds = (0..<10).map { Frequency.monthly.advance(Timestamp.parse("2020-01-01")!.0, by: $0) }
        return Panel(series: [(id: "a", ds: ds, y: y)], frequency: .monthly)
    }

    // MARK: Windows

    /// statsforecast's definition (its discussion #814 records it on 57 points numbered 1...57):
    /// the last cutoff is the history's end minus h, each earlier one step_size before.
    /// h 12, n_windows 3, step_size 6 gives cutoffs 33, 39, 45.
    func testWindowsAreStatsforecastCutoffs() {
        let windows = CrossValidation.windows(horizon: 12, count: 3, step: 6)
        XCTAssertEqual(windows.map { 57 - $0.cutoff }, [33, 39, 45])
        // Adjacent windows by default (step = h): cutoffs 57 - 12 * (3, 2, 1).
        XCTAssertEqual(CrossValidation.windows(horizon: 12, count: 3, step: 12).map { 57 - $0.cutoff }, [21, 33, 45])
        XCTAssertEqual(CrossValidation.windowsThatFit(length: 57, horizon: 12, step: 6), 8)
        XCTAssertEqual(CrossValidation.windowsThatFit(length: 12, horizon: 12, step: 6), 0)
    }

    /// Naive forecasts on 10 points, horizon 2, 3 windows, step 1, computed by hand:
    /// cutoffs after points 6, 7, 8 (forecasts 6, 8, 7); actuals (8, 7), (7, 9), (9, 10);
    /// MAE 1.5, 1, 2.5; lag-1 naive scales 9/5, 11/6, 12/7.
    func testOriginsForecastsAndScoresMatchAHandComputedExample() throws {
        let cv = try crossValidate([try spec("naive")], tiny(), horizon: 2, windows: 3, step: 1)
        XCTAssertEqual(cv.windowCount, 3)
        XCTAssertEqual((0..<3).map { Timestamp.format(cv.cutoff(series: 0, window: $0), style: .date) },
                       ["2020-06-01", "2020-07-01", "2020-08-01"])
        XCTAssertEqual((0..<3).map { Array(cv.run.meanSlice(model: 0, series: 0, window: $0)) }, [[6, 6], [8, 8], [7, 7]])
        XCTAssertEqual((0..<3).map { Array(cv.actual(series: 0, window: $0)) }, [[8, 7], [7, 9], [9, 10]])
        XCTAssertEqual((0..<3).map { Array(cv.run.futureSlice(series: 0, window: $0)).map { Timestamp.format($0, style: .date) } },
                       [["2020-07-01", "2020-08-01"], ["2020-08-01", "2020-09-01"], ["2020-09-01", "2020-10-01"]])
        let scores = Evaluation.evaluate(cv, season: 1)
        XCTAssertEqual(scores.rows.count, 1)
        let row = scores.rows[0]
        let mae = try XCTUnwrap(scores.column("mae")), mase = try XCTUnwrap(scores.column("mase"))
        XCTAssertEqual(row.values[mae], (1.5 + 1 + 2.5) / 3, accuracy: 1e-12)
        XCTAssertEqual(row.values[mase], (1.5 / (9.0 / 5) + 1 / (11.0 / 6) + 2.5 / (12.0 / 7)) / 3, accuracy: 1e-12)
        // RMSSE of window 1: sqrt(((2^2 + 1^2) / 2) / ((4 + 1 + 9 + 1 + 4) / 5)).
        let w1 = Evaluation.windowScores(cv, model: 0, series: 0, window: 0, season: 1)
        XCTAssertEqual(w1[try XCTUnwrap(scores.column("rmsse"))], (2.5 / (19.0 / 5)).squareRoot(), accuracy: 1e-12)
    }

    /// average: .geometric on the same example: MAE (1.5 · 1 · 2.5)^(1/3), MASE the cube root
    /// of the product of the window MASEs; the coverage stays the arithmetic mean.
    func testGeometricWindowAverageOfTheHandComputedExample() throws {
        let cv = try crossValidate([try spec("naive")], tiny(), horizon: 2, windows: 3, step: 1, levels: [80])
        let scores = Evaluation.evaluate(cv, season: 1, average: .geometric)
        let row = try XCTUnwrap(scores.rows.first)
        XCTAssertEqual(row.values[try XCTUnwrap(scores.column("mae"))], pow(1.5 * 1 * 2.5, 1.0 / 3), accuracy: 1e-12)
        let windowMASE = [1.5 / (9.0 / 5), 1 / (11.0 / 6), 2.5 / (12.0 / 7)]
        XCTAssertEqual(row.values[try XCTUnwrap(scores.column("mase"))], pow(windowMASE.reduce(1, *), 1.0 / 3), accuracy: 1e-12)
        let cover = try XCTUnwrap(scores.column("cover80"))
        let windows = (0..<3).map { Evaluation.windowScores(cv, model: 0, series: 0, window: $0, season: 1)[cover] }
        XCTAssertEqual(row.values[cover], windows.reduce(0, +) / 3, accuracy: 1e-12)
        // Never above the arithmetic mean (AM-GM), equal only when the windows agree.
        XCTAssertLessThan(row.values[0], Evaluation.evaluate(cv, season: 1).rows[0].values[0])
    }

    func testWinklerScoreAddsTheMissesScaledByTwoOverAlpha() {
        // Level 80: alpha 0.2, misses count 10 times. Inside: width 2; below by 1: 2 + 10; above by 0.5: 2 + 5.
        let s = Evaluation.winkler(actual: [1, -1, 2.5], lo: [0, 0, 0], hi: [2, 2, 2], level: 80)
        XCTAssertEqual(s, (2 + 12 + 7) / 3.0, accuracy: 1e-12)
    }

    /// best(prior: k) shrinks each series' score toward the model's mean over series:
    /// a: m1 1.0, m2 0.9; b: m1 1.0, m2 3.0; means m1 1.0, m2 1.95. With k = 1 (one window
    /// behind each score) a's m2 ranks (0.9 + 1.95) / 2 = 1.425 against m1's 1.0.
    func testPriorPullsAClosePerSeriesChoiceTowardTheOverallBestModel() throws {
        let row = { (id: String, model: String, mase: Double) in ScoreTable.Row(id: id, model: model, values: [mase, mase, mase, mase]) }
        let table = ScoreTable(metrics: Evaluation.pointMetrics, rows: [row("a", "m1", 1.0), row("a", "m2", 0.9), row("b", "m1", 1.0), row("b", "m2", 3.0)],
                               models: ["m1", "m2"], failedTasks: [:], modelSeconds: [:], season: 1)
        XCTAssertEqual(try Evaluation.best(table, by: "mase").map(\.model), ["m2", "m1"])
        let shrunk = try Evaluation.best(table, by: "mase", prior: 1)
        XCTAssertEqual(shrunk.map(\.model), ["m1", "m1"])
        XCTAssertEqual(shrunk[0].score, 1.0, "the score shown is the series' own")
    }

    // MARK: Bad input

    func testTooShortSeriesNamesTheSeriesAndHowManyWindowsFit() throws {
        let e = XCTAssertThrowsErrorText(try CrossValidation.check(tiny(), horizon: 2, windows: 6, step: 2))
        XCTAssertTrue(e.contains("series 'a' has 10 points"), e)
        XCTAssertTrue(e.contains("need at least 13"), e)
        XCTAssertTrue(e.contains("4 windows fit"), e)
    }

    func testIrregularSeriesIsRefused() throws {
        var ds = tiny().ds
        ds.remove(at: 4)
        let p = Panel(series: [(id: "gappy", ds: ds, y: Array(tiny().y.dropLast()))], frequency: .monthly)
        let e = XCTAssertThrowsErrorText(try CrossValidation.check(p, horizon: 2, windows: 2, step: 1))
        XCTAssertTrue(e.contains("series 'gappy' is irregular (1 missing periods)"), e)
    }

    /// A model that fails on its short early windows keeps the later ones.
    func testFailedWindowsAreListedAndTheOthersKept() throws {
        let p = Panel(series: [(id: "a", ds: (0..<14).map { Frequency.monthly.advance(Timestamp.parse("2020-01-01")!.0, by: $0) },
                                y: (0..<14).map { Double($0 % 5) })], frequency: .monthly)
        let cv = try crossValidate([try spec("snaive", ["season": .int(8)])], p, horizon: 2, windows: 4, step: 2)
        // Training lengths 6, 8, 10, 12: snaive with season 8 needs more than 8 points, so the
        // first two windows fail and the last two are kept.
        let failed = cv.failures.map(\.window)
        XCTAssertEqual(failed, [0, 1])
        XCTAssertTrue(cv.isOK(model: 0, series: 0, window: 2) && cv.isOK(model: 0, series: 0, window: 3))
        let scores = Evaluation.evaluate(cv, season: 1)
        XCTAssertEqual(scores.rows.count, 1)
        XCTAssertTrue(scores.rows[0].description.contains("2 of 4 windows"), scores.rows[0].description)
        XCTAssertEqual(scores.failedTasks["snaive"], 2)
    }

    // MARK: Combinations

    /// A grid of naive and combine(naive, snaive, drift): the job runs naive once plus the two
    /// other members; the combination is their mean (median) in every window.
    func testCombinationIsTheMeanOfItsMembersInEveryWindow() throws {
        let naive = try spec("naive"), snaive = try spec("snaive", ["season": .int(4)]), drift = try spec("drift")
        var members = [naive, snaive, drift]
        ModelSpec.assignNames(&members)
        var combo = ModelSpec(algorithm: naive.algorithm, values: [:], givenName: "combo")
        combo.combination = Combination(members: members, method: .mean)
        var med = ModelSpec(algorithm: naive.algorithm, values: [:], givenName: "med")
        med.combination = Combination(members: members, method: .median)
        let layout = CombinationLayout([naive, combo, med])
        XCTAssertEqual(layout.jobSpecs.map(\.name), ["naive", "snaive", "drift"])
        XCTAssertEqual(layout.jobIndex, [0, nil, nil])
        XCTAssertEqual(layout.members, [[], [0, 1, 2], [0, 1, 2]])
        let data = Self.visnights.subset([0, 1, 2])
        let job = try CrossValidation.job(layout.jobSpecs, on: data, horizon: 8, windows: 2)
        let raw = try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        let cv = layout.assemble(raw)
        XCTAssertEqual(cv.models.map(\.name), ["naive", "combo", "med"])
        for w in 0..<2 {
            for s in 0..<3 {
                let parts = (0..<3).map { raw.meanSlice(model: $0, series: s, window: w) }
                let mean = cv.meanSlice(model: 1, series: s, window: w), median = cv.meanSlice(model: 2, series: s, window: w)
                XCTAssertEqual(Array(cv.meanSlice(model: 0, series: s, window: w)), Array(parts[0]))
                for t in 0..<8 {
                    let v = parts.map { $0[$0.startIndex + t] }
                    XCTAssertEqual(mean[mean.startIndex + t], v.reduce(0, +) / 3, accuracy: 1e-12)
                    XCTAssertEqual(median[median.startIndex + t], v.sorted()[1])
                }
            }
        }
        // Inverse-MSE weights from the windows before: none before the first.
        XCTAssertNil(layout.inverseMSEWeights(raw, model: 1, series: 0, before: 0))
        let weights = try XCTUnwrap(layout.inverseMSEWeights(raw, model: 1, series: 0, before: 1))
        let a = Array(CVResult(run: raw, step: 8).actual(series: 0, window: 0))
        let mse = Metrics.mse(a, Array(raw.meanSlice(model: 1, series: 0, window: 0)))
        XCTAssertEqual(weights[1], 1 / mse, accuracy: 1e-9)
    }

    // MARK: Conformal

    func testConformalRankAndPooling() {
        XCTAssertEqual(Conformal.rank(count: 4, level: 80), 4)
        XCTAssertEqual(Conformal.rank(count: 4, level: 95), 5)
        XCTAssertEqual(Conformal.rank(count: 20, level: 95), 20)
        XCTAssertEqual(Conformal.rank(count: 9, level: 80), 8)
        // 4 windows x 8 steps: 80% is the largest of the step's own 4 errors.
        let scores = (0..<8).map { t in (1...4).map { Double(t * 10 + $0) } }
        XCTAssertEqual(Conformal.radius(scores: scores, step: 3, level: 80).radius, 34)
        XCTAssertEqual(Conformal.radius(scores: scores, step: 3, level: 80).steps, 1)
        // 95% needs 19 errors: steps 1...5 pooled around step 3 (20 errors), the 20th smallest.
        let r = Conformal.radius(scores: scores, step: 3, level: 95)
        XCTAssertEqual(r.steps, 5)
        XCTAssertEqual(r.radius, 54)
        // At the first step the pool grows forwards: steps 0...4.
        XCTAssertEqual(Conformal.radius(scores: scores, step: 0, level: 95).radius, 44)
    }

    func testCalibratedIntervalsAreTheForecastPlusMinusTheErrorQuantile() throws {
        let data = Self.visnights
        var models = [try spec("snaive", ["season": .int(4)])]
        ModelSpec.assignNames(&models)
        let options = RunOptions(horizon: 4, levels: [80], seed: 1)
        let job = Job(plan: Runner.plan(models, on: data, options: options), models: models, data: data)
        let res = try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        let cv = try crossValidate(models, data, horizon: 4, windows: 4)
        let (calibrated, report) = try Conformal.calibrate(res, with: cv, scores: .series)
        XCTAssertEqual(report.calibrated, data.count)
        XCTAssertEqual(calibrated.intervals, "conformal (4 windows)")
        // Series 0, step 0: the largest of its 4 absolute CV errors at step 1.
        let errors = (0..<4).map { w -> Double in
            abs(cv.actual(series: 0, window: w).first! - cv.run.meanSlice(model: 0, series: 0, window: w).first!)
        }
        let mean = calibrated.meanSlice(model: 0, series: 0).first!
        XCTAssertEqual(calibrated.hiSlice(model: 0, series: 0, level: 0).first!, mean + errors.max()!, accuracy: 1e-12)
        XCTAssertEqual(calibrated.loSlice(model: 0, series: 0, level: 0).first!, mean - errors.max()!, accuracy: 1e-12)
        XCTAssertEqual(Array(calibrated.mean), Array(res.mean))
    }

    /// Pooled scores: at step t every series' CV errors divided by the seasonal naive MAE of
    /// their window's training part (80 scores for 20 series x 4 windows); the radius of a
    /// series is the ceil(81 L)-th smallest times its own training scale.
    func testPooledIntervalsScaleOnePoolPerStepBySeries() throws {
        let data = Self.visnights
        var models = [try spec("snaive", ["season": .int(4)])]
        ModelSpec.assignNames(&models)
        let options = RunOptions(horizon: 4, levels: [80, 95], seed: 1)
        let job = Job(plan: Runner.plan(models, on: data, options: options), models: models, data: data)
        let res = try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        let cv = try crossValidate(models, data, horizon: 4, windows: 4)
        let (calibrated, report) = try Conformal.calibrate(res, with: cv, scores: .pooled)
        XCTAssertEqual(report.calibrated, data.count)
        XCTAssertEqual(report.fewestScores, 80)
        XCTAssertEqual(calibrated.intervals, "conformal (4 windows, scaled errors pooled over series)")
        func seasonalMAE(_ x: ArraySlice<Double>) -> Double {
            let v = Array(x)
            return (4..<v.count).map { abs(v[$0] - v[$0 - 4]) }.reduce(0, +) / Double(v.count - 4)
        }
        for t in [0, 3] {
            var scores: [Double] = []
            for s in 0..<data.count {
                for w in 0..<4 {
                    let a = cv.actual(series: s, window: w), f = cv.run.meanSlice(model: 0, series: s, window: w)
                    scores.append(abs(a[a.startIndex + t] - f[f.startIndex + t]) / seasonalMAE(cv.train(series: s, window: w)))
                }
            }
            scores.sort()
            for (l, rank) in [(0, 65), (1, 77)] {   // ceil(81 x 0.80) = 65, ceil(81 x 0.95) = 77
                for s in [0, 7, 19] {
                    let scale = seasonalMAE(data.y[data.range(s)])
                    let mean = calibrated.meanSlice(model: 0, series: s)
                    let hi = calibrated.hiSlice(model: 0, series: s, level: l), lo = calibrated.loSlice(model: 0, series: s, level: l)
                    XCTAssertEqual(hi[hi.startIndex + t] - mean[mean.startIndex + t], scores[rank - 1] * scale, accuracy: 1e-9)
                    XCTAssertEqual(mean[mean.startIndex + t] - lo[lo.startIndex + t], scores[rank - 1] * scale, accuracy: 1e-9)
                }
            }
        }
        // Nested: every 95% interval holds the 80% one.
        for k in 0..<res.outcomes.count {
            for t in 0..<4 {
                XCTAssertLessThanOrEqual(calibrated.hi[(k * 2) * 4 + t], calibrated.hi[(k * 2 + 1) * 4 + t])
                XCTAssertGreaterThanOrEqual(calibrated.lo[(k * 2) * 4 + t], calibrated.lo[(k * 2 + 1) * 4 + t])
            }
        }
    }
}

/// The text of the error an expression throws ("" and a failure when it throws none).
func XCTAssertThrowsErrorText(_ body: @autoclosure () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        try body()
        XCTFail("expected an error", file: file, line: line)
        return ""
    } catch {
        return (error as? FcastError)?.locatedMessage ?? "\(error)"
    }
}
