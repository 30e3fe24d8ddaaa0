import CFcastPlugin
import Foundation

/// The spacing of a regular time series: a calendar unit and a step (e.g. 15 minutes).
///
/// Seconds, minutes, hours, days and weeks are fixed durations. Months, quarters and years are
/// calendar arithmetic: they keep the day of the month (clamped to the month's length) and the
/// time of day. With `endOfMonth` set (inferred from data whose timestamps are all month ends,
/// or parsed from `"ME"`, `"QE"`, `"YE"`, `"month end"`), they land on the last day of each month.
public struct Frequency: Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable {
        case second, minute, hour, day, week, month, quarter, year

        /// Length in seconds of fixed units; nil for calendar units.
        public var seconds: Int64? {
            switch self {
            case .second: return 1
            case .minute: return 60
            case .hour: return 3600
            case .day: return 86_400
            case .week: return 604_800
            case .month, .quarter, .year: return nil
            }
        }

        /// Length in months of calendar units; nil for fixed units.
        public var months: Int? {
            switch self {
            case .month: return 1
            case .quarter: return 3
            case .year: return 12
            default: return nil
            }
        }
    }

    public var unit: Unit
    public var step: Int
    /// Calendar units only: timestamps sit on the last day of their month.
    public var endOfMonth: Bool
    /// Seconds, minutes and hours only: the series runs on a business calendar and its grid
    /// counts only the periods inside its hours and days (BusinessHours.swift).
    public var business: BusinessHours? = nil
    /// A row-index axis (`freq: "index"`): the timestamps are integers counting steps (1, 2,
    /// 3, ...), not times; stored as they are, one step apart, with no season of their own.
    public var isIndex = false

    public init(_ unit: Unit, step: Int = 1, endOfMonth: Bool = false) {
        precondition(step >= 1, "frequency step must be positive")
        self.unit = unit
        self.step = step
        self.endOfMonth = endOfMonth && unit.months != nil
    }

    /// This frequency on a business calendar; an error unless the unit is seconds, minutes
    /// or hours and one step fits in the open hours.
    public func on(_ calendar: BusinessHours) throws -> Frequency {
        guard let seconds = stepSeconds, seconds < 86_400 else {
            throw FcastError("a business calendar needs a frequency under a day (\"5min\", \"hourly\"), not \(self)")
        }
        guard seconds <= calendar.close - calendar.open else {
            throw FcastError("the \(self) step is longer than the open hours of \(calendar)")
        }
        var f = self
        f.business = calendar
        return f
    }

    public static let yearly = Frequency(.year)
    public static let quarterly = Frequency(.quarter)
    public static let monthly = Frequency(.month)
    public static let weekly = Frequency(.week)
    public static let daily = Frequency(.day)
    public static let hourly = Frequency(.hour)
    /// The row-index axis: integer timestamps one apart (arithmetic as 1-second steps).
    public static let index: Frequency = {
        var f = Frequency(.second)
        f.isIndex = true
        return f
    }()

    /// Whether this is calendar (month-based) arithmetic.
    public var isCalendar: Bool { unit.months != nil }

    /// Step length in seconds for fixed units; nil for months, quarters and years.
    public var stepSeconds: Int64? { unit.seconds.map { $0 * Int64(step) } }

    /// Step length in months for calendar units; nil for fixed units.
    public var stepMonths: Int? { unit.months.map { $0 * step } }

    // MARK: Parsing

    /// Names accepted by `parse`, for error messages.
    public static let acceptedNames =
        "yearly (year, annual, Y, A), quarterly (quarter, Q), monthly (month, M), weekly (week, W), "
        + "daily (day, D), hourly (hour, H), minutely (minute, min, T), secondly (second, sec, S); "
        + "with a step: \"15min\", \"15 minutes\", \"2h\", \"30s\", \"3 months\"; "
        + "month-end anchored: \"ME\", \"QE\", \"YE\", \"month end\"; integer row numbers: \"index\""

    /// Parses a frequency name, optionally preceded by a step: `"monthly"`, `"Q"`, `"15min"`,
    /// `"15 minutes"`, `"2h"`, `"30s"`, `"every 2 weeks"`. Case-insensitive except that a bare
    /// lower-case `"m"` is rejected as ambiguous (minutes or months?). Accepts every `description`.
    public static func parse(_ text: String) throws -> Frequency {
        if let r = text.range(of: "business_hours(", options: .caseInsensitive) {
            let calendar = try BusinessHours.parse(String(text[r.lowerBound...]))
            let base = text[..<r.lowerBound].trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
            guard !base.isEmpty else {
                throw FcastError("frequency '\(text)' needs a step before the calendar: \"5min \(calendar)\"")
            }
            return try parse(base).on(calendar)
        }
        var s = text.trimmingCharacters(in: .whitespaces)
        let original = s
        if ["index", "row", "rows", "integer"].contains(s.lowercased()) { return .index }
        if s.lowercased().hasPrefix("every ") { s = String(s.dropFirst(6)).trimmingCharacters(in: .whitespaces) }
        // Split a leading step number.
        let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
        var step = 1
        if !digits.isEmpty {
            guard let n = Int(digits), n >= 1 else {
                throw FcastError("invalid frequency '\(original)': the step must be a positive whole number")
            }
            step = n
            s = String(s.dropFirst(digits.count)).trimmingCharacters(in: .whitespaces)
        }
        var name = s.lowercased()
        var endOfMonth = false
        if name.hasSuffix(" end") || name.hasSuffix("-end") || name.hasSuffix("_end") {
            endOfMonth = true
            name = String(name.dropLast(4))
        } else if ["me", "qe", "ye", "ae"].contains(name) {
            endOfMonth = true
            name = String(name.prefix(1))
        }
        if s == "m" {
            throw FcastError("ambiguous frequency '\(original)': write '\(step > 1 ? String(step) : "")min' for minutes or '\(step > 1 ? String(step) : "")M' (monthly) for months")
        }
        let unit: Unit?
        switch name {
        case "yearly", "year", "years", "annual", "annually", "y", "a", "ys", "as", "yr", "yrs": unit = .year
        case "quarterly", "quarter", "quarters", "q", "qs": unit = .quarter
        case "monthly", "month", "months", "m", "ms", "mo", "mon": unit = .month
        case "weekly", "week", "weeks", "w", "wk", "wks": unit = .week
        case "daily", "day", "days", "d": unit = .day
        case "hourly", "hour", "hours", "h", "hr", "hrs": unit = .hour
        case "minutely", "minute", "minutes", "min", "mins", "t": unit = .minute
        case "secondly", "second", "seconds", "sec", "secs", "s": unit = .second
        default: unit = nil
        }
        guard let unit else {
            var message = "unknown frequency '\(original)'"
            let names = ["yearly", "quarterly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly",
                         "year", "quarter", "month", "week", "day", "hour", "minute", "second", "minutes", "seconds"]
            if let hint = Suggest.didYouMean(name, in: names) { message += "; \(hint)" }
            message += "; accepted: " + acceptedNames
            throw FcastError(message)
        }
        if endOfMonth && unit.months == nil {
            throw FcastError("invalid frequency '\(original)': only months, quarters and years can be anchored at the month end")
        }
        return Frequency(unit, step: step, endOfMonth: endOfMonth)
    }

    // MARK: Description

    /// `"monthly"`, `"quarterly"`, `"15 minutes"`, `"2 weeks"`, `"monthly (month end)"`.
    /// Every description is accepted by `parse`.
    public var description: String {
        if isIndex { return "index" }
        var text: String
        if step == 1 {
            switch unit {
            case .year: text = "yearly"
            case .quarter: text = "quarterly"
            case .month: text = "monthly"
            case .week: text = "weekly"
            case .day: text = "daily"
            case .hour: text = "hourly"
            case .minute: text = "1 minute"
            case .second: text = "1 second"
            }
        } else {
            text = "\(step) \(unit.rawValue)s"
        }
        if endOfMonth { text += " end" }
        if let business { text += " " + business.description }
        return text
    }

    // MARK: Seasonality

    /// The usual seasonal period for this frequency, in steps (1 means no seasonality):
    /// - years: 1;  quarters: 4 / step;  months: 12 / step (the year);
    /// - weeks: 52 / step (the year, rounded to whole weeks);
    /// - days: 7 (the week) for daily data, 52 for 7-day steps;
    /// - hours and minutes: periods per day (hourly 24, 15 minutes 96, 1 minute 1440);
    /// - seconds: periods per minute (1 second 60, 15 seconds 4).
    /// When the step does not divide the cycle evenly the answer is 1. A row-index axis has
    /// none (1); a business calendar's is its periods per open day (or open days per week).
    /// The rules are fcast_plugin.h's fc_default_season, shared with the plugin kit.
    public var defaultSeason: Int {
        if isIndex { return 1 }
        if let business, let seconds = stepSeconds {
            let perDay = business.slotsPerDay(step: seconds)
            return perDay > 1 ? Int(perDay) : business.days.count
        }
        return Int(fc_default_season(fc_frequency_unit(pluginUnit), Int32(clamping: step)))
    }

    /// The unit as the plugin ABI names it (FC_FREQ_*).
    public var pluginUnit: Int32 {
        let u: Int = switch unit {
        case .second: FC_FREQ_SECOND
        case .minute: FC_FREQ_MINUTE
        case .hour: FC_FREQ_HOUR
        case .day: FC_FREQ_DAY
        case .week: FC_FREQ_WEEK
        case .month: FC_FREQ_MONTH
        case .quarter: FC_FREQ_QUARTER
        case .year: FC_FREQ_YEAR
        }
        return Int32(u)
    }

    // MARK: Arithmetic

    /// `t` moved by `k` steps (negative `k` moves back). Calendar units keep the day of the month,
    /// clamped to the target month's length (Jan 31 + 1 month = Feb 28 or 29), and the time of day;
    /// the clamping is computed from `t` for each call, so Jan 31 + 2 months = Mar 31.
    @inline(__always)
    public func advance(_ t: Int64, by k: Int) -> Int64 {
        if let business, let seconds = stepSeconds {
            return business.time(ofIndex: business.slotsUpTo(t, step: seconds) - 1 + Int64(k), step: seconds)
        }
        if let seconds = stepSeconds { return t + seconds * Int64(k) }
        let months = unit.months! * step * k
        let (days, sod) = Timestamp.splitDay(t)
        let (y, m, d) = Timestamp.civilFromDays(days)
        let total = y * 12 + (m - 1) + months
        let ny = total >= 0 ? total / 12 : (total - 11) / 12
        let nm = total - ny * 12 + 1
        let length = Timestamp.daysInMonth(year: ny, month: nm)
        let nd = endOfMonth ? length : Swift.min(d, length)
        return Timestamp.daysFromCivil(year: ny, month: nm, day: nd) * Timestamp.secondsPerDay + sod
    }

    /// Number of steps from `a` to `b` (negative when `b` is before `a`) if `b` lies exactly on the
    /// grid through `a`, else nil. For calendar units `b` must equal `advance(a, by: k)`.
    @inline(__always)
    public func periods(from a: Int64, to b: Int64) -> Int? {
        if let business, let seconds = stepSeconds {
            guard let i = business.index(of: a, step: seconds), let j = business.index(of: b, step: seconds) else { return nil }
            return Int(j - i)
        }
        if let seconds = stepSeconds {
            let diff = b - a
            return diff % seconds == 0 ? Int(diff / seconds) : nil
        }
        let stepMonths = unit.months! * step
        let (da, sa) = Timestamp.splitDay(a)
        let (db, sb) = Timestamp.splitDay(b)
        guard sa == sb else { return nil }
        let ca = Timestamp.civilFromDays(da), cb = Timestamp.civilFromDays(db)
        let months = (cb.year * 12 + cb.month) - (ca.year * 12 + ca.month)
        guard months % stepMonths == 0 else { return nil }
        let k = months / stepMonths
        return advance(a, by: k) == b ? k : nil
    }
}
