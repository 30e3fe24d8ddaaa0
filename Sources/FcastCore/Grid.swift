/// A small direct-mapped cache of day number -> civil date. Panels usually share the same dates
/// across series, so most look-ups hit and skip the division-heavy conversion.
struct CivilCache {
    private var keys = [Int64](repeating: .min, count: 4096)
    private var values = [Int64](repeating: 0, count: 4096)

    @inline(__always)
    mutating func civil(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let slot = Int(truncatingIfNeeded: days) & 4095
        if keys[slot] == days {
            let v = values[slot]
            return (Int(v >> 9), Int((v >> 5) & 15), Int(v & 31))
        }
        let c = Timestamp.civilFromDays(days)
        keys[slot] = days
        values[slot] = Int64(c.year) << 9 | Int64(c.month) << 5 | Int64(c.day)
        return c
    }
}

/// Positions of timestamps on the grid of a frequency through an origin (a series' first
/// timestamp): the same answers as `Frequency.periods(from: origin, to:)`, faster when asked for
/// many timestamps.
struct GridPosition {
    let frequency: Frequency
    let origin: Int64
    private let stepSeconds: Int64
    private let stepMonths: Int
    private let originMonth: Int        // year * 12 + month - 1
    private let originDay: Int
    private let originSecond: Int64
    /// Whether the origin itself is on a grid of this frequency (false for a month-end grid
    /// through a day that is not a month end).
    let originValid: Bool
    /// On a business calendar: the origin's period index (then the other fields are unused).
    private let businessOrigin: Int64?

    init(_ frequency: Frequency, origin: Int64) {
        self.frequency = frequency
        self.origin = origin
        if let b = frequency.business, let s = frequency.stepSeconds {
            let i = b.index(of: origin, step: s)
            businessOrigin = i ?? 0
            stepSeconds = s; stepMonths = 0; originMonth = 0; originDay = 0; originSecond = 0; originValid = i != nil
            return
        }
        businessOrigin = nil
        if let s = frequency.stepSeconds {
            stepSeconds = s; stepMonths = 0; originMonth = 0; originDay = 0; originSecond = 0; originValid = true
        } else {
            stepSeconds = 0
            stepMonths = frequency.stepMonths!
            let (days, sod) = Timestamp.splitDay(origin)
            let c = Timestamp.civilFromDays(days)
            originMonth = c.year * 12 + c.month - 1
            originDay = c.day
            originSecond = sod
            originValid = !frequency.endOfMonth || c.day == Timestamp.daysInMonth(year: c.year, month: c.month)
        }
    }

    @inline(__always)
    func index(of t: Int64, cache: inout CivilCache) -> Int? {
        if let origin = businessOrigin {
            return frequency.business!.index(of: t, step: stepSeconds).map { Int($0 - origin) }
        }
        if stepSeconds > 0 {
            let diff = t - origin
            return diff % stepSeconds == 0 ? Int(diff / stepSeconds) : nil
        }
        guard originValid else { return nil }
        let (days, sod) = Timestamp.splitDay(t)
        guard sod == originSecond else { return nil }
        let c = cache.civil(days)
        let months = c.year * 12 + c.month - 1 - originMonth
        guard months % stepMonths == 0 else { return nil }
        let length = Timestamp.daysInMonth(year: c.year, month: c.month)
        let expected = frequency.endOfMonth ? length : Swift.min(originDay, length)
        return c.day == expected ? months / stepMonths : nil
    }
}
