import FcastPlan

/// JSON written straight into text: the responses are few shapes of strings and numbers,
/// and this is much faster than an encoder. Numbers are the shortest text that reads back
/// to the same double; non-finite ones are null.
struct JSONWriter {
    var out = ""

    init(capacity: Int = 256) { out.reserveCapacity(capacity) }

    mutating func raw(_ s: String) { out += s }

    mutating func string(_ s: String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    mutating func number(_ x: Double?) {
        guard let x, x.isFinite else { out += "null"; return }
        out += x.description
    }

    mutating func int(_ x: Int) { out += String(x) }

    mutating func key(_ k: String) {
        string(k)
        out += ":"
    }

    mutating func numbers<C: Collection>(_ xs: C) where C.Element == Double {
        out += "["
        var first = true
        for x in xs {
            if !first { out += "," }
            first = false
            number(x)
        }
        out += "]"
    }

    mutating func strings<C: Collection>(_ xs: C) where C.Element == String {
        out += "["
        var first = true
        for x in xs {
            if !first { out += "," }
            first = false
            string(x)
        }
        out += "]"
    }

    /// `"ds": [...], "mean": [...], "lo": {"80": [...]}, "hi": {...}` from a flat forecast laid
    /// out as mean (h), lo per level, hi per level.
    mutating func forecastFields(ds: [String], flat: [Double], horizon h: Int, levels: [Double]) {
        key("ds")
        strings(ds)
        out += ","
        key("mean")
        numbers(flat.prefix(h))
        for (name, base) in [("lo", 1), ("hi", 1 + levels.count)] {
            out += ","
            key(name)
            out += "{"
            for (l, level) in levels.enumerated() {
                if l > 0 { out += "," }
                key(ParameterLabel.number(level))
                let start = (base + l) * h
                numbers(flat[min(start, flat.count)..<min(start + h, flat.count)])
            }
            out += "}"
        }
    }
}
