#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The negative log posterior of Prophet's model on scaled data, its gradient, and the
/// data the solvers share.
///
/// Model (Taylor & Letham 2017; the priors of Prophet's Stan program):
///   y_i ~ Normal(T_i * (1 + M_i) + A_i, sigma)
///   T: linear   k t + m + sum_l delta_l (t - c_l)_+
///      logistic cap / (1 + exp(-z)),  z = k (t - m) + sum_l delta_l (t - c_l)_+
///               (the integral of the piecewise-constant rate from m to t: the same
///                curve as the paper's offset adjustments gamma_l, in closed form)
///      flat     m
///   M, A: the multiplicative and additive columns of the seasonal/holiday design times beta
///   k, m ~ Normal(0, 5); delta_l ~ Laplace(0, tau); sigma ~ HalfNormal(0.5);
///   beta_j ~ Normal(0, s_j).
///
/// `evaluate` is the objective for NLopt's L-BFGS. Its variables x: [k, m, delta+ (S),
/// delta- (S), log sigma, beta (K)], each divided by a column scale (unit-RMS design
/// columns); delta = delta+ - delta- with delta+/- >= 0 makes the Laplace term linear, so
/// L-BFGS with bounds handles it exactly. The objective is multiplied by `fScale`.
/// theta = [k, m, delta (S), beta (K)] is the parameter vector of the Newton solver
/// (Solver.swift) and of `th`.
final class Objective {
    let n: Int
    let t: [Double]
    let y: [Double]
    let cps: [Double]
    let S: Int
    let K: Int
    let growth: ProphetGrowth
    let capS: Double
    let tau: Double
    let blocks: [FeatureBlock]
    let blockRows: [BlockRows]
    let blockOffset: [Int]
    let priorPrecision: [Double]   // 1 / s_j^2
    let anyMultiplicative: Bool
    /// Holiday blocks keep an all-zero row 0.
    let blockIsHoliday: [Bool]
    /// Column scale of each optimiser variable.
    var sc: [Double]
    var nv: Int { 3 + 2 * S + K }
    var iSigma: Int { 2 + 2 * S }
    var iBeta: Int { 3 + 2 * S }

    // Gram path (additive, linear or flat trend): the data term is quadratic in
    // theta = [k, m, delta (S), beta (K)], so RSS = theta'G theta - 2 b'theta + y'y.
    let useGram: Bool
    var gram: [Double] = []
    var gb: [Double] = []
    var yy: Double = 0

    // Work buffers (one objective per fit: not shared between threads).
    // Work buffers, allocated once per fit (freed in deinit).
    let Tp, Mp, Ap, gTp, th, gt, tp, yp, cp: UnsafeMutablePointer<Double>
    // Stable copies of the block tables (freed in deinit) for pointer access in the hot loop.
    let blockRowPtr: [UnsafeMutablePointer<Double>]
    let blockIdxPtr: [UnsafeMutablePointer<Int32>]
    let blockValPtr: [UnsafeMutablePointer<Double>]
    var evaluations = 0
    /// The objective is multiplied by this (sigma0^2 / n) so that its curvature in the
    /// unit-RMS variables is about 1: Luksan's line search starts from a unit step and
    /// allows only a few reductions.
    var fScale = 1.0
    /// Solver scratch: the last trial step of the linear model.
    var pendingShift: [Double]? = nil

    init(t: [Double], y: [Double], cps: [Double], growth: ProphetGrowth, capS: Double, tau: Double,
         blocks: [FeatureBlock], blockRows: [BlockRows]) {
        n = t.count
        self.t = t
        self.y = y
        self.cps = cps
        S = cps.count
        self.growth = growth
        self.capS = capS
        self.tau = tau
        self.blocks = blocks
        self.blockRows = blockRows
        var off: [Int] = []
        var k = 0
        var prec: [Double] = []
        for b in blocks {
            off.append(k)
            k += b.width
            prec.append(contentsOf: b.priorScales.map { 1 / ($0 * $0) })
        }
        K = k
        blockOffset = off
        priorPrecision = prec
        anyMultiplicative = blocks.contains { $0.mode == .multiplicative }
        blockIsHoliday = blocks.map { if case .holidays = $0.kind { return true } else { return false } }
        useGram = !anyMultiplicative && growth != .logistic
        func buffer(_ c: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(c, 1))
            p.initialize(repeating: 0, count: max(c, 1))
            return p
        }
        Tp = buffer(n); Mp = buffer(n); Ap = buffer(n); gTp = buffer(n)
        th = buffer(2 + cps.count + k); gt = buffer(2 + cps.count + k)
        tp = buffer(n); tp.update(from: t, count: n)
        yp = buffer(n); yp.update(from: y, count: n)
        cp = buffer(cps.count); cp.update(from: cps, count: cps.count)
        blockRowPtr = blockRows.map { r in
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, r.rows.count))
            p.initialize(from: r.rows, count: r.rows.count)
            return p
        }
        blockIdxPtr = blockRows.map { r in
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, r.index.count))
            p.initialize(from: r.index, count: r.index.count)
            return p
        }
        blockValPtr = blockRows.map { r in
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, r.count))
            p.initialize(repeating: 0, count: max(1, r.count))
            return p
        }
        sc = .init(repeating: 1, count: 3 + 2 * S + k)
        computeScales()
    }

    deinit {
        blockRowPtr.forEach { $0.deallocate() }
        blockIdxPtr.forEach { $0.deallocate() }
        blockValPtr.forEach { $0.deallocate() }
        for p in [Tp, Mp, Ap, gTp, th, gt, tp, yp, cp] { p.deallocate() }
    }

    /// Unit-RMS scaling of each design column (trend columns as if T were 1).
    private func computeScales() {
        let nn = Double(n)
        func rmsScale(_ ss: Double) -> Double { ss > 1e-300 ? (nn / ss).squareRoot() : 1 }
        if growth != .flat {
            var ss = 0.0
            for v in t { ss += v * v }
            sc[0] = rmsScale(ss)
            for l in 0..<S {
                var s2 = 0.0
                for v in t where v > cps[l] { s2 += (v - cps[l]) * (v - cps[l]) }
                sc[2 + l] = rmsScale(s2)
                sc[2 + S + l] = sc[2 + l]
            }
        }
        sc[1] = 1
        sc[iSigma] = 1
        for (bi, r) in blockRows.enumerated() {
            var counts = [Double](repeating: 0, count: r.count)
            for u in r.index { counts[Int(u)] += 1 }
            for j in 0..<r.width {
                var s2 = 0.0
                for u in 0..<r.count { let v = r.rows[u * r.width + j]; s2 += counts[u] * v * v }
                sc[iBeta + blockOffset[bi] + j] = rmsScale(s2)
            }
        }
    }

    /// theta-space design: column j of Z at row i.
    func buildGram() {
        let p = 2 + S + K
        var Z = [Double](repeating: 0, count: n * p)   // column-major
        Z.withUnsafeMutableBufferPointer { z in
            for i in 0..<n {
                if growth == .linear { z[i] = t[i] }
                z[n + i] = 1
                if growth == .linear {
                    for l in 0..<S where t[i] > cps[l] { z[(2 + l) * n + i] = t[i] - cps[l] }
                }
            }
            for (bi, r) in blockRows.enumerated() {
                let base = 2 + S + blockOffset[bi]
                for j in 0..<r.width {
                    let col = z.baseAddress! + (base + j) * n
                    for i in 0..<n { col[i] = r.rows[Int(r.index[i]) * r.width + j] }
                }
            }
        }
        gram = [Double](repeating: 0, count: p * p)
        gb = [Double](repeating: 0, count: p)
        yy = 0
        for v in y { yy += v * v }
        Z.withUnsafeBufferPointer { z in
            y.withUnsafeBufferPointer { yp in
                for a in 0..<p {
                    let ca = z.baseAddress! + a * n
                    var s = 0.0
                    for i in 0..<n { s += ca[i] * yp[i] }
                    gb[a] = s
                    for b in a..<p {
                        let cb = z.baseAddress! + b * n
                        var d = 0.0
                        for i in 0..<n { d += ca[i] * cb[i] }
                        gram[a * p + b] = d
                        gram[b * p + a] = d
                    }
                }
            }
        }
    }

    /// Scaled trend at t (history or future), given the parameters.
    static func trend(_ tt: Double, growth: ProphetGrowth, k: Double, m: Double, delta: [Double], cps: [Double], capS: Double) -> Double {
        switch growth {
        case .flat: return m
        case .linear:
            var v = k * tt + m
            for (l, c) in cps.enumerated() where tt > c { v += delta[l] * (tt - c) }
            return v
        case .logistic:
            var z = k * (tt - m)
            for (l, c) in cps.enumerated() where tt > c { z += delta[l] * (tt - c) }
            return capS / (1 + exp(-z))
        }
    }

    func evaluate(_ x: UnsafePointer<Double>, _ grad: UnsafeMutablePointer<Double>?) -> Double {
        evaluations += 1
        let k = x[0] * sc[0], m = x[1] * sc[1]
        let ls = x[iSigma]
        let sigma = exp(ls)
        let inv2 = 1 / (sigma * sigma)
        var rss = 0.0
        let p = 2 + S + K

        th[0] = growth == .flat ? 0 : k
        th[1] = m
        for l in 0..<S { th[2 + l] = growth == .flat ? 0 : (x[2 + l] - x[2 + S + l]) * sc[2 + l] }
        for j in 0..<K { th[2 + S + j] = x[iBeta + j] * sc[iBeta + j] }

        if useGram {
            if gram.isEmpty { buildGram() }
            gram.withUnsafeBufferPointer { G in
                var quad = 0.0, lin = 0.0
                for a in 0..<p {
                    let row = G.baseAddress! + a * p
                    var s = 0.0
                    for b in 0..<p { s += row[b] * th[b] }
                    quad += s * th[a]
                    lin += gb[a] * th[a]
                    gt[a] = (s - gb[a]) * inv2
                }
                rss = Swift.max(quad - 2 * lin + yy, 0)
            }
        } else {
            rss = dataTerm(k: k, m: m, inv2: inv2)
        }

        var f = 0.5 * rss * inv2 + Double(n) * ls + sigma * sigma / (2 * 0.25)
        f += (k * k + m * m) / 50
        var l1s = 0.0
        for l in 0..<S { l1s += (x[2 + l] + x[2 + S + l]) * sc[2 + l] }
        f += l1s / tau
        for j in 0..<K {
            let b = th[2 + S + j]
            f += 0.5 * b * b * priorPrecision[j]
        }

        if let g = grad {
            let gk = growth == .flat ? 0 : gt[0]
            g[0] = (gk + k / 25) * sc[0]
            g[1] = (gt[1] + m / 25) * sc[1]
            for l in 0..<S {
                let gd = growth == .flat ? 0 : gt[2 + l]
                g[2 + l] = (gd + 1 / tau) * sc[2 + l]
                g[2 + S + l] = (-gd + 1 / tau) * sc[2 + l]
            }
            g[iSigma] = -rss * inv2 + Double(n) + sigma * sigma / 0.25
            for j in 0..<K {
                g[iBeta + j] = (gt[2 + S + j] + th[2 + S + j] * priorPrecision[j]) * sc[iBeta + j]
            }
            for j in 0..<nv { g[j] *= fScale }
        }
        return f * fScale
    }

    /// The data term for the general model: fills gtheta with d(rss/(2 sigma^2))/d theta.
    private func dataTerm(k: Double, m: Double, inv2: Double) -> Double {
        let n = self.n, S = self.S
        fillParts()  // Tp, Mp, Ap at th
        // Residuals and d/d yhat; M and A become d/dM and d/dA.
        var rss = 0.0
        for i in 0..<n {
            let yhat = Tp[i] * (1 + Mp[i]) + Ap[i]
            let r = yp[i] - yhat
            rss += r * r
            let g = -r * inv2
            gTp[i] = g * (1 + Mp[i])
            Mp[i] = g * Tp[i]
            Ap[i] = g
        }
        // Seasonal gradients.
        for bi in 0..<blockRows.count {
            let src = blocks[bi].mode == .multiplicative ? Mp : Ap
            let w = blockRows[bi].width, cnt = blockRows[bi].count
            let rows = blockRowPtr[bi], idx = blockIdxPtr[bi], acc = blockValPtr[bi]
            for u in 0..<cnt { acc[u] = 0 }
            for i in 0..<n { acc[Int(idx[i])] += src[i] }
            let off = 2 + S + blockOffset[bi]
            for j in 0..<w { gt[off + j] = 0 }
            for u in 0..<cnt {
                let a = acc[u]
                if a == 0 { continue }
                let row = rows + u * w
                for j in 0..<w { gt[off + j] += row[j] * a }
            }
        }
        // Trend gradients (gTp becomes d/dz for logistic).
        if growth == .logistic {
            for i in 0..<n { let Ti = Tp[i]; gTp[i] *= Ti * (1 - Ti / capS) }
        }
        switch growth {
        case .flat:
            var s = 0.0
            for i in 0..<n { s += gTp[i] }
            gt[0] = 0
            gt[1] = s
            for l in 0..<S { gt[2 + l] = 0 }
        case .linear, .logistic:
            var s0 = 0.0, s1 = 0.0
            for i in 0..<n { s0 += gTp[i]; s1 += gTp[i] * tp[i] }
            if growth == .linear {
                gt[0] = s1
                gt[1] = s0
            } else {
                gt[0] = s1 - m * s0
                gt[1] = -k * s0
            }
            // Suffix sums over t > c_l.
            var i = n - 1
            var p0 = 0.0, p1 = 0.0
            for l in stride(from: S - 1, through: 0, by: -1) {
                while i >= 0 && tp[i] > cp[l] { p0 += gTp[i]; p1 += gTp[i] * tp[i]; i -= 1 }
                gt[2 + l] = p1 - cp[l] * p0
            }
        }
        return rss
    }
}
