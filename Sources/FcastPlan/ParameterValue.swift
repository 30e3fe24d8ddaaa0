import Foundation

/// A parameter value as the language hands it to the host, and as a plan writes it down.
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int), real(Double), bool(Bool), string(String), list([Double]), json(String)

    public var description: String {
        switch self {
        case .int(let i): String(i)
        case .real(let r): ParameterLabel.number(r)
        case .bool(let b): b ? "true" : "false"
        case .string(let s): "\"\(s)\""
        case .list(let l): "[" + l.map(ParameterLabel.number).joined(separator: ", ") + "]"
        case .json(let j): j
        }
    }

    // Written as a one-key object, {"int": 12}, so that the type survives a round trip
    // (12 and 12.0 are different parameters to a plugin).
    private enum Key: String, CodingKey { case int, real, bool, string, list, json }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .int(let v): try c.encode(v, forKey: .int)
        case .real(let v): try c.encode(v, forKey: .real)
        case .bool(let v): try c.encode(v, forKey: .bool)
        case .string(let v): try c.encode(v, forKey: .string)
        case .list(let v): try c.encode(v, forKey: .list)
        case .json(let v): try c.encode(v, forKey: .json)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        guard let key = c.allKeys.first, c.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a parameter value is an object with one key: int, real, bool, string, list or json"))
        }
        switch key {
        case .int: self = .int(try c.decode(Int.self, forKey: key))
        case .real: self = .real(try c.decode(Double.self, forKey: key))
        case .bool: self = .bool(try c.decode(Bool.self, forKey: key))
        case .string: self = .string(try c.decode(String.self, forKey: key))
        case .list: self = .list(try c.decode([Double].self, forKey: key))
        case .json: self = .json(try c.decode(String.self, forKey: key))
        }
    }
}

/// Numbers the way the language writes them: 12, 0.5, 80.
public enum ParameterLabel {
    public static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}
