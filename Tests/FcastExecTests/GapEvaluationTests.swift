import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// evaluate() on gapped data counts what it could not score, and a business calendar puts the
/// forecast on the series' own clock so that every held-out point is scored.
final class GapEvaluationTests: XCTestCase {
    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        _ = try? r.load(path: TestSupport.buildDir.appendingPathComponent("libfcast_naive.so").path)
        return r
    }()

    func run(_ algorithm: String, _ values: [String: ParameterValue], _ data: Panel, horizon: Int) throws -> RunResult {
        let a = try XCTUnwrap(Self.registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        var named = [ModelSpec(algorithm: a, values: values)]
        ModelSpec.assignNames(&named)
        let job = Job(plan: Runner.plan(named, on: data, options: RunOptions(horizon: horizon, levels: [80], seed: 7)),
                      models: named, data: data)
        return try Runner.run(job, on: InlineExecutor(), cancel: CancelToken(), progress: .none, progressOutput: .silent)
    }

    /// Three weeks of a weekday 07:00-21:00 5-minute series: a daily profile (morning and
    /// afternoon peaks) and deterministic noise; nights and weekends have no rows.
    static func weekdaySeries(frequency: Frequency) -> Panel {
        var ds: [Int64] = [], y: [Double] = []
        var state: UInt64 = 7
        var day = Timestamp.make(year: 2024, month: 3, day: 4)   // a Monday
        var days = 0
        while days < 15 {
            if Timestamp.weekday(day) < 5 {
                for slot in 0..<168 {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Double(state >> 11) / Double(1 << 53) - 0.5
                    let h = 7 + Double(slot) / 12
                    ds.append(day + 25_200 + Int64(slot) * 300)
                    y.append(40 * exp(-pow((h - 10) / 1.6, 2)) + 32 * exp(-pow((h - 15) / 2, 2)) + 10 + 6 * noise)
                }
                days += 1
            }
            day += 86_400
        }
        return Panel(series: [("calls", ds, y)], frequency: frequency, timestampStyle: .dateTime(separator: " ", seconds: true))
    }

    func testCalendarTimeForecastReportsTheTestPointsItCannotScore() throws {
        let data = Self.weekdaySeries(frequency: Frequency(.minute, step: 5))
        let (train, test) = try data.split(last: 336)   // Thursday and Friday of week 3
        let res = try run("snaive", ["season": .int(168)], train, horizon: 336)
        let scores = try Evaluation.evaluate(res, test: test)
        // Forecasts run from Wednesday 21:00 through the night to Friday 01:00: only Thursday's
        // 168 business periods have a forecast.
        XCTAssertEqual(scores.testPoints, 336)
        XCTAssertEqual(scores.scoredPoints, 168)
        XCTAssertEqual(scores.firstUnmatched?.ds, Timestamp.make(year: 2024, month: 3, day: 22, hour: 7))
        XCTAssertEqual(scores.unknownTestSeries, 0)
    }

    func testBusinessCalendarForecastStaysInHoursAndScoresEveryPoint() throws {
        let frequency = try Frequency.parse("5min business_hours(07:00-21:00, mon-fri)")
        let data = Self.weekdaySeries(frequency: frequency)
        XCTAssertEqual(data.describe().seriesWithGaps, 0)
        let (train, test) = try data.split(last: 336)
        let res = try run("snaive", ["season": .int(168)], train, horizon: 336)
        let future = Array(res.futureSlice(series: 0))
        XCTAssertEqual(future, Array(test.ds))
        for t in future {
            let (_, sod) = Timestamp.splitDay(t)
            XCTAssertTrue(sod >= 7 * 3600 && sod < 21 * 3600 && Timestamp.weekday(t) < 5)
        }
        let scores = try Evaluation.evaluate(res, test: test)
        XCTAssertEqual(scores.testPoints, 336)
        XCTAssertEqual(scores.scoredPoints, 336)
        XCTAssertNil(scores.firstUnmatched)
        // Seasonal naive on the business day repeats Wednesday's profile: its MAE is the
        // day-to-day difference of the noise, well under the profile's range.
        let mae = try XCTUnwrap(scores.rows.first?.values[0])
        XCTAssertLessThan(mae, 5)
        XCTAssertGreaterThan(mae, 0.5)
    }
}
