import FcastCore
import Foundation
import FcastExec

/// Gapped data: the notes `load()` and `evaluate()` print about missing periods and test
/// points the forecast does not have.
enum GapLanguage {
    /// Prints a note when `panel` has periods missing from its series' regular grid.
    static func noteGaps(_ interp: Interpreter, _ panel: Panel, builtin: String) {
        guard let text = panel.describe().gapNote else { return }
        interp.output("note: \(builtin)(): " + TerminalText.escape(text) + "; describe() shows more\n")
    }
}

extension GapLanguage {
    /// Prints a note when `evaluate()` scored fewer test points than it was given.
    static func noteUnscored(_ interp: Interpreter, _ scores: ScoreTable, test: Panel) {
        var parts: [String] = []
        if scores.scoredPoints < scores.testPoints {
            var text = "\(scores.testPoints) test points, \(scores.scoredPoints) scored, "
                + "\(scores.testPoints - scores.scoredPoints) at timestamps the forecast does not have"
            if let u = scores.firstUnmatched {
                text += " (first: '\(u.id)' at \(Timestamp.format(u.ds, style: test.timestampStyle)))"
            }
            parts.append(text)
        }
        if scores.unknownTestSeries > 0 {
            parts.append("\(scores.unknownTestSeries) test series the run does not have")
        }
        guard !parts.isEmpty else { return }
        interp.output("note: evaluate(): " + TerminalText.escape(parts.joined(separator: "; ")) + "\n")
    }
}

extension GapLanguage {
    /// Builtins of the data library for gapped data.
    static let builtins: [Builtin] = [
        Builtin(
            name: "fill_gaps",
            parameters: [
                .init(name: "data", positional: true, required: true, help: "a data set"),
                .init(name: "value", positional: false, required: false,
                      help: "what the inserted periods hold: a number (e.g. 0) or \"missing\" (the default)"),
            ],
            summary: "Inserts the periods missing from each series' regular grid, as tsibble's fill_gaps.",
            example: "full = fill_gaps(d, value: 0)",
            details: """
            Inserts every period missing between a series' first and last timestamp on the data
            set's frequency, holding `value`: a number (`0` for counts) or `"missing"` (the
            default: a missing value, which every built-in model handles). A series whose
            timestamps are off the frequency's grid is an error naming it.
            """,
            body: { _, a in
                let data = try a.data("data")
                var fill = Double.nan
                if let v = a.values["value"]?.value {
                    switch v {
                    case .number(let x) where x.isFinite: fill = x
                    case .string("missing"): fill = .nan
                    default: throw a.wrongType("value", "a finite number or \"missing\"")
                    }
                }
                do {
                    return .data(try data.fillingGaps(value: fill))
                } catch {
                    throw Diagnostic("fill_gaps(): \(errorText(error))", at: a.span("data"))
                }
            }),
    ]
}

extension GapLanguage {
    /// `load(freq:)`: a frequency (`"5min"`, `"5min business_hours(07:00-21:00, mon-fri)"`), or a
    /// business calendar alone, whose step is then inferred from the data.
    static func frequencyOption(_ text: String, into options: inout LongCSVOptions) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("business_hours(") {
            options.calendar = try BusinessHours.parse(trimmed)
        } else {
            options.frequency = try Frequency.parse(trimmed)
        }
    }
}
