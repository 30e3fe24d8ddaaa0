import FcastCore
import Foundation

/// Where a figure goes: an image file, or text / sixel graphics for the terminal.
public enum PlotTerminal: Sendable, Equatable {
    case png(width: Int, height: Int)
    case svg(width: Int, height: Int)
    /// gnuplot's dumb terminal: characters, `columns` x `lines`.
    case dumb(columns: Int, lines: Int)
    /// Sixel graphics, for terminals that show them.
    case sixel(width: Int, height: Int)

    /// Text output: bands are drawn as their bounds, colours are not used.
    public var isText: Bool { if case .dumb = self { true } else { false } }
    /// Writes to a file (`set output`) rather than to gnuplot's standard output.
    public var isFile: Bool {
        switch self {
        case .png, .svg: true
        case .dumb, .sixel: false
        }
    }
}

/// The file formats `plot(..., to:)` writes, chosen by the extension.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, svg

    /// The format of a path by its extension (case-insensitive); nil for any other extension.
    public static func of(path: String) -> ImageFormat? {
        let ext = (path as NSString).pathExtension.lowercased()
        return ImageFormat(rawValue: ext)
    }

    public func terminal(width: Int, height: Int) -> PlotTerminal {
        switch self {
        case .png: .png(width: width, height: height)
        case .svg: .svg(width: width, height: height)
        }
    }
}

/// A figure, the terminal to draw it on, and the file (for png and svg).
public struct PlotJob: Sendable {
    public var figure: Figure
    public var terminal: PlotTerminal
    public var path: String?

    public init(figure: Figure, terminal: PlotTerminal, path: String? = nil) {
        self.figure = figure
        self.terminal = terminal
        self.path = path
    }
}

/// Figure -> gnuplot commands. Pure: no process, no files; the data goes inline as
/// datablocks (`$d1 << EOD ... EOD`).
public enum GnuplotScript {
    /// The line gnuplot prints (to stderr) when a job is done, so the driver knows which
    /// files are complete when a later one fails.
    public static let doneMarker = "fcast-done "

    /// A whole batch: every job in order, each ending with `print "fcast-done <index>"`.
    public static func batch(_ jobs: [PlotJob]) -> String {
        var out = ""
        out.reserveCapacity(jobs.count * 8192)
        for (i, job) in jobs.enumerated() {
            out += script(job, index: i)
        }
        return out
    }

    /// The commands for one job.
    public static func script(_ job: PlotJob, index: Int = 0) -> String {
        var w = Writer(text: "", textMode: job.terminal.isText)
        let fig = job.figure
        w.line("# fcast figure \(index + 1)")
        w.line("reset")
        w.line(terminalCommand(job.terminal))
        if let path = job.path, job.terminal.isFile {
            w.line("set output \(quote(path))")
        }
        w.line("set encoding utf8")
        let (rows, columns) = fig.grid
        let multi = fig.charts.count > 1
        if multi {
            var m = "set multiplot layout \(rows),\(columns)"
            if let title = fig.title { m += " title \(quote(title)) font \(quote(",12"))" }
            w.line(m)
        }
        // Room along a chart's x axis, in characters, for the tic labels.
        let room: Int
        switch job.terminal {
        case .dumb(let width, _): room = width / columns - 12
        case .png(let width, _), .svg(let width, _), .sixel(let width, _): room = width / columns / 7 - 10
        }
        for (c, chart) in fig.charts.enumerated() {
            w.chart(chart, id: "\(c + 1)", single: !multi, figureTitle: multi ? nil : fig.title, room: max(10, room))
        }
        if multi { w.line("unset multiplot") }
        if job.terminal.isFile { w.line("unset output") }
        w.line("print \(quote(doneMarker + String(index)))")
        return w.text
    }

    static func terminalCommand(_ t: PlotTerminal) -> String {
        switch t {
        case .png(let width, let height):
            "set terminal pngcairo size \(width),\(height) noenhanced font 'Sans,10' background '#ffffff'"
        case .svg(let width, let height):
            "set terminal svg size \(width),\(height) noenhanced font 'Sans,10' background '#ffffff'"
        case .dumb(let columns, let lines):
            "set terminal dumb size \(columns),\(lines) noenhanced mono"
        case .sixel(let width, let height):
            "set terminal sixelgd size \(width),\(height) truecolor noenhanced font 'Sans,10'"
        }
    }

    /// A gnuplot single-quoted string: no escapes except '' for a quote; newlines become spaces.
    public static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "''").replacingOccurrences(of: "\n", with: " ") + "'"
    }

    /// A number as gnuplot reads it: shortest round-trip form; NaN and infinities as NaN
    /// (an undefined point: lines break there).
    @inline(__always)
    static func number(_ x: Double) -> String {
        if !x.isFinite { return "NaN" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return x.description
    }

    /// A style number (opacity, width): three significant digits.
    static func short(_ x: Double) -> String { String(format: "%.3g", x) }

    /// Tic format for a time axis spanning `seconds`.
    static func timeFormat(span seconds: Double) -> String {
        let day = 86_400.0
        if seconds >= 4 * 365 * day { return "%Y" }
        if seconds >= 100 * day { return "%b %Y" }
        if seconds >= 4 * day { return "%d %b" }
        return "%d %b %H:%M"
    }

    struct Writer {
        var text: String
        var textMode: Bool
        var blockCount = 0

        mutating func line(_ s: String) { text += s; text += "\n" }

        /// Defines a datablock with the given columns; returns its name.
        mutating func block(_ name: String, _ columns: [[Double]]) -> String {
            let n = "$\(name)"
            text += "\(n) << EOD\n"
            let rows = columns.first?.count ?? 0
            for r in 0..<rows {
                for (c, col) in columns.enumerated() {
                    if c > 0 { text += " " }
                    text += GnuplotScript.number(col[r])
                }
                text += "\n"
            }
            text += "EOD\n"
            return n
        }

        mutating func chart(_ chart: Chart, id: String, single: Bool, figureTitle: String?, room: Int) {
            // Settings a previous chart of the same multiplot may have left behind.
            line("unset arrow; unset label; unset logscale; unset xdata; unset key; set xtics; set ytics; unset xlabel; unset ylabel; set offsets 0, 0, 0, 0")
            line("set autoscale")
            let title = [figureTitle, chart.title].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
            line("set title \(GnuplotScript.quote(title))" + (textMode ? "" : " font ',11'"))
            if !textMode {
                line("set border 3 lc rgb '#606060'")
                line("set tics nomirror out scale 0.6 textcolor rgb '#303030'")
                line("set grid xtics ytics lc rgb '#e4e4e4' lw 1 dt 1")
                line("set style fill transparent solid 1.0 noborder")
            } else {
                line("set border 3")
                line("set tics nomirror")
                line("unset grid")
            }
            if chart.legend {
                line(textMode ? "set key below horizontal maxrows 1 samplen 3 width 2" :
                        "set key below center horizontal maxrows 1 Left reverse samplen 2 width 0 font ',9'")
            }
            if chart.logY { line("set logscale y") }
            if let y = chart.yLabel { line("set ylabel \(GnuplotScript.quote(y))") }

            // X axis.
            var xs: [Double] = []
            var largest = 0.0
            func note(_ ys: [Double]) { for y in ys where y.isFinite { largest = max(largest, abs(y)) } }
            for layer in chart.layers {
                switch layer {
                case .line(let l): xs += [l.x.min(), l.x.max()].compactMap { $0 }; note(l.y)
                case .band(let b): xs += [b.x.min(), b.x.max()].compactMap { $0 }; note(b.lo); note(b.hi)
                case .marker(let x, _): xs.append(x)
                default: break
                }
            }
            // Millions and more with a prefix (2.5M) rather than 2.5e+06.
            line(largest >= 1e6 && !chart.logY ? "set format y '%.1s%c'" : "set format y '% h'")
            switch chart.xAxis {
            case .time:
                let lo = xs.min() ?? 0, hi = xs.max() ?? 0
                // Dates on calendar boundaries (1 Jan, the 1st of a month, ...), as many as fit.
                let tics = TimeTics.tics(from: lo, to: hi, room: room)
                if tics.count >= 2 {
                    let list = tics.map { "\(GnuplotScript.quote($0.label)) \(GnuplotScript.number($0.position))" }
                    line("set xtics (\(list.joined(separator: ", ")))")
                } else {
                    line("set xdata time")
                    line("set timefmt '%s'")
                    line("set format x \(GnuplotScript.quote(GnuplotScript.timeFormat(span: hi - lo)))")
                }
                if hi > lo {
                    // A little room on the right, none wasted on the left.
                    line("set xrange [\(GnuplotScript.number(lo)):\(GnuplotScript.number(hi + (hi - lo) * 0.01))]")
                }
            case .numeric(let label):
                if let label { line("set xlabel \(GnuplotScript.quote(label))") }
            case .categories(let names):
                let tics = names.enumerated().map { "\(GnuplotScript.quote($0.element)) \($0.offset + 1)" }
                line("set xtics (\(tics.joined(separator: ", "))) scale 0" + (names.count > 5 && !textMode ? " rotate by -30 left" : ""))
                line("set xrange [0.4:\(Double(names.count) + 0.6)]")
                line(textMode ? "unset grid" : "unset grid; set grid ytics lc rgb '#e4e4e4'")
            }
            if let note = chart.note {
                line("set label \(GnuplotScript.quote(note)) at graph 0.99, graph 0.04 right"
                     + (textMode ? "" : " font ',8' textcolor rgb '#a00000'"))
            }

            // Data and plot clauses.
            var clauses: [String] = []
            var k = 0
            var bandColors = Set<Color>()
            // The dumb terminal draws line type n with its own character (*, #, $, %, @, &, =).
            var textType = 0
            func nextTextType() -> Int { textType += 1; return (textType - 1) % 7 + 1 }
            var bandKeys: [String] = []
            for layer in chart.layers {
                k += 1
                let name = "c\(id)_\(k)"
                switch layer {
                case .line(let l):
                    guard !l.x.isEmpty else { continue }
                    let b = block(name, [l.x, l.y])
                    var style = textMode ? "with lines lt \(nextTextType())" : (l.points ? "with linespoints pt 7 ps 0.35" : "with lines")
                    if !textMode {
                        style += " lw \(GnuplotScript.short(l.width)) lc rgb '\(l.color)'"
                        style += l.dash == .solid ? " dt 1" : l.dash == .dashed ? " dt (6,4)" : " dt (2,3)"
                    }
                    clauses.append("\(b) using 1:2 \(style) \(titleClause(l.label))")
                case .band(let band):
                    guard !band.x.isEmpty, !(textMode && bandColors.contains(band.color)) else { continue }
                    let b = block(name, [band.x, band.lo, band.hi])
                    if textMode {
                        // Characters cannot shade: the bounds of the widest interval only.
                        guard bandColors.insert(band.color).inserted else { continue }
                        let type = nextTextType()
                        clauses.append("\(b) using 1:2 with lines lt \(type) \(titleClause(band.label))")
                        clauses.append("\(b) using 1:3 with lines lt \(type) notitle")
                    } else {
                        let fill = "with filledcurves fs transparent solid \(GnuplotScript.short(band.opacity)) noborder lc rgb '\(band.color)'"
                        clauses.append("\(b) using 1:2:3 \(fill) notitle")
                        // Bands go in the legend after the lines, narrowest first.
                        if band.label != nil { bandKeys.insert("keyentry \(fill) \(titleClause(band.label))", at: 0) }
                    }
                case .marker(let x, let label):
                    line("set arrow from \(GnuplotScript.number(x)), graph 0 to \(GnuplotScript.number(x)), graph 1 nohead"
                         + (textMode ? "" : " dt (4,4) lw 1 lc rgb '\(Color.marker)' back"))
                    if let label {
                        line("set label \(GnuplotScript.quote(label)) at \(GnuplotScript.number(x)), graph 0.97 right offset -0.5,0"
                             + (textMode ? "" : " font ',8' textcolor rgb '\(Color.marker)'"))
                    }
                case .boxes(let box):
                    if !textMode {
                        line("set style boxplot outliers pointtype 7")
                        line("set style fill solid 0.45 border lc rgb '#404040'")
                        line("set boxwidth 0.5")
                        line("set pointsize 0.4")
                    }
                    for (i, sample) in box.samples.enumerated() {
                        let values = sample.filter { $0.isFinite && (!chart.logY || $0 > 0) }
                        guard !values.isEmpty else { continue }
                        let b = block("\(name)_\(i + 1)", [values])
                        let color = i < box.colors.count ? box.colors[i] : Color.model(i)
                        clauses.append("\(b) using (\(i + 1)):1 with boxplot"
                                       + (textMode ? "" : " lc rgb '\(color)'") + " notitle")
                    }
                case .bars(let bars):
                    let positions = bars.values.indices.map { Double($0 + 1) }
                    let colors = bars.values.indices.map { i -> Double in
                        let c = i < bars.colors.count ? bars.colors[i] : Color.model(i)
                        return Double(Int(c.hex.dropFirst(), radix: 16) ?? 0)
                    }
                    let b = block(name, [positions, bars.values, colors])
                    line("set yrange [0:*]")
                    line("set offsets 0, 0, graph 0.1, 0")
                    if textMode {
                        clauses.append("\(b) using 1:2 with boxes notitle")
                    } else {
                        line("set style fill solid 0.8 noborder")
                        line("set boxwidth 0.6")
                        clauses.append("\(b) using 1:2:3 with boxes lc rgb variable notitle")
                    }
                    clauses.append("\(b) using 1:2:(sprintf('%g', $2)) with labels offset 0,0.8 notitle")
                }
            }
            clauses += bandKeys
            if clauses.isEmpty {
                // Nothing to draw: an empty frame with the note, rather than a gnuplot error.
                line("set xrange [0:1]; set yrange [0:1]; unset xdata; unset xtics; unset ytics")
                clauses.append("NaN notitle")
            }
            line("plot " + clauses.joined(separator: ", \\\n     "))
        }

        func titleClause(_ label: String?) -> String {
            label.map { "title \(GnuplotScript.quote($0))" } ?? "notitle"
        }
    }
}
