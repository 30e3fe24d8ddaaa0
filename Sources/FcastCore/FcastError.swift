import Foundation

/// A user-facing error, optionally located in a file (1-based line and column).
///
/// `description` renders the conventional compiler-style form
/// `file.csv:12:3: error: expected a number in column 'y', found 'abc'`,
/// leaving out whichever location parts are missing.
public struct FcastError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var file: String?
    public var line: Int?
    public var column: Int?

    public init(_ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        location.isEmpty ? "error: \(message)" : "\(location): error: \(message)"
    }

    /// `file.csv:12:3: message`, for quoting inside another diagnostic (which says "error:" itself).
    public var locatedMessage: String {
        location.isEmpty ? message : "\(location): \(message)"
    }

    private var location: String {
        var location = ""
        if let file { location = file }
        if let line {
            location += location.isEmpty ? "line \(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        return location
    }
}
