// Exogenous regressors (issue 19 item 4): the `regressors:` argument of load().
import FcastCore

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
