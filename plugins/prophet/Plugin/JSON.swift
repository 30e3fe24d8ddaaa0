// A small JSON reader for FC_PARAM_JSON values (records, lists, strings, numbers, booleans),
// and the date formats the prophet plugin accepts. Written here to keep exact types
// (true is a boolean, 10 an integer) without Foundation.
import FcastPluginKit

indirect enum JSON: Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSON]), object([(String, JSON)])

    static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    subscript(_ key: String) -> JSON? {
        if case .object(let kv) = self { return kv.first { $0.0 == key }?.1 }
        return nil
    }
    var number: Double? { if case .number(let d) = self { return d }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }

    static func parse(_ text: String, parameter: String) throws -> JSON {
        var p = Parser(bytes: Array(text.utf8), parameter: parameter)
        p.skip()
        let v = try p.value()
        p.skip()
        guard p.i == p.bytes.count else { throw p.fail("unexpected text after the value") }
        return v
    }

    private struct Parser {
        let bytes: [UInt8]
        let parameter: String
        var i = 0
        func fail(_ m: String) -> PluginError { .invalidArgument("prophet: '\(parameter)' is not valid JSON: \(m) at offset \(i)") }
        mutating func skip() { while i < bytes.count, [9, 10, 13, 32].contains(bytes[i]) { i += 1 } }
        mutating func literal(_ s: String, _ v: JSON) throws -> JSON {
            let u = Array(s.utf8)
            guard i + u.count <= bytes.count, Array(bytes[i..<(i + u.count)]) == u else { throw fail("unexpected character") }
            i += u.count
            return v
        }
        mutating func value() throws -> JSON {
            guard i < bytes.count else { throw fail("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var kv: [(String, JSON)] = []
                skip()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(kv) }
                while true {
                    skip()
                    guard case .string(let k) = try value() else { throw fail("expected a key") }
                    skip()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skip()
                    kv.append((k, try value()))
                    skip()
                    guard i < bytes.count else { throw fail("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(kv) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [JSON] = []
                skip()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    skip()
                    a.append(try value())
                    skip()
                    guard i < bytes.count else { throw fail("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                i += 1
                var out: [UInt8] = []
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count {
                        i += 1
                        switch bytes[i] {
                        case UInt8(ascii: "n"): out.append(10)
                        case UInt8(ascii: "t"): out.append(9)
                        case UInt8(ascii: "r"): out.append(13)
                        case UInt8(ascii: "b"): out.append(8)
                        case UInt8(ascii: "f"): out.append(12)
                        case UInt8(ascii: "u"):
                            guard i + 4 < bytes.count, let code = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16)
                            else { throw fail("bad \\u escape") }
                            out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "?")).utf8))
                            i += 4
                        default: out.append(bytes[i])
                        }
                        i += 1
                    } else {
                        out.append(bytes[i])
                        i += 1
                    }
                }
                guard i < bytes.count else { throw fail("unterminated string") }
                i += 1
                return .string(String(decoding: out, as: UTF8.self))
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default:
                let s = i
                while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > s, let d = Double(String(decoding: bytes[s..<i], as: UTF8.self)) else { throw fail("unexpected character") }
                return .number(d)
            }
        }
    }
}

// MARK: - dates

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = m > 2 ? m - 3 : m + 9
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
}

/// "YYYY-MM-DD", optionally followed by " HH:MM[:SS]" or "THH:MM[:SS]" (UTC): seconds since the epoch.
func parseDate(_ s: String) -> Int64? {
    let u = Array(s.utf8)
    func num(_ a: Int, _ b: Int) -> Int? {
        guard b <= u.count, a < b else { return nil }
        var v = 0
        for c in u[a..<b] { guard c >= 48 && c <= 57 else { return nil }; v = v * 10 + Int(c - 48) }
        return v
    }
    guard u.count >= 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
          let y = num(0, 4), let m = num(5, 7), let d = num(8, 10), (1...12).contains(m), (1...31).contains(d) else { return nil }
    var secs = Int64(daysFromCivil(y, m, d)) * 86_400
    if u.count > 10 {
        guard u[10] == UInt8(ascii: " ") || u[10] == UInt8(ascii: "T"), let hh = num(11, 13), u.count >= 16,
              u[13] == UInt8(ascii: ":"), let mm = num(14, 16) else { return nil }
        var ss = 0
        if u.count >= 19, u[16] == UInt8(ascii: ":"), let v = num(17, 19) { ss = v }
        secs += Int64(hh * 3600 + mm * 60 + ss)
    }
    return secs
}

/// A date given as a string or as seconds since the epoch.
func date(_ v: JSON, parameter: String) throws -> Int64 {
    switch v {
    case .string(let s):
        guard let d = parseDate(s) else {
            throw PluginError.invalidArgument("prophet: '\(parameter)': '\(s)' is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")
        }
        return d
    case .number(let x): return Int64(x)
    default: throw PluginError.invalidArgument("prophet: '\(parameter)': expected a date, got \(v)")
    }
}
