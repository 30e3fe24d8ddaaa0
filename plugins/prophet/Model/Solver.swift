import PluginNumerics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// min_theta 1/2 theta'Q theta - b'theta + mu * sum_{l in L} |theta_l|, Q symmetric positive
/// definite (p x p, row-major), L = the indices `l1` (the changepoint deltas). Exact, by
/// feature-sign search (an active-set method: solve on the current sign pattern, walk
/// to the solution stopping where a coefficient crosses zero, add the most violating
/// zero coefficient). `theta` is the warm start and the result.
@discardableResult
func solveL1QP(Q: UnsafePointer<Double>, b: UnsafePointer<Double>, p: Int, l1: Range<Int>, mu: Double,
               theta: inout [Double], work: inout QPWork) -> Bool {
    let isL1 = { (j: Int) -> Bool in l1.contains(j) }
    var sign = [Double](repeating: 0, count: p)
    for j in 0..<p where isL1(j) { sign[j] = theta[j] > 0 ? 1 : (theta[j] < 0 ? -1 : 0) }
    var active = (0..<p).map { !isL1($0) || theta[$0] != 0 }
    var g = [Double](repeating: 0, count: p)
    func gradient() {
        for a in 0..<p {
            var s = 0.0
            let row = Q + a * p
            for c in 0..<p { s += row[c] * theta[c] }
            g[a] = s - b[a]
        }
    }
    func objective(_ th: [Double]) -> Double {
        var f = 0.0
        for a in 0..<p {
            var s = 0.0
            let row = Q + a * p
            for c in 0..<p { s += row[c] * th[c] }
            f += 0.5 * s * th[a] - b[a] * th[a]
        }
        for j in l1 { f += mu * abs(th[j]) }
        return f
    }
    var outer = 0
    while outer < 4 * p + 20 {
        outer += 1
        // Feature-sign steps: minimise on the current active set and signs, walking back
        // to zero crossings (which leave the active set).
        var inner = 0
        while inner < 2 * p + 10 {
            inner += 1
            let idx = (0..<p).filter { active[$0] }
            let na = idx.count
            guard na > 0 else { break }
            work.reserve(na)
            var solved = false
            for attempt in 0..<2 where !solved {
                for (r, a) in idx.enumerated() {
                    for (c, cc) in idx.enumerated() { work.m[r * na + c] = Q[a * p + cc] }
                    if attempt == 1 { work.m[r * na + r] += 1e-10 * (abs(Q[a * p + a]) + 1) }
                    work.rhs[r] = b[a] - (isL1(a) ? mu * sign[a] : 0)
                }
                solved = cholSolve(work.m, work.rhs, na)
            }
            if !solved { return false }
            var target = theta
            for (r, a) in idx.enumerated() { target[a] = work.rhs[r] }
            var consistent = true
            for a in idx where isL1(a) && target[a] * sign[a] <= 0 { consistent = false; break }
            if consistent {
                theta = target
                break
            }
            // The best point among the zero crossings on the segment and its end.
            var candidates: [Double] = [1]
            for a in idx where isL1(a) && theta[a] != 0 && target[a] * theta[a] < 0 {
                candidates.append(theta[a] / (theta[a] - target[a]))
            }
            var bestF = objective(theta)
            var bestTh = theta
            for s in candidates {
                var th = theta
                for a in idx { th[a] = theta[a] + s * (target[a] - theta[a]) }
                if s < 1 {
                    for a in idx where isL1(a) && theta[a] != 0 && abs(s - theta[a] / (theta[a] - target[a])) < 1e-15 { th[a] = 0 }
                }
                let f = objective(th)
                if f < bestF { bestF = f; bestTh = th }
            }
            let moved = bestTh != theta
            theta = bestTh
            for a in idx where isL1(a) {
                if theta[a] == 0 { active[a] = false; sign[a] = 0 } else { sign[a] = theta[a] > 0 ? 1 : -1 }
            }
            if !moved {
                // No progress with this sign pattern: drop the coefficients whose solution
                // has the wrong sign (at zero already) and try again.
                var dropped = false
                for a in idx where isL1(a) && theta[a] == 0 && active[a] { active[a] = false; sign[a] = 0; dropped = true }
                if !dropped { break }
            }
        }
        // Add the zero coefficient that most violates optimality; done when none does.
        gradient()
        var best = -1
        var bestV = mu * (1 + 1e-9) + 1e-13
        for j in l1 where !active[j] && abs(g[j]) > bestV { best = j; bestV = abs(g[j]) }
        if best < 0 { return true }
        active[best] = true
        sign[best] = g[best] > 0 ? -1 : 1
    }
    return true
}

/// Scratch space for the QP solver.
struct QPWork {
    var m: UnsafeMutablePointer<Double>
    var rhs: UnsafeMutablePointer<Double>
    var cap: Int
    init(_ p: Int) {
        cap = max(p, 1)
        m = .allocate(capacity: cap * cap)
        rhs = .allocate(capacity: cap)
    }
    mutating func reserve(_ n: Int) {
        if n > cap {
            m.deallocate(); rhs.deallocate()
            cap = n
            m = .allocate(capacity: n * n)
            rhs = .allocate(capacity: n)
        }
    }
    func free() { m.deallocate(); rhs.deallocate() }
}

/// Solves A x = r in place (A: n x n SPD, row-major, overwritten by its Cholesky factor;
/// r overwritten by x). False when A is not positive definite.
func cholSolve(_ a: UnsafeMutablePointer<Double>, _ r: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
    for j in 0..<n {
        var d = a[j * n + j]
        for k in 0..<j { d -= a[j * n + k] * a[j * n + k] }
        guard d > 0, d.isFinite else { return false }
        let l = d.squareRoot()
        a[j * n + j] = l
        for i in (j + 1)..<max(j + 1, n) {
            var s = a[i * n + j]
            for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
            a[i * n + j] = s / l
        }
    }
    choleskySubstitute(a, r, n)
    return true
}

extension Objective {
    /// Fills `J` (n x p, row-major, p = 2 + S + K) with d yhat / d theta at theta `th`
    /// and returns the residuals' sum of squares; `r` gets y - yhat. The dense reference
    /// for `structuredNormalEquations` (the tests compare the two).
    func jacobian(_ J: UnsafeMutablePointer<Double>, _ r: UnsafeMutablePointer<Double>) -> Double {
        forward()
        let p = 2 + S + K
        var rss = 0.0
        for i in 0..<n {
            let res = yp[i] - (Tp[i] * (1 + Mp[i]) + Ap[i])
            r[i] = res
            rss += res * res
        }
        let k = th[0], m = th[1]
        for i in 0..<n {
            let row = J + i * p
            let F = 1 + Mp[i]
            let ti = tp[i]
            var q: Double
            switch growth {
            case .flat:
                row[0] = 0
                row[1] = F
                for l in 0..<S { row[2 + l] = 0 }
                q = 0
            case .linear:
                q = F
                row[0] = ti * q
                row[1] = q
            case .logistic:
                let T = Tp[i]
                q = F * T * (1 - T / capS)
                row[0] = q * (ti - m)
                row[1] = -q * k
            }
            if growth != .flat {
                for l in 0..<S { row[2 + l] = ti > cp[l] ? q * (ti - cp[l]) : 0 }
            }
        }
        for (bi, rows) in blockRows.enumerated() {
            let w = rows.width
            let base = 2 + S + blockOffset[bi]
            let mult = blocks[bi].mode == .multiplicative
            let rp = blockRowPtr[bi], idx = blockIdxPtr[bi]
            for i in 0..<n {
                let src = rp + Int(idx[i]) * w
                let dst = J + i * p + base
                let f = mult ? Tp[i] : 1
                for j in 0..<w { dst[j] = src[j] * f }
            }
        }
        return rss
    }

    /// G = J'J (p x p, both triangles) and jr = J'r from a dense J, by rank-1 updates over
    /// the rows. Reference implementation (tests); fits use `structuredNormalEquations`.
    func normalEquations(_ J: UnsafePointer<Double>, _ r: UnsafePointer<Double>, _ G: UnsafeMutablePointer<Double>,
                         _ jr: UnsafeMutablePointer<Double>, p: Int) {
        G.update(repeating: 0, count: p * p)
        jr.update(repeating: 0, count: p)
        for i in 0..<n {
            let row = J + i * p
            let ri = r[i]
            for a in 0..<p {
                let va = row[a]
                if va == 0 { continue }
                jr[a] += va * ri
                let g = G + a * p
                for c in a..<p { g[c] += va * row[c] }
            }
        }
        for a in 0..<p { for c in 0..<a { G[a * p + c] = G[c * p + a] } }
    }

    /// yhat's parts at theta `th` into Tp (trend), Mp, Ap; returns the RSS.
    @discardableResult
    func forward() -> Double {
        fillParts()
        var rss = 0.0
        for i in 0..<n {
            let r = yp[i] - (Tp[i] * (1 + Mp[i]) + Ap[i])
            rss += r * r
        }
        return rss
    }

    /// yhat = Tp (1 + Mp) + Ap at theta `th`: the trend walking the changepoints, and the
    /// multiplicative and additive seasonal/holiday parts.
    func fillParts() {
        for i in 0..<n { Mp[i] = 0; Ap[i] = 0 }
        for bi in 0..<blockRows.count {
            let off = 2 + S + blockOffset[bi]
            let w = blockRows[bi].width, cnt = blockRows[bi].count
            let rows = blockRowPtr[bi], idx = blockIdxPtr[bi], vals = blockValPtr[bi]
            for u in 0..<cnt {
                var s = 0.0
                let row = rows + u * w
                for j in 0..<w { s += row[j] * th[off + j] }
                vals[u] = s
            }
            let dst = blocks[bi].mode == .multiplicative ? Mp : Ap
            for i in 0..<n { dst[i] += vals[Int(idx[i])] }
        }
        let k = th[0], m = th[1]
        var c = 0
        var rate = k
        var shift = 0.0
        switch growth {
        case .flat:
            for i in 0..<n { Tp[i] = m }
        case .linear, .logistic:
            let km = growth == .logistic ? k * m : -m
            for i in 0..<n {
                let ti = tp[i]
                while c < S && ti > cp[c] { let d = th[2 + c]; rate += d; shift += d * cp[c]; c += 1 }
                let z = rate * ti - shift - km
                Tp[i] = growth == .linear ? z : capS / (1 + exp(-z))
            }
        }
    }

    /// The prior part of the negative log posterior at theta (without sigma's).
    func priorTerm(_ theta: [Double]) -> Double {
        var f = (theta[0] * theta[0] + theta[1] * theta[1]) / 50
        for l in 0..<S { f += abs(theta[2 + l]) / tau }
        for j in 0..<K { f += 0.5 * theta[2 + S + j] * theta[2 + S + j] * priorPrecision[j] }
        return f
    }

    /// The sigma minimising rss/(2 s^2) + n log s + s^2/(2 * 0.25).
    func bestSigma(_ rss: Double) -> Double {
        let nn = Double(n)
        let s2 = (-nn + (nn * nn + 16 * rss).squareRoot()) / 8
        return Swift.max(s2, 1e-20).squareRoot()
    }

    func fullObjective(rss: Double, sigma: Double, theta: [Double]) -> Double {
        rss / (2 * sigma * sigma) + Double(n) * log(sigma) + sigma * sigma / 0.5 + priorTerm(theta)
    }

    /// MAP by Gauss-Newton / Levenberg-Marquardt in theta with exact L1-QP steps and
    /// closed-form sigma updates. Returns (theta, sigma). For an additive model with a
    /// linear or flat trend the model is linear in theta: the Jacobian is computed once and
    /// each step is the exact minimiser for the current sigma.
    func solveMAP(theta0: [Double], maxIterations: Int = 60) -> (theta: [Double], sigma: Double, iterations: Int) {
        let p = 2 + S + K
        let r = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let G = UnsafeMutablePointer<Double>.allocate(capacity: p * p)
        let Q = UnsafeMutablePointer<Double>.allocate(capacity: p * p)
        let bb = UnsafeMutablePointer<Double>.allocate(capacity: p)
        let jr = UnsafeMutablePointer<Double>.allocate(capacity: p)
        var work = QPWork(p)
        defer { r.deallocate(); G.deallocate(); Q.deallocate(); bb.deallocate(); jr.deallocate(); work.free() }
        let linearModel = !anyMultiplicative && growth != .logistic
        var theta = theta0
        for j in 0..<p { th[j] = theta[j] }
        var rss = 0.0
        var sigma = 1.0
        var f = Double.infinity
        var nu = linearModel ? 0.0 : 1e-3
        var iterations = 0
        var needJ = true
        var l1 = 2..<(2 + S)
        if growth == .flat { l1 = 2..<2 }
        while iterations < maxIterations {
            iterations += 1
            if needJ {
                for j in 0..<p { th[j] = theta[j] }
                rss = structuredNormalEquations(G, jr, r, newton: !linearModel && growth != .logistic)
                if iterations == 1 { sigma = bestSigma(rss) }
                f = fullObjective(rss: rss, sigma: sigma, theta: theta)
                needJ = !linearModel
            }
            // The QP in theta (times sigma^2): 1/2 th'(G + s^2 D + nu diag G)th - b'th + s^2/tau |delta|,
            // b = J'r + G theta_c (the linearisation around theta_c).
            let s2 = sigma * sigma
            for a in 0..<p {
                var gth = 0.0
                for c in 0..<p { gth += G[a * p + c] * theta[c] }
                bb[a] = jr[a] + gth
                for c in 0..<p { Q[a * p + c] = G[a * p + c] }
                var prec = 0.0
                if a < 2 { prec = 1.0 / 25 } else if a >= 2 + S { prec = priorPrecision[a - 2 - S] }
                if growth == .flat && (a == 0 || (a >= 2 && a < 2 + S)) { prec = 1 }
                Q[a * p + a] += s2 * prec + nu * G[a * p + a]
                if nu > 0 { bb[a] += nu * G[a * p + a] * theta[a] }
            }
            var cand = theta
            if !solveL1QP(Q: Q, b: bb, p: p, l1: l1, mu: s2 / tau, theta: &cand, work: &work) {
                // Not positive definite (the Newton Hessian can be indefinite): damp more.
                nu = nu == 0 ? 1e-4 : nu * 8
                if nu > 1e8 { break }
                continue
            }
            // Evaluate the true objective at the candidate.
            for j in 0..<p { th[j] = cand[j] }
            let rssC = linearModel ? quadraticRSS(G: G, jr: jr, theta0: theta, theta: cand, rss0: rss) : forward()
            let sigC = bestSigma(rssC)
            let fC = fullObjective(rss: rssC, sigma: sigC, theta: cand)
            if fC <= f {
                let rel = (f - fC) / Swift.max(abs(f), 1)
                let step = zip(cand, theta).reduce(0.0) { Swift.max($0, abs($1.0 - $1.1)) }
                theta = cand
                rss = rssC
                sigma = sigC
                f = fC
                if linearModel {
                    // Same Jacobian; the linearisation point moves: J'r changes by -G (cand - old).
                    // (Recomputed exactly from the stored quantities in quadraticRSS's frame.)
                    updateLinearFrame(G: G, jr: jr, p: p)
                } else {
                    needJ = true
                    nu = Swift.max(nu / 4, 1e-9)
                }
                if rel < (linearModel ? 1e-13 : 1e-11) || step < 1e-10 { break }
            } else {
                if linearModel { break }
                nu = nu == 0 ? 1e-4 : nu * 8
                if nu > 1e8 { break }
            }
        }
        if useGram {
            // The L-BFGS check that follows works on the same quadratic form: hand it over.
            // b = J'y = J'r + G theta at the current theta.
            gram = Array(UnsafeBufferPointer(start: G, count: p * p))
            gb = (0..<p).map { a in
                var s = 0.0
                for c in 0..<p { s += G[a * p + c] * theta[c] }
                return jr[a] + s
            }
            yy = 0
            for i in 0..<n { yy += yp[i] * yp[i] }
        }
        return (theta, sigma, iterations)
    }

    /// For the linear model: RSS at theta from the RSS at theta0 and J'r at theta0.
    /// rss(theta) = rss0 - 2 (theta - theta0)'J'r0 + (theta - theta0)'G(theta - theta0).
    func quadraticRSS(G: UnsafeMutablePointer<Double>, jr: UnsafeMutablePointer<Double>, theta0: [Double],
                      theta: [Double], rss0: Double) -> Double {
        let p = 2 + S + K
        var d = [Double](repeating: 0, count: p)
        for j in 0..<p { d[j] = theta[j] - theta0[j] }
        var quad = 0.0, lin = 0.0
        for a in 0..<p {
            var s = 0.0
            for c in 0..<p { s += G[a * p + c] * d[c] }
            quad += s * d[a]
            lin += jr[a] * d[a]
        }
        pendingShift = d
        return Swift.max(rss0 - 2 * lin + quad, 0)
    }

    /// After accepting a step d in the linear model: J'r becomes J'r - G d.
    func updateLinearFrame(G: UnsafeMutablePointer<Double>, jr: UnsafeMutablePointer<Double>, p: Int) {
        guard let d = pendingShift else { return }
        for a in 0..<p {
            var s = 0.0
            for c in 0..<p { s += G[a * p + c] * d[c] }
            jr[a] -= s
        }
        pendingShift = nil
    }
}
