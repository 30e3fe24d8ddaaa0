/// J'J and J'r of the model's Jacobian, from its structure rather than a dense J:
/// - trend columns q_i (t_i - mu0), q_i kappa, q_i (t_i - c_l)_+ (q: d yhat / d trend, times
///   the logistic slope for logistic growth): suffix sums of q^2 t^0..2 at the changepoints,
///   O(n + S^2);
/// - trend x seasonal: suffix sums of q v x and q v x t, O(n K + S K);
/// - seasonal x seasonal: per distinct row of each block (a monthly yearly block has at most
///   48), O(n + U w^2), and between blocks grouped by the block with fewer distinct rows.
/// (v_i is the trend T_i for a multiplicative block, 1 for an additive one.)
extension Objective {
    /// With `newton`, G becomes the exact Hessian of rss/2 for a linear or flat trend:
    /// J'J minus the cross term sum_i r_i d2 yhat_i / (d trend param d beta_j) of the
    /// multiplicative columns (yhat is bilinear in the trend and those coefficients).
    func structuredNormalEquations(_ G: UnsafeMutablePointer<Double>, _ jr: UnsafeMutablePointer<Double>,
                                   _ r: UnsafeMutablePointer<Double>, newton: Bool = false) -> Double {
        forward()
        let p = 2 + S + K
        G.update(repeating: 0, count: p * p)
        jr.update(repeating: 0, count: p)
        var rss = 0.0
        for i in 0..<n {
            let res = yp[i] - (Tp[i] * (1 + Mp[i]) + Ap[i])
            r[i] = res
            rss += res * res
        }
        @inline(__always) func put(_ a: Int, _ c: Int, _ v: Double) { G[a * p + c] = v; G[c * p + a] = v }
        let k = th[0], m = th[1]
        let mu0 = growth == .logistic ? m : 0.0
        let kappa = growth == .logistic ? -k : 1.0
        let hasSlope = growth != .flat
        let q = gTp
        for i in 0..<n {
            let F = 1 + Mp[i]
            if growth == .logistic { let T = Tp[i]; q[i] = F * T * (1 - T / capS) } else { q[i] = F }
        }
        // Seasonal row weights per block: T (multiplicative) or 1.
        let nb = blockRows.count
        let mult = blocks.map { $0.mode == .multiplicative }

        // (1) trend x trend, trend part of J'r, and (2) trend x seasonal, walking back in time.
        var b0 = [Double](repeating: 0, count: S), b1 = b0, b2 = b0, r0 = b0, r1 = b0
        var e0 = [Double](repeating: 0, count: S * K), e1 = e0
        var acc0 = [Double](repeating: 0, count: K), acc1 = acc0
        let cross = newton && growth != .logistic && anyMultiplicative
        var c0 = cross ? [Double](repeating: 0, count: S * K) : [], c1 = c0
        var accR0 = [Double](repeating: 0, count: cross ? K : 0), accR1 = accR0
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, t0 = 0.0, t1 = 0.0
        var i = n - 1
        func take(_ i: Int) {
            let qi = q[i], ti = tp[i], w = qi * qi
            s0 += w; s1 += w * ti; s2 += w * ti * ti
            t0 += qi * r[i]; t1 += qi * r[i] * ti
            for bi in 0..<nb {
                let wdt = blockRows[bi].width
                let u = Int(blockIdxPtr[bi][i])
                if !blockHasData(bi, u) { continue }
                let row = blockRowPtr[bi] + u * wdt
                let f = qi * (mult[bi] ? Tp[i] : 1)
                let off = blockOffset[bi]
                for j in 0..<wdt { let e = f * row[j]; acc0[off + j] += e; acc1[off + j] += e * ti }
                if cross && mult[bi] {
                    let ri = r[i]
                    for j in 0..<wdt { let e = ri * row[j]; accR0[off + j] += e; accR1[off + j] += e * ti }
                }
            }
        }
        for l in stride(from: S - 1, through: 0, by: -1) {
            while i >= 0 && tp[i] > cp[l] { take(i); i -= 1 }
            b0[l] = s0; b1[l] = s1; b2[l] = s2; r0[l] = t0; r1[l] = t1
            for j in 0..<K { e0[l * K + j] = acc0[j]; e1[l * K + j] = acc1[j] }
            if cross { for j in 0..<K { c0[l * K + j] = accR0[j]; c1[l * K + j] = accR1[j] } }
        }
        while i >= 0 { take(i); i -= 1 }
        let base = 2 + S
        if hasSlope {
            put(0, 0, s2 - 2 * mu0 * s1 + mu0 * mu0 * s0)
            put(0, 1, kappa * (s1 - mu0 * s0))
            jr[0] = t1 - mu0 * t0
            for l in 0..<S {
                let c = cp[l]
                put(0, 2 + l, b2[l] - (mu0 + c) * b1[l] + mu0 * c * b0[l])
                put(1, 2 + l, kappa * (b1[l] - c * b0[l]))
                jr[2 + l] = r1[l] - c * r0[l]
                for a in 0...l {
                    let ca = cp[a]
                    put(2 + a, 2 + l, b2[l] - (ca + c) * b1[l] + ca * c * b0[l])
                }
                for j in 0..<K { put(2 + l, base + j, e1[l * K + j] - c * e0[l * K + j]) }
            }
            for j in 0..<K { put(0, base + j, acc1[j] - mu0 * acc0[j]) }
        }
        put(1, 1, kappa * kappa * s0)
        jr[1] = kappa * t0
        for j in 0..<K { put(1, base + j, kappa * acc0[j]) }
        if cross {
            // d2 yhat / d(k, m, delta_l) d beta_j = (t, 1, (t - c_l)+) x_j for multiplicative j.
            for j in 0..<K {
                if hasSlope { put(0, base + j, G[base + j] - accR1[j]) }
                put(1, base + j, G[p + base + j] - accR0[j])
                if hasSlope {
                    for l in 0..<S {
                        let v = G[(2 + l) * p + base + j] - (c1[l * K + j] - cp[l] * c0[l * K + j])
                        put(2 + l, base + j, v)
                    }
                }
            }
        }

        // (3) seasonal x seasonal and the seasonal part of J'r.
        for bi in 0..<nb {
            let rows = blockRows[bi]
            let w = rows.width, cnt = rows.count
            var omega = [Double](repeating: 0, count: cnt), rho = omega
            let idx = blockIdxPtr[bi]
            for i in 0..<n {
                let v = mult[bi] ? Tp[i] : 1
                let u = Int(idx[i])
                omega[u] += v * v
                rho[u] += v * r[i]
            }
            let off = base + blockOffset[bi]
            let rp = blockRowPtr[bi]
            for u in 0..<cnt where omega[u] != 0 && blockHasData(bi, u) {
                let row = rp + u * w
                let om = omega[u], rh = rho[u]
                for a in 0..<w {
                    let xa = row[a]
                    if xa == 0 { continue }
                    jr[off + a] += rh * xa
                    let g = G + (off + a) * p + off
                    let oa = om * xa
                    for c in a..<w { g[c] += oa * row[c] }
                }
            }
            for a in 0..<w { for c in a..<w { G[(off + c) * p + off + a] = G[(off + a) * p + off + c] } }
        }
        for b1i in 0..<nb {
            for b2i in (b1i + 1)..<max(b1i + 1, nb) {
                // Group by the block with fewer distinct rows.
                let (gb, ob) = blockRows[b1i].count <= blockRows[b2i].count ? (b1i, b2i) : (b2i, b1i)
                let wg = blockRows[gb].width, wo = blockRows[ob].width, ug = blockRows[gb].count
                var acc = [Double](repeating: 0, count: ug * wo)
                let ig = blockIdxPtr[gb], io = blockIdxPtr[ob]
                let rpo = blockRowPtr[ob], rpg = blockRowPtr[gb]
                for i in 0..<n {
                    let uo = Int(io[i]), ugi = Int(ig[i])
                    if !blockHasData(ob, uo) || !blockHasData(gb, ugi) { continue }
                    let v = (mult[gb] ? Tp[i] : 1) * (mult[ob] ? Tp[i] : 1)
                    let src = rpo + uo * wo
                    let dst = ugi * wo
                    for c in 0..<wo { acc[dst + c] += v * src[c] }
                }
                let offG = base + blockOffset[gb], offO = base + blockOffset[ob]
                for u in 0..<ug {
                    let row = rpg + u * wg
                    for a in 0..<wg {
                        let xa = row[a]
                        if xa == 0 { continue }
                        for c in 0..<wo { G[(offG + a) * p + offO + c] += xa * acc[u * wo + c] }
                    }
                }
                for a in 0..<wg { for c in 0..<wo { G[(offO + c) * p + offG + a] = G[(offG + a) * p + offO + c] } }
            }
        }
        return rss
    }

    /// False for the all-zero row of a holiday block (no holiday that day).
    @inline(__always) func blockHasData(_ bi: Int, _ u: Int) -> Bool {
        !(u == 0 && blockIsHoliday[bi])
    }
}
