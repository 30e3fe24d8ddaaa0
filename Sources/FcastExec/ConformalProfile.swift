import FcastCore

/// `profile` scores (the default of conformal intervals): each series' own CV errors, and
/// where one step's errors are too few for a level's rank, the series' errors of every step
/// and window instead, each divided by the model's error profile at its step.
///
/// With 4 windows a series has 4 errors per step: enough for the 80% rank (the largest of 4,
/// ceil(5 x 0.8) = 4) but not for 95% (ceil(5 x 0.95) = 5). Pooling neighbouring steps
/// (`series`) mixes early steps' small errors into late steps' pools, and pooling over series
/// (`pooled`) lets series whose errors are large for their scale set everyone's width. Here
/// the series keeps its own level and borrows only the shape of error growth over the
/// horizon: g(t), the model's mean absolute error at step t divided by each window's
/// in-sample seasonal naive MAE, over all series and windows. The scores |e(w, t)| / g(t) of
/// all steps and windows (4 x h) are one pool; the radius at step t is its
/// ceil((n + 1) L)-th smallest times g(t). This is normalized (locally weighted) split
/// conformal with g as the difficulty estimate (Papadopoulos et al. 2008; Lei et al. 2018,
/// section 5.2), within one series. Measured on the hold-outs of visnights and employment
/// in docs/cv.md.
extension Conformal {
    /// The model's error profile over the horizon: per step, the mean of |error| / in-sample
    /// scale over every series and window that ran; nil when a step has no such error or a
    /// zero or non-finite mean.
    static func stepProfile(_ cv: CVResult, model mc: Int, horizon h: Int, season: Int) -> [Double]? {
        var sums = [Double](repeating: 0, count: h), counts = [Int](repeating: 0, count: h)
        forEachScaledError(cv, model: mc, horizon: h, season: season) { t, _, e in sums[t] += e; counts[t] += 1 }
        let g = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
        return g.allSatisfy({ $0.isFinite && $0 > 0 }) ? g : nil
    }

    /// `recent` scores' factor per window: D(newest) / D(w), D(w) the model's mean of |error| /
    /// in-sample scale over every series and step of window w (the newest window: the
    /// smallest cutoff). nil when a window has no such error or a zero or non-finite mean.
    ///
    /// Why: error levels drift between windows, and the hold-out is more like the newest
    /// window than like their average. On employment the window after the 2009 trough has
    /// errors 1.2-2.5x the others' and, as the largest of 4, sets every series' 80% radius
    /// (coverage 0.88-0.93 where 0.80 is asked); on visnights the newest window and the
    /// hold-out are both 20-40% harder than the older windows (coverage 0.66-0.71). Dividing
    /// each window's errors by its level makes the scores comparable across windows (normalized
    /// conformal with the window's level as the difficulty, Lei et al. 2018, section 5.2), and
    /// the newest window's level is the forecast of the next one's (docs/cv.md).
    static func windowFactors(_ cv: CVResult, model mc: Int, horizon h: Int, season: Int) -> [Double]? {
        let n = cv.windowCount
        var sums = [Double](repeating: 0, count: n), counts = [Int](repeating: 0, count: n)
        forEachScaledError(cv, model: mc, horizon: h, season: season) { _, w, e in sums[w] += e; counts[w] += 1 }
        let levels = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
        guard levels.allSatisfy({ $0.isFinite && $0 > 0 }),
              let newest = (0..<n).min(by: { cv.run.plan.windows[$0].cutoff < cv.run.plan.windows[$1].cutoff }) else { return nil }
        return levels.map { levels[newest] / $0 }
    }

    /// The radius at step `t` from one series' own scores per step: step t's own when they
    /// give the level's rank; else the profile pool (every step's scores divided by its
    /// profile value, the quantile times `profile[t]`); without a profile, neighbouring steps
    /// pooled as `radius` does. Also whether the profile pool was used and the steps pooled.
    public static func profileRadius(own: [[Double]], profile: [Double]?, step t: Int, level: Double)
        -> (radius: Double, profiled: Bool, steps: Int) {
        if !own[t].isEmpty && rank(count: own[t].count, level: level) <= own[t].count {
            let sorted = own[t].sorted()
            return (sorted[rank(count: sorted.count, level: level) - 1], false, 1)
        }
        guard let profile else {
            let (r, steps) = radius(scores: own, step: t, level: level)
            return (r, false, steps)
        }
        var pool: [Double] = []
        for (u, scores) in own.enumerated() { pool += scores.map { $0 / profile[u] } }
        guard !pool.isEmpty else { return (.nan, true, own.count) }
        pool.sort()
        let k = min(rank(count: pool.count, level: level), pool.count)
        return (pool[k - 1] * profile[t], true, own.count)
    }

    /// Radii per level ([level][step]) for `profile` scores, a higher level's never below a
    /// lower one's (the 95% interval holds the 80% one).
    static func profileRadii(own: [[Double]], profile: [Double]?, levels: [Double], report: inout Report) -> [[Double]] {
        let h = own.count
        var used = false
        var radii = levels.map { level in
            (0..<h).map { t -> Double in
                let r = profileRadius(own: own, profile: profile, step: t, level: level)
                if r.profiled { used = true } else { report.maxPooledSteps = max(report.maxPooledSteps, r.steps) }
                return r.radius
            }
        }
        if used { report.profiled += 1 }
        let order = levels.indices.sorted { levels[$0] < levels[$1] }
        for (lower, higher) in zip(order, order.dropFirst()) {
            for t in 0..<h where radii[higher][t] < radii[lower][t] { radii[higher][t] = radii[lower][t] }
        }
        return radii
    }
}
