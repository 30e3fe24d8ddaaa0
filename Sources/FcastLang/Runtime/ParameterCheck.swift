import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins

/// Checks a language value against a plugin's parameter schema. A list given for a scalar
/// parameter (or a list of lists for a list parameter) is a set of alternatives: the grid
/// gets one model per value.
enum ParameterCheck {
    static func alternatives(_ v: Value, for p: ParameterSchema, algorithm: String,
                             at span: SourceSpan) throws(Diagnostic) -> [ParameterValue] {
        // A JSON parameter takes the whole value (a list of dates, of records), except that a
        // list of numbers or booleans is a set of alternatives, as for any scalar parameter:
        // prophet(yearly: [2, 4]), ets(lambda: [0, 0.5]).
        if p.kind == .json {
            if case .list(let items) = v, !items.isEmpty, items.allSatisfy({ item in
                switch item { case .number, .bool: true; default: false }
            }) {
                var out: [ParameterValue] = []
                for item in items { out.append(try single(item, for: p, algorithm: algorithm, at: span)) }
                return out
            }
            return [try single(v, for: p, algorithm: algorithm, at: span)]
        }
        let isListParam = p.kind == .intList || p.kind == .realList
        if case .list(let items) = v {
            if !isListParam {
                guard !items.isEmpty else { throw Diagnostic("'\(p.name)' got an empty list of values", at: span) }
                var out: [ParameterValue] = []
                for item in items { out.append(try single(item, for: p, algorithm: algorithm, at: span)) }
                return out
            }
            if case .list = items.first {
                var out: [ParameterValue] = []
                for item in items { out.append(try single(item, for: p, algorithm: algorithm, at: span)) }
                return out
            }
        }
        return [try single(v, for: p, algorithm: algorithm, at: span)]
    }

    static func single(_ v: Value, for p: ParameterSchema, algorithm: String,
                       at span: SourceSpan) throws(Diagnostic) -> ParameterValue {
        let what = "'\(p.name)' of \(algorithm)"
        func inRange(_ x: Double) throws(Diagnostic) {
            if let lo = p.min, x < lo {
                throw Diagnostic("\(what) must be at least \(ParameterLabel.number(lo)), got \(ParameterLabel.number(x))",
                                 at: span, notes: [p.signature])
            }
            if let hi = p.max, x > hi {
                throw Diagnostic("\(what) must be at most \(ParameterLabel.number(hi)), got \(ParameterLabel.number(x))",
                                 at: span, notes: [p.signature])
            }
        }
        switch (p.kind, v) {
        case (.int, .number(let x)):
            guard x == x.rounded(), abs(x) < 1e15 else {
                throw Diagnostic("\(what) must be a whole number, got \(ParameterLabel.number(x))", at: span)
            }
            try inRange(x)
            return .int(Int(x))
        case (.real, .number(let x)):
            guard x.isFinite else { throw Diagnostic("\(what) must be a finite number", at: span) }
            try inRange(x)
            return .real(x)
        case (.bool, .bool(let b)):
            return .bool(b)
        case (.string, .string(let s)):
            if let choices = p.choices, !choices.contains(s) {
                var notes = Suggest.closest(to: s, among: choices).map { ["did you mean \"\($0)\"?"] } ?? []
                notes.append("allowed: " + choices.map { "\"\($0)\"" }.joined(separator: ", "))
                throw Diagnostic("\(what) cannot be \"\(s)\"", at: span, notes: notes)
            }
            return .string(s)
        case (.json, _):
            guard let text = JSONText.encode(v) else {
                throw Diagnostic("\(what) cannot take \(v.typeName)", at: span)
            }
            return .json(text)
        case (.intList, .list(let items)), (.realList, .list(let items)):
            var xs: [Double] = []
            for item in items {
                guard case .number(let x) = item else {
                    throw Diagnostic("\(what) must be a list of numbers, found \(item.typeName) in it", at: span)
                }
                // Plugins turn int lists into integers: 1e300 or inf would trap there.
                if p.kind == .intList, x != x.rounded() || !(abs(x) < 1e15) {
                    throw Diagnostic("\(what) must be a list of whole numbers, found \(ParameterLabel.number(x))", at: span)
                }
                guard x.isFinite else { throw Diagnostic("\(what) must be a list of finite numbers", at: span) }
                try inRange(x)
                xs.append(x)
            }
            if p.listLength > 0, xs.count != p.listLength {
                throw Diagnostic("\(what) must have \(p.listLength) elements, got \(xs.count)", at: span, notes: [p.signature])
            }
            return .list(xs)
        default:
            let expected = switch p.kind {
            case .int: "a whole number"
            case .real: "a number"
            case .bool: "true or false"
            case .string: "a string"
            case .intList, .realList: "a list of numbers"
            case .json: "a value"
            }
            throw Diagnostic("\(what) must be \(expected), got \(v.typeName)", at: span, notes: [p.signature])
        }
    }
}
