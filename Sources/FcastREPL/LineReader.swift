import Foundation

/// What reading one line gave.
public enum LineInput: Equatable, Sendable {
    case line(String)
    /// Ctrl-C while typing: the input is dropped.
    case interrupted
    /// Ctrl-D on an empty line, or the end of standard input.
    case endOfInput
}

/// Reads lines: libedit at a terminal, plain reads otherwise (and in tests).
public protocol LineReader: AnyObject {
    /// `continuation` is true for the second and later lines of one input.
    func readLine(continuation: Bool) -> LineInput
    func addHistory(_ line: String)
    /// Whether prompts and banners are wanted (a person at a terminal).
    var isInteractive: Bool { get }
}

/// Standard input without editing: `fcast < analysis.fc`.
public final class PlainLineReader: LineReader {
    public init() {}
    public var isInteractive: Bool { false }
    public func readLine(continuation: Bool) -> LineInput {
        Swift.readLine(strippingNewline: true).map { .line($0) } ?? .endOfInput
    }
    public func addHistory(_ line: String) {}
}

/// Lines from memory, for tests.
public final class ScriptedLineReader: LineReader {
    public var lines: [LineInput]
    public private(set) var history: [String] = []
    public init(_ lines: [LineInput]) { self.lines = lines }
    public var isInteractive: Bool { false }
    public func readLine(continuation: Bool) -> LineInput { lines.isEmpty ? .endOfInput : lines.removeFirst() }
    public func addHistory(_ line: String) { history.append(line) }
}
