/// Rows a loader left out under `on_error: "skip"` (`LongCSVOptions.skipBadRows`): how many,
/// and the first few reasons with their file:line:column, so that `describe()` can say what
/// was refused instead of "missing none".
public struct RefusedRows: Sendable, Equatable {
    /// Rows left out.
    public var count = 0
    /// The first `maxExamples` reasons, located.
    public var examples: [String] = []
    public static let maxExamples = 3

    public init() {}

    mutating func add(_ error: FcastError) {
        count += 1
        if examples.count < Self.maxExamples { examples.append(error.locatedMessage) }
    }

    /// "3 rows (on_error: "skip"), e.g. data.csv:4:12: value 'inf' ..."; nil when none.
    public var summary: String? {
        guard count > 0 else { return nil }
        return "\(count) row\(count == 1 ? "" : "s") (on_error: \"skip\")"
            + (examples.isEmpty ? "" : ", e.g. " + examples.joined(separator: "; ") + (count > examples.count ? "; ..." : ""))
    }
}
