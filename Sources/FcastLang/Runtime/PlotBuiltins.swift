import FcastCore
import FcastExec
import FcastPlan
import FcastPlot
import FcastPlugins
import Foundation

extension BuiltinLibrary {
    /// Plotting: plot, through the host (gnuplot in the real one); see FcastPlot.
    public static let plotting = BuiltinLibrary(
        name: "plotting",
        summary: "Figures of forecasts, data, scores and wins.",
        builtins: [
        Builtin(
            name: "plot",
            parameters: [
                .init(name: "value", positional: true, required: true,
                      help: "a run result (forecasts), a data set, a score table or a best-model table"),
                .init(name: "ids", positional: false, required: false,
                      help: "the series to draw: an id or a list of ids (default: the first 4)"),
                .init(name: "actual", positional: false, required: false,
                      help: "a data set with the values after the forecast origin (the test set)"),
                .init(name: "level", positional: false, required: false,
                      help: "interval levels to shade (default: all of the run's)"),
                .init(name: "models", positional: false, required: false,
                      help: "a model name or a list of them (default: all)"),
                .init(name: "last", positional: false, required: false,
                      help: "history points to show before the forecasts (default: 3 horizons)"),
                .init(name: "metric", positional: false, required: false,
                      help: "the metric a score table's box plots show (default \"mase\")"),
                .init(name: "to", positional: false, required: false,
                      help: "a .png or .svg file; {id} in the name writes one file per series (default: the terminal)"),
                .init(name: "title", positional: false, required: false, help: "a title above the figure"),
                .init(name: "size", positional: false, required: false, help: "[width, height] of an image in pixels"),
            ],
            summary: "Draws forecasts with their intervals and the actual values, raw series, score distributions or model wins, through gnuplot.",
            example: """
            plot(res, ids: ["CEU0500000001", "CEU2000000001"], models: "snaive", actual: test, to: "out/snaive.png")
            plot(res, ids: "CEU7000000001", models: ["snaive", "drift"], actual: test, level: 80)
            plot(evaluate(res, test), metric: "smape", to: "out/smape.svg")
            plot(res, models: "drift", to: "out/plots/{id}.png")
            """,
            details: """
            Draws through gnuplot (`apt-get install gnuplot-nox`; `FCAST_GNUPLOT` names another
            program). What it draws depends on the value:

            - a run result: per series, the last `last` points of the history (default three
              horizons, at least two seasons), each model's forecast mean from the last observation on,
              its prediction intervals shaded (every level of the run, or those in `level`; the widest
              lightest), the `actual` values after the forecast origin (pass the test set), and a
              dashed line at the origin. With one model its fitted description is in the title
              (`CEU0500000001 — snaive[12]`); with several (`models:` picks some, by name) they are
              overlaid in their own colours with a legend.
            - a data set: the series, one panel each (`last` points).
            - a score table: box plots of a metric per model (`metric:`, default `"mase"`; a log
              axis when the values spread widely); `models:` picks models.
            - a best-model table: how many series each model won.

            Several series make a grid of panels. `ids:` is an id or a list of ids (an unknown id is
            an error with the closest known one); without it, the first 4 series are drawn (1 in a
            text terminal; a note says so). At most 25 series go in one figure.

            `to:` is a `.png` (1000x480 for one panel) or `.svg` file, folders created; `size: [w, h]`
            sets the pixels. `{id}` in the name writes one file per series, for every series unless
            `ids:` is given: `to: "out/plots/{id}.png"` (1,000 series take seconds: the figures go
            to a few gnuplot processes). Without `to:` the plot is drawn in the terminal: text sized
            to the window (`COLUMNS`/`LINES`, else the window size, else 80x24), or sixel graphics when
            `FCAST_SIXEL=1` or the terminal is known to show them (`TERM` naming sixel, foot, mlterm,
            WezTerm); `FCAST_SIXEL=0` forces text. `FCAST_PLOT_SCRIPT=file` saves the gnuplot script.
            """,
            body: { interp, a in try PlotCommand(interp: interp, args: a).run() }),
    ])
}

/// Settings of plotting for one interpreter, set by a report run: the terminal, gnuplot and
/// its environment are the host's.
public final class PlotDefaults: @unchecked Sendable {
    /// When set (a report run), plots without `to:` go to PNG files in this folder, named
    /// `<filePrefix>-<n>.png`, instead of the terminal.
    public var fileDirectory: String?
    public var filePrefix = "plot"
    var fileCounter = 0

    init() {}

    func nextFile() -> String? {
        guard let dir = fileDirectory else { return nil }
        fileCounter += 1
        return (dir as NSString).appendingPathComponent("\(filePrefix)-\(fileCounter).png")
    }
}

/// One call of `plot`: checks the arguments, builds the figures, draws them.
struct PlotCommand {
    let interp: Interpreter
    let args: BoundArguments
    var defaults: PlotDefaults { interp.plotDefaults }

    /// Most charts in one figure; more should go to one file per series.
    static let maxCharts = 25
    /// Series drawn when `ids:` is not given (and the output is not one file per series):
    /// four in an image, one in a text terminal (where panels are small).
    static let defaultSeries = 4

    func fail(_ message: String, at name: String? = nil, notes: [String] = []) -> Diagnostic {
        Diagnostic("plot(): \(message)", at: name.map { args.span($0) } ?? args.callSpan, notes: notes)
    }

    func run() throws(Diagnostic) -> Value {
        let value = try args.required("value")
        let allowed: [String]
        switch value {
        case .run: allowed = ["ids", "actual", "level", "models", "last", "to", "title", "size"]
        case .data: allowed = ["ids", "last", "to", "title", "size"]
        case .scores: allowed = ["metric", "models", "to", "title", "size"]
        case .best: allowed = ["models", "to", "title", "size"]
        case .cv: allowed = ["models", "to", "title", "size"]
        case .tune: allowed = ["to", "title", "size"]
        default:
            throw fail("cannot plot \(value.typeName)", at: "value",
                       notes: ["plot draws a run result, a data set, a score table or a best-model table"])
        }
        for name in args.values.keys where name != "value" && !allowed.contains(name) {
            throw fail("'\(name)' does not apply to \(value.typeName)", at: name,
                       notes: ["for \(value.typeName), plot takes: \(allowed.joined(separator: ", "))"])
        }

        let target = try outputTarget()
        if target.perSeries, case .scores = value {
            throw fail("{id} in the file name is for run results and data sets: a score table makes one figure", at: "to")
        }
        if target.perSeries, case .cv = value {
            throw fail("{id} in the file name is for run results and data sets: a cross-validation makes one figure", at: "to")
        }
        if target.perSeries, case .tune = value {
            throw fail("{id} in the file name is for run results and data sets: a tune result makes one figure", at: "to")
        }
        if target.perSeries, case .best = value {
            throw fail("{id} in the file name is for run results and data sets: a best-model table makes one figure", at: "to")
        }
        let title = try args.string("title")
        switch value {
        case .run(let run):
            return try plotRun(run, target: target, title: title)
        case .data(let panel):
            return try plotData(panel, target: target, title: title)
        case .scores(let table):
            let metric = try args.string("metric") ?? "mase"
            guard table.column(metric) != nil else {
                throw fail("the score table has no metric '\(metric)'", at: "metric",
                           notes: (Suggest.closest(to: metric, among: table.metrics).map { ["did you mean '\($0)'?"] } ?? [])
                               + ["metrics: \(table.metrics.joined(separator: ", "))"])
            }
            var t = table
            if args.has("models") {
                let keep = try modelIndices(table.models)
                t.models = keep.map { table.models[$0] }
                let names = Set(t.models)
                t.rows = table.rows.filter { names.contains($0.model) }
            }
            guard !t.rows.isEmpty else { throw fail("the score table has no rows to plot", at: "value") }
            var fig = Figures.scores(t, metric: metric)
            if let title, !fig.charts.isEmpty { fig.charts[0].title = title }
            return try draw([fig], target: target, what: "\(metric) of \(t.models.count) models")
        case .best(let best):
            var models = best.models
            if args.has("models") { models = try modelIndices(best.models).map { best.models[$0] } }
            guard !best.rows.isEmpty else { throw fail("the best-model table is empty", at: "value") }
            var fig = Figures.wins(best.rows, models: models, metric: best.metric)
            if let title, !fig.charts.isEmpty { fig.charts[0].title = title }
            return try draw([fig], target: target, what: "wins of \(models.count) models")
        case .cv(let cv):
            let names = cv.run.models.map(\.name)
            var fig = Figures.cvErrors(cv, models: try modelIndices(names), season: cv.data.frequency.defaultSeason)
            if let title, !fig.charts.isEmpty { fig.charts[0].title = title }
            return try draw([fig], target: target, what: "cross-validation errors of \(names.count) models")
        case .tune(let t):
            let curves = t.outcome.trials.filter { !$0.curve.isEmpty }.map { trial in
                (label: "\(trial.trial + 1): " + t.keys.map { "\($0)=\(t.value(t.models[trial.trial], $0))" }.joined(separator: " "),
                 rounds: trial.curve.map(\.rounds), scores: trial.curve.map(\.score))
            }
            guard !curves.isEmpty else { throw fail("no trial of this tuning was scored", at: "value") }
            let fig = Figures.learningCurves(curves, metric: t.metric,
                                             title: title ?? "Learning curves: \(t.metric) on the validation data (\(t.schedule.name))")
            return try draw([fig], target: target, what: "learning curves of \(curves.count) trials")
        default:
            throw fail("cannot plot \(value.typeName)", at: "value")
        }
    }

    // MARK: Targets

    enum Target {
        /// One image file.
        case file(String, ImageFormat)
        /// One image per series: the pattern has `{id}`.
        case perSeries(String, ImageFormat)
        case terminal(PlotTerminal)

        var perSeries: Bool { if case .perSeries = self { true } else { false } }
    }

    func outputTarget() throws(Diagnostic) -> Target {
        guard let to = try args.string("to") else {
            if let file = defaults.nextFile() { return .file(file, .png) }
            return .terminal(interp.host.plotTerminal)
        }
        guard !to.isEmpty else { throw fail("'to' is an empty path", at: "to") }
        guard let format = ImageFormat.of(path: to) else {
            let ext = (to as NSString).pathExtension
            throw fail(ext.isEmpty ? "cannot tell the image format of '\(to)': it has no extension"
                                   : "cannot write '.\(ext)' images", at: "to",
                       notes: ["help: name a .png or .svg file, e.g. \"out/plot.png\""])
        }
        let path = interp.host.resolvePath(to)
        return to.contains("{id}") ? .perSeries(path, format) : .file(path, format)
    }

    func imageSize(_ figure: Figure) throws(Diagnostic) -> (Int, Int) {
        guard let size = try args.numbers("size") else { return Figures.imageSize(figure) }
        guard size.count == 2, size.allSatisfy({ $0 == $0.rounded() && $0 >= 100 && $0 <= 10_000 }) else {
            throw fail("'size' must be [width, height] in pixels, each 100 to 10000", at: "size")
        }
        return (Int(size[0]), Int(size[1]))
    }

    // MARK: Selections

    /// The series to draw, as indices into `ids`, checked: unknown ids are named with a suggestion.
    func seriesIndices(in panel: Panel, noun: String, target: Target) throws(Diagnostic) -> (indices: [Int], explicit: Bool) {
        guard args.has("ids") else {
            var n = min(panel.count, Self.defaultSeries)
            if case .terminal(let t) = target, t.isText { n = 1 }
            if target.perSeries { n = panel.count }
            return (Array(0..<n), false)
        }
        let wanted: [String]
        switch try args.required("ids") {
        case .string(let s): wanted = [s]
        case .list(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw args.wrongType("ids", "a series id or a list of ids (strings)") }
                out.append(s)
            }
            wanted = out
        default: throw args.wrongType("ids", "a series id or a list of ids (strings)")
        }
        guard !wanted.isEmpty else { throw fail("'ids' is an empty list", at: "ids") }
        var indices: [Int] = []
        var seen = Set<Int>()
        for id in wanted {
            guard let i = panel.index(of: id) else {
                var notes: [String] = []
                if let close = Suggest.closest(to: id, among: panel.ids) {
                    notes.append("did you mean '\(close)'?")
                } else {
                    let similar = panel.ids.filter { $0.hasPrefix(id) || $0.lowercased().contains(id.lowercased()) }.prefix(3)
                    if !similar.isEmpty { notes.append("did you mean " + similar.map { "'\($0)'" }.joined(separator: " or ") + "?") }
                }
                notes.append("note: \(noun) has \(panel.count) series, e.g. " + panel.ids.prefix(3).map { "'\($0)'" }.joined(separator: ", "))
                throw fail("no series '\(id)' in \(noun)", at: "ids", notes: notes)
            }
            if seen.insert(i).inserted { indices.append(i) }
        }
        return (indices, true)
    }

    /// Indices of the named models (`models:`), with did-you-mean for unknown names.
    func modelIndices(_ names: [String]) throws(Diagnostic) -> [Int] {
        guard let v = args.values["models"]?.value else { return Array(names.indices) }
        var wanted: [String] = []
        switch v {
        case .string(let s): wanted = [s]
        case .list(let items):
            for item in items {
                guard case .string(let s) = item else { throw args.wrongType("models", "a model name or a list of names") }
                wanted.append(s)
            }
        default: throw args.wrongType("models", "a model name or a list of names")
        }
        guard !wanted.isEmpty else { throw fail("'models' is an empty list", at: "models") }
        var out: [Int] = []
        for w in wanted {
            guard let m = names.firstIndex(of: w) else {
                let notes = (Suggest.closest(to: w, among: names).map { ["did you mean '\($0)'?"] } ?? [])
                    + ["models: \(names.joined(separator: ", "))"]
                throw fail("no model '\(w)'", at: "models", notes: notes)
            }
            if !out.contains(m) { out.append(m) }
        }
        return out
    }

    func levelIndices(_ run: RunResult) throws(Diagnostic) -> [Int] {
        guard let levels = try args.numbers("level") else { return Array(run.levels.indices) }
        var out: [Int] = []
        for l in levels {
            guard let i = run.levels.firstIndex(where: { abs($0 - l) < 1e-9 }) else {
                let have = run.levels.isEmpty ? "the run has no intervals (run it with level: [80, 95])"
                    : "the run has intervals at " + run.levels.map { ParameterLabel.number($0) + "%" }.joined(separator: ", ")
                throw fail("no \(ParameterLabel.number(l))% intervals in the run", at: "level", notes: [have])
            }
            if !out.contains(i) { out.append(i) }
        }
        return out
    }

    func historyLength() throws(Diagnostic) -> Int? { try args.int("last", min: 1) }

    // MARK: Figures

    func plotRun(_ run: RunResult, target: Target, title: String?) throws(Diagnostic) -> Value {
        guard run.seriesCount > 0 else { throw fail("the run has no series", at: "value") }
        let (series, explicit) = try seriesIndices(in: run.train, noun: "the run", target: target)
        let models = try modelIndices(run.models.map(\.name))
        let levels = try levelIndices(run)
        var actual: Panel?
        if args.has("actual") { actual = try args.data("actual") }
        let last = try historyLength()
        let build: ([Int]) -> Figure = { s in
            Figures.forecast(run, series: s, models: models, levels: levels, actual: actual, last: last, title: title)
        }
        return try drawSeries(series, explicit: explicit, total: run.seriesCount, ids: run.train.ids,
                              target: target, build: build)
    }

    func plotData(_ panel: Panel, target: Target, title: String?) throws(Diagnostic) -> Value {
        guard panel.count > 0 else { throw fail("the data set has no series", at: "value") }
        var (series, explicit) = try seriesIndices(in: panel, noun: "the data", target: target)
        let last = try historyLength()
        // Series with nothing to draw: an error when asked for by name, else left out.
        let empty = series.filter { s in !panel.values(s).contains { $0.isFinite } }
        if !empty.isEmpty {
            if explicit || series.count == empty.count {
                let names = empty.prefix(3).map { "'\(panel.ids[$0])'" }.joined(separator: ", ")
                throw fail("series \(names) \(empty.count == 1 ? "has" : "have") no values to plot",
                           at: explicit ? "ids" : "value")
            }
            series.removeAll { empty.contains($0) }
            interp.output("plot: left out \(empty.count) series without values, e.g. '\(panel.ids[empty[0]])'\n")
        }
        return try drawSeries(series, explicit: explicit, total: panel.count, ids: panel.ids, target: target) { s in
            Figures.series(panel, series: s, last: last, title: title)
        }
    }

    /// A figure of several series, or one figure per series for an `{id}` pattern.
    func drawSeries(_ series: [Int], explicit: Bool, total: Int, ids: [String], target: Target,
                    build: ([Int]) -> Figure) throws(Diagnostic) -> Value {
        if case .perSeries(let pattern, let format) = target {
            var jobs: [PlotJob] = []
            jobs.reserveCapacity(series.count)
            var paths = Set<String>()
            for s in series {
                let figure = build([s])
                let (w, h) = try imageSize(figure)
                let path = pattern.replacingOccurrences(of: "{id}", with: Self.fileName(ids[s]))
                guard paths.insert(path).inserted else {
                    throw fail("two series write the same file '\(path)'", at: "to")
                }
                jobs.append(PlotJob(figure: figure, terminal: format.terminal(width: w, height: h), path: path))
            }
            let start = DispatchTime.now().uptimeNanoseconds
            try render(jobs, pathArgument: true)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let written = jobs.compactMap(\.path)
            interp.output("plot: wrote \(jobs.count) file\(jobs.count == 1 ? "" : "s") like "
                          + "\(written.first ?? "") in \(String(format: "%.2f", seconds))s\n")
            for path in written { interp.onArtifact?(path) }
            return .none
        }
        if series.count > Self.maxCharts {
            throw fail("\(series.count) series are too many for one figure (at most \(Self.maxCharts))", at: "ids",
                       notes: ["help: write one file per series with {id} in the name: to: \"out/plots/{id}.png\""])
        }
        if !explicit && total > series.count {
            interp.output("plot: showing \(series.count) of \(total) series; choose them with ids:, or write one file per series with to: \"out/{id}.png\"\n")
        }
        return try draw([build(series)], target: target, what: "\(series.count) series")
    }

    /// Draws figures to the target (one file, or the terminal).
    func draw(_ figures: [Figure], target: Target, what: String) throws(Diagnostic) -> Value {
        switch target {
        case .file(let path, let format), .perSeries(let path, let format):
            var jobs: [PlotJob] = []
            for f in figures {
                let (w, h) = try imageSize(f)
                jobs.append(PlotJob(figure: f, terminal: format.terminal(width: w, height: h), path: path))
            }
            try render(jobs, pathArgument: args.has("to"))
            if args.has("to") { interp.output("plot: wrote \(path) (\(what))\n") }
            interp.onArtifact?(path)
        case .terminal(let terminal):
            var jobs: [PlotJob] = []
            for f in figures {
                var t = terminal
                if case .sixel = terminal, args.has("size") {
                    let (w, h) = try imageSize(f)
                    t = .sixel(width: w, height: h)
                }
                jobs.append(PlotJob(figure: f, terminal: t))
            }
            let out = try render(jobs, pathArgument: false)
            var text = String(decoding: out, as: UTF8.self)
            if terminal.isText { text = TerminalScreen.tidy(text) }
            interp.output(text.hasSuffix("\n") ? text : text + "\n")
        }
        return .none
    }

    @discardableResult
    func render(_ jobs: [PlotJob], pathArgument: Bool) throws(Diagnostic) -> Data {
        do {
            return try interp.host.renderPlots(jobs)
        } catch {
            let isPath = error.message.hasPrefix("cannot write") || error.message.hasPrefix("cannot create")
            throw Diagnostic("plot(): \(error.message)", at: isPath && pathArgument ? args.span("to") : args.callSpan,
                             notes: error.notes)
        }
    }

    /// A series id made safe as a file name: `/`, NUL and control characters become `_`.
    static func fileName(_ id: String) -> String {
        var s = String(id.map { c -> Character in
            (c == "/" || c == "\\" || c.asciiValue.map { $0 < 32 } == true) ? "_" : c
        })
        if s.isEmpty || s == "." || s == ".." { s = "_" + s }
        return s
    }
}
