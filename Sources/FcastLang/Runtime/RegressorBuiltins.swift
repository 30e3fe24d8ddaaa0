// Exogenous regressors (issue 19 item 4): the `regressors:` argument of load().
import FcastCore
import FcastExec
import FcastPlugins

extension BoundArguments {
    /// `regressors:`: a column name or a list of them (empty when not given).
    func regressorNames() throws(Diagnostic) -> [String] {
        guard let v = values["regressors"]?.value else { return [] }
        switch v {
        case .string(let s): return [s]
        case .list(let items):
            return try items.map { item throws(Diagnostic) -> String in
                guard case .string(let s) = item else { throw wrongType("regressors", "a column name or a list of them") }
                return s
            }
        default: throw wrongType("regressors", "a column name or a list of them")
        }
    }
}

extension Interpreter {
    /// The regressors of a run or cv: a note naming the models that do not use them (as
    /// statsforecast and fable, a model without regressor support forecasts from y alone:
    /// regressors in the data do not stop a benchmark against naive or ETS), and for a run
    /// the `future:` data set, checked before any fit: every series, every regressor, every
    /// period of the horizon. nil when no model uses regressors.
    func regressorFuture(_ a: BoundArguments, specs: [ModelSpec], data: Panel, horizon: Int,
                         needsFuture: Bool) throws(Diagnostic) -> Panel? {
        var future: Panel? = nil
        if a.has("future") { future = try a.data("future") }
        let builtin = a.builtin
        guard !data.regressors.isEmpty else {
            if future != nil {
                throw Diagnostic("\(builtin)(): future: was given but the data set has no regressors", at: a.span("future"),
                                 notes: ["load the data with regressors: [\"price\", ...] for models that use them"])
            }
            return nil
        }
        let algorithms = specs.flatMap { s in s.combination.map { c in c.members.map(\.algorithm) } ?? [s.algorithm] }
        let users = algorithms.filter { $0.capabilities.contains(.exogenous) }
        let others = algorithms.filter { !$0.capabilities.contains(.exogenous) }
        var seen = Set<String>()
        let otherNames = others.map(\.name).filter { seen.insert($0).inserted }
        let names = data.regressorNames.map { "'\($0)'" }.joined(separator: ", ")
        if !otherNames.isEmpty {
            output("note: \(builtin)(): \(otherNames.joined(separator: ", ")) use\(otherNames.count == 1 ? "s" : "") no regressors: "
                   + "\(otherNames.count == 1 ? "it forecasts" : "they forecast") from y alone, without \(names)\n")
        }
        guard !users.isEmpty, needsFuture else { return future }
        do {
            try Regressors.checkFuture(data: data, future: future, horizon: horizon)
        } catch {
            throw Diagnostic("\(builtin)(): \(errorText(error))", at: a.has("future") ? a.span("future") : a.callSpan)
        }
        return future
    }
}
