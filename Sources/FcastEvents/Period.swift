import FcastCore
import Foundation

/// The period events are counted in: a number of minutes, an hour, a day, a week (from
/// Monday) or a calendar month. Periods are numbered on local wall-clock time (seconds since
/// 1970-01-01 00:00 as read on the clock of the time zone): a local day is a day whatever
/// its length in real seconds (23 or 25 hours on DST days).
public enum Period: Sendable, Equatable, CustomStringConvertible {
    case minutes(Int)
    case hour
    case day
    case week
    case month

    /// Parses "15min", "hour", "day", "week", "month" (and what `Frequency.parse` accepts for
    /// those units).
    public static func parse(_ text: String) throws -> Period {
        let f: Frequency
        do { f = try Frequency.parse(text) } catch {
            throw FcastError("every: '\(text)' is not a period; use \"15min\", \"hour\", \"day\", \"week\" or \"month\"")
        }
        switch (f.unit, f.step) {
        case (.minute, let s) where 1440 % s == 0: return .minutes(s)
        case (.hour, 1): return .hour
        case (.day, 1): return .day
        case (.week, 1): return .week
        case (.month, 1): return .month
        default:
            throw FcastError("every: '\(text)' is not a period events can be counted in; use \"15min\" (minutes dividing a day), \"hour\", \"day\", \"week\" or \"month\"")
        }
    }

    public var description: String {
        switch self {
        case .minutes(let m): "\(m)min"
        case .hour: "hour"
        case .day: "day"
        case .week: "week"
        case .month: "month"
        }
    }

    /// Length in seconds of fixed periods; nil for months.
    var seconds: Int64? {
        switch self {
        case .minutes(let m): Int64(m) * 60
        case .hour: 3600
        case .day: 86_400
        case .week: 604_800
        case .month: nil
        }
    }

    public var frequency: Frequency {
        switch self {
        case .minutes(let m): Frequency(.minute, step: m)
        case .hour: .hourly
        case .day: .daily
        case .week: .weekly
        case .month: .monthly
        }
    }

    public var timestampStyle: TimestampStyle {
        switch self {
        case .minutes, .hour: .dateTime(separator: " ", seconds: false)
        default: .date
        }
    }

    /// 1970-01-05 was a Monday: weeks are counted from there.
    static let mondayOffset: Int64 = 4 * 86_400

    /// The number of the period holding a wall-clock time.
    @inline(__always)
    public func index(wall: Int64) -> Int64 {
        switch self {
        case .week: return floorDiv(wall - Period.mondayOffset, 604_800)
        case .month:
            let (y, m, _) = Timestamp.civilFromDays(floorDiv(wall, 86_400))
            return Int64(y) * 12 + Int64(m - 1)
        default: return floorDiv(wall, seconds!)
        }
    }

    /// The wall-clock time at which period `index` starts (what the series' timestamps show).
    public func start(_ index: Int64) -> Int64 {
        switch self {
        case .week: return index * 604_800 + Period.mondayOffset
        case .month:
            let y = Int(floorDiv(index, 12)), m = Int(index - floorDiv(index, 12) * 12) + 1
            return Timestamp.daysFromCivil(year: y, month: m, day: 1) * 86_400
        default: return index * seconds!
        }
    }

    /// The same numbering in DuckDB's SQL, from an expression giving wall-clock seconds
    /// (a BIGINT) and one giving the wall-clock TIMESTAMP.
    func sqlIndex(wallSeconds: String, wallTimestamp: String) -> String {
        switch self {
        case .week: return "floor((\(wallSeconds) - \(Period.mondayOffset)) / 604800)::BIGINT"
        case .month: return "(year(\(wallTimestamp)) * 12 + month(\(wallTimestamp)) - 1)::BIGINT"
        default: return "floor(\(wallSeconds) / \(seconds!))::BIGINT"
        }
    }
}

@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Wall-clock time of instants in one time zone, from the system's time zone database
/// (Foundation's TimeZone), with the UTC offset of each UTC day cached: a day holds at most
/// one transition, found once by bisection. One cache per thread.
public final class WallClock {
    public let zone: TimeZone
    private let utc: Bool
    private var base: Int64 = 0
    // Per UTC day: offset at the day's start, offset after the transition, transition instant
    // (Int64.max when the day has none). offStart == Int32.min: not filled yet.
    private var offStart: [Int32] = []
    private var offAfter: [Int32] = []
    private var transition: [Int64] = []

    public init(zone: TimeZone) {
        self.zone = zone
        utc = zone.identifier == "UTC" || zone.identifier == "GMT" || zone.identifier == "Etc/UTC"
            || (zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 0 && zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: -2_208_988_800)) == nil)
    }

    /// A time zone by its tz database name ("America/New_York", "UTC"); the error says how to
    /// write one.
    public static func zone(named name: String) throws -> TimeZone {
        guard let tz = TimeZone(identifier: name) else {
            var message = "unknown time zone '\(name)'; use a tz database name such as \"America/New_York\", \"Europe/Paris\" or \"UTC\""
            if let hint = Suggest.didYouMean(name, in: TimeZone.knownTimeZoneIdentifiers) { message += "; \(hint)" }
            throw FcastError(message)
        }
        return tz
    }

    private func offset(_ t: Int64) -> Int32 {
        Int32(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
    }

    private func fill(_ i: Int, day: Int64) {
        let start = day * 86_400, end = start + 86_399
        let a = offset(start), b = offset(end)
        offStart[i] = a; offAfter[i] = b
        if a == b { transition[i] = Int64.max; return }
        var lo = start, hi = end      // offset(lo) == a, offset(hi) == b
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offset(mid) == a { lo = mid } else { hi = mid }
        }
        transition[i] = hi
    }

    private func grow(toInclude day: Int64) {
        if offStart.isEmpty {
            base = day - 366
            offStart = Array(repeating: Int32.min, count: 733)
            offAfter = Array(repeating: 0, count: 733)
            transition = Array(repeating: 0, count: 733)
            return
        }
        let count = Int64(offStart.count)
        if day < base {
            let extra = Int(max(base - day, count))
            offStart.insert(contentsOf: repeatElement(Int32.min, count: extra), at: 0)
            offAfter.insert(contentsOf: repeatElement(0, count: extra), at: 0)
            transition.insert(contentsOf: repeatElement(0, count: extra), at: 0)
            base -= Int64(extra)
        } else {
            let extra = Int(max(day - base - count + 1, count))
            offStart.append(contentsOf: repeatElement(Int32.min, count: extra))
            offAfter.append(contentsOf: repeatElement(0, count: extra))
            transition.append(contentsOf: repeatElement(0, count: extra))
        }
    }

    /// The UTC offset in seconds at instant `t`.
    @inline(__always)
    public func offset(at t: Int64) -> Int64 {
        if utc { return 0 }
        let day = floorDiv(t, 86_400)
        var i = day - base
        if i < 0 || i >= Int64(offStart.count) {
            grow(toInclude: day)
            i = day - base
        }
        let k = Int(i)
        if offStart[k] == Int32.min { fill(k, day: day) }
        return Int64(t < transition[k] ? offStart[k] : offAfter[k])
    }

    /// The wall-clock reading (seconds since 1970-01-01 00:00 on the local clock) at instant `t`.
    @inline(__always)
    public func wall(_ t: Int64) -> Int64 { t + offset(at: t) }
}
