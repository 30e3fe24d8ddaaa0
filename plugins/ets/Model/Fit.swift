// Fitting one ETS model (initial states by R's heuristic, then NLopt's Nelder-Mead over the
// smoothing parameters and initial states together), and R's model search.
import CNLopt
import Foundation

public struct EtsFit: Sendable {
    public var spec: EtsSpec
    public var params: Params
    /// Initial states as R reports them: l, b (when trended), s0, s-1, ..., s-(m-1).
    public var initial: [Double]
    /// The state after the last observation: l, b, seasonal newest first.
    public var level: Double
    public var growth: Double
    public var seasonal: [Double]
    public var sigma2: Double
    /// R's -0.5 * lik.
    public var loglik: Double
    public var aic: Double, aicc: Double, bic: Double
    public var nParams: Int
    public var fitted: [Double]
    public var residuals: [Double]
    public var description: String { spec.description }

    func ic(_ c: Criterion) -> Double {
        switch c { case .aic: aic; case .aicc: aicc; case .bic: bic }
    }
}

// MARK: - initial states (R's initstate)

/// Least squares by the normal equations (small, well-conditioned designs only).
func leastSquares(_ cols: [[Double]], _ y: [Double]) -> [Double]? {
    let k = cols.count
    var a = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
    for i in 0..<k {
        for j in 0..<k { a[i][j] = zip(cols[i], cols[j]).reduce(0) { $0 + $1.0 * $1.1 } }
        a[i][k] = zip(cols[i], y).reduce(0) { $0 + $1.0 * $1.1 }
    }
    for c in 0..<k {
        guard let piv = (c..<k).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[piv][c]) > 1e-12 else { return nil }
        a.swapAt(c, piv)
        for r in 0..<k where r != c {
            let f = a[r][c] / a[c][c]
            for j in c...k { a[r][j] -= f * a[c][j] }
        }
    }
    return (0..<k).map { a[$0][k] / a[$0][$0] }
}

/// R's decompose() on y (length a multiple of m is not required): the seasonal figure.
func classicalSeasonal(_ y: [Double], _ m: Int, multiplicative: Bool) -> [Double] {
    let n = y.count
    var trend = [Double](repeating: .nan, count: n)
    let half = m / 2
    for t in half..<(n - half) {
        var s = 0.0
        if m % 2 == 0 {
            s = 0.5 * y[t - half] + 0.5 * y[t + half]
            for j in (t - half + 1)..<(t + half) { s += y[j] }
        } else {
            for j in (t - half)...(t + half) { s += y[j] }
        }
        trend[t] = s / Double(m)
    }
    var figure = [Double](repeating: 0, count: m)
    for i in 0..<m {
        var s = 0.0, c = 0
        var t = i
        while t < n {
            if trend[t].isFinite { s += multiplicative ? y[t] / trend[t] : y[t] - trend[t]; c += 1 }
            t += m
        }
        figure[i] = c > 0 ? s / Double(c) : (multiplicative ? 1 : 0)
    }
    let mean = figure.reduce(0, +) / Double(m)
    return figure.map { multiplicative ? $0 / mean : $0 - mean }
}

func initialState(_ y: [Double], _ spec: EtsSpec) -> [Double] {
    let n = y.count
    let m = spec.period
    var initSeas: [Double] = []
    var ysa = y
    if spec.season != .none {
        let mult = spec.season == .multiplicative
        var seas: [Double]   // the seasonal component at each time
        if n < 3 * m {
            // R: a linear trend plus one Fourier pair by least squares
            let t = (1...n).map(Double.init)
            var cols = [[Double](repeating: 1, count: n), t]
            cols.append(t.map { sin(2 * .pi * $0 / Double(m)) })
            if m > 2 { cols.append(t.map { cos(2 * .pi * $0 / Double(m)) }) }
            if m == 2 { cols[2] = t.map { cos(2 * .pi * $0 / Double(m)) } }
            let coef = leastSquares(cols, y) ?? [y.reduce(0, +) / Double(n), 0]
            seas = (0..<n).map { i in
                let tr = coef[0] + coef[1] * Double(i + 1)
                return mult ? y[i] / tr : y[i] - tr
            }
        } else {
            let fig = classicalSeasonal(Array(y[0..<(3 * m)]), m, multiplicative: mult)
            seas = (0..<n).map { fig[$0 % m] }
        }
        initSeas = Array(seas[1..<m].reversed())
        if mult {
            initSeas = initSeas.map { max($0, 1e-2) }
            let s = initSeas.reduce(0, +)
            if s > Double(m) { let d = initSeas.reduce(0) { $0 + $1 + 1e-2 }; initSeas = initSeas.map { $0 / d } }
            ysa = (0..<n).map { y[$0] / max(seas[$0], 1e-2) }
        } else {
            ysa = (0..<n).map { y[$0] - seas[$0] }
        }
    }
    let maxn = min(max(10, 2 * m), n)
    var out: [Double] = []
    if spec.trend == .none {
        out.append(ysa[0..<maxn].reduce(0, +) / Double(maxn))
    } else {
        let t = (1...maxn).map(Double.init)
        let c = leastSquares([[Double](repeating: 1, count: maxn), t], Array(ysa[0..<maxn])) ?? [ysa[0], 0]
        if spec.trend == .additive {
            var l0 = c[0], b0 = c[1]
            if abs(l0 + b0) < 1e-8 { l0 *= 1 + 1e-3; b0 *= 1 - 1e-3 }
            out += [l0, b0]
        } else {
            var l0 = c[0] + c[1]
            if abs(l0) < 1e-8 { l0 = 1e-7 }
            var b0 = (c[0] + 2 * c[1]) / l0
            l0 /= b0
            if abs(b0) > 1e10 { b0 = b0 < 0 ? -1e10 : 1e10 }
            if l0 < 1e-8 || b0 < 1e-8 { l0 = max(ysa[0], 1e-3); b0 = max(ysa[1] / ysa[0], 1e-3) }
            out += [l0, b0]
        }
    }
    return out + initSeas
}

// MARK: - optimisation

final class Objective {
    let f: (UnsafePointer<Double>) -> Double
    let cancel: () -> Bool
    var evals = 0
    var cancelled = false
    var opt: nlopt_opt?
    init(f: @escaping (UnsafePointer<Double>) -> Double, cancel: @escaping () -> Bool) { self.f = f; self.cancel = cancel }
}

private func nloptObjective(_ n: UInt32, _ x: UnsafePointer<Double>?, _ grad: UnsafeMutablePointer<Double>?,
                            _ data: UnsafeMutableRawPointer?) -> Double {
    let o = Unmanaged<Objective>.fromOpaque(data!).takeUnretainedValue()
    o.evals += 1
    if o.evals % 64 == 0 && o.cancel() { o.cancelled = true; if let opt = o.opt { nlopt_force_stop(opt) } }
    return o.f(x!)
}

/// The parameter vector's layout for one model.
struct Layout {
    let spec: EtsSpec
    var nPar: Int { 1 + (spec.trend != .none ? 1 : 0) + (spec.season != .none ? 1 : 0) + (spec.damped ? 1 : 0) }
    var nState: Int { 1 + (spec.trend != .none ? 1 : 0) + (spec.season != .none ? spec.period - 1 : 0) }

    func params(_ x: UnsafePointer<Double>) -> Params {
        var i = 1
        var p = Params(alpha: x[0], beta: 0, gamma: 0, phi: 1)
        // beta and gamma as fractions of their upper limits alpha and 1 - alpha: R's
        // inequalities 0 < beta < alpha, 0 < gamma < 1 - alpha become box bounds
        if spec.trend != .none { p.beta = x[i] * x[0]; i += 1 }
        if spec.season != .none { p.gamma = x[i] * (1 - x[0]); i += 1 }
        if spec.damped { p.phi = x[i] }
        return p
    }
    /// The full initial state (with R's extra seasonal state); nil when a multiplicative
    /// season's extra state is negative.
    func state(_ x: UnsafePointer<Double>) -> State? {
        var i = nPar
        let l = x[i]; i += 1
        var b = 0.0
        if spec.trend != .none { b = x[i]; i += 1 }
        var seas: [Double] = []
        if spec.season != .none {
            let m = spec.period
            seas.reserveCapacity(m)
            var sum = 0.0
            for _ in 0..<(m - 1) { seas.append(x[i]); sum += x[i]; i += 1 }
            let last = spec.season == .additive ? -sum : Double(m) - sum
            if spec.season == .multiplicative && last < 0 { return nil }
            seas.append(last)
        } else {
            seas = [0]
        }
        return State(l: l, b: b, seas: seas)
    }
}

/// The NLopt algorithm: Powell's BOBYQA (the default) or Nelder-Mead as R and statsforecast.
/// BOBYQA needs about a fifth of the evaluations, reaches higher likelihoods and forecast
/// better on both shared sets (plugins/ets/README.md).
public enum Optimizer: String, Sendable { case nelderMead = "nelder_mead", bobyqa }

/// NLopt's `optimizer` from x0 within the box; throws when cancelled.
func minimize(_ objective: @escaping (UnsafePointer<Double>) -> Double, _ x0: [Double], _ lb: [Double], _ ub: [Double],
              _ steps: [Double], optimizer: Optimizer, maxeval: Int, ftol: Double = 1e-8, xtol: Double = 1e-7,
              cancel: @escaping () -> Bool) throws(EtsError) -> [Double] {
    let dim = x0.count
    let box = Objective(f: objective, cancel: cancel)
    var x = x0
    var fmin = 0.0
    // BOBYQA needs two dimensions at least
    let algorithm = optimizer == .bobyqa && dim >= 2 ? NLOPT_LN_BOBYQA : NLOPT_LN_NELDERMEAD
    if let opt = nlopt_create(algorithm, UInt32(dim)) {
        defer { nlopt_destroy(opt) }
        box.opt = opt
        let ptr = Unmanaged.passUnretained(box).toOpaque()
        nlopt_set_min_objective(opt, nloptObjective, ptr)
        nlopt_set_lower_bounds(opt, lb)
        nlopt_set_upper_bounds(opt, ub)
        nlopt_set_initial_step(opt, steps)
        nlopt_set_ftol_rel(opt, ftol)
        nlopt_set_xtol_rel(opt, xtol)
        nlopt_set_maxeval(opt, Int32(maxeval))
        _ = withExtendedLifetime(box) { x.withUnsafeMutableBufferPointer { nlopt_optimize(opt, $0.baseAddress, &fmin) } }
    }
    if box.cancelled { throw EtsError(.cancelled, "cancelled") }
    evalCounter.add(box.evals)
    return x
}

/// The search over models stops each optimisation at these tolerances (the chosen model is
/// then refitted at ftol 1e-8, xtol 1e-7, as a fixed model is).
let searchFtol = 1e-6, searchXtol = 1e-5

/// Objective evaluations, for measuring (ets-bench prints them).
public final class EvalCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0, innerCount = 0
    public func add(_ n: Int, inner: Int = 0) { lock.lock(); count += n; innerCount += inner; lock.unlock() }
    public var total: Int { lock.lock(); defer { lock.unlock() }; return count }
    public var inner: Int { lock.lock(); defer { lock.unlock() }; return innerCount }
}
public let evalCounter = EvalCounter()

/// The smoothing parameters optimised with the initial states profiled out (Profile.swift);
/// the result in the joint layout (parameters, then the free initial states).
func profiledOptimum(_ ys: [Double], _ spec: EtsSpec, _ lay: Layout, _ x0: [Double], optimizer: Optimizer,
                     starts: [Params] = [], tight: Bool = true, cancel: @escaping () -> Bool) throws(EtsError) -> [Double] {
    let np = lay.nPar
    let prof = Profiler(y: ys, spec: spec, start: Array(x0[np...]))
    let objective: (UnsafePointer<Double>) -> Double = { x in
        let p = lay.params(x)
        guard admissible(p, spec) else { return 1e12 }
        let v = prof.solve(p)
        return v.isFinite ? v : 1e12
    }
    var lb = [Double](repeating: lowerP.alpha, count: np), ub = [Double](repeating: upperP.alpha, count: np)
    var steps = [Double](repeating: 0.05, count: np)
    if spec.damped { lb[np - 1] = lowerP.phi; ub[np - 1] = upperP.phi; steps[np - 1] = 0.02 }
    // the start: R's initparam, or the best of `starts` (the refit of a chosen model)
    var start = Array(x0[..<np])
    if !starts.isEmpty {
        var best = start.withUnsafeBufferPointer { objective($0.baseAddress!) }
        for q in starts {
            var x = [q.alpha]
            if spec.trend != .none { x.append(q.beta / q.alpha) }
            if spec.season != .none { x.append(q.gamma / (1 - q.alpha)) }
            if spec.damped { x.append(q.phi < 1 ? q.phi : upperP.phi) }
            for i in 0..<np { x[i] = min(max(x[i], lb[i]), ub[i]) }
            let v = x.withUnsafeBufferPointer { objective($0.baseAddress!) }
            if v < best { best = v; start = x }
        }
    }
    let xp = try minimize(objective, start, lb, ub, steps, optimizer: optimizer, maxeval: 2000,
                            ftol: tight ? 1e-8 : searchFtol, xtol: tight ? 1e-7 : searchXtol, cancel: cancel)
    prof.exactInner = true
    evalCounter.add(0, inner: prof.innerIterations)
    // the states at the optimum
    let v = xp.withUnsafeBufferPointer { objective($0.baseAddress!) }
    guard v < 1e12 else { return x0 }
    return xp + prof.theta
}

func fitModel(_ y: [Double], _ spec: EtsSpec, optimizer: Optimizer = .bobyqa, profile: Bool = true,
              starts: [Params] = [], tight: Bool = true, cancel: @escaping () -> Bool) throws(EtsError) -> EtsFit {
    let n = y.count
    // Scale to mean |y| = 1: the optimiser then sees the same problem at any magnitude.
    var scale = y.reduce(0) { $0 + abs($1) } / Double(n)
    if !(scale > 0) || !scale.isFinite { scale = 1 }
    let ys = y.map { $0 / scale }
    let lay = Layout(spec: spec)
    // starting values (R's initparam)
    var x0: [Double] = []
    let alpha = lowerP.alpha + 0.2 * (upperP.alpha - lowerP.alpha) / Double(spec.period)
    x0.append(alpha)
    if spec.trend != .none {
        let ub = min(upperP.beta, alpha)
        var beta = lowerP.beta + 0.1 * (ub - lowerP.beta)
        if beta < 0 || beta > alpha { beta = alpha - 1e-3 }
        x0.append(beta / alpha)
    }
    if spec.season != .none {
        let ub = min(upperP.gamma, 1 - alpha)
        x0.append((lowerP.gamma + 0.05 * (ub - lowerP.gamma)) / (1 - alpha))
    }
    if spec.damped { x0.append(lowerP.phi + 0.99 * (upperP.phi - lowerP.phi)) }
    x0 += initialState(ys, spec)
    let dim = x0.count

    var lb = [Double](repeating: -Double.infinity, count: dim), ub = [Double](repeating: .infinity, count: dim)
    var steps = [Double](repeating: 0, count: dim)
    for i in 0..<lay.nPar { lb[i] = lowerP.alpha; ub[i] = upperP.alpha; steps[i] = 0.05 }
    if spec.damped { lb[lay.nPar - 1] = lowerP.phi; ub[lay.nPar - 1] = upperP.phi; steps[lay.nPar - 1] = 0.02 }
    let ymax = ys.reduce(0) { max($0, abs($1)) }
    for i in lay.nPar..<dim {
        steps[i] = 0.1 * max(abs(x0[i]), 0.05)
        lb[i] = x0[i] - 10 * (ymax + 1); ub[i] = x0[i] + 10 * (ymax + 1)
    }

    let objective: (UnsafePointer<Double>) -> Double = { x in
        let p = lay.params(x)
        guard admissible(p, spec), let st = lay.state(x) else { return 1e12 }
        if spec.trend == .multiplicative && st.b <= 0 { return 1e12 }
        let v = ys.withUnsafeBufferPointer { likelihood($0, spec, p, st) }
        return v.isFinite ? v : 1e12
    }
    var x: [Double]
    if spec.trend != .multiplicative && profile {
        x = try profiledOptimum(ys, spec, lay, x0, optimizer: optimizer, starts: starts, tight: tight, cancel: cancel)
    } else {
        x = try minimize(objective, x0, lb, ub, steps, optimizer: optimizer, maxeval: max(2000, 150 * dim), cancel: cancel)
    }
    // A fallback: NLopt failed to move or returned a worse point than the start.
    let f0 = x0.withUnsafeBufferPointer { objective($0.baseAddress!) }
    var fx = x.withUnsafeBufferPointer { objective($0.baseAddress!) }
    if !(fx <= f0) { x = x0; fx = f0 }
    guard fx < 1e12 else { throw EtsError(.numeric, "\(spec.description): no admissible parameters found") }

    // unscale the states and evaluate on the original data
    var xs = x
    for i in lay.nPar..<dim {
        let k = i - lay.nPar
        let isGrowth = spec.trend != .none && k == 1
        let isSeason = k >= (spec.trend != .none ? 2 : 1)
        if (isGrowth && spec.trend == .multiplicative) || (isSeason && spec.season == .multiplicative) { continue }
        xs[i] *= scale
    }
    let p = xs.withUnsafeBufferPointer { lay.params($0.baseAddress!) }
    guard let st = xs.withUnsafeBufferPointer({ lay.state($0.baseAddress!) }) else {
        throw EtsError(.numeric, "\(spec.description): inadmissible seasonal states")
    }
    var e = [Double](repeating: 0, count: n), f = e
    var fin = st
    let lik = y.withUnsafeBufferPointer { yb in
        e.withUnsafeMutableBufferPointer { eb in f.withUnsafeMutableBufferPointer { fb in
            likelihood(yb, spec, p, st, errors: eb.baseAddress, fitted: fb.baseAddress, final: &fin)
        } }
    }
    let np = dim + 1
    let aic = lik + 2 * Double(np)
    let bic = lik + log(Double(n)) * Double(np)
    let aicc = n - np - 1 > 0 ? aic + 2 * Double(np * (np + 1)) / Double(n - np - 1) : .infinity
    let sse = e.reduce(0) { $0 + $1 * $1 }
    let sigma2 = n > dim ? sse / Double(n - dim) : sse / Double(n)
    var initial = Array(xs[lay.nPar...])
    if spec.season != .none { initial.append(st.seas[spec.period - 1]) }
    return EtsFit(spec: spec, params: p, initial: initial, level: fin.l, growth: fin.b,
                  seasonal: spec.season == .none ? [] : fin.seasonal, sigma2: sigma2, loglik: -0.5 * lik,
                  aic: aic, aicc: aicc, bic: bic, nParams: np, fitted: f, residuals: e)
}

// MARK: - model selection (R's ets())

public struct EtsOptions: Sendable {
    public var error: Component? = nil     // nil: "Z", chosen
    public var trend: Component? = nil
    public var season: Component? = nil
    public var damped: Bool? = nil
    public var period: Int = 1
    public var ic: Criterion = .aicc
    public var allowMultiplicativeTrend = false
    public var optimizer = Optimizer.bobyqa
    /// Profile the initial states out (Profile.swift); false: optimise them jointly with the
    /// smoothing parameters (the earlier method, kept for measuring and multiplicative trends).
    public var profile = true
    public init() {}

    /// "ZZZ", "MAdM", "AAN", "ANN"... (R's model string; "d" after the trend marks damping).
    public mutating func setModel(_ s: String) throws(EtsError) {
        var chars = Array(s.uppercased())
        var damp: Bool? = nil
        if chars.count == 4 && chars[2] == "D" { damp = true; chars.remove(at: 2) }
        guard chars.count == 3 else { throw EtsError(.invalidArgument, "model must be three letters like \"ZZZ\" or \"MAdM\", got \"\(s)\"") }
        func comp(_ c: Character, _ allowed: String, _ what: String) throws(EtsError) -> Component? {
            guard allowed.contains(c) else { throw EtsError(.invalidArgument, "\(what) in model \"\(s)\" must be one of \(allowed.map(String.init).joined(separator: ", "))") }
            return c == "Z" ? nil : Component(rawValue: c)
        }
        error = try comp(chars[0], "ANMZ".replacingOccurrences(of: "N", with: ""), "the error")
        trend = try comp(chars[1], "NAMZ", "the trend")
        season = try comp(chars[2], "NAMZ", "the season")
        if let damp { damped = damp }
        if damped == true && trend == Component.none {
            throw EtsError(.invalidArgument, "a damped trend needs a trend: \"\(s)\"")
        }
    }
}

/// Starting points for `spec` from the optima of the simpler models fitted before it in the
/// search (same error): a trend model starts from its trendless twin's alpha and gamma (beta
/// 0.1 alpha, R's initparam rule), a damped one from its undamped twin, a multiplicative season
/// from the additive twin. Each is tried against R's own start and the best one is kept
/// (profiledOptimum). On employment this halves the objective evaluations of the search and
/// reaches higher likelihoods (plugins/ets/README.md): R's start (alpha 0.017 for monthly
/// data) is far from the optimum of series that need a fast-moving level.
func relatedStarts(_ spec: EtsSpec, _ fitted: [(EtsSpec, Params)]) -> [Params] {
    var out: [Params] = []
    for (s, p) in fitted where s.error == spec.error {
        if spec.trend == .additive && !spec.damped && s.trend == .none && s.season == spec.season {
            var q = p
            q.beta = 0.1 * p.alpha
            out.append(q)
        }
        if spec.damped && !s.damped && s.trend == spec.trend && s.season == spec.season { out.append(p) }
        if spec.season == .multiplicative && s.season == .additive && s.trend == spec.trend && s.damped == spec.damped {
            out.append(p)
        }
    }
    return out
}

public enum Ets {
    /// R's ets(): the model (fixed or chosen by the criterion) fitted to y.
    public static func fit(y: [Double], options o: EtsOptions, cancel: @escaping () -> Bool = { false }) throws(EtsError) -> EtsFit {
        let n = y.count
        guard n >= 3 else { throw EtsError(.notEnoughData, "ets needs at least 3 observations; series has \(n)") }
        for (i, v) in y.enumerated() where !v.isFinite {
            throw EtsError(.badData, "ets needs complete data, but value \(i + 1) of \(n) is \(v.isNaN ? "missing" : "\(v)")")
        }
        var m = o.period
        var seasons: [Component]
        if let s = o.season { seasons = [s] } else { seasons = [.none, .additive, .multiplicative] }
        if m <= 1 || m > 24 {
            if let s = o.season, s != .none {
                throw EtsError(.invalidArgument, m <= 1 ? "a seasonal model needs a season length above 1" : "season \(m) is above 24: ETS cannot handle it (as R's ets)")
            }
            seasons = [.none]; m = 1
        }
        // R: seasonal models need more than one season of data; we ask for two full seasons.
        if seasons != [.none] && n < 2 * m {
            if o.season != nil { throw EtsError(.notEnoughData, "a seasonal ETS model needs two full seasons (\(2 * m) points); series has \(n)") }
            seasons = [.none]
        }
        let positive = y.min()! > 0
        if o.error == .multiplicative && !positive { throw EtsError(.invalidArgument, "multiplicative error needs strictly positive data") }
        if o.season == .multiplicative && !positive { throw EtsError(.invalidArgument, "a multiplicative season needs strictly positive data") }
        if o.trend == .multiplicative && !positive { throw EtsError(.invalidArgument, "a multiplicative trend needs strictly positive data") }
        let errors: [Component] = o.error.map { [$0] } ?? [.additive, .multiplicative]
        let trends: [Component] = o.trend.map { [$0] } ?? (o.allowMultiplicativeTrend ? [.none, .additive, .multiplicative] : [.none, .additive])
        let dampings: [Bool] = o.damped.map { [$0] } ?? [false, true]
        var candidates: [EtsSpec] = []
        for e in errors { for t in trends { for s in seasons { for d in dampings {
            if t == .none && d { continue }
            if e == .additive && (t == .multiplicative || s == .multiplicative) && (o.error == nil || o.trend == nil || o.season == nil) { continue }
            if e == .multiplicative && t == .multiplicative && s == .additive && (o.error == nil || o.trend == nil || o.season == nil) { continue }
            if !positive && (e == .multiplicative || s == .multiplicative || t == .multiplicative) { continue }
            candidates.append(EtsSpec(error: e, trend: t, season: s, damped: d, period: m))
        } } } }
        // R: too little data for a model's parameters (n <= npars + 4) rules it out.
        let fitting = candidates.filter { n > $0.shortDataParameters + 4 }
        if fitting.isEmpty {
            // R's short-data fallback: simple exponential smoothing, unless the model was fixed.
            if o.trend.map({ $0 != .none }) ?? false || o.season.map({ $0 != .none }) ?? false || o.damped == true {
                let c = candidates.first
                throw EtsError(.notEnoughData, "\(c?.description ?? "this model") needs more than \(c.map { $0.shortDataParameters + 4 } ?? 0) observations; series has \(n)")
            }
            let simple = EtsSpec(error: positive ? (o.error ?? .additive) : .additive, trend: .none, season: .none, damped: false, period: 1)
            return try fitModel(y, simple, optimizer: o.optimizer, profile: o.profile, cancel: cancel)
        }
        var best: EtsFit? = nil
        var lastError: EtsError? = nil
        var fitted: [(EtsSpec, Params)] = []
        for spec in fitting {
            do {
                // the search stops the optimiser earlier (ftol 1e-6); the chosen model is then
                // refitted from its optimum at the fixed-model tolerance (1e-8), below
                let starts = relatedStarts(spec, fitted)
                let f = try fitModel(y, spec, optimizer: o.optimizer, profile: o.profile, starts: starts,
                                     tight: fitting.count == 1, cancel: cancel)
                fitted.append((spec, f.params))
                let v = f.ic(o.ic)
                if v.isFinite && (best == nil || v < best!.ic(o.ic)) { best = f }
            } catch {
                if error.kind == .cancelled { throw error }
                lastError = error
            }
        }
        guard var best else { throw lastError ?? EtsError(.numeric, "no ETS model could be fitted") }
        if fitting.count > 1 && o.profile && best.spec.trend != .multiplicative {
            if let polished = try? fitModel(y, best.spec, optimizer: o.optimizer, starts: [best.params], cancel: cancel),
               polished.loglik > best.loglik {
                best = polished
            }
            if cancel() { throw EtsError(.cancelled, "cancelled") }
        }
        return best
    }
}
