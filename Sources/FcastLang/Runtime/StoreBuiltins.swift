import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastStore
import Foundation

extension BuiltinLibrary {
    /// Model stores: save, open, refit (and predict, in models, from a store).
    public static let store = BuiltinLibrary(
        name: "store",
        summary: "Keeping what a run chose in a model store (SQLite) and forecasting from it later.",
        builtins: [
        Builtin(
            name: "save",
            parameters: [
                .init(name: "value", positional: true, required: true, help: "a best-model table or a run result"),
                .init(name: "path", positional: true, required: true, help: "the model store (an SQLite file), e.g. \"models/x.db\""),
            ],
            summary: "Saves a run's chosen models into a model store, as a new version.",
            example: "save(best(scores), \"models/employment.db\")",
            details: """
            Saves into a model store (an SQLite file, created with its folders when missing) a new
            version: the run's plan (its canonical JSON and hash), the training data, and per series
            the chosen model (a best-model table: each series' winner with its score; a run: every
            model of every series), its fitted model in the plugin's own saved form, and the
            forecasts made now. The save is one transaction: if it fails, the store keeps its earlier
            versions as they were. A model whose plugin cannot save is stored by its configuration and
            fitted again from the stored data when it is used; the message says how many. The
            data's regressors (`load(..., regressors:)`) are stored with it, and which models use
            them: forecasts from those need `future:` (`predict`, `refit`, `fcast serve`).
            """,
            body: { interp, a in
                let path = try a.requiredString("path")
                let version: StoreVersion
                try interp.refuseCombinations(a.values["value"]?.value, at: a.span("value"))
                do {
                    switch a.values["value"]?.value {
                    case .best(let b)?:
                        guard let run = b.run else { throw a.wrongType("value", "a best-model table from best(evaluate(run, test))") }
                        version = try StoreVersion(run: run, tasks: b.rows.compactMap { r in r.task.map { ($0, r.score, r.metric) } },
                                                   source: "best", metric: b.metric)
                    case .run(let run)?:
                        version = try StoreVersion(run: run, tasks: run.outcomes.indices.map { ($0, nil, nil) },
                                                   source: "run", metric: nil)
                    default: throw a.wrongType("value", "a best-model table or a run result")
                    }
                } catch let d as Diagnostic {
                    throw d
                } catch {
                    throw Diagnostic("save(): \(errorText(error))", at: a.span("value"))
                }
                guard !version.entries.isEmpty else {
                    throw Diagnostic("save(): nothing to save: no task of the run finished", at: a.span("value"))
                }
                let number: Int
                do {
                    number = try interp.host.openStore(path: path, writable: true).save(version)
                } catch {
                    throw Diagnostic("save(): \(errorText(error))", at: a.span("path"))
                }
                let refit = version.entries.filter { $0.envelope == nil }.count
                let series = Set(version.entries.map(\.seriesID)).count
                interp.output("saved version \(number) to \(path): \(Fmt.count(series)) series, \(Fmt.count(version.entries.count)) model\(version.entries.count == 1 ? "" : "s")"
                              + (refit > 0 ? " (\(Fmt.count(refit)) without saved state: fitted again when used)" : "") + "\n")
                return .none
            }),
        Builtin(
            name: "open",
            parameters: [.init(name: "path", positional: true, required: true, help: "a model store written by save()")],
            summary: "Opens a model store: its newest version's models, for predict and refit.",
            example: "s = open(\"models/employment.db\")",
            details: """
            Reads the newest version of a model store (read-only). `show(s)` says what it holds:
            series, models, when and from what plan and data. `predict(s, horizon: h)` forecasts from
            the stored models without refitting; `refit(s, data)` fits them again on new data and
            saves a new version.
            """,
            body: { interp, a in
                let path = try a.requiredString("path")
                do {
                    let store = try interp.host.openStore(path: path, writable: false)
                    guard let version = try store.latest() else {
                        throw StoreError("\(path): the model store is empty")
                    }
                    return .store(OpenStore(store: store, version: version))
                } catch {
                    throw Diagnostic("open(): \(errorText(error))", at: a.span("path"))
                }
            }),
        Builtin(
            name: "refit",
            parameters: [
                .init(name: "store", positional: true, required: true, help: "a model store from open()"),
                .init(name: "data", positional: true, required: true, help: "the new training data"),
                .init(name: "future", positional: false, required: false,
                      help: "the regressors' future values for the stored horizon, for models that use regressors"),
            ],
            summary: "Fits a store's chosen models again on new data and saves them as a new version.",
            example: "s = refit(open(\"models/employment.db\"), emp)",
            details: """
            Fits each stored model again, with its stored configuration, on the series of `data` with
            the same id (series the store does not have are left out; stored series missing from the
            data keep nothing in the new version), saves the result as the store's next version and
            returns the store opened at it. Its forecasts use the stored horizon and levels. When the
            stored models use regressors, `data` needs the same regressor columns (refused, naming
            them, when it lacks one; columns the store did not have are left out, with a note);
            their forecasts need `future:` as a run's do, and without it those models are fitted
            only: the new version keeps no forecast made at save time for them.
            """,
            body: { interp, a in
                guard case .store(let open)? = a.values["store"]?.value else { throw a.wrongType("store", "a model store from open()") }
                let data = try a.data("data")
                var future: Panel? = nil
                if a.has("future") { future = try a.data("future") }
                let prepared: (job: Job, tasks: [Int], notes: [String], unforecast: Int)
                do {
                    prepared = try open.version.refitJob(on: data, registry: interp.registry, future: future)
                } catch {
                    throw Diagnostic("refit(): \(errorText(error))", at: a.has("future") ? a.span("future") : a.span("data"))
                }
                let (job, tasks) = (prepared.job, prepared.tasks)
                for n in prepared.notes { interp.output("note: refit(): \(n)\n") }
                do {
                    let run = try interp.host.run(job, tasks: tasks, workers: interp.defaultWorkers,
                                                  cancel: CancelToken(parent: interp.interrupt))
                    let version = try StoreVersion(run: run, tasks: tasks.map { ($0, nil, nil) }, source: open.version.source,
                                                   metric: open.version.metric)
                    let writable = try interp.host.openStore(path: open.store.location, writable: true)
                    let number = try writable.save(version)
                    interp.output("refit \(Fmt.count(run.completedTasks - run.failedTasks)) of \(Fmt.count(tasks.count)) models, \(run.failedTasks) failed; saved version \(number) to \(open.store.location)\n")
                    if prepared.unforecast > 0 {
                        interp.output("note: refit(): \(Fmt.count(prepared.unforecast)) model\(prepared.unforecast == 1 ? "" : "s") with regressors fitted without a forecast (no future: values); predict(s, horizon: h, future: data) forecasts them\n")
                    }
                    guard let saved = try writable.latest() else { throw StoreError("\(open.store.location): the new version is missing") }
                    return .store(OpenStore(store: open.store, version: saved))
                } catch {
                    throw Diagnostic("refit(): \(errorText(error))", at: a.callSpan)
                }
            }),
        Builtin(
            name: "serve",
            parameters: [
                .init(name: "store", positional: true, required: true, help: "a model store from open(), or its path"),
                .init(name: "port", positional: false, required: false, help: "the port on 127.0.0.1 (default 8080; 0: any free one)"),
            ],
            summary: "Serves a model store over HTTP in the background, as `fcast serve` does.",
            example: "serve(open(\"models/employment.db\"), port: 8080)",
            details: """
            Starts an HTTP server on 127.0.0.1 for the store's newest version (as `fcast serve STORE`:
            GET /v1/health, /v1/series, /v1/series/{id}, POST /v1/forecast, /v1/openapi.json) and
            returns its URL at once; it serves in the background until fcast exits, and picks up
            versions saved later. Only the fcast executable can serve.
            """,
            body: { interp, a in
                let path: String
                switch a.values["store"]?.value {
                case .store(let open)?: path = open.store.location
                case .string(let s)?: path = s
                default: throw a.wrongType("store", "a model store from open(), or its path")
                }
                let port = try a.int("port", min: 0) ?? 8080
                guard port <= 65535 else { throw Diagnostic("serve(): 'port' must be at most 65535, got \(port)", at: a.span("port")) }
                guard let serve = (interp.host as? SystemHost)?.serve else {
                    throw Diagnostic("serve(): this host cannot serve HTTP (only the fcast executable can)", at: a.callSpan)
                }
                do {
                    let url = try serve(interp.host.resolvePath(path), port)
                    interp.output("serving \(path) on \(url)\n")
                    return .string(url)
                } catch {
                    throw Diagnostic("serve(): \(errorText(error))", at: a.span("store"))
                }
            }),
    ])
}

extension Interpreter {
    /// `predict(s, horizon:, level:, ids:)` on a model store: the stored models forecast
    /// without refitting; a model whose plugin cannot be used fails its series with a warning.
    func predictFromStore(_ open: OpenStore, _ a: BoundArguments) throws(Diagnostic) -> Value {
        let horizon = try a.requiredInt("horizon", min: 1)
        let plan: Plan
        do { plan = try open.version.plan() } catch { throw Diagnostic("predict(): \(errorText(error))", at: a.span("run")) }
        let levels = try levels(a) ?? plan.levels
        try checkBudget(a, tasks: plan.taskCount, series: plan.seriesCount, horizon: horizon, levels: levels.count)
        var ids: [String]?
        if let v = a.values["ids"]?.value {
            switch v {
            case .string(let s): ids = [s]
            case .list(let items):
                ids = []
                for i in items {
                    guard case .string(let s) = i else { throw a.wrongType("ids", "a series id or a list of them") }
                    ids!.append(s)
                }
            default: throw a.wrongType("ids", "a series id or a list of them")
            }
        }
        var future: Panel? = nil
        if a.has("future") { future = try a.data("future") }
        let entries: [StoredEntry]
        do {
            entries = try open.version.entries(for: ids)
            for n in try open.version.checkFuture(entries, future: future, horizon: horizon) { output("note: predict(): \(n)\n") }
        } catch {
            throw Diagnostic("predict(): \(errorText(error))", at: a.has("future") ? a.span("future") : a.has("ids") ? a.span("ids") : a.callSpan)
        }
        do {
            let (job, tasks, failures) = try open.version.forecastJob(entries, horizon: horizon, levels: levels, registry: registry,
                                                                      future: future)
            for f in failures { output("warning: \(f.seriesID): \(f.model) cannot forecast here: \(f.message)\n") }
            return .run(try host.run(job, tasks: tasks, workers: defaultWorkers, cancel: CancelToken(parent: interrupt)))
        } catch {
            throw Diagnostic("predict(): \(errorText(error))", at: a.has("ids") ? a.span("ids") : a.callSpan)
        }
    }
}

extension Display {
    static func store(_ s: OpenStore) -> String {
        let v = s.version
        var wins: [String: Int] = [:]
        for e in v.entries { wins[e.model.name, default: 0] += 1 }
        let models = wins.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { "\($0.key) \(Fmt.count($0.value))" }.joined(separator: ", ")
        let plan = try? v.plan()
        var out = "model store \(s.store.location), version \(v.number) (saved \(v.created) by fcast \(v.fcastVersion))\n"
        out += "  \(Fmt.count(Set(v.entries.map(\.seriesID)).count)) series, \(v.source == "best" ? "the best model of each by \(v.metric ?? "?")" : "every model of a run"): \(models)\n"
        let refit = v.entries.filter { $0.envelope == nil }.count
        if refit > 0 { out += "  \(Fmt.count(refit)) model\(refit == 1 ? "" : "s") without saved state: fitted again from the stored data when used\n" }
        let used = v.regressorsUsed
        if !used.isEmpty {
            let n = v.entries.filter { !$0.regressors.isEmpty }.count
            out += "  regressors \(used.joined(separator: ", ")): \(Fmt.count(n)) model\(n == 1 ? " needs" : "s need") their future values (predict(s, horizon: h, future: data))\n"
        }
        if let plan {
            out += "  data: \(plan.data.name.isEmpty ? "unnamed" : plan.data.name), \(Fmt.count(plan.data.points)) points, \(plan.data.frequency), fingerprint \(plan.data.fingerprint.prefix(12))\n"
            out += "  plan \(v.planHash.prefix(12)): horizon \(plan.horizon), levels \(plan.levels.isEmpty ? "none" : plan.levels.map(ParameterLabel.number).joined(separator: ", ")), seed \(plan.seed)"
        }
        return out
    }
}
