import Foundation

/// A fitted ETS model applied to new data without estimating again: R's `ets(y, model =
/// fit, use.initial.values = TRUE)`, statsforecast's `forward` of its ETS models.
extension EtsFit {
    /// This model's form, smoothing parameters and initial states applied to `y`: the series
    /// it was fitted on continued by newer points, from the same first point. The states
    /// are filtered from the fitted initial state through every value of `y`, and forecasts
    /// continue from the last. The residuals, fitted values, sigma^2 (sum of squared errors
    /// over n minus the number of estimated parameters, as a fit's) and log-likelihood are
    /// those of `y`; the criteria keep the fit's parameter count.
    public func forward(y: [Double]) throws(EtsError) -> EtsFit {
        let n = y.count
        guard n >= 1 else { throw EtsError(.notEnoughData, "ets needs at least 1 value to forecast from") }
        if let i = y.firstIndex(where: { !$0.isFinite }) {
            throw EtsError(.badData, "ets needs finite values, but value \(i + 1) of \(n) is \(y[i])")
        }
        var i = 1
        let l = initial[0]
        var b = 0.0
        if spec.trend != .none { b = initial[1]; i = 2 }
        let seas: [Double]
        if spec.season != .none {
            guard initial.count == i + spec.period else {
                throw EtsError(.badData, "\(spec.description): the model's initial states do not match its season")
            }
            seas = Array(initial[i...])
        } else {
            seas = [0]
        }
        let st = State(l: l, b: b, seas: seas)
        var e = [Double](repeating: 0, count: n), f = e
        var fin = st
        let lik = y.withUnsafeBufferPointer { yb in
            e.withUnsafeMutableBufferPointer { eb in f.withUnsafeMutableBufferPointer { fb in
                likelihood(yb, spec, params, st, errors: eb.baseAddress, fitted: fb.baseAddress, final: &fin)
            } }
        }
        guard lik.isFinite else { throw EtsError(.numeric, "\(spec.description): the states are not finite on the new data") }
        let np = nParams, dim = nParams - 1
        let aic = lik + 2 * Double(np)
        let bic = lik + log(Double(n)) * Double(np)
        let aicc = n - np - 1 > 0 ? aic + 2 * Double(np * (np + 1)) / Double(n - np - 1) : .infinity
        let sse = e.reduce(0) { $0 + $1 * $1 }
        let sigma2 = n > dim ? sse / Double(n - dim) : sse / Double(n)
        return EtsFit(spec: spec, params: params, initial: initial, level: fin.l, growth: fin.b,
                      seasonal: spec.season == .none ? [] : fin.seasonal, sigma2: sigma2, loglik: -0.5 * lik,
                      aic: aic, aicc: aicc, bic: bic, nParams: np, fitted: f, residuals: e)
    }
}
