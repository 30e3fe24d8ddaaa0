// In-sample multi-step forecast errors of a fitted model: from every origin t the model
// (with its estimated coefficients) forecasts 1..h steps ahead; the root mean squared
// errors per horizon measure how well the model's own multi-step forecasts did on the
// training data, to be compared with its theoretical forecast standard errors.
import Foundation

extension ArimaFit {
    /// RMSE of the in-sample j-step forecasts, j = 1...h (nil entries where there are
    /// fewer than `minCount` origins). Origins start after `warmup` differenced points.
    func insampleRMSE(h: Int, warmup: Int, minCount: Int = 8) -> [Double?] {
        let pol = polys
        let r = pol.r
        let delta = Poly.differencing(d: spec.d, D: spec.effD, m: spec.period)
        let dl = delta.count
        let n = y.count
        let z = (0..<n).map { filled[$0] - regression($0) }   // missing values: their one-step predictions
        let u = Poly.applyDifference((0..<n).map { y[$0] - regression($0) }, delta)
        let nu = u.count
        guard nu > warmup + 1, let P0 = StateSpace.initialCovariance(pol) else { return [Double?](repeating: nil, count: h) }
        var states = [Double](repeating: 0, count: nu * r)
        _ = u.withUnsafeBufferPointer { ub in
            states.withUnsafeMutableBufferPointer { sb in
                StateSpace.filter(pol, data: ub.baseAddress!, n: nu, nc: 1, P0: P0, states: sb.baseAddress!)
            }
        }
        var phi = [Double](repeating: 0, count: r)
        for k in 0..<pol.phi.count { phi[k] = pol.phi[k] }
        var sse = [Double](repeating: 0, count: h)
        var cnt = [Int](repeating: 0, count: h)
        var a = [Double](repeating: 0, count: r + 1)
        var zf = [Double](repeating: 0, count: h)
        for t in warmup..<(nu - 1) {
            // origin: u_0..u_t observed (z up to index t + dl); states[t] = a_{t+1|t}
            for i in 0..<r { a[i] = states[t * r + i] }
            a[r] = 0
            let hh = min(h, nu - 1 - t)
            for j in 0..<hh {
                let uf = a[0]
                let a0 = a[0]
                for i in 0..<r { a[i] = a[i + 1] + phi[i] * a0 }
                // z index of this forecast
                let zi = t + dl + 1 + j
                var v = uf
                for k in 0..<dl {
                    let idx = zi - k - 1
                    let prev = idx > t + dl ? zf[idx - (t + dl + 1)] : z[idx]
                    v -= delta[k] * prev
                }
                zf[j] = v
                if y[zi].isNaN { continue }
                let e = z[zi] - v
                sse[j] += e * e
                cnt[j] += 1
            }
        }
        return (0..<h).map { cnt[$0] >= minCount ? (sse[$0] / Double(cnt[$0])).squareRoot() : nil }
    }
}
