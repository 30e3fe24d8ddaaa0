// Exponential smoothing in innovations state-space form, ETS(E,T,S), after Hyndman,
// Koehler, Snyder & Grose (2002) and Hyndman, Koehler, Ord & Snyder (2008). The recursions,
// the "lik" criterion, the parameter bounds ("both": usual and admissible), the initial
// states and the model search follow R's forecast::ets (etscalc.c, ets.R), which
// statsforecast's ETS also follows.
import CNLopt
import Foundation

public enum Component: Character, Sendable { case none = "N", additive = "A", multiplicative = "M" }

public struct EtsError: Error, Sendable {
    public enum Kind: Sendable { case invalidArgument, notEnoughData, badData, numeric, cancelled }
    public let kind: Kind
    public let message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
}

public struct EtsSpec: Sendable, Equatable {
    public var error: Component
    public var trend: Component
    public var season: Component
    public var damped: Bool
    public var period: Int
    public init(error: Component, trend: Component, season: Component, damped: Bool, period: Int) {
        self.error = error; self.trend = trend; self.season = season; self.damped = damped
        self.period = season == .none ? 1 : period
    }
    public var description: String {
        "ETS(\(error.rawValue),\(trend.rawValue)\(damped ? "d" : ""),\(season.rawValue))"
    }
    /// R's count for the short-data rule: alpha + l0, beta + b0, gamma + m seasonal states, phi.
    var shortDataParameters: Int {
        2 + (trend != .none ? 2 : 0) + (season != .none ? period : 0) + (damped ? 1 : 0)
    }
    /// Class 1 of Hyndman et al. (2008, ch. 6): additive error, additive or no trend and season.
    public var isLinear: Bool { error == .additive && trend != .multiplicative && season != .multiplicative }
}

public enum Criterion: String, Sendable { case aicc, aic, bic }

// MARK: - the recursions (R's etscalc)

/// The state: level, growth and the m seasonal states in a ring; `s(j)` is R's s[j]
/// (s[0] the newest, s[m-1] the one used for the next period).
struct State {
    var l: Double
    var b: Double
    var seas: [Double]
    var head = 0   // index in seas of R's s[0]
    init(l: Double, b: Double, seas: [Double]) { self.l = l; self.b = b; self.seas = seas }
    @inline(__always) func s(_ j: Int) -> Double {
        let m = seas.count
        var k = head + j
        if k >= m { k -= m }
        return seas[k]
    }
    /// R's s[] in order, newest first.
    var seasonal: [Double] { (0..<seas.count).map { s($0) } }
}

let tol = 1e-10
let hugeN = 1e10

@inline(__always)
func oneStep(_ x: State, _ spec: EtsSpec, _ phi: Double) -> Double {
    var f: Double
    switch spec.trend {
    case .none: f = x.l
    case .additive: f = x.l + phi * x.b
    case .multiplicative: f = x.b < 0 ? .nan : x.l * pow(x.b, phi)
    }
    if spec.season != .none {
        let sv = x.s(spec.period - 1)
        f = spec.season == .additive ? f + sv : f * sv
    }
    return f
}

@inline(__always)
func update(_ x: inout State, _ spec: EtsSpec, _ p: Params, _ y: Double) {
    let m = spec.period
    let q: Double, phib: Double
    switch spec.trend {
    case .none: phib = 0; q = x.l
    case .additive: phib = p.phi * x.b; q = x.l + phib
    case .multiplicative:
        phib = abs(p.phi - 1) < tol ? x.b : pow(x.b, p.phi); q = x.l * phib
    }
    var old = 0.0, pp = y
    if spec.season != .none {
        old = x.s(m - 1)
        if spec.season == .additive { pp = y - old } else { pp = abs(old) < tol ? hugeN : y / old }
    }
    let oldl = x.l
    x.l = q + p.alpha * (pp - q)
    if spec.trend != .none {
        let r: Double = spec.trend == .additive ? x.l - oldl : (abs(oldl) < tol ? hugeN : x.l / oldl)
        x.b = phib + (p.beta / p.alpha) * (r - phib)
    }
    if spec.season != .none {
        let t: Double = spec.season == .additive ? y - q : (abs(q) < tol ? hugeN : y / q)
        // the new s[0] replaces the oldest, s[m-1]: move the head back one place
        let newHead = x.head == 0 ? m - 1 : x.head - 1
        x.seas[newHead] = old + p.gamma * (t - old)
        x.head = newHead
    }
}

public struct Params: Sendable, Equatable {
    public var alpha: Double, beta: Double, gamma: Double, phi: Double
}

/// R's "lik": n log(sum e^2), plus 2 sum log|f| for multiplicative errors. Infinity when a
/// forecast is not finite. Fills e and f (both or neither) and the final state when given.
/// The loop keeps the state in locals and the seasonal states in a ring (the same
/// arithmetic as `oneStep` and `update`, which the forecasts and simulations use).
func likelihood(_ y: UnsafeBufferPointer<Double>, _ spec: EtsSpec, _ p: Params, _ x0: State,
                errors: UnsafeMutablePointer<Double>? = nil, fitted: UnsafeMutablePointer<Double>? = nil,
                final: UnsafeMutablePointer<State>? = nil) -> Double {
    let m = spec.season == .none ? 1 : spec.period
    let mult = spec.error == .multiplicative
    let trend = spec.trend, season = spec.season
    let alpha = p.alpha, betaA = trend == .none ? 0 : p.beta / p.alpha, gamma = p.gamma
    let phi = spec.damped ? p.phi : 1
    let phiIsOne = abs(phi - 1) < tol
    let keep = errors != nil
    var l = x0.l, b = x0.b
    var sse = 0.0, logf = 0.0, prod = 1.0
    var ring = [Double](repeating: 0, count: m)
    var head = 0
    let result: Double? = ring.withUnsafeMutableBufferPointer { s -> Double? in
        for j in 0..<m { s[j] = x0.s(j) }
        head = 0
        for i in 0..<y.count {
            // R's s[m-1] is the slot before head in the ring
            let last = head == 0 ? m - 1 : head - 1
            let old = s[last]
            let phib: Double, q: Double
            switch trend {
            case .none: phib = 0; q = l
            case .additive: phib = phi * b; q = l + phib
            case .multiplicative:
                if b < 0 { return nil }
                phib = phiIsOne ? b : pow(b, phi); q = l * phib
            }
            let f: Double
            switch season {
            case .none: f = q
            case .additive: f = q + old
            case .multiplicative: f = q * old
            }
            if !f.isFinite { return nil }
            let yi = y[i]
            let e = mult ? (yi - f) / f : yi - f
            if keep { errors![i] = e; fitted![i] = f }
            sse += e * e
            if mult {
                prod *= abs(f)
                if !(prod < 1e150 && prod > 1e-150) { logf += log(prod); prod = 1 }
            }
            // update (R's update() in etscalc.c)
            let pp: Double
            switch season {
            case .none: pp = yi
            case .additive: pp = yi - old
            case .multiplicative: pp = abs(old) < tol ? hugeN : yi / old
            }
            let oldl = l
            l = q + alpha * (pp - q)
            switch trend {
            case .none: break
            case .additive: b = phib + betaA * ((l - oldl) - phib)
            case .multiplicative: b = phib + betaA * ((abs(oldl) < tol ? hugeN : l / oldl) - phib)
            }
            if season != .none {
                let t = season == .additive ? yi - q : (abs(q) < tol ? hugeN : yi / q)
                s[last] = old + gamma * (t - old)
                head = last
            }
        }
        return 0
    }
    guard result != nil else { return .infinity }
    if mult { logf += log(prod) }
    if let final {
        var st = State(l: l, b: b, seas: ring)
        st.head = head
        final.pointee = st
    }
    var lik = Double(y.count) * log(sse)
    if mult { lik += 2 * logf }
    if lik.isNaN { return .infinity }
    return max(lik, -1e10)
}

// MARK: - bounds and admissibility (R's check.param, admissible)

let lowerP = (alpha: 1e-4, beta: 1e-4, gamma: 1e-4, phi: 0.8)
let upperP = (alpha: 0.9999, beta: 0.9999, gamma: 0.9999, phi: 0.98)

func checkParams(_ p: Params, _ spec: EtsSpec) -> Bool {
    if p.alpha < lowerP.alpha || p.alpha > upperP.alpha { return false }
    if spec.trend != .none && (p.beta < lowerP.beta || p.beta > p.alpha || p.beta > upperP.beta) { return false }
    if spec.damped && (p.phi < lowerP.phi || p.phi > upperP.phi) { return false }
    if spec.season != .none && (p.gamma < lowerP.gamma || p.gamma > 1 - p.alpha || p.gamma > upperP.gamma) { return false }
    return admissible(p, spec)
}

func admissible(_ p: Params, _ spec: EtsSpec) -> Bool {
    let phi = spec.damped ? p.phi : 1
    let a = p.alpha
    if phi < 0 || phi > 1 + 1e-8 { return false }
    if spec.season == .none {
        if a < 1 - 1 / phi || a > 1 + 1 / phi { return false }
        if spec.trend != .none && (p.beta < a * (phi - 1) || p.beta > (1 + phi) * (2 - a)) { return false }
        return true
    }
    let m = Double(spec.period), g = p.gamma
    let b = spec.trend == .none ? 0 : p.beta
    if g < max(1 - 1 / phi - a, 0) || g > 1 + 1 / phi - a { return false }
    if a < 1 - 1 / phi - g * (1 - m + phi + phi * m) / (2 * phi * m) { return false }
    if b < -(1 - phi) * (g / m + a) { return false }
    // characteristic equation: coefficients in increasing powers, monic of degree m + 1
    var c = [phi * (1 - a - g), a + b - a * phi + g - 1]
    if spec.period > 2 { c += Array(repeating: a + b - a * phi, count: spec.period - 2) }
    c += [a + b - phi, 1]
    return rootsWithinUnitCircle(c, slack: 1e-10)
}

/// Whether every root of c[0] + c[1] z + ... + c[d] z^d has modulus at most 1 + slack: the
/// Schur-Cohn test on p((1 + slack) z), O(d^2) with no iteration. (R calls polyroot and
/// compares the largest modulus with 1 + 1e-10; the answers differ only on that boundary.)
func rootsWithinUnitCircle(_ c: [Double], slack: Double) -> Bool {
    var p = c
    var r = 1.0
    for k in 0..<p.count { p[k] *= r; r *= 1 + slack }
    var d = p.count - 1
    var q = p
    while d > 0 {
        let lead = p[d], c0 = p[0]
        if !(abs(lead) > abs(c0)) { return false }
        // q_k = p_d p_{k+1} - p_0 p_{d-k-1}, k = 0 ..< d
        for k in 0..<d { q[k] = lead * p[k + 1] - c0 * p[d - k - 1] }
        for k in 0..<d { p[k] = q[k] }
        d -= 1
        // keep the numbers in range
        let scale = abs(p[d])
        if scale > 0 && scale.isFinite { for k in 0...d { p[k] /= scale } } else { return false }
    }
    return true
}

/// Largest root modulus of the monic polynomial c[0] + c[1] z + ... + z^d (Durand-Kerner).
func maxRootModulus(_ c: [Double]) -> Double {
    let d = c.count - 1
    var re = [Double](repeating: 0, count: d), im = re
    for k in 0..<d {   // starting points on a circle
        let ang = 2 * Double.pi * Double(k) / Double(d) + 0.4
        re[k] = 0.9 * cos(ang); im[k] = 0.9 * sin(ang)
    }
    for _ in 0..<500 {
        var moved = 0.0
        for k in 0..<d {
            // p(z) by Horner
            var pr = 1.0, pi = 0.0
            for j in stride(from: d - 1, through: 0, by: -1) {
                let nr = pr * re[k] - pi * im[k] + c[j]
                let ni = pr * im[k] + pi * re[k]
                pr = nr; pi = ni
            }
            var qr = 1.0, qi = 0.0
            for j in 0..<d where j != k {
                let dr = re[k] - re[j], di = im[k] - im[j]
                let nr = qr * dr - qi * di, ni = qr * di + qi * dr
                qr = nr; qi = ni
            }
            let den = qr * qr + qi * qi
            if den == 0 { re[k] += 1e-6; continue }
            let wr = (pr * qr + pi * qi) / den, wi = (pi * qr - pr * qi) / den
            re[k] -= wr; im[k] -= wi
            moved = max(moved, abs(wr) + abs(wi))
        }
        if moved < 1e-13 { break }
    }
    return (0..<d).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }.max() ?? 0
}
