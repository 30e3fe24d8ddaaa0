// "Did you mean ...?" suggestions.

public enum Suggest {
    /// The candidate closest to `name` by case-insensitive edit distance (Damerau-Levenshtein,
    /// optimal string alignment), or nil when none is close enough.
    ///
    /// A candidate qualifies when its distance is at most `max(1, (name.count + 1) / 3)` and
    /// smaller than the length of the longer of the two (so "a" never suggests "b").
    /// Ties go to the candidate closer with case kept, then to the alphabetically first.
    public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let lowered = name.lowercased()
        let length = lowered.count
        guard length > 0 else { return nil }
        let limit = max(1, (length + 1) / 3)
        var best: (distance: Int, caseDistance: Int, candidate: String)?
        for candidate in candidates {
            let lc = candidate.lowercased()
            if abs(lc.count - length) > limit { continue }
            let d = editDistance(lowered, lc)
            guard d <= limit, d < max(length, lc.count) else { continue }
            let cd = editDistance(name, candidate)
            if let b = best {
                if (d, cd) < (b.distance, b.caseDistance)
                    || ((d, cd) == (b.distance, b.caseDistance) && candidate < b.candidate) {
                    best = (d, cd, candidate)
                }
            } else {
                best = (d, cd, candidate)
            }
        }
        if let best { return best.candidate }
        // A shortened name ("interval" for "interval_width"): the one candidate it begins.
        guard length >= 4 else { return nil }
        var prefixed: String?
        for candidate in candidates where candidate.lowercased().hasPrefix(lowered) {
            if prefixed != nil { return nil }
            prefixed = candidate
        }
        return prefixed
    }

    /// Edit distance counting insertions, deletions, substitutions and transpositions of
    /// adjacent characters (optimal string alignment). Case-sensitive; compares characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let s = Array(a), t = Array(b)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        let n = s.count, m = t.count
        var prev2 = [Int](repeating: 0, count: m + 1)
        var prev = Array(0...m)
        var cur = [Int](repeating: 0, count: m + 1)
        for i in 1...n {
            cur[0] = i
            for j in 1...m {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    v = min(v, prev2[j - 2] + 1)
                }
                cur[j] = v
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[m]
    }

    /// `"did you mean 'x'?"` or nil.
    public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, among: candidates).map { "did you mean '\($0)'?" }
    }
}
