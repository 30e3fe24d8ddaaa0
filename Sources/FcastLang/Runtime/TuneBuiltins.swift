import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import Foundation

/// A finished tuning: its trials, how they were scheduled, the best configuration and the
/// run of that configuration refitted on the training data (kept, with its conformal
/// calibration, for forecasting).
public struct TuneResult: Sendable {
    public var models: [ModelSpec]
    public var outcome: Tuner.Outcome
    public var schedule: TuneSchedule
    public var metric: String
    /// The parameters that differ between trials, in schema order.
    public var keys: [String]
    /// The best trial's model with its rounds, or nil when every trial failed.
    public var best: ModelSpec?
    public var refit: RunResult?
    /// Local models (one fit per series): a grid search, each trial fitted once to every
    /// series; they have no boosting rounds.
    public var local = false

    /// The rounds the full grid would train: every trial to the maximum.
    public var gridRounds: Int { models.count * schedule.maxRounds }

    func value(_ spec: ModelSpec, _ key: String) -> String {
        spec.values[key].map { $0.description } ?? ""
    }

    /// The trials table: trial, each varying parameter, rounds, score, status (local models:
    /// no rounds; the CSV has their fitting seconds instead). Scores to 4 decimals for show,
    /// in full (`precise`) for CSV.
    func table(precise: Bool = false) -> (header: [String], rows: [[String]]) {
        let header = ["trial"] + keys + (!local ? ["rounds"] : precise ? ["seconds"] : []) + ["score", "status"]
        let rows = outcome.trials.map { t in
            [String(t.trial + 1)] + keys.map { value(models[t.trial], $0) }
                + (!local ? [String(t.rounds)] : precise ? [CSVWriter.format(t.seconds)] : [])
                + [t.score.isFinite ? (precise ? CSVWriter.format(t.score) : String(format: "%.4f", t.score)) : "", t.status.rawValue]
        }
        return (header, rows)
    }
}

extension BuiltinLibrary {
    /// Tuning: tune and its successive-halving scheduler.
    public static let tuning = BuiltinLibrary(
        name: "tuning",
        summary: "Tuning a global model's hyperparameters with successive halving, or a local model's by grid search.",
        builtins: [
        Builtin(
            name: "asha",
            parameters: [
                .init(name: "min_rounds", positional: false, required: false, help: "rounds of the first rung (default 10)"),
                .init(name: "max_rounds", positional: false, required: false, help: "rounds of the last rung (default 270)"),
                .init(name: "reduction", positional: false, required: false,
                      help: "rung growth and the share promoted: the top 1/reduction go on (default 3)"),
            ],
            summary: "Asynchronous successive halving, the scheduler of tune().",
            example: "tune(global_xgb(eta: [0.03, 0.1, 0.3]), train, valid: test, scheduler: asha(min_rounds: 10, max_rounds: 270))",
            details: """
            A scheduler for `tune()` (Li et al. 2018, asynchronous successive halving): rung k trains
            a trial to `min_rounds * reduction^k` boosting rounds, up to `max_rounds`. Whenever a
            thread is free it promotes a trial in the top 1/`reduction` of its rung that has not gone
            on yet (highest rung first), or else starts the next trial at the first rung. A promoted
            trial continues boosting where it stopped.
            """,
            body: { _, a in
                let minRounds = try a.int("min_rounds", min: 1) ?? 10
                let maxRounds = try a.int("max_rounds", min: 1) ?? 270
                let reduction = try a.int("reduction", min: 2) ?? 3
                guard maxRounds >= minRounds else {
                    throw Diagnostic("asha(): 'max_rounds' (\(maxRounds)) must be at least 'min_rounds' (\(minRounds))", at: a.span("max_rounds"))
                }
                return .record([("scheduler", .string("asha")), ("min_rounds", .number(Double(minRounds))),
                                ("max_rounds", .number(Double(maxRounds))), ("reduction", .number(Double(reduction)))])
            }),
        Builtin(
            name: "tune",
            parameters: [
                .init(name: "models", positional: true, required: true,
                      help: "a model with lists of values (a grid of trials), e.g. global_xgb(eta: [0.03, 0.1]) or ets(damped: [true, false])"),
                .init(name: "data", positional: true, required: true, help: "the training data"),
                .init(name: "valid", positional: false, required: true,
                      help: "the validation data: the points after each training series (split it off the training data, not the final test)"),
                .init(name: "scheduler", positional: false, required: false,
                      help: "asha(...) (default) or \"grid\" (every trial to max_rounds)"),
                .init(name: "metric", positional: false, required: false,
                      help: "\"mase\" (default), \"mae\", \"rmse\" or \"smape\"; lower is better"),
                .init(name: "season", positional: false, required: false,
                      help: "MASE's season (default: from the data's frequency)"),
                .init(name: "max_rounds", positional: false, required: false,
                      help: "the grid scheduler's rounds (default 270, or asha's max_rounds)"),
                .init(name: "workers", positional: false, required: false, help: "trials trained at once (default: all cores)"),
            ],
            summary: "Tunes a model's hyperparameters on validation data (successive halving for global models, grid search for local ones) and refits the best.",
            example: """
            t = tune(global_xgb(eta: [0.03, 0.1, 0.3], max_depth: [4, 6, 8]), train, valid: test, scheduler: asha(min_rounds: 10, max_rounds: 270, reduction: 3))
            show(t)
            write(t, "out/trials.csv")
            """,
            details: """
            Every combination of the model's list values is a trial. Each is fitted across all series
            of the training data and boosted on round by round (the plugin's "fcast.boost.v1"
            extension: global_xgb), scored on `valid` by the mean of `metric` over series, and
            scheduled by `scheduler`: `asha(...)` stops the weaker trials early (successive halving),
            `"grid"` trains every trial to `max_rounds`, scoring it at the same rungs. Trials run on
            `workers` threads. The best trial (the lowest score among those trained furthest) is
            refitted on the training data with its rounds and kept, intervals included.

            `show(t)` is the table of trials, the rounds spent against the full grid's and the best;
            `write(t, "trials.csv")` writes trial, each varying parameter, rounds, score, status;
            `plot(t)` draws the learning curves (score against rounds). A tune result used as a model
            (`run(grid(t, auto_arima()), train, horizon: 24)`) is its best configuration.

            Local models (fitted one series at a time: `tune(ets(damped: [true, false]), ...)`,
            `tune(auto_arima(max_p: [2, 5]), ...)`) have no boosting rounds to halve: whatever the
            scheduler, every trial is fitted once to every training series (one run of the grid,
            in parallel), forecasts the validation points and is scored by the mean `metric` over
            series; the table shows each trial's fitting seconds instead of rounds. Global and
            local models are tuned apart.
            """,
            body: { interp, a in try interp.tune(a) }),
    ])
}

extension Interpreter {
    func tune(_ a: BoundArguments) throws(Diagnostic) -> Value {
        let modelsArg = a.values["models"]!
        var specs = try modelCalls(modelsArg.value, span: modelsArg.span).flatMap { $0.expand() }
        ModelSpec.assignNames(&specs)
        guard !specs.isEmpty else { throw Diagnostic("tune() needs at least one model", at: modelsArg.span) }
        let globals = specs.filter { $0.algorithm.capabilities.contains(.global) }.count
        guard globals == 0 || globals == specs.count else {
            throw Diagnostic("tune(): the trials mix global models (trained round by round) with models fitted one series at a time; tune them apart",
                             at: modelsArg.span)
        }
        let train = try a.data("data")
        let valid = try a.data("valid")
        let metric = try a.string("metric") ?? "mase"
        guard GlobalTuneObjective.metrics.contains(metric) else {
            throw Diagnostic("tune(): unknown metric \"\(metric)\"", at: a.span("metric"),
                             notes: ["metrics: " + GlobalTuneObjective.metrics.map { "\"\($0)\"" }.joined(separator: ", ")]
                                + (Suggest.closest(to: metric, among: GlobalTuneObjective.metrics).map { ["did you mean \"\($0)\"?"] } ?? []))
        }
        let season = try a.int("season", min: 1) ?? train.frequency.defaultSeason
        let workers = try a.int("workers", min: 1) ?? (defaultWorkers > 0 ? defaultWorkers : LocalExecutor.defaultWorkers)
        // The schedule.
        var ladder = SuccessiveHalving(minRounds: 10, maxRounds: 270, reduction: 3)
        let schedule: TuneSchedule
        switch a.values["scheduler"]?.value {
        case nil: schedule = .asha(ladder)
        case .string("grid")?:
            let rounds = try a.int("max_rounds", min: 1) ?? 270
            ladder.maxRounds = rounds
            schedule = .grid(rounds: rounds, checkpoints: ladder.rungs)
        case .record(let fields)?:
            func field(_ k: String) -> Int? {
                if case .number(let x)? = fields.first(where: { $0.key == k })?.value { return Int(x) }
                return nil
            }
            guard case .string("asha")? = fields.first(where: { $0.key == "scheduler" })?.value,
                  let lo = field("min_rounds"), let hi = field("max_rounds"), let r = field("reduction") else {
                throw Diagnostic("tune(): 'scheduler' must be asha(...) or \"grid\"", at: a.span("scheduler"))
            }
            schedule = .asha(SuccessiveHalving(minRounds: lo, maxRounds: hi, reduction: r))
        default:
            throw Diagnostic("tune(): 'scheduler' must be asha(...) or \"grid\"", at: a.span("scheduler"))
        }

        if globals == 0 {
            return try tuneLocal(specs, train: train, valid: valid, metric: metric, season: season, workers: workers,
                                 schedule: schedule, a)
        }
        let objective: GlobalTuneObjective
        do { objective = try GlobalTuneObjective(models: specs, train: train, valid: valid, metric: metric, season: season) } catch {
            throw Diagnostic("tune(): \(error.message)", at: a.callSpan)
        }
        let cancel = CancelToken(parent: interrupt)
        let outcome = Tuner.run(objective, schedule: schedule, workers: workers, cancel: cancel)
        if cancel.isCancelled { throw Diagnostic("tune(): interrupted", at: a.callSpan) }
        let keys = specs[0].algorithm.parameters.map(\.name).filter { k in
            Set(specs.map { $0.values[k]?.description ?? "" }).count > 1
        }
        var result = TuneResult(models: specs, outcome: outcome, schedule: schedule, metric: metric, keys: keys)
        if let b = outcome.best {
            var best = specs[b]
            best.values["rounds"] = .int(outcome.trials[b].rounds)
            best.givenName = "\(best.givenName ?? best.algorithm.name)_tuned"
            best.name = best.givenName!
            result.best = best
            // Refit the best on the training data, forecasting the validation horizon.
            let h = (0..<valid.count).map { valid.length($0) }.max() ?? 1
            let options = RunOptions(horizon: max(1, h), levels: [], workers: workers, seed: 1)
            let job = Job(plan: Runner.plan([best], on: train, dataName: train.name, options: options), models: [best],
                          data: train, keep: .fitted)
            result.refit = try? host.run(job, executor: "threads", workers: workers, cancel: cancel, progress: progress)
        }
        return .tune(result)
    }
}

extension Interpreter {
    /// Local models' grid: "rounds" mean nothing to them, so every trial is fitted once to
    /// every training series (one run of the whole grid, in parallel over series x trials),
    /// forecasts the validation horizon and is scored by the mean metric over series
    /// (`asha(...)` and "grid" alike). The best is refitted alone and kept.
    func tuneLocal(_ specs: [ModelSpec], train: Panel, valid: Panel, metric: String, season: Int, workers: Int,
                   schedule: TuneSchedule, _ a: BoundArguments) throws(Diagnostic) -> Value {
        let h = (0..<valid.count).map { valid.length($0) }.max() ?? 0
        guard h > 0 else { throw Diagnostic("tune(): the validation data has no points", at: a.span("valid")) }
        let cancel = CancelToken(parent: interrupt)
        let start = DispatchTime.now().uptimeNanoseconds
        let options = RunOptions(horizon: h, levels: [], workers: workers, seed: 1)
        let job = Job(plan: Runner.plan(specs, on: train, dataName: train.name, options: options), models: specs,
                      data: train, keep: .none)
        let run: RunResult
        do { run = try host.run(job, executor: "threads", workers: workers, cancel: cancel, progress: progress) } catch {
            throw Diagnostic("tune(): \(error)", at: a.callSpan)
        }
        if cancel.isCancelled { throw Diagnostic("tune(): interrupted", at: a.callSpan) }
        let scores: ScoreTable
        do { scores = try Evaluation.evaluate(run, test: valid, season: season) } catch {
            throw Diagnostic("tune(): \(error)", at: a.span("valid"))
        }
        let column = scores.column(metric)!
        var trials: [TrialRecord] = []
        for (i, spec) in specs.enumerated() {
            var t = TrialRecord(trial: i)
            let values = scores.rows.filter { $0.model == spec.name }.map { $0.values[column] }.filter(\.isFinite)
            t.seconds = scores.modelSeconds[spec.name] ?? 0
            let failed = scores.failedTasks[spec.name] ?? 0
            if values.isEmpty {
                t.status = .failed
                t.failure = failed > 0 ? "failed on every series" : "no series could be scored"
            } else {
                t.score = values.reduce(0, +) / Double(values.count)
                t.status = .completed
                if failed > 0 { t.failure = "failed on \(failed) series" }
            }
            trials.append(t)
        }
        let outcome = Tuner.Outcome(trials: trials, roundsSpent: 0,
                                    wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        let keys = specs[0].algorithm.parameters.map(\.name).filter { k in
            Set(specs.map { $0.values[k]?.description ?? "" }).count > 1
        }
        var result = TuneResult(models: specs, outcome: outcome, schedule: schedule, metric: metric, keys: keys)
        result.local = true
        if let b = outcome.best {
            var best = specs[b]
            best.givenName = "\(best.givenName ?? best.algorithm.name)_tuned"
            best.name = best.givenName!
            result.best = best
            let refit = Job(plan: Runner.plan([best], on: train, dataName: train.name, options: options), models: [best],
                            data: train, keep: .fitted)
            result.refit = try? host.run(refit, executor: "threads", workers: workers, cancel: cancel, progress: progress)
        }
        return .tune(result)
    }
}

extension Display {
    static func tune(_ t: TuneResult, limit: Int) -> String {
        let (header, rows) = t.table()
        var out = "tuning of \(t.models.count) trial\(t.models.count == 1 ? "" : "s") by \(t.local ? "grid search (local models: each trial fitted once to every series)" : t.schedule.name)"
        if !t.local, case .asha(let s) = t.schedule {
            out += " (rungs \(s.rungs.map(String.init).joined(separator: ", ")); the top 1/\(s.reduction) go on)"
        }
        out += ", \(t.metric) on the validation data\n"
        let shown = rows.sorted { (Double($0[header.count - 2]) ?? .infinity) < (Double($1[header.count - 2]) ?? .infinity) }
        var widths = header.map(\.count)
        for r in shown { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == header.count - 1 ? c : (i == 0 || i > t.keys.count ? String(repeating: " ", count: widths[i] - c.count) + c
                                                                       : c + String(repeating: " ", count: widths[i] - c.count))
            }.joined(separator: "  ")
        }
        out += line(header) + "\n"
        for r in shown.prefix(max(limit, 1) * 3) { out += line(r) + "\n" }
        if shown.count > max(limit, 1) * 3 { out += "... (\(shown.count - max(limit, 1) * 3) more)\n" }
        let spent = t.outcome.roundsSpent, grid = t.gridRounds
        if t.local {
            let failed = t.outcome.trials.compactMap { r in r.failure.map { "trial \(r.trial + 1) \($0)" } }
            out += failed.isEmpty ? "every trial fitted to every series" : "failures: " + failed.joined(separator: "; ")
        } else {
            out += "rounds: \(spent) of the full grid's \(grid) (\(CSVWriter.format((Double(spent) / Double(max(grid, 1)) * 1000).rounded() / 10))%)"
        }
        if let b = t.best {
            let trial = t.outcome.best!
            out += "\nbest: trial \(trial + 1), \(b.label(showing: Set(t.keys + ["rounds"]))), \(t.metric) \(String(format: "%.4f", t.outcome.trials[trial].score))"
            if let r = t.refit {
                let failed = r.outcomes.filter(\.isFailure).count
                out += failed == 0 ? "; refitted on the training data" : "; refit failed for \(failed) series"
            }
        } else {
            out += "\nbest: none (every trial failed: \(t.outcome.trials.first?.failure ?? "?"))"
        }
        return out
    }
}
