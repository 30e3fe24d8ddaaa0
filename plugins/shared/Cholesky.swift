/// Solves L Lᵀ x = b by forward then back substitution, in place (x holds b on entry): L is
/// the lower Cholesky factor, n x n row-major (only its lower triangle is read).
public func choleskySubstitute(_ l: UnsafeMutablePointer<Double>, _ x: UnsafeMutablePointer<Double>, _ n: Int) {
    for i in 0..<n {
        var s = x[i]
        for k in 0..<i { s -= l[i * n + k] * x[k] }
        x[i] = s / l[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = x[i]
        for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * x[k] }
        x[i] = s / l[i * n + i]
    }
}
