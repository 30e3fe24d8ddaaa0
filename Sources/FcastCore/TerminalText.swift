/// Untrusted text (ids and fields from data files, names from scripts) made safe to print on
/// a terminal: control characters, escape sequences and line separators are shown as
/// `\u{1B}`-style escapes instead of reaching the terminal, where an ESC could move the
/// cursor, retitle the window or hide output. Tabs become `\t`; everything else is kept.
public enum TerminalText {
    @inline(__always)
    static func isControl(_ v: UInt32) -> Bool {
        v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029
    }

    /// `s` with its control characters escaped; `s` itself when it has none (the usual case).
    public static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { isControl($0.value) }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if u == "\t" {
                out += "\\t"
            } else if isControl(u.value) {
                out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// As `escape`, but keeps line breaks and tabs: for whole tables and reports whose layout
    /// is made of them, with fields from data inside.
    public static func escapeKeepingLines(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 != "\n" && $0 != "\t" && isControl($0.value) }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if u != "\n" && u != "\t" && isControl(u.value) {
                out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
