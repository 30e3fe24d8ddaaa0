import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Figures drawn by gnuplot over a pipe.
///
/// - `Figure`, `Chart`, `Layer`: what to draw, independent of gnuplot.
/// - `Figures`: figures built from forecasts (`RunResult`), data (`Panel`) and scores.
/// - `GnuplotScript`: figure -> gnuplot commands (pure, testable).
/// - `Gnuplot`: the process driver; `Plotter`: a batch of figures to files or the terminal.
/// - `TerminalScreen`: which terminal output suits the screen (dumb text sized to the window,
///   or sixel graphics).
public enum FcastPlot {}

/// The terminal fcast writes to: its size and whether it shows sixel graphics.
public enum TerminalScreen {
    /// Columns and lines: `COLUMNS`/`LINES` when set, else the window size of `fd` (TIOCGWINSZ),
    /// else 80 x 24. Pixel sizes come from TIOCGWINSZ when the terminal reports them.
    public static func size(environment: [String: String] = ProcessInfo.processInfo.environment,
                            fd: Int32 = 1) -> (columns: Int, lines: Int, pixelWidth: Int?, pixelHeight: Int?) {
        var columns: Int?, lines: Int?, pw: Int?, ph: Int?
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 {
            if ws.ws_col > 0 { columns = Int(ws.ws_col) }
            if ws.ws_row > 0 { lines = Int(ws.ws_row) }
            if ws.ws_xpixel > 0 { pw = Int(ws.ws_xpixel) }
            if ws.ws_ypixel > 0 { ph = Int(ws.ws_ypixel) }
        }
        if let c = environment["COLUMNS"].flatMap(Int.init), c > 0 { columns = c }
        if let l = environment["LINES"].flatMap(Int.init), l > 0 { lines = l }
        return (columns ?? 80, lines ?? 24, pw, ph)
    }

    /// Sixel graphics only when asked for or known: `FCAST_SIXEL=1` (and `0` to refuse), a
    /// `TERM` that names sixel, or a terminal known to show them (foot, mlterm, WezTerm,
    /// contour). Anything else gets text.
    public static func supportsSixel(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if let flag = environment["FCAST_SIXEL"] { return ["1", "yes", "true", "on"].contains(flag.lowercased()) }
        let term = (environment["TERM"] ?? "").lowercased()
        if term.contains("sixel") || term.hasPrefix("foot") || term.hasPrefix("mlterm") || term.hasPrefix("contour") {
            return true
        }
        return environment["TERM_PROGRAM"] == "WezTerm"
    }

    /// The terminal for a plot shown on screen: sixel graphics where supported, else
    /// gnuplot's dumb terminal filling the window (one line left for the prompt).
    public static func terminal(environment: [String: String] = ProcessInfo.processInfo.environment,
                                fd: Int32 = 1) -> PlotTerminal {
        let s = size(environment: environment, fd: fd)
        if supportsSixel(environment: environment) {
            let width = min(1200, s.pixelWidth ?? 900)
            let height = min(700, s.pixelHeight.map { $0 * 2 / 3 } ?? 480)
            return .sixel(width: max(320, width), height: max(200, height))
        }
        return .dumb(columns: max(40, s.columns), lines: max(12, s.lines - 1))
    }

    /// gnuplot's dumb output made compact: no form feeds, no trailing blanks, no leading or
    /// doubled trailing empty lines.
    public static func tidy(_ text: String) -> String {
        var lines = text.replacingOccurrences(of: "\u{0C}", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> Substring in
                var l = line[...]
                while l.last == " " || l.last == "\r" { l = l.dropLast() }
                return l
            }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}
