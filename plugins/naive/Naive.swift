// The naive family: benchmark methods every forecaster compares against.
// Point forecasts and Gaussian prediction intervals follow Hyndman & Athanasopoulos,
// Forecasting: Principles and Practice, 3rd ed., section 5.5 (benchmark methods, table of
// multi-step standard deviations), with σ̂ computed as R's forecast package does so that
// figures agree with R: σ̂² is the mean squared one-step residual.
import CFcastPlugin
import FcastPluginKit

private let library = PluginLibrary(
    name: "naive", version: "1.0.0",
    description: "Benchmark methods: naive, seasonal naive, historic mean, random walk with drift",
    algorithms: [NaiveAlgorithm(kind: .naive), NaiveAlgorithm(kind: .snaive),
                 NaiveAlgorithm(kind: .mean), NaiveAlgorithm(kind: .drift)])

@_cdecl("fcast_naive_plugin_entry")
public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
                             _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

enum NaiveKind: String, Sendable { case naive, snaive, mean, drift }

struct NaiveAlgorithm: Algorithm {
    let kind: NaiveKind
    var name: String { kind.rawValue }
    var summary: String {
        switch kind {
        case .naive: "Naive: every forecast is the last observation (random walk)"
        case .snaive: "Seasonal naive: each forecast is the observation one season earlier"
        case .mean: "Historic average: every forecast is the mean of the history"
        case .drift: "Random walk with drift: the line from the first to the last observation, extended"
        }
    }
    var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted] }
    var parameters: [Parameter] {
        kind == .snaive
            ? [.int("season", min: 1, max: 100_000, auto: true,
                    help: "season length in periods; default: from the data's frequency (12 monthly, 4 quarterly, 7 daily, 24 hourly)")]
            : []
    }
    func configure(_ values: ParameterValues) throws -> any ModelConfig {
        if kind == .snaive {
            // Without a season the lag comes from each series' frequency at fit time.
            let season = values.int("season")
            if let season, season < 1 { throw PluginError.invalidArgument("'season' must be at least 1, got \(season)") }
            return NaiveConfig(kind: kind, season: season)
        }
        return NaiveConfig(kind: kind, season: 1)
    }
}

final class NaiveConfig: ModelConfig {
    let kind: NaiveKind
    /// The lag (1, or snaive's season); nil: snaive's season from the series' frequency.
    let season: Int?
    init(kind: NaiveKind, season: Int?) {
        self.kind = kind
        self.season = season
    }

    /// Fewest points that give a forecast and a residual variance.
    func minimumLength(lag: Int) -> Int {
        switch kind {
        case .naive: 2
        case .snaive: lag + 1
        case .mean: 2
        case .drift: 3
        }
    }

    func fit(_ series: SeriesInput) throws -> any FittedModel {
        try series.requireNoInfinity(model: kind.rawValue)
        let lag = season ?? series.defaultSeason
        let minimumLength = minimumLength(lag: lag)
        let missing = series.missing
        // Leading missing values are dropped; the rest is handled by the methods (see NaiveModel).
        let y = Array(series.y[missing.leading...])
        guard series.y.count >= minimumLength else {
            let what = kind == .snaive ? "\(minimumLength) points (one season of \(lag) plus one)" : "\(minimumLength) points"
            throw PluginError.notEnoughData("\(kind.rawValue) needs at least \(what); series has \(series.y.count)")
        }
        try series.requireObserved(2, model: kind.rawValue, what: "2 observed values")
        guard y.count >= minimumLength else {
            let what = kind == .snaive ? "\(minimumLength) points (one season of \(lag) plus one)" : "\(minimumLength) points"
            throw PluginError.notEnoughData(
                "\(kind.rawValue) needs at least \(what) from its first observed value; series \(series.id) has \(y.count) (\(missing.describe(ds: series.ds)))")
        }
        guard let model = NaiveModel(kind: kind, lag: lag, history: y, leading: missing.leading) else {
            // No pair of observations `lag` apart: no residual variance.
            throw PluginError.notEnoughData(
                "\(kind.rawValue) needs two observed values \(lag) point\(lag == 1 ? "" : "s") apart; series \(series.id) has none (\(missing.describe(ds: series.ds)))")
        }
        return model
    }

    func load(_ bytes: [UInt8]) throws -> any FittedModel {
        try NaiveModel.decode(bytes, kind: kind)
    }
}

/// Missing values (NaN) after the first observation, as R's forecast package treats them in
/// its benchmark methods: each missing value stands for the last observed value at the same
/// season position (naive: the last observed value), residual variances use the pairs of
/// observations `lag` apart that are both present, mean ignores missing values, and drift
/// is the line from the first to the last observed value. Trailing missing values are
/// forecast: the horizon still counts from the end of the series, and the intervals widen
/// from the last observation on.
final class NaiveModel: FittedModel {
    let kind: NaiveKind
    let lag: Int
    /// The fitted state is small for every method here, so the model keeps the history
    /// it needs: the last season (naive family) or the summary statistics (mean, drift).
    let history: [Double]
    let level: Double         // mean (mean) or last value (naive, drift)
    let slope: Double         // drift per step
    let sigma2: Double        // one-step residual variance (mean squared residual)
    let slopeVariance: Double // drift only: variance of the estimated slope
    /// Observed values (mean's 1/T term).
    let observed: Int
    /// Trailing missing values: steps from the last observation to the end of the series.
    let gap: Int

    /// nil when the residual variance cannot be estimated (too few observed pairs).
    /// `leading`: missing values dropped before `y`, given back as NaN fitted values.
    init?(kind: NaiveKind, lag: Int, history y: [Double], leading: Int = 0) {
        self.kind = kind
        self.lag = lag
        let n = y.count
        let observedIndex = y.indices.filter { !y[$0].isNaN }
        guard let first = observedIndex.first, let last = observedIndex.last else { return nil }
        observed = observedIndex.count
        gap = n - 1 - last
        // Missing values replaced by the last observed value at the same season position
        // (before the first full season: the last observed value).
        var filled = y
        for t in 0..<n where filled[t].isNaN { filled[t] = t >= lag ? filled[t - lag] : filled[t - 1] }
        switch kind {
        case .mean:
            guard observed >= 2 else { return nil }
            let values = observedIndex.map { y[$0] }
            let m = values.reduce(0, +) / Double(observed)
            let ss = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
            level = m
            slope = 0
            sigma2 = ss / Double(observed - 1)   // sample variance, as R's meanf
            slopeVariance = 0
            history = [m]
        case .naive, .snaive:
            var ss = 0.0, pairs = 0
            for t in lag..<max(n, lag) where !y[t].isNaN && !y[t - lag].isNaN {
                ss += (y[t] - y[t - lag]) * (y[t] - y[t - lag]); pairs += 1
            }
            guard pairs >= 1 else { return nil }
            level = filled[n - 1]
            slope = 0
            sigma2 = ss / Double(pairs)
            slopeVariance = 0
            history = Array(filled[(n - lag)...])
        case .drift:
            guard last > first else { return nil }
            let b = (y[last] - y[first]) / Double(last - first)
            var ss = 0.0, pairs = 0
            for t in 1..<n where !y[t].isNaN && !y[t - 1].isNaN {
                let e = y[t] - y[t - 1] - b; ss += e * e; pairs += 1
            }
            guard pairs >= 2 else { return nil }
            level = y[last] + Double(gap) * b
            slope = b
            // One degree of freedom goes to the slope: the residual variance is s² = ss /
            // (pairs - 1), as R's rwf(drift = TRUE) (forecast 8.20's lagwalk) estimates it.
            sigma2 = ss / Double(pairs - 1)
            // Var(b̂) = s² / (last - first); without gaps s² / (T-1), as R's rwf.
            slopeVariance = ss / Double(pairs - 1) / Double(last - first)
            history = [y[last]]
        }
        storedFitted = [Double](repeating: .nan, count: leading)
            + NaiveModel.fittedValues(kind: kind, lag: lag, y: filled, slope: slope, mean: level)
    }

    private init(kind: NaiveKind, lag: Int, history: [Double], level: Double, slope: Double, sigma2: Double,
                 slopeVariance: Double, fitted: [Double], observed: Int, gap: Int) {
        self.kind = kind
        self.lag = lag
        self.history = history
        self.level = level
        self.slope = slope
        self.sigma2 = sigma2
        self.slopeVariance = slopeVariance
        self.storedFitted = fitted
        self.observed = observed
        self.gap = gap
    }

    private let storedFitted: [Double]

    private static func fittedValues(kind: NaiveKind, lag: Int, y: [Double], slope: Double, mean: Double) -> [Double] {
        switch kind {
        case .mean: return Array(repeating: mean, count: y.count)
        case .naive, .snaive, .drift:
            return (0..<y.count).map { t in t < lag ? .nan : y[t - lag] + slope }
        }
    }

    var modelDescription: String? {
        switch kind {
        case .naive: "naive"
        case .snaive: "snaive[\(lag)]"
        case .mean: "mean"
        case .drift: "drift"
        }
    }

    func predict(_ request: ForecastRequest) throws -> Forecast {
        let h = request.horizon
        var mean = [Double](repeating: 0, count: h)
        var se = [Double](repeating: 0, count: h)
        let n = Double(observed)
        for i in 0..<h {
            let step = Double(i + 1 + gap)   // steps from the last observation
            switch kind {
            case .mean:
                mean[i] = level
                se[i] = (sigma2 * (1 + 1 / n)).squareRoot()                          // σ̂√(1 + 1/T)
            case .naive:
                mean[i] = level
                se[i] = (sigma2 * step).squareRoot()                                  // σ̂√h
            case .snaive:
                mean[i] = history[i % lag]
                let k = Double((i + gap) / lag)                                       // whole seasons passed
                se[i] = (sigma2 * (k + 1)).squareRoot()                               // σ̂√(k+1)
            case .drift:
                mean[i] = level + Double(i + 1) * slope
                se[i] = (sigma2 * step + step * step * slopeVariance).squareRoot()    // σ̂√(h(1+h/T)) with exact Var(b̂)
            }
        }
        let (lo, hi) = Normal.intervals(mean: mean, se: se, levels: request.levels)
        return Forecast(mean: mean, lo: lo, hi: hi)
    }

    func fittedValues() throws -> [Double] { storedFitted }

    // Saved form: a few little-endian doubles. Version byte first so the format can grow.
    func save() throws -> [UInt8] {
        var out: [UInt8] = [2]
        func put(_ x: Double) { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        for x in [level, slope, sigma2, slopeVariance, Double(history.count), Double(storedFitted.count),
                  Double(observed), Double(gap)] { put(x) }
        history.forEach(put)
        storedFitted.forEach(put)
        return out
    }

    /// The lag is the saved history's length: the last season (snaive), one value otherwise.
    /// Version 1 (before missing values) lacks the observed count and the gap: every value
    /// was observed and the gap is 0.
    static func decode(_ bytes: [UInt8], kind: NaiveKind) throws -> NaiveModel {
        guard let version = bytes.first, version == 1 || version == 2, (bytes.count - 1) % 8 == 0 else {
            throw PluginError.badData("not a saved \(kind.rawValue) model (format version \(bytes.first.map(String.init) ?? "none"))")
        }
        var values: [Double] = []
        var i = 1
        while i < bytes.count {
            var bits: UInt64 = 0
            for j in 0..<8 { bits |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            values.append(Double(bitPattern: bits))
            i += 8
        }
        let header = version == 1 ? 6 : 8
        guard values.count >= header else { throw PluginError.badData("saved \(kind.rawValue) model is truncated") }
        guard let nh = Int(exactly: values[4]), let nf = Int(exactly: values[5]), nh >= 1, nf >= 0,
              values.count - header == nh + nf else { throw PluginError.badData("saved \(kind.rawValue) model is truncated") }
        var observed = nf, gap = 0
        if version == 2 {
            guard let o = Int(exactly: values[6]), let g = Int(exactly: values[7]), o >= 1, g >= 0 else {
                throw PluginError.badData("saved \(kind.rawValue) model is damaged")
            }
            observed = o; gap = g
        }
        return NaiveModel(kind: kind, lag: nh, history: Array(values[header..<(header + nh)]), level: values[0],
                          slope: values[1], sigma2: values[2], slopeVariance: values[3],
                          fitted: Array(values[(header + nh)...]), observed: observed, gap: gap)
    }
}

/// The naive family has no parameters beyond its data (the last value, the season's last
/// values, the mean, the line from first to last): forecasting new data from a fitted
/// model is fitting the new data, as statsforecast's `forward` of these models does.
extension NaiveConfig: ForwardingConfig {
    func forward(_ model: any FittedModel, to series: SeriesInput) throws -> any FittedModel { try fit(series) }
}
