// Fast exact likelihood for a stationary ARMA model: the Chandrasekhar recursions
// (Morf, Sidhu & Kailath 1974; see Herbst 2015) replace the O(r^2) Riccati update of the
// Kalman filter by an O(r) update, because with the stationary initial covariance the
// change of P from one step to the next has rank one:
//
//   P_{t+1} - P_t = M_t W_t W_t',   F_t = Z P_t Z',   K_t = T P_t Z',
//   F_{t+1} = F_t + M_t (Z W_t)^2,
//   K_{t+1} = K_t + M_t (Z W_t) T W_t,
//   W_{t+1} = T W_t - K_t (Z W_t) / F_t,
//   M_{t+1} = M_t F_t / F_{t+1},
//   with W_1 = K_1 = T P_1 Z', M_1 = -1 / F_1 (P_1 the stationary covariance),
//   a_{t+1} = T a_t + K_t v_t / F_t.
//
// (Derived directly from the Riccati equation P_{t+1} = T P_t T' + R R' - K_t K_t' / F_t.)
// The same gains serve every data column, so regressors are profiled out as in
// StateSpace.filter.
import Foundation

extension StateSpace {
    static func chandrasekhar(_ m: ArmaPolys, data: UnsafePointer<Double>, n: Int, nc: Int,
                              P0: [Double],
                              innov: UnsafeMutablePointer<Double>? = nil,
                              state: UnsafeMutablePointer<Double>? = nil,
                              scaledInnov: UnsafeMutablePointer<Double>? = nil) -> FilterResult {
        let r = m.r
        var res = FilterResult()
        res.cross = [Double](repeating: 0, count: nc * nc)
        // phi, K, W, a and v in one stack buffer (an allocation per call costs as much as
        // the recursions on short series)
        let nbuf = r + 2 * (r + 1) + nc * (r + 1) + nc
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: nbuf) { buf -> FilterResult in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(r, 1)) { idx -> FilterResult in
        let base = buf.baseAddress!
        for i in 0..<nbuf { base[i] = 0 }
        let phi = UnsafeMutableBufferPointer(start: base, count: r)
        for k in 0..<m.phi.count { phi[k] = m.phi[k] }
        var nIdx = 0
        for k in 0..<r where phi[k] != 0 { idx[nIdx] = k; nIdx += 1 }
        let phiIdx = UnsafeBufferPointer(start: idx.baseAddress!, count: nIdx)
        // K_1 = T P0 Z' = T * (first column of P0)
        let K = UnsafeMutableBufferPointer(start: base + r, count: r + 1)
        let W = UnsafeMutableBufferPointer(start: base + r + (r + 1), count: r + 1)
        let p00 = P0[0]
        for i in 0..<r { K[i] = phi[i] * p00 + (i + 1 < r ? P0[(i + 1) * r] : 0) }
        var F = p00
        guard F > 0, F.isFinite else { res.ok = false; return res }
        for i in 0..<r { W[i] = K[i] }
        var M = -1 / F
        let a = UnsafeMutableBufferPointer(start: base + r + 2 * (r + 1), count: nc * (r + 1))
        let v = UnsafeMutableBufferPointer(start: base + r + 2 * (r + 1) + nc * (r + 1), count: nc)
        var sumLog = 0.0
        var converged = false
        var logF = 0.0
        var prodF = 1.0, nProd = 0
        // once the rank-one increments are below tol, F and K are frozen: the likelihood
        // moves by less than n * tol
        let tol = 1e-11
        res.cross.withUnsafeMutableBufferPointer { cross in
            for t in 0..<n {
                // F_t >= 1 in exact arithmetic (unit innovation variance)
                if !(F > 0.999) || !F.isFinite { res.ok = false; return }
                // sum log F_t by logs of products of up to 16 terms (one log call per 16
                // steps; F_t >= 1 and bounded, so a product stays far from overflow)
                if converged { sumLog += logF } else {
                    prodF *= F; nProd += 1
                    if nProd == 16 || prodF > 1e100 { sumLog += log(prodF); prodF = 1; nProd = 0 }
                }
                let invF = 1 / F
                for c in 0..<nc {
                    let ac = a.baseAddress! + c * (r + 1)
                    let vc = data[c * n + t] - ac[0]
                    v[c] = vc
                    // a <- T a + K v / F
                    let a0 = ac[0]
                    let g = vc * invF
                    for i in 0..<r { ac[i] = ac[i + 1] + K[i] * g }
                    for k in phiIdx { ac[k] += phi[k] * a0 }
                }
                for i in 0..<nc { for j in 0...i { cross[i * nc + j] += v[i] * v[j] * invF } }
                if let innov { innov[t] = v[0] }
                if let scaledInnov {
                    let sf = invF.squareRoot()
                    for c in 0..<nc { scaledInnov[c * n + t] = v[c] * sf }
                }
                if converged { continue }
                // gain recursions
                let zw = W[0]
                let mzw = M * zw
                let Fn = F + mzw * zw
                // TW (before W changes): (T W)[i] = phi_i W[0] + W[i+1]
                let coefK = zw * invF
                for i in 0..<r {
                    let tw = phi[i] * zw + W[i + 1]
                    let knew = K[i] + mzw * tw
                    W[i] = tw - K[i] * coefK
                    K[i] = knew
                }
                M = M * F / Fn
                F = Fn
                if abs(mzw * zw) < tol * F && abs(M) * W[0] * W[0] < tol {
                    // increments have died out: F and K are at their steady state
                    var mx = 0.0
                    for i in 0..<r { mx = max(mx, abs(W[i])) }
                    if abs(M) * mx * mx < tol {
                        converged = true; logF = log(F)
                        sumLog += log(prodF); prodF = 1; nProd = 0
                    }
                }
            }
            if let state { for i in 0..<r { state[i] = a[i] } }
        }
        if nProd > 0 { sumLog += log(prodF) }
        for i in 0..<nc { for j in 0..<i { res.cross[j * nc + i] = res.cross[i * nc + j] } }
        res.sumLog = sumLog
        return res
        }}
    }
}
