import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import Foundation

extension BuiltinLibrary {
    /// Cross-validation: cv, calibrate (evaluate, summary, best, run and write take its results).
    public static let validation = BuiltinLibrary(
        name: "validation",
        summary: "Rolling-origin cross-validation, choosing models on it, and conformal intervals from its errors.",
        builtins: [
        Builtin(
            name: "cv",
            parameters: [
                .init(name: "models", positional: true, required: true, help: "a model, a grid or a list of models"),
                .init(name: "data", positional: true, required: true, help: "the data to cross-validate on"),
                .init(name: "horizon", positional: false, required: true, help: "steps each window forecasts"),
                .init(name: "windows", positional: false, required: false, help: "number of origins (default 3)"),
                .init(name: "step", positional: false, required: false, help: "points between origins (default: the horizon)"),
                .init(name: "refit", positional: false, required: false, help: "true (fit at every window, the default), false (fit at the first only) or k (every k windows)"),
                .init(name: "level", positional: false, required: false, help: "model interval levels in percent, for coverage and Winkler scores"),
                .init(name: "workers", positional: false, required: false, help: "threads (default: all cores)"),
                .init(name: "seed", positional: false, required: false, help: "seed for simulated intervals (default 1)"),
                .init(name: "executor", positional: false, required: false, help: "\"threads\" (default), \"inline\" or \"processes\""),
            ],
            summary: "Rolling-origin cross-validation: every model forecasts `horizon` steps from `windows` origins per series.",
            example: "folds = cv(g, train, horizon: 8, windows: 4)",
            details: """
            Cross-validates every model on every series from `windows` origins, as statsforecast's
            `cross_validation` defines them: the last window tests the last `horizon` points of each
            series, each earlier window ends `step` points (default `horizon`) before the next, and
            every window is fitted on all the points before its cutoff. With `horizon: 2, windows: 3,
            step: 1` on a series of 10 points (`x` train, `T` test):

            ```
            window 1  x x x x x x T T . .   cutoff after point 6
            window 2  x x x x x x x T T .   cutoff after point 7
            window 3  x x x x x x x x T T   cutoff after point 8
            ```

            Every window is a window of the plan (tasks are series x model x window) and runs in
            parallel. A series too short for the windows is an error naming it and how many windows
            fit; so is a series with missing periods (windows count points). A model that fails on
            some windows keeps its other windows: `show(folds)` lists the failures per window.
            `evaluate(folds)` scores each series x model averaged over windows, `best(...)` chooses on
            them, `write(folds, "cv.csv")` writes `unique_id, ds, cutoff, y` and a column per model,
            `plot(folds)` draws the scaled error per horizon step.

            `refit:` is statsforecast's: `true` (the default) fits every window on its own data;
            `false` fits each series' model once, on the first window's data, and forecasts every
            later window from that model forwarded over the newer points (the same parameters,
            the states filtered through the data up to the window's cutoff, nothing estimated
            again); a whole number k fits at windows 1, k + 1, 2k + 1, ... and the windows between
            forward the fit before them. It needs models whose plugins can forecast new data
            without fitting again (the fcast.forward.v1 extension: arima, auto_arima, ets, theta,
            the naive family; a global model forecasts any series from one fit); others are
            refused, by name.
            """,
            body: { interp, a in try interp.crossValidate(a) }),
        Builtin(
            name: "calibrate",
            parameters: [
                .init(name: "run", positional: true, required: true, help: "a run result with levels"),
                .init(name: "cv", positional: true, required: true, help: "a cross-validation of the same models and series"),
                .init(name: "scores", positional: false, required: false,
                      help: "\"recent\" (default: own errors, each window's at the newest window's error level), \"profile\", \"series\" (each series' own errors per step) or \"pooled\" (scaled errors pooled over series)"),
            ],
            summary: "Replaces a run's intervals with conformal ones from a cross-validation's errors.",
            example: "res2 = calibrate(res, folds)",
            details: """
            Split-conformal intervals: per model and horizon step, the interval at level L is the
            forecast plus or minus the ceil((n + 1) L)-th smallest of n nonconformity scores, the
            finite-sample conformal rank (Vovk et al. 2005; Angelopoulos and Bates 2021), which
            covers at least L when the errors are exchangeable. With `scores: "recent"` (the
            default) each window's errors are first multiplied by D(newest) / D(w), D(w) the
            model's mean scaled error in window w over every series and step: error levels drift
            between windows (a recession in one, a calm stretch in the next), and the newest
            window's level is the best guess for the forecast's; then as "profile". On the
            hold-outs of visnights and employment it brought the 80% coverage of the choice into
            0.75-0.85 on both, where "profile" gave 0.71 and 0.89 (docs/cv.md). With
            `scores: "profile"` the scores of step t are the series' own absolute errors at step t where they
            are enough for the level's rank (4 windows: 80%); otherwise (95% with 4 windows) the
            series' errors of every step and window, each divided by the model's mean scaled error
            at its step over all series (how errors grow over the horizon), with the quantile
            multiplied back by step t's value: the series keeps its own level and borrows only the
            shape. On the hold-outs of visnights and employment it brought 95% coverage of the
            choice into 0.90-0.98 where "series" gave 0.88 (docs/cv.md). With `scores: "series"`
            the scores are each series' own absolute errors (statsforecast's ConformalIntervals; at
            least 2 windows), neighbouring steps pooled where one step has too few. With `scores: "pooled"`
            the scores of step t are the absolute errors at step t of every series' windows, each
            divided by the in-sample MAE of the seasonal naive forecast on that window's training
            part (the scale of MASE), pooled over all the series the model ran on; a series' radius
            is that quantile times its own scale (normalized conformal prediction, Papadopoulos et
            al. 2008; Lei et al. 2018). Every step then has series x windows scores, and a chosen
            model's scores are not only those of the series that chose it on these very windows
            (which are biased low); on visnights (4 windows) it covered less than "series" at 80%
            (see docs/cv.md), so it is not the default. Where one step
            has too few scores for a level's rank (4 windows of one series give no 95% rank), the
            scores of neighbouring steps are pooled with it, and a note says so. A series with a
            constant history (no scale) uses its own errors. A task without any scored window gets
            no interval and is counted in the note. `run(..., intervals: "conformal", windows: 4)`
            does the cross-validation and this in one call; `run(pick, ...)` on a best table
            chosen by cross-validation reuses that cross-validation, and `cv:` passes one.
            """,
            body: { interp, a in
                guard case .run(let res)? = a.values["run"]?.value else { throw a.wrongType("run", "a run result") }
                guard case .cv(let cv)? = a.values["cv"]?.value else { throw a.wrongType("cv", "a cross-validation (cv(...))") }
                let name = try a.string("scores") ?? "recent"
                guard let scores = Conformal.Scores(rawValue: name) else {
                    throw Diagnostic("calibrate(): scores: must be \"recent\", \"profile\", \"series\" or \"pooled\", got \"\(name)\"", at: a.span("scores"),
                                     notes: Suggest.closest(to: name, among: Conformal.Scores.allCases.map(\.rawValue)).map { ["did you mean '\($0)'?"] } ?? [])
                }
                return .run(try interp.calibrated(res, with: cv, scores: scores, at: a.callSpan))
            }),
        Builtin(
            name: "combine",
            parameters: [
                .init(name: "by", positional: false, required: false, help: "\"mean\" (default), \"median\" or \"inverse_mse\""),
                .init(name: "name", positional: false, required: false, help: "the name in tables (default combine(members...))"),
            ],
            variadic: "models",
            summary: "A combination of models as one model of a grid: the mean, median or inverse-MSE weighted mean of their forecasts.",
            example: "g = grid(ets(), theta(), combine(ets(), theta(), auto_arima()), season: 4)",
            details: """
            A model whose forecast combines its members' forecasts per step: their mean (the default),
            median, or mean weighted by the inverse of each member's mean squared error on
            cross-validation windows (`by: "inverse_mse"`: in `cv()` the windows before each one, the
            first window equal weights; in `run()` all the windows of the cross-validation it runs).
            The members run as ordinary tasks (once, when the grid has them too); a member that fails
            is left out of that series' combination. Its intervals are conformal, from a cross-validation
            (`windows:` of run, default 4); inside `cv()` it has none. A grid's shared parameters
            (`season: 4`) reach the members. `best()` can choose it per series; `predict` and `save`
            refuse a run with a combination (it keeps no fitted model of its own).
            """,
            body: { interp, a in
                var members: [ModelSpec] = []
                for arg in a.rest {
                    for call in try interp.modelCalls(arg.value, span: arg.span) {
                        if call.combination != nil { throw Diagnostic("combine(): a combination cannot be a member of another", at: arg.span) }
                        members += call.expand()
                    }
                }
                guard members.count >= 2 else {
                    throw Diagnostic("combine() needs at least two models, e.g. combine(ets(), theta())", at: a.callSpan)
                }
                ModelSpec.assignNames(&members)
                let by = try a.string("by") ?? "mean"
                guard let method = Combination.Method(rawValue: by) else {
                    let known = Combination.Method.allCases.map(\.rawValue)
                    throw Diagnostic("combine(): by: must be one of \(known.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(by)\"", at: a.span("by"),
                                     notes: Suggest.closest(to: by, among: known).map { ["did you mean '\($0)'?"] } ?? [])
                }
                return .model(ModelCall(algorithm: members[0].algorithm, alternatives: [:], name: try a.string("name"),
                                        combination: Combination(members: members, method: method)))
            }),
    ])
}

extension Interpreter {
    /// The models of a `models` argument, named as a grid names them.
    func modelSpecs(_ a: BoundArguments) throws(Diagnostic) -> [ModelSpec] {
        guard let modelsArg = a.values["models"] else { throw Diagnostic("\(a.builtin)() needs 'models'", at: a.callSpan) }
        var specs: [ModelSpec]
        if case .grid(let g) = modelsArg.value {
            specs = g
        } else {
            specs = try modelCalls(modelsArg.value, span: modelsArg.span).flatMap { $0.expand() }
            ModelSpec.assignNames(&specs)
        }
        for spec in specs {
            for p in spec.algorithm.parameters where p.required && spec.values[p.name] == nil {
                throw Diagnostic("\(spec.algorithm.name) needs '\(p.name)' (\(p.help))", at: modelsArg.span,
                                 notes: ["give it to the model, \(spec.algorithm.name)(\(p.name): ...), or to the grid, grid(..., \(p.name): ...)"])
            }
        }
        return specs
    }

    func crossValidate(_ a: BoundArguments) throws(Diagnostic) -> Value {
        let specs = try modelSpecs(a)
        let data = try a.data("data")
        guard data.count > 0 else { throw Diagnostic("cv(): the data set has no series", at: a.span("data")) }
        let horizon = try a.requiredInt("horizon", min: 1)
        let windows = try a.int("windows", min: 1) ?? 3
        let step = try a.int("step", min: 1) ?? horizon
        let refit = try a.refit()
        let levels = try self.levels(a) ?? []
        let workers = try a.int("workers", min: 1) ?? defaultWorkers
        let seed = try a.int("seed", min: 0) ?? 1
        let executorName = try a.string("executor") ?? "threads"
        let layout = CombinationLayout(specs)
        _ = try regressorFuture(a, specs: specs, data: data, horizon: horizon, needsFuture: false)
        let job: Job
        do {
            job = try CrossValidation.job(layout.jobSpecs, on: data, dataName: data.name, horizon: horizon, windows: windows,
                                          step: step, refit: refit, levels: levels, seed: UInt64(seed))
        } catch let e as RefitUnsupported {
            throw refitDiagnostic(e, a)
        } catch {
            throw Diagnostic("cv(): \(errorText(error))", at: a.span("data"))
        }
        do {
            let raw = try host.run(job, executor: executorName, workers: workers, cancel: CancelToken(parent: interrupt),
                                   progress: progress)
            let run = layout.hasCombinations
                ? layout.assemble(raw, weights: { m, s, w in layout.inverseMSEWeights(raw, model: m, series: s, before: w) })
                : raw
            var result = CVResult(run: run, step: step)
            if layout.hasCombinations { result.jobRun = raw }
            return .cv(result)
        } catch let unknown as UnknownExecutor {
            throw Diagnostic("cv(): \(unknown.description)", at: a.span("executor"),
                             notes: Suggest.closest(to: executorName, among: Executors.names).map { ["did you mean '\($0)'?"] } ?? [])
        } catch {
            throw Diagnostic("cv(): \(errorText(error))", at: a.callSpan)
        }
    }

    /// `intervals:` of run: "model" (default) or "conformal"; `windows:`/`step:` only with
    /// conformal intervals or a combination.
    func intervalsChoice(_ a: BoundArguments, combinations: Bool = false, given: Bool = false) throws(Diagnostic) -> Bool {
        let choice = try a.string("intervals") ?? "model"
        switch choice {
        case "model":
            if given && !combinations {
                throw Diagnostic("run(): 'cv' gives the errors of conformal intervals", at: a.span("cv"), notes: ["give intervals: \"conformal\" too"])
            }
            for name in ["windows", "step", "refit"] where a.has(name) && !combinations {
                throw Diagnostic("run(): '\(name)' is for the cross-validation of conformal intervals", at: a.span(name),
                                 notes: ["give intervals: \"conformal\" too"])
            }
            return false
        case "conformal":
            guard a.has("level") else {
                throw Diagnostic("run(): conformal intervals need levels", at: a.span("intervals"), notes: ["give level: [80, 95]"])
            }
            return true
        default:
            throw Diagnostic("run(): intervals: must be \"model\" or \"conformal\", got \"\(choice)\"", at: a.span("intervals"),
                             notes: Suggest.closest(to: choice, among: ["model", "conformal"]).map { ["did you mean '\($0)'?"] } ?? [])
        }
    }

    /// Runs a grid's models (combinations through their members) on `data`: every series x
    /// model, or only the `wanted` (series, model) pairs. Conformal intervals (asked for, or
    /// a combination's) come from a cross-validation of the tasks that succeeded, or from the
    /// one `cv:` gives or the best table `pickCV` came from (see `reusableCV`).
    func runModels(_ specs: [ModelSpec], on data: Panel, options: RunOptions, settings: ExecutionSettings?, keep: Bool,
                   wanted: [(series: Int, model: Int)]?, pickCV: CVResult? = nil, _ a: BoundArguments,
                   future: Panel? = nil) throws(Diagnostic) -> RunResult {
        let layout = CombinationLayout(specs)
        let conformal = try intervalsChoice(a, combinations: layout.hasCombinations, given: a.has("cv"))
        let reuse = try reusableCV(specs, layout: layout, data: data, horizon: options.horizon, pickCV: pickCV, a)
        let job = Job(plan: Runner.plan(layout.jobSpecs, on: data, dataName: data.name, options: options, future: future),
                      models: layout.jobSpecs, data: data, keep: keep ? .fitted : .none, future: future)
        var jobTasks: [Int]? = nil
        if let wanted {
            var set = Set<Int>()
            for (s, m) in wanted {
                for j in layout.jobIndex[m].map({ [$0] }) ?? layout.members[m] {
                    set.insert(job.plan.taskIndex(TaskRef(series: s, model: j)))
                }
            }
            jobTasks = set.sorted()
        }
        let raw: RunResult
        do {
            if let jobTasks {
                raw = try host.run(job, tasks: jobTasks, workers: options.workers, cancel: CancelToken(parent: interrupt))
            } else {
                raw = try host.run(job, settings: settings ?? ExecutionSettings(executor: "threads", workers: options.workers),
                                   cancel: CancelToken(parent: interrupt), progress: progress)
            }
        } catch let unknown as UnknownExecutor {
            throw Diagnostic("run(): \(unknown.description)", at: a.span("executor"),
                             notes: Suggest.closest(to: settings?.executor ?? "", among: Executors.names).map { ["did you mean '\($0)'?"] } ?? [])
        } catch {
            throw Diagnostic("run(): \(errorText(error))", at: a.callSpan)
        }
        let combinations = Set(specs.filter { $0.combination != nil }.map(\.name))
        let inverseMSE = specs.contains { $0.combination?.method == .inverseMSE }
        let needCV = conformal || (!combinations.isEmpty && (!options.levels.isEmpty || inverseMSE))
        var cvRaw: RunResult? = nil
        var step = options.horizon
        if needCV, let reuse {
            cvRaw = reuse.jobRun ?? reuse.run
            step = reuse.step
        } else if needCV {
            let windows = try a.int("windows", min: 2) ?? 4
            step = try a.int("step", min: 1) ?? options.horizon
            let cvJob: Job
            do {
                cvJob = try CrossValidation.job(layout.jobSpecs, on: data, dataName: data.name, horizon: options.horizon,
                                                windows: windows, step: step, refit: try a.refit(), levels: [], seed: options.seed)
            } catch let e as RefitUnsupported {
                throw refitDiagnostic(e, a)
            } catch {
                throw Diagnostic("run(): \(conformal ? "conformal intervals" : "a combination's cross-validation"): \(errorText(error))",
                                 at: a.has("windows") ? a.span("windows") : a.callSpan)
            }
            var tasks: [Int] = []
            for m in layout.jobSpecs.indices {
                for s in 0..<data.count {
                    guard case .ok = raw.outcomes[raw.task(model: m, series: s)] else { continue }
                    for w in 0..<windows { tasks.append(cvJob.plan.taskIndex(TaskRef(series: s, model: m, window: w))) }
                }
            }
            do {
                cvRaw = try host.run(cvJob, tasks: tasks, workers: options.workers, cancel: CancelToken(parent: interrupt))
            } catch {
                throw Diagnostic("run(): cross-validation: \(errorText(error))", at: a.callSpan)
            }
        }
        var res = layout.hasCombinations
            ? layout.assemble(raw, weights: { m, s, _ in cvRaw.flatMap { layout.inverseMSEWeights($0, model: m, series: s, before: nil) } })
            : raw
        if let wanted {
            let keepTasks = Set(wanted.map { res.task(model: $0.model, series: $0.series) })
            for k in res.outcomes.indices where !keepTasks.contains(k) {
                res.outcomes[k] = .notRun
                res.kept[k] = nil
            }
        }
        guard let cvRaw, needCV, !options.levels.isEmpty else { return res }
        let cvRun = reuse?.run ?? (layout.hasCombinations
            ? layout.assemble(cvRaw, weights: { m, s, w in layout.inverseMSEWeights(cvRaw, model: m, series: s, before: w) })
            : cvRaw)
        return try calibrated(res, with: CVResult(run: cvRun, step: step), only: conformal ? nil : combinations, reused: reuse != nil,
                              at: a.has("intervals") ? a.span("intervals") : a.callSpan)
    }

    /// The cross-validation a run's conformal intervals (and inverse-MSE weights) take their
    /// errors from instead of running one: `cv:` (a cross-validation, its scores or a best
    /// table made from them), which must fit the run; else `pickCV`, the cross-validation a
    /// best table was chosen on, when it is of the same data and horizon and the `windows:`
    /// and `step:` given (if any) are its own. Nil: run one.
    func reusableCV(_ specs: [ModelSpec], layout: CombinationLayout, data: Panel, horizon: Int, pickCV: CVResult?,
                    _ a: BoundArguments) throws(Diagnostic) -> CVResult? {
        func mismatch(_ cv: CVResult) -> String? {
            if cv.horizon < horizon { return "its horizon (\(cv.horizon)) is shorter than the run's (\(horizon))" }
            let d = cv.data
            guard d.ids == data.ids else {
                let other = data.ids.first { d.index(of: $0) == nil }
                return other.map { "it has no series '\($0)' (cross-validate the same data)" } ?? "its series are not the run's (cross-validate the same data)"
            }
            guard d.offsets == data.offsets, d.ds == data.ds,
                  zip(d.y, data.y).allSatisfy({ $0 == $1 || ($0.isNaN && $1.isNaN) }) else {
                return "its data differ from the run's (cross-validate the same training data)"
            }
            let have = Dictionary(cv.run.models.map { ($0.name, $0.planned.canonicalSpec) }, uniquingKeysWith: { a, _ in a })
            for spec in specs where have[spec.name] != spec.planned.canonicalSpec {
                return "it has no model '\(spec.name)' as the run has it (it has \(cv.run.models.map(\.name).joined(separator: ", ")))"
            }
            if layout.hasCombinations && cv.jobRun != nil
                && CombinationLayout(cv.run.models).jobSpecs.map(\.planned.canonicalSpec) != layout.jobSpecs.map(\.planned.canonicalSpec) {
                return "it was made with another grid, and the run's combinations need its members' errors (cross-validate the same grid)"
            }
            if layout.hasCombinations && cv.jobRun == nil
                && cv.run.models.map(\.planned.canonicalSpec) != layout.jobSpecs.map(\.planned.canonicalSpec) {
                return "it has no combination, and the run's combinations need their members' errors (cross-validate the same grid)"
            }
            return nil
        }
        if let given = a.values["cv"] {
            let cv: CVResult
            switch given.value {
            case .cv(let c): cv = c
            case .scores(let t) where t.crossValidation != nil: cv = t.crossValidation!
            case .best(let b) where b.crossValidation != nil: cv = b.crossValidation!
            default: throw a.wrongType("cv", "a cross-validation (cv(...)), its scores or a best table chosen on them")
            }
            for name in ["windows", "step", "refit"] where a.has(name) {
                throw Diagnostic("run(): '\(name)' is for a new cross-validation, and cv: gives one (\(cv.windowCount) windows, step \(cv.step), refit: \(cv.refit))",
                                 at: a.span(name), notes: ["leave out \(name): or cv:"])
            }
            if let problem = mismatch(cv) { throw Diagnostic("run(): cv: \(problem)", at: a.span("cv")) }
            return cv
        }
        guard let cv = pickCV, cv.horizon == horizon, mismatch(cv) == nil else { return nil }
        if let w = try a.int("windows", min: 2), w != cv.windowCount { return nil }
        if let st = try a.int("step", min: 1), st != cv.step { return nil }
        if a.has("refit"), try a.refit() != cv.refit { return nil }
        return cv
    }

    func calibrated(_ res: RunResult, with cv: CVResult, only: Set<String>? = nil, scores: Conformal.Scores = .recent,
                    reused: Bool = false, at span: SourceSpan) throws(Diagnostic) -> RunResult {
        do {
            let (out, report) = try Conformal.calibrate(res, with: cv, only: only, scores: scores)
            var note = "intervals: conformal from \(report.windows) cross-validation window\(report.windows == 1 ? "" : "s")"
            if reused { note += " (the choice's own cross-validation, reused)" }
            switch scores {
            case .pooled:
                note += ", per model and step: errors scaled by each series' in-sample MAE, pooled over series"
                if let fewest = report.fewestScores { note += " (at least \(fewest) scores a step)" }
            case .series:
                note += " (per series, model and step)"
            case .profile, .recent:
                note += " (per series, model and step"
                if scores == .recent {
                    note += "; each window's errors at the newest window's error level"
                    if !report.unlevelled.isEmpty {
                        note += " (not for \(report.unlevelled.joined(separator: ", ")): a window without a scored error)"
                    }
                }
                if report.profiled > 0 {
                    note += "; where one step has too few errors for a level's rank, the series' errors of all steps scaled by the model's error profile over the horizon"
                }
                note += ")"
            }
            if let only { note += " for \(only.sorted().joined(separator: ", ")); the other models' are their own" }
            if report.maxPooledSteps > 1 {
                note += "; scores of up to \(report.maxPooledSteps) neighbouring steps pooled where one step has too few for a level's rank"
            }
            if report.ownErrors > 0 {
                note += "; \(report.ownErrors) task\(report.ownErrors == 1 ? "" : "s") of constant series on their own errors"
            }
            if !report.uncalibrated.isEmpty {
                let first = report.uncalibrated[0]
                note += "; \(report.uncalibrated.count) task\(report.uncalibrated.count == 1 ? "" : "s") without intervals (no scored window, e.g. '\(first.series)' \(first.model): \(first.windows) window\(first.windows == 1 ? "" : "s") ran)"
            }
            output("note: " + note + "\n")
            return out
        } catch {
            throw Diagnostic("\(errorText(error))", at: span)
        }
    }

    /// `run(pick, data, horizon: ...)` with the best table of a cross-validation: each series
    /// fitted and forecast with its own winner only.
    func runBest(_ b: BestTable, _ a: BoundArguments) throws(Diagnostic) -> Value {
        guard let cv = b.crossValidation else {
            throw Diagnostic("run(): this best-model table comes from a hold-out run, whose fitted models it keeps",
                             at: a.span("models"), notes: ["predict(b, horizon: h) forecasts with them; run() takes best(evaluate(cv(...)))"])
        }
        let data = try a.data("data")
        let horizon = try a.requiredInt("horizon", min: 1)
        let levels = try self.levels(a) ?? []
        let workers = try a.int("workers", min: 1) ?? defaultWorkers
        let seed = try a.int("seed", min: 0) ?? 1
        let specs = cv.run.models
        let modelIndex = Dictionary(specs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var winner: [String: Int] = [:]
        for row in b.rows { winner[row.id] = modelIndex[row.model] }
        var wanted: [(series: Int, model: Int)] = [], missing: [String] = []
        for s in 0..<data.count {
            guard let m = winner[data.ids[s]] else { missing.append(data.ids[s]); continue }
            wanted.append((s, m))
        }
        if !missing.isEmpty {
            throw Diagnostic("run(): \(missing.count) series of the data have no winner in the best-model table, e.g. '\(missing[0])'",
                             at: a.span("data"), notes: ["choose on the same series: best(evaluate(cv(g, data, ...)))"])
        }
        let options = RunOptions(horizon: horizon, levels: levels, workers: workers, seed: UInt64(seed))
        let future = try regressorFuture(a, specs: specs, data: data, horizon: horizon, needsFuture: true)
        return .run(try runModels(specs, on: data, options: options, settings: nil, keep: try a.bool("keep") ?? true,
                                  wanted: wanted, pickCV: cv, a, future: future))
    }

    /// Grid shared arguments for a combination's members: given to each member that takes
    /// the parameter and has not set it. Whether any member took it.
    func shareWithMembers(_ call: inout ModelCall, _ shared: EvaluatedArgument) throws(Diagnostic) -> Bool {
        guard let label = shared.label, var c = call.combination else { return false }
        var used = false
        for i in c.members.indices {
            guard let p = c.members[i].algorithm.parameter(named: label) else { continue }
            used = true
            if c.members[i].values[label] == nil {
                let alternatives = try ParameterCheck.alternatives(shared.value, for: p, algorithm: c.members[i].algorithm.name, at: shared.span)
                guard alternatives.count == 1 else {
                    throw Diagnostic("a list of values cannot reach the members of a combination", at: shared.span,
                                     notes: ["give the members their values in combine(...)"])
                }
                c.members[i].values[label] = alternatives[0]
            }
        }
        call.combination = c
        return used
    }

    /// save() of a run or best table with a combination: refused (it keeps no fitted model).
    func refuseCombinations(_ v: Value?, at span: SourceSpan) throws(Diagnostic) {
        let models: [ModelSpec]
        switch v {
        case .run(let r)?: models = r.models
        case .best(let b)?: models = b.run?.models ?? []
        default: return
        }
        if let c = models.first(where: { $0.combination != nil }) {
            throw Diagnostic("save(): \(c.name) is a combination, which keeps no fitted model to store", at: span)
        }
    }
}

extension Combination {
    /// "combine(ets, theta)", "combine(ets, theta, by=median)".
    public var defaultName: String {
        "combine(" + members.map(\.name).joined(separator: ", ") + (method == .mean ? "" : ", by=\(method.rawValue)") + ")"
    }
}

extension Display {
    static func crossValidation(_ c: CVResult, limit: Int, full: Bool) -> String {
        let r = c.run
        let style = r.train.timestampStyle
        var out = "cross-validation: \(r.models.count) model\(r.models.count == 1 ? "" : "s") x \(Fmt.count(r.seriesCount)) series x \(c.windowCount) window\(c.windowCount == 1 ? "" : "s"), horizon \(c.horizon), step \(c.step)"
        let fitted = r.plan.windows.indices.filter { r.plan.windows[$0].fitCutoff == nil }
        if fitted.count < c.windowCount {
            out += ", refit: \(c.refit) (fitted at window\(fitted.count == 1 ? "" : "s") \(fitted.map { String($0 + 1) }.joined(separator: ", ")); the others forecast from the fit before them)"
        }
        let failures = c.failures
        out += "\n  \(Fmt.count(r.completedTasks)) of \(Fmt.count(r.outcomes.count)) tasks done in \(Fmt.seconds(r.wallSeconds))s on \(r.workers) worker\(r.workers == 1 ? "" : "s"), \(failures.count) failed"
        if r.cancelled { out += " (interrupted: the rest were not run)" }
        var rows: [[String]] = []
        for w in 0..<c.windowCount {
            let cutoffs = (0..<r.seriesCount).map { c.cutoff(series: $0, window: w) }
            let range = cutoffs.isEmpty ? "-"
                : Set(cutoffs).count == 1 ? Timestamp.format(cutoffs[0], style: style)
                : Timestamp.format(cutoffs.min()!, style: style) + " .. " + Timestamp.format(cutoffs.max()!, style: style)
            let failed = failures.filter { $0.window == w }.count
            rows.append([String(w + 1), String(r.plan.windows[w].cutoff), range, String(failed)])
        }
        out += "\n" + TextTable(header: ["window", "held out", "cutoff", "failed"], rows: rows,
                                rightAligned: [true, true, false, true]).render(indent: "  ")
        if !failures.isEmpty {
            let n = full ? limit : min(limit, 5)
            out += "\n  failures:"
            for f in failures.prefix(n) {
                out += "\n    window \(f.window + 1)  \(r.train.ids[f.series])  \(r.models[f.model].name): \(f.failure.kind.rawValue): \(f.failure.message)"
            }
            if failures.count > n { out += "\n    ... \(failures.count - n) more" }
        }
        return out
    }
}

extension CSVExport {
    /// A cross-validation as statsforecast writes it: unique_id, ds, cutoff, y, then a column
    /// per model (and model-lo-L, model-hi-L per level); empty where a task failed.
    static func crossValidation(_ c: CVResult) -> CSVTable {
        let r = c.run
        var header = ["unique_id", "ds", "cutoff", "y"]
        for m in r.models {
            header.append(m.name)
            for l in r.levels { header += ["\(m.name)-lo-\(ParameterLabel.number(l))", "\(m.name)-hi-\(ParameterLabel.number(l))"] }
        }
        let style = r.train.timestampStyle
        let h = c.horizon
        let count = r.seriesCount * c.windowCount * h
        return CSVTable(header: header, rows: AnySequence {
            var i = 0
            return AnyIterator { () -> [String]? in
                guard i < count else { return nil }
                defer { i += 1 }
                let s = i / (c.windowCount * h), w = (i / h) % c.windowCount, t = i % h
                let a = c.actual(series: s, window: w)
                let future = r.futureSlice(series: s, window: w)
                var row = [r.train.ids[s], Timestamp.format(future[future.startIndex + t], style: style),
                           Timestamp.format(c.cutoff(series: s, window: w), style: style), CSVWriter.format(a[a.startIndex + t])]
                for m in r.models.indices {
                    let ok = c.isOK(model: m, series: s, window: w)
                    let mean = r.meanSlice(model: m, series: s, window: w)
                    row.append(ok ? CSVWriter.format(mean[mean.startIndex + t]) : "")
                    for l in r.levels.indices {
                        let lo = r.loSlice(model: m, series: s, level: l, window: w), hi = r.hiSlice(model: m, series: s, level: l, window: w)
                        row += ok ? [CSVWriter.format(lo[lo.startIndex + t]), CSVWriter.format(hi[hi.startIndex + t])] : ["", ""]
                    }
                }
                return row
            }
        }, rowCount: count)
    }
}
