import FcastCore
import FcastPlan
import FcastPlugins

/// Accuracy of a run against held-out actuals: one row per series x model.
public struct ScoreTable: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var model: String
        /// In the order of `metrics`; NaN where a metric is undefined (MASE of a constant history).
        public var values: [Double]
        /// The fitted model as its plugin describes it ("ARIMA(0,1,1)(0,1,1)[12]").
        public var description = ""
        /// The task of `ScoreTable.run` that made the forecast.
        public var task: Int? = nil
    }
    public var metrics: [String]
    public var rows: [Row]
    /// Models in grid order.
    public var models: [String]
    public var failedTasks: [String: Int]
    public var modelSeconds: [String: Double]
    public var season: Int
    /// The run that was scored: its fitted models are the ones `best` keeps.
    public var run: RunResult? = nil
    /// The cross-validation that was scored (`evaluate(cv)`), whose models `run(best, ...)` uses.
    public var crossValidation: CVResult? = nil
    /// Hold-out only: test points of the run's series, how many were scored (at a forecast
    /// date), and the first one that was not (series and timestamp), so nothing is dropped silently.
    public var testPoints = 0
    public var scoredPoints = 0
    public var firstUnmatched: (id: String, ds: Int64)? = nil
    /// Test series whose id the run does not have.
    public var unknownTestSeries = 0

    public func column(_ metric: String) -> Int? { metrics.firstIndex(of: metric) }
}

public enum EvaluationError: Error, CustomStringConvertible {
    case noOverlap(String)
    case unknownMetric(String, [String])
    public var description: String {
        switch self {
        case .noOverlap(let m): m
        case .unknownMetric(let m, let known): "unknown metric '\(m)'; known metrics: \(known.joined(separator: ", "))"
        }
    }
}

public enum Evaluation {
    public static let pointMetrics = ["mae", "rmse", "smape", "mase"]

    /// Scores each successful task on the test points whose timestamps match its forecast
    /// steps. MASE is scaled by the in-sample seasonal naive MAE with lag `season` (lag 1
    /// where that is zero); series with a constant history get no MASE.
    public static func evaluate(_ run: RunResult, test: Panel, season: Int? = nil) throws -> ScoreTable {
        let season = season ?? run.train.frequency.defaultSeason
        let levelNames = run.levels.map { "cover" + ParameterLabel.number($0) }
        let metrics = pointMetrics + levelNames
        var rows: [ScoreTable.Row] = []
        var failed: [String: Int] = [:]
        var seconds: [String: Double] = [:]
        var matchedSeries = 0
        var testPoints = 0, scoredPoints = 0
        var firstUnmatched: (id: String, ds: Int64)? = nil
        for s in 0..<run.seriesCount {
            let id = run.train.ids[s]
            guard let ts = test.index(of: id) else { continue }
            // Align actuals to forecast steps by timestamp.
            let future = run.futureSlice(series: s)
            var stepOf: [Int64: Int] = [:]
            for (t, d) in future.enumerated() { stepOf[d] = t }
            var steps: [Int] = []
            var actual: [Double] = []
            for i in test.range(ts) {
                if let t = stepOf[test.ds[i]] { steps.append(t); actual.append(test.y[i]) }
                else if firstUnmatched == nil { firstUnmatched = (id, test.ds[i]) }
            }
            testPoints += test.length(ts)
            scoredPoints += steps.count
            if steps.isEmpty { continue }
            matchedSeries += 1
            let insample = Array(run.train.values(s))
            let scale = Metrics.naiveScale(insample: insample, season: season)
            for (m, model) in run.models.enumerated() {
                let k = run.task(model: m, series: s)
                seconds[model.name, default: 0] += run.taskSeconds[k]
                guard case .ok = run.outcomes[k] else {
                    if case .failed = run.outcomes[k] { failed[model.name, default: 0] += 1 }
                    continue
                }
                let mean = run.meanSlice(model: m, series: s)
                let f = steps.map { mean[mean.startIndex + $0] }
                let mae = Metrics.mae(actual, f)
                var values = [mae, Metrics.rmse(actual, f), Metrics.smape(actual, f), scale.map { mae / $0 } ?? .nan]
                for l in run.levels.indices {
                    let lo = run.loSlice(model: m, series: s, level: l), hi = run.hiSlice(model: m, series: s, level: l)
                    values.append(Metrics.coverage(actual: actual, lo: steps.map { lo[lo.startIndex + $0] },
                                                   hi: steps.map { hi[hi.startIndex + $0] }))
                }
                rows.append(.init(id: id, model: model.name, values: values, description: run.descriptions[k], task: k))
            }
        }
        guard matchedSeries > 0 else {
            throw EvaluationError.noOverlap("the test data has no values at the forecast dates of any series (forecasts start at \(run.futureDs.first.map { Timestamp.format($0, style: run.train.timestampStyle) } ?? "?"); do the ids and dates match?)")
        }
        var table = ScoreTable(metrics: metrics, rows: rows, models: run.models.map(\.name), failedTasks: failed,
                               modelSeconds: seconds, season: season, run: run)
        table.testPoints = testPoints
        table.scoredPoints = scoredPoints
        table.firstUnmatched = firstUnmatched
        table.unknownTestSeries = test.ids.filter { run.train.index(of: $0) == nil }.count
        return table
    }

    /// One row per model: the mean of each metric over series (NaN values left out).
    public struct SummaryRow: Sendable {
        public var model: String
        public var series: Int
        public var failed: Int
        public var means: [Double]
        public var seconds: Double?
    }

    public static func summary(_ scores: ScoreTable, sortBy: String? = "mase") -> [SummaryRow] {
        var out: [SummaryRow] = []
        for model in scores.models {
            let rows = scores.rows.filter { $0.model == model }
            var means: [Double] = []
            for j in scores.metrics.indices {
                let vals = rows.map { $0.values[j] }.filter { !$0.isNaN }
                means.append(vals.isEmpty ? .nan : vals.reduce(0, +) / Double(vals.count))
            }
            out.append(SummaryRow(model: model, series: rows.count, failed: scores.failedTasks[model] ?? 0,
                                  means: means, seconds: scores.modelSeconds[model]))
        }
        if let sortBy, let j = scores.column(sortBy) {
            out.sort { a, b in
                let x = a.means[j], y = b.means[j]
                if x.isNaN { return false }
                if y.isNaN { return true }
                return x < y
            }
        }
        return out
    }

    /// The winning model of one series, and the metric that decided it.
    public struct BestRow: Sendable {
        public var id: String
        public var model: String
        public var score: Double
        /// The metric asked for, or "mae" where that was undefined for every model of the
        /// series (MASE of a constant history).
        public var metric: String
        /// The winner's fitted description.
        public var description = ""
        /// The winner's task in the scored run (its fitted model).
        public var task: Int? = nil
    }

    /// The winning model per series: the lowest `metric`; ties go to the earlier model of
    /// the grid. Every scored series gets a winner.
    ///
    /// `prior` > 0 ranks each series' scores shrunk toward each model's mean over all series,
    /// (n x score + prior x mean) / (n + prior), n the windows behind a score (1 for a
    /// hold-out): with few windows a series keeps the model that is best overall unless its
    /// own windows say otherwise clearly. The score reported stays the series' own.
    public static func best(_ scores: ScoreTable, by metric: String, prior: Double = 0) throws -> [BestRow] {
        let rankable = scores.crossValidation == nil ? pointMetrics
            : cvPointMetrics + scores.metrics.filter { $0.hasPrefix("winkler") }
        guard let j = scores.column(metric), rankable.contains(metric) else {
            throw EvaluationError.unknownMetric(metric, rankable)
        }
        let fallback = scores.column("mae")!
        var rowsBySeries: [String: [ScoreTable.Row]] = [:]
        var order: [String] = []
        for row in scores.rows {
            if rowsBySeries[row.id] == nil { order.append(row.id) }
            rowsBySeries[row.id, default: []].append(row)
        }
        var overall: [Int: [String: Double]] = [:]
        if prior > 0 {
            for c in Set([j, fallback]) {
                var sums: [String: (Double, Int)] = [:]
                for r in scores.rows where !r.values[c].isNaN {
                    let v = sums[r.model, default: (0, 0)]
                    sums[r.model] = (v.0 + r.values[c], v.1 + 1)
                }
                overall[c] = sums.mapValues { $0.0 / Double($0.1) }
            }
        }
        let n = Double(scores.crossValidation?.windowCount ?? 1)
        return order.map { id in
            let rows = rowsBySeries[id]!
            let column = rows.contains { !$0.values[j].isNaN } ? j : fallback
            func ranked(_ r: ScoreTable.Row) -> Double {
                guard prior > 0, let mean = overall[column]?[r.model] else { return r.values[column] }
                return (n * r.values[column] + prior * mean) / (n + prior)
            }
            var winner: ScoreTable.Row?
            for r in rows where !r.values[column].isNaN {
                if winner == nil || ranked(r) < ranked(winner!) { winner = r }
            }
            let w = winner ?? rows[0]
            return BestRow(id: id, model: w.model, score: w.values[column], metric: scores.metrics[column],
                           description: w.description, task: w.task)
        }
    }
}
