import FcastCore
@testable import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// `profile` conformal scores on the bundled quarterly tourism data: a series' own errors at
/// step t where they give a level's rank, else its errors of every step divided by the model's
/// error profile over the horizon, the quantile multiplied back by step t's. And `recent`
/// scores (the default): the same with each window's errors first brought to the newest
/// window's error level.
final class ConformalProfileTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_naive.so").path)
        return r
    }()
    static let visnights = try! LongCSV.load(path: TestSupport.exampleData("visnights.csv").path)

    func seasonalMAE(_ x: ArraySlice<Double>) -> Double {
        let v = Array(x)
        return (4..<v.count).map { abs(v[$0] - v[$0 - 4]) }.reduce(0, +) / Double(v.count - 4)
    }

    /// snaive (season 4) on visnights: a run with `levels` and its cross-validation.
    func snaiveRunAndCV(horizon h: Int, windows: Int, levels: [Double]) throws -> (RunResult, CVResult) {
        let data = Self.visnights
        let a = try XCTUnwrap(Self.registry.algorithm(named: "snaive"), "plugin for snaive not built")
        var models = [ModelSpec(algorithm: a, values: ["season": .int(4)])]
        ModelSpec.assignNames(&models)
        let job = Job(plan: Runner.plan(models, on: data, options: RunOptions(horizon: h, levels: levels, seed: 1)),
                      models: models, data: data)
        let res = try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        let cvJob = try CrossValidation.job(models, on: data, horizon: h, windows: windows, step: nil, levels: [])
        let cv = CVResult(run: try Runner.run(cvJob, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent),
                          step: h)
        return (res, cv)
    }

    /// 5 windows of 8 quarters: at 80% each step has its own rank (ceil(6 x 0.8) = 5, the
    /// largest of the series' 5 errors at that step); at 95% it has not (ceil(6 x 0.95) = 6),
    /// so the radius is the 39th smallest (ceil(41 x 0.95)) of the series' 40 errors each
    /// divided by the profile at its step, times the profile at step t.
    func testOwnStepWhereTheRankExistsElseTheSeriesErrorsScaledByTheStepProfile() throws {
        let data = Self.visnights
        let h = 8, windows = 5
        let (res, cv) = try snaiveRunAndCV(horizon: h, windows: windows, levels: [95, 80])
        let (calibrated, report) = try Conformal.calibrate(res, with: cv, scores: .profile)
        XCTAssertEqual(report.calibrated, data.count)
        XCTAssertEqual(report.profiled, data.count, "every task's 95% radius comes from the profile pool")

        func error(_ s: Int, _ w: Int, _ t: Int) -> Double {
            let y = cv.actual(series: s, window: w), f = cv.run.meanSlice(model: 0, series: s, window: w)
            return abs(y[y.startIndex + t] - f[f.startIndex + t])
        }
        // The profile: per step, the mean over series and windows of error / window's scale.
        let profile = (0..<h).map { t in
            (0..<data.count).flatMap { s in (0..<windows).map { w in error(s, w, t) / seasonalMAE(cv.train(series: s, window: w)) } }
                .reduce(0, +) / Double(data.count * windows)
        }
        XCTAssertGreaterThan(profile.max()! / profile.min()!, 1.05, "steps differ, so the profile is not a flat pool")
        let l95 = try XCTUnwrap(calibrated.levels.firstIndex(of: 95)), l80 = try XCTUnwrap(calibrated.levels.firstIndex(of: 80))
        for s in [0, 9, 19] {
            let mean = calibrated.meanSlice(model: 0, series: s)
            let hi95 = calibrated.hiSlice(model: 0, series: s, level: l95), hi80 = calibrated.hiSlice(model: 0, series: s, level: l80)
            let lo95 = calibrated.loSlice(model: 0, series: s, level: l95)
            let pool = (0..<h).flatMap { u in (0..<windows).map { w in error(s, w, u) / profile[u] } }.sorted()
            XCTAssertEqual(pool.count, 40)
            for t in 0..<h {
                let own = (0..<windows).map { error(s, $0, t) }
                let m = mean[mean.startIndex + t]
                XCTAssertEqual(hi80[hi80.startIndex + t] - m, own.max()!, accuracy: 1e-9, "80%: the largest own error at the step")
                let r95 = max(pool[38] * profile[t], own.max()!)
                XCTAssertEqual(hi95[hi95.startIndex + t] - m, r95, accuracy: 1e-9)
                XCTAssertEqual(m - lo95[lo95.startIndex + t], r95, accuracy: 1e-9)
            }
        }
        // The 95% interval holds the 80% one everywhere.
        for s in 0..<data.count {
            let hi95 = calibrated.hiSlice(model: 0, series: s, level: l95), hi80 = calibrated.hiSlice(model: 0, series: s, level: l80)
            for t in 0..<h { XCTAssertGreaterThanOrEqual(hi95[hi95.startIndex + t], hi80[hi80.startIndex + t]) }
        }
    }

    /// `recent` (the default): window w's errors multiplied by D(newest) / D(w), D(w) the mean
    /// of error / window scale over every series and step of window w; then as `profile`. The
    /// 80% radius is the largest of the 4 rescaled own errors at the step, the 95% one the
    /// 32nd smallest (ceil(33 x 0.95) = 32, the largest) of the 32 rescaled errors divided by
    /// the profile, times the profile at the step (and never below the 80% one). Computed here
    /// by hand.
    func testRecentScoresBringEachWindowToTheNewestWindowsLevel() throws {
        let data = Self.visnights
        let h = 8, windows = 4
        let (res, cv) = try snaiveRunAndCV(horizon: h, windows: windows, levels: [80, 95])
        let (calibrated, report) = try Conformal.calibrate(res, with: cv)   // the default scores
        XCTAssertEqual(report.scores, .recent)
        XCTAssertEqual(report.calibrated, data.count)
        XCTAssertTrue(report.unlevelled.isEmpty)

        func error(_ s: Int, _ w: Int, _ t: Int) -> Double {
            let y = cv.actual(series: s, window: w), f = cv.run.meanSlice(model: 0, series: s, window: w)
            return abs(y[y.startIndex + t] - f[f.startIndex + t])
        }
        func scaled(_ s: Int, _ w: Int, _ t: Int) -> Double { error(s, w, t) / seasonalMAE(cv.train(series: s, window: w)) }
        let level = (0..<windows).map { w in
            (0..<data.count).flatMap { s in (0..<h).map { t in scaled(s, w, t) } }.reduce(0, +) / Double(data.count * h)
        }
        // windows run oldest first: the newest is the last (the smallest cutoff)
        XCTAssertEqual((0..<windows).min { cv.run.plan.windows[$0].cutoff < cv.run.plan.windows[$1].cutoff }, windows - 1)
        let factor = level.map { level[windows - 1] / $0 }
        XCTAssertGreaterThan(factor.max()! / factor.min()!, 1.1, "the windows' levels differ, so the rescaling matters")
        let profile = (0..<h).map { t in
            (0..<data.count).flatMap { s in (0..<windows).map { w in scaled(s, w, t) } }.reduce(0, +) / Double(data.count * windows)
        }
        let l80 = try XCTUnwrap(calibrated.levels.firstIndex(of: 80)), l95 = try XCTUnwrap(calibrated.levels.firstIndex(of: 95))
        for s in [0, 7, 19] {
            let mean = calibrated.meanSlice(model: 0, series: s)
            let hi80 = calibrated.hiSlice(model: 0, series: s, level: l80), hi95 = calibrated.hiSlice(model: 0, series: s, level: l95)
            let lo80 = calibrated.loSlice(model: 0, series: s, level: l80)
            let pool = (0..<h).flatMap { u in (0..<windows).map { w in error(s, w, u) * factor[w] / profile[u] } }.sorted()
            XCTAssertEqual(pool.count, 32)
            for t in 0..<h {
                let m = mean[mean.startIndex + t]
                let r80 = (0..<windows).map { error(s, $0, t) * factor[$0] }.max()!
                XCTAssertEqual(hi80[hi80.startIndex + t] - m, r80, accuracy: 1e-9 * max(1, r80), "series \(s) step \(t + 1)")
                XCTAssertEqual(m - lo80[lo80.startIndex + t], r80, accuracy: 1e-9 * max(1, r80))
                let r95 = max(pool[31] * profile[t], r80)
                XCTAssertEqual(hi95[hi95.startIndex + t] - m, r95, accuracy: 1e-9 * max(1, r95))
            }
        }
    }

    /// Without a profile (a step no series scored), the radius falls back to pooling
    /// neighbouring steps, as `series` scores do; with one, a step whose own scores give the
    /// rank ignores it.
    func testProfileRadiusFallsBackToNeighbouringSteps() {
        let own: [[Double]] = [[1, 2, 3, 4], [2, 4, 6, 8], [3, 6, 9, 12]]
        let noProfile = Conformal.profileRadius(own: own, profile: nil, step: 1, level: 95)
        XCTAssertFalse(noProfile.profiled)
        XCTAssertEqual(noProfile.radius, Conformal.radius(scores: own, step: 1, level: 95).radius)
        let ownRank = Conformal.profileRadius(own: own, profile: [1, 2, 3], step: 2, level: 80)
        XCTAssertFalse(ownRank.profiled)
        XCTAssertEqual(ownRank.radius, 12)
        // 12 scores / profile = [1..4, 1..4, 1..4]; rank ceil(13 x 0.95) = 13 > 12: the largest, 4, times 3.
        let profiled = Conformal.profileRadius(own: own, profile: [1, 2, 3], step: 2, level: 95)
        XCTAssertTrue(profiled.profiled)
        XCTAssertEqual(profiled.radius, 12)
        XCTAssertEqual(Conformal.profileRadius(own: own, profile: [1, 2, 3], step: 0, level: 95).radius, 4)
    }
}
