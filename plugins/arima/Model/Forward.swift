/// A fitted model applied to new data without estimating again: R's `Arima(y, model = fit)`
/// (forecast's arima2) and statsforecast's `forward_arima`.
extension ArimaFit {
    /// This model's orders and coefficients (mean and drift included) applied to `y`,
    /// typically the series it was fitted on continued by newer points, from the same first
    /// point (the drift's time index counts from it): the exact Kalman filter runs through
    /// `y` for the residuals and the final state, and the forecasts continue from there.
    /// The innovation variance stays the fit's, as R's arima2 keeps `sigma2`; the
    /// log-likelihood and criteria stay the fit's too (nothing was estimated on `y`).
    /// With regressors, `xreg` gives their values over `y` (one column per regressor, as
    /// the fit's): the coefficients stay the fit's and the filter runs on the regression's
    /// errors.
    public func forward(y: [Double], xreg: [[Double]] = []) throws(ArimaError) -> ArimaFit {
        guard xreg.count == xregCoef.count else {
            throw .invalid("\(spec.description) was fitted with \(xregCoef.count) regressors; \(xreg.count) given")
        }
        for (j, x) in xreg.enumerated() {
            guard x.count == y.count else { throw .invalid("regressor \(j + 1) has \(x.count) values, y has \(y.count)") }
            if let t = x.firstIndex(where: { !$0.isFinite }) { throw .invalid("regressor \(j + 1) is missing or not finite at index \(t)") }
        }
        try ArimaModel.checkSeries(y)
        return try ArimaFit(spec: spec, method: method, ar: ar, ma: ma, sar: sar, sma: sma, intercept: intercept,
                            drift: drift, xreg: xreg, xregCoef: xregCoef, sigma2: sigma2, loglik: loglik, y: y)
    }
}
