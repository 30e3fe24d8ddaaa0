// The Box-Cox transformation (Box & Cox 1964) as R's forecast::BoxCox writes it, its
// inverse (forecast::InvBoxCox, no bias adjustment), and Guerrero's (1993) choice of
// lambda as forecast::BoxCox.lambda(method = "guerrero") makes it.
import Foundation

public enum BoxCox {
    /// The `lambda:` parameter: a number, or "auto" (Guerrero).
    public enum Choice: Sendable, Equatable { case fixed(Double), auto }

    public static let parameterHelp = "Box-Cox transformation before fitting: a number (0: log), or \"auto\" (Guerrero's method, as R's BoxCox.lambda); forecasts and intervals are transformed back (no bias adjustment). Default: none"

    /// Parses the parameter's JSON text: a number or the string "auto"; nil otherwise.
    public static func parse(json: String) -> Choice? {
        let t = json.trimmingCharacters(in: .whitespaces)
        if t == "\"auto\"" { return .auto }
        if let x = Double(t), x.isFinite { return .fixed(x) }
        return nil
    }

    /// The λ for `y` (Guerrero's over the observed values for .auto) and y transformed
    /// (missing values stay missing); a message when the data cannot take it (λ ≤ 0 with a
    /// value ≤ 0: its log or negative power is undefined).
    /// `firstPoint`: the series' point number of y[0] minus 1, for the message.
    public static func apply(_ y: [Double], _ choice: Choice, period: Int, firstPoint: Int = 0) -> (lambda: Double, z: [Double], error: String?) {
        let lambda: Double
        switch choice {
        case .fixed(let x): lambda = x
        case .auto: lambda = guerrero(y, period: period)
        }
        if lambda <= 0, let i = y.firstIndex(where: { $0 <= 0 }) {
            return (lambda, [], "lambda \(lambda) needs positive values, but point \(firstPoint + i + 1) is \(y[i])")
        }
        return (lambda, y.map { $0.isNaN ? .nan : transform($0, lambda: lambda) }, nil)
    }
    /// log y for λ = 0, (sign(y)|y|^λ − 1)/λ otherwise. NaN stays NaN.
    public static func transform(_ y: Double, lambda: Double) -> Double {
        if lambda == 0 { return log(y) }
        let s: Double = y < 0 ? -1 : 1
        return (s * pow(abs(y), lambda) - 1) / lambda
    }

    /// exp z for λ = 0, sign(λz+1)|λz+1|^(1/λ) otherwise.
    public static func inverse(_ z: Double, lambda: Double) -> Double {
        if lambda == 0 { return exp(z) }
        let x = lambda * z + 1
        let s: Double = x < 0 ? -1 : 1
        return s * pow(abs(x), 1 / lambda)
    }

    /// Guerrero's method: the λ in [lower, upper] minimising the coefficient of variation
    /// of sd_i / mean_i^(1−λ) over the series' whole seasons (subseries of `period` points,
    /// at least 2, taken from the end; missing values left out), found by Brent's
    /// minimisation as R's optimize. With a value ≤ 0, lower is raised to 0 (as
    /// BoxCox.lambda); with at most 2 seasons of data λ = 1 (as BoxCox.lambda).
    public static func guerrero(_ y: [Double], period: Int, lower: Double = -1, upper: Double = 2) -> Double {
        var lower = lower
        if y.contains(where: { $0 <= 0 }) { lower = max(lower, 0) }
        if y.count <= 2 * max(period, 1) { return 1 }
        let p = max(2, period)
        let years = y.count / p
        let start = y.count - years * p
        var means: [Double] = [], sds: [Double] = []
        for j in 0..<years {
            let block = y[(start + j * p)..<(start + (j + 1) * p)].filter { !$0.isNaN }
            guard block.count >= 2 else { means.append(.nan); sds.append(.nan); continue }
            let m = block.reduce(0, +) / Double(block.count)
            let v = block.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(block.count - 1)
            means.append(m); sds.append(v.squareRoot())
        }
        func cv(_ lambda: Double) -> Double {
            let ratio = zip(sds, means).map { $0 / pow($1, 1 - lambda) }.filter { !$0.isNaN }
            guard ratio.count >= 2 else { return .nan }
            let m = ratio.reduce(0, +) / Double(ratio.count)
            let v = ratio.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(ratio.count - 1)
            return v.squareRoot() / m
        }
        return brentMinimum(lower, upper, cv)
    }

    /// Brent's (1973) minimisation on [a, b]: golden-section steps with parabolic
    /// interpolation, tolerance tol (R's optimize uses ~1.2e-4; this one is tighter).
    static func brentMinimum(_ a0: Double, _ b0: Double, tol: Double = 1e-10, _ f: (Double) -> Double) -> Double {
        let c = (3 - 5.0.squareRoot()) / 2
        var a = a0, b = b0
        var v = a + c * (b - a), w = v, x = v
        var fx = f(x), fv = fx, fw = fx
        var d = 0.0, e = 0.0
        for _ in 0..<200 {
            let xm = (a + b) / 2
            let tol1 = 1.5e-8 * abs(x) + tol / 3, tol2 = 2 * tol1
            if abs(x - xm) <= tol2 - (b - a) / 2 { break }
            var golden = true
            if abs(e) > tol1 {
                var r = (x - w) * (fx - fv), q = (x - v) * (fx - fw), p = (x - v) * q - (x - w) * r
                q = 2 * (q - r)
                if q > 0 { p = -p } else { q = -q }
                r = e
                e = d
                if abs(p) < abs(q * r / 2) && p > q * (a - x) && p < q * (b - x) {
                    d = p / q
                    let u = x + d
                    if u - a < tol2 || b - u < tol2 { d = xm >= x ? tol1 : -tol1 }
                    golden = false
                }
            }
            if golden {
                e = (x < xm ? b : a) - x
                d = c * e
            }
            let u = abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1)
            let fu = f(u)
            if fu <= fx || fx.isNaN {
                if u < x { b = x } else { a = x }
                v = w; fv = fw; w = x; fw = fx; x = u; fx = fu
            } else {
                if u < x { a = u } else { b = u }
                if fu <= fw || w == x {
                    v = w; fv = fw; w = u; fw = fu
                } else if fu <= fv || v == x || v == w {
                    v = u; fv = fu
                }
            }
        }
        return x
    }
}
