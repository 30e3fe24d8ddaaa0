// Exogenous regressors through a job (issue 19 item 4): the history's regressors row-major
// for fc_series.x, and each task's future regressors for fc_predict_request.x.
import FcastCore
import FcastPlan

public enum Regressors {
    /// The panel's regressors row-major (totalPoints x regressor count), aligned with `y`:
    /// the layout of fc_series.x, so a series' rows are one contiguous slice.
    static func rows(_ panel: Panel) -> [Double] {
        let k = panel.regressors.count
        guard k > 0 else { return [] }
        let n = panel.y.count
        var out = [Double](repeating: .nan, count: n * k)
        for j in 0..<k {
            let column = panel.regressors[j]
            for i in 0..<min(n, column.count) { out[i * k + j] = column[i] }
        }
        return out
    }

    /// Where the future regressors of a step are missing: the window, series, regressor
    /// and the steps (0-based) without a value.
    public struct Gap: Sendable {
        public var window: Int
        public var series: Int
        public var regressor: Int
        public var steps: [Int]
    }

    /// The future regressors of every (window, series): `horizon` x regressor count each,
    /// row-major, NaN where no value is known. A step's value comes from the data's own
    /// rows after the window's cutoff (cross-validation: the held-out rows) or else from
    /// `future` (the same series id, the same timestamp).
    static func future(data: Panel, future: Panel?, windows: [Window], horizon h: Int,
                       futureDs: [Int64]) -> (values: [Double], gaps: [Gap]) {
        let k = data.regressors.count, nSeries = data.count
        guard k > 0 else { return ([], []) }
        var out = [Double](repeating: .nan, count: windows.count * nSeries * h * k)
        var gaps: [Gap] = []
        // the future data set's regressor columns, in the data's order (nil: absent there)
        let futureColumn: [Int?] = data.regressorNames.map { name in future?.regressorNames.firstIndex(of: name) }
        for w in windows.indices {
            for s in 0..<nSeries {
                let full = data.range(s)
                let end = full.upperBound - windows[w].cutoff
                guard end > full.lowerBound else { continue }
                let fs = future.flatMap { $0.index(of: data.ids[s]) }
                var missing = [[Int]](repeating: [], count: k)
                for t in 0..<h {
                    let when = futureDs[(w * nSeries + s) * h + t]
                    let base = ((w * nSeries + s) * h + t) * k
                    let own = lookup(data.ds, in: end..<full.upperBound, when)
                    let other = own == nil ? fs.flatMap { lookup(future!.ds, in: future!.range($0), when) } : nil
                    for j in 0..<k {
                        var v = Double.nan
                        if let own { v = data.regressors[j][own] } else if let other, let c = futureColumn[j] {
                            v = future!.regressors[c][other]
                        }
                        out[base + j] = v
                        if v.isNaN { missing[j].append(t) }
                    }
                }
                for j in 0..<k where !missing[j].isEmpty {
                    gaps.append(Gap(window: w, series: s, regressor: j, steps: missing[j]))
                }
            }
        }
        return (out, gaps)
    }

    /// The row of `ds[range]` (sorted) at time `t`, if any.
    private static func lookup(_ ds: [Int64], in range: Range<Int>, _ t: Int64) -> Int? {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if ds[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo < range.upperBound && ds[lo] == t ? lo : nil
    }

    /// Checks a run's future regressors before any fit: the data's regressors must all be in
    /// `future` (when the run needs any), every series must have future rows for the whole
    /// horizon, and no value may be missing. The errors name the series, the regressor and
    /// the periods: "series 'A': future values of 'promo' missing for 2024-03-01 .. 2024-05-01".
    public static func checkFuture(data: Panel, future: Panel?, horizon h: Int) throws {
        let k = data.regressors.count
        guard k > 0 else {
            if future != nil {
                throw FcastError("future: was given but the data set has no regressors (load it with regressors: [...])")
            }
            return
        }
        guard let future else {
            throw FcastError("the data set has regressors (\(quoted(data.regressorNames))): a forecast needs their future values; "
                             + "give future: a data set with the same ids and those columns for the next \(h) periods")
        }
        let absent = data.regressorNames.filter { !future.regressorNames.contains($0) }
        if !absent.isEmpty {
            throw FcastError("the future data set has no regressor \(quoted(absent))"
                             + (future.regressorNames.isEmpty ? " (it has none: load it with regressors: [...])"
                                : " (it has \(quoted(future.regressorNames)))"))
        }
        let style = data.timestampStyle
        for s in 0..<data.count {
            guard let last = data.lastTime(s) else { continue }
            let id = data.ids[s]
            guard let fs = future.index(of: id) else {
                throw FcastError("series '\(id)': no rows in the future data set (it needs \(h) periods after \(Timestamp.format(last, style: style)))")
            }
            let after = future.times(fs).filter { $0 > last }
            if after.count < h {
                let first = Timestamp.format(data.frequency.advance(last, by: 1), style: style)
                throw FcastError("series '\(id)': horizon \(h) but the future data set has \(after.count) period\(after.count == 1 ? "" : "s") "
                                 + "after \(Timestamp.format(last, style: style)); it needs \(h), from \(first)")
            }
        }
        var futureDs = [Int64](repeating: 0, count: data.count * h)
        for s in 0..<data.count {
            guard let last = data.lastTime(s) else { continue }
            for t in 0..<h { futureDs[s * h + t] = data.frequency.advance(last, by: t + 1) }
        }
        let (_, gaps) = Self.future(data: data, future: future, windows: [Window(cutoff: 0)], horizon: h, futureDs: futureDs)
        if let g = gaps.first {
            let dates = g.steps.map { Timestamp.format(futureDs[g.series * h + $0], style: style) }
            let span = dates.count == 1 ? dates[0] : contiguous(g.steps) ? "\(dates.first!) .. \(dates.last!)"
                : dates.prefix(4).joined(separator: ", ") + (dates.count > 4 ? ", ..." : "")
            var message = "series '\(data.ids[g.series])': future values of '\(data.regressorNames[g.regressor])' missing for \(span)"
            if g.steps.count > 1 { message += " (\(g.steps.count) of \(h) periods)" }
            if gaps.count > 1 {
                let others = Set(gaps.map(\.series)).count
                if others > 1 { message += "; \(others) series lack future values" }
            }
            throw FcastError(message)
        }
    }

    private static func contiguous(_ steps: [Int]) -> Bool {
        zip(steps, steps.dropFirst()).allSatisfy { $1 == $0 + 1 }
    }

    private static func quoted(_ names: [String]) -> String {
        names.map { "'\($0)'" }.joined(separator: ", ")
    }
}
