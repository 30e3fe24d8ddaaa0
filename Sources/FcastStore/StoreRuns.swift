import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import Foundation

/// A stored model that cannot forecast here, and why (its plugin is missing or of another
/// major version): its series fail, the others forecast.
public struct StoredModelFailure: Sendable, Equatable {
    public var seriesID: String
    public var model: String
    public var message: String
}

extension StoreVersion {
    /// A version of a run's tasks: each with its model as plain data, the fitted model in
    /// the host's envelope (when its plugin can save it), the forecast, and the score it won
    /// with. `tasks` are the run's task indices (`best`'s winners, or every finished task).
    public init(run: RunResult, tasks: [(task: Int, score: Double?, metric: String?)], source: String,
                metric: String?, created: Date = Date()) throws {
        guard run.plan.windows == [Window(cutoff: 0)] else {
            throw StoreError("only a run fitted on all of its data can be saved (this one has \(run.plan.windows.count) windows)")
        }
        var entries: [StoredEntry] = []
        entries.reserveCapacity(tasks.count)
        for (k, score, scoreMetric) in tasks {
            guard case .ok = run.outcomes[k] else { continue }
            let t = run.plan.task(k)
            let spec = run.models[t.model]
            let planned = spec.planned
            var payload: [UInt8]?
            switch run.kept[k] {
            case .fitted(let model)?:
                if spec.algorithm.capabilities.contains(.saveLoad) {
                    do { payload = try model.save() } catch {
                        throw StoreError("\(run.train.ids[t.series]): \(spec.name) could not save its fitted model: \(error)")
                    }
                }
            case .saved(let bytes)?: payload = bytes
            case nil: payload = nil
            }
            var forecast = Array(run.meanSlice(model: t.model, series: t.series))
            // A task fitted without a forecast (Job.fitOnly) stores none.
            if forecast.allSatisfy(\.isNaN) {
                forecast = []
            } else {
                for l in run.levels.indices { forecast += run.loSlice(model: t.model, series: t.series, level: l) }
                for l in run.levels.indices { forecast += run.hiSlice(model: t.model, series: t.series, level: l) }
            }
            // A model whose plugin takes regressors was fitted with the data's.
            let regressors = spec.algorithm.capabilities.contains(.exogenous) ? run.train.regressorNames : []
            entries.append(StoredEntry(
                seriesID: run.train.ids[t.series], model: planned,
                envelope: payload.map { SavedModel(model: planned, abi: FcastVersion.abi, payload: $0).encoded() },
                description: run.descriptions[k], score: score, metric: scoreMetric, forecast: forecast,
                regressors: regressors))
        }
        let formatter = ISO8601DateFormatter()
        self.init(created: formatter.string(from: created), planJSON: String(decoding: run.plan.canonicalJSON(), as: UTF8.self),
                  planHash: run.plan.hash, source: source, metric: metric, fcastVersion: FcastVersion.string,
                  data: run.train, entries: entries)
    }

    /// The stored entries of `ids` (all when nil); an id the store does not have is an error
    /// naming it and the closest one it has.
    public func entries(for ids: [String]?) throws -> [StoredEntry] {
        guard let ids else { return entries }
        var bySeries: [String: [StoredEntry]] = [:]
        for e in entries { bySeries[e.seriesID, default: []].append(e) }
        var out: [StoredEntry] = []
        for id in ids {
            guard let found = bySeries[id] else {
                let hint = Suggest.closest(to: id, among: Array(bySeries.keys)).map { "; did you mean '\($0)'?" } ?? ""
                throw StoreError("the store has no series '\(id)'\(hint)")
            }
            out += found
        }
        return out
    }

    /// Checks the future regressors of a forecast from `entries` before any work, as a run
    /// does (`Regressors.checkFuture`): every series whose model uses regressors needs `future`
    /// rows with all of them for the whole horizon. Returns notes: `future` given while no model
    /// uses regressors, or models that forecast from y alone.
    public func checkFuture(_ entries: [StoredEntry], future: Panel?, horizon: Int) throws -> [String] {
        let users = entries.filter { !$0.regressors.isEmpty }
        guard !users.isEmpty else {
            return future == nil ? [] : ["the stored models use no regressors: future: is not used"]
        }
        guard let future else {
            let first = users[0]
            let count = Set(users.map(\.seriesID)).count
            throw StoreError("series '\(first.seriesID)': its model \(first.model.name) uses the regressors "
                             + first.regressors.map { "'\($0)'" }.joined(separator: ", ")
                             + ": a forecast needs their future values; give future: a data set with the same ids and those columns for the next \(horizon) periods"
                             + (count > 1 ? " (\(count) series need them)" : ""))
        }
        var seen = Set<String>()
        let indices = users.compactMap { e in seen.insert(e.seriesID).inserted ? data.index(of: e.seriesID) : nil }
        var need = data.subset(indices)
        let used = regressorsUsed
        need.regressors = used.map { need.regressors[need.regressorNames.firstIndex(of: $0)!] }
        need.regressorNames = used
        try Regressors.checkFuture(data: need, future: future, horizon: horizon)
        var others = Set<String>()
        let names = entries.filter { $0.regressors.isEmpty }.map(\.model.name).filter { others.insert($0).inserted }
        guard !names.isEmpty else { return [] }
        return ["\(names.joined(separator: ", ")) use\(names.count == 1 ? "s" : "") no regressors: "
                + "\(names.count == 1 ? "it forecasts" : "they forecast") from y alone"]
    }

    /// A job that forecasts `entries` from their stored models: the stored plan's seed and
    /// data, the models resolved against `registry` (each on its own: one that cannot be
    /// resolved fails only its series), models with saved bytes loaded, the others fitted
    /// again from the stored data. For the saved horizon and levels the numbers are the run's.
    /// Models that use regressors take their future values from `future` (see `checkFuture`);
    /// with `forecastRegressorModels` false they are only loaded (or fitted), not forecast.
    public func forecastJob(_ entries: [StoredEntry], horizon: Int, levels: [Double],
                            registry: PluginRegistry, future: Panel? = nil,
                            forecastRegressorModels: Bool = true) throws -> (job: Job, tasks: [Int], failures: [StoredModelFailure]) {
        let original = try plan()
        var models: [ModelSpec] = []
        var modelIndex: [String: Int] = [:]
        var unresolved: [String: String] = [:]
        var failures: [StoredModelFailure] = []
        var wanted: [(entry: StoredEntry, model: Int)] = []
        var fitOnly = Set<Int>()
        for e in entries {
            let key = e.model.canonicalSpec
            if modelIndex[key] == nil && unresolved[key] == nil {
                let single = Plan(data: original.data, models: [e.model], horizon: horizon, levels: levels, seed: original.seed)
                do {
                    models += try single.resolve(in: registry)
                    modelIndex[key] = models.count - 1
                } catch {
                    unresolved[key] = error.description
                }
            }
            if let m = modelIndex[key] {
                wanted.append((e, m))
                if !forecastRegressorModels && !e.regressors.isEmpty { fitOnly.insert(m) }
            } else {
                failures.append(StoredModelFailure(seriesID: e.seriesID, model: e.model.name, message: unresolved[key]!))
            }
        }
        let plan = Plan(data: original.data, models: models.map(\.planned), horizon: horizon, levels: levels,
                        seed: original.seed)
        var kept = [KeptModel?](repeating: nil, count: plan.taskCount)
        var tasks: [Int] = []
        for (e, m) in wanted {
            guard let s = data.index(of: e.seriesID) else {
                throw StoreError("the store's model for '\(e.seriesID)' has no stored data")
            }
            let k = plan.taskIndex(TaskRef(series: s, model: m))
            tasks.append(k)
            if let bytes = e.envelope {
                let saved: SavedModel
                do { saved = try SavedModel.decode(bytes) } catch {
                    throw StoreError("the stored model of '\(e.seriesID)' (\(e.model.name)) is damaged: \(error)")
                }
                kept[k] = .saved(saved.payload)
            }
        }
        let job = Job(plan: plan, models: models, data: data, keep: .fitted,
                      reuse: Job.Reuse(kept: kept, outcomes: [TaskOutcome](repeating: .ok, count: plan.taskCount)),
                      future: data.regressors.isEmpty ? nil : future, fitOnly: fitOnly)
        return (job, tasks, failures)
    }

    /// A job that fits the stored models again on `newData` (the series it shares with the
    /// store), for `refit`: its run becomes the store's next version. The new data needs the
    /// regressor columns the stored models use; it keeps the stored data's regressors only
    /// (others would change what a model sees: a note names them). The models that use
    /// regressors forecast with `future` (checked as a run's), or without it are only fitted:
    /// the new version has no forecast made at save time for them (`unforecast` counts them).
    public func refitJob(on given: Panel, registry: PluginRegistry, future: Panel? = nil)
        throws -> (job: Job, tasks: [Int], notes: [String], unforecast: Int) {
        let original = try plan()
        let used = regressorsUsed
        let absent = used.filter { !given.regressorNames.contains($0) }
        if !absent.isEmpty {
            let list = absent.map { "'\($0)'" }.joined(separator: ", ")
            throw StoreError("the stored models use the regressor\(absent.count == 1 ? "" : "s") \(list) and the new data has "
                             + (given.regressorNames.isEmpty ? "no regressors: load it with regressors: [\(used.map { "\"\($0)\"" }.joined(separator: ", "))]"
                                : "no column \(list) (it has \(given.regressorNames.map { "'\($0)'" }.joined(separator: ", ")))"))
        }
        var notes: [String] = []
        var newData = given
        let kept = data.regressorNames.filter { given.regressorNames.contains($0) }
        let dropped = given.regressorNames.filter { !kept.contains($0) }
        if !dropped.isEmpty {
            notes.append("the stored models were fitted without the regressor\(dropped.count == 1 ? "" : "s") "
                         + dropped.map { "'\($0)'" }.joined(separator: ", ") + ": left out")
        }
        newData.regressors = kept.map { given.regressors[given.regressorNames.firstIndex(of: $0)!] }
        newData.regressorNames = kept
        var models: [ModelSpec] = []
        var modelIndex: [String: Int] = [:]
        var pairs: [(series: Int, model: Int)] = []
        var users = Set<Int>(), userSeries: [Int] = []
        for e in entries {
            guard let s = newData.index(of: e.seriesID) else { continue }
            let key = e.model.canonicalSpec
            if modelIndex[key] == nil {
                let single = Plan(data: original.data, models: [e.model], horizon: original.horizon, levels: original.levels,
                                  seed: original.seed)
                do { models += try single.resolve(in: registry) } catch { throw StoreError(error.description) }
                modelIndex[key] = models.count - 1
            }
            pairs.append((s, modelIndex[key]!))
            if !e.regressors.isEmpty {
                users.insert(modelIndex[key]!)
                userSeries.append(s)
            }
        }
        guard !pairs.isEmpty else {
            throw StoreError("the new data has none of the store's \(Set(entries.map(\.seriesID)).count) series")
        }
        let plan = Plan(data: DataReference(newData, name: original.data.name), models: models.map(\.planned),
                        horizon: original.horizon, levels: original.levels, seed: original.seed)
        let tasks = pairs.map { plan.taskIndex(TaskRef(series: $0.series, model: $0.model)) }
        var fitOnly = Set<Int>()
        if !users.isEmpty {
            if let future {
                var need = newData.subset(Array(Set(userSeries)).sorted())
                need.regressors = used.map { need.regressors[need.regressorNames.firstIndex(of: $0)!] }
                need.regressorNames = used
                try Regressors.checkFuture(data: need, future: future, horizon: original.horizon)
            } else {
                fitOnly = users
            }
        } else if future != nil {
            notes.append("the stored models use no regressors: future: is not used")
        }
        let unforecast = pairs.filter { fitOnly.contains($0.model) }.count
        let job = Job(plan: plan, models: models, data: newData, keep: .fitted,
                      future: newData.regressors.isEmpty || !fitOnly.isEmpty ? nil : future, fitOnly: fitOnly)
        return (job, tasks, notes, unforecast)
    }
}
