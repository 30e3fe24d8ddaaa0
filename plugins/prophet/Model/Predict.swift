#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The model's decomposition at a set of dates, in y units as Prophet reports it:
/// yhat = trend * (1 + multiplicative terms) + additive terms. A multiplicative
/// component is a relative factor (0.1 = +10% of the trend); an additive one is in y units.
public struct ProphetComponents: Sendable {
    public var ds: [Int64]
    public var trend: [Double]
    /// Each seasonality ("yearly", "weekly", "daily", custom names) and "holidays".
    public var components: [String: [Double]]
    /// Per holiday name, its effect (sum over its window days).
    public var holidays: [String: [Double]]
    public var modes: [String: ProphetMode]
    public var multiplicativeTerms: [Double]
    public var additiveTerms: [Double]
    public var yhat: [Double]
}

/// A forecast with intervals at each requested level (fractions, e.g. 0.8).
public struct ProphetForecast: Sendable {
    public var yhat: [Double]
    public var levels: [Double]
    public var lower: [[Double]]
    public var upper: [[Double]]
}

extension ProphetFit {
    /// The scaled time of a date.
    @inline(__always) func tOf(_ s: Int64) -> Double { Double(s - start) / tScale }

    /// Trend, seasonalities, holidays and yhat at any dates.
    public func components(at ds: [Int64]) -> ProphetComponents {
        let n = ds.count
        var trend = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let ts = Objective.trend(tOf(ds[i]), growth: growth, k: k, m: m, delta: delta, cps: changepointsT, capS: capScaled)
            trend[i] = ts * yScale + yShift
        }
        var comps: [String: [Double]] = [:]
        var hol: [String: [Double]] = [:]
        var modes: [String: ProphetMode] = [:]
        var mult = [Double](repeating: 0, count: n)
        var add = [Double](repeating: 0, count: n)
        var off = 0
        for b in blocks {
            let r = b.rows(at: ds)
            let w = b.width
            let factor = b.mode == .additive ? yScale : 1
            var vals = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let u = Int(r.index[i])
                var s = 0.0
                for j in 0..<w { s += r.rows[u * w + j] * beta[off + j] }
                vals[i] = s * factor
            }
            if case .holidays(let cols) = b.kind {
                for (j, c) in cols.enumerated() {
                    var h = hol[c.holiday] ?? [Double](repeating: 0, count: n)
                    for i in 0..<n { h[i] += r.rows[Int(r.index[i]) * w + j] * beta[off + j] * factor }
                    hol[c.holiday] = h
                }
            }
            comps[b.name] = vals
            modes[b.name] = b.mode
            for i in 0..<n {
                if b.mode == .multiplicative { mult[i] += vals[i] } else { add[i] += vals[i] }
            }
            off += w
        }
        var yhat = [Double](repeating: 0, count: n)
        for i in 0..<n { yhat[i] = trend[i] * (1 + mult[i]) + add[i] }
        return ProphetComponents(ds: ds, trend: trend, components: comps, holidays: hol, modes: modes,
                                 multiplicativeTerms: mult, additiveTerms: add, yhat: yhat)
    }

    /// In-sample fitted values (yhat at the history's dates).
    public var fittedValues: [Double] { components(at: historyDs).yhat }
    /// Components at the history's dates.
    public var fittedComponents: ProphetComponents { components(at: historyDs) }

    /// Point forecast and intervals at `levels` (fractions in (0, 1)), by simulating
    /// future trend changes (Poisson-many changepoints at the history's rate, Laplace
    /// changes with the mean |delta| of the fit) and Gaussian observation noise, as
    /// Prophet does; `samples` draws; seeded, so the same seed gives the same intervals.
    public func forecast(at ds: [Int64], levels: [Double], seed: UInt64, samples: Int? = nil) -> ProphetForecast {
        let c = components(at: ds)
        let h = ds.count
        let ns = samples ?? uncertaintySamples
        guard !levels.isEmpty, h > 0, ns > 0 else {
            return ProphetForecast(yhat: c.yhat, levels: levels, lower: levels.map { _ in c.yhat }, upper: levels.map { _ in c.yhat })
        }
        let t = ds.map { tOf($0) }
        let tMax = t.max()!
        let S = Double(changepointsT.count)
        var lambda = 0.0
        for d in delta { lambda += abs(d) }
        lambda = lambda / Double(Swift.max(delta.count, 1)) + 1e-8
        let capS = capScaled
        // Base trend on the scaled axis (z for logistic).
        var base = [Double](repeating: 0, count: h)
        for i in 0..<h {
            switch growth {
            case .flat: base[i] = m
            case .linear: base[i] = Objective.trend(t[i], growth: .linear, k: k, m: m, delta: delta, cps: changepointsT, capS: capS)
            case .logistic:
                var z = k * (t[i] - m)
                for (l, cp) in changepointsT.enumerated() where t[i] > cp { z += delta[l] * (t[i] - cp) }
                base[i] = z
            }
        }
        var rng = Xoshiro(seed: seed)
        // samples[i * ns + s]
        var sims = [Double](repeating: 0, count: h * ns)
        var newT: [Double] = []
        var newD: [Double] = []
        let noiseSD = sigma * yScale
        let expected = growth == .flat || tMax <= 1 ? 0 : S * (tMax - 1)
        for s in 0..<ns {
            newT.removeAll(keepingCapacity: true)
            newD.removeAll(keepingCapacity: true)
            let nc = expected > 0 ? rng.poisson(expected) : 0
            for _ in 0..<nc {
                newT.append(1 + rng.uniform() * (tMax - 1))
                newD.append(rng.laplace(lambda))
            }
            for i in 0..<h {
                var v = base[i]
                for j in 0..<nc where t[i] > newT[j] { v += newD[j] * (t[i] - newT[j]) }
                if growth == .logistic { v = capS / (1 + exp(-v)) }
                let tr = v * yScale + yShift
                sims[i * ns + s] = tr * (1 + c.multiplicativeTerms[i]) + c.additiveTerms[i] + noiseSD * rng.normal()
            }
        }
        var lower = levels.map { _ in [Double](repeating: 0, count: h) }
        var upper = lower
        sims.withUnsafeMutableBufferPointer { buf in
            for i in 0..<h {
                let col = UnsafeMutableBufferPointer(rebasing: buf[(i * ns)..<((i + 1) * ns)])
                for (li, level) in levels.enumerated() {
                    lower[li][i] = percentile(col, (1 - level) / 2)
                    upper[li][i] = percentile(col, (1 + level) / 2)
                }
            }
        }
        return ProphetForecast(yhat: c.yhat, levels: levels, lower: lower, upper: upper)
    }
}

/// numpy's default (linear) percentile, by selection; reorders `v`.
func percentile(_ v: UnsafeMutableBufferPointer<Double>, _ q: Double) -> Double {
    let n = v.count
    let pos = q * Double(n - 1)
    let lo = Int(pos.rounded(.down))
    let frac = pos - Double(lo)
    let a = select(v, lo)
    if frac == 0 || lo + 1 >= n { return a }
    // The next order statistic is the minimum of the part above lo.
    var b = Double.infinity
    for j in (lo + 1)..<n where v[j] < b { b = v[j] }
    return a + frac * (b - a)
}

/// Quickselect: puts the k-th smallest at v[k] with smaller ones before and larger after.
func select(_ v: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
    var lo = 0, hi = v.count - 1
    while hi > lo {
        let mid = lo + (hi - lo) / 2
        // median of three as pivot
        if v[mid] < v[lo] { v.swapAt(mid, lo) }
        if v[hi] < v[lo] { v.swapAt(hi, lo) }
        if v[hi] < v[mid] { v.swapAt(hi, mid) }
        let pivot = v[mid]
        var i = lo, j = hi
        while i <= j {
            while v[i] < pivot { i += 1 }
            while v[j] > pivot { j -= 1 }
            if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
        }
        if k <= j { hi = j } else if k >= i { lo = i } else { return v[k] }
    }
    return v[k]
}

/// xoshiro256** seeded by splitmix64: fast, reproducible, no global state.
struct Xoshiro {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    var spare: Double? = nil
    init(seed: UInt64) {
        var z = seed
        func next() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var r = z
            r = (r ^ (r >> 30)) &* 0xBF58_476D_1CE4_E5B9
            r = (r ^ (r >> 27)) &* 0x94D0_49BB_1331_11EB
            return r ^ (r >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }
    @inline(__always) mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }
    /// Uniform in (0, 1).
    @inline(__always) mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }
    mutating func normal() -> Double {
        if let s = spare { spare = nil; return s }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        let a = 2 * Double.pi * u2
        spare = r * sin(a)
        return r * cos(a)
    }
    mutating func laplace(_ scale: Double) -> Double {
        let u = uniform() - 0.5
        return u < 0 ? scale * log(1 + 2 * u) : -scale * log(1 - 2 * u)
    }
    mutating func poisson(_ mean: Double) -> Int {
        if mean < 30 {
            let l = exp(-mean)
            var k = 0
            var p = uniform()
            while p > l { k += 1; p *= uniform() }
            return k
        }
        // Large means: normal approximation with continuity correction.
        return Swift.max(0, Int((mean + mean.squareRoot() * normal() + 0.5).rounded(.down)))
    }
}
