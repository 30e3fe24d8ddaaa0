import FcastCore
import Foundation

/// Byte-level parsing of event fields, with no allocation: decimal numbers and timestamps.
enum Fields {
    static let pow10: [Double] = (0...22).map { p in var x = 1.0; for _ in 0..<p { x *= 10 }; return x }

    /// A decimal number (`-12.5`, `3e4`, `.5`); nil when the bytes are not one. Up to 15
    /// significant digits and exponents within ±22 are exact (Clinger's fast path); longer
    /// ones go through strtod.
    @inline(__always)
    static func number(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == 45 /* - */ { negative = true; i = 1 } else if p[0] == 43 /* + */ { i = 1 }
        var mantissa: UInt64 = 0, digits = 0, exponent = 0, sawDigit = false
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            sawDigit = true
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(d); if mantissa > 0 { digits += 1 } } else { exponent += 1 }
            i += 1
        }
        if i < n && p[i] == 46 /* . */ {
            i += 1
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                sawDigit = true
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(d); if mantissa > 0 { digits += 1 }; exponent -= 1 }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < n && (p[i] == 101 || p[i] == 69) /* e E */ {
            i += 1
            var eNeg = false
            if i < n && (p[i] == 45 || p[i] == 43) { eNeg = p[i] == 45; i += 1 }
            var e = 0, eDigits = 0
            while i < n, p[i] &- 48 <= 9 { if e < 100_000 { e = e * 10 + Int(p[i] &- 48) }; eDigits += 1; i += 1 }
            guard eDigits > 0 else { return nil }
            exponent += eNeg ? -e : e
        }
        guard i == n else { return nil }
        if digits <= 15 && exponent >= -22 && exponent <= 22 {
            var v = Double(mantissa)
            v = exponent < 0 ? v / pow10[-exponent] : v * pow10[exponent]
            return negative ? -v : v
        }
        return slowNumber(p, n)
    }

    static func slowNumber(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n < 400 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
            for k in 0..<n { buf[k] = CChar(bitPattern: p[k]) }
            buf[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(buf.baseAddress!, &end)
            guard let end, end - buf.baseAddress! == n else { return nil }
            return v
        }
    }

    /// Whether a field means a missing value: empty, NA, NaN, NULL.
    @inline(__always)
    static func isMissing(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n == 0 { return true }
        if n == 2 { return (p[0] | 0x20) == 110 && (p[1] | 0x20) == 97 }          // na
        if n == 3 { return (p[0] | 0x20) == 110 && (p[1] | 0x20) == 97 && (p[2] | 0x20) == 110 }  // nan
        if n == 4 { return (p[0] | 0x20) == 110 && (p[1] | 0x20) == 117 && (p[2] | 0x20) == 108 && (p[3] | 0x20) == 108 } // null
        return false
    }

    /// Kinds of timestamps: a wall-clock reading with no offset, or an instant (UTC `Z`, an
    /// offset such as `-05:00`, or seconds since the epoch).
    enum TimeKind: UInt8 { case wall = 0, instant = 1 }

    /// `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` with an optional `Z` or `±HH[:MM]`, or
    /// epoch seconds (integer or decimal; 13 digits or more read as milliseconds, 16 or more as
    /// microseconds). Fractions of seconds are dropped (the second the event falls in).
    @inline(__always)
    static func timestamp(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Int64, TimeKind)? {
        guard n >= 1 else { return nil }
        if n >= 10 && p[4] == 45 { return iso(p, n) }
        guard let v = number(p, n), v.isFinite else { return nil }
        var s = v
        let a = abs(v)
        if a >= 1e14 { s = v / 1e6 } else if a >= 1e11 { s = v / 1e3 }
        guard abs(s) < 1e13 else { return nil }
        return (Int64(s.rounded(.down)), .instant)
    }

    @inline(__always)
    static func iso(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Int64, TimeKind)? {
        @inline(__always) func digit(_ i: Int) -> Int {
            let c = Int(p[i]) &- 48
            return (c >= 0 && c <= 9) ? c : -100_000
        }
        @inline(__always) func two(_ i: Int) -> Int { digit(i) * 10 + digit(i + 1) }
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        guard year >= 0, p[7] == 45 else { return nil }
        let month = two(5), day = two(8)
        guard month >= 1 && month <= 12, day >= 1, day <= Timestamp.daysInMonth(year: year, month: month) else { return nil }
        var t = Timestamp.daysFromCivil(year: year, month: month, day: day) * 86_400
        if n == 10 { return (t, .wall) }
        let sep = p[10]
        guard (sep == 84 || sep == 32 || sep == 116), n >= 16, p[13] == 58 else { return nil }
        let hour = two(11), minute = two(14)
        guard hour >= 0 && hour < 24, minute >= 0 && minute < 60 else { return nil }
        t += Int64(hour * 3600 + minute * 60)
        var i = 16
        if i < n && p[i] == 58 {
            guard n >= 19 else { return nil }
            let second = two(17)
            guard second >= 0 && second < 60 else { return nil }
            t += Int64(second)
            i = 19
            if i < n && (p[i] == 46 || p[i] == 44) {       // fraction: dropped
                i += 1
                let from = i
                while i < n && p[i] &- 48 <= 9 { i += 1 }
                guard i > from else { return nil }
            }
        }
        if i == n { return (t, .wall) }
        if p[i] == 90 || p[i] == 122 { return i + 1 == n ? (t, .instant) : nil }   // Z
        guard p[i] == 43 || p[i] == 45, n - i >= 3 else { return nil }
        let sign: Int64 = p[i] == 45 ? -1 : 1
        let oh = two(i + 1)
        var om = 0
        if n - i == 3 { om = 0 }
        else if n - i == 5 { om = two(i + 3) }
        else if n - i == 6 && p[i + 3] == 58 { om = two(i + 4) }
        else { return nil }
        guard oh >= 0 && oh <= 18, om >= 0 && om < 60 else { return nil }
        return (t - sign * Int64(oh * 3600 + om * 60), .instant)
    }
}
