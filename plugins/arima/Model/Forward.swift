/// A fitted model applied to new data without estimating again: R's `Arima(y, model = fit)`
/// (forecast's arima2) and statsforecast's `forward_arima`.
extension ArimaFit {
    /// This model's orders and coefficients (mean and drift included) applied to `y`,
    /// typically the series it was fitted on continued by newer points, from the same first
    /// point (the drift's time index counts from it): the exact Kalman filter runs through
    /// `y` for the residuals and the final state, and the forecasts continue from there.
    /// The innovation variance stays the fit's, as R's arima2 keeps `sigma2`; the
    /// log-likelihood and criteria stay the fit's too (nothing was estimated on `y`).
    /// A model with regressors cannot be forwarded here (their new values are not given).
    public func forward(y: [Double]) throws(ArimaError) -> ArimaFit {
        guard xregCoef.isEmpty else {
            throw .invalid("\(spec.description) has regressors: forecasting new data from it needs their values")
        }
        try ArimaModel.checkSeries(y)
        return try ArimaFit(spec: spec, method: method, ar: ar, ma: ma, sar: sar, sma: sma, intercept: intercept,
                            drift: drift, sigma2: sigma2, loglik: loglik, y: y)
    }
}
