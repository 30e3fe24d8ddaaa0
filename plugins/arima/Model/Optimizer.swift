// Thin wrapper over NLopt (Debian libnlopt): L-BFGS on a smooth objective whose gradient
// is taken by central differences. Every call owns its nlopt_opt: thread safe.
import CNLopt
import Foundation

final class ObjectiveBox {
    let f: (UnsafePointer<Double>) -> Double
    let n: Int
    var work: [Double]
    var evals = 0
    var best = Double.infinity
    var bestX: [Double]
    let step: Double
    init(n: Int, step: Double, f: @escaping (UnsafePointer<Double>) -> Double) {
        self.f = f; self.n = n; self.step = step
        work = [Double](repeating: 0, count: n)
        bestX = [Double](repeating: 0, count: n)
    }
    func value(_ x: UnsafePointer<Double>) -> Double {
        evals += 1
        let v = f(x)
        if v < best { best = v; for i in 0..<n { bestX[i] = x[i] } }
        return v
    }
}

private func nloptCallback(_ n: UInt32, _ x: UnsafePointer<Double>?, _ grad: UnsafeMutablePointer<Double>?, _ data: UnsafeMutableRawPointer?) -> Double {
    let box = Unmanaged<ObjectiveBox>.fromOpaque(data!).takeUnretainedValue()
    let x = x!
    let f0 = box.value(x)
    if let grad {
        let n = Int(n)
        box.work.withUnsafeMutableBufferPointer { w in
            for i in 0..<n { w[i] = x[i] }
            for i in 0..<n {
                let h = box.step * max(1, abs(x[i]))
                w[i] = x[i] + h
                let fp = box.value(UnsafePointer(w.baseAddress!))
                w[i] = x[i] - h
                let fm = box.value(UnsafePointer(w.baseAddress!))
                w[i] = x[i]
                var g = (fp - fm) / (2 * h)
                if !g.isFinite {
                    // one-sided fallback near the edge of the admissible region
                    if fp.isFinite && f0.isFinite { g = (fp - f0) / h }
                    else if fm.isFinite && f0.isFinite { g = (f0 - fm) / h }
                    else { g = 0 }
                }
                grad[i] = g
            }
        }
    }
    return f0
}

enum Optimizer {
    struct Result { var x: [Double]; var f: Double; var evals: Int; var status: Int32 }

    /// Minimises f from x0. Returns the best point seen (also when NLopt stops on a round-off
    /// or evaluation limit).
    static func minimize(x0: [Double], maxEval: Int = 2000, ftolRel: Double = 1e-10,
                         step: Double = 1e-5,
                         _ f: @escaping (UnsafePointer<Double>) -> Double) -> Result {
        let n = x0.count
        if n == 0 {
            let v = x0.withUnsafeBufferPointer { f($0.baseAddress ?? UnsafePointer(bitPattern: 8)!) }
            return Result(x: [], f: v, evals: 1, status: 1)
        }
        let box = ObjectiveBox(n: n, step: step, f: f)
        guard let opt = nlopt_create(NLOPT_LD_LBFGS, UInt32(n)) else {
            return Result(x: x0, f: .infinity, evals: 0, status: -1)
        }
        defer { nlopt_destroy(opt) }
        let ptr = Unmanaged.passUnretained(box).toOpaque()
        nlopt_set_min_objective(opt, nloptCallback, ptr)
        nlopt_set_ftol_rel(opt, ftolRel)
        nlopt_set_xtol_rel(opt, 1e-8)
        nlopt_set_maxeval(opt, Int32(maxEval))
        nlopt_set_vector_storage(opt, UInt32(min(n, 10)))
        var x = x0
        var fmin = 0.0
        let status = withExtendedLifetime(box) { () -> nlopt_result in
            x.withUnsafeMutableBufferPointer { nlopt_optimize(opt, $0.baseAddress, &fmin) }
        }
        if box.best < fmin || !fmin.isFinite {
            return Result(x: box.bestX, f: box.best, evals: box.evals, status: status.rawValue)
        }
        return Result(x: x, f: fmin, evals: box.evals, status: status.rawValue)
    }
}
