import FcastExec

extension BoundArguments {
    /// `refit:` of cv() and run(): true (fit at every window, the default), false (fit at the
    /// first window only) or a whole number k >= 1 (fit at windows 1, k + 1, 2k + 1, ...;
    /// 1 is true), as statsforecast's cross_validation takes it.
    func refit() throws(Diagnostic) -> CrossValidation.Refit {
        guard let v = values["refit"]?.value else { return .always }
        switch v {
        case .bool(true): return .always
        case .bool(false): return .never
        case .number:
            let k = try int("refit", min: 1)!
            return k == 1 ? .always : .every(k)
        default: throw wrongType("refit", "true, false or a whole number of windows")
        }
    }
}

extension Interpreter {
    /// A cross-validation's refit error as a diagnostic at `refit:`, with what to do.
    func refitDiagnostic(_ e: RefitUnsupported, _ a: BoundArguments) -> Diagnostic {
        Diagnostic("\(a.builtin)(): \(e.description)", at: a.span("refit"),
                   notes: ["leave out refit: (fit at every window), or cross-validate \(e.models.count == 1 ? "it" : "them") separately with refit: true"])
    }
}
