// Filling interior missing values (NaN) before fitting a model that needs complete data
// (ets, theta), in the spirit of R's forecast::na.interp:
//  - non-seasonal series (period 1): linear interpolation between the observed neighbours,
//    as na.interp does;
//  - seasonal series: linear interpolation within each season position's subseries (a
//    missing March between the Marches before and after it), which keeps the seasonal
//    pattern; where a position has no observed value on one side, plain linear
//    interpolation. (na.interp instead interpolates an STL-adjusted series; this is simpler
//    and needs no decomposition of a gapped series.)
// Leading and trailing missing values are left as they are: callers cut them off.

public enum Interpolation {
    /// `y` with its interior missing values filled (see above).
    public static func fillInterior(_ y: [Double], period: Int) -> [Double] {
        var out = y
        guard let first = y.firstIndex(where: { !$0.isNaN }), let last = y.lastIndex(where: { !$0.isNaN }) else { return out }
        for t in first...last where y[t].isNaN {
            if period > 1, let v = between(y, t, step: period, first: first, last: last) {
                out[t] = v
            } else if let v = between(y, t, step: 1, first: first, last: last) {
                out[t] = v
            }
        }
        return out
    }

    /// Linear interpolation at t between the nearest observed values at t - k·step and
    /// t + k·step within first...last, or nil when one side has none.
    static func between(_ y: [Double], _ t: Int, step: Int, first: Int, last: Int) -> Double? {
        var a = t - step
        while a >= first && y[a].isNaN { a -= step }
        var b = t + step
        while b <= last && y[b].isNaN { b += step }
        guard a >= first, b <= last else { return nil }
        let w = Double(t - a) / Double(b - a)
        return y[a] + w * (y[b] - y[a])
    }
}
