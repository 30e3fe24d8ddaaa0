import FcastExec
import FcastPlugins
import XCTest

/// The checks the host makes on a plugin's forecast, in the form the forecast service uses
/// (`predict`'s arrays): a served forecast with a NaN bound or an inverted interval is
/// refused as a run's task would be (issue 18).
final class ForecastCheckTests: XCTestCase {
    func testServedForecastsAreCheckedAsARunsAre() {
        let good = ForecastValues(mean: [10, 11], lo: [[9, 9.5], [8, 8]], hi: [[11, 12.5], [12, 14]])
        XCTAssertNil(ForecastCheck.problem(model: "ets", levels: [80, 95], values: good))
        // No intervals asked: only the mean is checked.
        XCTAssertNil(ForecastCheck.problem(model: "ets", levels: [], values: ForecastValues(mean: [1, 2], lo: [], hi: [])))
        XCTAssertEqual(ForecastCheck.problem(model: "ets", levels: [], values: ForecastValues(mean: [1, .nan], lo: [], hi: [])),
                       "ets produced a non-finite forecast (nan) at step 2")
        var v = good
        v.hi[0][1] = Double.infinity
        XCTAssertEqual(ForecastCheck.problem(model: "ets", levels: [80, 95], values: v),
                       "ets produced a non-finite 80% interval bound (9.5, inf) at step 2")
        v = good
        v.lo[1][0] = 13
        XCTAssertEqual(ForecastCheck.problem(model: "ets", levels: [80, 95], values: v),
                       "ets produced an inverted 95% interval at step 1: lower 13.0 > upper 12.0")
        v = good
        v.lo[1][0] = 9.5
        XCTAssertEqual(ForecastCheck.problem(model: "ets", levels: [80, 95], values: v),
                       "ets produced intervals that are not nested at step 1: the 95% interval [9.5, 12.0] does not contain the 80% interval [9.0, 11.0]")
        v = good
        v.lo[0] = [9]
        XCTAssertEqual(ForecastCheck.problem(model: "ets", levels: [80, 95], values: v), "ets produced intervals of the wrong length")
    }
}
