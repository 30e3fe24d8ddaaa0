// Automatic order selection after Hyndman & Khandakar (2008), as documented for R's
// forecast::auto.arima: D from the seasonal-strength heuristic, d from repeated KPSS
// tests, then a stepwise (or exhaustive) search over (p, q, P, Q, constant) on an
// information criterion; for long series the candidates are fitted by conditional sum of
// squares and the winner is refitted by exact maximum likelihood.
import Foundation
import PluginNumerics

public enum InformationCriterion: String, Sendable {
    case aicc, aic, bic
}

public struct AutoArimaOptions: Sendable {
    /// Polled before each candidate model is fitted: true stops the search with an
    /// ArimaError of kind .cancelled (the plugin asks the host's should_cancel).
    public var shouldStop: (@Sendable () -> Bool)? = nil
    /// Seasonal period (1 = non-seasonal).
    public var period: Int = 1
    public var maxP: Int = 5, maxQ: Int = 5
    /// Maxima of the seasonal orders.
    public var maxSP: Int = 2, maxSQ: Int = 2
    /// Maximum p + q + P + Q in the exhaustive search.
    public var maxOrder: Int = 5
    public var maxD: Int = 2, maxSD: Int = 1
    public var startP: Int = 2, startQ: Int = 2, startSP: Int = 1, startSQ: Int = 1
    /// Fixed differencing orders (nil: chosen by the tests).
    public var d: Int? = nil, D: Int? = nil
    /// Stepwise (true, the default for every length, as R's and statsforecast's) or
    /// exhaustive (false: every model with p + q + P + Q <= maxOrder) search.
    public var stepwise: Bool = true
    public var ic: InformationCriterion = .aicc
    public var allowDrift: Bool = true
    public var allowMean: Bool = true
    /// nil: use the CSS approximation when period > 12 or n > 1000. (R approximates from
    /// n > 150 to save time; exact fits are cheap here and choose better models: employment
    /// mean MASE 0.585 exact vs 0.590 approximate.)
    public var approximation: Bool? = nil
    /// Maximum number of models the stepwise search fits.
    public var maxModels: Int = 94
    /// With the approximation: how many of the best admissible approximate candidates are
    /// refitted by exact maximum likelihood and compared on the exact criterion. R refits
    /// only the best (1); 2 lowers employment's mean MASE from 0.594 to 0.591 for ~25% time.
    public var refitCount: Int = 2
    /// Stepwise: continue from the best start model including its constant choice (true),
    /// or, as R does, keep the constant of the start models (false).
    public var followBest: Bool = true
    /// Stepwise: after R's greedy walk, the neighbours of each of the `beam` best models are
    /// tried too, until all of them have been expanded (1: R's walk only). 3 finds the
    /// exhaustive search's model on 19 of 20 visnights series (R's walk: 17) with ~4.6x
    /// fewer fits than the exhaustive search; visnights MASE 1.268 (R's walk 1.307,
    /// exhaustive 1.266).
    public var beam: Int = 3
    /// Candidates are fitted by ML from the CSS estimates only (R's start); the chosen model
    /// is refitted from both starts (zero too). false: every candidate from both starts.
    public var screenOneStart: Bool = true

    public init(period: Int = 1) { self.period = period }

    func validate() throws(ArimaError) {
        if period < 1 { throw .invalid("season must be >= 1, got \(period)") }
        if period > 400 { throw .invalid("season must be <= 400, got \(period)") }
        for (name, v) in [("max_p", maxP), ("max_q", maxQ), ("max_P", maxSP), ("max_Q", maxSQ), ("max_order", maxOrder),
                          ("max_d", maxD), ("max_D", maxSD), ("start_p", startP), ("start_q", startQ),
                          ("start_P", startSP), ("start_Q", startSQ)] where v < 0 {
            throw .invalid("\(name) must be >= 0, got \(v)")
        }
        if let d, d < 0 { throw .invalid("d must be >= 0, got \(d)") }
        if let D, D < 0 { throw .invalid("D must be >= 0, got \(D)") }
        if maxD > 3 { throw .invalid("max_d must be <= 3, got \(maxD)") }
        if maxSD > 2 { throw .invalid("max_D must be <= 2, got \(maxSD)") }
        if maxP > 20 || maxQ > 20 { throw .invalid("max_p and max_q must be <= 20") }
        if maxSP > 5 || maxSQ > 5 { throw .invalid("max_P and max_Q must be <= 5") }
        if maxModels < 1 { throw .invalid("max_models must be >= 1, got \(maxModels)") }
        if beam < 1 { throw .invalid("beam must be >= 1, got \(beam)") }
    }
}

/// One candidate model tried by the search.
public struct ArimaCandidate: Sendable {
    public let spec: ArimaSpec
    public let ic: Double
}

public enum AutoArima {
    /// Selects and fits a model. Throws ArimaError for invalid options, NaN in y, an empty
    /// series, or when no candidate can be fitted.
    public static func fit(y: [Double], options: AutoArimaOptions) throws(ArimaError) -> ArimaFit {
        try search(y: y, options: options).fit
    }

    /// Regression with ARIMA errors, orders chosen as R's auto.arima(y, xreg=) does: the
    /// differencing tests run on the residuals of y regressed (OLS, with an intercept) on
    /// the regressors, a difference that leaves a regressor constant is not taken, and
    /// every candidate is fitted as Arima(y, order, xreg=) (the coefficients by GLS within
    /// the exact likelihood). `xreg[j]` holds y.count finite values.
    public static func fit(y: [Double], xreg: [[Double]], options: AutoArimaOptions) throws(ArimaError) -> ArimaFit {
        for (j, x) in xreg.enumerated() {
            guard x.count == y.count else { throw .invalid("regressor \(j + 1) has \(x.count) values, y has \(y.count)") }
            if let t = x.firstIndex(where: { !$0.isFinite }) { throw .invalid("regressor \(j + 1) is missing or not finite at index \(t)") }
        }
        return try search(y: y, xreg: xreg, options: options).fit
    }

    /// The residuals of y (NaN kept) regressed by least squares on an intercept and the
    /// regressors (R's residuals(lm(x ~ xreg)) over the rows where y is observed).
    static func regressionResiduals(_ y: [Double], _ xreg: [[Double]]) -> [Double] {
        let k = xreg.count + 1
        var a = [Double](repeating: 0, count: k * k), b = [Double](repeating: 0, count: k)
        func row(_ t: Int) -> [Double] { [1] + xreg.map { $0[t] } }
        for t in y.indices where !y[t].isNaN {
            let r = row(t)
            for i in 0..<k {
                b[i] += r[i] * y[t]
                for j in 0..<k { a[i * k + j] += r[i] * r[j] }
            }
        }
        // Gaussian elimination with partial pivoting; a dependent column gets coefficient 0.
        var beta = [Double](repeating: 0, count: k)
        var m = a, v = b, pivotOf = [Int](repeating: -1, count: k)
        var rowUsed = [Bool](repeating: false, count: k)
        let scale = (0..<k).map { max(abs(a[$0 * k + $0]), 1e-300) }
        for c in 0..<k {
            var best = -1, bestValue = 0.0
            for r in 0..<k where !rowUsed[r] {
                let value = abs(m[r * k + c]) / scale[c]
                if value > bestValue { best = r; bestValue = value }
            }
            guard best >= 0, bestValue > 1e-10 else { continue }
            rowUsed[best] = true; pivotOf[c] = best
            for r in 0..<k where r != best {
                let f = m[r * k + c] / m[best * k + c]
                if f == 0 { continue }
                for j in 0..<k { m[r * k + j] -= f * m[best * k + j] }
                v[r] -= f * v[best]
            }
        }
        for c in 0..<k where pivotOf[c] >= 0 { beta[c] = v[pivotOf[c]] / m[pivotOf[c] * k + c] }
        return y.indices.map { t in
            y[t].isNaN ? .nan : y[t] - zip(row(t), beta).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    public static func fit(y: UnsafeBufferPointer<Double>, options: AutoArimaOptions) throws(ArimaError) -> ArimaFit {
        try fit(y: Array(y), options: options)
    }

    static func constantFit(_ y: [Double], spec: ArimaSpec, mean: Double?, drift: Double?) throws(ArimaError) -> ArimaFit {
        try ArimaFit(spec: spec, method: .cssML, ar: [], ma: [], sar: [], sma: [], intercept: mean, drift: drift,
                     sigma2: 0, loglik: 0, y: y)
    }

    /// The search, also returning every candidate tried with its criterion value.
    public static func search(y: [Double], xreg: [[Double]] = [], options o: AutoArimaOptions) throws(ArimaError) -> (fit: ArimaFit, candidates: [ArimaCandidate]) {
        try o.validate()
        try ArimaModel.checkSeries(y)
        // Missing values: the candidates are fitted to y as it is (the Kalman filter skips
        // them), the unit-root and seasonality tests and the limits that depend on the length
        // see the observed values, with interior gaps interpolated linearly (tests need a
        // regular series; R's ndiffs drops them instead), as R counts sum(!is.na(x)).
        let observed = y.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
        let complete0 = observed == y.count ? y : Interpolation.fillInterior(y, period: 1)
        let n = observed
        var m = o.period
        // With regressors the tests see the regression's residuals (R's xx).
        let complete = xreg.isEmpty ? complete0 : regressionResiduals(complete0, xreg)
        func constantColumn(_ dxreg: [[Double]]) -> Bool { dxreg.contains { UnitRoot.isConstant($0) } }
        if UnitRoot.isConstant(complete0) && xreg.isEmpty {
            let allZero = complete.allSatisfy { $0 == 0 }
            let spec = ArimaSpec(p: 0, d: 0, q: 0, period: 1, includeMean: !allZero)
            return (try constantFit(y, spec: spec, mean: allZero ? nil : complete[0], drift: nil), [])
        }
        if n < 3 {
            // too short for any test: the random walk
            let spec = ArimaSpec(p: 0, d: 1, q: 0, period: 1, includeMean: false)
            return (try ArimaModel.fit(y: y, spec: spec, method: .cssML, secondStart: true, xreg: xreg), [])
        }
        var ic = o.ic
        if n <= 3 { ic = .aic }
        var maxP = min(o.maxP, n / 3), maxQ = min(o.maxQ, n / 3)
        var maxSP = m > 1 ? min(o.maxSP, n / 3 / m) : 0
        var maxSQ = m > 1 ? min(o.maxSQ, n / 3 / m) : 0
        if m > 1 && n <= m + 1 { m = 1; maxSP = 0; maxSQ = 0 }
        // with seasonal terms, non-seasonal lags stop below one season (as R does)
        if m > 1 {
            if maxSP > 0 { maxP = min(maxP, m - 1) }
            if maxSQ > 0 { maxQ = min(maxQ, m - 1) }
        }
        // seasonal differencing
        var D = 0
        if let fixed = o.D, m > 1 { D = fixed }
        else if m > 1 && (maxSP > 0 || maxSQ > 0) { D = UnitRoot.nsdiffs(complete, period: m, maxD: o.maxSD) }
        var dxreg = xreg
        // R: a seasonal difference that leaves a regressor constant is not taken.
        if D > 0 && !xreg.isEmpty && o.D == nil {
            for _ in 0..<D { dxreg = dxreg.map { c in (m..<c.count).map { c[$0] - c[$0 - m] } } }
            if constantColumn(dxreg) { D -= 1; dxreg = xreg }
        }
        var x = complete
        for _ in 0..<D { x = (m..<x.count).map { x[$0] - x[$0 - m] } }
        var d = o.d ?? UnitRoot.ndiffs(x, maxD: o.maxD)
        if d > 0 && !xreg.isEmpty && o.d == nil {
            var dd = dxreg
            for _ in 0..<d { dd = dd.map { c in zip(c.dropFirst(), c).map { $0 - $1 } } }
            if constantColumn(dd) { d -= 1 }
        }
        if m == 1 { D = 0 }
        var dx = x
        for _ in 0..<d { dx = zip(dx.dropFirst(), dx).map { $0 - $1 } }
        if dx.count < 1 {
            throw .short("series too short: \(n) observations leave nothing after d = \(d), D = \(D) differences")
        }
        let allowDrift = o.allowDrift && d + D == 1
        let allowMean = o.allowMean && d + D == 0
        let constantAllowed = allowDrift || allowMean
        if UnitRoot.isConstant(dx) && !xreg.isEmpty {
            // a perfect regression: no ARMA part to fit (R fits Arima(0,d,0)(0,D,0) with xreg)
            let spec = ArimaSpec(p: 0, d: d, q: 0, P: 0, D: D, Q: 0, period: max(m, 1), includeMean: allowMean, includeDrift: allowDrift)
            return (try ArimaModel.fit(y: y, spec: spec, method: .cssML, secondStart: true, xreg: xreg), [])
        }
        if UnitRoot.isConstant(dx) {
            // differenced series is constant: no ARMA part to fit
            var spec = ArimaSpec(p: 0, d: d, q: 0, P: 0, D: D, Q: 0, period: max(m, 1), includeMean: false, includeDrift: false)
            var drift: Double? = nil, mean: Double? = nil
            if d + D == 1 && o.allowDrift { spec.includeDrift = true; drift = dx[0] / Double(D > 0 ? m : 1) }
            if d + D == 0 && o.allowMean { spec.includeMean = true; mean = dx[0] }
            return (try constantFit(y, spec: spec, mean: mean, drift: drift), [])
        }
        if dx.count < 4 {
            maxP = 0; maxQ = 0; maxSP = 0; maxSQ = 0
        }
        let approx = o.approximation ?? (n > 1000 || m > 12)
        let stepwise = o.stepwise
        let method: ArimaMethod = approx ? .css : .cssML

        struct Key: Hashable { let p, q, P, Q: Int; let c: Bool }
        var tried: [Key: Double] = [:]
        var order: [Key] = []
        var fits: [Key: ArimaFit] = [:]
        func spec(_ k: Key) -> ArimaSpec {
            ArimaSpec(p: k.p, d: d, q: k.q, P: k.P, D: D, Q: k.Q, period: max(m, 1),
                      includeMean: k.c && allowMean, includeDrift: k.c && allowDrift)
        }
        func criterion(_ f: ArimaFit) -> Double {
            let v: Double
            switch ic { case .aicc: v = f.aicc; case .aic: v = f.aic; case .bic: v = f.bic }
            return v.isNaN ? .infinity : v
        }
        /// Fits one candidate; infinite criterion when it fails or has roots within 1.01.
        /// `final`: the exact refit of a chosen model (from `start`'s coefficients instead of
        /// CSS when given; from zero too unless `oneStart`); otherwise a screening fit.
        func evaluate(_ k: Key, method: ArimaMethod, final: Bool = false, start: ArimaFit? = nil,
                      oneStart: Bool = false) -> (ArimaFit?, Double) {
            let s = spec(k)
            let x0 = start.map { $0.ar + $0.ma + $0.sar + $0.sma }
            let both = final ? !oneStart : !o.screenOneStart
            // criteria only: the chosen fit is completed (filtered) on return
            guard let f = try? ArimaModel.fit(y: y, spec: s, method: method, secondStart: both, xreg: xreg,
                                              complete: false, effort: final ? .exact : .screen, start: x0)
            else { return (nil, .infinity) }
            let pol = f.polys
            if !Poly.arRootsOutside(pol.phi, radius: 1.01) || !Poly.maRootsOutside(pol.theta, radius: 1.01) {
                return (f, .infinity)
            }
            return (f, criterion(f))
        }
        var bestKey: Key? = nil
        var bestIC = Double.infinity
        var stopped = false
        @discardableResult
        func tryModel(_ p: Int, _ q: Int, _ P: Int, _ Q: Int, _ c: Bool) -> Bool {
            if stopped { return false }
            if let stop = o.shouldStop, stop() {
                stopped = true
                return false
            }
            let k = Key(p: p, q: q, P: P, Q: Q, c: c && constantAllowed)
            if tried[k] != nil { return false }
            if stepwise && tried.count >= o.maxModels { return false }
            let (f, v) = evaluate(k, method: method)
            tried[k] = v
            order.append(k)
            if let f { fits[k] = f }
            if v < bestIC { bestIC = v; bestKey = k; return true }
            return false
        }

        if stepwise {
            var p = min(o.startP, maxP), q = min(o.startQ, maxQ)
            var P = min(o.startSP, maxSP), Q = min(o.startSQ, maxSQ)
            var c = constantAllowed
            tryModel(p, q, P, Q, c)
            tryModel(0, 0, 0, 0, c)
            if m > 1 {
                if maxP > 0 || maxSP > 0 { tryModel(maxP > 0 ? 1 : 0, 0, maxSP > 0 ? 1 : 0, 0, c) }
                if maxQ > 0 || maxSQ > 0 { tryModel(0, maxQ > 0 ? 1 : 0, 0, maxSQ > 0 ? 1 : 0, c) }
            } else {
                if maxP > 0 { tryModel(1, 0, 0, 0, c) }
                if maxQ > 0 { tryModel(0, 1, 0, 0, c) }
            }
            if constantAllowed { tryModel(0, 0, 0, 0, false) }
            if let b = bestKey {
                p = b.p; q = b.q; P = b.P; Q = b.Q
                // R (forecast 8.20) keeps searching around the constant models even when the
                // no-constant start wins; `followBest` moves on from the winner instead.
                if o.followBest { c = b.c }
            }
            /// R's neighbours of (p, q, P, Q, c), in R's order.
            func moves(_ c: Bool) -> [(Int, Int, Int, Int, Bool)] {
                [(0, 0, -1, 0, c), (0, 0, 0, -1, c), (0, 0, 1, 0, c), (0, 0, 0, 1, c),
                 (0, 0, -1, -1, c), (0, 0, -1, 1, c), (0, 0, 1, -1, c), (0, 0, 1, 1, c),
                 (-1, 0, 0, 0, c), (0, -1, 0, 0, c), (1, 0, 0, 0, c), (0, 1, 0, 0, c),
                 (-1, -1, 0, 0, c), (-1, 1, 0, 0, c), (1, -1, 0, 0, c), (1, 1, 0, 0, c),
                 (0, 0, 0, 0, !c)]
            }
            func admissibleMove(_ np: Int, _ nq: Int, _ nP: Int, _ nQ: Int, _ cc: Bool) -> Bool {
                if np < 0 || nq < 0 || nP < 0 || nQ < 0 { return false }
                if np > maxP || nq > maxQ || nP > maxSP || nQ > maxSQ { return false }
                return !(cc && !constantAllowed)
            }
            var improved = true
            while improved && tried.count < o.maxModels {
                improved = false
                for (dp, dq, dP, dQ, cc) in moves(c) {
                    let np = p + dp, nq = q + dq, nP = P + dP, nQ = Q + dQ
                    if !admissibleMove(np, nq, nP, nQ, cc) { continue }
                    if tryModel(np, nq, nP, nQ, cc) {
                        p = np; q = nq; P = nP; Q = nQ; c = cc
                        improved = true
                        break
                    }
                }
            }
            // Beyond R: the neighbours of the runners-up. While one of the `beam` best
            // models so far has neighbours not yet tried, try them all (a new best joins
            // the beam and is expanded in turn). Escapes the local optima of the greedy
            // walk that cost the stepwise search accuracy on short seasonal series.
            if o.beam > 1 {
                var expanded: Set<Key> = []
                if let b = bestKey { expanded.insert(b) }
                while tried.count < o.maxModels {
                    let ranked = order.filter { tried[$0]!.isFinite }.sorted { tried[$0]! < tried[$1]! }.prefix(o.beam)
                    guard let k = ranked.first(where: { !expanded.contains($0) }) else { break }
                    expanded.insert(k)
                    for (dp, dq, dP, dQ, cc) in moves(k.c) {
                        let np = k.p + dp, nq = k.q + dq, nP = k.P + dP, nQ = k.Q + dQ
                        if admissibleMove(np, nq, nP, nQ, cc) { tryModel(np, nq, nP, nQ, cc) }
                    }
                }
            }
        } else {
            for p in 0...maxP { for q in 0...maxQ { for P in 0...maxSP { for Q in 0...maxSQ where p + q + P + Q <= o.maxOrder {
                for c in (constantAllowed ? [true, false] : [false]) {
                    tryModel(p, q, P, Q, c)
                }
            }}}}
        }
        if stopped { throw ArimaError(.cancelled, "cancelled") }
        let candidates = order.map { ArimaCandidate(spec: spec($0), ic: tried[$0]!) }
        if approx {
            // refit the best candidates exactly until one is admissible
            // (with refitCount > 1 the best `refitCount` admissible exact fits compete on the
            // exact criterion)
            let ranked = order.filter { tried[$0]!.isFinite }.sorted { tried[$0]! < tried[$1]! }
            var chosen: (ArimaFit, Double)? = nil
            var admitted = 0
            for k in ranked {
                let (f, v) = evaluate(k, method: .cssML, final: true)
                if let f, v.isFinite {
                    if chosen == nil || v < chosen!.1 { chosen = (f, v) }
                    admitted += 1
                    if admitted >= max(o.refitCount, 1) { break }
                }
            }
            if let chosen {
                return (try chosen.0.completed(), candidates)
            }
        } else if bestIC.isFinite {
            // Candidates were ranked by fits stopped early: the best is refitted with the exact
            // tolerance from its screened estimates and from zero. A refit that ends within
            // 1.01 of the unit circle (the early stop can leave a fit short of such a boundary
            // optimum) falls back to the refit from the screened estimates alone, then to the
            // next candidate.
            let ranked = order.filter { tried[$0]!.isFinite }.sorted { tried[$0]! < tried[$1]! }
            for k in ranked {
                guard let f = fits[k] else { continue }
                let (f2, v2) = evaluate(k, method: method, final: true, start: f)
                if let f2, v2.isFinite { return (try f2.completed(), candidates) }
                let (f3, v3) = evaluate(k, method: method, final: true, start: f, oneStart: true)
                if let f3, v3.isFinite { return (try f3.completed(), candidates) }
            }
        }
        // Nothing admissible: fall back to the plain differenced model.
        let fallback = ArimaSpec(p: 0, d: d, q: 0, P: 0, D: D, Q: 0, period: max(m, 1),
                                 includeMean: allowMean, includeDrift: allowDrift)
        if let f = try? ArimaModel.fit(y: y, spec: fallback, method: .cssML, secondStart: true, xreg: xreg) { return (f, candidates) }
        throw .numeric("no ARIMA model could be fitted (d = \(d), D = \(D))")
    }
}

extension AutoArima {
    /// Seasonal strength of y (STL decomposition), in [0, 1]; D = 1 when above 0.64.
    public static func seasonalStrength(_ y: [Double], period: Int) -> Double {
        UnitRoot.seasonalStrength(y, period: period)
    }
    /// The differencing orders (d, D) the automatic search would use.
    public static func differencingOrders(_ y: [Double], period m: Int, maxD: Int = 2, maxSD: Int = 1) -> (d: Int, D: Int) {
        let D = m > 1 ? UnitRoot.nsdiffs(y, period: m, maxD: maxSD) : 0
        var x = y
        for _ in 0..<D { x = (m..<x.count).map { x[$0] - x[$0 - m] } }
        return (UnitRoot.ndiffs(x, maxD: maxD), D)
    }
}
