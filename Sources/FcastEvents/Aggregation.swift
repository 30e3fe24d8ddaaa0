import FcastCore
import Foundation

/// What each period's value is: the number of events, or the sum, mean, maximum or minimum
/// of a numeric column over them.
public enum Aggregation: Sendable, Equatable, CustomStringConvertible {
    case count
    case sum(String)
    case mean(String)
    case max(String)
    case min(String)

    public var column: String? {
        switch self {
        case .count: nil
        case .sum(let c), .mean(let c), .max(let c), .min(let c): c
        }
    }

    public var description: String {
        switch self {
        case .count: "count()"
        case .sum(let c): "sum(\"\(c)\")"
        case .mean(let c): "mean(\"\(c)\")"
        case .max(let c): "max(\"\(c)\")"
        case .min(let c): "min(\"\(c)\")"
        }
    }

    enum Fold { case count, sum, max, min }
    var fold: Fold {
        switch self {
        case .count: .count
        case .sum, .mean: .sum
        case .max: .max
        case .min: .min
        }
    }
}

/// A raw-event aggregation: which columns, which period, which time zone, which rows.
public struct EventQuery: Sendable {
    /// The timestamp column.
    public var time: String
    /// The key columns (one or several); a series' id is their values joined by "/".
    public var ids: [String]
    public var every: Period
    public var aggregation: Aggregation
    /// The time zone whose wall clock numbers the periods (tz database name).
    public var timeZone: String
    /// Wall-clock range kept: from (inclusive) and to (exclusive), seconds on the local clock.
    public var from: Int64?
    public var to: Int64?
    /// Series ids kept (nil: all).
    public var keep: [String]?
    /// Bad rows are counted and reported instead of stopping the read.
    public var skipBadRows: Bool

    public init(time: String, ids: [String], every: Period, aggregation: Aggregation = .count,
                timeZone: String = "UTC", from: Int64? = nil, to: Int64? = nil, keep: [String]? = nil,
                skipBadRows: Bool = false) {
        self.time = time
        self.ids = ids
        self.every = every
        self.aggregation = aggregation
        self.timeZone = timeZone
        self.from = from
        self.to = to
        self.keep = keep
        self.skipBadRows = skipBadRows
    }
}

/// What an aggregation read and what it left out, so nothing is dropped silently.
public struct EventReport: Sendable, CustomStringConvertible {
    public var source = ""
    /// Records read (data rows, blank lines not counted).
    public var rows = 0
    /// Records counted into a period.
    public var used = 0
    /// Rows that could not be read (skipped with on_error: "skip"), and the first few.
    public var badRows = 0
    public var badExamples: [FcastError] = []
    /// Rows outside the from/to range.
    public var outOfRange = 0
    /// Rows whose value was missing (empty, NA): counted by count(), left out of the others.
    public var missingValues = 0
    /// Rows of series not kept (where(..., id: ...)).
    public var otherKeys = 0
    /// Requested series ids with no events in the range (they are not in the result).
    public var absentKeys: [String] = []

    public init() {}

    public var description: String {
        var parts = ["\(rows) rows read from \(source), \(used) counted"]
        if badRows > 0 {
            parts.append("\(badRows) bad rows skipped (first: " + badExamples.prefix(3).map(\.locatedMessage).joined(separator: "; ") + ")")
        }
        if outOfRange > 0 { parts.append("\(outOfRange) outside the time range") }
        if otherKeys > 0 { parts.append("\(otherKeys) of other series") }
        if missingValues > 0 { parts.append("\(missingValues) with a missing value") }
        if !absentKeys.isEmpty {
            parts.append("no events for " + absentKeys.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
                         + (absentKeys.count > 5 ? " and \(absentKeys.count - 5) more" : ""))
        }
        return parts.joined(separator: "; ")
    }
}

/// Series aggregated from events, and the report of what was read.
public struct EventAggregate: Sendable {
    public var panel: Panel
    public var report: EventReport
}

/// One series' periods while events stream in: counts and a running sum/max/min, indexed by
/// period from `first`. Grows with the periods seen, never with rows.
final class Cells {
    var first: Int64 = 0
    var counts: [Int64] = []
    var acc: [Double] = []
    let fold: Aggregation.Fold
    let initial: Double

    init(fold: Aggregation.Fold) {
        self.fold = fold
        switch fold {
        case .max: initial = -.infinity
        case .min: initial = .infinity
        default: initial = 0
        }
    }

    @inline(__always)
    func slot(_ period: Int64) -> Int {
        if counts.isEmpty {
            first = period
            counts = [0]; counts.reserveCapacity(64)
            if fold != .count { acc = [initial]; acc.reserveCapacity(64) }
            return 0
        }
        if period < first {
            let extra = Int(first - period)
            counts.insert(contentsOf: repeatElement(0, count: extra), at: 0)
            if fold != .count { acc.insert(contentsOf: repeatElement(initial, count: extra), at: 0) }
            first = period
            return 0
        }
        let i = Int(period - first)
        if i >= counts.count {
            let extra = i - counts.count + 1
            counts.append(contentsOf: repeatElement(0, count: extra))
            if fold != .count { acc.append(contentsOf: repeatElement(initial, count: extra)) }
        }
        return i
    }

    @inline(__always)
    func add(_ period: Int64) {
        counts[slot(period)] += 1
    }

    @inline(__always)
    func add(_ period: Int64, _ v: Double) {
        let i = slot(period)
        counts[i] += 1
        switch fold {
        case .sum: acc[i] += v
        case .max: if v > acc[i] { acc[i] = v }
        case .min: if v < acc[i] { acc[i] = v }
        case .count: break
        }
    }

    /// Adds another chunk's cells for the same series.
    func merge(_ o: Cells) {
        guard !o.counts.isEmpty else { return }
        _ = slot(o.first)
        _ = slot(o.first + Int64(o.counts.count) - 1)
        let off = Int(o.first - first)
        for j in 0..<o.counts.count {
            counts[off + j] += o.counts[j]
            switch fold {
            case .sum: acc[off + j] += o.acc[j]
            case .max: acc[off + j] = Swift.max(acc[off + j], o.acc[j])
            case .min: acc[off + j] = Swift.min(acc[off + j], o.acc[j])
            case .count: break
            }
        }
    }

    var last: Int64 { first + Int64(counts.count) - 1 }

    /// The value of period `p` for the aggregation: counts are 0 where nothing happened, the
    /// others missing (NaN).
    func value(_ p: Int64, _ aggregation: Aggregation) -> Double {
        let i = p - first
        guard !counts.isEmpty, i >= 0, i < Int64(counts.count) else {
            return aggregation == .count ? 0 : .nan
        }
        let k = Int(i), n = counts[k]
        switch aggregation {
        case .count: return Double(n)
        case .sum, .max, .min: return n == 0 ? .nan : acc[k]
        case .mean: return n == 0 ? .nan : acc[k] / Double(n)
        }
    }
}

/// Partial aggregates keyed by series id: what one chunk of rows (or DuckDB) produced,
/// merged into one and turned into a panel.
public final class EventTable {
    let query: EventQuery
    var cells: [String: Cells] = [:]
    public var report = EventReport()

    init(query: EventQuery) { self.query = query }

    func cells(for key: String) -> Cells {
        if let c = cells[key] { return c }
        let c = Cells(fold: query.aggregation.fold)
        cells[key] = c
        return c
    }

    func merge(_ other: EventTable) {
        for (k, c) in other.cells { cells(for: k).merge(c) }
        report.rows += other.report.rows
        report.used += other.report.used
        report.badRows += other.report.badRows
        report.badExamples += other.report.badExamples.prefix(max(0, 10 - report.badExamples.count))
        report.outOfRange += other.report.outOfRange
        report.missingValues += other.report.missingValues
        report.otherKeys += other.report.otherKeys
    }

    /// The series, sorted by id, each over the same periods (the from/to range when given,
    /// else the first to the last period with events).
    func finish(name: String) -> EventAggregate {
        var report = self.report
        report.source = name
        var keys = cells.keys.filter { !(cells[$0]!.counts.isEmpty) }.sorted()
        if let keep = query.keep {
            let present = Set(keys)
            report.absentKeys = keep.filter { !present.contains($0) }
            let wanted = Set(keep)
            for k in keys where !wanted.contains(k) {
                let n = Int(cells[k]!.counts.reduce(0, +))
                report.otherKeys += n
                report.used -= n
            }
            keys = keys.filter { wanted.contains($0) }
        }
        let every = query.every
        var lo = Int64.max, hi = Int64.min
        for k in keys { let c = cells[k]!; lo = min(lo, c.first); hi = max(hi, c.last) }
        if let from = query.from { lo = every.index(wall: from) }
        if let to = query.to { hi = every.index(wall: to - 1) }
        var ids: [String] = [], offsets = [0], ds: [Int64] = [], y: [Double] = []
        if lo <= hi && !keys.isEmpty {
            let n = Int(hi - lo + 1)
            ds.reserveCapacity(n * keys.count); y.reserveCapacity(n * keys.count)
            let starts = (lo...hi).map { every.start($0) }
            for k in keys {
                let c = cells[k]!
                ids.append(k)
                ds.append(contentsOf: starts)
                for p in lo...hi { y.append(c.value(p, query.aggregation)) }
                offsets.append(y.count)
            }
        }
        var panel = Panel(ids: ids, offsets: offsets, ds: ds, y: y,
                          frequency: every.frequency, timestampStyle: every.timestampStyle)
        panel.name = name
        return EventAggregate(panel: panel, report: report)
    }
}
