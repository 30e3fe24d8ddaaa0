import CFcastPlugin
// Capabilities (and the ABI helpers) come from FcastABI, shared with the host; re-exported
// so that a plugin links and imports the kit alone.
@_exported import FcastABI

/// An error a plugin reports for one task; it becomes an fc_status plus message.
public struct PluginError: Error, Sendable {
    public var status: fc_status
    public var message: String
    public init(_ status: fc_status, _ message: String) {
        self.status = status
        self.message = message
    }
    public static func invalidArgument(_ m: String) -> PluginError { .init(fc_status(FC_ERR_INVALID_ARGUMENT), m) }
    public static func notEnoughData(_ m: String) -> PluginError { .init(fc_status(FC_ERR_NOT_ENOUGH_DATA), m) }
    public static func badData(_ m: String) -> PluginError { .init(fc_status(FC_ERR_BAD_DATA), m) }
    public static func numeric(_ m: String) -> PluginError { .init(fc_status(FC_ERR_NUMERIC), m) }
    public static func unsupported(_ m: String) -> PluginError { .init(fc_status(FC_ERR_UNSUPPORTED), m) }
    public static func cancelled() -> PluginError { .init(fc_status(FC_ERR_CANCELLED), "cancelled") }
}

/// A series as the host hands it over: views into the host's panel, valid during the call.
public struct SeriesInput {
    public let id: String
    public let y: UnsafeBufferPointer<Double>
    public let ds: UnsafeBufferPointer<Int64>
    public let frequencyUnit: fc_frequency_unit
    public let frequencyStep: Int
    /// Calendar timestamps on the last day of their period (month-end data, "ME"/"QE"/"YE"):
    /// fc_series.freq_anchor is FC_ANCHOR_PERIOD_END. Always false under a 1.0 host.
    public let endOfPeriod: Bool
    /// Exogenous regressors (fc_series.x): count x regressorCount values, row-major; empty
    /// when the host passes none (an algorithm gets them only with FC_CAP_EXOGENOUS).
    public let x: UnsafeBufferPointer<Double>
    public let regressorCount: Int
    public var count: Int { y.count }

    public init(id: String, y: UnsafeBufferPointer<Double>, ds: UnsafeBufferPointer<Int64>,
                frequencyUnit: fc_frequency_unit, frequencyStep: Int, endOfPeriod: Bool = false,
                x: UnsafeBufferPointer<Double> = UnsafeBufferPointer(start: nil, count: 0), regressorCount: Int = 0) {
        self.id = id
        self.y = y
        self.ds = ds
        self.frequencyUnit = frequencyUnit
        self.frequencyStep = frequencyStep
        self.endOfPeriod = endOfPeriod
        self.x = x
        self.regressorCount = x.count == y.count * regressorCount ? regressorCount : 0
    }

    /// The regressors as columns (one array of `count` values per regressor).
    public var regressorColumns: [[Double]] {
        (0..<regressorCount).map { k in (0..<count).map { x[$0 * regressorCount + k] } }
    }

    /// The usual season length for the data's frequency: 4 quarterly, 12 monthly, 52
    /// weekly, 7 daily, 24 hourly, a day of minutes, a minute of seconds, each divided by
    /// the step when it divides evenly; 1 yearly or unknown. The header's
    /// fc_default_season, the one definition the host uses too.
    public var defaultSeason: Int {
        Int(fc_default_season(frequencyUnit, Int32(clamping: frequencyStep)))
    }

    /// Fails with FC_ERR_BAD_DATA when a value is missing or not finite.
    public func requireFinite(model: String) throws {
        try requireNoInfinity(model: model)
        let m = missing
        if !m.isEmpty { throw PluginError.badData("\(model) needs complete data: series \(id): \(m.describe(ds: ds))") }
    }
}

public struct ForecastRequest: Sendable {
    public var horizon: Int
    public var futureDs: [Int64]
    /// Interval levels in percent (80, 95).
    public var levels: [Double]
    public var seed: UInt64
    /// Future regressors (fc_predict_request.x): horizon x regressorCount, row-major.
    public var futureX: [Double]
    public var regressorCount: Int
    public init(horizon: Int, futureDs: [Int64] = [], levels: [Double] = [], seed: UInt64 = 0,
                futureX: [Double] = [], regressorCount: Int = 0) {
        self.horizon = horizon
        self.futureDs = futureDs
        self.levels = levels
        self.seed = seed
        self.futureX = futureX
        self.regressorCount = futureX.count == horizon * regressorCount ? regressorCount : 0
    }

    /// The future regressors as columns (one array of `horizon` values per regressor).
    public var futureColumns: [[Double]] {
        (0..<regressorCount).map { k in (0..<horizon).map { futureX[$0 * regressorCount + k] } }
    }
}

/// A forecast: `lo[l][t]` and `hi[l][t]` for level `levels[l]` and step `t`.
public struct Forecast: Sendable {
    public var mean: [Double]
    public var lo: [[Double]]
    public var hi: [[Double]]
    public init(mean: [Double], lo: [[Double]] = [], hi: [[Double]] = []) {
        self.mean = mean
        self.lo = lo
        self.hi = hi
    }
}

/// A fitted model. The kit frees it when the host calls free_model.
public protocol FittedModel: AnyObject {
    func predict(_ request: ForecastRequest) throws -> Forecast
    /// A description of the fitted model, e.g. "ARIMA(0,1,1)"; nil uses the algorithm's name.
    var modelDescription: String? { get }
    /// In-sample one-step fitted values (FC_CAP_FITTED).
    func fittedValues() throws -> [Double]
    /// Serialised state (FC_CAP_SAVE_LOAD).
    func save() throws -> [UInt8]
}

extension FittedModel {
    public var modelDescription: String? { nil }
    public func fittedValues() throws -> [Double] { throw PluginError.unsupported("fitted values are not available") }
    public func save() throws -> [UInt8] { throw PluginError.unsupported("this model cannot be saved") }
}

/// A configured model (one grid entry), fitted to many series, possibly from many threads.
public protocol ModelConfig: AnyObject {
    func fit(_ series: SeriesInput) throws -> any FittedModel
    func load(_ bytes: [UInt8]) throws -> any FittedModel
}

extension ModelConfig {
    public func load(_ bytes: [UInt8]) throws -> any FittedModel {
        throw PluginError.unsupported("this model cannot be loaded")
    }
}

/// A configuration whose fitted models can forecast from new data without fitting again:
/// the kit offers the "fcast.forward.v1" extension (fcast_forward.h) for it. `forward`
/// applies `model` (fitted under this configuration) to `series`, the series it was
/// fitted on continued by newer points: the same parameters, the states filtered through
/// the new values, nothing re-estimated (statsforecast's `forward`). It must not change
/// `model`: the host may forward one model to several series at once. A model with no
/// parameters beyond its data (a naive forecast) may simply be fitted to `series`.
public protocol ForwardingConfig: ModelConfig {
    func forward(_ model: any FittedModel, to series: SeriesInput) throws -> any FittedModel
}

/// One algorithm: its schema and how to configure it.
public protocol Algorithm: Sendable {
    var name: String { get }
    var summary: String { get }
    var capabilities: Capabilities { get }
    var parameters: [Parameter] { get }
    func configure(_ values: ParameterValues) throws -> any ModelConfig
}

// MARK: Global models (FC_CAP_GLOBAL)

/// A configuration that also fits one model across many series (FC_CAP_GLOBAL): the kit
/// exports fit_global/predict_global for an algorithm whose capabilities hold `.global`
/// and whose configurations conform.
public protocol GlobalModelConfig: ModelConfig {
    func fitGlobal(_ series: [SeriesInput]) throws -> any GlobalFittedModel
}

/// A model fitted across series, forecast per series (predict_global). `predict` (one
/// series, no data) may refuse.
public protocol GlobalFittedModel: FittedModel {
    func predict(series: SeriesInput, _ request: ForecastRequest) throws -> Forecast
}
