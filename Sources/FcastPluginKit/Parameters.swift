import CFcastPlugin

/// One entry of an algorithm's parameter schema (an fc_param_spec).
public struct Parameter: Sendable {
    public enum Kind: Sendable { case int, real, bool, string, intList, realList, json }
    public var name: String
    public var kind: Kind
    public var required = false
    /// Not given means the algorithm decides (FC_PARAM_AUTO), e.g. a season read from the data.
    public var auto = false
    /// The default as written in the language ("12", "true", "\"aicc\"").
    public var defaultText: String?
    public var min: Double = .nan
    public var max: Double = .nan
    public var choices: [String]?
    public var listLength = 0
    public var help: String

    public init(_ name: String, _ kind: Kind, default defaultText: String? = nil, required: Bool = false,
                auto: Bool = false, min: Double = .nan, max: Double = .nan, choices: [String]? = nil,
                listLength: Int = 0, help: String) {
        self.name = name
        self.kind = kind
        self.defaultText = defaultText
        self.required = required
        self.auto = auto
        self.min = min
        self.max = max
        self.choices = choices
        self.listLength = listLength
        self.help = help
    }

    public static func int(_ name: String, default d: Int? = nil, min: Int? = nil, max: Int? = nil,
                           required: Bool = false, auto: Bool = false, help: String) -> Parameter {
        Parameter(name, .int, default: d.map { String($0) }, required: required, auto: auto,
                  min: min.map(Double.init) ?? .nan, max: max.map(Double.init) ?? .nan, help: help)
    }
    public static func real(_ name: String, default d: Double? = nil, min: Double = .nan, max: Double = .nan,
                            auto: Bool = false, help: String) -> Parameter {
        Parameter(name, .real, default: d.map { "\($0)" }, auto: auto, min: min, max: max, help: help)
    }
    public static func bool(_ name: String, default d: Bool, help: String) -> Parameter {
        Parameter(name, .bool, default: d ? "true" : "false", help: help)
    }
    public static func string(_ name: String, default d: String?, choices: [String]? = nil, auto: Bool = false,
                              help: String) -> Parameter {
        Parameter(name, .string, default: d.map { "\"\($0)\"" }, auto: auto, choices: choices, help: help)
    }
    /// Any language value, handed over as JSON text (records, lists of records, ...).
    public static func json(_ name: String, default d: String? = nil, help: String) -> Parameter {
        Parameter(name, .json, default: d, help: help)
    }
    public static func intList(_ name: String, default d: [Int]?, length: Int = 0, min: Int? = nil,
                               max: Int? = nil, auto: Bool = false, help: String) -> Parameter {
        Parameter(name, .intList, default: d.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" },
                  auto: auto, min: min.map(Double.init) ?? .nan, max: max.map(Double.init) ?? .nan,
                  listLength: length, help: help)
    }

    var cType: fc_param_type {
        switch kind {
        case .int: fc_param_type(FC_PARAM_INT)
        case .real: fc_param_type(FC_PARAM_REAL)
        case .bool: fc_param_type(FC_PARAM_BOOL)
        case .string: fc_param_type(FC_PARAM_STRING)
        case .intList: fc_param_type(FC_PARAM_INT_LIST)
        case .realList: fc_param_type(FC_PARAM_REAL_LIST)
        case .json: fc_param_type(FC_PARAM_JSON)
        }
    }
}

/// The values the host passed to configure(), by name. A value not given by the user is
/// absent; `int("season", default:)` etc. fall back to the schema's default.
public struct ParameterValues: Sendable {
    public enum Value: Sendable, Equatable {
        case int(Int), real(Double), bool(Bool), string(String), list([Double]), json(String)
    }
    public private(set) var given: [String: Value]

    public init(_ given: [String: Value]) { self.given = given }

    init(_ values: UnsafeBufferPointer<fc_param_value>) {
        var given: [String: Value] = [:]
        for v in values where v.is_set != 0 {
            guard let cname = v.name else { continue }
            let name = String(cString: cname)
            switch Int(v.type) {
            case FC_PARAM_INT: given[name] = .int(Int(v.int_value))
            case FC_PARAM_BOOL: given[name] = .bool(v.int_value != 0)
            case FC_PARAM_REAL: given[name] = .real(v.real_value)
            case FC_PARAM_STRING: given[name] = .string(v.string_value.map { String(cString: $0) } ?? "")
            case FC_PARAM_JSON: given[name] = .json(v.string_value.map { String(cString: $0) } ?? "null")
            case FC_PARAM_INT_LIST, FC_PARAM_REAL_LIST:
                given[name] = .list(Array(UnsafeBufferPointer(start: v.list_values, count: v.list_length)))
            default: continue
            }
        }
        self.given = given
    }

    public func isSet(_ name: String) -> Bool { given[name] != nil }

    public func int(_ name: String) -> Int? {
        switch given[name] {
        case .int(let i): i
        case .real(let r) where r == r.rounded(): Int(r)
        default: nil
        }
    }
    public func int(_ name: String, default d: Int) -> Int { int(name) ?? d }
    public func real(_ name: String) -> Double? {
        switch given[name] {
        case .real(let r): r
        case .int(let i): Double(i)
        default: nil
        }
    }
    public func real(_ name: String, default d: Double) -> Double { real(name) ?? d }
    public func bool(_ name: String) -> Bool? {
        if case .bool(let b) = given[name] { return b }
        return nil
    }
    public func bool(_ name: String, default d: Bool) -> Bool { bool(name) ?? d }
    public func string(_ name: String) -> String? {
        if case .string(let s) = given[name] { return s }
        return nil
    }
    public func string(_ name: String, default d: String) -> String { string(name) ?? d }
    public func list(_ name: String) -> [Double]? {
        if case .list(let l) = given[name] { return l }
        return nil
    }
    public func intList(_ name: String) -> [Int]? { list(name).map { $0.map { Int($0) } } }
    /// The JSON text of a FC_PARAM_JSON parameter (decode it with JSONSerialization or Codable).
    public func json(_ name: String) -> String? {
        if case .json(let s) = given[name] { return s }
        return nil
    }
}
