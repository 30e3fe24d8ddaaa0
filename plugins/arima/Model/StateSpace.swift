// Exact Gaussian likelihood of an ARMA process (possibly with a regression mean) through
// the state-space form of Harvey (1989) / Gardner, Harvey & Phillips (1980):
//
//   u_t = Z a_t,   a_{t+1} = T a_t + R e_{t+1},   Z = (1, 0, ..., 0),
//   T = [phi | I; 0], R = (1, theta_1, ..., theta_{r-1})',   r = max(p, q + 1).
//
// The filter runs with unit innovation variance, so sigma^2 and the regression
// coefficients are concentrated out: the innovations of y and of every regressor come
// from one and the same gain sequence (the gains do not depend on the data), and beta is
// the GLS estimate computed from their weighted cross-products. Once the filtered
// covariance has vanished (invertible MA: P converges to R R'), the recursions switch to
// the O(nnz) steady-state form a <- T(a + R v).
import Foundation

/// The ARMA part in expanded (multiplicative seasonal multiplied out) form.
struct ArmaPolys: Sendable {
    /// AR polynomial 1 - sum phi_k z^k, phi[k-1] = phi_k.
    var phi: [Double]
    /// MA polynomial 1 + sum theta_k z^k, theta[k-1] = theta_k.
    var theta: [Double]
    var r: Int { max(phi.count, theta.count + 1) }
}

enum StateSpace {
    /// Autocovariances gamma(0...maxLag) of the unit-variance ARMA process and psi weights
    /// psi(0...maxLag), or nil if the AR part is (numerically) non-stationary.
    static func autocovariances(_ m: ArmaPolys, maxLag: Int) -> (gamma: [Double], psi: [Double])? {
        let p = m.phi.count, q = m.theta.count
        var gamma = [Double](repeating: 0, count: max(maxLag, p) + 1)
        var psi = [Double](repeating: 0, count: max(maxLag, q) + 1)
        let ok = gamma.withUnsafeMutableBufferPointer { g in
            psi.withUnsafeMutableBufferPointer { autocovariances(m, maxLag: maxLag, gamma: g.baseAddress!, psi: $0.baseAddress!) }
        }
        return ok ? (gamma, psi) : nil
    }

    /// `autocovariances` into caller buffers of max(maxLag, p) + 1 (gamma, zeroed) and
    /// max(maxLag, q) + 1 (psi) values; false when non-stationary.
    static func autocovariances(_ m: ArmaPolys, maxLag: Int, gamma: UnsafeMutablePointer<Double>,
                                psi: UnsafeMutablePointer<Double>) -> Bool {
        let p = m.phi.count, q = m.theta.count
        // psi weights of phi(B) psi(B) = theta(B) (Poly.psiWeights)
        let count = max(maxLag, q) + 1
        psi[0] = 1
        if count > 1 {
            for j in 1..<count {
                var s = j <= q ? m.theta[j - 1] : 0
                let kmax = min(j, p)
                if kmax > 0 { for k in 1...kmax { s += m.phi[k - 1] * psi[j - k] } }
                psi[j] = s
            }
        }
        // c_h = sum_{j=h}^{q} theta_j psi_{j-h}, theta_0 = 1
        func c(_ h: Int) -> Double {
            var s = 0.0
            if h > q { return 0 }
            for j in h...q { s += (j == 0 ? 1 : m.theta[j - 1]) * psi[j - h] }
            return s
        }
        if p == 0 {
            for h in 0...maxLag { gamma[h] = c(h) }
            return true
        }
        // Solve gamma(h) - sum_k phi_k gamma(|h-k|) = c_h, h = 0..p.
        let n = p + 1
        let solved = withUnsafeTemporaryAllocation(of: Double.self, capacity: n * n + n) { buf -> Bool in
            let A = buf.baseAddress!, b = A + n * n
            for i in 0..<(n * n + n) { A[i] = 0 }
            for h in 0...p {
                A[h * n + h] += 1
                for k in 1...p { A[h * n + abs(h - k)] -= m.phi[k - 1] }
                b[h] = c(h)
            }
            guard LinAlg.solve(A, b, n) else { return false }
            for h in 0...p { gamma[h] = b[h] }
            return true
        }
        guard solved else { return false }
        if maxLag > p {
            for h in (p + 1)...maxLag {
                var s = c(h)
                for k in 1...p { s += m.phi[k - 1] * gamma[h - k] }
                gamma[h] = s
            }
        }
        if !(gamma[0] > 0) || !gamma[0].isFinite { return false }
        return true
    }

    /// Stationary covariance of the state vector (r x r, row-major), unit innovation variance,
    /// in O(r^2). The first column is Cov(a_t[i], u_t) = sum_{k>i} phi_k gamma(k-i) +
    /// sum_{k>=i} theta_k psi_{k-i}; the rest follows from a_t[i+1] = a_{t+1}[i] - phi_{i+1} u_t
    /// - R_i e_{t+1}, which gives
    ///   P[i+1][j+1] = P[i][j] - phi_{j+1} C_i - phi_{i+1} C_j + phi_{i+1} phi_{j+1} gamma(0) - R_i R_j,
    ///   C_i = phi_{i+1} gamma(0) + P[i+1][0].
    static func initialCovariance(_ m: ArmaPolys) -> [Double]? {
        let r = m.r
        let p = m.phi.count, q = m.theta.count
        let maxLag = r + 1
        let ng = max(maxLag, p) + 1, npsi = max(maxLag, q) + 1
        var P = [Double](repeating: 0, count: r * r)
        let ok = withUnsafeTemporaryAllocation(of: Double.self, capacity: ng + npsi + (r + 1) + 2 * r) { buf -> Bool in
            let base = buf.baseAddress!
            for i in 0..<buf.count { base[i] = 0 }
            let gamma = base, psi = base + ng, phi = psi + npsi, R = phi + (r + 1), C = R + r
            guard autocovariances(m, maxLag: maxLag, gamma: gamma, psi: psi) else { return false }
            for k in 0..<p { phi[k + 1] = m.phi[k] }          // phi[k] = phi_k, phi[0] unused
            R[0] = 1
            for k in 0..<min(q, r - 1) { R[k + 1] = m.theta[k] }
            return P.withUnsafeMutableBufferPointer { Pb -> Bool in
                let P = Pb.baseAddress!
                // first column
                for i in 0..<r {
                    var s = 0.0
                    if i + 1 <= p { for k in (i + 1)...min(p, r) { s += phi[k] * gamma[k - i] } }
                    for k in i..<r where k <= q { s += (k == 0 ? 1 : m.theta[k - 1]) * psi[k - i] }
                    P[i * r] = s
                    P[i] = s
                }
                let g0 = gamma[0]
                for i in 0..<(r - 1) { C[i] = phi[i + 1] * g0 + P[(i + 1) * r] }
                for i in 0..<(r - 1) {
                    for j in i..<(r - 1) {
                        let v = P[i * r + j] - phi[j + 1] * C[i] - phi[i + 1] * C[j] + phi[i + 1] * phi[j + 1] * g0 - R[i] * R[j]
                        P[(i + 1) * r + j + 1] = v
                        P[(j + 1) * r + i + 1] = v
                    }
                }
                for i in 0..<(r * r) where !P[i].isFinite { return false }
                return true
            }
        }
        return ok ? P : nil
    }

    struct FilterResult {
        var sumLog = 0.0
        /// nc x nc weighted cross-products of the innovations, sum v_i v_j / F.
        var cross: [Double] = []
        var ok = true
    }

    /// Runs the filter over `nc` columns (column-major data[c*n + t]) sharing one gain
    /// sequence. If `innov` is given (single column use), stores the innovations there and
    /// `state` receives the predicted state a_{n+1|n}, `stateCov` P_{n+1|n}.
    static func filter(_ m: ArmaPolys, data: UnsafePointer<Double>, n: Int, nc: Int,
                       P0: [Double],
                       innov: UnsafeMutablePointer<Double>? = nil,
                       gains: UnsafeMutablePointer<Double>? = nil,
                       state: UnsafeMutablePointer<Double>? = nil,
                       stateCov: UnsafeMutablePointer<Double>? = nil,
                       states: UnsafeMutablePointer<Double>? = nil,
                       scaledInnov: UnsafeMutablePointer<Double>? = nil) -> FilterResult {
        let r = m.r
        var res = FilterResult()
        res.cross = [Double](repeating: 0, count: nc * nc)
        var phi = [Double](repeating: 0, count: r + 1)
        for k in 0..<m.phi.count { phi[k] = m.phi[k] }
        var R = [Double](repeating: 0, count: r)
        R[0] = 1
        for k in 0..<m.theta.count { R[k + 1] = m.theta[k] }
        var phiIdx: [Int] = []
        for k in 0..<r where phi[k] != 0 { phiIdx.append(k) }
        var a = [Double](repeating: 0, count: nc * (r + 1))
        var P = P0
        var Pf = [Double](repeating: 0, count: r * r)
        var A = [Double](repeating: 0, count: r * (r + 1))
        var K = [Double](repeating: 0, count: r)
        var v = [Double](repeating: 0, count: nc)
        var fast = false
        var sumLog = 0.0
        let tol = 1e-11
        res.cross.withUnsafeMutableBufferPointer { cross in
        a.withUnsafeMutableBufferPointer { a in
        P.withUnsafeMutableBufferPointer { P in
        Pf.withUnsafeMutableBufferPointer { Pf in
        A.withUnsafeMutableBufferPointer { A in
        K.withUnsafeMutableBufferPointer { K in
        v.withUnsafeMutableBufferPointer { v in
        phi.withUnsafeBufferPointer { phi in
        R.withUnsafeBufferPointer { R in
            /// P <- T Pf T' + R R'.
            func predictCovariance() {
                // A = T Pf : A[i][j] = phi_i Pf[0][j] + Pf[i+1][j]
                for i in 0..<r {
                    let ph = phi[i]
                    for j in 0..<r {
                        A[i * (r + 1) + j] = ph * Pf[j] + (i + 1 < r ? Pf[(i + 1) * r + j] : 0)
                    }
                    A[i * (r + 1) + r] = 0
                }
                // P = A T' + R R' : P[i][j] = phi_j A[i][0] + A[i][j+1] + R_i R_j
                for i in 0..<r {
                    let ai0 = A[i * (r + 1)]
                    for j in 0..<r {
                        P[i * r + j] = phi[j] * ai0 + A[i * (r + 1) + j + 1] + R[i] * R[j]
                    }
                }
            }
            for t in 0..<n {
                if data[t].isNaN {
                    // A missing observation: no update, only the prediction step
                    // a <- T a, P <- T P T' + R R' (Harvey 1989, 3.4.7; as R's arima and
                    // statsmodels). It adds nothing to the likelihood.
                    if fast {
                        fast = false   // P_{t|t-1} was R R' (set when the filter converged)
                    }
                    for c in 0..<nc {
                        let ac = a.baseAddress! + c * (r + 1)
                        let a0 = ac[0]
                        for i in 0..<r { ac[i] = ac[i + 1] }
                        for k in phiIdx { ac[k] += phi[k] * a0 }
                    }
                    if let innov { innov[t] = .nan }
                    if let gains { gains[t] = .nan }
                    if let states { for i in 0..<r { states[t * r + i] = a[i] } }
                    if let scaledInnov { for c in 0..<nc { scaledInnov[c * n + t] = 0 } }
                    for i in 0..<(r * r) { Pf[i] = P[i] }
                    predictCovariance()
                    continue
                }
                if fast {
                    for c in 0..<nc {
                        let ac = a.baseAddress! + c * (r + 1)
                        let vc = data[c * n + t] - ac[0]
                        v[c] = vc
                        for i in 0..<r { ac[i] += R[i] * vc }
                        let a0 = ac[0]
                        for i in 0..<r { ac[i] = ac[i + 1] }
                        for k in phiIdx { ac[k] += phi[k] * a0 }
                    }
                    for i in 0..<nc { for j in 0...i { cross[i * nc + j] += v[i] * v[j] } }
                    if let innov { innov[t] = v[0] }
                    if let gains { gains[t] = 1 }
                    if let states { for i in 0..<r { states[t * r + i] = a[i] } }
                    if let scaledInnov { for c in 0..<nc { scaledInnov[c * n + t] = v[c] } }
                    continue
                }
                let F = P[0]
                if !(F > 0) || !F.isFinite { res.ok = false; return }
                sumLog += log(F)
                let invF = 1 / F
                for i in 0..<r { K[i] = P[i * r] * invF }
                for c in 0..<nc {
                    let ac = a.baseAddress! + c * (r + 1)
                    let vc = data[c * n + t] - ac[0]
                    v[c] = vc
                    for i in 0..<r { ac[i] += K[i] * vc }
                    // predict: a <- T a
                    let a0 = ac[0]
                    for i in 0..<r { ac[i] = ac[i + 1] }
                    for k in phiIdx { ac[k] += phi[k] * a0 }
                }
                for i in 0..<nc { for j in 0...i { cross[i * nc + j] += v[i] * v[j] * invF } }
                if let innov { innov[t] = v[0] }
                if let gains { gains[t] = F }
                if let states { for i in 0..<r { states[t * r + i] = a[i] } }
                if let scaledInnov {
                    let sf = invF.squareRoot()
                    for c in 0..<nc { scaledInnov[c * n + t] = v[c] * sf }
                }
                // filtered covariance
                var mx = 0.0
                for i in 0..<r {
                    let ki = K[i]
                    for j in 0..<r {
                        let x = P[i * r + j] - ki * P[j]
                        Pf[i * r + j] = x
                        mx = max(mx, abs(x))
                    }
                }
                if mx < tol {
                    fast = true
                    // P_{t+1|t} = R R'
                    for i in 0..<r { for j in 0..<r { P[i * r + j] = R[i] * R[j] } }
                    continue
                }
                predictCovariance()
            }
            if let state { for i in 0..<r { state[i] = a[i] } }
            if let stateCov { for i in 0..<(r * r) { stateCov[i] = P[i] } }
        }}}}}}}}}
        for i in 0..<nc { for j in 0..<i { res.cross[j * nc + i] = res.cross[i * nc + j] } }
        res.sumLog = sumLog
        return res
    }
}

enum LinAlg {
    /// Gaussian elimination with partial pivoting, A row-major n x n; solution in b.
    static func solve(_ A: inout [Double], _ b: inout [Double], _ n: Int) -> Bool {
        A.withUnsafeMutableBufferPointer { a in b.withUnsafeMutableBufferPointer { solve(a.baseAddress!, $0.baseAddress!, n) } }
    }

    /// `solve` on caller buffers (A n x n row-major, b n values; both overwritten).
    static func solve(_ A: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
        for col in 0..<n {
            var piv = col
            var best = abs(A[col * n + col])
            for r in (col + 1)..<max(n, col + 1) where abs(A[r * n + col]) > best { best = abs(A[r * n + col]); piv = r }
            if !(best > 1e-300) || !best.isFinite { return false }
            if piv != col {
                for j in 0..<n { let t = A[col * n + j]; A[col * n + j] = A[piv * n + j]; A[piv * n + j] = t }
                let t = b[col]; b[col] = b[piv]; b[piv] = t
            }
            let d = A[col * n + col]
            for r in (col + 1)..<max(n, col + 1) {
                let f = A[r * n + col] / d
                if f == 0 { continue }
                for j in col..<n { A[r * n + j] -= f * A[col * n + j] }
                b[r] -= f * b[col]
            }
        }
        var i = n - 1
        while i >= 0 {
            var s = b[i]
            for j in (i + 1)..<max(n, i + 1) { s -= A[i * n + j] * b[j] }
            b[i] = s / A[i * n + i]
            i -= 1
        }
        for i in 0..<n where !b[i].isFinite { return false }
        return true
    }

    /// Profiles the regression out of nc x nc cross-products (column 0 = response):
    /// returns (beta, residual sum of squares). Regressors with no information get beta 0.
    static func profile(_ M: [Double], _ nc: Int) -> (beta: [Double], ssq: Double) {
        if nc == 1 { return ([], M[0]) }
        let k = nc - 1
        var beta = [Double](repeating: 0, count: k)
        let s = withUnsafeTemporaryAllocation(of: Double.self, capacity: k * k + k) { buf -> Double in
            let A = buf.baseAddress!, b = A + k * k
            for i in 0..<(k * k) { A[i] = 0 }
            for i in 0..<k {
                b[i] = M[(i + 1) * nc]
                for j in 0..<k { A[i * k + j] = M[(i + 1) * nc + j + 1] }
                if !(A[i * k + i] > 1e-12 * max(1, M[0])) {
                    for j in 0..<k { A[i * k + j] = 0; A[j * k + i] = 0 }
                    A[i * k + i] = 1; b[i] = 0
                }
            }
            let ok = beta.withUnsafeMutableBufferPointer { bt -> Bool in
                for i in 0..<k { bt[i] = b[i] }
                return solve(A, bt.baseAddress!, k)   // A is not needed afterwards
            }
            if !ok { for i in 0..<k { beta[i] = 0 } }
            var s = M[0]
            for i in 0..<k { s -= b[i] * beta[i] }
            return s
        }
        return (beta, max(s, 0))
    }
}


extension StateSpace {
    /// The likelihood pass: Chandrasekhar recursions, or the Riccati filter when they break
    /// down numerically (F below its lower bound 1, as can happen next to the unit circle).
    static func run(_ m: ArmaPolys, data: UnsafePointer<Double>, n: Int, nc: Int, P0: [Double],
                    innov: UnsafeMutablePointer<Double>? = nil,
                    state: UnsafeMutablePointer<Double>? = nil,
                    scaledInnov: UnsafeMutablePointer<Double>? = nil) -> FilterResult {
        // Missing observations (NaN in the first column) need the Riccati filter's
        // prediction-only steps; the Chandrasekhar recursions assume every step updates.
        for t in 0..<n where data[t].isNaN {
            return filter(m, data: data, n: n, nc: nc, P0: P0, innov: innov, state: state, scaledInnov: scaledInnov)
        }
        let a = chandrasekhar(m, data: data, n: n, nc: nc, P0: P0, innov: innov, state: state, scaledInnov: scaledInnov)
        if a.ok && a.sumLog.isFinite { return a }
        return filter(m, data: data, n: n, nc: nc, P0: P0, innov: innov, state: state, scaledInnov: scaledInnov)
    }
}
