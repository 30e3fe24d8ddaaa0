import Foundation

/// Columnar panel of many series: one contiguous values buffer with per-series offsets
/// (CSR-like, as statsforecast's GroupedArray). Series `i` occupies `offsets[i]..<offsets[i+1]`
/// of `ds` and `y`; `ds` is strictly increasing within each series; missing values are NaN.
public struct Panel: Sendable {
    /// Series ids, in order. Changing them resets the id index used by `index(of:)`.
    public var ids: [String] { didSet { idIndex = IDIndex() } }
    /// `count + 1` entries; `offsets[0] == 0`, `offsets[count] == totalPoints`.
    public var offsets: [Int]
    /// Timestamps (seconds since 1970 UTC), ascending within each series.
    public var ds: [Int64]
    public var y: [Double]
    public var frequency: Frequency
    /// How the input wrote its timestamps; used to write output the same way.
    public var timestampStyle: TimestampStyle
    /// Where the data came from (the file it was loaded from), for plans and stores; "" if
    /// made in memory. Subsets and splits keep it.
    public var name = ""
    /// Rows the loader left out (`on_error: "skip"`), reported by `describe()`. Subsets and
    /// splits keep it.
    public var refused = RefusedRows()
    /// Exogenous regressors kept by `load(..., regressors:)`: their names and, per name, a
    /// column aligned with `y` (same offsets). Subsets and splits carry them.
    public var regressorNames: [String] = []
    public var regressors: [[Double]] = []

    private var idIndex = IDIndex()

    public init(ids: [String], offsets: [Int], ds: [Int64], y: [Double],
                frequency: Frequency, timestampStyle: TimestampStyle = .date) {
        precondition(offsets.count == ids.count + 1, "Panel: offsets must have ids.count + 1 entries")
        precondition(ds.count == y.count, "Panel: ds and y must have the same length")
        precondition(offsets.first == 0 && offsets.last == ds.count, "Panel: offsets must span ds")
        self.ids = ids
        self.offsets = offsets
        self.ds = ds
        self.y = y
        self.frequency = frequency
        self.timestampStyle = timestampStyle
    }

    /// Builds a panel from separate series (convenient for tests and small data).
    public init(series: [(id: String, ds: [Int64], y: [Double])],
                frequency: Frequency, timestampStyle: TimestampStyle = .date) {
        var offsets = [0], ds = [Int64](), y = [Double]()
        for s in series {
            precondition(s.ds.count == s.y.count, "Panel: series '\(s.id)' has \(s.ds.count) timestamps and \(s.y.count) values")
            ds += s.ds; y += s.y
            offsets.append(ds.count)
        }
        self.init(ids: series.map(\.id), offsets: offsets, ds: ds, y: y,
                  frequency: frequency, timestampStyle: timestampStyle)
    }

    /// An empty panel.
    public static func empty(frequency: Frequency, timestampStyle: TimestampStyle = .date) -> Panel {
        Panel(ids: [], offsets: [0], ds: [], y: [], frequency: frequency, timestampStyle: timestampStyle)
    }

    // MARK: Access

    /// Number of series.
    public var count: Int { ids.count }
    public var totalPoints: Int { y.count }
    public func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }
    public func range(_ i: Int) -> Range<Int> { offsets[i]..<offsets[i + 1] }
    /// Values of series `i` (no copy).
    public func values(_ i: Int) -> ArraySlice<Double> { y[range(i)] }
    /// Timestamps of series `i` (no copy).
    public func times(_ i: Int) -> ArraySlice<Int64> { ds[range(i)] }
    /// Last timestamp of series `i`, nil when the series is empty.
    public func lastTime(_ i: Int) -> Int64? { length(i) > 0 ? ds[offsets[i + 1] - 1] : nil }

    /// Position of a series id, O(1) after the first call (the index is built once and shared
    /// between copies of the panel until `ids` changes).
    public func index(of id: String) -> Int? { idIndex.lookup(id, in: ids) }

    // MARK: Derived panels

    /// A panel with the given series, in the given order.
    public func subset(_ indices: [Int]) -> Panel {
        var total = 0
        for i in indices { total += length(i) }
        var newOffsets = [Int](); newOffsets.reserveCapacity(indices.count + 1); newOffsets.append(0)
        var newDs = [Int64](); newDs.reserveCapacity(total)
        var newY = [Double](); newY.reserveCapacity(total)
        for i in indices {
            newDs.append(contentsOf: ds[range(i)])
            newY.append(contentsOf: y[range(i)])
            newOffsets.append(newY.count)
        }
        var out = Panel(ids: indices.map { ids[$0] }, offsets: newOffsets, ds: newDs, y: newY,
                        frequency: frequency, timestampStyle: timestampStyle)
        out.name = name
        out.refused = refused
        out.regressorNames = regressorNames
        out.regressors = regressors.map { col in indices.flatMap { col[range($0)] } }
        return out
    }

    /// Per series, the first `length - n` points go to `train` and the last `n` to `test`.
    /// Every series must have more than `n` points (so training keeps at least one); otherwise the
    /// error names the offending series. `n == 0` gives an empty test panel with the same ids.
    public func split(last n: Int) throws -> (train: Panel, test: Panel) {
        try split(last: n, droppingLast: 0)
    }

    /// As `split(last:)` after setting aside the last `m` points of every series: `test` holds the
    /// `n` points before those, `train` everything earlier. Every series needs more than `n + m` points.
    public func split(last n: Int, droppingLast m: Int) throws -> (train: Panel, test: Panel) {
        guard n >= 0 else { throw FcastError("split: the number of held-out points must be 0 or more, not \(n)") }
        guard m >= 0 else { throw FcastError("split: the number of dropped points must be 0 or more, not \(m)") }
        let needed = n + m
        var short: [Int] = []
        for i in 0..<count where length(i) <= needed { short.append(i) }
        if !short.isEmpty {
            let first = short[0]
            var message = m == 0
                ? "cannot hold out the last \(n) points: series '\(ids[first])' has only \(length(first)) "
                : "cannot hold out \(n) points before the last \(m): series '\(ids[first])' has only \(length(first)) "
            message += "(each series needs at least \(needed + 1))"
            if short.count > 1 {
                let others = short.dropFirst().prefix(3).map { "'\(ids[$0])' (\(length($0)))" }
                message += "; \(short.count - 1) more series are too short, e.g. " + others.joined(separator: ", ")
            }
            throw FcastError(message)
        }
        var trainOffsets = [0], testOffsets = [0]
        trainOffsets.reserveCapacity(count + 1); testOffsets.reserveCapacity(count + 1)
        var trainDs = [Int64](), testDs = [Int64](), trainY = [Double](), testY = [Double]()
        let trainTotal = totalPoints - needed * count
        trainDs.reserveCapacity(trainTotal); trainY.reserveCapacity(trainTotal)
        testDs.reserveCapacity(n * count); testY.reserveCapacity(n * count)
        for i in 0..<count {
            let r = range(i), stop = r.upperBound - m, cut = stop - n
            trainDs.append(contentsOf: ds[r.lowerBound..<cut]); trainY.append(contentsOf: y[r.lowerBound..<cut])
            testDs.append(contentsOf: ds[cut..<stop]); testY.append(contentsOf: y[cut..<stop])
            trainOffsets.append(trainY.count); testOffsets.append(testY.count)
        }
        var train = Panel(ids: ids, offsets: trainOffsets, ds: trainDs, y: trainY,
                          frequency: frequency, timestampStyle: timestampStyle)
        var test = Panel(ids: ids, offsets: testOffsets, ds: testDs, y: testY,
                         frequency: frequency, timestampStyle: timestampStyle)
        train.idIndex = idIndex; test.idIndex = idIndex   // same ids: share the index
        train.name = name; test.name = name
        train.refused = refused; test.refused = refused   // describe() still says what the load left out
        if !regressors.isEmpty {
            train.regressorNames = regressorNames; test.regressorNames = regressorNames
            for col in regressors {
                var a = [Double](), b = [Double]()
                for i in 0..<count {
                    let r = range(i), stop = r.upperBound - m, cut = stop - n
                    a.append(contentsOf: col[r.lowerBound..<cut]); b.append(contentsOf: col[cut..<stop])
                }
                train.regressors.append(a); test.regressors.append(b)
            }
        }
        return (train, test)
    }

    /// Rolling-origin cross-validation windows, oldest first: window `w` (of `windows`) tests the
    /// `horizon` points that end `(windows - 1 - w) * step` points before each series' end and
    /// trains on everything before them. `step` defaults to `horizon` (adjacent test windows).
    /// The last window is `split(last: horizon)`.
    public func crossValidation(horizon: Int, windows: Int, step: Int? = nil) throws -> [(train: Panel, test: Panel)] {
        guard horizon >= 1 else { throw FcastError("cross-validation: the horizon must be at least 1, not \(horizon)") }
        guard windows >= 1 else { throw FcastError("cross-validation: the number of windows must be at least 1, not \(windows)") }
        let step = step ?? horizon
        guard step >= 1 else { throw FcastError("cross-validation: the step must be at least 1, not \(step)") }
        return try (0..<windows).map { w in try split(last: horizon, droppingLast: (windows - 1 - w) * step) }
    }

    // MARK: Checks

    /// Checks the structural invariants: offsets ascending, timestamps strictly increasing within
    /// each series, ids unique and non-empty. Throws an error naming the first problem.
    public func validate() throws {
        var seen = Set<String>(minimumCapacity: count)
        for i in 0..<count {
            guard offsets[i] <= offsets[i + 1] else { throw FcastError("panel offsets decrease at series '\(ids[i])'") }
            guard !ids[i].isEmpty else { throw FcastError("series \(i + 1) has an empty id") }
            guard seen.insert(ids[i]).inserted else { throw FcastError("series id '\(ids[i])' appears twice") }
            let r = range(i)
            if r.count > 1 {
                for j in (r.lowerBound + 1)..<r.upperBound where ds[j] <= ds[j - 1] {
                    throw FcastError("series '\(ids[i])': timestamps are not increasing at "
                        + "\(Timestamp.format(ds[j], style: timestampStyle)) (after \(Timestamp.format(ds[j - 1], style: timestampStyle)))")
                }
            }
        }
    }

    // MARK: Description

    public func describe() -> PanelDescription {
        var d = PanelDescription()
        d.seriesCount = count
        d.totalPoints = totalPoints
        d.frequency = frequency
        d.timestampStyle = timestampStyle
        d.refused = refused
        for (k, name) in regressorNames.enumerated() where k < regressors.count {
            d.regressors.append((name, regressors[k].reduce(0) { $0 + ($1.isNaN ? 1 : 0) }))
        }
        var lengths = [Int](); lengths.reserveCapacity(count)
        var cache = CivilCache()
        for i in 0..<count {
            let r = range(i)
            lengths.append(r.count)
            guard !r.isEmpty else { continue }
            let first = ds[r.lowerBound], last = ds[r.upperBound - 1]
            d.firstTime = Swift.min(d.firstTime ?? first, first)
            d.lastTime = Swift.max(d.lastTime ?? last, last)

            // Grid: every point a whole number of steps after the first, strictly increasing.
            let grid = GridPosition(frequency, origin: first)
            var regular = grid.originValid
            var previous = 0
            if regular {
                for j in (r.lowerBound + 1)..<r.upperBound {
                    guard let k = grid.index(of: ds[j], cache: &cache), k > previous else { regular = false; break }
                    if k > previous + 1 && d.firstGap == nil {
                        d.firstGap = .init(id: ids[i], before: ds[j - 1], after: ds[j], missing: k - previous - 1)
                    }
                    previous = k
                }
            }
            if !regular {
                d.irregularSeries += 1
                if d.irregularExamples.count < 3 { d.irregularExamples.append(ids[i]) }
            } else if previous + 1 > r.count {
                d.seriesWithGaps += 1
                d.missingPeriods += previous + 1 - r.count
                if d.gapExamples.count < 3 { d.gapExamples.append(ids[i]) }
            }

            // Missing values and constant series.
            var nans = 0, firstValue = Double.nan, constant = true
            for j in r {
                let v = y[j]
                if v.isNaN { nans += 1; continue }
                if firstValue.isNaN { firstValue = v } else if v != firstValue { constant = false }
            }
            if nans > 0 {
                d.nanCount += nans
                d.seriesWithNaN += 1
                if d.nanExamples.count < 3 { d.nanExamples.append(ids[i]) }
            }
            if nans == r.count {
                d.allMissingSeries += 1
            } else if constant {
                d.constantSeries += 1
                if d.constantExamples.count < 3 { d.constantExamples.append(ids[i]) }
            }
        }
        lengths.sort()
        if !lengths.isEmpty {
            func q(_ p: Double) -> Int { lengths[Int((Double(lengths.count - 1) * p).rounded())] }
            d.lengthMin = lengths[0]; d.lengthP25 = q(0.25); d.lengthMedian = q(0.5)
            d.lengthP75 = q(0.75); d.lengthMax = lengths[lengths.count - 1]
        }
        return d
    }
}

/// Summary of a panel, as printed by `describe`.
public struct PanelDescription: Sendable, CustomStringConvertible {
    public var seriesCount = 0
    public var totalPoints = 0
    public var frequency = Frequency.daily
    public var timestampStyle = TimestampStyle.date
    /// Earliest and latest timestamp over all series (nil when there are no points).
    public var firstTime: Int64? = nil
    public var lastTime: Int64? = nil
    /// Series length distribution (percentiles: the sorted lengths at the nearest index).
    public var lengthMin = 0, lengthP25 = 0, lengthMedian = 0, lengthP75 = 0, lengthMax = 0
    /// Series with missing periods on the frequency grid, and the total number of missing periods.
    public var seriesWithGaps = 0
    public var missingPeriods = 0
    public var gapExamples: [String] = []
    /// The first gap found (in series order): the series, the timestamps either side of it and
    /// how many periods are missing between them.
    public struct Gap: Sendable, Equatable {
        public var id: String
        public var before: Int64
        public var after: Int64
        public var missing: Int
    }
    public var firstGap: Gap? = nil
    /// Series whose timestamps are not on the frequency grid (or not increasing).
    public var irregularSeries = 0
    public var irregularExamples: [String] = []
    /// NaN (missing) values, and how many series have any.
    public var nanCount = 0
    public var seriesWithNaN = 0
    public var nanExamples: [String] = []
    /// Series whose non-missing values are all equal (including one-point series), and series with no values at all.
    public var constantSeries = 0
    public var constantExamples: [String] = []
    public var allMissingSeries = 0
    /// Rows the loader refused and left out.
    public var refused = RefusedRows()
    /// Regressor columns and their missing values.
    public var regressors: [(name: String, missing: Int)] = []

    public init() {}

    public var description: String {
        func plural(_ n: Int, _ word: String) -> String {
            "\(grouped(n)) \(word)\(n == 1 || word == "series" ? "" : "s")"
        }
        func examples(_ ids: [String], total: Int) -> String {
            ids.isEmpty ? "" : ", e.g. " + ids.joined(separator: ", ") + (total > ids.count ? ", ..." : "")
        }
        var lines: [String] = []
        lines.append("\(plural(seriesCount, "series")), "
                     + "\(plural(totalPoints, "point")), \(frequency)")
        func row(_ label: String, _ text: String) { lines.append(label.padding(toLength: 10, withPad: " ", startingAt: 0) + text) }
        if let first = firstTime, let last = lastTime {
            row(timestampStyle == .index ? "steps" : "dates", Timestamp.format(first, style: timestampStyle) + " .. " + Timestamp.format(last, style: timestampStyle))
        }
        if seriesCount > 0 {
            row("length", lengthMin == lengthMax
                ? "all \(grouped(lengthMin))"
                : "min \(grouped(lengthMin))  p25 \(grouped(lengthP25))  median \(grouped(lengthMedian))  "
                    + "p75 \(grouped(lengthP75))  max \(grouped(lengthMax))")
        }
        row("gaps", seriesWithGaps == 0 ? "none"
            : "\(plural(seriesWithGaps, "series")) with "
                + "\(plural(missingPeriods, "missing period"))\(examples(gapExamples, total: seriesWithGaps))")
        if let g = firstGap { row("", "first: " + gapText(g)) }
        if irregularSeries > 0 {
            row("irregular", "\(plural(irregularSeries, "series")) "
                + "off the \(frequency) grid\(examples(irregularExamples, total: irregularSeries))")
        }
        row("missing", nanCount == 0 ? "none"
            : "\(plural(nanCount, "value")) (NaN) in \(plural(seriesWithNaN, "series"))"
                + examples(nanExamples, total: seriesWithNaN)
                + (allMissingSeries > 0 ? "; \(grouped(allMissingSeries)) entirely missing" : ""))
        if let refusedText = refused.summary { row("refused", refusedText) }
        if !regressors.isEmpty {
            lines.append("regressors " + regressors.map { $0.missing == 0 ? $0.name : "\($0.name) (\(grouped($0.missing)) missing)" }
                .joined(separator: ", "))
        }
        row("constant", constantSeries == 0 ? "none"
            : plural(constantSeries, "series")
                + examples(constantExamples, total: constantSeries))
        return lines.joined(separator: "\n")
    }

    /// `'a': 1 period missing between 2001-01-01 and 2001-07-01`.
    public func gapText(_ g: Gap) -> String {
        "'\(g.id)': \(grouped(g.missing)) period\(g.missing == 1 ? "" : "s") missing between "
            + Timestamp.format(g.before, style: timestampStyle) + " and " + Timestamp.format(g.after, style: timestampStyle)
    }

    /// One line for `load()`: the gaps, or nil when there are none.
    public var gapNote: String? {
        guard seriesWithGaps > 0 else { return nil }
        var text = "\(grouped(seriesWithGaps)) series with \(grouped(missingPeriods)) missing period\(missingPeriods == 1 ? "" : "s") on the \(frequency) grid"
        if let g = firstGap { text += " (first: " + gapText(g) + ")" }
        return text
    }
}

/// `72192` -> `"72,192"`.
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}

/// Lazily built map from id to position, shared by copies of a panel (a cache: not part of the value).
final class IDIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var map: [String: Int]? = nil

    func lookup(_ id: String, in ids: [String]) -> Int? {
        lock.lock(); defer { lock.unlock() }
        if map == nil {
            var m = [String: Int](minimumCapacity: ids.count)
            for (i, s) in ids.enumerated() where m[s] == nil { m[s] = i }
            map = m
        }
        return map![id]
    }
}
