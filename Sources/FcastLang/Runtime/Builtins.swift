import FcastCore
import FcastEvents
import FcastExec
import FcastPlugins
import Foundation

/// A parameter of a builtin.
public struct BuiltinParameter: Sendable {
    public var name: String
    /// Given by position (in declaration order) as well as by name.
    public var positional: Bool
    public var required: Bool
    public var help: String

    public init(name: String, positional: Bool, required: Bool, help: String) {
        self.name = name
        self.positional = positional
        self.required = required
        self.help = help
    }
}

/// A function of the language that is not an algorithm.
public struct Builtin: Sendable {
    public var name: String
    public var parameters: [BuiltinParameter]
    /// Takes any number of further positional values (grid's models).
    public var variadic: String? = nil
    /// Takes named arguments it does not declare (grid's shared model parameters).
    public var acceptsAnyNamed = false
    public var summary: String
    public var example: String
    /// The reference text (Markdown): docs/language.md and `:help` are made from it.
    public var details: String = ""
    /// What a call does, given the arguments bound to the parameters (required ones are
    /// there). Errors are diagnostics; any other error becomes one at the call.
    public var body: @Sendable (Interpreter, BoundArguments) throws -> Value

    public init(name: String, parameters: [BuiltinParameter], variadic: String? = nil, acceptsAnyNamed: Bool = false,
                summary: String, example: String, details: String = "",
                body: @escaping @Sendable (Interpreter, BoundArguments) throws -> Value) {
        self.name = name
        self.parameters = parameters
        self.variadic = variadic
        self.acceptsAnyNamed = acceptsAnyNamed
        self.summary = summary
        self.example = example
        self.details = details
        self.body = body
    }

    var positionalCount: Int { parameters.filter(\.positional).count }

    public var signature: String {
        var parts = parameters.map { p in
            p.positional ? (p.required ? p.name : "[\(p.name)]") : "\(p.name): ..."
        }
        if let variadic { parts.insert("\(variadic)...", at: 0) }
        if acceptsAnyNamed { parts.append("<model parameter>: ...") }
        return "\(name)(\(parts.joined(separator: ", ")))"
    }
}

/// Arguments matched to a builtin's parameters, with typed accessors that report errors
/// at the argument's location.
public struct BoundArguments: Sendable {
    public var callSpan: SourceSpan
    public var builtin: String
    public var values: [String: EvaluatedArgument] = [:]
    public var rest: [EvaluatedArgument] = []
    public var extraNamed: [EvaluatedArgument] = []

    public init(callSpan: SourceSpan, builtin: String) {
        self.callSpan = callSpan
        self.builtin = builtin
    }

    public func span(_ name: String) -> SourceSpan { values[name]?.span ?? callSpan }
    public func has(_ name: String) -> Bool { values[name] != nil }

    public func wrongType(_ name: String, _ expected: String) -> Diagnostic {
        Diagnostic("\(builtin)(): '\(name)' must be \(expected), got \(values[name]?.value.typeName ?? "nothing")",
                   at: span(name))
    }

    /// The value of a parameter that must be given (binding checks required ones; a
    /// builtin's body asking for another is told so at the call, not crashed).
    public func required(_ name: String) throws(Diagnostic) -> Value {
        guard let v = values[name]?.value else { throw Diagnostic("\(builtin)() needs '\(name)'", at: callSpan) }
        return v
    }
    public func requiredString(_ name: String) throws(Diagnostic) -> String {
        guard let s = try string(name) else { throw Diagnostic("\(builtin)() needs '\(name)'", at: callSpan) }
        return s
    }
    public func requiredInt(_ name: String, min: Int? = nil) throws(Diagnostic) -> Int {
        guard let n = try int(name, min: min) else { throw Diagnostic("\(builtin)() needs '\(name)'", at: callSpan) }
        return n
    }

    public func data(_ name: String) throws(Diagnostic) -> Panel {
        guard case .data(let p)? = values[name]?.value else { throw wrongType(name, "a data set") }
        return p
    }
    public func string(_ name: String) throws(Diagnostic) -> String? {
        guard let v = values[name]?.value else { return nil }
        guard case .string(let s) = v else { throw wrongType(name, "a string") }
        return s
    }
    public func bool(_ name: String) throws(Diagnostic) -> Bool? {
        guard let v = values[name]?.value else { return nil }
        guard case .bool(let b) = v else { throw wrongType(name, "true or false") }
        return b
    }
    public func number(_ name: String) throws(Diagnostic) -> Double? {
        guard let v = values[name]?.value else { return nil }
        guard case .number(let x) = v else { throw wrongType(name, "a number") }
        return x
    }
    public func int(_ name: String, min: Int? = nil) throws(Diagnostic) -> Int? {
        guard let x = try number(name) else { return nil }
        guard x == x.rounded(), abs(x) < 1e15 else { throw wrongType(name, "a whole number") }
        if let min, Int(x) < min {
            throw Diagnostic("\(builtin)(): '\(name)' must be at least \(min), got \(Int(x))", at: span(name))
        }
        return Int(x)
    }
    public func numbers(_ name: String) throws(Diagnostic) -> [Double]? {
        guard let v = values[name]?.value else { return nil }
        switch v {
        case .number(let x): return [x]
        case .list(let items):
            var out: [Double] = []
            for i in items {
                guard case .number(let x) = i else { throw wrongType(name, "a number or a list of numbers") }
                out.append(x)
            }
            return out
        default: throw wrongType(name, "a number or a list of numbers")
        }
    }
}

/// An error from the data layer as a diagnostic's message: its file location kept, without
/// a second "error:" (the diagnostic says it once).
func errorText(_ error: any Error) -> String {
    (error as? FcastError)?.locatedMessage ?? "\(error)"
}

extension BuiltinLibrary {
    /// Data sets: load, describe, split, ids, take.
    public static let data = BuiltinLibrary(
        name: "data",
        summary: "Loading data sets and taking them apart.",
        builtins: [
        Builtin(
            name: "load",
            parameters: [
                .init(name: "path", positional: true, required: true, help: "a long-format CSV file"),
                .init(name: "id", positional: false, required: false, help: "the series id column (default \"unique_id\")"),
                .init(name: "ds", positional: false, required: false, help: "the timestamp column (default \"ds\")"),
                .init(name: "y", positional: false, required: false, help: "the value column (default \"y\")"),
                .init(name: "freq", positional: false, required: false,
                      help: "the frequency, when inference is not wanted: \"monthly\", \"daily\", \"15min\", ...; or a business calendar: \"business_hours(07:00-21:00, mon-fri)\"; or \"index\" when the time column holds whole-number steps (1, 2, 3, ...)"),
                .init(name: "time", positional: false, required: false,
                      help: "raw events: the timestamp column (then id: names the key columns; see aggregate)"),
                .init(name: "value", positional: false, required: false, help: "raw events: the numeric columns kept"),
                .init(name: "on_error", positional: false, required: false,
                      help: "\"stop\" (default): a bad row is an error; \"skip\": bad rows are left out, counted and shown by describe()"),
                .init(name: "regressors", positional: false, required: false,
                      help: "extra numeric columns kept beside y (exogenous regressors), e.g. [\"price\", \"promo\"]"),
            ],
            summary: "Loads long-format data: one row per series and timestamp.",
            example: "emp = load(\"examples/data/us_employment.csv\")",
            details: """
            Loads a long-format CSV: one row per series and timestamp. `id`, `ds`, `y` name the
            columns when they are not `unique_id`, `ds`, `y`. Timestamps are dates (`2020-01-31`) or
            date-times (`2020-01-31 13:00:00`, `T` separator allowed). The frequency is inferred
            (yearly, quarterly, monthly, weekly, daily, hourly, minutes, seconds); `freq: "monthly"`
            overrides it, and `freq: "index"` reads whole-number steps (1, 2, 3, ...) instead of
            timestamps. Empty, `NA` or `NaN` values are missing values. A malformed row, a value
            that is not a number or a duplicated (id, timestamp) is an error naming file, line and
            column, as are an infinite or overflowing value (`inf`, `1e309`), a malformed timestamp
            (`201f-04-01`) and an id that is not valid UTF-8 or holds control characters. With
            `on_error: "skip"` such rows are left out instead, and `describe()` says how many.
            `regressors: ["price", "promo"]` keeps those numeric columns beside `y` (aligned
            with it; empty or `NA` is missing), and `describe()` lists them.
            Only regular files are read (not FIFOs or devices); a row is at most 1 MiB. With `time:`
            (raw events: one row per event, `id:` one or several key columns, `value:` numeric
            columns kept), or a Parquet file, glob or hive folder, it gives events for `aggregate`
            instead, nothing read yet.
            """,
            body: { interp, a in
                let path = try a.requiredString("path")
                let resolved = interp.host.resolvePath(path)
                var isFolder: ObjCBool = false
                let folder = FileManager.default.fileExists(atPath: resolved, isDirectory: &isFolder) && isFolder.boolValue
                if a.has("time") || a.has("value") || (!folder && ParquetEvents.isParquet(resolved)) {
                    return try EventLanguage.load(interp, a)
                }
                var options = LongCSVOptions()
                if let id = try a.string("id") { options.id = id }
                if let ds = try a.string("ds") { options.time = ds }
                if let y = try a.string("y") { options.value = y }
                options.regressors = try a.regressorNames()
                switch try a.string("on_error") {
                case nil, "stop"?: break
                case "skip"?: options.skipBadRows = true
                case let other?:
                    throw Diagnostic("load(): on_error must be \"stop\" or \"skip\", got \"\(TerminalText.escape(other))\"", at: a.span("on_error"))
                }
                if let f = try a.string("freq") {
                    do { try GapLanguage.frequencyOption(f, into: &options) } catch {
                        throw Diagnostic("load(): \(errorText(error))", at: a.span("freq"))
                    }
                }
                let panel: Panel
                do {
                    panel = try interp.host.loadData(path: path, options: options)
                } catch {
                    throw Diagnostic(errorText(error), at: a.span("path"))
                }
                GapLanguage.noteGaps(interp, panel, builtin: "load")
                return .data(panel)
            }),
        Builtin(
            name: "describe",
            parameters: [
                .init(name: "data", positional: true, required: true, help: "a data set, or a run result"),
                .init(name: "n", positional: false, required: false, help: "series rows shown for a run result (default 10)"),
            ],
            summary: "Summarises a data set (series, dates, frequency, lengths, gaps) or a run's fitted models and residual checks.",
            example: "describe(emp)",
            details: """
            For a data set: the number of series and points, the frequency, the date range, the
            length distribution, gaps (missing periods), missing values and constant series.
            For a run result: per model, the fitted models and how many series' residuals fail the
            Ljung-Box test at 5% (as `ljung_box`), then the first `n` series with each model's
            fitted form and Ljung-Box p-value.
            """,
            body: { interp, a in
                if case .run(let run)? = a.values["data"]?.value {
                    interp.output(try interp.describeRun(run, rows: try a.int("n", min: 0) ?? 10, a))
                    return .none
                }
                guard case .data(let data)? = a.values["data"]?.value else { throw a.wrongType("data", "a data set or a run result") }
                interp.output(TerminalText.escapeKeepingLines(data.describe().description) + "\n")
                return .none
            }),
        Builtin(
            name: "split",
            parameters: [
                .init(name: "data", positional: true, required: true, help: "a data set"),
                .init(name: "last", positional: false, required: true, help: "points per series to hold out"),
            ],
            summary: "Splits every series into a training part and its last N points: `train, test = split(d, last: 24)`.",
            example: "train, test = split(emp, last: 24)",
            details: """
            Splits every series into its training part and its last `last` points, as a list of two
            data sets. A series with `last` points or fewer is an error naming it.
            """,
            body: { _, a in
                let data = try a.data("data")
                let n = try a.requiredInt("last", min: 1)
                do {
                    let (train, test) = try data.split(last: n)
                    return .list([.data(train), .data(test)])
                } catch {
                    throw Diagnostic("split(): \(errorText(error))", at: a.callSpan)
                }
            }),
        Builtin(
            name: "ids",
            parameters: [.init(name: "data", positional: true, required: true, help: "a data set")],
            summary: "The series ids of a data set, as a list of strings.",
            example: "take(ids(emp), 4)",
            details: """
            The series ids as a list of strings.
            """,
            body: { _, a in .list(try a.data("data").ids.map { .string($0) }) }),
        Builtin(
            name: "take",
            parameters: [
                .init(name: "value", positional: true, required: true, help: "a list or a data set"),
                .init(name: "n", positional: true, required: true, help: "how many"),
            ],
            summary: "The first n items of a list, or the first n series of a data set.",
            example: "small = take(emp, 10)",
            details: """
            The first `n` items of a list, or the first `n` series of a data set.
            """,
            body: { _, a in
                let n = try a.requiredInt("n", min: 0)
                switch try a.required("value") {
                case .list(let items): return .list(Array(items.prefix(n)))
                case .data(let p): return .data(p.subset(Array(0..<min(n, p.count))))
                default: throw a.wrongType("value", "a list or a data set")
                }
            }),
    ] + GapLanguage.builtins)

    /// Models: grid, run, predict.
    public static let models = BuiltinLibrary(
        name: "models",
        summary: "Grids of models, runs and forecasts from fitted models.",
        builtins: [
        Builtin(
            name: "grid",
            parameters: [],
            variadic: "models",
            acceptsAnyNamed: true,
            summary: "A grid of models. Named arguments (season: 12) go to every model that takes them; list values expand into one model each.",
            example: "g = grid(naive(), snaive(), drift(), season: 12)",
            details: """
            A grid of models. Named arguments go to every model of the grid that takes that
            parameter and has not set it itself (`season: 12` reaches `snaive` but not `naive`); a
            name that no model takes is an error. Models are named by their algorithm, plus the
            parameters that differ between models of the same algorithm: `snaive(season=4)`.
            """,
            body: { interp, a in .grid(try interp.buildGrid(a)) }),
        Builtin(
            name: "run",
            parameters: [
                .init(name: "models", positional: true, required: true, help: "a model, a grid or a list of models"),
                .init(name: "data", positional: true, required: true, help: "the training data"),
                .init(name: "horizon", positional: false, required: true, help: "steps to forecast"),
                .init(name: "level", positional: false, required: false, help: "prediction interval levels in percent, e.g. [80, 95]"),
                .init(name: "workers", positional: false, required: false, help: "threads (default: all cores)"),
                .init(name: "seed", positional: false, required: false, help: "seed for simulated intervals (default 1)"),
                .init(name: "executor", positional: false, required: false,
                      help: "where tasks run: \"threads\" (default), \"inline\" (one thread, in order), \"processes\" (worker processes: a crashing plugin fails only its task), ray() (a Ray cluster)"),
                .init(name: "keep", positional: false, required: false,
                      help: "keep the fitted models for predict and best (default true)"),
                .init(name: "journal", positional: false, required: false,
                      help: "an SQLite file recording each finished task: the same run again resumes from it"),
                .init(name: "timeout", positional: false, required: false,
                      help: "seconds a task may take in a worker process before it fails (processes, ray())"),
                .init(name: "retries", positional: false, required: false,
                      help: "times a task whose worker crashed is tried again on a fresh worker (processes, ray())"),
                .init(name: "memory", positional: false, required: false,
                      help: "each worker process's memory cap, e.g. \"2G\" (processes, ray())"),
                .init(name: "isolate", positional: false, required: false,
                      help: "run plugins outside the built-in set in worker processes (default true)"),
                .init(name: "intervals", positional: false, required: false,
                      help: "\"model\" (default: the models' own) or \"conformal\" (from cross-validation errors; see calibrate)"),
                .init(name: "windows", positional: false, required: false, help: "cross-validation windows of conformal intervals (default 4)"),
                .init(name: "step", positional: false, required: false, help: "points between those windows (default: the horizon)"),
                .init(name: "refit", positional: false, required: false, help: "refit of that cross-validation: true (default), false or k, as cv()'s"),
                .init(name: "cv", positional: false, required: false, help: "a cross-validation (or its scores) of the same data to take conformal errors from instead of running one"),
                .init(name: "future", positional: false, required: false,
                      help: "the regressors' future values: a data set with the same ids and regressor columns for the next `horizon` periods"),
            ],
            summary: "Fits every model to every series in parallel and forecasts `horizon` steps.",
            example: "res = run(g, train, horizon: 24, level: [80, 95])",
            details: """
            Fits every model to every series on a pool of threads (all cores unless `workers:`) and
            forecasts `horizon` steps, with prediction intervals at each `level` (percent). Progress
            goes to stderr: a bar at a terminal, a line every few seconds otherwise. A task that fails
            (a series too short for a model, a plugin error) is recorded with its reason and the rest
            of the grid goes on; `show(res)` lists the failures. `seed` makes simulated intervals
            reproducible: a task's seed comes from the series' id, the model's parameters and `seed`,
            so a model gives the same forecasts and intervals alone or in any grid, on any executor
            and number of workers. `executor: "inline"` runs the tasks one by one on one thread;
            `executor: "processes"` runs them in `workers` child processes, so that a plugin that
            crashes fails only the task it was running ("worker process killed by SIGSEGV while
            running this task") and the run goes on, with the same numbers as on threads. The
            fitted models are kept: `predict(res, horizon: h)` forecasts again from them; `keep: false`
            drops each model once it has forecast, for grids too large to hold every model in memory
            (predict then fits again). Models from plugins outside the built-in set run in worker
            processes unless `isolate: false`; there `timeout:` (seconds per task), `retries:` and
            `memory:` (a cap per worker, "2G") apply. `journal: "runs/x.db"` records each finished
            task in an SQLite file: the same run started again after Ctrl-C, kill -9 or a power cut
            skips the finished tasks ("resumed N of M tasks") with identical results; a journal of
            another plan is refused, saying what changed. When the data has regressors
            (`load(..., regressors: [...])`), the models that use them (arima, auto_arima, prophet)
            need their values over the horizon: `future:` a data set with the same ids and those
            columns for the next `horizon` periods (its `y` column may be absent); a missing series,
            regressor or period is an error naming them. Models that use no regressors forecast
            from y alone, said in a note.
            """,
            body: { interp, a in try interp.runGrid(a) }),
        Builtin(
            name: "predict",
            parameters: [
                .init(name: "run", positional: true, required: true, help: "a run result, a best-model table or a model store"),
                .init(name: "horizon", positional: false, required: true, help: "steps to forecast"),
                .init(name: "level", positional: false, required: false,
                      help: "prediction interval levels in percent (default: the run's)"),
                .init(name: "ids", positional: false, required: false,
                      help: "a model store's series to forecast: an id or a list (default: all)"),
                .init(name: "future", positional: false, required: false,
                      help: "the regressors' future values: a data set with the same ids and regressor columns"),
            ],
            summary: "Forecasts again from a run's fitted models, without refitting: any horizon, any levels.",
            example: "longer = predict(res, horizon: 36, level: [80])",
            details: """
            Forecasts `horizon` steps from the models a run fitted, without fitting them again, at
            `level` (default: the run's levels). For the run's own horizon and levels the numbers are
            the run's. Tasks that failed in the run fail the same way. Given a best-model table
            (`best(scores)`), it forecasts each series with its winning model only. Given a model store
            (`open("models/x.db")`), it forecasts from the stored models, `ids:` choosing series; a
            model whose plugin is missing or of another major version fails its series with a
            warning, and the others forecast. Models (a run's or stored) that use regressors need
            their values over the horizon: `future:` as in `run` (an error names the series and
            regressors without it).
            """,
            body: { interp, a in
                let run: RunResult, tasks: [Int]?
                if case .store(let s)? = a.values["run"]?.value { return try interp.predictFromStore(s, a) }
                if a.has("ids") { throw Diagnostic("predict(): 'ids' chooses series of a model store", at: a.span("ids")) }
                switch a.values["run"]?.value {
                case .run(let r)?: (run, tasks) = (r, nil)
                case .best(let b)?:
                    guard let r = b.run else { throw a.wrongType("run", "a run result, or a best-model table from best(evaluate(run, test))") }
                    (run, tasks) = (r, b.rows.compactMap(\.task))
                default: throw a.wrongType("run", "a run result, a best-model table or a model store")
                }
                let horizon = try a.requiredInt("horizon", min: 1)
                let levels = try interp.levels(a) ?? run.levels
                try interp.checkBudget(a, tasks: run.plan.taskCount, series: run.train.count, windows: run.plan.windows.count,
                                       horizon: horizon, levels: levels.count)
                let future = try interp.regressorFuture(a, specs: run.models, data: run.train, horizon: horizon, needsFuture: true)
                do {
                    return .run(try interp.host.predict(run, horizon: horizon, levels: levels, tasks: tasks,
                                                        workers: interp.defaultWorkers,
                                                        cancel: CancelToken(parent: interp.interrupt), future: future))
                } catch {
                    throw Diagnostic("predict(): \(errorText(error))", at: a.callSpan)
                }
            }),
    ])

    /// Scoring: evaluate, summary, best.
    public static let scoring = BuiltinLibrary(
        name: "scoring",
        summary: "Scoring forecasts against actuals and choosing models.",
        builtins: [
        Builtin(
            name: "evaluate",
            parameters: [
                .init(name: "run", positional: true, required: true, help: "a run result or a cross-validation"),
                .init(name: "test", positional: true, required: false, help: "the held-out actuals (not for a cross-validation)"),
                .init(name: "season", positional: false, required: false,
                      help: "the seasonal lag that scales MASE (default: from the frequency, 12 for monthly)"),
                .init(name: "average", positional: false, required: false,
                      help: "a cross-validation's windows: \"mean\" (default) or \"geometric\" (of the errors)"),
            ],
            summary: "Scores forecasts against actuals per series and model: MAE, RMSE, sMAPE, MASE, interval coverage.",
            example: "scores = evaluate(res, test)",
            details: """
            Scores every successful forecast against the actuals with the same timestamps: MAE,
            RMSE, sMAPE (mean of 200·|y−ŷ|/(|y|+|ŷ|)), MASE (MAE over the in-sample seasonal naive
            MAE with lag `season`, default from the frequency; lag 1 when that is zero; undefined for
            a constant history) and, per interval level, coverage (share of actuals inside).
            Test points at timestamps the forecast does not have (beyond the horizon, or off the
            forecast's clock) are not scored: a note says how many, with the first.
            A cross-validation is scored per window (MASE and RMSSE scaled on the window's
            training part) and each series' windows are averaged: `average: "geometric"` takes
            the geometric mean of the errors (coverage stays the mean), so one unusually hard
            window does not decide `best()` alone (Davydenko & Fildes 2013).
            """,
            body: { interp, a in
                if case .cv(let cv)? = a.values["run"]?.value {
                    if a.has("test") { throw Diagnostic("evaluate(): a cross-validation is scored on its own windows: no test data", at: a.span("test")) }
                    let name = try a.string("average") ?? "mean"
                    guard let average = Evaluation.WindowAverage(rawValue: name) else {
                        throw Diagnostic("evaluate(): average: must be \"mean\" or \"geometric\", got \"\(name)\"", at: a.span("average"),
                                         notes: Suggest.closest(to: name, among: Evaluation.WindowAverage.allCases.map(\.rawValue)).map { ["did you mean '\($0)'?"] } ?? [])
                    }
                    return .scores(Evaluation.evaluate(cv, season: try a.int("season", min: 1), average: average))
                }
                if a.has("average") { throw Diagnostic("evaluate(): average: is for a cross-validation's windows; a run is scored on one hold-out", at: a.span("average")) }
                guard case .run(let run)? = a.values["run"]?.value else { throw a.wrongType("run", "a run result or a cross-validation") }
                guard a.has("test") else { throw Diagnostic("evaluate() needs 'test' (the held-out actuals) for a run result", at: a.callSpan) }
                let test = try a.data("test")
                let season = try a.int("season", min: 1)
                do {
                    let scores = try Evaluation.evaluate(run, test: test, season: season)
                    GapLanguage.noteUnscored(interp, scores, test: test)
                    return .scores(scores)
                } catch {
                    throw Diagnostic("evaluate(): \(errorText(error))", at: a.callSpan)
                }
            }),
        Builtin(
            name: "summary",
            parameters: [
                .init(name: "scores", positional: true, required: true, help: "a score table"),
                .init(name: "sort", positional: false, required: false, help: "the metric to sort by (default \"mase\")"),
            ],
            summary: "One row per model: each metric's mean over series, failures and fit time.",
            example: "show(summary(scores))",
            details: """
            One row per model: the mean of each metric over series, the number of series scored and
            failed, and the total fit time. Sorted by `sort` (default `"mase"`).
            """,
            body: { _, a in
                guard case .scores(let s)? = a.values["scores"]?.value else { throw a.wrongType("scores", "a score table") }
                let sort = try a.string("sort") ?? "mase"
                guard s.column(sort) != nil else {
                    throw Diagnostic("summary(): the score table has no metric '\(sort)'", at: a.span("sort"),
                                     notes: (Suggest.closest(to: sort, among: s.metrics).map { ["did you mean '\($0)'?"] } ?? [])
                                         + ["metrics: \(s.metrics.joined(separator: ", "))"])
                }
                return .summary(SummaryTable(metrics: s.metrics, rows: Evaluation.summary(s, sortBy: sort),
                                             seriesCount: Set(s.rows.map(\.id)).count))
            }),
        Builtin(
            name: "best",
            parameters: [
                .init(name: "scores", positional: true, required: true, help: "a score table"),
                .init(name: "by", positional: false, required: false, help: "the metric to minimise (default \"mase\")"),
                .init(name: "prior", positional: false, required: false,
                      help: "pseudo-windows pulling each series' scores toward the model's mean over series (default 0)"),
            ],
            summary: "The winning model per series.",
            example: "b = best(scores, by: \"mase\")",
            details: """
            The model with the lowest `by` (default `"mase"`) for each series, and how many series
            each model won. The table keeps each winner's fitted model: `predict(b, horizon: h)`
            forecasts every series with its own winner. On a cross-validation's scores
            (`evaluate(cv(...))`) it ranks the means over windows (also by `rmsse` or a Winkler
            score) and `run(b, data, horizon: h)` fits each series' winner. `prior: k` ranks each
            series' scores shrunk toward the model's mean over all series, (n·score + k·mean)/(n + k)
            with n the windows: with few windows a series keeps the overall best model unless its
            own windows clearly say otherwise.
            """,
            body: { _, a in
                guard case .scores(let s)? = a.values["scores"]?.value else { throw a.wrongType("scores", "a score table") }
                let by = try a.string("by") ?? "mase"
                do {
                    let prior = try a.number("prior") ?? 0
                    guard prior >= 0 else { throw Diagnostic("best(): 'prior' must be 0 or more", at: a.span("prior")) }
                    return .best(BestTable(metric: by, rows: try Evaluation.best(s, by: by, prior: prior), models: s.models, run: s.run,
                                           crossValidation: s.crossValidation))
                } catch EvaluationError.unknownMetric(let metric, let known) {
                    throw Diagnostic("best(): '\(metric)' is not a metric best() can rank by", at: a.span("by"),
                                     notes: (Suggest.closest(to: metric, among: known).map { ["did you mean '\($0)'?"] } ?? [])
                                         + ["it ranks by: \(known.joined(separator: ", "))"])
                } catch {
                    throw Diagnostic("best(): \(errorText(error))", at: a.span("by"))
                }
            }),
    ])

    /// Output: show, write.
    public static let output = BuiltinLibrary(
        name: "output",
        summary: "Showing values in full and writing them as CSV.",
        builtins: [
        Builtin(
            name: "show",
            parameters: [
                .init(name: "value", positional: true, required: true, help: "any value"),
                .init(name: "n", positional: false, required: false, help: "rows to show (default 20)"),
            ],
            summary: "Prints a value in full: tables with their rows, runs with their failures.",
            example: "show(summary(scores))",
            details: """
            Prints a value in full: tables up to `n` rows (default 20), runs with their failures.
            """,
            body: { interp, a in
                let n = try a.int("n", min: 0) ?? 20
                interp.output(Display.render(try a.required("value"), limit: n, full: true) + "\n")
                return .none
            }),
        Builtin(
            name: "write",
            parameters: [
                .init(name: "value", positional: true, required: true, help: "a data set, run, score, summary or best table"),
                .init(name: "path", positional: true, required: true, help: "the CSV file to write"),
            ],
            summary: "Writes a value as long CSV (forecasts as unique_id,ds,model,yhat,lo80,hi80,...).",
            example: "write(res, \"out/forecasts.csv\")",
            details: """
            Writes a data set, run, score, summary or best table as CSV; folders are created.
            Forecasts are written long: `unique_id,ds,model,yhat` and `lo<L>,hi<L>` per level
            (`lo80,hi80`), with `ds` formatted as the input's dates.
            """,
            body: { interp, a in
                let path = try a.requiredString("path")
                // The format follows the extension; only CSV is written, so another extension
                // (x.json) is refused rather than given CSV under a misleading name.
                let ext = (path as NSString).pathExtension.lowercased()
                if ext == "parquet" {
                    do {
                        let table = try CSVExport.table(try a.required("value"))
                        try EventLanguage.writeParquet(interp, table, to: path)
                        interp.output("wrote \(table.rowCount) row\(table.rowCount == 1 ? "" : "s") to \(path)\n")
                    } catch let d as Diagnostic { throw d } catch {
                        throw Diagnostic("write(): \(errorText(error))", at: a.span("path"))
                    }
                    return .none
                }
                guard ext == "csv" else {
                    throw Diagnostic("write(): \(ext.isEmpty ? "'\(path)' has no extension" : "cannot write .\(ext) files"); write() writes CSV or Parquet, name the file .csv or .parquet",
                                     at: a.span("path"))
                }
                let table: CSVTable
                do throws(Diagnostic) {
                    table = try CSVExport.table(try a.required("value"))
                } catch {
                    throw Diagnostic(error.message, at: a.span("value"))
                }
                do {
                    try interp.host.writeCSV(table, to: path)
                    interp.output("wrote \(table.rowCount) row\(table.rowCount == 1 ? "" : "s") to \(path)\n")
                } catch {
                    throw Diagnostic("write(): \(errorText(error))", at: a.span("path"))
                }
                return .none
            }),
    ])
}
