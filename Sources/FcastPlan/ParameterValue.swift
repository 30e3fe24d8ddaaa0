import Foundation

/// A parameter value as the language hands it to the host.
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
}

/// Numbers the way the language writes them: 12, 0.5, 80.
public enum ParameterLabel {
    public static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}
