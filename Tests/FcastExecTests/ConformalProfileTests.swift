import FcastCore
@testable import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// `profile` conformal scores (the default) on the bundled quarterly tourism data: a series'
/// own errors at step t where they give a level's rank, else its errors of every step divided
/// by the model's error profile over the horizon, the quantile multiplied back by step t's.
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

    /// 5 windows of 8 quarters: at 80% each step has its own rank (ceil(6 x 0.8) = 5, the
    /// largest of the series' 5 errors at that step); at 95% it has not (ceil(6 x 0.95) = 6),
    /// so the radius is the 39th smallest (ceil(41 x 0.95)) of the series' 40 errors each
    /// divided by the profile at its step, times the profile at step t.
    func testOwnStepWhereTheRankExistsElseTheSeriesErrorsScaledByTheStepProfile() throws {
        let data = Self.visnights
        let a = try XCTUnwrap(Self.registry.algorithm(named: "snaive"), "plugin for snaive not built")
        var models = [ModelSpec(algorithm: a, values: ["season": .int(4)])]
        ModelSpec.assignNames(&models)
        let h = 8, windows = 5
        let options = RunOptions(horizon: h, levels: [95, 80], seed: 1)
        let job = Job(plan: Runner.plan(models, on: data, options: options), models: models, data: data)
        let res = try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
        let cvJob = try CrossValidation.job(models, on: data, horizon: h, windows: windows, step: nil, levels: [])
        let cv = CVResult(run: try Runner.run(cvJob, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent),
                          step: h)
        let (calibrated, report) = try Conformal.calibrate(res, with: cv)   // the default scores
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
