// The ets plugin: exponential smoothing state-space models (ETS), fixed or chosen by AICc
// as R's forecast::ets, over the EtsModel numerics, exported through the fcast plugin ABI.
import CFcastPlugin
import EtsModel
import FcastPluginKit
import PluginNumerics
import PluginTransforms

private let library = PluginLibrary(
    name: "ets", version: "1.0.0",
    description: "Exponential smoothing state-space models ETS(E,T,S), chosen by AICc as R's ets",
    algorithms: [EtsAlgorithm()])

@_cdecl("fcast_ets_plugin_entry")
public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
                             _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

func pluginError(_ e: EtsError) -> PluginError {
    switch e.kind {
    case .invalidArgument: .invalidArgument(e.message)
    case .notEnoughData: .notEnoughData(e.message)
    case .badData: .badData(e.message)
    case .numeric: .numeric(e.message)
    case .cancelled: .cancelled()
    }
}

public struct EtsAlgorithm: Algorithm {
    public init() {}
    public var name: String { "ets" }
    public var summary: String { "Exponential smoothing ETS(error, trend, season), fixed or chosen by an information criterion" }
    public var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted] }
    public var parameters: [Parameter] {
        [.json("lambda", help: BoxCox.parameterHelp),
         .string("model", default: "ZZZ",
                 help: "error, trend, season letters: A additive, M multiplicative, N none, Z chosen; \"MAdM\" damps the trend"),
         Parameter("damped", .bool, auto: true, help: "a damped trend (default: both tried)"),
         Parameter("season", .int, auto: true, min: 1, max: 100_000,
                   help: "season length in periods (default: from the frequency); 1 or above 24: non-seasonal"),
         .string("ic", default: "aicc", choices: ["aicc", "aic", "bic"], help: "the criterion that picks the model"),
         .bool("allow_multiplicative_trend", default: false, help: "consider multiplicative trends (as R's allow.multiplicative.trend)"),
         .string("optimizer", default: "bobyqa", choices: ["bobyqa", "nelder_mead"],
                 help: "NLopt algorithm: bobyqa (bounded quadratic models), or nelder_mead as R and statsforecast")]
    }

    public func configure(_ v: ParameterValues) throws -> any ModelConfig {
        var o = EtsOptions()
        do throws(EtsError) { try o.setModel(v.string("model", default: "ZZZ")) } catch { throw pluginError(error) }
        if let d = v.bool("damped") {
            if d && o.trend == Component.none { throw PluginError.invalidArgument("damped: true needs a trend, but the model has none") }
            o.damped = d
        }
        if let ic = v.string("ic") {
            guard let c = Criterion(rawValue: ic) else { throw PluginError.invalidArgument("ic must be \"aicc\", \"aic\" or \"bic\", got \"\(ic)\"") }
            o.ic = c
        }
        o.allowMultiplicativeTrend = v.bool("allow_multiplicative_trend", default: false)
        if let name = v.string("optimizer") {
            guard let opt = Optimizer(rawValue: name) else {
                throw PluginError.invalidArgument("optimizer must be \"nelder_mead\" or \"bobyqa\", got \"\(name)\"")
            }
            o.optimizer = opt
        }
        if let s = v.int("season") {
            guard s >= 1 else { throw PluginError.invalidArgument("'season' must be at least 1, got \(s)") }
            o.period = s
        }
        return EtsConfig(options: o, seasonGiven: v.isSet("season"), lambda: try lambdaChoice(v))
    }
}

final class EtsConfig: ModelConfig {
    let options: EtsOptions
    let seasonGiven: Bool
    let lambda: BoxCox.Choice?
    init(options: EtsOptions, seasonGiven: Bool, lambda: BoxCox.Choice? = nil) {
        self.options = options; self.seasonGiven = seasonGiven; self.lambda = lambda
    }

    func fit(_ series: SeriesInput) throws -> any FittedModel {
        var o = options
        if !seasonGiven { o.period = series.defaultSeason }
        // Leading and trailing missing values are cut off (MissingEndsModel forecasts across
        // the trailing ones); interior ones are interpolated (plugins/shared/Interpolation.swift).
        try series.requireNoInfinity(model: "ets")
        try series.requireObserved(3, model: "ets")
        let missing = series.missing
        let filled = Interpolation.fillInterior(series.observedStretch, period: o.period)
        let (y, usedLambda) = try boxCox(filled, lambda, period: o.period, model: "ets", series: series)
        if missing.interior > 0 {
            PluginHost.log(.info, "ets, series \(series.id): \(missing.interior) missing value\(missing.interior == 1 ? "" : "s") interpolated")
        }
        do {
            let fit = backTransformed(EtsFitted(try Ets.fit(y: y, options: o, cancel: { PluginHost.shouldCancel })), usedLambda)
            return MissingEndsModel.wrap(fit, series: series, missing: missing)
        } catch { throw pluginError(error) }
    }

    func load(_ bytes: [UInt8]) throws -> any FittedModel {
        try MissingEndsModel.load(bytes) { bytes in
            try BackTransformedModel.load(bytes, inverse: { BoxCox.inverse($0, lambda: $1) }) { bytes in
                do throws(EtsError) { return EtsFitted(try EtsFit.deserialize(bytes)) } catch { throw pluginError(error) }
            }
        }
    }
}

final class EtsFitted: FittedModel {
    let fit: EtsFit
    init(_ fit: EtsFit) { self.fit = fit }
    var modelDescription: String? { fit.description }

    func predict(_ request: ForecastRequest) throws -> Forecast {
        let h = request.horizon
        let mean = fit.pointForecast(h: h)
        if request.levels.isEmpty { return Forecast(mean: mean, lo: [], hi: []) }
        if let (centre, variance) = fit.forecastMoments(h: h) {
            let se = variance.map { max($0, 0).squareRoot() }
            let (lo, hi) = Normal.intervals(mean: centre, se: se, levels: request.levels)
            return Forecast(mean: mean, lo: lo, hi: hi)
        }
        // Otherwise (a multiplicative trend, additive errors with a multiplicative season) 5000
        // paths as R's forecast.ets; only the order statistics the levels need are selected from
        // each step's values (quantiles7), not a full sort
        let paths = 5000
        var sims = fit.simulatedColumns(h: h, paths: paths, seed: request.seed)
        let probs = request.levels.flatMap { [0.5 - $0 / 200, 0.5 + $0 / 200] }
        var lo = [[Double]](repeating: [Double](repeating: 0, count: h), count: request.levels.count), hi = lo
        sims.withUnsafeMutableBufferPointer { buf in
            for t in 0..<h {
                let q = quantiles7(UnsafeMutableBufferPointer(rebasing: buf[(t * paths)..<((t + 1) * paths)]), probs)
                for k in request.levels.indices {
                    lo[k][t] = q[2 * k]
                    hi[k][t] = q[2 * k + 1]
                }
            }
        }
        return Forecast(mean: mean, lo: lo, hi: hi)
    }

    func fittedValues() throws -> [Double] { fit.fitted }
    func save() throws -> [UInt8] { fit.serialize() }
}


// MARK: Forecasting new data without fitting again (fcast.forward.v1)

extension EtsConfig: ForwardingConfig {
    /// `model` applied to `series`: the same form, smoothing parameters, initial states and
    /// Box-Cox lambda, the states filtered through the new values (EtsFit.forward). The new
    /// data are prepared as a fit prepares them (missing ends cut, interior ones interpolated).
    func forward(_ model: any FittedModel, to series: SeriesInput) throws -> any FittedModel {
        let wrapped = WrappedModel(model)
        guard let core = wrapped.core as? EtsFitted else { throw PluginError.unsupported("ets: not a fitted ETS model") }
        try series.requireNoInfinity(model: "ets")
        try series.requireObserved(1, model: "ets")
        let missing = series.missing
        let period = seasonGiven ? options.period : series.defaultSeason
        var y = Interpolation.fillInterior(series.observedStretch, period: period)
        if let lambda = wrapped.lambda {
            y = try boxCox(y, .fixed(lambda), period: period, model: "ets", series: series).0
        }
        do {
            let fit = backTransformed(EtsFitted(try core.fit.forward(y: y)), wrapped.lambda)
            return MissingEndsModel.wrap(fit, series: series, missing: missing)
        } catch { throw pluginError(error) }
    }
}
