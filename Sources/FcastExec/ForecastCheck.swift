import FcastPlugins

/// What the host checks in a plugin's forecast before keeping it: a plugin is code fcast
/// does not control, and a NaN or an inverted interval written to a CSV looks like a result.
/// A forecast that fails a check fails its task with the reason (the task's model and series
/// are named by the run's failure report).
public enum ForecastCheck {
    /// Relative slack for comparing bounds: intervals computed as mean -/+ z*sd can differ
    /// from the mean in the last bits.
    static let tolerance = 1e-9

    static func slack(_ a: Double, _ b: Double) -> Double { tolerance * Swift.max(1, Swift.abs(a), Swift.abs(b)) }

    /// The first problem of a forecast of `h` steps: mean, then (when the plugin gives
    /// intervals) bounds `lo`/`hi`, level-major (`lo[l*h + t]`) for `levels` in percent.
    /// Bounds must be finite, lo <= hi, and a wider level's interval must contain a narrower one's.
    static func problem(model: String, h: Int, levels: [Double], intervals: Bool,
                        mean: UnsafeBufferPointer<Double>, lo: UnsafeBufferPointer<Double>,
                        hi: UnsafeBufferPointer<Double>) -> String? {
        for t in 0..<h where !mean[t].isFinite {
            return "\(model) produced a non-finite forecast (\(mean[t])) at step \(t + 1)"
        }
        guard intervals, !levels.isEmpty else { return nil }
        func level(_ l: Int) -> String {
            let x = levels[l]
            return (x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)") + "%"
        }
        for l in levels.indices {
            for t in 0..<h {
                let a = lo[l * h + t], b = hi[l * h + t]
                guard a.isFinite, b.isFinite else {
                    return "\(model) produced a non-finite \(level(l)) interval bound (\(a), \(b)) at step \(t + 1)"
                }
                guard a <= b + slack(a, b) else {
                    return "\(model) produced an inverted \(level(l)) interval at step \(t + 1): lower \(a) > upper \(b)"
                }
            }
        }
        // Nesting: sort levels; each wider interval contains the narrower one.
        let order = levels.indices.sorted { levels[$0] < levels[$1] }
        for (narrow, wide) in zip(order, order.dropFirst()) where levels[wide] > levels[narrow] {
            for t in 0..<h {
                let ln = lo[narrow * h + t], hn = hi[narrow * h + t]
                let lw = lo[wide * h + t], hw = hi[wide * h + t]
                if lw > ln + slack(lw, ln) || hw < hn - slack(hw, hn) {
                    return "\(model) produced intervals that are not nested at step \(t + 1): the \(level(wide)) interval "
                        + "[\(lw), \(hw)] does not contain the \(level(narrow)) interval [\(ln), \(hn)]"
                }
            }
        }
        return nil
    }

    /// The same checks on a forecast as `predict` returns it (one array of bounds per level,
    /// none when the model gives no intervals): what the forecast service checks per request.
    public static func problem(model: String, levels: [Double], values v: ForecastValues) -> String? {
        let h = v.mean.count
        let intervals = !levels.isEmpty && v.lo.count == levels.count && v.hi.count == levels.count
        let lo = intervals ? v.lo.flatMap { $0 } : [], hi = intervals ? v.hi.flatMap { $0 } : []
        guard !intervals || (lo.count == levels.count * h && hi.count == levels.count * h) else {
            return "\(model) produced intervals of the wrong length"
        }
        return v.mean.withUnsafeBufferPointer { m in
            lo.withUnsafeBufferPointer { l in
                hi.withUnsafeBufferPointer { u in
                    problem(model: model, h: h, levels: levels, intervals: intervals, mean: m, lo: l, hi: u)
                }
            }
        }
    }
}
