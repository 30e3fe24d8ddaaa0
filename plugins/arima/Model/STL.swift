// Seasonal-trend decomposition by loess (Cleveland, Cleveland, McRae & Terpenning 1990),
// non-robust, as R's mstl() applies it for a single seasonal period (s.window = 11,
// two passes). Loess is evaluated at every point (no jump interpolation).
import Foundation

enum Decompose {
    static func nextOdd(_ x: Int) -> Int { x % 2 == 0 ? x + 1 : x }

    /// Loess estimate at abscissa x0 (1-based positions) of y[0..<n] with span q and
    /// degree 0 or 1, tricube weights.
    static func loessAt(_ y: UnsafeBufferPointer<Double>, _ x0: Double, q: Int, degree: Int) -> Double {
        let n = y.count
        var left: Int, right: Int
        if q >= n { left = 1; right = n } else {
            left = Int((x0 - Double(q - 1) / 2).rounded(.down))
            left = max(1, min(n - q + 1, left))
            right = left + q - 1
            // shift the window towards x0 if the other end is closer
            while right < n && (x0 - Double(left)) > (Double(right + 1) - x0) { left += 1; right += 1 }
            while left > 1 && (Double(right) - x0) > (x0 - Double(left - 1)) { left -= 1; right -= 1 }
        }
        var h = max(x0 - Double(left), Double(right) - x0)
        if q > n { h += Double((q - n) / 2) }
        let h9 = 0.999 * h, h1 = 0.001 * h
        var sw = 0.0, swx = 0.0, swy = 0.0
        var ws = [Double](repeating: 0, count: right - left + 1)
        for j in left...right {
            let d = abs(Double(j) - x0)
            var w = 0.0
            if d <= h9 {
                if d <= h1 { w = 1 } else { let r = d / h; let t = 1 - r * r * r; w = t * t * t }
            }
            ws[j - left] = w
            sw += w; swx += w * Double(j); swy += w * y[j - 1]
        }
        guard sw > 0 else { return y[min(max(Int(x0.rounded()), 1), n) - 1] }
        let xm = swx / sw
        let ym = swy / sw
        if degree == 0 { return ym }
        var sxx = 0.0, sxy = 0.0
        for j in left...right {
            let w = ws[j - left]
            let dx = Double(j) - xm
            sxx += w * dx * dx
            sxy += w * dx * (y[j - 1] - ym)
        }
        let range = Double(n - 1)
        if sxx.squareRoot() > 0.001 * range {
            return ym + sxy / sxx * (x0 - xm)
        }
        return ym
    }

    static func loess(_ y: [Double], q: Int, degree: Int) -> [Double] {
        y.withUnsafeBufferPointer { yb in (1...max(y.count, 1)).map { loessAt(yb, Double($0), q: q, degree: degree) } }
    }

    static func movingAverage(_ x: [Double], _ len: Int) -> [Double] {
        let n = x.count - len + 1
        guard n > 0 else { return [] }
        var out = [Double](repeating: 0, count: n)
        var s = x[0..<len].reduce(0, +)
        out[0] = s / Double(len)
        if n > 1 { for i in 1..<n { s += x[i + len - 1] - x[i - 1]; out[i] = s / Double(len) } }
        return out
    }

    /// One STL fit (inner loop twice, no robustness iterations). Returns (trend, seasonal).
    static func stlOnce(_ x: [Double], period np: Int, sWindow ns: Int) -> ([Double], [Double]) {
        let n = x.count
        let nl = nextOdd(np)
        let nt = nextOdd(Int((1.5 * Double(np) / (1 - 1.5 / Double(ns))).rounded(.up)))
        var trend = [Double](repeating: 0, count: n)
        var seasonal = [Double](repeating: 0, count: n)
        for _ in 0..<2 {
            let detr = (0..<n).map { x[$0] - trend[$0] }
            // cycle-subseries smoothing with one extra point at each end
            var C = [Double](repeating: 0, count: n + 2 * np)
            for k in 0..<np {
                var sub: [Double] = []
                var i = k
                while i < n { sub.append(detr[i]); i += np }
                let m = sub.count
                if m == 0 { continue }
                sub.withUnsafeBufferPointer { sb in
                    for j in 0...(m + 1) {
                        let v = loessAt(sb, Double(j), q: ns, degree: 0)
                        C[j * np + k] = v
                    }
                }
            }
            // low-pass filter of C
            let l1 = movingAverage(C, np)
            let l2 = movingAverage(l1, np)
            let l3 = movingAverage(l2, 3)
            let L = loess(l3, q: nl, degree: 1)
            for i in 0..<n { seasonal[i] = C[np + i] - L[i] }
            let deseas = (0..<n).map { x[$0] - seasonal[$0] }
            trend = loess(deseas, q: nt, degree: 1)
        }
        return (trend, seasonal)
    }

    /// mstl-style decomposition for one period: two passes of STL with s.window 11.
    /// Returns (trend, seasonal, remainder).
    static func stl(_ x: [Double], period m: Int) -> ([Double], [Double], [Double]) {
        let n = x.count
        var seas = [Double](repeating: 0, count: n)
        var deseas = x
        var trend = [Double](repeating: 0, count: n)
        for _ in 0..<2 {
            for i in 0..<n { deseas[i] += seas[i] }
            let (t, s) = stlOnce(deseas, period: m, sWindow: 11)
            seas = s
            trend = t
            for i in 0..<n { deseas[i] -= seas[i] }
        }
        let rem = (0..<n).map { deseas[$0] - trend[$0] }
        return (trend, seas, rem)
    }
}
