// Forecasts from a fitted ETS model: point forecasts by the recursions (R's forecast()
// in etscalc.c), analytical variances for the linear class (Hyndman et al. 2008, ch. 6:
// v_h = σ² (1 + Σ_{j<h} c_j²), c_j = w'F^{j-1}g), and sample paths for the others.
import Foundation
import PluginNumerics

extension EtsFit {
    var finalState: State {
        State(l: level, b: growth, seas: spec.season == .none ? [0] : seasonal)
    }

    /// Point forecasts for steps 1...h.
    public func pointForecast(h: Int) -> [Double] {
        let m = spec.period
        var out = [Double](repeating: 0, count: h)
        let phi = spec.damped ? params.phi : 1
        var phistar = phi
        for i in 0..<h {
            var f: Double
            switch spec.trend {
            case .none: f = level
            case .additive: f = level + phistar * growth
            case .multiplicative: f = growth < 0 ? .nan : level * pow(growth, phistar)
            }
            if spec.season != .none {
                var j = m - 1 - i
                while j < 0 { j += m }
                f = spec.season == .additive ? f + seasonal[j] : f * seasonal[j]
            }
            out[i] = f
            phistar += abs(phi - 1) < tol ? 1 : pow(phi, Double(i + 1))
        }
        return out
    }

    /// The centre and variance of the forecast distribution for steps 1...h where Hyndman et
    /// al. (2008, ch. 6) give them, as R's forecast.ets uses them: exact for classes 1 and 2,
    /// approximate for class 3 (multiplicative error and season), whose centre is the
    /// conditional mean with its σ² correction (the point forecast stays the recursion's, as R's
    /// and statsforecast's fitted forms give it). nil where only simulation gives intervals
    /// (a multiplicative trend; additive errors with a multiplicative season) or where the
    /// moments are not finite.
    public func forecastMoments(h: Int) -> (centre: [Double], variance: [Double])? {
        guard spec.trend != .multiplicative else { return nil }
        let moments: (centre: [Double], variance: [Double])
        if spec.isLinear {
            moments = (pointForecast(h: h), linearVariance(h: h))
        } else if spec.error == .multiplicative && spec.season != .multiplicative {
            moments = (pointForecast(h: h), class2Variance(h: h))
        } else if spec.error == .multiplicative {
            let c3 = class3Moments(h: h)
            moments = (c3.mean, c3.variance)
        } else {
            return nil
        }
        guard moments.centre.allSatisfy({ $0.isFinite }), moments.variance.allSatisfy({ $0.isFinite }) else { return nil }
        return moments
    }

    /// Forecast variances for steps 1...h of a linear (class 1) model.
    public func linearVariance(h: Int) -> [Double] {
        let c = linearCoefficients(h: h)
        var out = [Double](repeating: 0, count: h)
        var acc = 1.0
        for step in 0..<h {
            out[step] = sigma2 * acc
            if step < c.count { acc += c[step] * c[step] }
        }
        return out
    }

    /// c_j = w'F^{j-1}g for j = 1...h-1: the weight of the innovation j steps back in the
    /// forecast, for the additive form of the model (Hyndman et al. 2008, ch. 6).
    func linearCoefficients(h: Int) -> [Double] {
        let m = spec.period
        let phi = spec.damped ? params.phi : 1
        let hasB = spec.trend != .none, hasS = spec.season != .none
        // state vector [l, b, s_0..s_{m-1}]; w, F, g as in Hyndman et al. (2008, ch. 3)
        let k = 1 + (hasB ? 1 : 0) + (hasS ? m : 0)
        let bi = 1, si = hasB ? 2 : 1
        var w = [Double](repeating: 0, count: k), g = w
        w[0] = 1; g[0] = params.alpha
        if hasB { w[bi] = phi; g[bi] = params.beta }
        if hasS { w[si + m - 1] = 1; g[si] = params.gamma }
        func applyF(_ v: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: k)
            r[0] = v[0] + (hasB ? phi * v[bi] : 0)
            if hasB { r[bi] = phi * v[bi] }
            if hasS {
                r[si] = v[si + m - 1]
                for j in 1..<m { r[si + j] = v[si + j - 1] }
            }
            return r
        }
        var out: [Double] = []
        out.reserveCapacity(max(h - 1, 0))
        var fg = g   // F^{j-1} g
        for _ in 1..<max(h, 1) {
            out.append(zip(w, fg).reduce(0) { $0 + $1.0 * $1.1 })
            fg = applyF(fg)
        }
        return out
    }

    /// Forecast variances of a class 2 model (multiplicative error; trend and season none or
    /// additive): Hyndman et al. (2008, ch. 6), v_h = (1 + σ²) θ_h − μ_h² with θ_1 = μ_1² and
    /// θ_h = μ_h² + σ² Σ_{j<h} c_j² θ_{h−j}; μ the point forecasts, which are the exact
    /// conditional means for this class.
    public func class2Variance(h: Int) -> [Double] {
        let mu = pointForecast(h: h), c = linearCoefficients(h: h)
        var theta = [Double](repeating: 0, count: h)
        for t in 0..<h {
            var s = 0.0
            for j in 1...max(t, 1) where j <= t { s += c[j - 1] * c[j - 1] * theta[t - j] }
            theta[t] = mu[t] * mu[t] + sigma2 * s
        }
        return (0..<h).map { (1 + sigma2) * theta[$0] - mu[$0] * mu[$0] }
    }

    /// Approximate conditional means and variances of a class 3 model (multiplicative error
    /// and season; trend none or additive, damped or not): Hyndman et al. (2008, ch. 6),
    /// the level-and-trend part x₁ and the seasonal part x₂ carried as the moments of their
    /// product M = x₁x₂' (vec(M) and its covariance V, d·m values), the book's approximation
    /// as R's forecast.ets computes it. The observation is H₁ M H₂'(1 + ε), H₁ = (1, φ)
    /// picking the trended level and H₂ the oldest seasonal state.
    public func class3Moments(h: Int) -> (mean: [Double], variance: [Double]) {
        let m = spec.period, hasB = spec.trend != .none
        let d = hasB ? 2 : 1, n = d * m
        let phi = spec.damped ? params.phi : 1
        let a = params.alpha, b = params.beta, g = params.gamma, s2 = sigma2
        // level-and-trend blocks: x₁ ← F₁ x₁ + G₁ x₁ ε (l ← (l + φb)(1 + αε), b ← φb + β(l + φb)ε)
        let h1: [Double] = hasB ? [1, phi] : [1]
        let f1: [Double] = hasB ? [1, phi, 0, phi] : [1]
        let g1: [Double] = hasB ? [a, a * phi, b, b * phi] : [a]
        // seasonal blocks, newest first: the oldest moves to the front and takes γε
        var f2 = [Double](repeating: 0, count: m * m), g2 = f2
        f2[m - 1] = 1
        for i in 1..<m { f2[i * m + i - 1] = 1 }
        g2[m - 1] = g
        func kron(_ x: [Double], _ y: [Double], _ dy: Int) -> [Double] {   // x (m×m) ⊗ y (dy×dy)
            let dx = Int(Double(x.count).squareRoot()), size = dx * dy
            var out = [Double](repeating: 0, count: size * size)
            for i in 0..<dx { for j in 0..<dx where x[i * dx + j] != 0 {
                for p in 0..<dy { for q in 0..<dy { out[(i * dy + p) * size + j * dy + q] = x[i * dx + j] * y[p * dy + q] } }
            } }
            return out
        }
        let f21 = kron(f2, f1, d), g21 = kron(g2, g1, d)
        let kk = zip(kron(g2, f1, d), kron(f2, g1, d)).map { $0 + $1 }
        // The transition matrices are sparse (at most 4 entries a row): kept as their rows'
        // nonzero entries, so that X A Y' costs O(n²) a step rather than O(n³).
        typealias SparseRows = [[(Int, Double)]]
        func sparse(_ x: [Double]) -> SparseRows {
            (0..<n).map { i in (0..<n).compactMap { k in x[i * n + k] != 0 ? (k, x[i * n + k]) : nil } }
        }
        let sf21 = sparse(f21), sg21 = sparse(g21), skk = sparse(kk)
        var xv = [Double](repeating: 0, count: n * n)
        // X A Y' for n×n matrices (row-major), added into out with weight w
        func sandwich(_ x: SparseRows, _ a: [Double], _ y: SparseRows, _ w: Double, into out: inout [Double]) {
            for i in 0..<n {
                for j in 0..<n { xv[i * n + j] = 0 }
                for (k, xik) in x[i] { for j in 0..<n { xv[i * n + j] += xik * a[k * n + j] } }
            }
            for i in 0..<n { for j in 0..<n {
                var s = 0.0
                for (k, yjk) in y[j] { s += xv[i * n + k] * yjk }
                out[i * n + j] += w * s
            } }
        }
        // M = x₁ x₂' (d × m), vec column-major: index p + d·j
        var vecM = [Double](repeating: 0, count: n)
        let x1: [Double] = hasB ? [level, growth] : [level]
        for j in 0..<m { for p in 0..<d { vecM[p + d * j] = x1[p] * seasonal[j] } }
        var v = [Double](repeating: 0, count: n * n)
        // H₂ ⊗ H₁ picks the oldest seasonal column's trended level
        let pick = (m - 1) * d
        var mean = [Double](repeating: 0, count: h), variance = mean
        for t in 0..<h {
            var mu = 0.0, hv = 0.0
            for p in 0..<d { mu += h1[p] * vecM[pick + p] }
            for p in 0..<d { for q in 0..<d { hv += h1[p] * h1[q] * v[(pick + p) * n + pick + q] } }
            mean[t] = mu
            variance[t] = (1 + s2) * hv + s2 * mu * mu
            if t == h - 1 { break }
            // V ← F V F' + σ²(F V G' + G V F' + K(V + mm')K' + σ² G(3V + 2mm')G'), m = vec(M)
            var withOuter = v, weighted = v
            for i in 0..<n { for j in 0..<n {
                let o = vecM[i] * vecM[j]
                withOuter[i * n + j] += o
                weighted[i * n + j] = 3 * v[i * n + j] + 2 * o
            } }
            var next = [Double](repeating: 0, count: n * n)
            sandwich(sf21, v, sf21, 1, into: &next)
            sandwich(sf21, v, sg21, s2, into: &next)
            sandwich(sg21, v, sf21, s2, into: &next)
            sandwich(skk, withOuter, skk, s2, into: &next)
            sandwich(sg21, weighted, sg21, s2 * s2, into: &next)
            v = next
            // M ← F₁ M F₂' + σ² G₁ M G₂', i.e. vec(M) ← (F₂ ⊗ F₁ + σ² G₂ ⊗ G₁) vec(M)
            var nextM = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var s = 0.0
                for (j, f) in sf21[i] { s += f * vecM[j] }
                for (j, g) in sg21[i] { s += s2 * g * vecM[j] }
                nextM[i] = s
            }
            vecM = nextM
        }
        return (mean, variance)
    }

    /// `paths` simulated futures of h steps (paths[p][t]), Gaussian innovations with
    /// variance σ², reproducible for a seed (R's simulate.ets; forecast.ets uses 5000).
    public func simulate(h: Int, paths: Int = 5000, seed: UInt64) -> [[Double]] {
        let c = simulatedColumns(h: h, paths: paths, seed: seed)
        return (0..<paths).map { p in (0..<h).map { c[$0 * paths + p] } }
    }

    /// The same paths stored by step, [t * paths + p]: each step's values are contiguous for
    /// the quantiles. Path after path, as `simulate`, so the draws are the same.
    public func simulatedColumns(h: Int, paths: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        let sd = sigma2.squareRoot()
        let p = Params(alpha: params.alpha, beta: params.beta, gamma: params.gamma, phi: spec.damped ? params.phi : 1)
        let start = finalState
        var x = start
        var out = [Double](repeating: 0, count: h * paths)
        out.withUnsafeMutableBufferPointer { o in
            for path in 0..<paths {
                // reset in place: the seasonal array is copied once, not once per path
                x.l = start.l; x.b = start.b; x.head = start.head
                for j in 0..<start.seas.count { x.seas[j] = start.seas[j] }
                for t in 0..<h {
                    let f = oneStep(x, spec, p.phi)
                    let e = sd * rng.normal()
                    let y = spec.error == .additive ? f + e : f * (1 + e)
                    o[t * paths + path] = y
                    update(&x, spec, p, y)
                }
            }
        }
        return out
    }
}

/// R's quantiles of type 7 at each of `probs`, from unsorted values, which are reordered:
/// only the order statistics needed are selected (quickselect, O(n) each on average), so the
/// results equal quantile7 of the sorted values. With a NaN among them, they are sorted.
public func quantiles7(_ values: UnsafeMutableBufferPointer<Double>, _ probs: [Double]) -> [Double] {
    let n = values.count
    if n == 0 { return probs.map { _ in .nan } }
    if values.contains(where: { $0.isNaN }) {
        let sorted = values.sorted()
        return probs.map { quantile7(sorted, $0) }
    }
    // ranks needed, ascending; each selection narrows the range of the next
    var ranks: [Int] = []
    for p in probs {
        let lo = Int((Double(n - 1) * p).rounded(.down))
        ranks += [lo, min(lo + 1, n - 1)]
    }
    ranks = Array(Set(ranks)).sorted()
    var value: [Int: Double] = [:]
    var from = 0
    for r in ranks {
        select(values, r, from: from)
        value[r] = values[r]
        from = r + 1
    }
    return probs.map { p in
        let hpos = Double(n - 1) * p
        let lo = Int(hpos.rounded(.down)), hi = min(lo + 1, n - 1)
        return value[lo]! + (hpos - Double(lo)) * (value[hi]! - value[lo]!)
    }
}

/// R's quantile type 7 of sorted values.
public func quantile7(_ sorted: [Double], _ p: Double) -> Double {
    let n = sorted.count
    if n == 0 { return .nan }
    let hpos = Double(n - 1) * p
    let lo = Int(hpos.rounded(.down)), hi = min(lo + 1, n - 1)
    return sorted[lo] + (hpos - Double(lo)) * (sorted[hi] - sorted[lo])
}

// MARK: - saved form: version byte, then little-endian doubles

extension EtsFit {
    public func serialize() -> [UInt8] {
        var out: [UInt8] = [1]
        func put(_ x: Double) { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        func code(_ c: Component) -> Double { c == .none ? 0 : c == .additive ? 1 : 2 }
        let head: [Double] = [code(spec.error), code(spec.trend), code(spec.season), spec.damped ? 1 : 0, Double(spec.period),
                              params.alpha, params.beta, params.gamma, params.phi, level, growth, sigma2, loglik, aic, aicc, bic,
                              Double(nParams), Double(initial.count), Double(seasonal.count), Double(fitted.count)]
        head.forEach(put); initial.forEach(put); seasonal.forEach(put); fitted.forEach(put); residuals.forEach(put)
        return out
    }

    public static func deserialize(_ bytes: [UInt8]) throws(EtsError) -> EtsFit {
        guard bytes.first == 1, (bytes.count - 1) % 8 == 0 else { throw EtsError(.badData, "not a saved ets model") }
        var v: [Double] = []
        var i = 1
        while i < bytes.count {
            var bits: UInt64 = 0
            for j in 0..<8 { bits |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            v.append(Double(bitPattern: bits)); i += 8
        }
        guard v.count >= 20 else { throw EtsError(.badData, "saved ets model is truncated") }
        let ni = Int(v[17]), ns = Int(v[18]), nf = Int(v[19])
        guard ni >= 0, ns >= 0, nf >= 0, v.count == 20 + ni + ns + 2 * nf else { throw EtsError(.badData, "saved ets model is truncated") }
        func comp(_ x: Double) -> Component { x == 0 ? .none : x == 1 ? .additive : .multiplicative }
        let spec = EtsSpec(error: comp(v[0]), trend: comp(v[1]), season: comp(v[2]), damped: v[3] != 0, period: Int(v[4]))
        var o = 20
        func take(_ k: Int) -> [Double] { defer { o += k }; return Array(v[o..<(o + k)]) }
        let initial = take(ni), seasonal = take(ns), fitted = take(nf), residuals = take(nf)
        return EtsFit(spec: spec, params: Params(alpha: v[5], beta: v[6], gamma: v[7], phi: v[8]), initial: initial,
                      level: v[9], growth: v[10], seasonal: seasonal, sigma2: v[11], loglik: v[12], aic: v[13],
                      aicc: v[14], bic: v[15], nParams: Int(v[16]), fitted: fitted, residuals: residuals)
    }
}
