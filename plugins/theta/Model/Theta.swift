// The Theta method family in the state-space form of Fiorucci, Pellegrini, Louzada,
// Petropoulos & Koehler (2016), "Models for optimising the theta method and their
// relationship to state space models" (IJF 32(4)): the Standard (STM, theta = 2),
// Optimised (OTM), Dynamic Standard (DSTM) and Dynamic Optimised (DOTM) Theta models,
// with the seasonality test and classical decomposition of Assimakopoulos & Nikolopoulos
// (2000) / R's forecast::thetaf. The recursions, the objective and the selection follow
// statsforecast's AutoTheta (statsforecast/theta.py) so that its users get the same models.
import CNLopt
import Foundation
import PluginNumerics

public struct ThetaError: Error, Sendable {
    public enum Kind: Sendable { case invalidArgument, notEnoughData, numericFailure, cancelled }
    public let kind: Kind
    public let message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
}

public enum ThetaType: String, Sendable, CaseIterable {
    case STM, OTM, DSTM, DOTM
    var dynamic: Bool { self == .DSTM || self == .DOTM }
    var optimisesTheta: Bool { self == .OTM || self == .DOTM }
}

public enum Decomposition: String, Sendable {
    case multiplicative, additive, auto
}

public enum AppliedDecomposition: UInt8, Sendable { case none = 0, multiplicative = 1, additive = 2 }

public struct ThetaOptions: Sendable {
    /// Season length; 1 or less: no seasonal adjustment.
    public var period: Int
    /// nil: select among the four by in-sample MSE (AutoTheta).
    public var model: ThetaType?
    public var decomposition: Decomposition
    public init(period: Int = 1, model: ThetaType? = nil, decomposition: Decomposition = .multiplicative) {
        self.period = period; self.model = model; self.decomposition = decomposition
    }
}

/// The state after an observation: smoothed level ℓ, running mean ȳ, the trend line's
/// intercept A and slope B, and the one-step prediction μ made before it.
public struct ThetaState: Sendable, Equatable {
    public var level, meanY, a, b, mu: Double
}

enum Recursions {
    /// statsforecast `initstate`.
    static func initial(_ y: UnsafeBufferPointer<Double>, _ type: ThetaType, _ l0: Double, _ alpha: Double,
                        _ theta: Double) -> ThetaState {
        var s = ThetaState(level: alpha * y[0] + (1 - alpha) * l0, meanY: y[0], a: 0, b: 0, mu: 0)
        if type.dynamic {
            s.a = y[0]; s.b = 0; s.mu = y[0]
        } else {
            // The OLS line through the whole series (fixed: the "standard" models).
            let n = Double(y.count)
            var sy = 0.0, sty = 0.0
            for (t, v) in y.enumerated() { sy += v; sty += Double(t + 1) * v }
            let my = sy / n, mty = sty / n
            let b = 6 * (2 * mty - (1 + n) * my) / (n * n - 1)
            s.b = b
            s.a = my - (n + 1) * b / 2
            s.mu = l0 + (1 - 1 / theta) * (s.a + s.b)
        }
        return s
    }

    /// statsforecast `thetaupdate`: the state at index i (0-based) from the one at i-1.
    /// With `y` nil the observation is the prediction μ (forecasting).
    /// `decay` is (1-α)^i, carried by the caller rather than recomputed with pow.
    @inline(__always)
    static func update(_ p: ThetaState, _ i: Int, _ dynamic: Bool, _ alpha: Double, _ theta: Double,
                       _ y: Double?, decay: Double) -> ThetaState {
        let fi = Double(i)
        let mu = p.level + (1 - 1 / theta) * (p.a * decay + p.b * (1 - decay * (1 - alpha)) / alpha)
        let obs = y ?? mu
        var s = ThetaState(level: alpha * obs + (1 - alpha) * p.level, meanY: (fi * p.meanY + obs) / (fi + 1),
                           a: p.a, b: p.b, mu: mu)
        if dynamic {
            s.b = ((fi - 1) * p.b + 6 * (obs - p.meanY) / (fi + 1)) / (fi + 2)
            s.a = s.meanY - s.b * (fi + 2) / 2
        }
        return s
    }

    /// Runs the filter; returns the objective (sum of squared one-step errors from the fourth
    /// on, over mean |y|, as statsforecast's `thetacalc`), filling errors and the last state.
    static func run(_ y: UnsafeBufferPointer<Double>, _ type: ThetaType, _ l0: Double, _ alpha: Double,
                    _ theta: Double, errors: UnsafeMutableBufferPointer<Double>?, last: inout ThetaState,
                    meanAbs: Double) -> Double {
        var s = initial(y, type, l0, alpha, theta)
        let dyn = type.dynamic
        var sse = 0.0
        let e0 = y[0] - s.mu
        errors?[0] = e0
        var decay = 1.0
        for i in 1..<y.count {
            decay *= 1 - alpha
            s = update(s, i, dyn, alpha, theta, y[i], decay: decay)
            let e = y[i] - s.mu
            errors?[i] = e
            if i >= 3 { sse += e * e }
        }
        last = s
        return sse / meanAbs
    }
}

/// A fitted Theta model: everything forecasting, fitted values and saving need.
public struct ThetaFit: Sendable {
    public let type: ThetaType
    public let initialLevel: Double, alpha: Double, theta: Double
    /// In-sample objective (statsforecast's `mse`), on the seasonally adjusted data.
    public let mse: Double
    public let n: Int
    public let last: ThetaState
    /// Standard deviation of the one-step residuals from the fourth on (ddof 1), adjusted scale.
    public let sigma: Double
    public let decomposition: AppliedDecomposition
    /// Seasonal indices by phase (t mod period, t counted from the series' first point).
    public let seasonal: [Double]
    public let fitted: [Double]
    /// Data were constant: the forecast is that constant.
    public let constant: Double?
    /// The data were divided by this (mean |y|) before fitting; states, sigma, the initial
    /// level and additive seasonal indices are on that scale.
    public let scale: Double

    public var period: Int { seasonal.count }

    public var description: String {
        var d: String
        if constant != nil { d = "Theta(constant)" }
        else {
            // theta can run off towards its bound (1e10) when the trend line should count fully.
            let t = theta < 1000 ? String(format: "%.2f", theta) : String(format: "%.3g", theta)
            d = type.optimisesTheta ? "\(type.rawValue)(theta=\(t))" : "\(type.rawValue)"
        }
        switch decomposition {
        case .none: break
        case .multiplicative: d += " x seasonal[\(period)]"
        case .additive: d += " + seasonal[\(period)]"
        }
        return d
    }

    public init(type: ThetaType, initialLevel: Double, alpha: Double, theta: Double, mse: Double, n: Int,
                last: ThetaState, sigma: Double, decomposition: AppliedDecomposition, seasonal: [Double],
                fitted: [Double], constant: Double?, scale: Double) {
        self.type = type; self.initialLevel = initialLevel; self.alpha = alpha; self.theta = theta
        self.mse = mse; self.n = n; self.last = last; self.sigma = sigma; self.decomposition = decomposition
        self.seasonal = seasonal; self.fitted = fitted; self.constant = constant; self.scale = scale
    }

    func reseasonalise(_ x: Double, _ t: Int) -> Double {
        switch decomposition {
        case .none: x
        case .multiplicative: x * seasonal[t % seasonal.count]
        case .additive: x + seasonal[t % seasonal.count]
        }
    }

    /// Point forecasts on the adjusted scale (statsforecast `thetaforecast`).
    func adjustedMean(h: Int) -> [Double] {
        var s = last
        var out = [Double](repeating: 0, count: h)
        for k in 0..<h {
            s = Recursions.update(s, n + k, type.dynamic, alpha, theta, nil, decay: pow(1 - alpha, Double(n + k)))
            out[k] = s.mu
        }
        return out
    }

    /// Point forecasts and, for each level (percent), lower and upper bounds. The intervals
    /// are simulated as statsforecast's `compute_pi_samples` does: Gaussian one-step errors
    /// (σ of the residuals) fed through the dynamic recursion, quantiles of `samples` paths,
    /// with a generator seeded by `seed` (statsforecast: numpy's, 200 paths, seed 0).
    public func forecast(h: Int, levels: [Double], seed: UInt64 = 0, samples: Int = 1000)
        -> (mean: [Double], lo: [[Double]], hi: [[Double]]) {
        if let c = constant {
            let m = [Double](repeating: c, count: h)
            return (m, levels.map { _ in m }, levels.map { _ in m })
        }
        let adj = adjustedMean(h: h)
        let mean = (0..<h).map { reseasonalise(adj[$0], n + $0) * scale }
        guard !levels.isEmpty, h > 0 else { return (mean, [], []) }
        var lo = [[Double]](repeating: [Double](repeating: 0, count: h), count: levels.count)
        var hi = lo
        if !(sigma > 0) || !sigma.isFinite {
            return (mean, levels.map { _ in mean }, levels.map { _ in mean })
        }
        var rng = SplitMix64(seed: seed)
        // Paths side by side: for each step, the state of every path.
        var level = [Double](repeating: last.level, count: samples)
        var meanY = [Double](repeating: last.meanY, count: samples)
        var a = [Double](repeating: last.a, count: samples)
        var b = [Double](repeating: last.b, count: samples)
        var draw = [Double](repeating: 0, count: samples)
        for k in 0..<h {
            let i = Double(n + k)
            let decay = pow(1 - alpha, i)
            for j in 0..<samples {
                let mu = level[j] + (1 - 1 / theta) * (a[j] * decay + b[j] * (1 - decay * (1 - alpha)) / alpha)
                let x = mu + sigma * rng.normal()
                draw[j] = x
                level[j] = alpha * x + (1 - alpha) * level[j]
                meanY[j] = (i * meanY[j] + x) / (i + 1)
                b[j] = ((i - 1) * b[j] + 6 * (x - meanY[j]) / (i + 1)) / (i + 2)
                a[j] = meanY[j] - b[j] * (i + 2) / 2
            }
            var sorted = draw
            sorted.sort()
            for (li, lv) in levels.enumerated() {
                let q = (100 - lv) / 200
                var l = reseasonalise(quantile(sorted, q), n + k) * scale
                var u = reseasonalise(quantile(sorted, 1 - q), n + k) * scale
                if l > u { swap(&l, &u) }   // a negative seasonal index flips them
                lo[li][k] = min(l, mean[k])
                hi[li][k] = max(u, mean[k])
            }
        }
        return (mean, lo, hi)
    }
}

/// numpy's default ("linear") quantile of sorted data.
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let pos = q * Double(sorted.count - 1)
    let i = Int(pos.rounded(.down))
    if i >= sorted.count - 1 { return sorted[sorted.count - 1] }
    let f = pos - Double(i)
    return sorted[i] + f * (sorted[i + 1] - sorted[i])
}

// MARK: Seasonality

public enum Seasonality {
    /// The sample autocorrelations r_1..r_maxLag (statsmodels `acf`, not adjusted).
    public static func acf(_ y: [Double], maxLag: Int) -> [Double] {
        let n = y.count
        let mean = y.reduce(0, +) / Double(n)
        var c0 = 0.0
        for v in y { c0 += (v - mean) * (v - mean) }
        return (1...maxLag).map { k in
            var s = 0.0
            for t in 0..<(n - k) { s += (y[t] - mean) * (y[t + k] - mean) }
            return c0 > 0 ? s / c0 : 0
        }
    }

    /// The 90% one-sided test of R's thetaf and statsforecast's AutoTheta: |r_m| against
    /// 1.645·sqrt((1 + 2·Σ_{k<m} r_k²)/n). Only for m >= 4 and at least two seasons.
    public static func isSeasonal(_ y: [Double], period m: Int) -> Bool {
        guard m >= 4, y.count >= 2 * m else { return false }
        let r = acf(y, maxLag: m)
        var s = 1.0
        for k in 0..<(m - 1) { s += 2 * r[k] * r[k] }
        let stat = (s / Double(y.count)).squareRoot()
        return stat > 0 && abs(r[m - 1]) / stat > 1.6448536269514722
    }

    /// Classical decomposition's seasonal indices by phase (statsmodels `seasonal_decompose`,
    /// R's `decompose`): centred moving average trend, per-phase means of the detrended
    /// series, normalised to mean 1 (multiplicative) or 0 (additive).
    public static func classicalIndices(_ y: [Double], period m: Int, multiplicative: Bool) -> [Double] {
        let n = y.count
        let half = m / 2
        var sums = [Double](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: m)
        guard n > 2 * half else { return [Double](repeating: multiplicative ? 1 : 0, count: m) }
        for t in half..<(n - half) {
            var trend = 0.0
            if m % 2 == 0 {
                trend = 0.5 * y[t - half] + 0.5 * y[t + half]
                for j in (t - half + 1)..<(t + half) { trend += y[j] }
            } else {
                for j in (t - half)...(t + half) { trend += y[j] }
            }
            trend /= Double(m)
            sums[t % m] += multiplicative ? y[t] / trend : y[t] - trend
            counts[t % m] += 1
        }
        var idx = (0..<m).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : (multiplicative ? 1 : 0) }
        let mean = idx.reduce(0, +) / Double(m)
        for i in 0..<m { idx[i] = multiplicative ? idx[i] / mean : idx[i] - mean }
        return idx
    }
}

// MARK: Fitting

public enum ThetaFitter {
    /// Fits one model type to (already adjusted, scaled) data with NLopt's Nelder-Mead on
    /// statsforecast's objective and bounds: level in ±1e10, alpha in [0.1, 0.99], theta >= 1;
    /// start: level y₁/2, alpha 0.5, theta 2.
    static func fitOne(_ y: [Double], _ type: ThetaType, meanAbs: Double,
                       shouldCancel: (() -> Bool)?) throws(ThetaError) -> (l0: Double, alpha: Double, theta: Double, mse: Double) {
        var x: [Double] = type.optimisesTheta ? [y[0] / 2, 0.5, 2.0] : [y[0] / 2, 0.5]
        let lower: [Double] = type.optimisesTheta ? [-1e10, 0.1, 1.0] : [-1e10, 0.1]
        let upper: [Double] = type.optimisesTheta ? [1e10, 0.99, 1e10] : [1e10, 0.99]
        let steps: [Double] = type.optimisesTheta ? [max(abs(y[0]) * 0.05, 0.05), 0.05, 0.1] : [max(abs(y[0]) * 0.05, 0.05), 0.05]
        final class Box {
            let y: [Double]; let type: ThetaType; let meanAbs: Double
            let cancel: (() -> Bool)?
            var cancelled = false
            var evals = 0
            init(_ y: [Double], _ t: ThetaType, _ m: Double, _ c: (() -> Bool)?) { self.y = y; type = t; meanAbs = m; cancel = c }
        }
        let box = Box(y, type, meanAbs, shouldCancel)
        let callback: nlopt_func = { n, x, _, data in
            let b = Unmanaged<Box>.fromOpaque(data!).takeUnretainedValue()
            b.evals += 1
            if b.evals % 64 == 0, let c = b.cancel, c() { b.cancelled = true; return .infinity }
            let theta = n == 3 ? x![2] : 2.0
            var last = ThetaState(level: 0, meanY: 0, a: 0, b: 0, mu: 0)
            let v = b.y.withUnsafeBufferPointer {
                Recursions.run($0, b.type, x![0], x![1], theta, errors: nil, last: &last, meanAbs: b.meanAbs)
            }
            return v.isFinite ? v : 1e300
        }
        guard let opt = nlopt_create(NLOPT_LN_NELDERMEAD, UInt32(x.count)) else {
            throw ThetaError(.numericFailure, "NLopt could not create an optimiser")
        }
        defer { nlopt_destroy(opt) }
        nlopt_set_lower_bounds(opt, lower)
        nlopt_set_upper_bounds(opt, upper)
        nlopt_set_initial_step(opt, steps)
        nlopt_set_ftol_rel(opt, 1e-10)
        nlopt_set_xtol_rel(opt, 1e-8)
        nlopt_set_maxeval(opt, 2000)
        nlopt_set_min_objective(opt, callback, Unmanaged.passUnretained(box).toOpaque())
        var fmin = 0.0
        _ = withExtendedLifetime(box) { x.withUnsafeMutableBufferPointer { nlopt_optimize(opt, $0.baseAddress, &fmin) } }
        if box.cancelled { throw ThetaError(.cancelled, "cancelled") }
        let theta = type.optimisesTheta ? x[2] : 2.0
        var last = ThetaState(level: 0, meanY: 0, a: 0, b: 0, mu: 0)
        let mse = y.withUnsafeBufferPointer {
            Recursions.run($0, type, x[0], x[1], theta, errors: nil, last: &last, meanAbs: meanAbs)
        }
        return (x[0], x[1], theta, mse)
    }

    /// AutoTheta (or one fixed model) with the seasonality test and decomposition.
    public static func fit(_ yIn: [Double], options: ThetaOptions,
                           shouldCancel: (() -> Bool)? = nil) throws(ThetaError) -> ThetaFitResult {
        let n = yIn.count
        for (i, v) in yIn.enumerated() where !v.isFinite {
            throw ThetaError(.invalidArgument, "theta needs complete data, but value \(i + 1) of \(n) is \(v.isNaN ? "missing" : "\(v)")")
        }
        guard n > 3 else {
            throw ThetaError(.notEnoughData, "theta needs at least 4 points; series has \(n)")
        }
        // Constant (and all-zero) series: the constant, exactly.
        if yIn.allSatisfy({ $0 == yIn[0] }) {
            let c = yIn[0]
            let fit = ThetaFit(type: options.model ?? .STM, initialLevel: c / 2, alpha: 0.5, theta: 2, mse: 0, n: n,
                               last: ThetaState(level: 1, meanY: 1, a: 1, b: 0, mu: 1), sigma: 0,
                               decomposition: .none, seasonal: [1], fitted: yIn, constant: c, scale: 1)
            return ThetaFitResult(fit: fit, notes: [])
        }
        // Scale by mean |y| so huge (or tiny) magnitudes neither overflow the squared errors
        // nor upset the optimiser; every recursion is linear in the data, so this is exact.
        var scale = yIn.reduce(0) { $0 + abs($1) } / Double(n)
        if !(scale > 0) || !scale.isFinite { scale = yIn.reduce(0) { max($0, abs($1)) } }
        let y0 = yIn.map { $0 / scale }
        var notes: [String] = []

        var candidates: [(AppliedDecomposition, [Double])] = [(.none, [1])]
        let m = options.period
        if m > 1, Seasonality.isSeasonal(y0, period: m) {
            let positive = y0.allSatisfy { $0 > 0 }
            var kinds: [AppliedDecomposition]
            switch options.decomposition {
            case .additive: kinds = [.additive]
            case .multiplicative:
                if !positive { notes.append("data not strictly positive: additive seasonal decomposition instead of multiplicative") }
                kinds = [positive ? .multiplicative : .additive]
            case .auto: kinds = positive ? [.multiplicative, .additive] : [.additive]
            }
            candidates = []
            for k in kinds {
                var idx = Seasonality.classicalIndices(y0, period: m, multiplicative: k == .multiplicative)
                var kind = k
                if k == .multiplicative, idx.contains(where: { $0 < 0.01 }) {
                    notes.append("a multiplicative seasonal index is below 0.01: additive decomposition instead")
                    kind = .additive
                    idx = Seasonality.classicalIndices(y0, period: m, multiplicative: false)
                    if candidates.contains(where: { $0.0 == .additive }) { continue }
                }
                candidates.append((kind, idx))
            }
        }

        let types = options.model.map { [$0] } ?? ThetaType.allCases
        var best: ThetaFit?
        var bestScore = Double.infinity
        for (kind, idx) in candidates {
            let adj: [Double] = (0..<n).map { t in
                switch kind {
                case .none: y0[t]
                case .multiplicative: y0[t] / idx[t % m]
                case .additive: y0[t] - idx[t % m]
                }
            }
            let meanAbs = max(adj.reduce(0) { $0 + abs($1) } / Double(n), 1e-10)
            var chosen: (ThetaType, (l0: Double, alpha: Double, theta: Double, mse: Double))?
            for t in types {
                let r = try fitOne(adj, t, meanAbs: meanAbs, shouldCancel: shouldCancel)
                if r.mse.isFinite, r.mse < (chosen?.1.mse ?? .infinity) { chosen = (t, r) }
            }
            guard let (type, p) = chosen else { continue }
            let (fit, sse) = assemble(adj, y0: y0, type: type, l0: p.l0, alpha: p.alpha, theta: p.theta, mse: p.mse,
                                      kind: kind, seasonal: kind == .none ? [1.0] : idx, meanAbs: meanAbs, scale: scale)
            // One decomposition: statsforecast's choice. Two ("auto"): the smaller in-sample
            // squared error on the original scale.
            if sse < bestScore || best == nil { best = fit; bestScore = sse }
        }
        guard let best else { throw ThetaError(.numericFailure, "no theta model could be fitted") }
        return ThetaFitResult(fit: best, notes: notes)
    }

    /// The fit of one model at given parameters on the adjusted data `adj` (`y0` the data
    /// on the fitting scale before adjustment): the filter's last state, the residuals'
    /// sigma, the fitted values; and the in-sample squared error on the `y0` scale from the
    /// fourth point on.
    static func assemble(_ adj: [Double], y0: [Double], type: ThetaType, l0: Double, alpha: Double, theta: Double,
                         mse: Double, kind: AppliedDecomposition, seasonal: [Double], meanAbs: Double,
                         scale: Double) -> (fit: ThetaFit, sse: Double) {
        let n = adj.count, m = seasonal.count
        var errors = [Double](repeating: 0, count: n)
        var last = ThetaState(level: 0, meanY: 0, a: 0, b: 0, mu: 0)
        _ = adj.withUnsafeBufferPointer { a in
            errors.withUnsafeMutableBufferPointer { e in
                Recursions.run(a, type, l0, alpha, theta, errors: e, last: &last, meanAbs: meanAbs)
            }
        }
        let tail = n > 5 ? Array(errors[3...]) : errors
        let em = tail.reduce(0, +) / Double(tail.count)
        let sigma = (tail.reduce(0) { $0 + ($1 - em) * ($1 - em) } / Double(tail.count - 1)).squareRoot()
        var fitted = [Double](repeating: 0, count: n)
        var sse = 0.0
        for t in 0..<n {
            let mu = adj[t] - errors[t]
            let f = switch kind {
            case .none: mu
            case .multiplicative: mu * seasonal[t % m]
            case .additive: mu + seasonal[t % m]
            }
            fitted[t] = f * scale
            if t >= 3 { sse += (y0[t] - f) * (y0[t] - f) }
        }
        let fit = ThetaFit(type: type, initialLevel: l0, alpha: alpha, theta: theta, mse: mse, n: n,
                           last: last, sigma: sigma, decomposition: kind, seasonal: seasonal, fitted: fitted,
                           constant: nil, scale: scale)
        return (fit, sse)
    }
}

public struct ThetaFitResult: Sendable {
    public let fit: ThetaFit
    /// What the fit decided that a user should hear (decomposition changed).
    public let notes: [String]
}

extension ThetaFitter {
    /// The objective and the first h point forecasts of one model at given parameters, on
    /// the data as seasonally adjusted (`period` > 1) by the multiplicative decomposition, as
    /// statsforecast computes them. For checks against reference implementations.
    public static func evaluate(_ y: [Double], period: Int, type: ThetaType, l0: Double, alpha: Double, theta: Double,
                                h: Int) -> (mse: Double, forecast: [Double]) {
        let n = y.count
        let idx = period > 1 ? Seasonality.classicalIndices(y, period: period, multiplicative: true) : [1.0]
        let adj = (0..<n).map { y[$0] / idx[$0 % idx.count] }
        let meanAbs = max(adj.reduce(0) { $0 + abs($1) } / Double(n), 1e-10)
        var last = ThetaState(level: 0, meanY: 0, a: 0, b: 0, mu: 0)
        let mse = adj.withUnsafeBufferPointer {
            Recursions.run($0, type, l0, alpha, theta, errors: nil, last: &last, meanAbs: meanAbs)
        }
        let fit = ThetaFit(type: type, initialLevel: l0, alpha: alpha, theta: theta, mse: mse, n: n, last: last, sigma: 0,
                           decomposition: period > 1 ? .multiplicative : .none, seasonal: idx, fitted: [],
                           constant: nil, scale: 1)
        return (mse, fit.forecast(h: h, levels: []).mean)
    }
}
