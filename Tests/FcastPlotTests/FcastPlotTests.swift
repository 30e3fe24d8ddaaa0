import FcastCore
import FcastTestSupport
import Foundation
import XCTest

@testable import FcastExec
@testable import FcastPlot

/// Figure -> script (pure), the gnuplot driver, files and terminal output.
final class FcastPlotTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = TestSupport.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func gnuplot() throws -> Gnuplot {
        do { return try Gnuplot.locate() } catch {
            throw XCTSkip("gnuplot is not installed: \(error)")
        }
    }

    static let t0 = Timestamp.parse("2020-01-01")!.0

    /// Monthly timestamps from 2020-01.
    static func months(_ n: Int, from start: Int = 0) -> [Double] {
        (start..<(start + n)).map { Double(Frequency.monthly.advance(t0, by: $0)) }
    }

    /// A forecast-like chart: history, a band, a mean line and an origin marker.
    static func forecastChart(title: String = "A — snaive[12]") -> Chart {
        let hx = months(36), fx = months(12, from: 36)
        let hy = (0..<36).map { 100 + Double($0) + 10 * sin(Double($0) / 2) }
        let mean = (0..<12).map { 136 + 10 * sin(Double($0 + 36) / 2) }
        return Chart(title: title, xAxis: .time, layers: [
            .line(Line(label: "history", x: hx, y: hy, color: Color.history)),
            .band(Band(label: "95%", x: fx, lo: mean.map { $0 - 20 }, hi: mean.map { $0 + 20 }, color: Color.model(0), opacity: 0.18)),
            .band(Band(label: "80%", x: fx, lo: mean.map { $0 - 10 }, hi: mean.map { $0 + 10 }, color: Color.model(0), opacity: 0.34)),
            .line(Line(label: "forecast", x: fx, y: mean, color: Color.model(0), width: 2)),
            .marker(x: hx.last!, label: "origin"),
        ])
    }

    // MARK: Script generation

    func testScriptForAForecastChart() {
        let job = PlotJob(figure: Figure(charts: [Self.forecastChart()]), terminal: .png(width: 800, height: 400),
                          path: "/tmp/x's.png")
        let s = GnuplotScript.script(job)
        XCTAssertTrue(s.contains("set terminal pngcairo size 800,400"), s)
        XCTAssertTrue(s.contains("set output '/tmp/x''s.png'"), "quotes are doubled:\n\(s)")
        // Dates on 1 January: 2020 ... 2023 (the axis spans 2020-01 to 2023-12).
        let jan2021 = Int64(Self.months(1, from: 12)[0])
        XCTAssertTrue(s.contains("set xtics ('2020' \(Int64(Self.t0)), '2021' \(jan2021), '2022' "), s)
        XCTAssertTrue(s.contains("set title 'A — snaive[12]'"))
        XCTAssertTrue(s.contains("with filledcurves fs transparent solid 0.18 noborder lc rgb '#0072B2' notitle"), s)
        XCTAssertTrue(s.contains("keyentry with filledcurves fs transparent solid 0.34"), s)
        XCTAssertTrue(s.contains("title 'history'") && s.contains("title 'forecast'"))
        // Narrow band listed first in the legend, after the lines.
        let k80 = s.range(of: "title '80%'")!, k95 = s.range(of: "title '95%'")!, kf = s.range(of: "title 'forecast'")!
        XCTAssertTrue(kf.lowerBound < k80.lowerBound && k80.lowerBound < k95.lowerBound)
        // The origin: a dashed vertical line at the last history timestamp (2022-12-01).
        let origin = Int64(Self.months(36).last!)
        XCTAssertTrue(s.contains("set arrow from \(origin), graph 0 to \(origin), graph 1 nohead"), s)
        // Inline data: timestamps as epoch seconds.
        XCTAssertTrue(s.contains("$c1_1 << EOD\n\(Int64(Self.t0)) "), s)
        XCTAssertTrue(s.hasSuffix("unset output\nprint 'fcast-done 0'\n"), s)
        XCTAssertFalse(s.contains("multiplot"))
    }

    func testSeveralChartsMakeAMultiplotGrid() {
        let fig = Figure(title: "four", charts: (0..<4).map { Self.forecastChart(title: "S\($0)") })
        XCTAssertTrue(fig.grid == (2, 2))
        XCTAssertTrue(Figure(charts: [Self.forecastChart(), Self.forecastChart()]).grid == (2, 1))
        XCTAssertTrue(Figure(charts: (0..<7).map { _ in Self.forecastChart() }).grid == (3, 3))
        let s = GnuplotScript.script(PlotJob(figure: fig, terminal: .svg(width: 1200, height: 700), path: "/tmp/g.svg"))
        XCTAssertTrue(s.contains("set multiplot layout 2,2 title 'four'"), s)
        XCTAssertTrue(s.contains("set terminal svg size 1200,700"))
        XCTAssertTrue(s.contains("unset multiplot\nunset output"))
        for i in 1...4 { XCTAssertTrue(s.contains("$c\(i)_1 << EOD"), "chart \(i) has its own data") }
    }

    func testTextTerminalDrawsBoundsInsteadOfShading() {
        let s = GnuplotScript.script(PlotJob(figure: Figure(charts: [Self.forecastChart()]), terminal: .dumb(columns: 100, lines: 30)))
        XCTAssertTrue(s.contains("set terminal dumb size 100,30"))
        XCTAssertFalse(s.contains("filledcurves"))
        XCTAssertFalse(s.contains("set output"))
        // Only the widest band's bounds: two lines for the 95% band, nothing for the 80% one.
        XCTAssertTrue(s.contains("using 1:2 with lines lt 2 title '95%'") && s.contains("using 1:3 with lines lt 2 notitle"), s)
        XCTAssertFalse(s.contains("'80%'"), s)
    }

    func testTimeTicsOnCalendarBoundaries() {
        func t(_ s: String) -> Double { Double(Timestamp.parse(s)!.0) }
        // 2012-10 .. 2019-09 in 120 characters: every year, labelled by the year.
        let years = TimeTics.tics(from: t("2012-10-01"), to: t("2019-09-01"), room: 120)
        XCTAssertEqual(years.map(\.label), ["2013", "2014", "2015", "2016", "2017", "2018", "2019"])
        XCTAssertEqual(years[0].position, t("2013-01-01"))
        // Less room: every other year, still on 1 January of even years.
        XCTAssertEqual(TimeTics.tics(from: t("2012-10-01"), to: t("2019-09-01"), room: 40).map(\.label),
                       ["2014", "2016", "2018"])
        // A year of data: months.
        let months = TimeTics.tics(from: t("2020-01-15"), to: t("2020-12-31"), room: 60)
        XCTAssertEqual(months.map(\.label), ["Apr 2020", "Jul 2020", "Oct 2020"])
        XCTAssertTrue(months.allSatisfy { $0.label.hasSuffix("2020") })
        // Two weeks of daily data: every other day; a day of hourly data: hours.
        XCTAssertEqual(TimeTics.tics(from: t("2020-03-01"), to: t("2020-03-14"), room: 80).map(\.label),
                       ["1 Mar", "3 Mar", "5 Mar", "7 Mar", "9 Mar", "11 Mar", "13 Mar"])
        XCTAssertEqual(TimeTics.tics(from: t("2020-03-01"), to: t("2020-03-01 18:00"), room: 60).first?.label, "00:00")
        XCTAssertTrue(TimeTics.tics(from: 5, to: 5, room: 60).isEmpty)
    }

    func testNumbersAndTimeFormats() {
        XCTAssertEqual(GnuplotScript.number(12), "12")
        XCTAssertEqual(GnuplotScript.number(0.5), "0.5")
        XCTAssertEqual(GnuplotScript.number(.nan), "NaN")
        XCTAssertEqual(GnuplotScript.number(.infinity), "NaN")
        XCTAssertEqual(GnuplotScript.timeFormat(span: 86_400 * 365 * 10), "%Y")
        XCTAssertEqual(GnuplotScript.timeFormat(span: 86_400 * 200), "%b %Y")
        XCTAssertEqual(GnuplotScript.timeFormat(span: 86_400 * 20), "%d %b")
        XCTAssertEqual(GnuplotScript.timeFormat(span: 3600 * 12), "%d %b %H:%M")
        XCTAssertEqual(GnuplotScript.quote("it's\nhere"), "'it''s here'")
        XCTAssertEqual(ImageFormat.of(path: "a/b.PNG"), .png)
        XCTAssertEqual(ImageFormat.of(path: "a/b.svg"), .svg)
        XCTAssertNil(ImageFormat.of(path: "a/b.jpg"))
    }

    // MARK: Figures from data and scores

    func testRawSeriesAndScoreFigures() {
        let ds = Self.months(24).map { Int64($0) }
        let panel = Panel(series: [("a", ds, (0..<24).map(Double.init)), ("b", ds, [Double](repeating: .nan, count: 24))],
                          frequency: .monthly)
        let fig = Figures.series(panel, series: [0, 1], last: 12)
        XCTAssertEqual(fig.charts.map(\.title), ["a", "b"])
        guard case .line(let l) = fig.charts[0].layers[0] else { return XCTFail() }
        XCTAssertEqual(l.y, (12..<24).map(Double.init))
        XCTAssertEqual(fig.charts[1].note, "no values")

        var rows: [ScoreTable.Row] = []
        for i in 0..<20 {
            let small: Double = Double(i % 5) + 0.5, large: Double = 100 * Double(i % 5 + 1)
            rows.append(ScoreTable.Row(id: "s\(i)", model: "naive", values: [1, 1, 1, small]))
            rows.append(ScoreTable.Row(id: "s\(i)", model: "mean", values: [1, 1, 1, large]))
        }
        let table = ScoreTable(metrics: ["mae", "rmse", "smape", "mase"], rows: rows, models: ["naive", "mean"],
                               failedTasks: [:], modelSeconds: [:], season: 12)
        let box = Figures.scores(table, metric: "mase")
        XCTAssertTrue(box.charts[0].logY, "values spread over orders of magnitude get a log axis")
        XCTAssertEqual(box.charts[0].xAxis, XAxis.categories(["naive", "mean"]))
        let script = GnuplotScript.script(PlotJob(figure: box, terminal: .png(width: 600, height: 400), path: "/tmp/b.png"))
        XCTAssertTrue(script.contains("using (1):1 with boxplot") && script.contains("using (2):1 with boxplot"), script)
        XCTAssertTrue(script.contains("set xtics ('naive' 1, 'mean' 2)"), script)
        XCTAssertTrue(script.contains("set logscale y"))

        let best = ["mean", "mean", "naive"].enumerated().map {
            Evaluation.BestRow(id: "s\($0.offset)", model: $0.element, score: 1, metric: "mase")
        }
        let wins = Figures.wins(best, models: ["naive", "mean"], metric: "mase")
        guard case .bars(let bars) = wins.charts[0].layers[0] else { return XCTFail() }
        XCTAssertEqual(bars.values, [1, 2])
        XCTAssertTrue(wins.charts[0].title.contains("of 3"))
    }

    // MARK: Rendering

    func testRendersPNGAndSVGFiles() throws {
        let gp = try gnuplot()
        let png = dir.appendingPathComponent("sub/folder/one.png").path
        let svg = dir.appendingPathComponent("grid.svg").path
        let jobs = [
            PlotJob(figure: Figure(charts: [Self.forecastChart()]), terminal: .png(width: 640, height: 360), path: png),
            PlotJob(figure: Figure(title: "grid", charts: [Self.forecastChart(), Self.forecastChart(title: "B")]),
                    terminal: .svg(width: 800, height: 600), path: svg),
        ]
        let out = try Plotter.render(jobs, gnuplot: gp)
        XCTAssertTrue(out.isEmpty)

        let pngData = try Data(contentsOf: URL(fileURLWithPath: png))
        XCTAssertEqual(Array(pngData.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        // IHDR: width and height, big-endian, at bytes 16..<24.
        let w = pngData[16..<20].reduce(0) { $0 << 8 | Int($1) }, h = pngData[20..<24].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(w, 640)
        XCTAssertEqual(h, 360)
        XCTAssertGreaterThan(pngData.count, 5_000, "a real picture, not an empty frame")

        let svgText = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(svgText.hasPrefix("<?xml"), String(svgText.prefix(100)))
        XCTAssertTrue(svgText.contains("<svg") && svgText.contains("width=\"800\"") && svgText.contains("height=\"600\""))
        XCTAssertTrue(svgText.contains(">grid<") && svgText.contains(">B<"), "titles are in the SVG")
        XCTAssertTrue(svgText.contains("2022"), "the date axis is labelled")
        XCTAssertTrue(svgText.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"))
    }

    func testDumbTerminalText() throws {
        let gp = try gnuplot()
        let out = try Plotter.render([PlotJob(figure: Figure(charts: [Self.forecastChart(title: "SERIES-A")]),
                                              terminal: .dumb(columns: 90, lines: 25))], gnuplot: gp)
        let text = TerminalScreen.tidy(String(decoding: out, as: UTF8.self))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(text.contains("SERIES-A"), text)
        XCTAssertTrue(text.contains("history") && text.contains("forecast") && text.contains("95%"), text)
        XCTAssertTrue(text.contains("2021") && text.contains("2022"), "dates on the x axis:\n\(text)")
        XCTAssertTrue(lines.allSatisfy { $0.count <= 90 }, "fits 90 columns")
        XCTAssertGreaterThanOrEqual(lines.count, 20)
        XCTAssertLessThanOrEqual(lines.count, 26)
    }

    func testSixelGraphics() throws {
        let gp = try gnuplot()
        let job = PlotJob(figure: Figure(charts: [Self.forecastChart()]), terminal: .sixel(width: 400, height: 300))
        XCTAssertTrue(GnuplotScript.script(job).contains("set terminal sixelgd size 400,300 truecolor"))
        let out = try Plotter.render([job], gnuplot: gp)
        XCTAssertEqual(Array(out.prefix(3)), [0x1B, 0x50, 0x71], "a sixel image starts with ESC P q")
        XCTAssertGreaterThan(out.count, 5_000)
    }

    func testManyFilesAcrossProcesses() throws {
        let gp = try gnuplot()
        let jobs = (0..<40).map { i in
            PlotJob(figure: Figure(charts: [Self.forecastChart(title: "S\(i)")]), terminal: .png(width: 300, height: 200),
                    path: dir.appendingPathComponent("many/s\(i).png").path)
        }
        _ = try Plotter.render(jobs, gnuplot: gp, processes: 2)
        for i in 0..<40 {
            let d = try Data(contentsOf: dir.appendingPathComponent("many/s\(i).png"))
            XCTAssertEqual(Array(d.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "s\(i).png")
        }
    }

    // MARK: Failures

    func testMissingGnuplotSaysHowToInstallIt() {
        XCTAssertThrowsError(try Gnuplot.locate(environment: ["PATH": dir.path, "FCAST_GNUPLOT": ""])) { error in
            let e = error as! PlotError
            XCTAssertTrue(e.description.contains("apt-get install gnuplot-nox"), e.description)
        }
        XCTAssertThrowsError(try Gnuplot.locate(environment: ["FCAST_GNUPLOT": "/nonexistent/gnuplot"])) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/gnuplot"), "\(error)")
        }
    }

    func testGnuplotErrorIsShownAndTheProcessReaped() throws {
        let gp = try gnuplot()
        XCTAssertThrowsError(try gp.run("set terminal dumb\nplot $nothing using 1:2\n")) { error in
            let e = error as! PlotError
            XCTAssertTrue(e.message.hasPrefix("gnuplot failed while drawing figure 1"), e.message)
            XCTAssertTrue(e.description.lowercased().contains("nothing") || e.description.contains("undefined"), e.description)
        }
        XCTAssertThrowsError(try gp.run("set terminal dumb\nsett output\n")) { error in
            XCTAssertTrue((error as! PlotError).message.contains("invalid command"), "\(error)")
        }
        // Every gnuplot we started has been waited for: no zombie children left.
        let children = try String(contentsOfFile: "/proc/self/task/\(getpid())/children", encoding: .utf8)
        for pid in children.split(separator: " ") {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            XCTAssertFalse(stat.contains(") Z "), "zombie child \(pid): \(stat)")
        }
    }

    func testUnwritablePathIsNamed() throws {
        let gp = try gnuplot()
        let blocker = dir.appendingPathComponent("file")
        try "x".write(to: blocker, atomically: true, encoding: .utf8)
        let job = PlotJob(figure: Figure(charts: [Self.forecastChart()]), terminal: .png(width: 300, height: 200),
                          path: blocker.path + "/plot.png")
        XCTAssertThrowsError(try Plotter.render([job], gnuplot: gp)) { error in
            XCTAssertTrue("\(error)".contains(blocker.path), "\(error)")
        }
        if getuid() != 0 {
            let locked = dir.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
            chmod(locked.path, 0o500)
            defer { chmod(locked.path, 0o700) }
            let job2 = PlotJob(figure: Figure(charts: [Self.forecastChart()]), terminal: .png(width: 300, height: 200),
                               path: locked.path + "/plot.png")
            XCTAssertThrowsError(try Plotter.render([job2], gnuplot: gp)) { error in
                XCTAssertTrue("\(error)".contains("Permission denied"), "\(error)")
            }
        }
    }

    // MARK: Terminal

    func testTerminalChoice() {
        let dumb = TerminalScreen.terminal(environment: ["COLUMNS": "120", "LINES": "40", "TERM": "xterm-256color"], fd: -1)
        XCTAssertEqual(dumb, .dumb(columns: 120, lines: 39))
        XCTAssertEqual(TerminalScreen.terminal(environment: [:], fd: -1), .dumb(columns: 80, lines: 23))
        XCTAssertFalse(TerminalScreen.supportsSixel(environment: ["TERM": "xterm-256color"]))
        XCTAssertTrue(TerminalScreen.supportsSixel(environment: ["TERM": "xterm-sixel"]))
        XCTAssertTrue(TerminalScreen.supportsSixel(environment: ["TERM": "foot"]))
        XCTAssertTrue(TerminalScreen.supportsSixel(environment: ["FCAST_SIXEL": "1", "TERM": "dumb"]))
        XCTAssertFalse(TerminalScreen.supportsSixel(environment: ["FCAST_SIXEL": "0", "TERM": "foot"]))
        if case .sixel = TerminalScreen.terminal(environment: ["FCAST_SIXEL": "1"], fd: -1) {} else { XCTFail("sixel expected") }
    }
}
