// Fixed-order estimation: conditional sum of squares for starting values, then exact
// maximum likelihood through the Kalman filter; regression terms (mean, drift) and
// sigma^2 are concentrated out of both objectives.
import Foundation

/// How the coefficients are estimated (as R's arima `method`).
public enum ArimaMethod: String, Sendable {
    /// Conditional sum of squares only (fast; used by the auto search's approximation).
    case css = "CSS"
    /// Exact maximum likelihood started from zeros (as R), with a second start from the CSS
    /// estimates; the better optimum is kept.
    case ml = "ML"
    /// Exact maximum likelihood started from the CSS estimates (R's default), with a second
    /// start from zero; the better optimum is kept.
    case cssML = "CSS-ML"
}

/// The differenced data and regressors of one specification, and the two objectives.
final class ArimaProblem {
    let spec: ArimaSpec
    let y: [Double]
    let delta: [Double]
    /// column-major: column 0 = differenced y, then differenced regressors.
    var data: [Double]
    let n: Int
    let nc: Int
    /// names of the regressors kept (in order): "intercept", "drift"
    let regNames: [String]
    /// the undifferenced regressors (columns), for the fit
    let xreg: [[Double]]
    let npArma: Int
    let m: Int
    var cssWork: [Double]
    /// Differenced observations present (NaN in y makes d + D·period of them missing: the
    /// differencing is applied first, as statsmodels' simple_differencing).
    let nObs: Int
    var hasMissing: Bool { nObs < n }

    init(y: [Double], spec: ArimaSpec, xreg: [[Double]] = []) throws(ArimaError) {
        self.spec = spec
        self.y = y
        m = spec.period
        delta = Poly.differencing(d: spec.d, D: spec.effD, m: spec.period)
        let w = Poly.applyDifference(y, delta)
        n = w.count
        var cols: [[Double]] = [w]
        var names: [String] = []
        if spec.hasMean {
            let c = Poly.applyDifference([Double](repeating: 1, count: y.count), delta)
            if c.contains(where: { $0 != 0 }) { cols.append(c); names.append("intercept") }
        }
        if spec.hasDrift {
            let c = Poly.applyDifference((0..<y.count).map { Double($0 + 1) }, delta)
            if c.contains(where: { abs($0) > 1e-9 }) { cols.append(c); names.append("drift") }
        }
        // exogenous regressors, differenced as y (R's Arima(xreg=)): "xreg1", "xreg2", ...
        for (j, x) in xreg.enumerated() {
            let c = Poly.applyDifference(x, delta)
            guard c.contains(where: { abs($0) > 1e-12 }) else {
                throw .invalid("regressor \(j + 1) is constant after differencing (\(spec.description)): it cannot be estimated")
            }
            cols.append(c); names.append("xreg\(j + 1)")
        }
        regNames = names
        self.xreg = xreg
        nc = cols.count
        data = cols.flatMap { $0 }
        npArma = spec.p + spec.q + spec.effP + spec.effQ
        let pf = spec.p + spec.effP * spec.period
        let npar = npArma + names.count
        if n - pf < npar + 1 || n < 1 {
            throw .short("series too short for \(spec.description): \(y.count) observations, \(n) after differencing, need at least \(pf + npar + 1 + delta.count)")
        }
        nObs = w.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
        if nObs < npar + 1 {
            throw .short("too few observed values for \(spec.description): \(nObs) differenced values present of \(n), need at least \(npar + 1)")
        }
        cssWork = [Double](repeating: 0, count: nc * n)
    }

    /// Splits a parameter vector (transformed or not) into the four polynomials.
    func polys(_ x: UnsafePointer<Double>, transformed: Bool) -> (ArmaPolys, [Double], [Double], [Double], [Double]) {
        let p = spec.p, q = spec.q, P = spec.effP, Q = spec.effQ
        var ar = [Double](repeating: 0, count: p), ma = [Double](repeating: 0, count: q)
        var sar = [Double](repeating: 0, count: P), sma = [Double](repeating: 0, count: Q)
        if transformed {
            ar.withUnsafeMutableBufferPointer { Poly.pacfToAR(x, p, $0.baseAddress!) }
            ma.withUnsafeMutableBufferPointer { Poly.pacfToAR(x + p, q, $0.baseAddress!) }
            sar.withUnsafeMutableBufferPointer { Poly.pacfToAR(x + p + q, P, $0.baseAddress!) }
            sma.withUnsafeMutableBufferPointer { Poly.pacfToAR(x + p + q + P, Q, $0.baseAddress!) }
            for i in 0..<q { ma[i] = -ma[i] }
            for i in 0..<Q { sma[i] = -sma[i] }
        } else {
            for i in 0..<p { ar[i] = x[i] }
            for i in 0..<q { ma[i] = x[p + i] }
            for i in 0..<P { sar[i] = x[p + q + i] }
            for i in 0..<Q { sma[i] = x[p + q + P + i] }
        }
        let polys = ArmaPolys(phi: Poly.expandAR(ar, sar, m), theta: Poly.expandMA(ma, sma, m))
        return (polys, ar, ma, sar, sma)
    }

    /// The expanded polynomials alone (as `polys(x, transformed:).0`), with the coefficients
    /// in a stack buffer: the objectives' hot path.
    func armaPolys(_ x: UnsafePointer<Double>, transformed: Bool) -> ArmaPolys {
        let p = spec.p, q = spec.q, P = spec.effP, Q = spec.effQ
        if !transformed {
            return ArmaPolys(phi: Poly.expandAR(x, p, x + p + q, P, m), theta: Poly.expandMA(x + p, q, x + p + q + P, Q, m))
        }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(p + q + P + Q, 1)) { buf in
            let c = buf.baseAddress!
            Poly.pacfToAR(x, p, c)
            Poly.pacfToAR(x + p, q, c + p)
            Poly.pacfToAR(x + p + q, P, c + p + q)
            Poly.pacfToAR(x + p + q + P, Q, c + p + q + P)
            for i in 0..<q { c[p + i] = -c[p + i] }
            for i in 0..<Q { c[p + q + P + i] = -c[p + q + P + i] }
            return ArmaPolys(phi: Poly.expandAR(c, p, c + p + q, P, m), theta: Poly.expandMA(c + p, q, c + p + q + P, Q, m))
        }
    }

    /// Conditional sum of squares with the regression profiled out. Returns (ssq, nu, beta).
    /// The residuals of every column are left in `cssWork` (column-major).
    func css(_ pol: ArmaPolys) -> (ssq: Double, nu: Int, beta: [Double]) {
        let ncond = pol.phi.count
        let nu = n - ncond
        if hasMissing { return cssMissing(pol) }
        let nphi = pol.phi.count, nth = pol.theta.count
        var M = [Double](repeating: 0, count: nc * nc)
        let n = self.n, nc = self.nc
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(nphi + nth, 1)) { idx in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(nphi + nth, 1)) { val in
        let pi = idx.baseAddress!, pv = val.baseAddress!
        let ti = pi + nphi, tv = pv + nphi
        var np = 0, nq = 0
        for k in 0..<nphi where pol.phi[k] != 0 { pi[np] = k + 1; pv[np] = pol.phi[k]; np += 1 }
        for k in 0..<nth where pol.theta[k] != 0 { ti[nq] = k + 1; tv[nq] = pol.theta[k]; nq += 1 }
        let qmax = nq > 0 ? ti[nq - 1] : 0
        data.withUnsafeBufferPointer { dat in
        cssWork.withUnsafeMutableBufferPointer { e in
        M.withUnsafeMutableBufferPointer { M in
            for c in 0..<nc {
                let u = dat.baseAddress! + c * n
                let ec = e.baseAddress! + c * n
                for t in 0..<min(ncond, n) { ec[t] = 0 }
                if ncond >= n { continue }
                // start-up: MA terms reach back into the conditioning zeros (which are 0 anyway)
                let steady = min(n, ncond + qmax)
                for t in ncond..<steady {
                    var s = u[t]
                    for j in 0..<np { s -= pv[j] * u[t - pi[j]] }
                    for j in 0..<nq where t - ti[j] >= 0 { s -= tv[j] * ec[t - ti[j]] }
                    ec[t] = s
                }
                if steady < n {
                    for t in steady..<n {
                        var s = u[t]
                        for j in 0..<np { s -= pv[j] * u[t - pi[j]] }
                        for j in 0..<nq { s -= tv[j] * ec[t - ti[j]] }
                        ec[t] = s
                    }
                }
            }
            if ncond < n {
                for i in 0..<nc {
                    let ei = e.baseAddress! + i * n
                    for j in 0...i {
                        let ej = e.baseAddress! + j * n
                        var s = 0.0
                        for t in ncond..<n { s += ei[t] * ej[t] }
                        M[i * nc + j] = s
                        M[j * nc + i] = s
                    }
                }
            }
        }}}}}
        let (beta, ssq) = LinAlg.profile(M, nc)
        return (ssq, nu, beta)
    }

    /// `css` with missing values: a residual whose AR terms reach a missing value is
    /// missing too; it counts as zero in the MA recursion (its expectation) and is left out
    /// of the sum of squares and of `nu`. Only the start of the ML search.
    func cssMissing(_ pol: ArmaPolys) -> (ssq: Double, nu: Int, beta: [Double]) {
        let ncond = pol.phi.count
        let n = self.n, nc = self.nc
        var present = [Bool](repeating: false, count: n)
        var nu = 0
        if ncond < n {
            for t in ncond..<n where !data[t].isNaN {
                var ok = true
                for k in 0..<pol.phi.count where pol.phi[k] != 0 && data[t - k - 1].isNaN { ok = false; break }
                present[t] = ok
                if ok { nu += 1 }
            }
        }
        for c in 0..<nc {
            for t in 0..<n {
                guard present[t] else { cssWork[c * n + t] = 0; continue }
                var s = data[c * n + t]
                for k in 0..<pol.phi.count where pol.phi[k] != 0 { s -= pol.phi[k] * data[c * n + t - k - 1] }
                for k in 0..<pol.theta.count where pol.theta[k] != 0 && t - k - 1 >= 0 { s -= pol.theta[k] * cssWork[c * n + t - k - 1] }
                cssWork[c * n + t] = s
            }
        }
        var M = [Double](repeating: 0, count: nc * nc)
        for i in 0..<nc {
            for j in 0...i {
                var s = 0.0
                for t in 0..<n { s += cssWork[i * n + t] * cssWork[j * n + t] }
                M[i * nc + j] = s
                M[j * nc + i] = s
            }
        }
        let (beta, ssq) = LinAlg.profile(M, nc)
        return (ssq, nu, beta)
    }

    /// `nu` of the last CSS fit with missing values.
    var cssMissingCount = 0

    /// Number of CSS residuals (observations after the AR conditioning).
    var cssCount: Int { n - (spec.p + spec.effP * spec.period) }

    /// CSS residuals with the regression profiled out (raw coefficients).
    func cssResiduals(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) -> Bool {
        // keep the search in the invertible region (outside it the residual recursion explodes)
        if !Poly.rootsOutside(x + spec.p, count: spec.q, sign: -1, radius: 1)
            || !Poly.rootsOutside(x + spec.p + spec.q + spec.effP, count: spec.effQ, sign: -1, radius: 1) { return false }
        let pol = armaPolys(x, transformed: false)
        let c = css(pol)
        let ncond = pol.phi.count
        let n = self.n, nc = self.nc
        var ok = true
        cssWork.withUnsafeBufferPointer { e in
            for t in ncond..<max(n, ncond) {
                var v = e[t]
                for j in 1..<max(nc, 1) { v -= c.beta[j - 1] * e[j * n + t] }
                if !v.isFinite || abs(v) > 1e150 { ok = false }
                out[t - ncond] = v
            }
        }
        return ok
    }

    var mlWork: [Double] = []
    /// Exact-likelihood residuals (v_t / sqrt(F_t)) * (prod F_t)^(1/2n), regression profiled
    /// out, transformed coefficients. Their sum of squares is n exp(2 * mlObjective).
    func mlResiduals(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) -> Bool {
        let pol = armaPolys(x, transformed: true)
        guard let P0 = StateSpace.initialCovariance(pol) else { return false }
        if mlWork.count != nc * n { mlWork = [Double](repeating: 0, count: nc * n) }
        let n = self.n, nc = self.nc
        let res = data.withUnsafeBufferPointer { d in
            mlWork.withUnsafeMutableBufferPointer { w in
                StateSpace.run(pol, data: d.baseAddress!, n: n, nc: nc, P0: P0, scaledInnov: w.baseAddress!)
            }
        }
        guard res.ok, res.sumLog.isFinite else { return false }
        let (beta, _) = LinAlg.profile(res.cross, nc)
        let g = exp(res.sumLog / (2 * Double(nObs)))
        guard g.isFinite, g > 0 else { return false }
        var ok = true
        mlWork.withUnsafeBufferPointer { w in
            for t in 0..<n {
                var v = w[t]
                for j in 1..<max(nc, 1) { v -= beta[j - 1] * w[j * n + t] }
                v *= g
                if !v.isFinite { ok = false }
                out[t] = v
            }
        }
        return ok
    }

    func cssObjective(_ x: UnsafePointer<Double>) -> Double {
        let pol = armaPolys(x, transformed: false)
        let r = css(pol)
        guard r.nu > 0, r.ssq > 0, r.ssq.isFinite else { return 1e10 }
        return 0.5 * log(r.ssq / Double(r.nu))
    }

    /// Exact likelihood pieces with the regression profiled out.
    func exact(_ pol: ArmaPolys) -> (ssq: Double, sumLog: Double, beta: [Double])? {
        guard let P0 = StateSpace.initialCovariance(pol) else { return nil }
        let res = data.withUnsafeBufferPointer { StateSpace.run(pol, data: $0.baseAddress!, n: n, nc: nc, P0: P0) }
        guard res.ok else { return nil }
        let (beta, ssq) = LinAlg.profile(res.cross, nc)
        guard ssq.isFinite, res.sumLog.isFinite else { return nil }
        return (ssq, res.sumLog, beta)
    }

    func mlObjective(_ x: UnsafePointer<Double>) -> Double {
        let pol = armaPolys(x, transformed: true)
        guard let r = exact(pol), r.ssq > 0 else { return 1e10 }
        let nn = Double(nObs)
        return 0.5 * (log(r.ssq / nn) + r.sumLog / nn)
    }
}

/// A fitted ARIMA model: coefficients, fit statistics, fitted values, forecasts.
public struct ArimaFit: Sendable {
    public let spec: ArimaSpec
    public let method: ArimaMethod
    /// Non-seasonal AR (phi_1..p, in 1 - sum phi B^i), MA (theta_1..q, in 1 + sum theta B^i),
    /// seasonal AR and MA coefficients.
    public let ar: [Double], ma: [Double], sar: [Double], sma: [Double]
    /// Intercept (the process mean when d + D == 0), or nil.
    public let intercept: Double?
    /// Drift (slope per time step of the undifferenced series), or nil.
    public let drift: Double?
    /// Exogenous regressors of the training period (one column per regressor, each y.count
    /// long) and their coefficients: regression with ARIMA errors, as R's Arima(xreg=).
    public let xreg: [[Double]]
    public let xregCoef: [Double]
    /// Innovation variance as forecast::Arima reports it: ssq / (n - d - D*period - number
    /// of coefficients), ssq of the standardized innovations (ML) or of the CSS residuals.
    /// Used for the intervals.
    public let sigma2: Double
    /// Gaussian log-likelihood (for CSS fits, R's CSS pseudo-likelihood).
    public let loglik: Double
    public let aic: Double, aicc: Double, bic: Double
    /// Number of observations after differencing.
    public let nUsed: Int
    /// The training series (NaN where a value is missing).
    public let y: [Double]
    /// The training series with each missing value replaced by its one-step prediction
    /// (the Kalman filter's, from the observations before it); the forecasts continue it.
    public let filled: [Double]
    /// One-step innovations (0 for the first d + D*period points; NaN where the value, or
    /// with differencing one it depends on, is missing), and y - residuals.
    public let residuals: [Double]
    /// y - residuals; at a missing value its one-step prediction; NaN where the residual is
    /// undefined because a value it is differenced with is missing.
    public var fitted: [Double] {
        (0..<y.count).map { t in y[t].isNaN ? filled[t] : y[t] - residuals[t] }
    }
    /// Predicted ARMA state a_{n+1|n} of the differenced, de-meaned series, and its
    /// covariance P_{n+1|n} in units of sigma^2.
    let state: [Double]
    let stateCov: [Double]

    /// e.g. "ARIMA(2,1,1)(0,1,1)[12] with drift"
    public var description: String { spec.description }

    /// Coefficients in R's order: ar, ma, sar, sma, intercept, drift, xreg.
    public var coefficients: [Double] {
        var c = ar + ma + sar + sma
        if let intercept { c.append(intercept) }
        if let drift { c.append(drift) }
        return c + xregCoef
    }
    public var coefficientNames: [String] {
        var c = (0..<ar.count).map { "ar\($0 + 1)" } + (0..<ma.count).map { "ma\($0 + 1)" }
        c += (0..<sar.count).map { "sar\($0 + 1)" } + (0..<sma.count).map { "sma\($0 + 1)" }
        if intercept != nil { c.append("intercept") }
        if drift != nil { c.append("drift") }
        return c + (0..<xregCoef.count).map { "xreg\($0 + 1)" }
    }

    var polys: ArmaPolys { ArmaPolys(phi: Poly.expandAR(ar, sar, spec.period), theta: Poly.expandMA(ma, sma, spec.period)) }

    /// Regression mean of the undifferenced series at time index t (0-based); the
    /// regressors' part only inside the training period (forecasts add theirs).
    @inline(__always) func regression(_ t: Int) -> Double {
        var v = (intercept ?? 0) + (drift ?? 0) * Double(t + 1)
        if t < y.count { for j in 0..<xregCoef.count { v += xregCoef[j] * xreg[j][t] } }
        return v
    }

    /// Builds a fit from given coefficients (used by estimation and by deserialization):
    /// runs the exact filter once for residuals and the final state.
    init(spec: ArimaSpec, method: ArimaMethod, ar: [Double], ma: [Double], sar: [Double], sma: [Double],
         intercept: Double?, drift: Double?, xreg: [[Double]] = [], xregCoef: [Double] = [],
         sigma2: Double?, loglik: Double, y: [Double], complete: Bool = true) throws(ArimaError) {
        self.spec = spec; self.method = method
        // A search candidate (complete: false, given sigma2, no missing values, where the
        // filter cannot fail) needs only the criteria, which do not depend on the filter:
        // `completed()` runs it for the chosen model, with the same numbers.
        isComplete = complete || sigma2 == nil || y.contains { $0.isNaN }
        self.ar = ar; self.ma = ma; self.sar = sar; self.sma = sma
        self.intercept = intercept; self.drift = drift
        self.xreg = xreg; self.xregCoef = xregCoef
        self.loglik = loglik; self.y = y
        let delta = Poly.differencing(d: spec.d, D: spec.effD, m: spec.period)
        var reg = (0..<y.count).map { (intercept ?? 0) + (drift ?? 0) * Double($0 + 1) }
        for j in 0..<xregCoef.count { for t in 0..<y.count { reg[t] += xregCoef[j] * xreg[j][t] } }
        let z = (0..<y.count).map { y[$0] - reg[$0] }
        let u = Poly.applyDifference(z, delta)
        let missing = u.contains { $0.isNaN }
        nUsed = missing ? u.reduce(0) { $0 + ($1.isNaN ? 0 : 1) } : u.count
        let pol = ArmaPolys(phi: Poly.expandAR(ar, sar, spec.period), theta: Poly.expandMA(ma, sma, spec.period))
        let r = pol.r
        if !isComplete {
            state = []; stateCov = []; residuals = []; filled = []
            self.sigma2 = sigma2!
            (aic, aicc, bic) = Self.criteria(method: method, loglik: loglik, sigma2: self.sigma2, nUsed: nUsed, ncond: pol.phi.count,
                                             ncoef: ar.count + ma.count + sar.count + sma.count + (intercept == nil ? 0 : 1)
                                                 + (drift == nil ? 0 : 1) + xregCoef.count)
            return
        }
        // With missing values: the predicted states a_{t+1|t}, for the one-step predictions.
        var states = [Double](repeating: 0, count: missing ? u.count * r : 0)
        var st = [Double](repeating: 0, count: r)
        var innov = [Double](repeating: 0, count: u.count)
        // P_{n+1|n} (unit innovation variance) for the forecast variances; R R' once the
        // filter has converged.
        var Rv = [Double](repeating: 0, count: r)
        Rv[0] = 1
        for k in 0..<min(pol.theta.count, r - 1) { Rv[k + 1] = pol.theta[k] }
        var sc = [Double](repeating: 0, count: r * r)
        for i in 0..<r { for j in 0..<r { sc[i * r + j] = Rv[i] * Rv[j] } }
        var exactOK = false
        if let P0 = StateSpace.initialCovariance(pol) {
            // the Riccati filter (O(r^2) per step, once per fit) also yields P_{n+1|n}
            let useRiccati = r <= 64 || missing
            let res = u.withUnsafeBufferPointer { ub in
                innov.withUnsafeMutableBufferPointer { ib in
                    st.withUnsafeMutableBufferPointer { sb in
                        sc.withUnsafeMutableBufferPointer { cb in
                            states.withUnsafeMutableBufferPointer { xb in
                                useRiccati
                                    ? StateSpace.filter(pol, data: ub.baseAddress!, n: u.count, nc: 1, P0: P0,
                                                        innov: ib.baseAddress!, state: sb.baseAddress!, stateCov: cb.baseAddress!,
                                                        states: missing ? xb.baseAddress! : nil)
                                    : StateSpace.run(pol, data: ub.baseAddress!, n: u.count, nc: 1, P0: P0,
                                                     innov: ib.baseAddress!, state: sb.baseAddress!)
                            }
                        }
                    }
                }
            }
            exactOK = res.ok && (0..<innov.count).allSatisfy { innov[$0].isFinite || u[$0].isNaN }
                && st.allSatisfy { $0.isFinite } && sc.allSatisfy { $0.isFinite }
            if !exactOK && missing {
                throw .numeric("the Kalman filter failed for \(spec.description) on a series with missing values")
            }
            if !exactOK && useRiccati {
                let res2 = u.withUnsafeBufferPointer { ub in
                    innov.withUnsafeMutableBufferPointer { ib in
                        st.withUnsafeMutableBufferPointer { sb in
                            StateSpace.run(pol, data: ub.baseAddress!, n: u.count, nc: 1, P0: P0,
                                           innov: ib.baseAddress!, state: sb.baseAddress!)
                        }
                    }
                }
                for i in 0..<r { for j in 0..<r { sc[i * r + j] = Rv[i] * Rv[j] } }
                exactOK = res2.ok && innov.allSatisfy { $0.isFinite } && st.allSatisfy { $0.isFinite }
            }
        }
        if !exactOK && missing {
            throw .numeric("\(spec.description) cannot be filtered exactly (non-stationary coefficients) on a series with missing values")
        }
        if !exactOK { for i in 0..<r { for j in 0..<r { sc[i * r + j] = Rv[i] * Rv[j] } } }
        stateCov = sc
        if !exactOK {
            // Non-stationary AR (possible for CSS estimates) or a filter breakdown:
            // conditional recursions.
            for t in 0..<innov.count { innov[t] = 0 }
            let ncond = pol.phi.count
            for t in ncond..<max(u.count, ncond) {
                var s = u[t]
                for k in 0..<pol.phi.count { s -= pol.phi[k] * u[t - k - 1] }
                for k in 0..<pol.theta.count where t - k - 1 >= ncond { s -= pol.theta[k] * innov[t - k - 1] }
                innov[t] = s
            }
            // state a_{n+1|n} in Harvey form from the last observations
            let n = u.count
            for i in 0..<r {
                var s = 0.0
                for k in (i + 1)...r where k <= pol.phi.count && n + i - k >= 0 { s += pol.phi[k - 1] * u[n + i - k] }
                // future innovations (k <= i) are zero
                if i + 1 < r { for k in (i + 1)..<r where k <= pol.theta.count && n + i - k >= 0 { s += pol.theta[k - 1] * innov[n + i - k] } }
                st[i] = s
            }
        }
        var resid = [Double](repeating: 0, count: y.count)
        for i in 0..<u.count { resid[i + delta.count] = innov[i] }
        for t in 0..<y.count where y[t].isNaN { resid[t] = .nan }
        residuals = resid
        // Missing values: each one-step prediction of u (states[t-1][0]; 0 at the start)
        // integrated with the values before it, filled in turn.
        var zf = z
        if missing {
            let dl = delta.count
            for t in 0..<y.count where zf[t].isNaN {
                if t < dl { zf[t] = zf[max(t - 1, 0)]; continue }
                let i = t - dl
                var v = i >= 1 ? states[(i - 1) * r] : 0
                for k in 0..<dl { v -= delta[k] * zf[t - k - 1] }
                zf[t] = v
            }
        }
        filled = missing ? (0..<y.count).map { zf[$0] + reg[$0] } : y
        // forecast::Arima's sigma^2: sum of squared innovations / (n - d - D m - #coefficients)
        let ncoef = ar.count + ma.count + sar.count + sma.count + (intercept == nil ? 0 : 1) + (drift == nil ? 0 : 1) + xregCoef.count
        if let sigma2 {
            self.sigma2 = sigma2
        } else {
            let ss = resid.reduce(0) { $0 + ($1.isNaN ? 0 : $1 * $1) }
            self.sigma2 = ss / Double(max(nUsed - ncoef, 1))
        }
        state = st
        (aic, aicc, bic) = Self.criteria(method: method, loglik: loglik, sigma2: self.sigma2, nUsed: nUsed, ncond: pol.phi.count, ncoef: ncoef)
    }

    /// False for a search candidate built without the filter (criteria only).
    let isComplete: Bool

    /// This fit with residuals, state and covariances (a search candidate's, filtered now).
    func completed() throws(ArimaError) -> ArimaFit {
        if isComplete { return self }
        return try ArimaFit(spec: spec, method: method, ar: ar, ma: ma, sar: sar, sma: sma, intercept: intercept, drift: drift,
                            xreg: xreg, xregCoef: xregCoef, sigma2: sigma2, loglik: loglik, y: y)
    }

    /// AIC, AICc and BIC (ncoef: the estimated coefficients; sigma^2 counts once more).
    static func criteria(method: ArimaMethod, loglik: Double, sigma2: Double, nUsed: Int, ncond: Int, ncoef: Int)
        -> (aic: Double, aicc: Double, bic: Double) {
        // the approximation's criterion uses stats::arima's CSS variance, ssq / (n - conditioning)
        let cssSigma2 = sigma2 * max(Double(nUsed) - Double(ncoef), 1) / max(Double(nUsed) - Double(ncond), 1)
        let npar = Double(ncoef + 1)
        let nstar = Double(nUsed)
        let aic: Double
        if method == .css {
            // R's auto.arima approximation: n * log(sigma2) + 2 k (its offset is a constant).
            aic = nstar * log(cssSigma2) + 2 * npar
        } else {
            aic = -2 * loglik + 2 * npar
        }
        let aicc = nstar - npar - 1 > 0 ? aic + 2 * npar * (npar + 1) / (nstar - npar - 1) : .infinity
        let bic = aic + npar * (log(nstar) - 2)
        return (aic, aicc, bic)
    }

    /// Point forecasts and normal prediction intervals at `levels` (in percent, e.g. [80, 95],
    /// or fractions such as 0.8). lo[i][h], hi[i][h] belong to levels[i]. A fit with
    /// regressors needs their future values: `futureXreg[j]` holds h values of regressor j.
    public func forecast(h: Int, levels: [Double] = [80, 95], calibrate: Bool = false,
                         futureXreg: [[Double]]) throws(ArimaError) -> (mean: [Double], lo: [[Double]], hi: [[Double]]) {
        guard h > 0 else { return ([], levels.map { _ in [] }, levels.map { _ in [] }) }
        if futureXreg.count != xregCoef.count {
            throw .invalid("the model has \(xregCoef.count) regressors; \(futureXreg.count) future regressors given")
        }
        for (j, x) in futureXreg.enumerated() where x.count < h || x.prefix(h).contains(where: { !$0.isFinite }) {
            throw .invalid("future regressor \(j + 1) needs \(h) finite values (has \(x.count)\(x.prefix(h).contains(where: { !$0.isFinite }) ? ", some missing" : ""))")
        }
        var res = forecastErrors(h: h, levels: levels, calibrate: calibrate)
        if xregCoef.isEmpty { return res }
        for s in 0..<h {
            var e = 0.0
            for j in 0..<xregCoef.count { e += xregCoef[j] * futureXreg[j][s] }
            res.mean[s] += e
            for l in 0..<res.lo.count { res.lo[l][s] += e; res.hi[l][s] += e }
        }
        return res
    }

    /// Forecasts of a fit without regressors (one with regressors needs `futureXreg:`).
    public func forecast(h: Int, levels: [Double] = [80, 95], calibrate: Bool = false) -> (mean: [Double], lo: [[Double]], hi: [[Double]]) {
        precondition(xregCoef.isEmpty, "ArimaFit.forecast: this model has regressors; pass futureXreg:")
        return forecastErrors(h: h, levels: levels, calibrate: calibrate)
    }

    /// Forecasts without the future regressors' part (the ARIMA errors and mean/drift).
    func forecastErrors(h: Int, levels: [Double], calibrate: Bool) -> (mean: [Double], lo: [[Double]], hi: [[Double]]) {
        guard h > 0 else { return ([], levels.map { _ in [] }, levels.map { _ in [] }) }
        let pol = polys
        let r = pol.r
        let n = y.count
        // ARMA forecasts of the differenced, de-meaned series
        var a = state + [0]
        var uf = [Double](repeating: 0, count: h)
        var phi = [Double](repeating: 0, count: r)
        for k in 0..<pol.phi.count { phi[k] = pol.phi[k] }
        for s in 0..<h {
            uf[s] = a[0]
            let a0 = a[0]
            for i in 0..<r { a[i] = a[i + 1] + phi[i] * a0 }
        }
        // integrate
        let delta = Poly.differencing(d: spec.d, D: spec.effD, m: spec.period)
        var z = (0..<n).map { filled[$0] - regression($0) }
        for s in 0..<h {
            var v = uf[s]
            let t = n + s
            for k in 0..<delta.count { v -= delta[k] * z[t - k - 1] }
            z.append(v)
        }
        var mean = [Double](repeating: 0, count: h)
        for s in 0..<h { mean[s] = z[n + s] + regression(n + s) }
        // variances from the psi weights of phi(B) Delta(B) y = theta(B) e
        var full = [Double](repeating: 0, count: pol.phi.count + delta.count + 1)
        let arp = [1.0] + pol.phi.map { -$0 }
        let dp = [1.0] + delta
        for i in 0..<arp.count { for j in 0..<dp.count { full[i + j] += arp[i] * dp[j] } }
        let arFull = full.dropFirst().map { -$0 }
        let psi = Poly.psiWeights(ar: Array(arFull), ma: pol.theta, count: h)
        // Var(y_{n+h} - yhat) / sigma^2 = g_h' P_{n+1|n} g_h + sum_{k=0}^{h-2} psi*_k^2, with
        // g_h' = sum_{j=1}^{h} c_{h-j} Z T^{j-1}, c the weights of 1 / Delta(B) (the future
        // innovations after n+1 enter through the psi weights of the integrated model).
        let cw = Poly.psiWeights(ar: delta.map { -$0 }, ma: [], count: h)
        var rows: [[Double]] = []          // b_j = Z T^{j-1}
        var b = [Double](repeating: 0, count: r); b[0] = 1
        for _ in 0..<h {
            rows.append(b)
            var nb = [Double](repeating: 0, count: r)
            var s0 = 0.0
            for i in 0..<r { s0 += b[i] * phi[i] }
            nb[0] = s0
            for c in 1..<max(r, 1) { nb[c] = b[c - 1] }
            b = nb
        }
        var se = [Double](repeating: 0, count: h)
        var tail = 0.0
        var g = [Double](repeating: 0, count: r)
        for hh in 1...h {
            for i in 0..<r { g[i] = 0 }
            for j in 1...hh {
                let c = cw[hh - j]
                if c == 0 { continue }
                let row = rows[j - 1]
                for i in 0..<r { g[i] += c * row[i] }
            }
            var q = 0.0
            for i in 0..<r {
                var s = 0.0
                for j in 0..<r { s += stateCov[i * r + j] * g[j] }
                q += g[i] * s
            }
            if hh >= 2 { tail += psi[hh - 2] * psi[hh - 2] }
            se[hh - 1] = sqrt(max(sigma2, 0) * max(q + tail, 0))
        }
        if calibrate {
            let emp = insampleRMSE(h: h, warmup: max(polys.r, nUsed / 3))
            var ratio = 1.0
            for s in 0..<h {
                if let e = emp[s], se[s] > 0 { ratio = max(1, e / se[s]) }
                se[s] *= ratio
            }
        }
        var lo: [[Double]] = [], hi: [[Double]] = []
        for L in levels {
            // percent (> 1) or fraction (<= 1), kept inside (0, 0.9999) so bounds stay finite
            let frac = min(max(L > 1 ? L / 100 : L, 0), 0.9999)
            let zq = Normal.quantile(0.5 + frac / 2)
            lo.append((0..<h).map { mean[$0] - zq * se[$0] })
            hi.append((0..<h).map { mean[$0] + zq * se[$0] })
        }
        return (mean, lo, hi)
    }
}

/// Where Levenberg-Marquardt stops: the relative decrease of the CSS / likelihood sum of
/// squares in one step. Fixed-order fits and the model the automatic search chooses use
/// `.exact` (ML objective ~5e-11 from its optimum); the search ranks its candidates with
/// `.screen` and refits the winner from the screened estimates with `.exact`. CSS only
/// starts ML, so it stops early; ML stops at 1e-7 (loglik ~n * 5e-8 short), because at
/// 1e-5 fits heading for a unit root stop inside the admissible region and change which
/// models the search keeps (employment: MASE 0.5835 instead of 0.5801).
struct FitEffort: Sendable {
    var cssFtol: Double
    var mlFtol: Double
    static let exact = FitEffort(cssFtol: 1e-10, mlFtol: 1e-10)
    static let screen = FitEffort(cssFtol: 1e-5, mlFtol: 1e-7)
}

/// Fixed-order fitting.
public enum ArimaModel {
    /// Fits ARIMA(p,d,q)(P,D,Q)[period] to y.
    /// - Throws: `ArimaError` (.invalidArgument for bad orders/season/NaN, .notEnoughData
    ///   for too short a series, .numericFailure when no finite likelihood is found).
    public static func fit(y: [Double], spec: ArimaSpec, method: ArimaMethod = .cssML) throws(ArimaError) -> ArimaFit {
        try fit(y: y, spec: spec, method: method, secondStart: true)
    }

    /// Regression with ARIMA errors (R's Arima(y, xreg=)): y_t = mean/drift + sum_j b_j x_jt + u_t,
    /// u_t ARIMA. `xreg[j]` is regressor j over the training period (y.count values, finite).
    /// y and the regressors are differenced alike, and the coefficients b are profiled out of
    /// the exact likelihood (generalised least squares at each ARMA parameter value).
    public static func fit(y: [Double], xreg: [[Double]], spec: ArimaSpec, method: ArimaMethod = .cssML) throws(ArimaError) -> ArimaFit {
        for (j, x) in xreg.enumerated() {
            guard x.count == y.count else { throw .invalid("regressor \(j + 1) has \(x.count) values, y has \(y.count)") }
            if let t = x.firstIndex(where: { !$0.isFinite }) { throw .invalid("regressor \(j + 1) is missing or not finite at index \(t)") }
        }
        return try fit(y: y, spec: spec, method: method, secondStart: true, xreg: xreg)
    }

    /// `secondStart`: ML also from the other start (zero for CSS-ML) and keeps the better
    /// optimum (the default); the automatic search screens candidates with one start.
    /// `effort`: LM tolerances (`.screen` for the automatic search's candidates); `start`:
    /// raw coefficients (ar, ma, sar, sma) that replace the CSS start of CSS-ML.
    static func fit(y: [Double], spec: ArimaSpec, method: ArimaMethod, secondStart: Bool, xreg: [[Double]] = [],
                    complete: Bool = true, effort: FitEffort = .exact, start: [Double]? = nil) throws(ArimaError) -> ArimaFit {
        try spec.validate()
        try checkSeries(y)
        // Work on y / s so that huge or tiny magnitudes behave like unit-scale data.
        var s = y.reduce(0) { max($0, abs($1)) }
        if !(s > 0) || !s.isFinite { s = 1 }
        let prob = try ArimaProblem(y: s == 1 ? y : y.map { $0 / s }, spec: spec, xreg: xreg)
        return try estimate(prob, method: method, scale: s, original: y, secondStart: secondStart, complete: complete,
                            effort: effort, start: start)
    }

    public static func fit(y: UnsafeBufferPointer<Double>, spec: ArimaSpec, method: ArimaMethod = .cssML) throws(ArimaError) -> ArimaFit {
        try fit(y: Array(y), spec: spec, method: method)
    }

    /// Convenience with R-like arguments.
    public static func fit(y: [Double], order: [Int], seasonal: [Int] = [0, 0, 0], period: Int = 1,
                           includeMean: Bool = true, includeDrift: Bool = false,
                           method: ArimaMethod = .cssML) throws(ArimaError) -> ArimaFit {
        let spec = try ArimaSpec(order: order, seasonal: seasonal, period: period, includeMean: includeMean, includeDrift: includeDrift)
        return try fit(y: y, spec: spec, method: method)
    }

    static func checkSeries(_ y: [Double]) throws(ArimaError) {
        if y.isEmpty { throw .short("y is empty") }
        if let i = y.firstIndex(where: { $0.isInfinite }) {
            throw .invalid("y contains a non-finite value (\(y[i])) at index \(i)")
        }
        // Missing values (NaN) are skipped by the Kalman filter; the series must start and
        // end with observed values (the plugin cuts missing ends off).
        if y.first!.isNaN || y.last!.isNaN {
            throw .invalid("y starts or ends with a missing value")
        }
    }

    /// Maps raw coefficients (ar, ma, sar, sma) into the transformed space of the ML search.
    static func toTransformed(_ raw: [Double], _ spec: ArimaSpec) -> [Double] {
        let p = spec.p, q = spec.q, P = spec.effP, Q = spec.effQ
        var out: [Double] = []
        out += Poly.arToPacf(Array(raw[0..<p]))
        out += Poly.arToPacf(raw[p..<(p + q)].map { -$0 })
        out += Poly.arToPacf(Array(raw[(p + q)..<(p + q + P)]))
        out += Poly.arToPacf(raw[(p + q + P)..<(p + q + P + Q)].map { -$0 })
        return out.map { max(-2.6, min(2.6, $0)) }
    }

    static let maxLMIterations = 100

    static func estimate(_ prob: ArimaProblem, method: ArimaMethod, scale: Double, original: [Double],
                         secondStart: Bool = true, complete: Bool = true, effort: FitEffort = .exact,
                         start: [Double]? = nil) throws(ArimaError) -> ArimaFit {
        let spec = prob.spec
        let k = prob.npArma
        // Degenerate data: differencing plus mean/drift explain y exactly (constant or
        // all-zero series, exact lines). Nothing to estimate: zero ARMA coefficients,
        // zero variance, loglik reported as 0.
        let white = prob.css(ArmaPolys(phi: [], theta: []))
        var wss = 0.0
        for t in 0..<prob.n where !prob.data[t].isNaN { wss += prob.data[t] * prob.data[t] }
        if white.ssq <= 1e-24 * max(wss, Double(prob.nObs)) {
            var intercept: Double? = nil, drift: Double? = nil
            var xc: [Double] = []
            for (i, name) in prob.regNames.enumerated() {
                if name == "intercept" { intercept = white.beta[i] * scale }
                else if name == "drift" { drift = white.beta[i] * scale }
                else { xc.append(white.beta[i] * scale) }
            }
            if spec.hasDrift && drift == nil { drift = 0 }
            if spec.hasMean && intercept == nil { intercept = 0 }
            return try ArimaFit(spec: spec, method: method,
                                ar: [Double](repeating: 0, count: spec.p), ma: [Double](repeating: 0, count: spec.q),
                                sar: [Double](repeating: 0, count: spec.effP), sma: [Double](repeating: 0, count: spec.effQ),
                                intercept: intercept, drift: drift, xreg: prob.xreg, xregCoef: xc, sigma2: 0, loglik: 0, y: original)
        }
        // CSS in the raw coefficients (as R does: unconstrained, started at zero).
        var raw = [Double](repeating: 0, count: k)
        var x = [Double](repeating: 0, count: k)
        var transformed = true
        if let start, start.count == k, method == .cssML {
            raw = start
            x = toTransformed(raw, spec)
        } else {
            let r = LevenbergMarquardt.minimize(x0: raw, m: prob.cssCount, maxIter: maxLMIterations, ftol: effort.cssFtol) { prob.cssResiduals($0, $1) }
            if r.ok && r.ssq.isFinite { raw = r.x }
            else {
                let b = Optimizer.minimize(x0: raw, maxEval: 3000, ftolRel: 1e-9) { prob.cssObjective($0) }
                if b.f.isFinite && b.f < 1e9 { raw = b.x }
            }
            if method == .css {
                x = raw
                transformed = false
            } else if method == .cssML {
                x = toTransformed(raw, spec)
            }
        }
        var sigma2 = 0.0, loglik = 0.0, beta: [Double] = []
        let nn = Double(prob.nObs)
        if method == .css {
            let (pol, _, _, _, _) = x.withUnsafeBufferPointer { prob.polys($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, transformed: false) }
            let c = prob.css(pol)
            prob.cssMissingCount = c.nu
            // R: sigma2 = ssq / nu (stats::arima), loglik over all n differenced points
            sigma2 = c.ssq / Double(max(c.nu, 1))
            beta = c.beta
            loglik = -0.5 * nn * (log(sigma2) + 1 + log(2 * Double.pi))
        } else {
            let ftol = effort.mlFtol
            var r = LevenbergMarquardt.minimize(x0: x, m: prob.n, maxIter: maxLMIterations, ftol: ftol) { prob.mlResiduals($0, $1) }
            if !(r.ok && r.ssq.isFinite) && method == .cssML {
                r = LevenbergMarquardt.minimize(x0: [Double](repeating: 0, count: k), m: prob.n, maxIter: maxLMIterations, ftol: ftol) { prob.mlResiduals($0, $1) }
            }
            if k > 0 && (secondStart || !(r.ok && r.ssq.isFinite)) {
                // A second start guards against local optima of the likelihood: ML proper
                // starts from zero (as R) and tries the CSS estimates too; CSS-ML starts from
                // the CSS estimates (as R) and tries zero too.
                let start2 = method == .ml ? toTransformed(raw, spec) : [Double](repeating: 0, count: k)
                let r2 = LevenbergMarquardt.minimize(x0: start2, m: prob.n, maxIter: maxLMIterations, ftol: ftol) { prob.mlResiduals($0, $1) }
                if r2.ok && r2.ssq.isFinite && (!(r.ok && r.ssq.isFinite) || r2.ssq < r.ssq) { r = r2 }
            }
            if r.ok && r.ssq.isFinite {
                x = r.x
                if r.iterations >= maxLMIterations {
                    // LM ran out of iterations: let NLopt's L-BFGS finish from there
                    let b = Optimizer.minimize(x0: x, maxEval: 1500, ftolRel: 1e-11) { prob.mlObjective($0) }
                    if b.f.isFinite && b.f < 1e9 && b.f <= log(r.ssq / nn) / 2 { x = b.x }
                }
            } else {
                // LM could not start: quasi-Newton (NLopt L-BFGS) from zero
                let b = Optimizer.minimize(x0: [Double](repeating: 0, count: k), maxEval: 3000, ftolRel: 1e-11) { prob.mlObjective($0) }
                guard b.f.isFinite && b.f < 1e9 else { throw .numeric("maximum likelihood failed for \(spec.description)") }
                x = b.x
            }
            let (pol, _, _, _, _) = x.withUnsafeBufferPointer { prob.polys($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, transformed: true) }
            guard let e = prob.exact(pol) else { throw .numeric("likelihood not finite for \(spec.description)") }
            sigma2 = e.ssq / nn
            beta = e.beta
            let val = 0.5 * (log(sigma2) + e.sumLog / nn)
            loglik = -0.5 * (2 * nn * val + nn + nn * log(2 * Double.pi))
        }
        // forecast::Arima reports the variance with a degrees-of-freedom correction:
        // ssq / (n - #coefficients) (ML: standardized innovations; CSS: CSS residuals).
        let ncoef = k + prob.regNames.count
        let cssUsed = prob.hasMissing ? Double(max(prob.cssMissingCount, 1)) : Double(max(prob.cssCount, 1))
        let reported = method == .css ? sigma2 * cssUsed / max(nn - Double(ncoef), 1)
                                      : sigma2 * nn / max(nn - Double(ncoef), 1)
        guard sigma2.isFinite, loglik.isFinite else { throw .numeric("non-finite fit for \(spec.description)") }
        let (_, ar, ma, sar, sma) = x.withUnsafeBufferPointer { prob.polys($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, transformed: transformed) }
        var intercept: Double? = nil, drift: Double? = nil
        var xc: [Double] = []
        for (i, name) in prob.regNames.enumerated() {
            if name == "intercept" { intercept = beta[i] }
            else if name == "drift" { drift = beta[i] }
            else { xc.append(beta[i] * scale) }
        }
        if spec.hasDrift && drift == nil { drift = 0 }
        if spec.hasMean && intercept == nil { intercept = 0 }
        return try ArimaFit(spec: spec, method: method, ar: ar, ma: ma, sar: sar, sma: sma,
                            intercept: intercept.map { $0 * scale }, drift: drift.map { $0 * scale },
                            xreg: prob.xreg, xregCoef: xc, sigma2: reported * scale * scale, loglik: loglik - nn * log(scale), y: original,
                            complete: complete)
    }
}

enum Normal {
    /// Inverse of the standard normal CDF (Acklam's rational approximation refined by one
    /// Halley step on erfc).
    static func quantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let pl = 0.02425
        var x: Double
        if p < pl {
            let q = sqrt(-2 * log(p))
            x = (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
        } else if p <= 1 - pl {
            let q = p - 0.5, r = q * q
            x = (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r+a[5])*q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r+1)
        } else {
            let q = sqrt(-2 * log(1 - p))
            x = -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
        }
        let e = 0.5 * erfc(-x / sqrt(2)) - p
        let u = e * sqrt(2 * Double.pi) * exp(x * x / 2)
        x = x - u / (1 + x * u / 2)
        return x
    }
}
