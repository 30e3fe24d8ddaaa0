// libfcast_global.so: global_xgb, one XGBoost model across every series of a data set
// (FC_CAP_GLOBAL), and the "fcast.boost.v1" extension that continues boosting a model
// fitted with `resumable: true` (what tune's successive halving uses).
import CFcastPlugin
import FcastPluginKit
import GlobalModel

private let library = PluginLibrary(
    name: "global", version: "1.0.0",
    description: "Global models: gradient-boosted trees (XGBoost) over lag features, one model across all series",
    algorithms: [GlobalXGBAlgorithm()], extensions: globalExtension)

@_cdecl("fcast_global_plugin_entry")
public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
                             _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

struct GlobalXGBAlgorithm: Algorithm {
    var name: String { "global_xgb" }
    var summary: String { "Gradient-boosted trees (XGBoost) over lags, rolling statistics and calendar features, one model across all series" }
    var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .global, .exogenous] }
    var parameters: [Parameter] {
        [.real("eta", default: 0.1, min: 0.0001, max: 1, help: "learning rate (shrinkage of each tree)"),
         .int("max_depth", default: 6, min: 1, max: 20, help: "largest depth of a tree"),
         .int("rounds", default: 100, min: 1, max: 100_000, help: "boosting rounds (trees)"),
         .intList("lags", default: nil, min: 1, max: 10_000, auto: true,
                  help: "lags of the target used as features; default: 1..season and 2*season"),
         .int("season", min: 1, max: 10_000, auto: true, help: "season length; default: from the data's frequency"),
         .intList("windows", default: nil, min: 2, max: 10_000, auto: true,
                  help: "rolling mean/std windows over the differenced target; default: the season"),
         .intList("differences", default: nil, min: 1, max: 10_000, auto: true,
                  help: "differences of the target, applied in order (as mlforecast's Differences); default: [1, season] ([1] without a season)"),
         .real("subsample", default: 1.0, min: 0.01, max: 1, help: "share of rows sampled per tree"),
         .real("colsample", default: 1.0, min: 0.01, max: 1, help: "share of features sampled per tree"),
         .real("min_child_weight", default: 1.0, min: 0, max: 1e6, help: "smallest hessian sum in a leaf"),
         .real("lambda", default: 1.0, min: 0, max: 1e6, help: "L2 penalty on leaf weights"),
         .int("nthread", default: 1, min: 1, max: 256, help: "XGBoost threads per fit (the executor runs fits in parallel too)"),
         .int("seed", default: 0, min: 0, max: 2_147_483_647, help: "seed of row/column sampling"),
         .bool("series_id", default: false, help: "add the series' index as a feature"),
         .int("calibration", min: 0, max: 10_000, auto: true,
              help: "held-out steps for conformal intervals (0: no intervals); default: 2 seasons"),
         .bool("resumable", default: false, help: "keep the training rows so that boosting can continue (tune)")]
    }

    func configure(_ v: ParameterValues) throws -> any ModelConfig {
        var p = BoostParameters()
        p.eta = v.real("eta", default: 0.1)
        p.maxDepth = v.int("max_depth", default: 6)
        p.subsample = v.real("subsample", default: 1)
        p.colsample = v.real("colsample", default: 1)
        p.minChildWeight = v.real("min_child_weight", default: 1)
        p.lambda = v.real("lambda", default: 1)
        p.nthread = v.int("nthread", default: 1)
        p.seed = v.int("seed", default: 0)
        let lags = v.intList("lags")
        if let lags, lags.isEmpty { throw PluginError.invalidArgument("global_xgb: 'lags' needs at least one lag") }
        let differences = v.intList("differences")
        return GlobalXGBConfig(parameters: p, rounds: v.int("rounds", default: 100), lags: lags,
                               season: v.int("season"), windows: v.intList("windows"), differences: differences,
                               seriesID: v.bool("series_id", default: false), calibration: v.int("calibration"),
                               resumable: v.bool("resumable", default: false))
    }
}

private func data(_ s: SeriesInput) -> SeriesData {
    SeriesData(id: s.id, y: Array(s.y), ds: Array(s.ds), x: s.regressorColumns)
}

private func pluginError(_ e: any Error) -> PluginError {
    switch e {
    case let p as PluginError: return p
    case GlobalModelError.notEnoughData(let m): return .notEnoughData(m)
    case GlobalModelError.badData(let m): return .badData(m)
    case GlobalModelError.cancelled: return .cancelled()
    default: return .numeric("\(e)")
    }
}

final class GlobalXGBConfig: GlobalModelConfig {
    let parameters: BoostParameters
    let rounds: Int
    let lags: [Int]?
    let season: Int?
    let windows: [Int]?
    let differences: [Int]?
    let seriesID: Bool
    let calibration: Int?
    let resumable: Bool

    init(parameters: BoostParameters, rounds: Int, lags: [Int]?, season: Int?, windows: [Int]?, differences: [Int]?, seriesID: Bool,
         calibration: Int?, resumable: Bool) {
        self.parameters = parameters
        self.rounds = rounds
        self.lags = lags
        self.season = season
        self.windows = windows
        self.differences = differences
        self.seriesID = seriesID
        self.calibration = calibration
        self.resumable = resumable
    }

    func spec(for s: SeriesInput) -> (FeatureSpec, season: Int) {
        let season = self.season ?? s.defaultSeason
        let unit = Int(s.frequencyUnit)
        let spec = FeatureSpec(lags: lags ?? FeatureSpec.defaultLags(season: season),
                               windows: windows ?? FeatureSpec.defaultWindows(season: season),
                               differences: differences ?? FeatureSpec.defaultDifferences(season: season), season: season,
                               month: unit >= FC_FREQ_DAY && unit <= FC_FREQ_QUARTER,
                               weekday: unit >= FC_FREQ_HOUR && unit <= FC_FREQ_DAY, seriesID: seriesID,
                               regressors: s.regressorCount)
        return (spec, season)
    }

    func fitGlobal(_ series: [SeriesInput]) throws -> any GlobalFittedModel {
        // XGBoost refuses infinities with a stack trace; say which series has one instead.
        for s in series {
            if let i = s.y.firstIndex(where: { $0.isInfinite }) {
                throw PluginError.badData("series '\(s.id)' has an infinite value at point \(i + 1)")
            }
        }
        let (spec, season) = spec(for: series[0])
        let all = series.map(data)
        do {
            if resumable {
                let trainer = try GlobalTrainer(series: all, spec: spec, parameters: parameters)
                try trainer.boost(to: rounds) { PluginHost.shouldCancel }
                return GlobalXGBModel(model: GlobalModel(spec: spec, booster: trainer.booster, ids: trainer.ids, calibration: []),
                                      trainer: trainer)
            }
            let model = try GlobalModel.fit(series: all, spec: spec, parameters: parameters, rounds: rounds,
                                            calibrationSteps: calibration ?? 2 * season) { PluginHost.shouldCancel }
            return GlobalXGBModel(model: model, trainer: nil)
        } catch {
            throw pluginError(error)
        }
    }

    /// One series alone: a global model of one series.
    func fit(_ series: SeriesInput) throws -> any FittedModel {
        let model = try fitGlobal([series])
        return LocalXGBModel(model: model, series: series)
    }

    func load(_ bytes: [UInt8]) throws -> any FittedModel {
        if let local = try LocalXGBModel.load(bytes, config: self) { return local }
        do { return GlobalXGBModel(model: try GlobalModel.load(bytes, parameters: parameters), trainer: nil) } catch {
            throw pluginError(error)
        }
    }
}

final class GlobalXGBModel: GlobalFittedModel {
    let model: GlobalModel
    /// Kept with `resumable: true`: boosting continues on the same rows.
    let trainer: GlobalTrainer?
    init(model: GlobalModel, trainer: GlobalTrainer?) {
        self.model = model
        self.trainer = trainer
    }

    var modelDescription: String? {
        "global_xgb(\(model.booster.rounds) rounds, \(model.ids.count) series)"
    }

    func predict(_ request: ForecastRequest) throws -> Forecast {
        throw PluginError.unsupported("global_xgb was fitted across series: forecast it per series (predict_global)")
    }

    func predict(series: SeriesInput, _ request: ForecastRequest) throws -> Forecast {
        var s = data(series)
        let k = model.spec.regressors
        if k > 0 {
            guard request.regressorCount == k, s.x.count == k else {
                throw PluginError.invalidArgument("global_xgb was fitted with \(k) regressor\(k == 1 ? "" : "s"): series '\(series.id)' needs them, and their future values")
            }
            let future = request.futureColumns
            if let j = future.firstIndex(where: { $0.contains { !$0.isFinite } }) {
                throw PluginError.badData("global_xgb: series '\(series.id)': future value \(future[j].firstIndex { !$0.isFinite }! + 1) of regressor \(j + 1) is missing")
            }
            for j in 0..<k { s.x[j] += future[j] }
        }
        do {
            let mean = try model.forecast(s, horizon: request.horizon, futureDs: request.futureDs)
            guard !request.levels.isEmpty else { return Forecast(mean: mean) }
            guard !model.calibration.isEmpty else {
                throw PluginError.unsupported("global_xgb has no conformal errors for intervals (calibration: 0, resumable, or no series long enough to hold out)")
            }
            let scale = model.spec.scale(of: s.y)
            var lo: [[Double]] = [], hi: [[Double]] = []
            for level in request.levels {
                let w = model.halfWidths(level: level, horizon: request.horizon)!
                lo.append(zip(mean, w).map { $0 - $1 * scale })
                hi.append(zip(mean, w).map { $0 + $1 * scale })
            }
            return Forecast(mean: mean, lo: lo, hi: hi)
        } catch {
            throw pluginError(error)
        }
    }

    func save() throws -> [UInt8] {
        do { return try model.save() } catch { throw pluginError(error) }
    }
}

/// global_xgb fitted to one series through fit(): predict forecasts that series.
final class LocalXGBModel: FittedModel {
    let model: any GlobalFittedModel
    let id: String, y: [Double], ds: [Int64], unit: fc_frequency_unit, step: Int, endOfPeriod: Bool
    /// The series' regressors (row-major; kept in memory only: a saved one-series fit
    /// with regressors cannot forecast after load).
    var x: [Double] = [], regressorCount = 0
    init(model: any GlobalFittedModel, series: SeriesInput) {
        self.model = model
        x = Array(series.x)
        regressorCount = series.regressorCount
        id = series.id
        y = Array(series.y)
        ds = Array(series.ds)
        unit = series.frequencyUnit
        step = series.frequencyStep
        endOfPeriod = series.endOfPeriod
    }
    init(model: any GlobalFittedModel, id: String, y: [Double], ds: [Int64], unit: fc_frequency_unit, step: Int, endOfPeriod: Bool) {
        self.model = model
        (self.id, self.y, self.ds, self.unit, self.step, self.endOfPeriod) = (id, y, ds, unit, step, endOfPeriod)
    }
    var modelDescription: String? { model.modelDescription }

    /// "FCXL", then the series (id, frequency, points) it forecasts, then the global model's
    /// bytes: a one-series fit forecasts its own series after load.
    static let magic: [UInt8] = Array("FCXL".utf8)

    func save() throws -> [UInt8] {
        var out = Self.magic
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        let idBytes = Array(id.utf8)
        put(UInt64(idBytes.count)); out += idBytes
        put(UInt64(UInt32(bitPattern: unit))); put(UInt64(step)); put(endOfPeriod ? 1 : 0); put(UInt64(y.count))
        for v in y { put(v.bitPattern) }
        for d in ds { put(UInt64(bitPattern: d)) }
        return out + (try model.save())
    }

    /// Nil when `bytes` are not a one-series fit's.
    static func load(_ bytes: [UInt8], config: GlobalXGBConfig) throws -> LocalXGBModel? {
        guard bytes.starts(with: magic) else { return nil }
        var at = magic.count
        func get() throws -> UInt64 {
            guard at + 8 <= bytes.count else { throw PluginError.badData("a global_xgb model's saved bytes are cut short") }
            defer { at += 8 }
            return bytes[at..<at + 8].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        }
        let idCount = Int(clamping: try get())
        guard idCount <= bytes.count - at else { throw PluginError.badData("a global_xgb model's saved bytes are cut short") }
        let id = String(decoding: bytes[at..<at + idCount], as: UTF8.self)
        at += idCount
        let unit = fc_frequency_unit(Int32(truncatingIfNeeded: try get()))
        let step = Int(clamping: try get()), endOfPeriod = try get() != 0, n = Int(clamping: try get())
        guard n <= (bytes.count - at) / 16 else { throw PluginError.badData("a global_xgb model's saved bytes are cut short") }
        var y: [Double] = [], ds: [Int64] = []
        for _ in 0..<n { y.append(Double(bitPattern: try get())) }
        for _ in 0..<n { ds.append(Int64(bitPattern: try get())) }
        let global: GlobalXGBModel
        do { global = GlobalXGBModel(model: try GlobalModel.load(Array(bytes[at...]), parameters: config.parameters), trainer: nil) } catch {
            throw pluginError(error)
        }
        return LocalXGBModel(model: global, id: id, y: y, ds: ds, unit: unit, step: step, endOfPeriod: endOfPeriod)
    }

    func predict(_ request: ForecastRequest) throws -> Forecast {
        try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                try x.withUnsafeBufferPointer { xb in
                    try model.predict(series: SeriesInput(id: id, y: yb, ds: db, frequencyUnit: unit, frequencyStep: step,
                                                          endOfPeriod: endOfPeriod, x: xb, regressorCount: regressorCount), request)
                }
            }
        }
    }
}

// MARK: The "fcast.boost.v1" extension

/// Continues boosting a global_xgb model fitted with `resumable: true` up to `rounds`.
private let boostTo: @convention(c) (UnsafeMutableRawPointer?, UInt32, UnsafeMutablePointer<fc_error>?) -> fc_status = { p, rounds, err in
    reportingErrors(err) {
        guard let p, let m = fittedModel(fromHandle: p) as? GlobalXGBModel else {
            throw PluginError.unsupported("not a global_xgb model")
        }
        guard let trainer = m.trainer else {
            throw PluginError.unsupported("this global_xgb model kept no training rows: fit it with resumable: true to boost it further")
        }
        do { try trainer.boost(to: Int(rounds)) { PluginHost.shouldCancel } } catch { throw pluginError(error) }
    }
}

private let roundsOf: @convention(c) (UnsafeRawPointer?) -> UInt32 = { p in
    guard let p, let m = fittedModel(fromHandle: p) as? GlobalXGBModel else { return 0 }
    return UInt32(m.model.booster.rounds)
}

nonisolated(unsafe) private let boostTable: UnsafeMutablePointer<fc_boost_ext> = {
    let t = UnsafeMutablePointer<fc_boost_ext>.allocate(capacity: 1)
    t.initialize(to: fc_boost_ext(struct_size: UInt32(MemoryLayout<fc_boost_ext>.size), boost_to: boostTo, rounds: roundsOf))
    return t
}()

private let globalExtension: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer? = { name in
    guard let name, String(cString: name) == FC_BOOST_EXTENSION else { return standardExtension(named: name) }
    return UnsafeRawPointer(boostTable)
}
