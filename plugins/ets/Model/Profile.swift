// The initial states profiled out of the ETS likelihood (variable projection): the optimiser
// searches only the smoothing parameters (alpha, beta, gamma, phi: 1-4 dimensions) and, for
// each of their values, the initial states that minimise R's "lik" are solved for.
//
// In R's error-correction recursions (etscalc.c) the state update does not depend on the
// error type, and with no multiplicative component it is linear in the state: the one-step
// forecasts are f = f(0) + Z θ, θ the free initial states (l0, b0, s0 ... s-(m-2); the last
// seasonal state is fixed by the normalisation), Z = ∂f/∂θ propagated alongside the state
// (forward-mode tangents, one column per free state). Then:
// - additive error: lik = n log Σ (y - f)², a linear least-squares problem in θ, solved
//   exactly (normal equations, Cholesky);
// - multiplicative error: lik = n log Σ e² + 2 Σ log|f|, e = (y - f)/f, equal to
//   n log Σ (e G)² with G the geometric mean of |f|: a nonlinear least-squares problem in θ,
//   solved by Gauss-Newton with step halving (the Jacobian of e_t G is G(-y_t/f_t² z_t +
//   e_t a), a = mean of z_s/f_s; G cancels out of the step);
// - multiplicative season: the state update is not linear, so Z depends on θ and is
//   propagated again at each Gauss-Newton iterate (the derivatives of R's update with
//   respect to the state: pp = y/s, t = y/q).
// Multiplicative trends keep the joint optimisation (Fit.swift).
import Foundation
import PluginNumerics

final class Profiler {
    let spec: EtsSpec
    let y: [Double]
    let n: Int, k: Int, m: Int
    let multError: Bool
    let linearState: Bool
    /// The current initial states (a warm start for multiplicative models).
    var theta: [Double]
    // work buffers (raw: no exclusivity checks in the loops)
    let f: UnsafeMutablePointer<Double>, z: UnsafeMutablePointer<Double>, w2: UnsafeMutablePointer<Double>
    let e: UnsafeMutablePointer<Double>, ftrial: UnsafeMutablePointer<Double>, yp: UnsafeMutablePointer<Double>
    let gram: UnsafeMutablePointer<Double>, chol: UnsafeMutablePointer<Double>, rhs: UnsafeMutablePointer<Double>
    let step: UnsafeMutablePointer<Double>, v: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>
    let dl: UnsafeMutablePointer<Double>, db: UnsafeMutablePointer<Double>
    let ring: UnsafeMutablePointer<Double>, dring: UnsafeMutablePointer<Double>, zt: UnsafeMutablePointer<Double>
    let df: UnsafeMutablePointer<Double>, invf: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>
    let vl: UnsafeMutablePointer<SIMD4<Double>>, vb: UnsafeMutablePointer<SIMD4<Double>>
    let vs: UnsafeMutablePointer<SIMD4<Double>>, zr: UnsafeMutablePointer<SIMD4<Double>>
    var trial: [Double]
    var bestL = Double.infinity
    var bestTheta: [Double]
    /// Inner iterations in all (for measuring).
    var innerIterations = 0
    /// Multiplicative season: propagate the Jacobian at every Gauss-Newton iterate.
    var exactInner = false

    init(y: [Double], spec: EtsSpec, start: [Double]) {
        precondition(spec.trend != .multiplicative)
        self.spec = spec; self.y = y
        n = y.count
        m = spec.season == .none ? 1 : spec.period
        k = start.count
        multError = spec.error == .multiplicative
        linearState = spec.season != .multiplicative
        theta = start; bestTheta = start
        func buffer(_ c: Int) -> UnsafeMutablePointer<Double> {
            let b = UnsafeMutablePointer<Double>.allocate(capacity: max(c, 1))
            b.initialize(repeating: 0, count: max(c, 1))
            return b
        }
        f = buffer(n); e = buffer(n); w2 = buffer(n); ftrial = buffer(n); yp = buffer(n)
        for t in 0..<n { yp[t] = y[t] }
        z = buffer(n * k)
        gram = buffer(k * k); chol = buffer(k * k); rhs = buffer(k); step = buffer(k); v = buffer(k); a = buffer(k)
        dl = buffer(k); db = buffer(k)
        ring = buffer(m); dring = buffer(m * k); zt = buffer(3 * n)
        df = buffer(n); invf = buffer(n); u = buffer(n * k)
        let chunks = spec.season == .multiplicative ? (k + 3) / 4 : 0
        func vbuffer(_ c: Int) -> UnsafeMutablePointer<SIMD4<Double>> {
            let b = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: max(c, 1))
            b.initialize(repeating: SIMD4<Double>(), count: max(c, 1))
            return b
        }
        vl = vbuffer(chunks); vb = vbuffer(chunks); vs = vbuffer(m * chunks); zr = vbuffer(n * chunks)
        trial = [Double](repeating: 0, count: k)
    }

    deinit {
        for b in [vl, vb, vs, zr] { b.deallocate() }
        for b in [f, e, w2, ftrial, yp, z, gram, chol, rhs, step, v, a, dl, db, ring, dring, zt, df, invf, u] { b.deallocate() }
    }

    /// The full initial state for θ (nil: a multiplicative season's last state is negative).
    func state(_ th: [Double]) -> State? {
        var i = 0
        let l = th[i]; i += 1
        var b = 0.0
        if spec.trend != .none { b = th[i]; i += 1 }
        guard spec.season != .none else { return State(l: l, b: b, seas: [0]) }
        var seas = [Double](repeating: 0, count: m)
        var sum = 0.0
        for j in 0..<(m - 1) { seas[j] = th[i]; sum += th[i]; i += 1 }
        seas[m - 1] = spec.season == .additive ? -sum : Double(m) - sum
        if spec.season == .multiplicative && seas[m - 1] < 0 { return nil }
        return State(l: l, b: b, seas: seas)
    }

    /// The forecasts f and their derivatives z (column j: ∂f/∂θ_j, column-major) at p, θ.
    func propagate(_ p: Params, _ th: [Double]) -> Bool {
        guard let x0 = state(th) else { return false }
        if spec.season == .multiplicative { return propagateMultiplicative(p, x0) }
        let n = self.n, m = self.m
        let trend = spec.trend, season = spec.season
        let alpha = p.alpha, betaA = trend == .none ? 0 : p.beta / p.alpha, gamma = p.gamma
        let phi = spec.damped ? p.phi : 1
        let hasB = trend != .none
        // With a linear state the dynamics of the tangents do not depend on time or state:
        // a seasonal state enters the forecasts first when its slot is used (slot j at time
        // m-1-j) and from then on acts as the slot used at time 0 does, so its column is the
        // response to that slot shifted by m-1-j. Then only l0, b0 and that one impulse are
        // propagated (k = 2 or 3 columns instead of up to m + 1), into zt.
        let shifted = linearState && season != .none
        let k = shifted ? 2 + (hasB ? 1 : 0) : self.k
        var l = x0.l, b = x0.b
        var head = 0
        let y = yp, f = self.f, z = shifted ? zt : self.z, dl = self.dl, db = self.db, s = ring, ds = dring
                for j in 0..<m { s[j] = x0.seas[j] }
                for j in 0..<k { dl[j] = 0; db[j] = 0 }
                for j in 0..<(m * k) { ds[j] = 0 }
                // the directions of θ: l0, b0, then seasonal slot j (+1) with the last slot (-1)
                var c = 0
                dl[c] = 1; c += 1
                if hasB { db[c] = 1; c += 1 }
                if shifted {
                    ds[(m - 1) * k + c] = 1
                } else if season != .none {
                    for j in 0..<(m - 1) { ds[j * k + c] = 1; ds[(m - 1) * k + c] = -1; c += 1 }
                }
                for t in 0..<n {
                    let last = head == 0 ? m - 1 : head - 1
                    let old = season == .none ? 0 : s[last]
                    let phib = hasB ? phi * b : 0
                    let q = l + phib
                    let ft: Double
                    switch season {
                    case .none: ft = q
                    case .additive: ft = q + old
                    case .multiplicative: ft = q * old
                    }
                    if !ft.isFinite { return false }
                    f[t] = ft
                    let yt = y[t]
                    let sb = last * k
                    switch season {
                    case .none:
                        for j in 0..<k {
                            let dq = hasB ? dl[j] + phi * db[j] : dl[j]
                            z[j * n + t] = dq
                            let dln = dq - alpha * dq
                            if hasB { db[j] = phi * db[j] + betaA * (dln - dl[j] - phi * db[j]) }
                            dl[j] = dln
                        }
                    case .additive:
                        for j in 0..<k {
                            let dq = hasB ? dl[j] + phi * db[j] : dl[j]
                            let dold = ds[sb + j]
                            z[j * n + t] = dq + dold
                            let dln = dq + alpha * (-dold - dq)
                            if hasB { db[j] = phi * db[j] + betaA * (dln - dl[j] - phi * db[j]) }
                            dl[j] = dln
                            ds[sb + j] = dold + gamma * (-dq - dold)
                        }
                    case .multiplicative:
                        let cpp = -yt / (old * old), ct = -yt / (q * q)
                        for j in 0..<k {
                            let dq = hasB ? dl[j] + phi * db[j] : dl[j]
                            let dold = ds[sb + j]
                            z[j * n + t] = dq * old + q * dold
                            let dln = dq + alpha * (cpp * dold - dq)
                            if hasB { db[j] = phi * db[j] + betaA * (dln - dl[j] - phi * db[j]) }
                            dl[j] = dln
                            ds[sb + j] = dold + gamma * (ct * dq - dold)
                        }
                    }
                    // the state update (R's update())
                    let pp: Double
                    switch season {
                    case .none: pp = yt
                    case .additive: pp = yt - old
                    case .multiplicative: pp = abs(old) < tol ? hugeN : yt / old
                    }
                    let oldl = l
                    l = q + alpha * (pp - q)
                    if hasB { b = phib + betaA * ((l - oldl) - phib) }
                    if season != .none {
                        let tt = season == .additive ? yt - q : (abs(q) < tol ? hugeN : yt / q)
                        s[last] = old + gamma * (tt - old)
                        head = last
                    }
                }
                if shifted {
                    // columns l0 (and b0) as propagated; seasonal j: r shifted by m-1-j, minus r
                    let big = self.z
                    for j in 0..<(k - 1) { (big + j * n).update(from: zt + j * n, count: n) }
                    let r = zt + (k - 1) * n
                    for j in 0..<(m - 1) {
                        let col = big + (k - 1 + j) * n, d = m - 1 - j
                        for t in 0..<min(d, n) { col[t] = -r[t] }
                        if d < n { for t in d..<n { col[t] = r[t - d] - r[t] } }
                    }
                }
                return true
    }

    /// `propagate` for a multiplicative season: all k columns, four at a time (SIMD4), the
    /// derivatives stored by time (zr) and then transposed into z.
    private func propagateMultiplicative(_ p: Params, _ x0: State) -> Bool {
        typealias V = SIMD4<Double>
        let n = self.n, m = self.m, k = self.k, chunks = (k + 3) / 4
        let hasB = spec.trend != .none
        let alpha = p.alpha, betaA = hasB ? p.beta / p.alpha : 0, gamma = p.gamma
        let phi = spec.damped ? p.phi : 1
        let y = yp, f = self.f, s = ring, dl = vl, db = vb, ds = vs, zr = self.zr
        for j in 0..<m { s[j] = x0.seas[j] }
        for c in 0..<chunks { dl[c] = V(); db[c] = V() }
        for c in 0..<(m * chunks) { ds[c] = V() }
        // directions: l0, b0, seasonal slot j (+1) with the last slot (-1)
        var col = 0
        func set(_ base: UnsafeMutablePointer<V>, _ j: Int, _ v: Double) { base[j / 4][j % 4] = v }
        set(dl, col, 1); col += 1
        if hasB { set(db, col, 1); col += 1 }
        for j in 0..<(m - 1) { set(ds + j * chunks, col, 1); set(ds + (m - 1) * chunks, col, -1); col += 1 }
        var l = x0.l, b = x0.b, head = 0
        for t in 0..<n {
            let last = head == 0 ? m - 1 : head - 1
            let old = s[last]
            let phib = hasB ? phi * b : 0
            let q = l + phib
            let ft = q * old
            if !ft.isFinite { return false }
            f[t] = ft
            let yt = y[t]
            let cpp = -yt / (old * old), ct = -yt / (q * q)
            let sl = ds + last * chunks, zt = zr + t * chunks
            for c in 0..<chunks {
                let dlc = dl[c], dbc = db[c]
                let dq: V = hasB ? dlc + phi * dbc : dlc
                let dold = sl[c]
                zt[c] = dq * old + q * dold
                let dln: V = dq + alpha * (cpp * dold - dq)
                if hasB { db[c] = phi * dbc + betaA * (dln - dlc - phi * dbc) }
                dl[c] = dln
                sl[c] = dold + gamma * (ct * dq - dold)
            }
            let pp = abs(old) < tol ? hugeN : yt / old
            let oldl = l
            l = q + alpha * (pp - q)
            if hasB { b = phib + betaA * ((l - oldl) - phib) }
            let tt = abs(q) < tol ? hugeN : yt / q
            s[last] = old + gamma * (tt - old)
            head = last
        }
        let z = self.z
        let raw = UnsafeMutableRawPointer(zr).assumingMemoryBound(to: Double.self)
        let stride = chunks * 4
        for j in 0..<k {
            let zc = z + j * n
            for t in 0..<n { zc[t] = raw[t * stride + j] }
        }
        return true
    }

    /// R's lik for forecasts f (the errors into e).
    func criterion(_ f: UnsafeMutablePointer<Double>) -> Double {
        var sse = 0.0, logf = 0.0, prod = 1.0
        let y = yp, e = self.e
        if multError {
            for t in 0..<n {
                let ft = f[t]
                let et = (y[t] - ft) / ft
                e[t] = et
                sse += et * et
                prod *= abs(ft)
                if !(prod < 1e150 && prod > 1e-150) { logf += log(prod); prod = 1 }
            }
            logf += log(prod)
        } else {
            for t in 0..<n {
                let et = y[t] - f[t]
                e[t] = et
                sse += et * et
            }
        }
        var lik = Double(n) * log(sse) + 2 * logf
        if lik.isNaN { return .infinity }
        lik = max(lik, -1e10)
        return lik
    }

    /// The profiled criterion: min over θ of lik at p; θ kept in `theta`.
    func solve(_ p: Params) -> Double {
        var th = bestTheta
        guard propagate(p, th) else { return .infinity }
        if !multError && linearState {
            // one exact least-squares step from θ: minimise Σ (y - f - Z δ)²
            for t in 0..<n { e[t] = yp[t] - f[t] }
            formNormal(weighted: false, a: nil, sse: 0)
            guard choleskySolve() else { return .infinity }
            for j in 0..<k { th[j] += step[j] }
            direction()
            applyStep(scale: 1)
            let lik = criterion(f)
            theta = th
            note(lik, th)
            return lik
        }
        var lik = criterion(f)
        guard lik.isFinite else { return .infinity }
        let y = yp, f = self.f, z = self.z, e = self.e, w2 = self.w2, a = self.a
        // A chord method: J'J is formed and factored at the first iterate and kept until a
        // step fails. With a linear state the gradient J'r stays exact (z does not depend on
        // θ); with a nonlinear one (multiplicative season) z is also kept from the first
        // iterate. `exactInner` refreshes both at every iterate (the final solve).
        var fresh = true
        for _ in 0..<60 {
            innerIterations += 1
            // Gauss-Newton on r = e G: J = W Z + e a' (W = -1 or -y/f²; a = 0 or mean z/f)
            var sse = 0.0
            if multError {
                for t in 0..<n {
                    sse += e[t] * e[t]
                    let g = 1 / f[t]
                    invf[t] = g
                    w2[t] = -y[t] * g * g   // W, squared in formNormal
                }
                columnDots(z, invf, n, k, a)
                for j in 0..<k { a[j] /= Double(n) }
            } else {
                for t in 0..<n { sse += e[t] * e[t]; w2[t] = -1 }
            }
            if fresh {
                formNormal(weighted: true, a: multError ? a : nil, sse: sse)
                guard factor() else { break }
            } else {
                let we = ftrial   // scratch until the trials
                for t in 0..<n { we[t] = w2[t] * e[t] }
                columnDots(z, we, n, k, v)
                for i in 0..<k { rhs[i] = -(v[i] + (multError ? sse * a[i] : 0)) }
            }
            guard backSolve() else { break }
            if linearState { direction() }
            // step halving until lik decreases: up to 12 times for a fresh J'J, 3 for a kept
            // one (a chord step that fails that far is refreshed: cheaper than 9 more trial
            // filters, and higher likelihoods on employment, plugins/ets/README.md)
            var scale = 1.0, accepted = false, newLik = lik
            for _ in 0..<(fresh ? 12 : 3) {
                for j in 0..<k { trial[j] = th[j] + scale * step[j] }
                newLik = trialCriterion(p, scale: scale)
                if newLik < lik { accepted = true; break }
                scale *= 0.5
            }
            if !accepted {
                if fresh { break }
                if !linearState {
                    guard propagate(p, th) else { return .infinity }
                    lik = criterion(f)
                }
                fresh = true
                continue
            }
            let gain = lik - newLik
            th = trial
            lik = newLik
            if linearState {
                // z is exact (it does not depend on θ): the next iterations keep the factor
                // of J'J and recompute J'r, so they converge to the exact stationary point
                applyStep(scale: scale)
                fresh = exactInner
            } else if exactInner {
                guard propagate(p, th) else { return .infinity }
                lik = criterion(f)
            } else {
                f.update(from: ftrial, count: n)   // e holds the trial's errors
                fresh = false
            }
            if gain <= 1e-10 * max(1, abs(lik)) { break }
        }
        theta = th
        note(lik, th)
        return lik
    }

    private func note(_ lik: Double, _ th: [Double]) {
        if lik < bestL { bestL = lik; bestTheta = th }
    }

    /// df = Z step.
    private func direction() {
        let n = self.n, df = self.df, z = self.z
        for t in 0..<n { df[t] = 0 }
        // two columns per pass over df, added in the same order as one at a time
        var j = 0
        while j + 1 < k {
            let c0 = step[j], c1 = step[j + 1], z0 = z + j * n, z1 = z + (j + 1) * n
            if c0 != 0 && c1 != 0 {
                for t in 0..<n { df[t] = (df[t] + c0 * z0[t]) + c1 * z1[t] }
            } else if c0 != 0 {
                for t in 0..<n { df[t] += c0 * z0[t] }
            } else if c1 != 0 {
                for t in 0..<n { df[t] += c1 * z1[t] }
            }
            j += 2
        }
        if j < k {
            let c = step[j], col = z + j * n
            if c != 0 { for t in 0..<n { df[t] += c * col[t] } }
        }
    }

    /// lik at θ + scale·step without touching f and z (e is overwritten); a linear state
    /// needs df (direction()).
    private func trialCriterion(_ p: Params, scale: Double) -> Double {
        if linearState {
            let f = self.f, df = self.df, ft = ftrial
            for t in 0..<n { ft[t] = f[t] + scale * df[t] }
            return criterion(ftrial)
        }
        guard let x0 = state(trial) else { return .infinity }
        return likelihood(UnsafeBufferPointer(start: yp, count: n), spec, p, x0, errors: e, fitted: ftrial)
    }

    /// f += scale·df (direction()).
    private func applyStep(scale: Double) {
        let f = self.f, df = self.df
        for t in 0..<n { f[t] += scale * df[t] }
    }

    /// The Gauss-Newton system into gram and rhs (rhs = -J'r, so that step solves gram·step = rhs):
    /// J'J = Z'W²Z + v a' + a v' + S a a', J'r = v + S a, v = Z'W e. Unweighted: Z'Z, Z'e.
    private func formNormal(weighted: Bool, a: UnsafeMutablePointer<Double>?, sse: Double) {
        let n = self.n, k = self.k, z = self.z, e = self.e, w = self.w2, v = self.v, gram = self.gram
        if weighted {
            // v = Z'W e, then W squared in place
            let we = ftrial   // scratch
            for t in 0..<n { we[t] = w[t] * e[t] }
            columnDots(z, we, n, k, v)
            for t in 0..<n { w[t] *= w[t] }
            // u_i = W² z_i once, then Z'W²Z by plain dot products
            let u = self.u
            for i in 0..<k {
                let ui = u + i * n, zi = z + i * n
                for t in 0..<n { ui[t] = w[t] * zi[t] }
            }
            lowerGram(u, z, n, k, gram)
        } else {
            columnDots(z, e, n, k, v)
            lowerGram(z, z, n, k, gram)
        }
        if let a {
            for i in 0..<k { for j in 0...i { gram[i * k + j] += v[i] * a[j] + a[i] * v[j] + sse * a[i] * a[j] } }
            for i in 0..<k { rhs[i] = -(v[i] + sse * a[i]) }
        } else if weighted {
            for i in 0..<k { rhs[i] = -v[i] }
        } else {
            for i in 0..<k { rhs[i] = v[i] }
        }
    }

    /// Solves gram·step = rhs (lower triangle of gram) by Cholesky with a small ridge.
    private func choleskySolve() -> Bool { factor() && backSolve() }

    /// The Cholesky factor of gram (lower triangle) into chol, with a small ridge.
    private func factor() -> Bool {
        let k = self.k
        var maxDiag = 0.0
        for i in 0..<k { maxDiag = max(maxDiag, gram[i * k + i]) }
        guard maxDiag > 0 && maxDiag.isFinite else { return false }
        var ridge = 1e-12 * maxDiag
        let c = chol, gram = self.gram
        for _ in 0..<6 {
            var ok = true
            for i in 0..<k where ok {
                for j in 0...i {
                    var s = gram[i * k + j] + (i == j ? ridge : 0)
                    for r in 0..<j { s -= c[i * k + r] * c[j * k + r] }
                    if i == j {
                        if !(s > 0) { ok = false; break }
                        c[i * k + i] = s.squareRoot()
                    } else {
                        c[i * k + j] = s / c[j * k + j]
                    }
                }
            }
            if ok { return true }
            ridge = max(ridge * 1000, 1e-10 * maxDiag)
        }
        return false
    }

    /// step from rhs by the factor in chol.
    private func backSolve() -> Bool {
        step.update(from: rhs, count: k)
        choleskySubstitute(chol, step, k)
        for i in 0..<k where !step[i].isFinite { return false }
        return true
    }
}

/// (p0 · x, p1 · x) over n values, each summed as `dot` sums it (the same lanes and order), the
/// loads of x shared by the two.
@inline(__always)
func twoDots(_ p0: UnsafeMutablePointer<Double>, _ p1: UnsafeMutablePointer<Double>, _ x: UnsafeMutablePointer<Double>,
             _ n: Int) -> (Double, Double) {
    typealias V = SIMD4<Double>
    let a0 = UnsafeRawPointer(p0), a1 = UnsafeRawPointer(p1), rx = UnsafeRawPointer(x)
    var s00 = V(), s01 = V(), s10 = V(), s11 = V()
    var t = 0
    while t + 8 <= n {
        let o = t * 8
        let x0 = rx.loadUnaligned(fromByteOffset: o, as: V.self), x1 = rx.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        s00 += a0.loadUnaligned(fromByteOffset: o, as: V.self) * x0
        s01 += a0.loadUnaligned(fromByteOffset: o + 32, as: V.self) * x1
        s10 += a1.loadUnaligned(fromByteOffset: o, as: V.self) * x0
        s11 += a1.loadUnaligned(fromByteOffset: o + 32, as: V.self) * x1
        t += 8
    }
    var y0 = (s00 + s01).sum(), y1 = (s10 + s11).sum()
    while t < n { y0 += p0[t] * x[t]; y1 += p1[t] * x[t]; t += 1 }
    return (y0, y1)
}

/// The lower triangle of A'B (columns of n values, column-major; row i, column j ≤ i: a_i · b_j)
/// into g (k × k, row-major). Two rows at a time share the loads of b_j; each entry is summed
/// as `dot` sums it (the same lanes and order), so the values equal dot's exactly.
func lowerGram(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int,
               _ g: UnsafeMutablePointer<Double>) {
    var i = 0
    while i + 1 < k {
        for j in 0...i {
            let (x0, x1) = twoDots(a + i * n, a + (i + 1) * n, b + j * n, n)
            g[i * k + j] = x0
            g[(i + 1) * k + j] = x1
        }
        g[(i + 1) * k + i + 1] = dot(a + (i + 1) * n, b + (i + 1) * n, n)
        i += 2
    }
    if i < k { for j in 0...i { g[i * k + j] = dot(a + i * n, b + j * n, n) } }
}

/// out[i] = a_i · x for the k columns of a (n values each, column-major), two columns at a
/// time sharing the loads of x; each summed as `dot` sums it, so the values equal dot's.
func columnDots(_ a: UnsafeMutablePointer<Double>, _ x: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int,
                _ out: UnsafeMutablePointer<Double>) {
    var i = 0
    while i + 1 < k {
        (out[i], out[i + 1]) = twoDots(a + i * n, a + (i + 1) * n, x, n)
        i += 2
    }
    if i < k { out[i] = dot(a + i * n, x, n) }
}

/// Σ a b over n values, SIMD (4 lanes, two accumulators).
@inline(__always)
func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
    typealias V = SIMD4<Double>
    var s0 = V(), s1 = V()
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var t = 0
    while t + 8 <= n {
        let o = t * 8
        let a0 = ra.loadUnaligned(fromByteOffset: o, as: V.self), a1 = ra.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        let b0 = rb.loadUnaligned(fromByteOffset: o, as: V.self), b1 = rb.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        s0 += a0 * b0
        s1 += a1 * b1
        t += 8
    }
    var s = (s0 + s1).sum()
    while t < n { s += a[t] * b[t]; t += 1 }
    return s
}

/// Σ a b c over n values.
@inline(__always)
func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ c: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
    typealias V = SIMD4<Double>
    var s0 = V(), s1 = V()
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b), rc = UnsafeRawPointer(c)
    var t = 0
    while t + 8 <= n {
        let o = t * 8
        let a0 = ra.loadUnaligned(fromByteOffset: o, as: V.self), a1 = ra.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        let b0 = rb.loadUnaligned(fromByteOffset: o, as: V.self), b1 = rb.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        let c0 = rc.loadUnaligned(fromByteOffset: o, as: V.self), c1 = rc.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        let p0: V = a0 * b0, p1: V = a1 * b1
        s0 += p0 * c0
        s1 += p1 * c1
        t += 8
    }
    var s = (s0 + s1).sum()
    while t < n { s += a[t] * b[t] * c[t]; t += 1 }
    return s
}
