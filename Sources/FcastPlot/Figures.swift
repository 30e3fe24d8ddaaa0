import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins

/// Builds figures from forecasts, data and scores. Pure: the choice of series, models and
/// levels is the caller's (the `plot` builtin checks them against the user's arguments).
public enum Figures {
    /// The history shown before the forecasts when `last` is not given: three horizons, at
    /// least two seasons.
    public static func defaultHistory(horizon: Int, season: Int) -> Int {
        max(3 * horizon, 2 * season, 12)
    }

    /// The name of a fitted model for titles and legends: its description when it says more
    /// than the name (`snaive[12]`, `auto_arima: ARIMA(1,1,0)`), else the name.
    public static func modelLabel(name: String, description: String) -> String {
        let d = description.trimmingCharacters(in: .whitespaces)
        if d.isEmpty || d == name { return name }
        if d.hasPrefix(name) || name.hasPrefix(d) { return d.count >= name.count ? d : name }
        return "\(name): \(d)"
    }

    /// One chart per series: the history's tail, each model's mean and shaded intervals (the
    /// widest first, lighter), the actual values after the forecast origin, and a dashed line
    /// at the origin. One model: its description in the title; several: in the legend.
    public static func forecastChart(_ run: RunResult, series s: Int, models: [Int], levels: [Int],
                                     actual: Panel?, last: Int?) -> Chart {
        let id = run.train.ids[s]
        let history = run.train.range(s)
        let keep = min(history.count, last ?? defaultHistory(horizon: run.horizon, season: run.train.frequency.defaultSeason))
        let shown = (history.upperBound - keep)..<history.upperBound
        let hx = run.train.ds[shown].map(Double.init)
        let hy = Array(run.train.y[shown])
        let origin = run.train.lastTime(s)
        let future = run.futureSlice(series: s).map(Double.init)

        var layers: [Layer] = []
        var notes: [String] = []
        let single = models.count == 1
        // Narrow intervals darker: the levels sorted widest first.
        let sortedLevels = levels.sorted { run.levels[$0] > run.levels[$1] }
        var labels: [String] = []
        var drawn: [Int] = []
        for m in models {
            let k = run.task(model: m, series: s)
            let name = run.models[m].name
            if case .failed(let f) = run.outcomes[k] {
                notes.append("\(name) failed: \(f)")
                continue
            }
            if case .notRun = run.outcomes[k] {
                notes.append("\(name) was not run")
                continue
            }
            drawn.append(m)
            labels.append(modelLabel(name: name, description: run.descriptions[k]))
            let color = Color.model(m)
            for (rank, l) in sortedLevels.enumerated() {
                // 1 level: 0.3; 2 levels: 0.18, 0.34; shared between models: lighter.
                let step = sortedLevels.count > 1 ? 0.16 / Double(sortedLevels.count - 1) : 0
                var opacity = sortedLevels.count == 1 ? 0.3 : 0.18 + step * Double(rank)
                if !single { opacity *= 0.6 }
                layers.append(.band(Band(label: single ? "\(ParameterLabel.number(run.levels[l]))%" : nil,
                                         x: future, lo: Array(run.loSlice(model: m, series: s, level: l)),
                                         hi: Array(run.hiSlice(model: m, series: s, level: l)),
                                         color: color, opacity: opacity)))
            }
        }
        if !hx.isEmpty {
            layers.insert(.line(Line(label: "history", x: hx, y: hy, color: Color.history, width: 1.3)), at: 0)
        }
        if let actual, let a = actual.index(of: id), let origin {
            var ax: [Double] = [], ay: [Double] = []
            for i in actual.range(a) where actual.ds[i] > origin {
                ax.append(Double(actual.ds[i])); ay.append(actual.y[i])
            }
            if !ax.isEmpty {
                // Joined to the history's last point, so the actual path reads as one line.
                if let lx = hx.last, let ly = hy.last, ly.isFinite { ax.insert(lx, at: 0); ay.insert(ly, at: 0) }
                layers.append(.line(Line(label: "actual", x: ax, y: ay, color: Color.actual, width: 1.3, points: true)))
            }
        }
        for (j, m) in drawn.enumerated() {
            var x = future, y = Array(run.meanSlice(model: m, series: s))
            // Start the forecast line at the last observation.
            if let lx = hx.last, let ly = hy.last, ly.isFinite { x.insert(lx, at: 0); y.insert(ly, at: 0) }
            layers.append(.line(Line(label: single ? "forecast" : labels[j], x: x, y: y, color: Color.model(m),
                                     width: 2.0)))
        }
        if let origin { layers.append(.marker(x: Double(origin), label: "origin")) }

        var title = id
        if single, let label = labels.first { title += " — " + label }
        if drawn.isEmpty && models.count == 1 { title += " — " + run.models[models[0]].name }
        if !single && !drawn.isEmpty && !sortedLevels.isEmpty {
            let shaded = sortedLevels.reversed().map { ParameterLabel.number(run.levels[$0]) + "%" }
            title += " — \(shaded.joined(separator: ", ")) intervals"
        }
        if hx.isEmpty { notes.append("no history") }
        // A row-index axis is numbers, not dates.
        let axis: XAxis = run.train.frequency.isIndex ? .numeric(label: nil) : .time
        return Chart(title: title, xAxis: axis, layers: layers, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// A grid of forecast charts, one per series.
    public static func forecast(_ run: RunResult, series: [Int], models: [Int], levels: [Int], actual: Panel?,
                                last: Int?, title: String? = nil) -> Figure {
        Figure(title: title, charts: series.map {
            forecastChart(run, series: $0, models: models, levels: levels, actual: actual, last: last)
        })
    }

    /// Raw series, one chart each (their last `last` points).
    public static func series(_ panel: Panel, series: [Int], last: Int?, title: String? = nil) -> Figure {
        Figure(title: title, charts: series.map { s in
            let r = panel.range(s)
            let keep = min(r.count, last ?? r.count)
            let shown = (r.upperBound - keep)..<r.upperBound
            let line = Line(label: nil, x: panel.ds[shown].map(Double.init), y: Array(panel.y[shown]),
                            color: Color.model(0), width: 1.5)
            let finite = panel.y[shown].contains { $0.isFinite }
            return Chart(title: panel.ids[s], xAxis: panel.frequency.isIndex ? .numeric(label: nil) : .time, layers: [.line(line)],
                         note: finite ? nil : "no values", legend: false)
        })
    }

    /// The distribution of one metric over series, a box plot per model. A logarithmic axis
    /// when the values are positive and spread widely (the 95th percentile over 30 times the 5th).
    public static func scores(_ table: ScoreTable, metric: String) -> Figure {
        let j = table.column(metric)!
        var samples = table.models.map { _ in [Double]() }
        let position = Dictionary(uniqueKeysWithValues: table.models.enumerated().map { ($1, $0) })
        for row in table.rows {
            guard let m = position[row.model] else { continue }
            let v = row.values[j]
            if v.isFinite { samples[m].append(v) }
        }
        let all = samples.flatMap { $0 }.sorted()
        var logY = false
        if let lo = all.first, lo > 0, all.count >= 4 {
            let p05 = all[all.count / 20], p95 = all[all.count - 1 - all.count / 20]
            logY = p95 / p05 > 30
        }
        let series = Set(table.rows.map(\.id)).count
        let chart = Chart(title: "\(metric.uppercased()) by model over \(series) series (lower is better)",
                          xAxis: .categories(table.models), yLabel: metric.uppercased() + (logY ? " (log scale)" : ""),
                          layers: [.boxes(BoxPlot(samples: samples, colors: table.models.indices.map(Color.model)))],
                          logY: logY, legend: false)
        return Figure(charts: [chart])
    }

    /// How many series each model won.
    public static func wins(_ rows: [Evaluation.BestRow], models: [String], metric: String) -> Figure {
        var counts = [Double](repeating: 0, count: models.count)
        let position = Dictionary(uniqueKeysWithValues: models.enumerated().map { ($1, $0) })
        for r in rows { if let m = position[r.model] { counts[m] += 1 } }
        let chart = Chart(title: "Best model by \(metric): series won, of \(rows.count)",
                          xAxis: .categories(models), yLabel: "series",
                          layers: [.bars(Bars(values: counts, colors: models.indices.map(Color.model)))], legend: false)
        return Figure(charts: [chart])
    }

    /// The image size for a figure of `charts` charts in a grid.
    public static func imageSize(_ figure: Figure) -> (width: Int, height: Int) {
        let (rows, columns) = figure.grid
        if figure.charts.count <= 1 { return (1000, 480) }
        if columns == 1 { return (1000, 360 * rows + (figure.title == nil ? 0 : 30)) }
        return (min(2400, 600 * columns), min(2400, 340 * rows + (figure.title == nil ? 0 : 30)))
    }
}
