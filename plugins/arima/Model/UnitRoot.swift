// Differencing decisions for the automatic search: the KPSS level-stationarity test
// (Kwiatkowski et al. 1992) applied repeatedly for d, and the seasonal-strength
// heuristic (Wang, Smith & Hyndman 2006; Hyndman & Athanasopoulos, FPP) for D.
import Foundation

enum UnitRoot {
    static func isConstant(_ x: [Double]) -> Bool {
        guard let f = x.first else { return true }
        let scale = max(abs(f), 1e-300)
        return x.allSatisfy { abs($0 - f) <= 1e-12 * scale }
    }

    /// KPSS statistic for level stationarity with a Bartlett-window long-run variance,
    /// lag truncation trunc(3 sqrt(n) / 13) (as forecast::ndiffs uses).
    static func kpssStatistic(_ x: [Double]) -> Double {
        let n = x.count
        let mean = x.reduce(0, +) / Double(n)
        let e = x.map { $0 - mean }
        var s = 0.0, eta = 0.0
        for v in e { s += v; eta += s * s }
        eta /= Double(n) * Double(n)
        var lrv = e.reduce(0) { $0 + $1 * $1 } / Double(n)
        let l = Int(3 * Double(n).squareRoot() / 13)
        if l > 0 {
            for k in 1...l {
                var c = 0.0
                for t in k..<n { c += e[t] * e[t - k] }
                lrv += 2 * (1 - Double(k) / Double(l + 1)) * c / Double(n)
            }
        }
        return lrv > 0 ? eta / lrv : 0
    }

    /// Number of first differences by repeated KPSS tests at the 5% level (critical value 0.463).
    static func ndiffs(_ x: [Double], maxD: Int, critical: Double = 0.463) -> Int {
        var x = x
        var d = 0
        if isConstant(x) { return 0 }
        while d < maxD {
            if x.count < 3 { break }
            if kpssStatistic(x) <= critical { break }
            d += 1
            x = zip(x.dropFirst(), x).map { $0 - $1 }
            if isConstant(x) { break }
        }
        return d
    }

    static func variance(_ x: [Double]) -> Double {
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let m = x.reduce(0, +) / n
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
    }

    /// Seasonal strength max(0, min(1, 1 - var(R) / var(S + R))) from an STL decomposition.
    static func seasonalStrength(_ x: [Double], period m: Int) -> Double {
        let (_, seas, rem) = Decompose.stl(x, period: m)
        let vr = variance(rem)
        let vsr = variance(zip(seas, rem).map { $0 + $1 })
        guard vsr > 0 else { return 0 }
        return max(0, min(1, 1 - vr / vsr))
    }

    /// Seasonal differences: 1 when the seasonal strength exceeds 0.64, up to maxD.
    static func nsdiffs(_ x: [Double], period m: Int, maxD: Int) -> Int {
        guard m > 1, maxD > 0, x.count > 2 * m, !isConstant(x) else { return 0 }
        var D = 0
        var x = x
        while D < maxD {
            if x.count <= 2 * m || isConstant(x) { break }
            if seasonalStrength(x, period: m) <= 0.64 { break }
            D += 1
            x = (m..<x.count).map { x[$0] - x[$0 - m] }
        }
        return D
    }
}
