/// Forecast accuracy measures. Every measure skips the points where the actual or the forecast
/// (or an interval bound) is NaN; pairs are formed position by position up to the shorter input.
/// A measure with no usable point is NaN.
public enum Metrics {
    /// Mean absolute error.
    @inlinable
    public static func mae(_ actual: some Collection<Double>, _ forecast: some Collection<Double>) -> Double {
        var sum = 0.0, n = 0
        for (a, f) in zip(actual, forecast) where !a.isNaN && !f.isNaN {
            sum += abs(a - f); n += 1
        }
        return n > 0 ? sum / Double(n) : .nan
    }

    /// Mean squared error.
    @inlinable
    public static func mse(_ actual: some Collection<Double>, _ forecast: some Collection<Double>) -> Double {
        var sum = 0.0, n = 0
        for (a, f) in zip(actual, forecast) where !a.isNaN && !f.isNaN {
            sum += (a - f) * (a - f); n += 1
        }
        return n > 0 ? sum / Double(n) : .nan
    }

    /// Root mean squared error.
    @inlinable
    public static func rmse(_ actual: some Collection<Double>, _ forecast: some Collection<Double>) -> Double {
        mse(actual, forecast).squareRoot()
    }

    /// Symmetric MAPE in percent: mean of 200 |y - f| / (|y| + |f|), a point counting 0 when both are 0.
    @inlinable
    public static func smape(_ actual: some Collection<Double>, _ forecast: some Collection<Double>) -> Double {
        var sum = 0.0, n = 0
        for (a, f) in zip(actual, forecast) where !a.isNaN && !f.isNaN {
            let denominator = abs(a) + abs(f)
            if denominator > 0 { sum += 200 * abs(a - f) / denominator }
            n += 1
        }
        return n > 0 ? sum / Double(n) : .nan
    }

    /// Scale of MASE: the in-sample MAE of the seasonal naive forecast (y[t] predicted by
    /// y[t - season]). When that is 0, or `season` is below 1 or not shorter than the history, lag 1
    /// is used instead; nil when the lag-1 MAE is also 0 or cannot be computed (a constant or too
    /// short history).
    @inlinable
    public static func naiveScale(insample: some Collection<Double>, season: Int) -> Double? {
        @inline(__always) func lagMAE(_ lag: Int) -> Double {
            var sum = 0.0, n = 0
            for (now, before) in zip(insample.dropFirst(lag), insample) where !now.isNaN && !before.isNaN {
                sum += abs(now - before); n += 1
            }
            return n > 0 ? sum / Double(n) : .nan
        }
        if season > 1 && season < insample.count {
            let seasonal = lagMAE(season)
            if seasonal > 0 { return seasonal }
        }
        let naive = lagMAE(1)
        return naive > 0 ? naive : nil
    }

    /// Mean absolute scaled error: `mae(actual, forecast) / naiveScale(insample, season)`;
    /// nil when the scale is nil.
    @inlinable
    public static func mase(actual: some Collection<Double>, forecast: some Collection<Double>,
                            insample: some Collection<Double>, season: Int) -> Double? {
        guard let scale = naiveScale(insample: insample, season: season) else { return nil }
        return mae(actual, forecast) / scale
    }

    /// Share (0...1) of points with `lo <= y <= hi`.
    @inlinable
    public static func coverage(actual: some Collection<Double>, lo: some Collection<Double>,
                                hi: some Collection<Double>) -> Double {
        var inside = 0, n = 0
        for ((a, l), h) in zip(zip(actual, lo), hi) where !a.isNaN && !l.isNaN && !h.isNaN {
            if l <= a && a <= h { inside += 1 }
            n += 1
        }
        return n > 0 ? Double(inside) / Double(n) : .nan
    }

    /// Mean error (forecast - actual): positive when forecasts are too high.
    @inlinable
    public static func bias(_ actual: some Collection<Double>, _ forecast: some Collection<Double>) -> Double {
        var sum = 0.0, n = 0
        for (a, f) in zip(actual, forecast) where !a.isNaN && !f.isNaN {
            sum += f - a; n += 1
        }
        return n > 0 ? sum / Double(n) : .nan
    }
}
