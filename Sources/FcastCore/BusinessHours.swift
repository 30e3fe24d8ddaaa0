import Foundation

/// A business calendar: the hours of the day and the days of the week a series runs on
/// (`business_hours(07:00-21:00, mon-fri)`). A frequency with one counts only the periods
/// inside those hours: the period after Friday 20:55 on a 5-minute grid is Monday 07:00, so a
/// weekday-only series is regular on its own clock and forecasts skip nights and weekends.
public struct BusinessHours: Hashable, Sendable, CustomStringConvertible {
    /// Opening and closing time, seconds after midnight (`open < close <= 86_400`); the last
    /// period of a day starts before `close`.
    public var open: Int64
    public var close: Int64
    /// Open days, 0 = Monday ... 6 = Sunday, ascending, at least one.
    public var days: [Int]

    public init(open: Int64, close: Int64, days: [Int]) {
        precondition(0 <= open && open < close && close <= 86_400, "BusinessHours: open must be before close")
        precondition(!days.isEmpty && days.allSatisfy { (0..<7).contains($0) }, "BusinessHours: days are 0...6")
        self.open = open
        self.close = close
        self.days = Array(Set(days)).sorted()
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// `business_hours(07:00-21:00, mon-fri)`; accepted by `parse`.
    public var description: String {
        func clock(_ s: Int64) -> String {
            String(format: "%02d:%02d", Int(s / 3600), Int(s % 3600 / 60)) + (s % 60 != 0 ? String(format: ":%02d", Int(s % 60)) : "")
        }
        var parts: [String] = []
        var i = 0
        while i < days.count {
            var j = i
            while j + 1 < days.count && days[j + 1] == days[j] + 1 { j += 1 }
            parts.append(j > i ? "\(Self.dayNames[days[i]])-\(Self.dayNames[days[j]])" : Self.dayNames[days[i]])
            i = j + 1
        }
        return "business_hours(\(clock(open))-\(clock(close)), \(parts.joined(separator: " ")))"
    }

    /// Parses `business_hours(07:00-21:00, mon-fri)`: opening and closing time (`HH:MM` or
    /// `HH:MM:SS`, closing `24:00` allowed), then days as names or ranges separated by spaces
    /// or commas (`mon-fri`, `mon tue thu`, `sat-sun`); the days default to mon-fri.
    public static func parse(_ text: String) throws -> BusinessHours {
        let s = text.trimmingCharacters(in: .whitespaces)
        let usage = "write business_hours(07:00-21:00, mon-fri)"
        guard s.lowercased().hasPrefix("business_hours("), s.hasSuffix(")") else {
            throw FcastError("invalid business calendar '\(text)': \(usage)")
        }
        let inner = s.dropFirst("business_hours(".count).dropLast()
        var fields = inner.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let hours = fields.first, !hours.isEmpty else { throw FcastError("invalid business calendar '\(text)': no hours; \(usage)") }
        let ends = hours.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        func clock(_ c: String) -> Int64? {
            let p = c.split(separator: ":")
            guard p.count == 2 || p.count == 3, p.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }) else { return nil }
            let h = Int64(p[0])!, m = Int64(p[1])!, sec = p.count == 3 ? Int64(p[2])! : 0
            guard h <= 24, m < 60, sec < 60, h < 24 || (m == 0 && sec == 0) else { return nil }
            return h * 3600 + m * 60 + sec
        }
        guard ends.count == 2, let open = clock(ends[0]), let close = clock(ends[1]) else {
            throw FcastError("invalid business calendar '\(text)': hours must be HH:MM-HH:MM; \(usage)")
        }
        guard open < close else {
            throw FcastError("invalid business calendar '\(text)': the opening time \(ends[0]) must be before the closing time \(ends[1])")
        }
        var days: [Int] = []
        fields.removeFirst()
        let dayText = fields.first ?? "mon-fri"
        for token in dayText.lowercased().split(whereSeparator: { $0 == " " || $0 == "," }) {
            let range = token.split(separator: "-").map(String.init)
            let idx = range.map { name in dayNames.firstIndex(of: String(name.prefix(3))) }
            guard (1...2).contains(range.count), idx.allSatisfy({ $0 != nil }) else {
                throw FcastError("invalid business calendar '\(text)': unknown day '\(token)'; days are \(dayNames.joined(separator: ", ")), or ranges like mon-fri")
            }
            let a = idx[0]!, b = idx[range.count - 1]!
            guard a <= b else { throw FcastError("invalid business calendar '\(text)': day range '\(token)' runs backwards") }
            days += Array(a...b)
        }
        guard !days.isEmpty else { throw FcastError("invalid business calendar '\(text)': no days") }
        return BusinessHours(open: open, close: close, days: days)
    }

    // MARK: Slots

    /// Days since Monday 1969-12-29 (a Monday), so that `% 7` is the weekday.
    @inline(__always) static func mondayDays(_ days: Int64) -> Int64 { days + 3 }

    @inline(__always) static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Open days strictly before day `days` (days since 1970-01-01), counted from Monday 1969-12-29.
    func openDaysBefore(_ days: Int64) -> Int64 {
        let m = Self.mondayDays(days)
        let weeks = Self.floorDiv(m, 7)
        let weekday = Int(m - weeks * 7)
        return weeks * Int64(self.days.count) + Int64(self.days.filter { $0 < weekday }.count)
    }

    /// The day (days since 1970-01-01) of the open day with ordinal `n` (`openDaysBefore` of it is `n`).
    func openDay(_ n: Int64) -> Int64 {
        let count = Int64(days.count)
        let weeks = Self.floorDiv(n, count)
        let k = Int(n - weeks * count)
        return weeks * 7 + Int64(days[k]) - 3
    }

    /// Periods per open day for a step of `step` seconds.
    public func slotsPerDay(step: Int64) -> Int64 { (close - open + step - 1) / step }

    /// How many periods start at or before `t`, counted from the calendar's origin (so the
    /// period at `t`, when `t` is one, has index `slotsUpTo(t) - 1`).
    func slotsUpTo(_ t: Int64, step: Int64) -> Int64 {
        let (day, sod) = Timestamp.splitDay(t)
        let perDay = slotsPerDay(step: step)
        var n = openDaysBefore(day) * perDay
        let weekday = Int(Self.mondayDays(day) - Self.floorDiv(Self.mondayDays(day), 7) * 7)
        if days.contains(weekday) && sod >= open {
            n += Swift.min((sod - open) / step + 1, perDay)
        }
        return n
    }

    /// The index of period `t`, nil when `t` is not the start of a period (closed hours or days,
    /// or off the step).
    public func index(of t: Int64, step: Int64) -> Int64? {
        let (day, sod) = Timestamp.splitDay(t)
        let weekday = Int(Self.mondayDays(day) - Self.floorDiv(Self.mondayDays(day), 7) * 7)
        guard days.contains(weekday), sod >= open, sod < close, (sod - open) % step == 0 else { return nil }
        return slotsUpTo(t, step: step) - 1
    }

    /// The start of period `i`.
    public func time(ofIndex i: Int64, step: Int64) -> Int64 {
        let perDay = slotsPerDay(step: step)
        let n = Self.floorDiv(i, perDay)
        let slot = i - n * perDay
        return openDay(n) * Timestamp.secondsPerDay + open + slot * step
    }
}
