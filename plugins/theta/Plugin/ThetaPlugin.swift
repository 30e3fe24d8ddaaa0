// The theta plugin: the Theta method family (STM, OTM, DSTM, DOTM of Fiorucci et al. 2016)
// and AutoTheta selection over the ThetaModel numerics, exported through the fcast plugin ABI.
import CFcastPlugin
import FcastPluginKit
import PluginNumerics
import ThetaModel

private let library = PluginLibrary(
    name: "theta", version: "1.0.0",
    description: "Theta method: standard, optimised and dynamic theta models (Fiorucci et al. 2016), AutoTheta",
    algorithms: [ThetaAlgorithm()])

@_cdecl("fcast_theta_plugin_entry")
public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
                             _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

func pluginError(_ e: ThetaError) -> PluginError {
    switch e.kind {
    case .invalidArgument: .invalidArgument(e.message)
    case .notEnoughData: .notEnoughData(e.message)
    case .numericFailure: .numeric(e.message)
    case .cancelled: .cancelled()
    }
}

struct ThetaAlgorithm: Algorithm {
    var name: String { "theta" }
    var summary: String {
        "Theta method: STM, OTM, DSTM or DOTM (Fiorucci et al. 2016), the best by in-sample MSE unless one is given"
    }
    var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted] }
    var parameters: [Parameter] {
        [Parameter("model", .string, auto: true, choices: ["STM", "OTM", "DSTM", "DOTM"],
                   help: "one model (default: the best of the four by in-sample MSE, as AutoTheta)"),
         .string("decomposition", default: "multiplicative", choices: ["multiplicative", "additive", "auto"],
                 help: "seasonal adjustment when the ACF test finds seasonality (multiplicative falls back to additive for data not strictly positive; auto: the better fit of the two)"),
         Parameter("season", .int, auto: true, min: 1, max: 1000,
                   help: "season length in periods (default: from the data's frequency, 12 for monthly); 1: no seasonal adjustment")]
    }

    func configure(_ v: ParameterValues) throws -> any ModelConfig {
        var model: ThetaType?
        if let s = v.string("model") {
            guard let t = ThetaType(rawValue: s) else {
                throw PluginError.invalidArgument("model must be \"STM\", \"OTM\", \"DSTM\" or \"DOTM\", got \"\(s)\"")
            }
            model = t
        }
        let ds = v.string("decomposition") ?? "multiplicative"
        guard let dec = Decomposition(rawValue: ds) else {
            throw PluginError.invalidArgument("decomposition must be \"multiplicative\", \"additive\" or \"auto\", got \"\(ds)\"")
        }
        return ThetaConfig(model: model, decomposition: dec, season: v.int("season"))
    }
}

final class ThetaConfig: ModelConfig {
    let model: ThetaType?
    let decomposition: Decomposition
    let season: Int?

    init(model: ThetaType?, decomposition: Decomposition, season: Int?) {
        self.model = model
        self.decomposition = decomposition
        self.season = season
    }

    func fit(_ series: SeriesInput) throws -> any FittedModel {
        let options = ThetaOptions(period: season ?? series.defaultSeason, model: model, decomposition: decomposition)
        // Leading and trailing missing values are cut off (MissingEndsModel forecasts across
        // the trailing ones); interior ones are interpolated (plugins/shared/Interpolation.swift).
        try series.requireNoInfinity(model: "theta")
        try series.requireObserved(4, model: "theta")
        let missing = series.missing
        let y = Interpolation.fillInterior(series.observedStretch, period: options.period)
        if missing.interior > 0 {
            PluginHost.log(.info, "theta, series \(series.id): \(missing.interior) missing value\(missing.interior == 1 ? "" : "s") interpolated")
        }
        let result: ThetaFitResult
        do throws(ThetaError) {
            result = try ThetaFitter.fit(y, options: options, shouldCancel: { PluginHost.shouldCancel })
        } catch {
            throw pluginError(error)
        }
        for note in result.notes { PluginHost.log(.info, "theta, series \(series.id): \(note)") }
        return MissingEndsModel.wrap(ThetaFitted(result.fit), series: series, missing: missing)
    }

    func load(_ bytes: [UInt8]) throws -> any FittedModel {
        try MissingEndsModel.load(bytes) { bytes in
            do throws(ThetaError) { return ThetaFitted(try ThetaFit.deserialize(bytes)) } catch { throw pluginError(error) }
        }
    }
}

final class ThetaFitted: FittedModel {
    let fit: ThetaFit
    init(_ fit: ThetaFit) { self.fit = fit }

    var modelDescription: String? { fit.description }

    func predict(_ request: ForecastRequest) throws -> Forecast {
        let f = fit.forecast(h: request.horizon, levels: request.levels, seed: request.seed)
        return Forecast(mean: f.mean, lo: f.lo, hi: f.hi)
    }

    func fittedValues() throws -> [Double] { fit.fitted }
    func save() throws -> [UInt8] { fit.serialize() }
}

// MARK: Forecasting new data without fitting again (fcast.forward.v1)

extension ThetaConfig: ForwardingConfig {
    /// `model` applied to `series`: the same type, initial level, alpha, theta and seasonal
    /// decomposition (ThetaFit.forward); a model of a constant series has no parameters, so
    /// the new data are fitted.
    func forward(_ model: any FittedModel, to series: SeriesInput) throws -> any FittedModel {
        guard let core = WrappedModel(model).core as? ThetaFitted else {
            throw PluginError.unsupported("theta: not a fitted theta model")
        }
        try series.requireNoInfinity(model: "theta")
        try series.requireObserved(4, model: "theta")
        let missing = series.missing
        let y = Interpolation.fillInterior(series.observedStretch, period: season ?? series.defaultSeason)
        let forwarded: ThetaFit?
        do throws(ThetaError) { forwarded = try core.fit.forward(y: y) } catch { throw pluginError(error) }
        guard let forwarded else { return try fit(series) }
        return MissingEndsModel.wrap(ThetaFitted(forwarded), series: series, missing: missing)
    }
}
