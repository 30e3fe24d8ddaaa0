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
        var location = ""
        if let file { location = file }
        if let line {
            location += location.isEmpty ? "line \(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        return location.isEmpty ? "error: \(message)" : "\(location): error: \(message)"
    }
}

/// Helpers for "did you mean" suggestions in error messages.
public enum Suggest {
    /// Levenshtein distance between two strings (compared by Unicode scalars).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// The candidate closest to `word` if it is close enough to be a plausible typo
    /// (case-insensitive equality, or an edit distance of at most a third of the length, at least 1).
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let lower = word.lowercased()
        if let same = candidates.first(where: { $0.lowercased() == lower }) { return same }
        let trimmed = candidates.first(where: {
            $0.trimmingCharacters(in: .whitespaces).lowercased() == lower
        })
        if let trimmed { return trimmed }
        var best: (String, Int)? = nil
        for c in candidates {
            let d = editDistance(lower, c.lowercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (name, distance) = best else { return nil }
        return distance <= Swift.max(1, lower.count / 3) ? name : nil
    }

    /// `"did you mean 'x'?"` or nil.
    public static func didYouMean(_ word: String, in candidates: [String]) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }
}
