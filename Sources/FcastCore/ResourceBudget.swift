import Foundation

/// Bounds on what one input may make fcast allocate, checked before allocating: a request
/// past them is refused with a message saying how much and why, instead of aborting on a
/// failed allocation (`run(..., horizon: 1e9)` once asked for 160 GB).
///
/// The memory budget is `FCAST_MAX_MEMORY` (bytes, or with a K, M, G or T suffix, powers of
/// 1024) when set, otherwise the machine's physical memory.
public enum ResourceBudget {
    /// The longest horizon a run or predict may ask for.
    public static let maxHorizon = 100_000
    /// The most interval levels a run or predict may ask for.
    public static let maxLevels = 32
    /// The longest line (CSV row) a loader reads: 1 MiB.
    public static let maxLineBytes = 1 << 20

    /// The memory budget in bytes and where it comes from.
    public static var memory: (bytes: Int, source: String) {
        if let text = ProcessInfo.processInfo.environment["FCAST_MAX_MEMORY"], let bytes = parseBytes(text) {
            return (bytes, "FCAST_MAX_MEMORY=\(text)")
        }
        let physical = ProcessInfo.processInfo.physicalMemory
        return (physical > UInt64(Int.max) ? Int.max : Int(physical), "the machine's physical memory")
    }

    /// "512M" -> 536870912; nil when not a positive size.
    public static func parseBytes(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces)
        var scale = 1
        if let last = digits.last?.uppercased(), let i = ["K", "M", "G", "T"].firstIndex(of: last) {
            scale = 1 << (10 * (i + 1))
            digits.removeLast()
        }
        guard let n = Int(digits), n > 0 else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? Int.max : bytes
    }

    /// "1.5 GB", "160 GB", "12 MB": for messages.
    public static func format(bytes: Int) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var x = Double(bytes), u = 0
        while x >= 1024 && u < units.count - 1 { x /= 1024; u += 1 }
        return u == 0 ? "\(bytes) bytes" : String(format: x < 10 ? "%.1f %@" : "%.0f %@", x, units[u])
    }

    /// The product of `factors`, or Int.max when it overflows (an estimate past any budget).
    public static func product(_ factors: Int...) -> Int {
        var p = 1
        for f in factors {
            let (r, overflow) = p.multipliedReportingOverflow(by: Swift.max(0, f))
            if overflow { return Int.max }
            p = r
        }
        return p
    }

    /// Sums that saturate at Int.max.
    public static func sum(_ terms: Int...) -> Int {
        var s = 0
        for t in terms {
            let (r, overflow) = s.addingReportingOverflow(t)
            if overflow { return Int.max }
            s = r
        }
        return s
    }

    /// Bytes a run's results take: the buffers the tasks write into and the copy the result
    /// keeps (mean, and lo and hi per level, per task and step), the forecast dates per window
    /// and series, and per-task bookkeeping.
    public static func runBytes(tasks: Int, series: Int, windows: Int, horizon: Int, levels: Int) -> Int {
        let numbers = product(2, tasks, horizon, sum(1, product(2, levels)), 8)
        let dates = product(windows, series, horizon, 8)
        return sum(numbers, dates, product(tasks, 256))
    }

    /// Refuses a run or predict whose horizon, levels or result memory is past the budget.
    public static func checkRun(what: String, tasks: Int, series: Int, windows: Int, horizon: Int, levels: Int) throws {
        if horizon > maxHorizon {
            throw FcastError("\(what): horizon \(horizon) is past the limit of \(maxHorizon) steps")
        }
        if levels > maxLevels {
            throw FcastError("\(what): \(levels) interval levels are past the limit of \(maxLevels)")
        }
        let need = runBytes(tasks: tasks, series: series, windows: windows, horizon: horizon, levels: levels)
        let budget = memory
        if need > budget.bytes {
            throw FcastError("\(what): the results would take about \(format(bytes: need)) (\(tasks) tasks x horizon \(horizon) x "
                             + "\(1 + 2 * levels) numbers per step), more than the memory budget of \(format(bytes: budget.bytes)) "
                             + "(\(budget.source)); use a shorter horizon, fewer models, levels or series, or set FCAST_MAX_MEMORY")
        }
    }
}
