import FcastCore

/// What a figure is, independent of gnuplot: charts (one panel each, several as a grid)
/// made of layers (lines, shaded bands, points, box plots, bars). `GnuplotScript` turns a
/// figure into gnuplot commands; `Figures` builds figures from forecasts, data and scores.
public struct Figure: Sendable {
    /// Shown above the whole grid when there are several charts.
    public var title: String?
    public var charts: [Chart]
    /// Rows and columns of the grid; nil: chosen from the number of charts.
    public var layout: (rows: Int, columns: Int)?

    public init(title: String? = nil, charts: [Chart], layout: (rows: Int, columns: Int)? = nil) {
        self.title = title
        self.charts = charts
        self.layout = layout
    }

    /// The grid: up to 3 charts stacked (time series are wide), more in a near-square grid.
    public var grid: (rows: Int, columns: Int) {
        if let layout { return layout }
        let n = max(1, charts.count)
        if n <= 3 { return (n, 1) }
        let columns = Int(Double(n).squareRoot().rounded(.up))
        return ((n + columns - 1) / columns, columns)
    }
}

/// One panel: axes, a title and its layers, drawn in order (first at the back).
public struct Chart: Sendable {
    public var title: String
    public var xAxis: XAxis
    public var yLabel: String?
    public var layers: [Layer]
    /// Text drawn in the corner (e.g. "no forecast: series too short").
    public var note: String?
    /// A logarithmic y axis.
    public var logY = false
    /// Show the legend.
    public var legend = true

    public init(title: String, xAxis: XAxis, yLabel: String? = nil, layers: [Layer] = [], note: String? = nil,
                logY: Bool = false, legend: Bool = true) {
        self.title = title
        self.xAxis = xAxis
        self.yLabel = yLabel
        self.layers = layers
        self.note = note
        self.logY = logY
        self.legend = legend
    }
}

public enum XAxis: Sendable, Equatable {
    /// x values are timestamps (seconds since 1970); tic labels are dates chosen from the span.
    case time
    /// Plain numbers.
    case numeric(label: String?)
    /// One position per name (1, 2, ...), labelled with the name: box plots, bars.
    case categories([String])
}

/// An sRGB colour, `#rrggbb`.
public struct Color: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var hex: String
    public init(_ hex: String) { self.hex = hex }
    public var description: String { hex }

    /// Colour-blind-safe colours for models (Okabe and Ito), in order.
    public static let palette: [Color] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                          "#882255", "#999933"].map(Color.init)
    public static let history = Color("#404040")
    public static let actual = Color("#000000")
    public static let marker = Color("#808080")

    public static func model(_ i: Int) -> Color { palette[i % palette.count] }
}

public enum Dash: Sendable, Equatable {
    case solid, dashed, dotted
}

public enum Layer: Sendable {
    /// A line through (x, y); NaN breaks it. With `points`, a small dot at every point too.
    case line(Line)
    /// The region between `lo` and `hi`, shaded.
    case band(Band)
    /// A vertical line at x (the forecast origin), labelled at the top.
    case marker(x: Double, label: String?)
    /// One box plot per category (x = 1, 2, ...): quartiles, whiskers at 1.5 IQR, outliers.
    case boxes(BoxPlot)
    /// One bar per category (x = 1, 2, ...), labelled with its value.
    case bars(Bars)
}

public struct Line: Sendable {
    public var label: String?
    public var x: [Double]
    public var y: [Double]
    public var color: Color
    public var width: Double
    public var dash: Dash
    public var points: Bool

    public init(label: String?, x: [Double], y: [Double], color: Color, width: Double = 1.5, dash: Dash = .solid,
                points: Bool = false) {
        precondition(x.count == y.count, "Line: x and y differ in length")
        self.label = label
        self.x = x
        self.y = y
        self.color = color
        self.width = width
        self.dash = dash
        self.points = points
    }
}

public struct Band: Sendable {
    public var label: String?
    public var x: [Double]
    public var lo: [Double]
    public var hi: [Double]
    public var color: Color
    /// 0 (invisible) ... 1 (solid).
    public var opacity: Double

    public init(label: String?, x: [Double], lo: [Double], hi: [Double], color: Color, opacity: Double) {
        precondition(x.count == lo.count && x.count == hi.count, "Band: x, lo and hi differ in length")
        self.label = label
        self.x = x
        self.lo = lo
        self.hi = hi
        self.color = color
        self.opacity = opacity
    }
}

public struct BoxPlot: Sendable {
    /// Per category, its sample (NaN values are left out).
    public var samples: [[Double]]
    public var colors: [Color]

    public init(samples: [[Double]], colors: [Color]) {
        self.samples = samples
        self.colors = colors
    }
}

public struct Bars: Sendable {
    public var values: [Double]
    public var colors: [Color]

    public init(values: [Double], colors: [Color]) {
        self.values = values
        self.colors = colors
    }
}
