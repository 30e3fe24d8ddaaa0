import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins

extension Interpreter {
    /// Models from a value: a model, a grid, or a list of them.
    func modelCalls(_ v: Value, span: SourceSpan) throws(Diagnostic) -> [ModelCall] {
        switch v {
        case .model(let m): return [m]
        case .tune(let t):
            guard let b = t.best else { throw Diagnostic("this tune result has no best model: every trial failed", at: span) }
            return [ModelCall(algorithm: b.algorithm, alternatives: b.values.mapValues { [$0] }, name: b.givenName)]
        case .grid(let specs):
            return specs.map { s in
                ModelCall(algorithm: s.algorithm, alternatives: s.values.mapValues { [$0] }, name: s.givenName, combination: s.combination)
            }
        case .list(let items):
            var out: [ModelCall] = []
            for i in items { out += try modelCalls(i, span: span) }
            return out
        default:
            throw Diagnostic("expected a model, a grid or a list of models, got \(v.typeName)", at: span)
        }
    }

    func buildGrid(_ a: BoundArguments) throws(Diagnostic) -> [ModelSpec] {
        var calls: [ModelCall] = []
        for arg in a.rest { calls += try modelCalls(arg.value, span: arg.span) }
        guard !calls.isEmpty else {
            throw Diagnostic("grid() needs at least one model, e.g. grid(naive(), snaive(), season: 12)", at: a.callSpan)
        }
        // Shared arguments go to every model that takes them and has not set them itself.
        for shared in a.extraNamed {
            guard let label = shared.label else { continue }
            var used = false
            for i in calls.indices where calls[i].combination != nil {
                used = try shareWithMembers(&calls[i], shared) || used
            }
            for i in calls.indices where calls[i].combination == nil {
                guard let p = calls[i].algorithm.parameter(named: label) else { continue }
                used = true
                if calls[i].alternatives[label] == nil {
                    calls[i].alternatives[label] = try ParameterCheck.alternatives(
                        shared.value, for: p, algorithm: calls[i].algorithm.name, at: shared.span)
                }
            }
            if !used {
                let all = Set(calls.flatMap { $0.algorithm.parameters.map(\.name) })
                let notes = Suggest.closest(to: label, among: all.sorted()).map { ["did you mean '\($0)'?"] } ?? []
                throw Diagnostic("no model in this grid takes '\(label)'", at: shared.labelSpan ?? shared.span,
                                 notes: notes + (all.isEmpty ? [] : ["parameters in this grid: \(all.sorted().joined(separator: ", "))"]))
            }
        }
        var specs = calls.flatMap { $0.expand() }
        ModelSpec.assignNames(&specs)
        return specs
    }

    func runGrid(_ a: BoundArguments) throws(Diagnostic) -> Value {
        guard let modelsArg = a.values["models"] else { throw Diagnostic("run() needs 'models'", at: a.callSpan) }
        if case .best(let b) = modelsArg.value { return try runBest(b, a) }
        let specs = try modelSpecs(a)
        let data = try a.data("data")
        let horizon = try a.requiredInt("horizon", min: 1)
        let levels = try self.levels(a) ?? []
        let workers = try a.int("workers", min: 1) ?? defaultWorkers
        let seed = try a.int("seed", min: 0) ?? 1
        guard data.count > 0 else { throw Diagnostic("run(): the data set has no series", at: a.span("data")) }
        guard !specs.isEmpty else {
            throw Diagnostic("run(): no models to run: the models are an empty list", at: modelsArg.span,
                             notes: ["give at least one model, as in run([naive(), snaive()], data, horizon: 12)"])
        }
        try checkBudget(a, tasks: specs.count * data.count, series: data.count, horizon: horizon, levels: levels.count)
        let options = RunOptions(horizon: horizon, levels: levels, workers: workers, seed: UInt64(seed))
        let keep = try a.bool("keep") ?? true
        let settings = try executionSettings(a, specs: specs, workers: workers)
        let future = try regressorFuture(a, specs: specs, data: data, horizon: horizon, needsFuture: true)
        return .run(try runModels(specs, on: data, options: options, settings: settings, keep: keep, wanted: nil, a, future: future))
    }

    /// Refuses a horizon, level count or result size past ResourceBudget, at the argument
    /// that asks for too much.
    func checkBudget(_ a: BoundArguments, tasks: Int, series: Int, windows: Int = 1, horizon: Int, levels: Int) throws(Diagnostic) {
        do {
            try ResourceBudget.checkRun(what: "\(a.builtin)()", tasks: tasks, series: series, windows: windows,
                                        horizon: horizon, levels: levels)
        } catch {
            let at = horizon > ResourceBudget.maxHorizon || !a.has("level") || levels <= ResourceBudget.maxLevels ? "horizon" : "level"
            throw Diagnostic(errorText(error), at: a.span(at))
        }
    }

    /// `level:` of run and predict: percentages strictly between 0 and 100.
    func levels(_ a: BoundArguments) throws(Diagnostic) -> [Double]? {
        guard var levels = try a.numbers("level") else { return nil }
        // As R's forecast(): levels all between 0 and 1 are fractions, said in a note.
        if !levels.isEmpty, levels.allSatisfy({ $0 > 0 && $0 < 1 }) {
            let percent = levels.map { ($0 * 100 * 1e9).rounded() / 1e9 }
            output("note: \(a.builtin)(): level \(levels.map(ParameterLabel.number).joined(separator: ", ")) read as fractions: "
                   + percent.map { ParameterLabel.number($0) + "%" }.joined(separator: ", ") + " (levels are percentages)\n")
            levels = percent
        }
        for l in levels where !(l > 0 && l < 100) {
            throw Diagnostic("\(a.builtin)(): interval levels are percentages between 0 and 100, got \(ParameterLabel.number(l))",
                             at: a.span("level"))
        }
        return levels
    }
}
