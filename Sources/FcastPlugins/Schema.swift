import CFcastPlugin
import FcastPlan

/// One parameter of an algorithm, read from the plugin's fc_param_spec.
public struct ParameterSchema: Sendable {
    public enum Kind: String, Sendable { case int, real, bool, string, intList = "int list", realList = "real list", json = "any" }
    public var name: String
    public var kind: Kind
    public var required: Bool
    /// Not given means the algorithm chooses (from the data, or by search).
    public var auto: Bool
    public var defaultText: String?
    public var min: Double?
    public var max: Double?
    public var choices: [String]?
    public var listLength: Int
    public var help: String

    init(_ spec: fc_param_spec) {
        name = spec.name.map { String(cString: $0) } ?? "?"
        kind = switch Int(spec.type) {
        case FC_PARAM_INT: .int
        case FC_PARAM_REAL: .real
        case FC_PARAM_BOOL: .bool
        case FC_PARAM_INT_LIST: .intList
        case FC_PARAM_REAL_LIST: .realList
        case FC_PARAM_JSON: .json
        default: .string
        }
        required = spec.flags & UInt32(FC_PARAM_REQUIRED) != 0
        auto = spec.flags & UInt32(FC_PARAM_AUTO) != 0
        defaultText = spec.default_text.map { String(cString: $0) }
        min = spec.min_value.isNaN ? nil : spec.min_value
        max = spec.max_value.isNaN ? nil : spec.max_value
        if let cs = spec.choices {
            var out: [String] = []
            var i = 0
            while let c = cs[i] { out.append(String(cString: c)); i += 1 }
            choices = out
        } else {
            choices = nil
        }
        listLength = Int(spec.list_length)
        help = spec.help.map { String(cString: $0) } ?? ""
    }

    public init(name: String, kind: Kind, required: Bool = false, auto: Bool = false, defaultText: String? = nil,
                min: Double? = nil, max: Double? = nil, choices: [String]? = nil, listLength: Int = 0, help: String = "") {
        self.name = name
        self.kind = kind
        self.required = required
        self.auto = auto
        self.defaultText = defaultText
        self.min = min
        self.max = max
        self.choices = choices
        self.listLength = listLength
        self.help = help
    }

    /// "season: int >= 1 (required)", "ic: \"aicc\" | \"aic\" | \"bic\" = \"aicc\"".
    public var signature: String {
        var s = "\(name): "
        if let choices { s += choices.map { "\"\($0)\"" }.joined(separator: " | ") } else { s += kind.rawValue }
        if listLength > 0 { s += "[\(listLength)]" }
        switch (min, max) {
        case let (lo?, hi?): s += " in \(ParameterLabel.number(lo))...\(ParameterLabel.number(hi))"
        case let (lo?, nil): s += " >= \(ParameterLabel.number(lo))"
        case let (nil, hi?): s += " <= \(ParameterLabel.number(hi))"
        default: break
        }
        if let defaultText { s += " = \(defaultText)" } else if required { s += " (required)" } else if auto { s += " (auto)" }
        return s
    }
}
