// Lag polynomials: parameter transforms, multiplicative expansion, root checks, psi weights.
import Foundation

enum Poly {
    /// Maps unconstrained reals to the coefficients of a stationary AR polynomial
    /// 1 - a1 z - ... - ap z^p: tanh gives partial autocorrelations in (-1, 1), the
    /// Durbin-Levinson recursion turns them into AR coefficients (Jones 1980, Monahan 1984).
    @inline(__always)
    static func pacfToAR(_ x: UnsafePointer<Double>, _ p: Int, _ out: UnsafeMutablePointer<Double>) {
        if p == 0 { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: p) { work in
            for j in 0..<p { out[j] = tanh(x[j]) }
            for j in 1..<max(p, 1) {
                let a = out[j]
                for k in 0..<j { work[k] = out[k] - a * out[j - k - 1] }
                for k in 0..<j { out[k] = work[k] }
            }
        }
    }

    /// Inverse of `pacfToAR` (step-down recursion then atanh). Partial autocorrelations are
    /// clipped to +-0.99 so that a non-stationary start still maps to a finite point.
    static func arToPacf(_ a: [Double]) -> [Double] {
        let p = a.count
        if p == 0 { return [] }
        var cur = a
        var pacf = [Double](repeating: 0, count: p)
        var j = p - 1
        while j >= 0 {
            var k = cur[j]
            if !k.isFinite { k = 0 }
            k = max(-0.99, min(0.99, k))
            pacf[j] = k
            if j > 0 {
                let den = 1 - k * k
                var prev = [Double](repeating: 0, count: j)
                for i in 0..<j { prev[i] = (cur[i] + k * cur[j - 1 - i]) / den }
                cur = prev
            }
            j -= 1
        }
        return pacf.map { atanh($0) }
    }

    /// True when every root of 1 - a1 z - ... - ap z^p has modulus greater than `radius`
    /// (Schur-Cohn test by the step-down recursion on the rescaled polynomial).
    static func arRootsOutside(_ a: [Double], radius: Double = 1.0) -> Bool {
        a.withUnsafeBufferPointer { rootsOutside($0.baseAddress, count: a.count, sign: 1, radius: radius) }
    }

    /// True when every root of 1 + t1 z + ... + tq z^q has modulus greater than `radius`.
    static func maRootsOutside(_ t: [Double], radius: Double = 1.0) -> Bool {
        t.withUnsafeBufferPointer { rootsOutside($0.baseAddress, count: t.count, sign: -1, radius: radius) }
    }

    /// `arRootsOutside` of sign * a[0..<count] (sign -1: `maRootsOutside`), without
    /// allocating on the heap.
    static func rootsOutside(_ a: UnsafePointer<Double>?, count: Int, sign: Double, radius: Double) -> Bool {
        var p = count
        while p > 0 && a![p - 1] == 0 { p -= 1 }
        if p == 0 { return true }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * p) { buf in
            var cur = buf.baseAddress!, prev = buf.baseAddress! + p
            var s = 1.0
            for i in 0..<p { s *= radius; cur[i] = sign * a![i] * s }
            var j = p - 1
            while j >= 0 {
                let k = cur[j]
                if !(abs(k) < 1) { return false }
                if j > 0 {
                    let den = 1 - k * k
                    for i in 0..<j { prev[i] = (cur[i] + k * cur[j - 1 - i]) / den }
                    swap(&cur, &prev)
                }
                j -= 1
            }
            return true
        }
    }

    /// Full AR coefficients of (1 - sum phi_i z^i)(1 - sum Phi_j z^{m j}) written as 1 - sum c_k z^k.
    static func expandAR(_ phi: [Double], _ sphi: [Double], _ m: Int) -> [Double] {
        phi.withUnsafeBufferPointer { a in sphi.withUnsafeBufferPointer { sa in
            expandAR(a.baseAddress, phi.count, sa.baseAddress, sphi.count, m)
        } }
    }

    static func expandAR(_ phi: UnsafePointer<Double>?, _ p: Int, _ sphi: UnsafePointer<Double>?, _ P: Int, _ m: Int) -> [Double] {
        let n = p + P * m
        var c = [Double](repeating: 0, count: n)
        for i in 0..<p { c[i] += phi![i] }
        for j in 0..<P {
            c[(j + 1) * m - 1] += sphi![j]
            for i in 0..<p { c[(j + 1) * m + i] -= phi![i] * sphi![j] }
        }
        return c
    }

    static func expandMA(_ theta: UnsafePointer<Double>?, _ q: Int, _ stheta: UnsafePointer<Double>?, _ Q: Int, _ m: Int) -> [Double] {
        let n = q + Q * m
        var c = [Double](repeating: 0, count: n)
        for i in 0..<q { c[i] += theta![i] }
        for j in 0..<Q {
            c[(j + 1) * m - 1] += stheta![j]
            for i in 0..<q { c[(j + 1) * m + i] += theta![i] * stheta![j] }
        }
        return c
    }

    /// Full MA coefficients of (1 + sum theta_i z^i)(1 + sum Theta_j z^{m j}) written as 1 + sum c_k z^k.
    static func expandMA(_ theta: [Double], _ stheta: [Double], _ m: Int) -> [Double] {
        let n = theta.count + stheta.count * m
        var c = [Double](repeating: 0, count: n)
        for i in 0..<theta.count { c[i] += theta[i] }
        for j in 0..<stheta.count {
            c[(j + 1) * m - 1] += stheta[j]
            for i in 0..<theta.count { c[(j + 1) * m + i] += theta[i] * stheta[j] }
        }
        return c
    }

    /// Coefficients delta of the differencing polynomial (1-B)^d (1-B^m)^D = 1 + sum delta_k B^k.
    static func differencing(d: Int, D: Int, m: Int) -> [Double] {
        var poly: [Double] = [1]
        func mul(_ other: [Double]) {
            var r = [Double](repeating: 0, count: poly.count + other.count - 1)
            for i in 0..<poly.count { for j in 0..<other.count { r[i + j] += poly[i] * other[j] } }
            poly = r
        }
        for _ in 0..<d { mul([1, -1]) }
        if D > 0 {
            var s = [Double](repeating: 0, count: m + 1); s[0] = 1; s[m] = -1
            for _ in 0..<D { mul(s) }
        }
        return Array(poly.dropFirst())
    }

    /// Applies the differencing polynomial: w_t = y_t + sum delta_k y_{t-k}, t = len(delta)..n-1.
    static func applyDifference(_ y: [Double], _ delta: [Double]) -> [Double] {
        let k = delta.count
        if k == 0 { return y }
        if y.count <= k { return [] }
        var w = [Double](repeating: 0, count: y.count - k)
        for t in k..<y.count {
            var s = y[t]
            for j in 0..<k where delta[j] != 0 { s += delta[j] * y[t - j - 1] }
            w[t - k] = s
        }
        return w
    }

    /// Psi weights of phi(B) psi(B) = theta(B), psi_0 = 1, for the AR polynomial 1 - sum a z
    /// and MA polynomial 1 + sum t z.
    static func psiWeights(ar: [Double], ma: [Double], count: Int) -> [Double] {
        var psi = [Double](repeating: 0, count: max(count, 1))
        psi[0] = 1
        if count <= 1 { return psi }
        for j in 1..<count {
            var s = j <= ma.count ? ma[j - 1] : 0
            let kmax = min(j, ar.count)
            if kmax > 0 { for k in 1...kmax { s += ar[k - 1] * psi[j - k] } }
            psi[j] = s
        }
        return psi
    }
}
