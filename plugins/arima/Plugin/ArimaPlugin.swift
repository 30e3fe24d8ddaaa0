// The arima plugin: fixed-order ARIMA and AutoARIMA (Hyndman & Khandakar 2008) over the
// ArimaModel numerics, exported through the fcast plugin ABI.
import ArimaModel
import CFcastPlugin
import FcastPluginKit
import PluginNumerics
import PluginTransforms

private let library = PluginLibrary(
    name: "arima", version: "1.0.0",
    description: "ARIMA by exact maximum likelihood, and AutoARIMA model selection",
    algorithms: [FixedArima(), AutoArimaAlgorithm()])

@_cdecl("fcast_arima_plugin_entry")
public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
                             _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

private let seasonParameter = Parameter(
    "season", .int, auto: true, min: 1, max: 400,
    help: "season length in periods (default: from the data's frequency, 12 for monthly)")

/// The series from its first to its last observed value. Interior missing values stay
/// (the Kalman filter skips them: exact likelihood of the observed values); leading ones
/// are cut off, trailing ones are forecast across (MissingEndsModel).
func observedStretch(_ series: SeriesInput) throws -> [Double] {
    try series.requireNoInfinity(model: "arima")
    try series.requireObserved(2, model: "arima")
    let missing = series.missing
    if missing.interior > 0 {
        PluginHost.log(.info, "arima, series \(series.id): \(missing.interior) missing value\(missing.interior == 1 ? "" : "s") between observations skipped by the Kalman filter")
    }
    return series.observedStretch
}

/// The regressors over the observed stretch (R's Arima(y, xreg=): one column per
/// regressor), and the rows of the trailing missing values, which the forecast needs
/// first (MissingEndsModel forecasts across them). A missing regressor value inside the
/// stretch is an error naming the series, the regressor and the date.
func regressorStretch(_ series: SeriesInput, model: String) throws -> (fit: [[Double]], pending: [[Double]]) {
    guard series.regressorCount > 0 else { return ([], []) }
    let m = series.missing
    let columns = series.regressorColumns
    let lo = m.leading, hi = series.count - m.trailing
    for (j, c) in columns.enumerated() {
        if let t = c[lo..<series.count].firstIndex(where: { !$0.isFinite }) {
            let when = series.ds.count == series.count ? " at " + MissingValues.formatTimestamp(series.ds[t]) : " at point \(t + 1)"
            throw PluginError.badData("\(model): series \(series.id): regressor \(j + 1) is missing\(when) (regression with ARIMA errors needs every regressor value)")
        }
    }
    return (columns.map { Array($0[lo..<hi]) }, columns.map { Array($0[hi...]) })
}

/// The ArimaModel error as the plugin ABI's status.
func pluginError(_ e: ArimaError) -> PluginError {
    switch e.kind {
    case .invalidArgument: .invalidArgument(e.message)
    case .notEnoughData: .notEnoughData(e.message)
    case .numericFailure: .numeric(e.message)
    case .cancelled: .cancelled()
    }
}

struct FixedArima: Algorithm {
    var name: String { "arima" }
    var summary: String { "ARIMA(p,d,q)(P,D,Q)[m] with given orders, fitted by exact maximum likelihood" }
    var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted, .exogenous] }
    var parameters: [Parameter] {
        [.intList("order", default: [0, 0, 0], length: 3, min: 0, max: 50, help: "[p, d, q]: AR order, differences, MA order"),
         .intList("seasonal", default: [0, 0, 0], length: 3, min: 0, max: 10, help: "[P, D, Q]: seasonal AR, differences, MA"),
         seasonParameter,
         Parameter("constant", .bool, auto: true,
                   help: "a mean (d + D = 0) or drift (d + D = 1); default: a mean when undifferenced"),
         .bool("drift", default: false, help: "a linear trend (when d + D <= 1)"),
         .json("lambda", help: BoxCox.parameterHelp)]
    }

    func configure(_ v: ParameterValues) throws -> any ModelConfig {
        ArimaConfig(order: v.intList("order") ?? [0, 0, 0], seasonal: v.intList("seasonal") ?? [0, 0, 0],
                    season: v.int("season"), constant: v.bool("constant"), drift: v.bool("drift", default: false),
                    lambda: try lambdaChoice(v))
    }
}

final class ArimaConfig: ModelConfig {
    let order: [Int], seasonal: [Int]
    let season: Int?
    let constant: Bool?
    let drift: Bool
    let lambda: BoxCox.Choice?

    init(order: [Int], seasonal: [Int], season: Int?, constant: Bool?, drift: Bool, lambda: BoxCox.Choice? = nil) {
        self.lambda = lambda
        self.order = order
        self.seasonal = seasonal
        self.season = season
        self.constant = constant
        self.drift = drift
    }

    func fit(_ series: SeriesInput) throws -> any FittedModel {
        // A seasonal part needs a season: given, or from the data's frequency.
        let period = season ?? (seasonal == [0, 0, 0] ? 1 : series.defaultSeason)
        let (y, usedLambda) = try boxCox(try observedStretch(series), lambda, period: max(period, 1), model: "arima", series: series)
        let (xreg, pending) = try regressorStretch(series, model: "arima")
        do throws(ArimaError) {
            let spec = if let constant {
                try ArimaSpec(order: order, seasonal: seasonal, period: period, constant: constant)
            } else {
                try ArimaSpec(order: order, seasonal: seasonal, period: period, includeMean: true, includeDrift: drift)
            }
            let fit = xreg.isEmpty ? try ArimaModel.fit(y: y, spec: spec) : try ArimaModel.fit(y: y, xreg: xreg, spec: spec)
            return MissingEndsModel.wrap(backTransformed(ArimaFitted(fit, pendingX: pending), usedLambda),
                                         series: series, missing: series.missing)
        } catch {
            throw pluginError(error)
        }
    }

    func load(_ bytes: [UInt8]) throws -> any FittedModel {
        try MissingEndsModel.load(bytes) { bytes in
            try BackTransformedModel.load(bytes, inverse: { BoxCox.inverse($0, lambda: $1) }) { bytes in
                do throws(ArimaError) { return ArimaFitted(try ArimaFit.deserialize(bytes)) } catch { throw pluginError(error) }
            }
        }
    }
}

struct AutoArimaAlgorithm: Algorithm {
    var name: String { "auto_arima" }
    var summary: String { "AutoARIMA: orders chosen by KPSS/seasonal-strength differencing and a stepwise AICc search" }
    var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted, .exogenous] }
    var parameters: [Parameter] {
        [seasonParameter,
         .json("lambda", help: BoxCox.parameterHelp),
         .int("max_p", default: 5, min: 0, max: 20, help: "largest AR order"),
         .int("max_q", default: 5, min: 0, max: 20, help: "largest MA order"),
         .int("max_P", default: 2, min: 0, max: 5, help: "largest seasonal AR order"),
         .int("max_Q", default: 2, min: 0, max: 5, help: "largest seasonal MA order"),
         .int("max_order", default: 5, min: 0, max: 40, help: "largest p + q + P + Q in the exhaustive search"),
         .int("max_d", default: 2, min: 0, max: 3, help: "most non-seasonal differences"),
         .int("max_D", default: 1, min: 0, max: 2, help: "most seasonal differences"),
         Parameter("stepwise", .bool, auto: true,
                   help: "not given: R's stepwise search, then the neighbours of the 3 best models; true: R's stepwise search only; false: every model up to max_order"),
         .string("ic", default: "aicc", choices: ["aicc", "aic", "bic"], help: "the criterion that picks the model"),
         .bool("allow_drift", default: true, help: "consider a drift when d + D = 1"),
         .bool("allow_mean", default: true, help: "consider a mean when d + D = 0"),
         Parameter("approximation", .bool, auto: true,
                   help: "search with conditional sums of squares, then refit exactly (default: for long series)")]
    }

    func configure(_ v: ParameterValues) throws -> any ModelConfig {
        var o = AutoArimaOptions(period: v.int("season") ?? 0)
        o.maxP = v.int("max_p", default: o.maxP)
        o.maxQ = v.int("max_q", default: o.maxQ)
        o.maxSP = v.int("max_P", default: o.maxSP)
        o.maxSQ = v.int("max_Q", default: o.maxSQ)
        o.maxOrder = v.int("max_order", default: o.maxOrder)
        o.maxD = v.int("max_d", default: o.maxD)
        o.maxSD = v.int("max_D", default: o.maxSD)
        switch v.bool("stepwise") {
        case nil: break                                  // stepwise with a beam of 3
        case true?: o.beam = 1                           // R's walk exactly
        case false?: o.stepwise = false                  // exhaustive
        }
        if let ic = v.string("ic") {
            guard let c = InformationCriterion(rawValue: ic) else {
                throw PluginError.invalidArgument("ic must be \"aicc\", \"aic\" or \"bic\", got \"\(ic)\"")
            }
            o.ic = c
        }
        o.allowDrift = v.bool("allow_drift", default: o.allowDrift)
        o.allowMean = v.bool("allow_mean", default: o.allowMean)
        o.approximation = v.bool("approximation")
        return AutoArimaConfig(options: o, seasonGiven: v.isSet("season"), lambda: try lambdaChoice(v))
    }
}

final class AutoArimaConfig: ModelConfig {
    let options: AutoArimaOptions
    let seasonGiven: Bool

    let lambda: BoxCox.Choice?

    init(options: AutoArimaOptions, seasonGiven: Bool, lambda: BoxCox.Choice? = nil) {
        self.lambda = lambda
        self.options = options
        self.seasonGiven = seasonGiven
    }

    func fit(_ series: SeriesInput) throws -> any FittedModel {
        var o = options
        if !seasonGiven { o.period = series.defaultSeason }
        // Polled between candidate models: a search of a long series takes seconds.
        o.shouldStop = { PluginHost.shouldCancel }
        let (y, usedLambda) = try boxCox(try observedStretch(series), lambda, period: max(o.period, 1), model: "auto_arima", series: series)
        let (xreg, pending) = try regressorStretch(series, model: "auto_arima")
        do throws(ArimaError) {
            let fit = xreg.isEmpty ? try AutoArima.fit(y: y, options: o) : try AutoArima.fit(y: y, xreg: xreg, options: o)
            return MissingEndsModel.wrap(backTransformed(ArimaFitted(fit, pendingX: pending), usedLambda),
                                         series: series, missing: series.missing)
        } catch {
            throw pluginError(error)
        }
    }

    func load(_ bytes: [UInt8]) throws -> any FittedModel {
        try MissingEndsModel.load(bytes) { bytes in
            try BackTransformedModel.load(bytes, inverse: { BoxCox.inverse($0, lambda: $1) }) { bytes in
                do throws(ArimaError) { return ArimaFitted(try ArimaFit.deserialize(bytes)) } catch { throw pluginError(error) }
            }
        }
    }
}

final class ArimaFitted: FittedModel {
    let fit: ArimaFit
    /// Regressor rows of trailing missing values (per regressor), forecast before the
    /// horizon's own.
    let pendingX: [[Double]]
    init(_ fit: ArimaFit, pendingX: [[Double]] = []) {
        self.fit = fit
        self.pendingX = pendingX
    }

    var modelDescription: String? {
        // as R prints it: "Regression with ARIMA(1,0,0) errors"
        fit.xregCoef.isEmpty ? fit.description
            : "Regression with \(fit.description.firstRange(of: " with ").map { String(fit.description[..<$0.lowerBound]) } ?? fit.description) errors"
    }

    func predict(_ request: ForecastRequest) throws -> Forecast {
        // As fractions: the model reads a level <= 1 as a fraction, so a 1% level passed as 1
        // would come back as a 99.99% interval (fcast plugin check's many-levels found it).
        let levels = request.levels.map { $0 / 100 }
        if fit.xregCoef.isEmpty {
            let f = fit.forecast(h: request.horizon, levels: levels)
            return Forecast(mean: f.mean, lo: f.lo, hi: f.hi)
        }
        let k = fit.xregCoef.count
        guard request.regressorCount == k else {
            throw PluginError.invalidArgument(request.regressorCount == 0
                ? "this model was fitted with \(k) regressor\(k == 1 ? "" : "s"): its forecast needs their future values"
                : "this model was fitted with \(k) regressor\(k == 1 ? "" : "s"), the forecast gives \(request.regressorCount)")
        }
        var future = request.futureColumns
        if pendingX.count == k { future = zip(pendingX, future).map { $0 + $1 } }
        guard future.allSatisfy({ $0.count >= request.horizon }) else {
            throw PluginError.invalidArgument("the forecast needs \(request.horizon) future values of each regressor")
        }
        if let j = future.firstIndex(where: { $0.prefix(request.horizon).contains { !$0.isFinite } }) {
            let t = future[j].firstIndex { !$0.isFinite }!
            throw PluginError.badData("future value \(t + 1) of regressor \(j + 1) is missing")
        }
        do throws(ArimaError) {
            let f = try fit.forecast(h: request.horizon, levels: levels, futureXreg: future)
            return Forecast(mean: f.mean, lo: f.lo, hi: f.hi)
        } catch {
            throw pluginError(error)
        }
    }

    func fittedValues() throws -> [Double] { fit.fitted }
    func save() throws -> [UInt8] { fit.serialize() }
}


// MARK: Forecasting new data without fitting again (fcast.forward.v1)

/// `model` (arima or auto_arima's) applied to `series`: the same orders and coefficients
/// (regressors' included, and the Box-Cox lambda), the Kalman filter run through the new
/// values (ArimaFit.forward).
func forwardArima(_ model: any FittedModel, to series: SeriesInput, name: String) throws -> any FittedModel {
    let wrapped = WrappedModel(model)
    guard let core = wrapped.core as? ArimaFitted else { throw PluginError.unsupported("\(name): not a fitted ARIMA model") }
    var y = try observedStretch(series)
    if let lambda = wrapped.lambda {
        y = try boxCox(y, .fixed(lambda), period: max(core.fit.spec.period, 1), model: name, series: series).0
    }
    let (xreg, pending) = try regressorStretch(series, model: name)
    do throws(ArimaError) {
        return MissingEndsModel.wrap(backTransformed(ArimaFitted(try core.fit.forward(y: y, xreg: xreg), pendingX: pending),
                                                     wrapped.lambda),
                                     series: series, missing: series.missing)
    } catch {
        throw pluginError(error)
    }
}

extension ArimaConfig: ForwardingConfig {
    func forward(_ model: any FittedModel, to series: SeriesInput) throws -> any FittedModel {
        try forwardArima(model, to: series, name: "arima")
    }
}

extension AutoArimaConfig: ForwardingConfig {
    func forward(_ model: any FittedModel, to series: SeriesInput) throws -> any FittedModel {
        try forwardArima(model, to: series, name: "auto_arima")
    }
}
