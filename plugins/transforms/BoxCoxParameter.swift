// The `lambda:` parameter shared by the plugins that offer Box-Cox (arima, auto_arima, ets):
// parsing it, transforming a series, and wrapping the fitted model to transform back.
import FcastPluginKit
import PluginNumerics

/// Box-Cox before fitting when `lambda:` is given: the transformed values and λ, or an
/// error naming the series.
public func boxCox(_ y: [Double], _ choice: BoxCox.Choice?, period: Int, model: String, series: SeriesInput) throws -> ([Double], Double?) {
    guard let choice else { return (y, nil) }
    let r = BoxCox.apply(y, choice, period: period, firstPoint: series.missing.leading)
    if let e = r.error { throw PluginError.badData("\(model): series \(series.id): \(e)") }
    return (r.z, r.lambda)
}

/// The `lambda:` parameter's value, or nil when not given.
public func lambdaChoice(_ v: ParameterValues) throws -> BoxCox.Choice? {
    guard let text = v.json("lambda") else { return nil }
    guard let c = BoxCox.parse(json: text) else {
        throw PluginError.invalidArgument("lambda must be a number or \"auto\", got \(text)")
    }
    return c
}

/// The fitted model, transformed back when λ was used.
public func backTransformed(_ model: any FittedModel, _ lambda: Double?) -> any FittedModel {
    guard let lambda else { return model }
    return BackTransformedModel(model, lambda: lambda, inverse: { BoxCox.inverse($0, lambda: $1) })
}
