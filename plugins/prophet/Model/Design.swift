#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One group of regression columns: a Fourier seasonality or the holiday indicators.
public struct FeatureBlock: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `order` sin/cos pairs (sin 1, cos 1, sin 2, ...) of period `period` days.
        case fourier(period: Double, order: Int)
        /// One indicator per (holiday, day offset).
        case holidays([HolidayColumn])
        /// An extra regressor (Prophet's add_regressor): column `index` of the regressors,
        /// standardised as (x - mu) / std (mu 0, std 1 when not standardised).
        case regressor(index: Int, mu: Double, std: Double)
    }
    public var name: String
    public var kind: Kind
    public var mode: ProphetMode
    /// Prior standard deviation of each column's coefficient.
    public var priorScales: [Double]
    public var width: Int { priorScales.count }
}

/// One holiday indicator column: 1 on the days `days[j] + offset`.
public struct HolidayColumn: Sendable, Equatable {
    public var holiday: String
    public var offset: Int
    public var days: [Int]   // sorted
}

/// A block's rows for a set of timestamps, deduplicated: `rows` holds `count` distinct
/// rows of `width` values; row i of the design is rows[index[i]].
struct BlockRows {
    var width: Int
    var count: Int
    var rows: [Double]
    var index: [Int32]
}

let secondsPerDay = 86_400.0

/// Days since 1970-01-01 of a timestamp (floor).
@inline(__always) func dayNumber(_ s: Int64) -> Int {
    Int(s >= 0 ? s / 86_400 : -((-s + 86_399) / 86_400))
}

extension FeatureBlock {
    /// The block's (deduplicated) rows at timestamps `ds` (seconds since 1970-01-01 UTC).
    func rows(at ds: [Int64]) -> BlockRows {
        let w = width
        var index = [Int32](repeating: 0, count: ds.count)
        var rows: [Double] = []
        switch kind {
        case .fourier(let period, let order):
            // Fourier terms of the time in days since the epoch, as Prophet; the phase is
            // taken modulo the period first, so equal phases give identical rows.
            let p = period * secondsPerDay
            var seen: [UInt64: Int32] = [:]
            for (i, s) in ds.enumerated() {
                var phase = fmod(Double(s), p)
                if phase < 0 { phase += p }
                let key = phase.bitPattern
                if let u = seen[key] { index[i] = u; continue }
                let u = Int32(seen.count)
                seen[key] = u
                index[i] = u
                // sin/cos of j x by the angle-addition recurrence from sin x, cos x
                // (exact to a few ulps for the orders used).
                let x = 2 * Double.pi * phase / p
                let s1 = sin(x), c1 = cos(x)
                var sj = s1, cj = c1
                for _ in 1...order {
                    rows.append(sj)
                    rows.append(cj)
                    let sn = sj * c1 + cj * s1
                    cj = cj * c1 - sj * s1
                    sj = sn
                }
            }
            return BlockRows(width: w, count: seen.count, rows: rows, index: index)
        case .holidays(let cols):
            // Row 0 is the all-zero row; other rows are the distinct holiday days present.
            rows = [Double](repeating: 0, count: w)
            var seen: [Int: Int32] = [:]
            var lookup: [Int: [Int]] = [:]    // day -> columns active that day
            for (c, col) in cols.enumerated() {
                for d in col.days { lookup[d + col.offset, default: []].append(c) }
            }
            for (i, s) in ds.enumerated() {
                let d = dayNumber(s)
                guard let active = lookup[d] else { index[i] = 0; continue }
                if let u = seen[d] { index[i] = u; continue }
                let u = Int32(seen.count + 1)
                seen[d] = u
                index[i] = u
                var row = [Double](repeating: 0, count: w)
                for c in active { row[c] = 1 }
                rows.append(contentsOf: row)
            }
            return BlockRows(width: w, count: seen.count + 1, rows: rows, index: index)
        case .regressor:
            // Its values are not a function of the dates: rows(at:regressors:) gives them.
            return BlockRows(width: 1, count: 1, rows: [0], index: index)
        }
    }

    /// The block's rows at `ds`, where `regressors[j]` holds regressor j's values aligned
    /// with `ds` (only regressor blocks read them), deduplicated as the other blocks.
    func rows(at ds: [Int64], regressors: [[Double]]) -> BlockRows {
        guard case .regressor(let j, let mu, let std) = kind else { return rows(at: ds) }
        let values = j < regressors.count ? regressors[j] : []
        var index = [Int32](repeating: 0, count: ds.count)
        var rows: [Double] = []
        var seen: [UInt64: Int32] = [:]
        for i in 0..<ds.count {
            let v = i < values.count ? (values[i] - mu) / std : 0
            let key = v.bitPattern
            if let u = seen[key] { index[i] = u; continue }
            let u = Int32(seen.count)
            seen[key] = u
            index[i] = u
            rows.append(v)
        }
        return BlockRows(width: 1, count: seen.count, rows: rows, index: index)
    }
}

/// Prophet's add_regressor blocks for regressor columns over the fitted rows: one column
/// each, prior scale `priorScale` (Prophet's default: holidays_prior_scale, 10), in `mode`.
/// Standardised as Prophet ("auto"): (x - mean) / std (sample standard deviation), except
/// a binary 0/1 regressor or one with a single value, left as it is.
func regressorBlocks(_ xs: [[Double]], priorScale: Double, mode: ProphetMode) -> [FeatureBlock] {
    xs.enumerated().map { j, x in
        let distinct = Set(x)
        var mu = 0.0, std = 1.0
        if distinct.count >= 2 && distinct != [0, 1] {
            mu = x.reduce(0, +) / Double(x.count)
            std = (x.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(max(x.count - 1, 1))).squareRoot()
            if !(std > 0) { mu = 0; std = 1 }
        }
        return FeatureBlock(name: "regressor\(j + 1)", kind: .regressor(index: j, mu: mu, std: std), mode: mode,
                            priorScales: [priorScale])
    }
}

/// Builds the blocks Prophet would use for a history with timestamps `ds` (sorted).
func makeBlocks(options o: ProphetOptions, ds: [Int64]) -> [FeatureBlock] {
    var blocks: [FeatureBlock] = []
    let first = ds.first ?? 0, last = ds.last ?? 0
    let spanDays = Double(last - first) / secondsPerDay
    var minGap = Double.infinity
    if ds.count > 1 { for i in 1..<ds.count { minGap = Swift.min(minGap, Double(ds[i] - ds[i - 1]) / secondsPerDay) } }
    func order(_ s: SeasonalitySetting, defaultOrder: Int, autoDisable: Bool) -> Int {
        switch s {
        case .auto: autoDisable ? 0 : defaultOrder
        case .off: 0
        case .on: defaultOrder
        case .order(let k): k
        }
    }
    let custom = Set(o.seasonalities.map(\.name))
    let builtins: [(String, Double, Int)] = [
        ("yearly", 365.25, order(o.yearly, defaultOrder: 10, autoDisable: spanDays < 730)),
        ("weekly", 7, order(o.weekly, defaultOrder: 3, autoDisable: spanDays < 14 || minGap >= 7)),
        ("daily", 1, order(o.daily, defaultOrder: 4, autoDisable: spanDays < 2 || minGap >= 1)),
    ]
    for (name, period, k) in builtins where k > 0 && !custom.contains(name) {
        blocks.append(FeatureBlock(name: name, kind: .fourier(period: period, order: k), mode: o.mode,
                                   priorScales: [Double](repeating: o.seasonalityPriorScale, count: 2 * k)))
    }
    for s in o.seasonalities {
        blocks.append(FeatureBlock(name: s.name, kind: .fourier(period: s.period, order: s.order), mode: s.mode ?? o.mode,
                                   priorScales: [Double](repeating: s.priorScale ?? o.seasonalityPriorScale, count: 2 * s.order)))
    }
    if !o.holidays.isEmpty {
        // One column per (holiday name, offset); rows of the same name are merged.
        var order: [String] = []
        var byKey: [String: (col: HolidayColumn, scale: Double)] = [:]
        for h in o.holidays {
            for off in h.lowerWindow...h.upperWindow {
                let key = "\(h.name)\u{1}\(off)"
                if byKey[key] == nil {
                    order.append(key)
                    byKey[key] = (HolidayColumn(holiday: h.name, offset: off, days: []), h.priorScale ?? o.holidaysPriorScale)
                }
                byKey[key]!.col.days.append(contentsOf: h.days)
            }
        }
        var cols: [HolidayColumn] = []
        var scales: [Double] = []
        for key in order {
            var c = byKey[key]!.col
            c.days = Array(Set(c.days)).sorted()
            cols.append(c)
            scales.append(byKey[key]!.scale)
        }
        blocks.append(FeatureBlock(name: "holidays", kind: .holidays(cols), mode: o.holidaysMode ?? o.mode, priorScales: scales))
    }
    return blocks
}

/// Prophet's automatic changepoints: `n` at evenly spaced rows of the first `range` of
/// the history (fewer when the history is short). Returns timestamps.
func automaticChangepoints(ds: [Int64], n: Int, range: Double) -> [Int64] {
    let histSize = Int((Double(ds.count) * range).rounded(.down))
    var k = n
    if k + 1 > histSize { k = histSize - 1 }
    guard k > 0 else { return [] }
    var out: [Int64] = []
    for j in 1...k {
        let x = Double(histSize - 1) * Double(j) / Double(k)
        out.append(ds[Int(x.rounded(.toNearestOrEven))])
    }
    return out
}
