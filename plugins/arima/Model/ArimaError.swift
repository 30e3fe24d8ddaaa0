// Errors raised by the ARIMA numerics. Every message names the offending parameter.

/// What went wrong, coarsely: callers map this onto their own status codes.
public enum ArimaErrorKind: String, Sendable, Equatable {
    /// A parameter is out of range or inconsistent (negative order, season <= 1 with seasonal orders, NaN in y).
    case invalidArgument
    /// The series is too short for the requested model.
    case notEnoughData
    /// The optimiser or the likelihood failed (non-finite values, no admissible model).
    case numericFailure
    /// The caller asked to stop (AutoArimaOptions.shouldStop).
    case cancelled
}

/// The error type of the ArimaModel module.
public struct ArimaError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: ArimaErrorKind
    public let message: String
    public init(_ kind: ArimaErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { "\(kind.rawValue): \(message)" }

    static func invalid(_ m: String) -> ArimaError { ArimaError(.invalidArgument, m) }
    static func short(_ m: String) -> ArimaError { ArimaError(.notEnoughData, m) }
    static func numeric(_ m: String) -> ArimaError { ArimaError(.numericFailure, m) }
}
