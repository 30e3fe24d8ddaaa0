// One gradient-boosted tree model across many series (the mlforecast / M5 approach):
// every point of every series is a training row of lag features, so series of all sizes
// share one model through a per-series normalisation.
//
// Target transforms (as mlforecast's LocalStandardScaler-like scaling and Differences):
//   z = y / scale, scale = the series' mean absolute change over one season of its training
//     part (the in-sample seasonal naive MAE, MASE's denominator, so the squared loss weighs
//     series as MASE does); mean |y| when that is 0; 1 when both are
//   w = the differences of z, applied in order (default [1, season]: w[t] = (z[t] - z[t-s])
//     - (z[t-1] - z[t-1-s])); trees cannot extrapolate a level, so the model learns the change
// Features of the row whose target is w[t]:
//   w[t-k]                      for every lag k
//   mean(w[t-v..<t]), sd(...)   rolling mean and standard deviation over each window v
//   month, day of week          from the timestamps, where the frequency has them
//   series index                optional (series_id)
//   x_j[t]                      each exogenous regressor at the target's time (its value
//                               over the forecast comes from the future regressors)
// Multi-step forecasts are recursive: each forecast w becomes the next step's lag, and z is
// rebuilt by undoing the differences.
//
// Intervals: split conformal prediction (Vovk et al. 2005; the multi-step form of
// Stankeviciute et al. 2021): a second booster is fitted without the last C points of
// every series, forecasts them recursively, and the normalised absolute errors per step
// give, for level L, the ceil((m+1)L/100)-th smallest of m errors as the half-width at that
// step (times the series' scale). Steps past C use step C's errors.
import Foundation

/// What the features are.
public struct FeatureSpec: Sendable, Equatable {
    public var lags: [Int]
    public var windows: [Int]
    public var differences: [Int]
    /// The season of the scale (the seasonal naive's lag).
    public var season: Int
    public var month: Bool
    public var weekday: Bool
    public var seriesID: Bool
    /// Exogenous regressors: one feature each, its value at the target's time.
    public var regressors: Int

    public init(lags: [Int], windows: [Int], differences: [Int], season: Int, month: Bool, weekday: Bool,
                seriesID: Bool, regressors: Int = 0) {
        self.regressors = regressors
        self.lags = lags.sorted()
        self.windows = windows.sorted()
        self.differences = differences
        self.season = max(1, season)
        self.month = month
        self.weekday = weekday
        self.seriesID = seriesID
    }

    /// The default lags for a season: 1...season and the season's multiple 2*season
    /// (lag 1, 2 for no season).
    public static func defaultLags(season: Int) -> [Int] {
        season <= 1 ? [1, 2] : Array(1...season) + [2 * season]
    }

    /// The default differences: the change from the last step of the change from a season
    /// before, [1, season] (mlforecast's Differences([1, 12]) for monthly data); [1] without
    /// a season. On employment (validation window before the hold-out) this scored best.
    public static func defaultDifferences(season: Int) -> [Int] {
        season > 1 ? [1, season] : [1]
    }

    /// The default rolling windows: the season (2 for no season).
    public static func defaultWindows(season: Int) -> [Int] {
        [max(2, season)]
    }

    /// The points lost to the differences.
    var differenced: Int { differences.reduce(0, +) }
    /// The points before the first row: the differences, then every lag and window.
    public var warmup: Int { differenced + max(lags.last ?? 1, windows.last ?? 0) }
    var columns: Int { lags.count + 2 * windows.count + (month ? 1 : 0) + (weekday ? 1 : 0) + (seriesID ? 1 : 0) + regressors }

    /// The scale of a series' values `y`: the mean |y[t] - y[t-season]| (lag 1 for a
    /// series shorter than a season and one); mean |y| when that is 0; 1 when both are.
    public func scale(of y: some Collection<Double>) -> Double {
        let v = Array(y)
        let lag = v.count > season ? season : 1
        var s = 0.0, n = 0
        if v.count > lag {
            for t in lag..<v.count where v[t].isFinite && v[t - lag].isFinite { s += abs(v[t] - v[t - lag]); n += 1 }
        }
        if n > 0, s > 0, (s / Double(n)).isFinite { return s / Double(n) }
        s = 0; n = 0
        for x in v where x.isFinite { s += abs(x); n += 1 }
        let m = n > 0 ? s / Double(n) : 0
        return m > 0 && m.isFinite ? m : 1
    }

    /// The successive differences of z: levels[0] = z, levels[i+1] = levels[i] differenced by
    /// differences[i] (NaN where undefined). The last is the target w.
    public func levels(of z: [Double]) -> [[Double]] {
        var out = [z]
        for d in differences {
            let prev = out.last!
            var next = [Double](repeating: .nan, count: prev.count)
            if prev.count > d { for t in d..<prev.count { next[t] = prev[t] - prev[t - d] } }
            out.append(next)
        }
        return out
    }

    /// Appends the value whose last difference is `w` to every level (undoing the differences).
    public func append(_ w: Double, to levels: inout [[Double]]) {
        var value = w
        levels[levels.count - 1].append(value)
        for i in stride(from: differences.count - 1, through: 0, by: -1) {
            let t = levels[i].count
            value += levels[i][t - differences[i]]
            levels[i].append(value)
        }
    }
}

/// A series as the model reads it.
public struct SeriesData: Sendable {
    public var id: String
    public var y: [Double]
    public var ds: [Int64]
    /// Exogenous regressors, one column each, aligned with y (and past it: the future
    /// values a forecast reads).
    public var x: [[Double]]
    public init(id: String, y: [Double], ds: [Int64], x: [[Double]] = []) {
        self.id = id
        self.y = y
        self.ds = ds
        self.x = x
    }
}

/// Month (1...12) and day of week (0 = Sunday) of a UTC timestamp, by the civil-from-days
/// algorithm (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
public func calendarOf(_ seconds: Int64) -> (month: Int, weekday: Int) {
    let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    let weekday = ((days % 7) + 11) % 7   // 1970-01-01 was a Thursday (4)
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let month = mp < 10 ? mp + 3 : mp - 9
    return (month, weekday)
}

extension FeatureSpec {
    /// Writes the features of the row whose target is w[t] into `row` (columns wide).
    func features(w: [Double], t: Int, timestamp: Int64?, seriesIndex: Int?, x: [[Double]] = [], into row: inout [Float]) {
        var c = 0
        for k in lags {
            row[c] = Float(w[t - k]); c += 1
        }
        for v in windows {
            var s = 0.0, ss = 0.0, n = 0.0
            for i in (t - v)..<t where w[i].isFinite {
                s += w[i]; ss += w[i] * w[i]; n += 1
            }
            let mean = n > 0 ? s / n : .nan
            row[c] = Float(mean); c += 1
            row[c] = n > 1 ? Float(max(0, (ss - n * mean * mean) / (n - 1)).squareRoot()) : .nan; c += 1
        }
        let cal = timestamp.map(calendarOf)
        if month { row[c] = cal.map { Float($0.month) } ?? .nan; c += 1 }
        if weekday { row[c] = cal.map { Float($0.weekday) } ?? .nan; c += 1 }
        if seriesID { row[c] = seriesIndex.map { Float($0) } ?? .nan; c += 1 }
        for j in 0..<regressors {
            row[c] = j < x.count && t < x[j].count ? Float(x[j][t]) : .nan; c += 1
        }
    }

    /// Every training row of the series: targets w[t] for t in warmup..<end.
    func rows(of series: SeriesData, end: Int, scale: Double, seriesIndex: Int,
              values: inout [Float], labels: inout [Float]) {
        guard end > warmup else { return }
        let w = levels(of: series.y[..<end].map { $0 / scale }).last!
        var row = [Float](repeating: .nan, count: columns)
        for t in warmup..<end where w[t].isFinite {
            features(w: w, t: t, timestamp: series.ds.isEmpty ? nil : series.ds[t], seriesIndex: seriesIndex, x: series.x, into: &row)
            values.append(contentsOf: row)
            labels.append(Float(w[t]))
        }
    }
}

public enum GlobalModelError: Error, CustomStringConvertible, Sendable {
    case notEnoughData(String), badData(String), cancelled
    public var description: String {
        switch self {
        case .notEnoughData(let m), .badData(let m): m
        case .cancelled: "cancelled"
        }
    }
}

/// A booster being trained on the rows of many series; boosting can go on round by round.
public final class GlobalTrainer: @unchecked Sendable {
    public let spec: FeatureSpec
    public let parameters: BoostParameters
    let train: DMatrix
    public let booster: Booster
    /// The series' ids, in the order of their series index.
    public let ids: [String]

    /// The rows of every series, each cut at `end(series)` points; series too short for
    /// one row add none. Throws when no series has a row.
    public init(series: [SeriesData], spec: FeatureSpec, parameters: BoostParameters,
                end: (SeriesData) -> Int = { $0.y.count }) throws {
        self.spec = spec
        self.parameters = parameters
        var values: [Float] = [], labels: [Float] = []
        for (i, s) in series.enumerated() {
            let e = end(s)
            guard e > spec.warmup else { continue }
            let scale = spec.scale(of: s.y[..<e])
            spec.rows(of: s, end: e, scale: scale, seriesIndex: i, values: &values, labels: &labels)
        }
        guard !labels.isEmpty else {
            let longest = series.map { $0.y.count }.max() ?? 0
            throw GlobalModelError.notEnoughData("global_xgb needs series longer than \(spec.warmup) points (its differences, largest lag or window) to learn from; the longest has \(longest)")
        }
        train = try DMatrix(values: values, rows: labels.count, cols: spec.columns, labels: labels, threads: parameters.nthread)
        booster = try Booster(parameters: parameters, train: train)
        ids = series.map(\.id)
    }

    public var trainingRows: Int { train.rows }

    public func boost(to rounds: Int, cancelled: () -> Bool = { false }) throws {
        do { try booster.boost(to: rounds, on: train, cancelled: cancelled) } catch is CancellationError {
            throw GlobalModelError.cancelled
        }
    }
}

/// A fitted global model: the booster, what its features are and the conformal errors.
public final class GlobalModel: @unchecked Sendable {
    public let spec: FeatureSpec
    public let booster: Booster
    /// Series index by id (for the series_id feature).
    let index: [String: Int]
    public let ids: [String]
    /// calibration[step]: the sorted normalised absolute errors of the held-out window.
    public let calibration: [[Double]]

    public init(spec: FeatureSpec, booster: Booster, ids: [String], calibration: [[Double]]) {
        self.spec = spec
        self.booster = booster
        self.ids = ids
        var index: [String: Int] = [:]
        for (i, id) in ids.enumerated() { index[id] = i }
        self.index = index
        self.calibration = calibration
    }

    /// Fits the model (and, with `calibrationSteps` > 0, the conformal errors) to `series`.
    public static func fit(series: [SeriesData], spec: FeatureSpec, parameters: BoostParameters, rounds: Int,
                           calibrationSteps: Int, cancelled: () -> Bool = { false }) throws -> GlobalModel {
        let trainer = try GlobalTrainer(series: series, spec: spec, parameters: parameters)
        try trainer.boost(to: rounds, cancelled: cancelled)
        var calibration: [[Double]] = []
        if calibrationSteps > 0 {
            calibration = try conformalErrors(series: series, spec: spec, parameters: parameters, rounds: rounds,
                                              steps: calibrationSteps, cancelled: cancelled)
        }
        return GlobalModel(spec: spec, booster: trainer.booster, ids: trainer.ids, calibration: calibration)
    }

    /// The normalised absolute errors per step of a booster fitted without the last
    /// `steps` points of every series that is long enough, sorted per step.
    static func conformalErrors(series: [SeriesData], spec: FeatureSpec, parameters: BoostParameters, rounds: Int,
                                steps: Int, cancelled: () -> Bool) throws -> [[Double]] {
        let usable = series.filter { $0.y.count - steps > spec.warmup + 1 }
        guard !usable.isEmpty else { return [] }
        let trainer = try GlobalTrainer(series: series, spec: spec, parameters: parameters,
                                        end: { max(0, $0.y.count - steps) })
        try trainer.boost(to: rounds, cancelled: cancelled)
        let held = GlobalModel(spec: spec, booster: trainer.booster, ids: trainer.ids, calibration: [])
        var errors = [[Double]](repeating: [], count: steps)
        for s in usable {
            if cancelled() { throw GlobalModelError.cancelled }
            let cut = s.y.count - steps
            let past = SeriesData(id: s.id, y: Array(s.y[..<cut]), ds: Array(s.ds.prefix(cut)), x: s.x)
            let scale = spec.scale(of: past.y)
            let f = try held.forecast(past, horizon: steps, futureDs: Array(s.ds.dropFirst(cut)))
            for t in 0..<steps where s.y[cut + t].isFinite && f[t].isFinite {
                errors[t].append(abs(s.y[cut + t] - f[t]) / scale)
            }
        }
        return errors.map { $0.sorted() }
    }

    /// The recursive forecast of `series` (its full history) for `horizon` steps.
    public func forecast(_ series: SeriesData, horizon: Int, futureDs: [Int64]) throws -> [Double] {
        let n = series.y.count
        guard n >= spec.warmup, n >= 1 else {
            throw GlobalModelError.notEnoughData("global_xgb needs at least \(spec.warmup) points of series '\(series.id)' for its differences, lags and windows; it has \(n)")
        }
        guard series.y[n - 1].isFinite else {
            throw GlobalModelError.badData("global_xgb forecasts from the last value of series '\(series.id)', which is missing")
        }
        if spec.regressors > 0 && (series.x.count != spec.regressors || series.x.contains { $0.count < n + horizon }) {
            throw GlobalModelError.badData("global_xgb was fitted with \(spec.regressors) regressor\(spec.regressors == 1 ? "" : "s"): series '\(series.id)' needs their values over the \(horizon) steps forecast")
        }
        let scale = spec.scale(of: series.y)
        var levels = spec.levels(of: series.y.map { $0 / scale })
        var row = [Float](repeating: .nan, count: spec.columns)
        var out: [Double] = []
        out.reserveCapacity(horizon)
        let seriesIndex = index[series.id]
        for step in 0..<horizon {
            let t = n + step
            spec.features(w: levels[levels.count - 1], t: t, timestamp: step < futureDs.count ? futureDs[step] : nil,
                          seriesIndex: seriesIndex, x: series.x, into: &row)
            let w = try booster.predict(DMatrix(values: row, rows: 1, cols: spec.columns))[0]
            spec.append(Double(w), to: &levels)
            out.append(levels[0][t] * scale)
        }
        if out.contains(where: { !$0.isFinite }) {
            throw GlobalModelError.badData("global_xgb's forecast of series '\(series.id)' depends on missing values among its last \(spec.differenced + 1) points (the differences \(spec.differences) undo from them)")
        }
        return out
    }

    /// Half-widths per step at `level` percent (normalised: multiply by the series' scale);
    /// nil without calibration errors.
    public func halfWidths(level: Double, horizon: Int) -> [Double]? {
        guard let last = calibration.last(where: { !$0.isEmpty }) else { return nil }
        return (0..<horizon).map { t in
            let e = t < calibration.count && !calibration[t].isEmpty ? calibration[t] : last
            let m = e.count
            let k = Int((Double(m + 1) * level / 100).rounded(.up))
            return e[min(max(k, 1), m) - 1]
        }
    }

    // MARK: Bytes

    /// "FXGB" 2, the feature spec (lags, windows, differences, season, flags), the ids, the calibration errors, then the booster's
    /// UBJSON model (XGBoosterSaveModelToBuffer); little-endian.
    public func save() throws -> [UInt8] {
        var w = ByteWriter()
        w.bytes(Array("FXGB".utf8)); w.u32(2)
        for list in [spec.lags, spec.windows, spec.differences] { w.u32(UInt32(list.count)); list.forEach { w.u32(UInt32($0)) } }
        w.u32(UInt32(spec.season))
        // bits 8...: the number of regressors
        w.u32((spec.month ? 1 : 0) | (spec.weekday ? 2 : 0) | (spec.seriesID ? 4 : 0) | UInt32(spec.regressors) << 8)
        w.u32(UInt32(ids.count)); ids.forEach { w.string($0) }
        w.u32(UInt32(calibration.count))
        for e in calibration { w.u32(UInt32(e.count)); e.forEach { w.f64($0) } }
        let model = try booster.modelBytes()
        w.u64(UInt64(model.count)); w.bytes(model)
        return w.out
    }

    public static func load(_ bytes: [UInt8], parameters: BoostParameters) throws -> GlobalModel {
        var r = ByteReader(bytes)
        guard try r.bytes(4) == Array("FXGB".utf8) else {
            throw GlobalModelError.badData("these bytes are not a saved global_xgb model")
        }
        let version = try r.u32()
        guard version == 2 else {
            throw GlobalModelError.badData("this global_xgb model was saved in format \(version), from before its features were differences; this version reads format 2: fit it again")
        }
        let lags = try (0..<r.u32()).map { _ in Int(try r.u32()) }
        let windows = try (0..<r.u32()).map { _ in Int(try r.u32()) }
        let differences = try (0..<r.u32()).map { _ in Int(try r.u32()) }
        let season = Int(try r.u32())
        let flags = try r.u32()
        let ids = try (0..<r.u32()).map { _ in try r.string() }
        let calibration = try (0..<r.u32()).map { _ in try (0..<r.u32()).map { _ in try r.f64() } }
        let model = try r.bytes(Int(try r.u64()))
        let spec = FeatureSpec(lags: lags, windows: windows, differences: differences, season: season, month: flags & 1 != 0, weekday: flags & 2 != 0, seriesID: flags & 4 != 0,
                               regressors: Int(flags >> 8))
        return GlobalModel(spec: spec, booster: try Booster(bytes: model, parameters: parameters), ids: ids,
                           calibration: calibration)
    }
}

struct ByteWriter {
    var out: [UInt8] = []
    mutating func bytes(_ b: [UInt8]) { out += b }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func string(_ s: String) { let b = Array(s.utf8); u32(UInt32(b.count)); bytes(b) }
}

struct ByteReader {
    let data: [UInt8]
    var at = 0
    init(_ d: [UInt8]) { data = d }
    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, at + n <= data.count else { throw GlobalModelError.badData("a saved global_xgb model ends early (byte \(at) of \(data.count))") }
        defer { at += n }
        return Array(data[at..<(at + n)])
    }
    mutating func u32() throws -> UInt32 { try bytes(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) } }
    mutating func u64() throws -> UInt64 { try bytes(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } }
    mutating func f64() throws -> Double { Double(bitPattern: try u64()) }
    mutating func string() throws -> String { String(decoding: try bytes(Int(try u32())), as: UTF8.self) }
}
