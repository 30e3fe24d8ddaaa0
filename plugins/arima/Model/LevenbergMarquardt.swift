// Levenberg-Marquardt for the two least-squares objectives (CSS residuals, and the exact
// likelihood written as a sum of squares: sum_t (v_t / sqrt(F_t))^2 * (prod_t F_t)^(1/n),
// whose logarithm is twice the concentrated negative log-likelihood up to a constant).
// The Jacobian comes from forward differences of the residual vector: k extra residual
// passes per iteration instead of 2k + 1 objective passes per gradient of a quasi-Newton
// method, and Gauss-Newton steps converge in a handful of iterations.
import Foundation

enum LevenbergMarquardt {
    struct Result { var x: [Double]; var ssq: Double; var iterations: Int; var evals: Int; var ok: Bool }

    /// Minimises sum(r(x)^2). `resid` writes m residuals and returns false when x is
    /// inadmissible (the step is then shortened).
    static func minimize(x0: [Double], m: Int, maxIter: Int = 100, ftol: Double = 1e-10, xtol: Double = 1e-8,
                         resid: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Bool) -> Result {
        let k = x0.count
        var x = x0
        var r = [Double](repeating: 0, count: m)
        var evals = 1
        let ok0 = x.withUnsafeBufferPointer { xb in r.withUnsafeMutableBufferPointer { resid(xb.baseAddress ?? UnsafePointer(bitPattern: 8)!, $0.baseAddress!) } }
        func ssq(_ v: [Double]) -> Double { var s = 0.0; for e in v { s += e * e }; return s }
        guard ok0 else { return Result(x: x0, ssq: .infinity, iterations: 0, evals: 1, ok: false) }
        var S = ssq(r)
        guard S.isFinite else { return Result(x: x0, ssq: .infinity, iterations: 0, evals: 1, ok: false) }
        if k == 0 { return Result(x: x, ssq: S, iterations: 0, evals: 1, ok: true) }
        var J = [Double](repeating: 0, count: m * k) // column-major: J[j*m + t]
        var rt = [Double](repeating: 0, count: m)
        var xt = x
        var lambda = -1.0
        var nu = 2.0
        var iter = 0
        while iter < maxIter {
            iter += 1
            // Jacobian by forward differences
            var jacOK = true
            for j in 0..<k {
                let h = 1e-7 * max(1, abs(x[j]))
                xt = x
                xt[j] += h
                var ok = xt.withUnsafeBufferPointer { xb in rt.withUnsafeMutableBufferPointer { resid(xb.baseAddress!, $0.baseAddress!) } }
                evals += 1
                var hh = h
                if !ok {
                    xt[j] = x[j] - h; hh = -h
                    ok = xt.withUnsafeBufferPointer { xb in rt.withUnsafeMutableBufferPointer { resid(xb.baseAddress!, $0.baseAddress!) } }
                    evals += 1
                }
                if !ok { jacOK = false; break }
                let inv = 1 / hh
                for t in 0..<m { J[j * m + t] = (rt[t] - r[t]) * inv }
            }
            if !jacOK { break }
            // normal equations
            var A = [Double](repeating: 0, count: k * k)
            var g = [Double](repeating: 0, count: k)
            J.withUnsafeBufferPointer { Jb in
                r.withUnsafeBufferPointer { rb in
                    for a in 0..<k {
                        let ja = Jb.baseAddress! + a * m
                        var s = 0.0
                        for t in 0..<m { s += ja[t] * rb[t] }
                        g[a] = s
                        for b in 0...a {
                            let jb = Jb.baseAddress! + b * m
                            var s2 = 0.0
                            for t in 0..<m { s2 += ja[t] * jb[t] }
                            A[a * k + b] = s2; A[b * k + a] = s2
                        }
                    }
                }
            }
            var maxDiag = 0.0
            for a in 0..<k { maxDiag = max(maxDiag, A[a * k + a]) }
            if !(maxDiag > 0) || !maxDiag.isFinite { break }
            var gmax = 0.0
            for a in 0..<k { gmax = max(gmax, abs(g[a])) }
            if gmax <= 1e-12 * max(S, 1e-300) { break }
            if lambda < 0 { lambda = 1e-3 }
            var accepted = false
            var stop = false
            while !accepted {
                var M = A
                for a in 0..<k { M[a * k + a] += lambda * max(A[a * k + a], 1e-12 * maxDiag) }
                var delta = g.map { -$0 }
                if !LinAlg.solve(&M, &delta, k) { lambda *= nu; nu *= 2; if lambda > 1e16 { stop = true; break }; continue }
                for a in 0..<k { xt[a] = x[a] + delta[a] }
                let ok = xt.withUnsafeBufferPointer { xb in rt.withUnsafeMutableBufferPointer { resid(xb.baseAddress!, $0.baseAddress!) } }
                evals += 1
                let Sn = ok ? ssq(rt) : .infinity
                // predicted reduction of the quadratic model
                var pred = 0.0
                for a in 0..<k {
                    var ad = 0.0
                    for b in 0..<k { ad += A[a * k + b] * delta[b] }
                    pred -= 2 * g[a] * delta[a] + delta[a] * ad
                }
                if Sn.isFinite && Sn < S {
                    let rho = pred > 0 ? (S - Sn) / pred : 0.5
                    let small = (S - Sn) <= ftol * S
                    var dx = 0.0, xn = 0.0
                    for a in 0..<k { dx = max(dx, abs(delta[a])); xn = max(xn, abs(x[a])) }
                    x = xt; r = rt; S = Sn
                    lambda *= max(1.0 / 3.0, 1 - pow(2 * rho - 1, 3))
                    nu = 2
                    accepted = true
                    if small || dx <= xtol * (xn + xtol) { stop = true }
                } else {
                    lambda *= nu; nu *= 2
                    if lambda > 1e16 { stop = true; break }
                }
            }
            if stop { break }
        }
        return Result(x: x, ssq: S, iterations: iter, evals: evals, ok: true)
    }
}
