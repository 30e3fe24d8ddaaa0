// Diagnostics: an error message with a location, rendered with the source line and a caret.

/// An error found in a script (syntax) or while running it (the evaluator uses it too).
///
/// `notes` are extra lines shown under the caret. A note that starts with `"note: "` or
/// `"help: "` is shown as written; any other note is shown as `help: <note>`
/// (e.g. `"did you mean 'season'?"`).
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var span: SourceSpan?
    public var notes: [String]

    public init(_ message: String, at span: SourceSpan? = nil, notes: [String] = []) {
        self.message = message
        self.span = span
        self.notes = notes
    }

    /// One line: `file:line:col: error: message`, or `error: message` without a span.
    public var description: String {
        if let span { return "\(span.start): error: \(message)" }
        return "error: \(message)"
    }

    /// The full report:
    ///
    ///     examples/employment.fc:3:7: error: unknown name 'lod'
    ///         3 | emp = lod("examples/data/us_employment.csv")
    ///           |       ^~~
    ///       help: did you mean 'load'?
    ///
    /// The source line is shown when `source` is given, has the span's file name and
    /// contains the line. A span over several lines is underlined to the end of its first
    /// line. No trailing newline.
    public func render(source: Source?, color: Bool = false) -> String {
        let bold = color ? "\u{1B}[1m" : ""
        let red = color ? "\u{1B}[1;31m" : ""
        let blue = color ? "\u{1B}[1;34m" : ""
        let cyan = color ? "\u{1B}[1;36m" : ""
        let reset = color ? "\u{1B}[0m" : ""

        var lines: [String] = []
        if let span {
            lines.append("\(bold)\(span.start):\(reset) \(red)error:\(reset) \(bold)\(message)\(reset)")
        } else {
            lines.append("\(red)error:\(reset) \(bold)\(message)\(reset)")
        }

        if let span, let source, source.name == span.start.file,
           span.start.line >= 1, span.start.line <= source.lineCount {
            let lineNumber = span.start.line
            let text = source.lineText(lineNumber)
            let number = String(lineNumber)
            let width = max(5, number.count)
            let gutter = String(repeating: " ", count: width - number.count) + number
            let blank = String(repeating: " ", count: width)
            lines.append("\(blue)\(gutter) |\(reset)\(text.isEmpty ? "" : " " + text)")

            let chars = Array(text)
            let startColumn = max(1, span.start.column)
            // Padding: keep tabs so the caret lines up with the text above.
            var pad = ""
            for i in 0..<(startColumn - 1) {
                pad += (i < chars.count && chars[i] == "\t") ? "\t" : " "
            }
            let length: Int
            if span.end.line == span.start.line {
                length = max(1, span.end.column - span.start.column)
            } else {
                length = max(1, chars.count - startColumn + 1)
            }
            let marker = "^" + String(repeating: "~", count: length - 1)
            lines.append("\(blue)\(blank) |\(reset) \(pad)\(red)\(marker)\(reset)")
        }

        for note in notes {
            if note.hasPrefix("note: ") || note.hasPrefix("help: "), let colon = note.firstIndex(of: ":") {
                lines.append("  \(cyan)\(note[..<colon]):\(reset)\(note[note.index(after: colon)...])")
            } else {
                lines.append("  \(cyan)help:\(reset) \(note)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
