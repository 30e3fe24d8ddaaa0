import PluginNumerics
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
    /// `regressors[j]`: regressor j's values at `ds` (a model fitted with regressors).
    public func components(at ds: [Int64], regressors: [[Double]] = []) -> ProphetComponents {
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
            let r = b.rows(at: ds, regressors: regressors)
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
    public var fittedValues: [Double] { components(at: historyDs, regressors: historyX).yhat }
    /// Components at the history's dates.
    public var fittedComponents: ProphetComponents { components(at: historyDs, regressors: historyX) }

    /// Point forecast and intervals at `levels` (fractions in (0, 1)), by simulating
    /// future trend changes (Poisson-many changepoints at the history's rate, Laplace
    /// changes with the mean |delta| of the fit) and Gaussian observation noise, as
    /// Prophet does; `samples` draws; seeded, so the same seed gives the same intervals.
    public func forecast(at ds: [Int64], levels: [Double], seed: UInt64, samples: Int? = nil,
                         regressors: [[Double]] = []) -> ProphetForecast {
        let c = components(at: ds, regressors: regressors)
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
        // Future trend changes per sample: a Poisson number of changepoints, uniform on
        // (1, tMax], with Laplace(0, lambda) rate changes.
        let expected = growth == .flat || tMax <= 1 ? 0 : S * (tMax - 1)
        var cpStart = [Int](repeating: 0, count: ns + 1)
        var cpT: [Double] = []
        var cpD: [Double] = []
        if expected > 0 {
            for s in 0..<ns {
                let nc = rng.poisson(expected)
                for _ in 0..<nc {
                    cpT.append(1 + rng.uniform() * (tMax - 1))
                    cpD.append(rng.laplace(lambda))
                }
                cpStart[s + 1] = cpT.count
            }
        }
        // sims[i * ns + s]: step i of sample s. Samples without future changepoints share
        // the trend; those with some get their changes added.
        let zig = Ziggurat.shared
        var withChanges: [Int] = []
        if !cpT.isEmpty { for s in 0..<ns where cpStart[s + 1] > cpStart[s] { withChanges.append(s) } }
        var sims = [Double](repeating: 0, count: h * ns)
        let noiseSD = sigma * yScale
        sims.withUnsafeMutableBufferPointer { out in
            for i in 0..<h {
                let ti = t[i], bi = base[i]
                let mul = 1 + c.multiplicativeTerms[i], add = c.additiveTerms[i]
                let row = out.baseAddress! + i * ns
                var trendI = bi
                if growth == .logistic { trendI = capS / (1 + exp(-bi)) }
                let mean = (trendI * yScale + yShift) * mul + add
                for s in 0..<ns { row[s] = mean + noiseSD * rng.normalZ(zig) }
                for s in withChanges {
                    var v = bi
                    var changed = false
                    for j in cpStart[s]..<cpStart[s + 1] where ti > cpT[j] { v += cpD[j] * (ti - cpT[j]); changed = true }
                    if !changed { continue }
                    if growth == .logistic { v = capS / (1 + exp(-v)) }
                    row[s] += (v * yScale + yShift) * mul + add - mean
                }
            }
        }
        var lower = levels.map { _ in [Double](repeating: 0, count: h) }
        var upper = lower
        // Each requested quantile of each step (numpy's linear percentile).
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: ns + 2)
        defer { scratch.deallocate() }
        sims.withUnsafeMutableBufferPointer { buf in
            for i in 0..<h {
                let col = UnsafeMutableBufferPointer(rebasing: buf[(i * ns)..<((i + 1) * ns)])
                for (li, level) in levels.enumerated() {
                    lower[li][i] = fastPercentile(col, (1 - level) / 2, scratch: scratch)
                    upper[li][i] = fastPercentile(col, (1 + level) / 2, scratch: scratch)
                }
            }
        }
        return ProphetForecast(yhat: c.yhat, levels: levels, lower: lower, upper: upper)
    }
}

/// numpy's default (linear) percentile of `v` (not reordered). Brackets the two order
/// statistics needed between two pivots taken from a small sorted sample, counts and
/// gathers in one branch-free pass, and selects inside the (small) bracket; falls back to
/// quickselect on a copy when the bracket misses.
func fastPercentile(_ v: UnsafeMutableBufferPointer<Double>, _ q: Double, scratch: UnsafeMutablePointer<Double>) -> Double {
    let n = v.count
    let pos = q * Double(n - 1)
    let k = Int(pos.rounded(.down))
    let frac = pos - Double(k)
    let k2 = Swift.min(k + 1, n - 1)
    let src = v.baseAddress!
    if n >= 256 {
        // A sorted sample of 63 evenly spaced elements (the samples are i.i.d. draws,
        // so an even spacing is a random sample).
        let m = 63
        var sample = [Double](repeating: 0, count: m)
        let stride = n / m
        for j in 0..<m { sample[j] = src[j * stride] }
        sample.sort()
        let centre = Double(k) / Double(n - 1) * Double(m - 1)
        let spread = 6.0
        let loI = Int((centre - spread).rounded(.down)), hiI = Int((centre + spread + 1).rounded(.up))
        let loP = loI < 0 ? -Double.infinity : sample[loI]
        let hiP = hiI >= m ? Double.infinity : sample[hiI]
        var below = 0
        var mid = 0
        for j in 0..<n {
            let x = src[j]
            below &+= x < loP ? 1 : 0
            scratch[mid] = x
            mid &+= (x >= loP ? 1 : 0) & (x <= hiP ? 1 : 0)
        }
        if below <= k && k2 < below + mid {
            let part = UnsafeMutableBufferPointer(start: scratch, count: mid)
            let a = select(part, k - below)
            if frac == 0 || k2 == k { return a }
            var b = Double.infinity
            for j in (k - below + 1)..<mid where scratch[j] < b { b = scratch[j] }
            return a + frac * (b - a)
        }
    }
    scratch.update(from: src, count: n)
    let all = UnsafeMutableBufferPointer(start: scratch, count: n)
    let a = select(all, k)
    if frac == 0 || k2 == k { return a }
    var b = Double.infinity
    for j in (k + 1)..<n where scratch[j] < b { b = scratch[j] }
    return a + frac * (b - a)
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
    /// Two independent standard normals (Marsaglia's polar method).
    @inline(__always) mutating func normalPair() -> (Double, Double) {
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s < 1 && s > 0 {
                let f = (-2 * log(s) / s).squareRoot()
                return (u * f, v * f)
            }
        }
    }
    mutating func normal() -> Double {
        if let s = spare { spare = nil; return s }
        let (a, b) = normalPair()
        spare = b
        return a
    }
    /// A standard normal by the ziggurat method (Marsaglia & Tsang 2000, 128 layers);
    /// the layer index and the 32-bit abscissa come from disjoint bits of one draw.
    @inline(__always) mutating func normalZ(_ z: Ziggurat) -> Double {
        while true {
            let r = next()
            let iz = Int(r & 127)
            let hz = Int32(truncatingIfNeeded: r >> 32)
            if UInt32(hz.magnitude) < z.kn[iz] { return Double(hz) * z.wn[iz] }
            // Rare: the base strip's tail, or the wedge of layer iz.
            let x = Double(hz) * z.wn[iz]
            if iz == 0 {
                var xt = 0.0, yt = 0.0
                repeat {
                    xt = -log(uniform()) / Ziggurat.r
                    yt = -log(uniform())
                } while yt + yt < xt * xt
                return hz > 0 ? Ziggurat.r + xt : -Ziggurat.r - xt
            }
            if z.fn[iz] + uniform() * (z.fn[iz - 1] - z.fn[iz]) < exp(-0.5 * x * x) { return x }
        }
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

/// The ziggurat's tables for the standard normal: immutable after construction, built
/// once (a lazily initialised global constant), read through raw pointers in the hot loop.
final class Ziggurat: @unchecked Sendable {
    static let r = 3.442619855899
    static let shared = Ziggurat()
    let kn: UnsafeMutablePointer<UInt32>
    let wn: UnsafeMutablePointer<Double>
    let fn: UnsafeMutablePointer<Double>
    private init() {
        kn = .allocate(capacity: 128)
        wn = .allocate(capacity: 128)
        fn = .allocate(capacity: 128)
        let m1 = 2147483648.0
        let vn = 9.91256303526217e-3
        var dn = Ziggurat.r, tn = dn
        let q = vn / exp(-0.5 * dn * dn)
        kn[0] = UInt32((dn / q) * m1)
        kn[1] = 0
        wn[0] = q / m1
        wn[127] = dn / m1
        fn[0] = 1
        fn[127] = exp(-0.5 * dn * dn)
        for i in stride(from: 126, through: 1, by: -1) {
            dn = (-2 * log(vn / dn + exp(-0.5 * dn * dn))).squareRoot()
            kn[i + 1] = UInt32((dn / tn) * m1)
            tn = dn
            fn[i] = exp(-0.5 * dn * dn)
            wn[i] = dn / m1
        }
    }
}
