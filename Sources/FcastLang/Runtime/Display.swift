import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import Foundation

/// Plain-text tables: columns padded to their widest cell, numbers right-aligned.
struct TextTable {
    var header: [String]
    var rows: [[String]]
    var rightAligned: [Bool]

    init(header: [String], rows: [[String]], rightAligned: [Bool]? = nil) {
        self.header = header
        self.rows = rows
        self.rightAligned = rightAligned ?? header.indices.map { i in
            rows.allSatisfy { i < $0.count && (Double($0[i]) != nil || $0[i] == "-" || $0[i] == "NaN") } && !rows.isEmpty
        }
    }

    func render(indent: String = "") -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return rightAligned[i] ? pad + c : c + pad
            }
            var s = indent + padded.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = [line(header), indent + widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}

enum Fmt {
    /// Four significant digits, no exponent for everyday magnitudes: 0.5834, 1.837, 60.82, 25338.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "-" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
        let a = abs(x)
        if a >= 1e7 || a < 1e-4 { return String(format: "%.4g", x) }
        let magnitude = Int(floor(log10(a)))
        var digits = max(0, 3 - magnitude)
        // Four significant digits: one fewer decimal when rounding reaches the next power of
        // ten (0.99996 is 1.000, not 1.0000).
        if digits > 0, let r = Double(String(format: "%.\(digits)f", a)), r >= pow(10, Double(magnitude + 1)) { digits -= 1 }
        return String(format: "%.\(digits)f", x)
    }

    static func count(_ n: Int) -> String {
        let s = String(n)
        guard n >= 1000 else { return s }
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func seconds(_ s: Double) -> String {
        s < 0.01 ? String(format: "%.4f", s) : s < 10 ? String(format: "%.2f", s) : String(format: "%.1f", s)
    }
}

/// How values look in a notebook: data sets as a summary and a head, tables aligned and cut
/// to `limit` rows with a count of what was left out.
enum Display {
    static func render(_ v: Value, limit: Int, full: Bool = false) -> String {
        switch v {
        case .none: return "none"
        case .number(let x): return Fmt.number(x)
        case .string(let s): return full ? s : "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .list(let items):
            let shown = items.prefix(max(limit, 1) * (full ? 1 : 2)).map { render($0, limit: limit) }
            let more = items.count > shown.count ? ", ... (\(items.count - shown.count) more)" : ""
            return "[" + shown.joined(separator: ", ") + more + "]"
        case .record(let fields):
            return "{" + fields.map { "\($0.key): \(render($0.value, limit: limit))" }.joined(separator: ", ") + "}"
        case .data(let p): return data(p, limit: full ? limit : 5)
        case .model(let m):
            if let c = m.combination { return "model " + (m.name ?? c.defaultName) }
            let args = m.algorithm.parameters.compactMap { p -> String? in
                guard let alts = m.alternatives[p.name] else { return nil }
                return "\(p.name): " + (alts.count == 1 ? alts[0].description : "[" + alts.map(\.description).joined(separator: ", ") + "]")
            }
            return "model \(m.algorithm.name)(\(args.joined(separator: ", ")))"
        case .grid(let specs):
            return "grid of \(specs.count) model\(specs.count == 1 ? "" : "s"): " + specs.map(\.name).joined(separator: ", ")
        case .run(let r): return run(r, limit: limit, full: full)
        case .scores(let s): return scores(s, limit: limit)
        case .summary(let s): return summary(s)
        case .best(let b): return best(b, limit: limit)
        case .store(let s): return store(s)
        case .cv(let c): return crossValidation(c, limit: limit, full: full)
        case .tune(let t): return tune(t, limit: limit)
        case .events(let e): return e.description
        }
    }

    static func data(_ p: Panel, limit: Int) -> String {
        let range: String
        if let first = p.ds.min(), let last = p.ds.max() {
            range = Timestamp.format(first, style: p.timestampStyle) + " .. " + Timestamp.format(last, style: p.timestampStyle)
        } else {
            range = "empty"
        }
        var out = "data set: \(Fmt.count(p.count)) series, \(Fmt.count(p.totalPoints)) points, \(p.frequency), \(range)"
        var rows: [[String]] = []
        outer: for s in 0..<p.count {
            for i in p.range(s) {
                if rows.count >= limit { break outer }
                rows.append([p.ids[s], Timestamp.format(p.ds[i], style: p.timestampStyle), Fmt.number(p.y[i])])
            }
        }
        if !rows.isEmpty {
            out += "\n" + TextTable(header: ["unique_id", "ds", "y"], rows: rows, rightAligned: [false, false, true]).render(indent: "  ")
            if p.totalPoints > rows.count { out += "\n  ... \(Fmt.count(p.totalPoints - rows.count)) more rows" }
        }
        return out
    }

    static func run(_ r: RunResult, limit: Int, full: Bool) -> String {
        let levels = r.levels.isEmpty ? "" : ", levels " + r.levels.map(ParameterLabel.number).joined(separator: ", ")
        var out = "run: \(r.models.count) model\(r.models.count == 1 ? "" : "s") x \(Fmt.count(r.seriesCount)) series, horizon \(r.horizon)\(levels)"
        let failures = r.failures
        out += "\n  \(Fmt.count(r.completedTasks)) of \(Fmt.count(r.outcomes.count)) tasks done in \(Fmt.seconds(r.wallSeconds))s on \(r.workers) worker\(r.workers == 1 ? "" : "s"), \(failures.count) failed"
        if r.cancelled { out += " (interrupted: the rest were not run)" }
        if r.intervals != "model" { out += "\n  intervals: \(r.intervals)" }
        var rows: [[String]] = []
        for (m, model) in r.models.enumerated() {
            var ok = 0, failed = 0, secs = 0.0
            for s in 0..<r.seriesCount {
                let k = r.task(model: m, series: s)
                secs += r.taskSeconds[k]
                switch r.outcomes[k] {
                case .ok: ok += 1
                case .failed: failed += 1
                case .notRun: break
                }
            }
            rows.append([model.name, String(ok), String(failed), Fmt.seconds(secs), fittedSummary(r, model: m)])
        }
        out += "\n" + TextTable(header: ["model", "ok", "failed", "seconds", "fitted"], rows: rows,
                                rightAligned: [false, true, true, true, false]).render(indent: "  ")
        if !failures.isEmpty {
            let n = full ? limit : min(limit, 5)
            out += "\n  failures:"
            for f in failures.prefix(n) {
                out += "\n    \(r.train.ids[f.series])  \(r.models[f.model].name): \(f.failure.kind.rawValue): \(f.failure.message)"
            }
            if failures.count > n { out += "\n    ... \(failures.count - n) more (show(res, n: \(failures.count)) lists them all)" }
        }
        return out
    }

    /// The most common fitted descriptions of a model across series: "ARIMA(0,1,1)(0,1,1)[12] x40, ...".
    static func fittedSummary(_ r: RunResult, model m: Int) -> String {
        var counts: [String: Int] = [:]
        for s in 0..<r.seriesCount {
            let k = r.task(model: m, series: s)
            if case .ok = r.outcomes[k] { counts[r.descriptions[k], default: 0] += 1 }
        }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if top.count == 1 { return top[0].key }
        let shown = top.prefix(2).map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        return top.count > 2 ? shown + ", \(top.count - 2) more" : shown
    }

    static func scores(_ s: ScoreTable, limit: Int) -> String {
        let rows = s.rows.prefix(limit).map { [$0.id, $0.model] + $0.values.map(Fmt.number) }
        var out = "scores: \(Fmt.count(s.rows.count)) rows (series x model), MASE season \(s.season)\n"
        out += TextTable(header: ["unique_id", "model"] + s.metrics, rows: Array(rows)).render(indent: "  ")
        if s.rows.count > limit { out += "\n  ... \(Fmt.count(s.rows.count - limit)) more rows" }
        return out
    }

    static func summary(_ s: SummaryTable) -> String {
        let rows = s.rows.map { r in
            [r.model, String(r.series), String(r.failed)] + r.means.map(Fmt.number) + [r.seconds.map(Fmt.seconds) ?? "-"]
        }
        var out = TextTable(header: ["model", "series", "failed"] + s.metrics + ["seconds"], rows: rows,
                            rightAligned: [false] + Array(repeating: true, count: s.metrics.count + 3)).render()
        // Means over different sets of series do not rank models fairly: say so.
        let counts = Set(s.rows.map(\.series))
        if counts.count > 1, let most = counts.max() {
            let fewer = s.rows.filter { $0.series < most }.map { "\($0.model) \($0.series)" }
            out += "\nnote: the means are over different numbers of series (\(fewer.joined(separator: ", ")) of \(most)),"
                + " so the ranking compares unlike sets; failed series are left out of a model's means"
        }
        return out
    }

    static func best(_ b: BestTable, limit: Int) -> String {
        var wins: [String: Int] = [:]
        for r in b.rows { wins[r.model, default: 0] += 1 }
        let counts = b.models.compactMap { m in wins[m].map { "\(m) \($0)" } }.joined(separator: ", ")
        var out = "best by \(b.metric) for \(Fmt.count(b.rows.count)) series; wins: \(counts)\n"
        if b.run != nil { out += "  fitted models kept: \(Fmt.count(b.keptWinners.count)) of \(Fmt.count(b.rows.count)) winners\n" }
        let fellBack = b.rows.filter { $0.metric != b.metric }.count
        if fellBack > 0 {
            out += "  (\(fellBack) series ranked by mae: their \(b.metric) is undefined, a constant history)\n"
        }
        // The fitted description, where a plugin gives one beyond its name (AutoARIMA's orders).
        let described = b.rows.contains { !$0.description.isEmpty && $0.description != $0.model }
        let rows = b.rows.prefix(limit).map { r in
            [r.id, r.model, Fmt.number(r.score) + (r.metric != b.metric ? " (\(r.metric))" : "")] + (described ? [r.description] : [])
        }
        out += TextTable(header: ["unique_id", "model", b.metric] + (described ? ["fitted"] : []), rows: Array(rows),
                         rightAligned: [false, false, true, false]).render(indent: "  ")
        if b.rows.count > limit { out += "\n  ... \(Fmt.count(b.rows.count - limit)) more rows" }
        return out
    }
}

/// Values as long CSV tables that other tools read. The rows are made as the host writes
/// them: a run of many series is never held as text in memory.
enum CSVExport {
    static func table(_ v: Value) throws(Diagnostic) -> CSVTable {
        switch v {
        case .data(let p):
            return CSVTable(header: ["unique_id", "ds", "y"], rows: AnySequence {
                var s = 0, i = p.count > 0 ? p.offsets[0] : 0
                return AnyIterator { () -> [String]? in
                    while s < p.count && i >= p.offsets[s + 1] { s += 1 }
                    guard s < p.count else { return nil }
                    defer { i += 1 }
                    return [p.ids[s], Timestamp.format(p.ds[i], style: p.timestampStyle), CSVWriter.format(p.y[i])]
                }
            }, rowCount: p.totalPoints)
        case .run(let r):
            let levelNames = r.levels.map(ParameterLabel.number)
            var header = ["unique_id", "ds", "model", "yhat"]
            for l in levelNames { header += ["lo\(l)", "hi\(l)"] }
            // Series by series, each successful model's horizon.
            let ok = { (s: Int, m: Int) -> Bool in
                if case .ok = r.outcomes[r.task(model: m, series: s)] { true } else { false }
            }
            var count = 0
            for s in 0..<r.seriesCount { for m in r.models.indices where ok(s, m) { count += r.horizon } }
            return CSVTable(header: header, rows: AnySequence {
                var s = 0, m = 0, t = 0
                return AnyIterator { () -> [String]? in
                    // Step t of the next (series, model) with a forecast.
                    while s < r.seriesCount {
                        if m >= r.models.count { s += 1; m = 0; t = 0; continue }
                        if t >= r.horizon || !ok(s, m) { m += 1; t = 0; continue }
                        break
                    }
                    guard s < r.seriesCount else { return nil }
                    defer { t += 1 }
                    let future = r.futureSlice(series: s), mean = r.meanSlice(model: m, series: s)
                    var row = [r.train.ids[s], Timestamp.format(future[future.startIndex + t], style: r.train.timestampStyle),
                               r.models[m].name, CSVWriter.format(mean[mean.startIndex + t])]
                    for l in r.levels.indices {
                        let lo = r.loSlice(model: m, series: s, level: l), hi = r.hiSlice(model: m, series: s, level: l)
                        row += [CSVWriter.format(lo[lo.startIndex + t]), CSVWriter.format(hi[hi.startIndex + t])]
                    }
                    return row
                }
            }, rowCount: count)
        case .scores(let s):
            return CSVTable(header: ["unique_id", "model"] + s.metrics + ["fitted"],
                            rows: AnySequence(s.rows.lazy.map { [$0.id, $0.model] + $0.values.map(CSVWriter.format) + [$0.description] }),
                            rowCount: s.rows.count)
        case .summary(let s):
            return CSVTable(header: ["model", "series", "failed"] + s.metrics + ["seconds"],
                            rows: AnySequence(s.rows.lazy.map { r in
                                [r.model, String(r.series), String(r.failed)] + r.means.map(CSVWriter.format)
                                    + [r.seconds.map(CSVWriter.format) ?? ""]
                            }), rowCount: s.rows.count)
        case .best(let b):
            return CSVTable(header: ["unique_id", "model", "score", "metric", "fitted"],
                            rows: AnySequence(b.rows.lazy.map { [$0.id, $0.model, CSVWriter.format($0.score), $0.metric, $0.description] }),
                            rowCount: b.rows.count)
        case .cv(let c): return crossValidation(c)
        case .tune(let t):
            let table = t.table(precise: true)
            return CSVTable(header: table.header, rows: AnySequence(table.rows), rowCount: table.rows.count)
        default:
            throw Diagnostic("write() cannot write \(v.typeName); it writes data sets, runs, scores, summaries and best tables")
        }
    }
}
