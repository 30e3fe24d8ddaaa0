import FcastTestSupport
import Foundation
import XCTest

/// Golden script tests: every `scripts/*.fc` runs through the `fcast` binary and its output
/// must equal the sibling `.out` file (stdout, a line `--- stderr`, stderr, `--- exit N`).
///
/// Each script runs as `fcast run --workers 2 NAME.fc` in a fresh temporary folder that
/// holds a copy of the script, `examples/data` (a link to the repository's) and `data` (a
/// link to `scripts/data`, the small bad-CSV fixtures), so relative paths in scripts are the
/// same on every machine. A script whose first lines contain `# golden: stdin` is fed to
/// `fcast < NAME.fc` instead, which goes on after an error (several errors in one script);
/// it has no `--workers`, so its runs must say `workers:` themselves.
///
/// `FCAST_UPDATE_GOLDEN=1 swift test --filter GoldenTests` rewrites the .out files;
/// `FCAST_GOLDEN_ONLY=cells,load_` runs only the scripts whose names contain one of those.
final class GoldenTests: XCTestCase {
    static let scriptsDir = TestSupport.repoRoot.appendingPathComponent("Tests/GoldenTests/scripts")

    func testScriptsMatchTheirGoldenOutput() throws {
        let environment = ProcessInfo.processInfo.environment
        let update = environment["FCAST_UPDATE_GOLDEN"] == "1"
        // FCAST_GOLDEN_ONLY=cells,error_ runs only the scripts whose names contain one of these.
        let only = (environment["FCAST_GOLDEN_ONLY"] ?? "").split(separator: ",").map(String.init)
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.scriptsDir.path)
            .filter { $0.hasSuffix(".fc") }.sorted()
            .filter { name in only.isEmpty || only.contains { name.contains($0) } }
        if only.isEmpty {
            XCTAssertGreaterThanOrEqual(scripts.count, 24, "expected the golden scripts in \(Self.scriptsDir.path)")
        }
        var failed: [String] = []
        for name in scripts {
            let actual = try Self.run(script: name)
            let outURL = Self.scriptsDir.appendingPathComponent(String(name.dropLast(3)) + ".out")
            let expected = try? String(contentsOf: outURL, encoding: .utf8)
            if update {
                if expected != actual { try actual.write(to: outURL, atomically: true, encoding: .utf8) }
                continue
            }
            guard let expected else {
                failed.append(name)
                XCTFail("\(name): no golden file \(outURL.lastPathComponent); the actual output "
                        + "(FCAST_UPDATE_GOLDEN=1 writes it):\n\(actual)")
                continue
            }
            if expected != actual {
                failed.append(name)
                XCTFail("\(name): output differs from \(outURL.lastPathComponent) "
                        + "(FCAST_UPDATE_GOLDEN=1 rewrites it):\n"
                        + GoldenDiff.unified(expected: expected, actual: actual,
                                             expectedName: "scripts/" + outURL.lastPathComponent,
                                             actualName: "actual output of scripts/\(name)"))
            }
        }
        if !failed.isEmpty {
            XCTFail("\(failed.count) of \(scripts.count) golden scripts failed: \(failed.joined(separator: ", "))")
        }
    }

    /// Runs one script in a fresh folder and returns its normalised combined output.
    static func run(script name: String) throws -> String {
        let fm = FileManager.default
        let dir = TestSupport.temporaryDirectory()
        defer { try? fm.removeItem(at: dir) }
        let source = scriptsDir.appendingPathComponent(name)
        try fm.copyItem(at: source, to: dir.appendingPathComponent(name))
        try fm.createDirectory(at: dir.appendingPathComponent("examples"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: dir.appendingPathComponent("examples/data"),
                                  withDestinationURL: TestSupport.repoRoot.appendingPathComponent("examples/data"))
        try fm.createSymbolicLink(at: dir.appendingPathComponent("data"),
                                  withDestinationURL: scriptsDir.appendingPathComponent("data"))
        // No plugins but the built ones: no FCAST_PLUGIN_PATH, no ~/.local/share/fcast/plugins.
        let environment = ["FCAST_PLUGIN_PATH": "", "HOME": dir.path, "XDG_DATA_HOME": dir.path + "/xdg"]
        let text = try String(contentsOf: source, encoding: .utf8)
        let header = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(5)
        let result: TestSupport.ProcessResult
        if header.contains(where: { $0.hasPrefix("#") && $0.contains("golden: stdin") }) {
            result = try TestSupport.fcast([], stdin: text, environment: environment, directory: dir)
        } else {
            result = try TestSupport.fcast(["run", "--workers", "2", name], environment: environment, directory: dir)
        }
        func ended(_ s: String) -> String { s.isEmpty || s.hasSuffix("\n") ? s : s + "\n" }
        let combined = ended(result.stdout) + "--- stderr\n" + ended(result.stderr) + "--- exit \(result.status)\n"
        return GoldenNormaliser.normalise(combined, temporaryDirectory: dir)
    }
}

/// Replaces what varies from run to run (and only that) with placeholders.
enum GoldenNormaliser {
    static func normalise(_ text: String, temporaryDirectory dir: URL) -> String {
        var text = text
        // The temporary folder, as given and with symbolic links resolved (/private/var on macOS).
        for path in Set([dir.path, dir.resolvingSymlinksInPath().path]).sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: path, with: "<tmp>")
        }
        var lines = text.components(separatedBy: "\n")
        // Progress lines come every few seconds of a run: how many depends on the machine.
        lines.removeAll { $0.wholeMatch(of: /run: \d+\/\d+ tasks \(\d+%\).*/) != nil }
        lines = lines.map { line in
            var line = line
            // The run summary on stderr: `run: 80 tasks in 0.010s (7758/s) on 2 workers, 0 failed`.
            line.replace(#/ in [0-9.hms]+ \([0-9.]+/s\) on /#, with: " in <t>s (<r>/s) on ")
            // A run shown: `  2 of 2 tasks done in 0.0013s on 2 workers, 0 failed`.
            line.replace(#/ tasks done in [0-9.]+s on /#, with: " tasks done in <t>s on ")
            // A model store shown: `version 1 (saved 2026-12-03T14:16:12Z by fcast 0.1.0)`.
            line.replace(#/\(saved \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by fcast [^)]+\)/#, with: "(saved <when> by fcast <version>)")
            return line
        }
        lines = maskColumn("seconds", in: lines)
        return lines.joined(separator: "\n")
    }

    /// In every table with a `seconds` column (the fit times of a run shown and of a summary),
    /// replaces the values of that column by `<t>`, keeping the alignment. A table is its
    /// header, a rule of `─` and the rows below whose cell in that column is a duration.
    static func maskColumn(_ name: String, in lines: [String]) -> [String] {
        var lines = lines
        var i = 0
        while i + 1 < lines.count {
            let header = Array(lines[i]), rule = Array(lines[i + 1])
            guard rule.contains("─"), let start = wordRange(name, in: header), start.upperBound <= rule.count,
                  rule[start].allSatisfy({ $0 == "─" }) else {
                i += 1
                continue
            }
            // The column's cells span the rule's dashes above them (values are right-aligned).
            var lo = start.lowerBound, hi = start.upperBound
            while lo > 0 && rule[lo - 1] == "─" { lo -= 1 }
            while hi < rule.count && rule[hi] == "─" { hi += 1 }
            var j = i + 2
            while j < lines.count {
                var row = Array(lines[j])
                guard row.count >= hi else { break }
                let cell = String(row[lo..<hi]).trimmingCharacters(in: .whitespaces)
                guard cell.wholeMatch(of: /[0-9]+(\.[0-9]+)?|-/) != nil else { break }
                let mask = "<t>"
                let padded = String(repeating: " ", count: max(0, hi - lo - mask.count)) + mask
                row.replaceSubrange(lo..<hi, with: Array(padded))
                lines[j] = String(row)
                j += 1
            }
            i = j
        }
        return lines
    }

    /// The character range of `word` in `line` as a whole word (spaces or the line's ends around it).
    static func wordRange(_ word: String, in line: [Character]) -> Range<Int>? {
        let w = Array(word)
        guard line.count >= w.count else { return nil }
        for s in 0...(line.count - w.count) where Array(line[s..<(s + w.count)]) == w {
            let before = s == 0 || line[s - 1] == " "
            let after = s + w.count == line.count || line[s + w.count] == " "
            if before && after { return s..<(s + w.count) }
        }
        return nil
    }
}

/// A line diff in the unified format (`---`/`+++` headers, `@@` hunks with 3 lines of context).
enum GoldenDiff {
    enum Op { case same(Int, Int), del(Int), add(Int) }

    static func unified(expected: String, actual: String, expectedName: String, actualName: String,
                        context: Int = 3) -> String {
        let a = expected.components(separatedBy: "\n"), b = actual.components(separatedBy: "\n")
        // Longest common subsequence table, from the ends (the outputs are small).
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        /// The line number (0-based) in one file where a hunk that starts with a one-sided
        /// change begins: the lines of that file before the hunk.
        func position(in ops: [Op], before k: Int, b: Bool) -> Int {
            var n = 0
            for op in ops[..<k] {
                switch op {
                case .same: n += 1
                case .del: if !b { n += 1 }
                case .add: if b { n += 1 }
                }
            }
            return n
        }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count && j < b.count && a[i] == b[j] { ops.append(.same(i, j)); i += 1; j += 1 }
            else if j < b.count && (i == a.count || lcs[i][j + 1] >= lcs[i + 1][j]) { ops.append(.add(j)); j += 1 }
            else { ops.append(.del(i)); i += 1 }
        }
        let changed = ops.indices.filter { if case .same = ops[$0] { false } else { true } }
        guard !changed.isEmpty else { return "" }
        // Hunks: runs of changes closer than 2 * context, with context around them.
        var hunks: [Range<Int>] = []
        for k in changed {
            let lo = max(0, k - context), hi = min(ops.count, k + context + 1)
            if let last = hunks.last, lo <= last.upperBound { hunks[hunks.count - 1] = last.lowerBound..<hi }
            else { hunks.append(lo..<hi) }
        }
        var out = ["--- \(expectedName)", "+++ \(actualName)"]
        for h in hunks {
            var aStart = 0, bStart = 0, aCount = 0, bCount = 0, body: [String] = []
            var first = true
            for op in ops[h] {
                switch op {
                case .same(let x, let y):
                    if first { aStart = x; bStart = y; first = false }
                    aCount += 1; bCount += 1; body.append(" " + a[x])
                case .del(let x):
                    if first { aStart = x; bStart = position(in: ops, before: h.lowerBound, b: true); first = false }
                    aCount += 1; body.append("-" + a[x])
                case .add(let y):
                    if first { bStart = y; aStart = position(in: ops, before: h.lowerBound, b: false); first = false }
                    bCount += 1; body.append("+" + b[y])
                }
            }
            out.append("@@ -\(aStart + 1),\(aCount) +\(bStart + 1),\(bCount) @@")
            out += body
        }
        return out.joined(separator: "\n")
    }
}
