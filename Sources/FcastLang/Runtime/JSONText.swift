import FcastCore
import FcastPlan
import FcastPlugins
import Foundation

/// Language values as JSON text, for plugin parameters of type FC_PARAM_JSON. A data set
/// becomes a list of records {unique_id, ds, y} with ds written as in its input.
enum JSONText {
    static func encode(_ v: Value) -> String? {
        var out = ""
        return write(v, into: &out) ? out : nil
    }

    private static func write(_ v: Value, into out: inout String) -> Bool {
        switch v {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x):
            guard x.isFinite else { return false }
            out += ParameterLabel.number(x)
        case .string(let s): out += quote(s)
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                guard write(item, into: &out) else { return false }
            }
            out += "]"
        case .record(let fields):
            out += "{"
            for (i, f) in fields.enumerated() {
                if i > 0 { out += "," }
                out += quote(f.key) + ":"
                guard write(f.value, into: &out) else { return false }
            }
            out += "}"
        case .data(let p):
            out += "["
            var first = true
            for s in 0..<p.count {
                for i in p.range(s) {
                    if !first { out += "," }
                    first = false
                    out += "{\"unique_id\":\(quote(p.ids[s])),\"ds\":\(quote(Timestamp.format(p.ds[i], style: p.timestampStyle))),\"y\":"
                    out += p.y[i].isFinite ? "\(p.y[i])" : "null"
                    out += "}"
                }
            }
            out += "]"
        default: return false
        }
        return true
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
