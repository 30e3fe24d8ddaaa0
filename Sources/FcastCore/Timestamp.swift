/// How the input wrote its timestamps, so output can be written the same way.
///
/// `.date` is `YYYY-MM-DD`; `.dateTime` is `YYYY-MM-DD<sep>HH:MM[:SS]` with `sep` a space or `T`.
/// Inputs written as `YYYY-MM` are parsed as day 1 of the month and reported as `.date`;
/// a trailing `Z` is accepted and not reproduced.
public enum TimestampStyle: Sendable, Equatable, Hashable {
    case date
    case dateTime(separator: Character, seconds: Bool)
    /// Integer row numbers (`freq: "index"`), written as they were read.
    case index

    /// Order used when a file mixes styles: the richer style wins.
    var richness: Int {
        switch self {
        case .date: return 0
        case .dateTime(_, let seconds): return seconds ? 2 : 1
        case .index: return 3
        }
    }
}

/// Timestamps are `Int64` seconds since 1970-01-01 00:00:00 UTC. No time zones.
public enum Timestamp {
    public static let secondsPerDay: Int64 = 86_400

    // MARK: Civil calendar (proleptic Gregorian)

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default: return isLeapYear(year) ? 29 : 28
        }
    }

    /// Days since 1970-01-01 of the given civil date (month 1...12, day 1...31).
    /// Counts in 400-year eras of 146,097 days, with years starting on March 1 so the leap day is last.
    @inline(__always)
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                   // 0...399
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1   // 0...365, from March 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear // 0...146096
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    @inline(__always)
    public static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                             // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365
        let mp = (5 * dayOfYear + 2) / 153                                           // 0...11, March = 0
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    /// Splits a timestamp into whole days since the epoch and seconds within the day (0..<86400).
    @inline(__always)
    public static func splitDay(_ t: Int64) -> (days: Int64, secondOfDay: Int64) {
        var d = t / secondsPerDay, s = t % secondsPerDay
        if s < 0 { s += secondsPerDay; d -= 1 }
        return (d, s)
    }

    /// Builds a timestamp from civil fields (no validation beyond arithmetic).
    public static func make(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        daysFromCivil(year: year, month: month, day: day) * secondsPerDay
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Civil fields of a timestamp.
    public static func components(_ t: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let (days, sod) = splitDay(t)
        let (y, m, d) = civilFromDays(days)
        let s = Int(sod)
        return (y, m, d, s / 3600, (s / 60) % 60, s % 60)
    }

    /// Day of the week, 0 = Monday ... 6 = Sunday.
    public static func weekday(_ t: Int64) -> Int {
        let days = splitDay(t).days
        return Int(((days % 7) + 7 + 3) % 7)   // 1970-01-01 was a Thursday
    }

    // MARK: Parsing

    /// Parses `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS` (space or `T`
    /// separator, optional all-zero fraction `.000`, optional trailing `Z`). Fields are validated
    /// (month 1-12, day within the month, hour < 24, minute and second < 60). Returns nil otherwise.
    /// `YYYY-MM` means day 1 of the month and reports the `.date` style.
    @inline(__always)
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int64, TimestampStyle)? {
        guard let base = bytes.baseAddress, let (t, code) = parseRaw(base, bytes.count) else { return nil }
        return (t, style(code: code))
    }

    /// Style codes used by the fast path: 0 date, 1 space no seconds, 2 space seconds,
    /// 3 `T` no seconds, 4 `T` seconds; `indexCode` an integer row number.
    static let indexCode: UInt8 = 5

    /// An integer row number (`freq: "index"`): an optional sign and 1 to 18 digits.
    @inline(__always)
    static func parseIndex(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var i = 0, negative = false
        if count > 0 && (base[0] == 45 || base[0] == 43) { negative = base[0] == 45; i = 1 }
        guard count - i >= 1 && count - i <= 18 else { return nil }
        var v: Int64 = 0
        while i < count {
            let d = base[i] &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int64(d)
            i += 1
        }
        return negative ? -v : v
    }

    @inline(__always)
    static func style(code: UInt8) -> TimestampStyle {
        switch code {
        case 0: return .date
        case 1: return .dateTime(separator: " ", seconds: false)
        case 2: return .dateTime(separator: " ", seconds: true)
        case 3: return .dateTime(separator: "T", seconds: false)
        case indexCode: return .index
        default: return .dateTime(separator: "T", seconds: true)
        }
    }

    /// The byte-level parser behind `parse`: returns the timestamp and a style code.
    @inline(__always)
    static func parseRaw(_ base: UnsafePointer<UInt8>, _ count: Int) -> (Int64, UInt8)? {
        var n = count
        if n > 10 && (base[n - 1] == 90 /* Z */ || base[n - 1] == 122 /* z */) { n -= 1 }
        guard n >= 7 else { return nil }

        @inline(__always) func digit(_ i: Int) -> Int {
            let c = Int(base[i]) &- 48
            return (c >= 0 && c <= 9) ? c : -1000
        }
        @inline(__always) func two(_ i: Int) -> Int { digit(i) * 10 + digit(i + 1) }

        // Each digit checked on its own: a sum of digits could hide one non-digit
        // ('201f' once summed to 1010).
        let y0 = digit(0), y1 = digit(1), y2 = digit(2), y3 = digit(3)
        guard y0 >= 0, y1 >= 0, y2 >= 0, y3 >= 0, base[4] == 45 /* - */ else { return nil }
        let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
        let month = two(5)
        guard month >= 1 && month <= 12 else { return nil }
        if n == 7 {
            return (daysFromCivil(year: year, month: month, day: 1) * secondsPerDay, 0)
        }
        guard n >= 10, base[7] == 45 else { return nil }
        let day = two(8)
        guard day >= 1 && day <= daysInMonth(year: year, month: month) else { return nil }
        let midnight = daysFromCivil(year: year, month: month, day: day) * secondsPerDay
        if n == 10 { return (midnight, 0) }

        let sep = base[10]
        guard (sep == 32 /* space */ || sep == 84 /* T */ || sep == 116 /* t */) && n >= 16 else { return nil }
        let hour = two(11), minute = two(14)
        guard base[13] == 58 /* : */, hour >= 0 && hour < 24, minute >= 0 && minute < 60 else { return nil }
        let tStyle: UInt8 = sep == 32 ? 0 : 2
        if n == 16 {
            return (midnight + Int64(hour * 3600 + minute * 60), tStyle + 1)
        }
        guard n >= 19, base[16] == 58 else { return nil }
        let second = two(17)
        guard second >= 0 && second < 60 else { return nil }
        if n > 19 {
            // Only an all-zero fraction is accepted: timestamps are whole seconds.
            guard base[19] == 46 /* . */, n > 20 else { return nil }
            for i in 20..<n where base[i] != 48 { return nil }
        }
        return (midnight + Int64(hour * 3600 + minute * 60 + second), tStyle + 2)
    }

    public static func parse(_ s: String) -> (Int64, TimestampStyle)? {
        var s = s
        return s.withUTF8 { parse($0) }
    }

    // MARK: Formatting

    /// Formats a timestamp in the given style. A `.date` style on a timestamp that is not at
    /// midnight still shows the time (`YYYY-MM-DD HH:MM:SS`), and a style without seconds shows
    /// them when they are not zero, so formatting never loses information.
    public static func format(_ t: Int64, style: TimestampStyle) -> String {
        if style == .index { return String(t) }
        let (days, sod) = splitDay(t)
        let (y, m, d) = civilFromDays(days)
        var out = [UInt8]()
        out.reserveCapacity(20)
        @inline(__always) func put2(_ v: Int) {
            out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10))
        }
        if y >= 0 && y <= 9999 {
            out.append(UInt8(48 + y / 1000)); out.append(UInt8(48 + (y / 100) % 10)); put2(y % 100)
        } else {
            out.append(contentsOf: Array(String(y).utf8))
        }
        out.append(45); put2(m); out.append(45); put2(d)
        var separator: Character = " ", showSeconds = true, showTime = sod != 0
        if case .dateTime(let sep, let seconds) = style {
            separator = sep; showSeconds = seconds; showTime = true
        }
        if showTime {
            out.append(separator == "T" ? 84 : 32)
            let s = Int(sod)
            put2(s / 3600); out.append(58); put2((s / 60) % 60)
            if showSeconds || s % 60 != 0 { out.append(58); put2(s % 60) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
