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

    /// Forecast variances for steps 1...h of a linear (class 1) model.
    public func linearVariance(h: Int) -> [Double] {
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
        var out = [Double](repeating: 0, count: h)
        var acc = 1.0
        var fg = g   // F^{j-1} g
        for step in 0..<h {
            out[step] = sigma2 * acc
            let c = zip(w, fg).reduce(0) { $0 + $1.0 * $1.1 }
            acc += c * c
            fg = applyF(fg)
        }
        return out
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
