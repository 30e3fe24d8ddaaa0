import CNLopt
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fitted Prophet model: the MAP parameters on the scaled problem plus everything
/// needed to rebuild the design at new dates. Immutable, so safe to share between threads.
public final class ProphetFit: Sendable {
    public let growth: ProphetGrowth
    public let mode: ProphetMode
    /// Time scaling: t = (ds - start) / tScale (seconds).
    public let start: Int64
    public let tScale: Double
    /// y scaling: y_scaled = (y - yShift) / yScale; yShift is the floor (logistic) or 0.
    public let yShift: Double
    public let yScale: Double
    /// Logistic growth: cap and floor in y units.
    public let cap: Double?
    public let floor: Double?
    /// Changepoints on the t scale (a single dummy at 0 when there are none, as Prophet).
    public let changepointsT: [Double]
    public let k: Double
    public let m: Double
    public let delta: [Double]
    public let sigma: Double
    public let beta: [Double]
    public let blocks: [FeatureBlock]
    public let historyDs: [Int64]
    public let historyY: [Double]
    /// The extra regressors over the history (one column each, aligned with historyDs).
    public let historyX: [[Double]]
    public var regressorCount: Int { historyX.count }
    public let intervalWidth: Double
    public let uncertaintySamples: Int
    /// The Laplace scale of the changepoint prior (changepoint_prior_scale).
    public let priorTau: Double
    /// Optimiser diagnostics.
    public let evaluations: Int
    public let logPosterior: Double

    init(growth: ProphetGrowth, mode: ProphetMode, start: Int64, tScale: Double, yShift: Double, yScale: Double,
         cap: Double?, floor: Double?, changepointsT: [Double], k: Double, m: Double, delta: [Double],
         sigma: Double, beta: [Double], blocks: [FeatureBlock], historyDs: [Int64], historyY: [Double],
         intervalWidth: Double, uncertaintySamples: Int, priorTau: Double = 0.05, evaluations: Int, logPosterior: Double,
         historyX: [[Double]] = []) {
        self.historyX = historyX
        self.growth = growth
        self.mode = mode
        self.start = start
        self.tScale = tScale
        self.yShift = yShift
        self.yScale = yScale
        self.cap = cap
        self.floor = floor
        self.changepointsT = changepointsT
        self.k = k
        self.m = m
        self.delta = delta
        self.sigma = sigma
        self.beta = beta
        self.blocks = blocks
        self.historyDs = historyDs
        self.historyY = historyY
        self.intervalWidth = intervalWidth
        self.uncertaintySamples = uncertaintySamples
        self.priorTau = priorTau
        self.evaluations = evaluations
        self.logPosterior = logPosterior
    }

    /// Changepoint dates (seconds since the epoch).
    public var changepoints: [Int64] {
        changepointsT.count == 1 && changepointsT[0] == 0 && delta.count == 1 ? [] :
            changepointsT.map { start + Int64(($0 * tScale).rounded()) }
    }
    var capScaled: Double { ((cap ?? 1) - yShift) / yScale }
}

/// Fitting. Prophet finds the MAP with Stan's L-BFGS from fixed initial values. Here:
///  1. From the same initial values, Newton iterations in theta = (k, m, delta, beta):
///     each step minimises the local quadratic model of the data term plus the exact
///     priors (the Laplace prior as an L1 penalty) by an active-set QP solver, with
///     sigma updated in closed form; Levenberg-Marquardt damping keeps every step a
///     descent. For an additive model with a linear or flat trend the data term is
///     quadratic, so one J'J serves every step and the iterations only follow sigma.
///     J'J comes from the design's structure (NormalEquations.swift), not a dense J.
///  2. NLopt's L-BFGS (with bounds) on the full posterior from that point: it confirms
///     the optimum in a couple of evaluations, or continues where step 1 stopped short
///     (flat valleys of multiplicative models, logistic trends).
/// Both stages minimise the same function; the result is the exact MAP where Prophet's
/// optimiser stops at its tolerances.
public enum Prophet {
    /// Fits Prophet's model to one series by MAP.
    /// `ds`: seconds since 1970-01-01 UTC, increasing; `y`: NaN marks a missing value
    /// (dropped, as Prophet does, except in multiplicative mode where it is an error).
    public static func fit(ds dsIn: [Int64], y yIn: [Double], options o: ProphetOptions) throws -> ProphetFit {
        try fit(ds: dsIn, y: yIn, regressors: [], options: o)
    }

    /// With extra regressors (Prophet's add_regressor, one per column of `regressors`, each
    /// aligned with `ds`, finite where y is observed): standardised, prior scale
    /// `o.regressorPriorScale`, in the model's mode.
    public static func fit(ds dsIn: [Int64], y yIn: [Double], regressors xIn: [[Double]], options o: ProphetOptions) throws -> ProphetFit {
        try o.validate()
        guard dsIn.count == yIn.count else { throw ProphetError(.badData, "ds and y differ in length") }
        guard xIn.allSatisfy({ $0.count == yIn.count }) else { throw ProphetError(.badData, "a regressor and y differ in length") }
        var xs = [[Double]](repeating: [], count: xIn.count)
        let multiplicativeUsed = o.mode == .multiplicative || o.holidaysMode == .multiplicative
            || o.seasonalities.contains { $0.mode == .multiplicative }
        let multParam = o.mode == .multiplicative ? "mode" : (o.holidaysMode == .multiplicative ? "holidays_mode" : "seasonality")
        var ds: [Int64] = []
        var y: [Double] = []
        ds.reserveCapacity(dsIn.count)
        y.reserveCapacity(yIn.count)
        for i in 0..<yIn.count {
            let v = yIn[i]
            if v.isNaN {
                if multiplicativeUsed {
                    throw ProphetError(.badData, parameter: multParam, "is \"multiplicative\", which needs complete data, but value \(i + 1) of \(yIn.count) is missing")
                }
                continue
            }
            if !v.isFinite { throw ProphetError(.badData, "value \(i + 1) of \(yIn.count) is \(v)") }
            if multiplicativeUsed && v < 0 {
                throw ProphetError(.badData, parameter: multParam, "is \"multiplicative\", which needs non-negative values, but value \(i + 1) of \(yIn.count) is \(v)")
            }
            if let last = ds.last, dsIn[i] <= last { throw ProphetError(.badData, "dates must increase (value \(i + 1))") }
            ds.append(dsIn[i])
            y.append(v)
            for j in xIn.indices {
                guard xIn[j][i].isFinite else {
                    throw ProphetError(.badData, "regressor \(j + 1) is missing at value \(i + 1) of \(yIn.count)")
                }
                xs[j].append(xIn[j][i])
            }
        }
        let n = y.count
        guard n >= 2 else {
            throw ProphetError(.notEnoughData, "needs at least 2 non-missing values; series has \(n)")
        }
        let yMin = y.min()!, yMax = y.max()!
        // A constant series: Prophet (forecaster.py, fit) skips the optimiser ("Nothing to
        // fit"), keeps its initial values and sets sigma_obs = 1e-9, so the forecast is the
        // constant with (all but) zero-width intervals. The same below.
        let constant = yMin == yMax
        // Logistic growth: cap (and floor).
        var cap: Double? = nil
        var floorV = 0.0
        if o.growth == .logistic {
            guard let c = o.cap else {
                throw ProphetError(.invalidArgument, parameter: "cap", "is required with growth \"logistic\" (the carrying capacity)")
            }
            floorV = o.floor ?? 0
            guard c > floorV else {
                throw ProphetError(.invalidArgument, parameter: "cap", "(\(c)) must be above 'floor' (\(floorV))")
            }
            cap = c
        }
        // Scaling of y and time.
        var yShift = floorV
        var yScale: Double
        switch o.scaling {
        case .absmax:
            yScale = 0
            for v in y { yScale = Swift.max(yScale, abs(v - floorV)) }
        case .minmax:
            if o.growth == .logistic {
                yScale = c_max(y.map { abs($0 - floorV) })
            } else {
                yShift = yMin
                yScale = yMax - yMin
            }
        }
        if yScale == 0 { yScale = 1 }
        let start = ds[0]
        let tScale = Double(ds[n - 1] - start)
        let t = ds.map { Double($0 - start) / tScale }
        let ys = y.map { ($0 - yShift) / yScale }
        let capS = ((cap ?? 1) - yShift) / yScale

        // Changepoints.
        var cpDates: [Int64]
        if let given = o.changepoints {
            cpDates = given.filter { $0 > start && $0 < ds[n - 1] }.sorted()
        } else {
            cpDates = automaticChangepoints(ds: ds, n: o.nChangepoints, range: o.changepointRange)
        }
        var cps = cpDates.map { Double($0 - start) / tScale }
        if cps.isEmpty { cps = [0] }

        let blocks = makeBlocks(options: o, ds: ds) + regressorBlocks(xs, priorScale: o.regressorPriorScale, mode: o.mode)
        let rows = blocks.map { $0.rows(at: ds, regressors: xs) }
        let obj = Objective(t: t, y: ys, cps: cps, growth: o.growth, capS: capS, tau: o.changepointPriorScale,
                            blocks: blocks, blockRows: rows)

        // Prophet's initial values: the line through the first and last points (or the
        // logistic curve through them; or the mean for a flat trend), no changes, no
        // seasonality.
        var k0 = 0.0, m0 = 0.0
        switch o.growth {
        case .linear:
            k0 = (ys[n - 1] - ys[0]) / (t[n - 1] - t[0])
            m0 = ys[0] - k0 * t[0]
        case .flat:
            m0 = ys.reduce(0, +) / Double(n)
        case .logistic:
            let c0 = capS, c1 = capS
            let y0 = Swift.max(0.01 * c0, Swift.min(0.99 * c0, ys[0]))
            let y1 = Swift.max(0.01 * c1, Swift.min(0.99 * c1, ys[n - 1]))
            var r0 = c0 / y0
            let r1 = c1 / y1
            if abs(r0 - r1) <= 0.01 { r0 = 1.05 * r0 }
            let l0 = log(r0 - 1), l1 = log(r1 - 1)
            m0 = l0 * 1 / (l0 - l1)
            k0 = (l0 - l1) / 1
        }
        // Exact MAP by Gauss-Newton with L1-QP steps, from Prophet's initial values.
        let S = cps.count
        var theta0 = [Double](repeating: 0, count: 2 + S + obj.K)
        theta0[0] = k0
        theta0[1] = m0
        if constant {
            let sigma = 1e-9
            var x = [Double](repeating: 0, count: obj.nv)
            x[0] = k0 / obj.sc[0]
            x[1] = m0 / obj.sc[1]
            x[obj.iSigma] = log(sigma)
            let f = x.withUnsafeBufferPointer { obj.evaluate($0.baseAddress!, nil) }
            return ProphetFit(growth: o.growth, mode: o.mode, start: start, tScale: tScale, yShift: yShift, yScale: yScale,
                              cap: cap, floor: o.growth == .logistic ? floorV : nil, changepointsT: cps,
                              k: o.growth == .flat ? 0 : k0, m: m0, delta: [Double](repeating: 0, count: S), sigma: sigma,
                              beta: [Double](repeating: 0, count: obj.K), blocks: blocks,
                              historyDs: ds, historyY: y, intervalWidth: o.intervalWidth,
                              uncertaintySamples: o.uncertaintySamples, priorTau: o.changepointPriorScale,
                              evaluations: 0, logPosterior: -f, historyX: xs)
        }
        let (theta, sigmaHat, gnIterations) = obj.solveMAP(theta0: theta0, maxIterations: o.maxNewtonIterations)

        // Then L-BFGS (NLopt) on the full posterior from there: it certifies the optimum
        // and improves it if the Gauss-Newton iterations stopped short.
        var x = [Double](repeating: 0, count: obj.nv)
        x[0] = theta[0] / obj.sc[0]
        x[1] = theta[1] / obj.sc[1]
        for l in 0..<S {
            x[2 + l] = Swift.max(theta[2 + l], 0) / obj.sc[2 + l]
            x[2 + S + l] = Swift.max(-theta[2 + l], 0) / obj.sc[2 + l]
        }
        x[obj.iSigma] = Swift.max(log(sigmaHat), -23)
        for j in 0..<obj.K { x[obj.iBeta + j] = theta[2 + S + j] / obj.sc[obj.iBeta + j] }
        obj.fScale = exp(2 * x[obj.iSigma]) / Double(n)
        let fStart = x.withUnsafeBufferPointer { obj.evaluate($0.baseAddress!, nil) }
        var xPolished = x
        let (fScaled, status) = minimize(obj, &xPolished, maxEvaluations: o.maxEvaluations)
        if fScaled.isFinite && fScaled < fStart && xPolished.allSatisfy({ $0.isFinite }) { x = xPolished }
        let fBest = Swift.min(fStart, fScaled.isFinite ? fScaled : .infinity) / obj.fScale
        guard fBest.isFinite, x.allSatisfy({ $0.isFinite }) else {
            throw ProphetError(.numeric, "the fit did not converge (NLopt status \(status))")
        }
        let k = o.growth == .flat ? 0 : x[0] * obj.sc[0]
        let m = x[1] * obj.sc[1]
        let delta = (0..<S).map { o.growth == .flat ? 0 : (x[2 + $0] - x[2 + S + $0]) * obj.sc[2 + $0] }
        let sigma = exp(x[obj.iSigma])
        let beta = (0..<obj.K).map { x[obj.iBeta + $0] * obj.sc[obj.iBeta + $0] }
        return ProphetFit(growth: o.growth, mode: o.mode, start: start, tScale: tScale, yShift: yShift, yScale: yScale,
                          cap: cap, floor: o.growth == .logistic ? floorV : nil, changepointsT: cps,
                          k: k, m: m, delta: delta, sigma: sigma, beta: beta, blocks: blocks,
                          historyDs: ds, historyY: y, intervalWidth: o.intervalWidth,
                          uncertaintySamples: o.uncertaintySamples, priorTau: o.changepointPriorScale,
                          evaluations: gnIterations + obj.evaluations,
                          logPosterior: -fBest, historyX: xs)
    }

    private static func c_max(_ v: [Double]) -> Double { v.max() ?? 1 }

    /// L-BFGS with bounds (delta+/- >= 0, log sigma >= -23).
    static func minimize(_ obj: Objective, _ x: inout [Double], maxEvaluations: Int) -> (Double, Int32) {
        let nv = obj.nv
        guard let opt = nlopt_create(NLOPT_LD_LBFGS, UInt32(nv)) else { return (.nan, -1) }
        defer { nlopt_destroy(opt) }
        var lb = [Double](repeating: -Double.infinity, count: nv)
        for l in 0..<(2 * obj.S) { lb[2 + l] = 0 }
        lb[obj.iSigma] = -23
        nlopt_set_lower_bounds(opt, lb)
        let box = Unmanaged.passUnretained(obj).toOpaque()
        nlopt_set_min_objective(opt, { n, xp, gp, data in
            let o = Unmanaged<Objective>.fromOpaque(data!).takeUnretainedValue()
            return o.evaluate(xp!, gp)
        }, box)
        nlopt_set_ftol_rel(opt, 1e-11)
        nlopt_set_xtol_rel(opt, 1e-9)
        nlopt_set_maxeval(opt, Int32(maxEvaluations))
        nlopt_set_vector_storage(opt, 10)
        // Luksan's L-BFGS gives up (NLOPT_FAILURE / ROUNDOFF_LIMITED) when a line search
        // fails on this ill-conditioned problem; restarting from the point reached, with
        // fresh memory, continues the descent.
        var f = Double.infinity
        var status: nlopt_result = NLOPT_FAILURE
        var restarts = 0
        while true {
            let before = obj.evaluations
            var fNew = 0.0
            var xTry = x
            status = nlopt_optimize(opt, &xTry, &fNew)
            if fNew.isFinite && fNew <= f { x = xTry; f = fNew }
            let used = obj.evaluations
            if status.rawValue > 0 || restarts >= 30 || used >= maxEvaluations || used - before <= 2 { break }
            nlopt_set_maxeval(opt, Int32(maxEvaluations - used))
            restarts += 1
        }
        return (f, status.rawValue)
    }
}

extension Prophet {
    /// The log posterior (up to a constant, on Prophet's scaled problem) of given
    /// parameters for a series under these options: for comparing optima, e.g. with
    /// Prophet's own (k, m, delta, sigma_obs, beta). nil when the series cannot be fitted
    /// or the parameter counts do not match the design.
    public static func logPosterior(ds: [Int64], y: [Double], options o: ProphetOptions,
                                    k: Double, m: Double, delta: [Double], sigma: Double, beta: [Double]) -> Double? {
        guard let fit = try? Prophet.fit(ds: ds, y: y, options: o),
              delta.count == fit.delta.count, beta.count == fit.beta.count else { return nil }
        return fit.logPosteriorAt(k: k, m: m, delta: delta, sigma: sigma, beta: beta)
    }
}

extension ProphetFit {
    /// The log posterior of other parameters on this fit's (scaled) data and design.
    public func logPosteriorAt(k: Double, m: Double, delta: [Double], sigma: Double, beta: [Double]) -> Double {
        let t = historyDs.map { tOf($0) }
        let ys = historyY.map { ($0 - yShift) / yScale }
        let rows = blocks.map { $0.rows(at: historyDs, regressors: historyX) }
        let obj = Objective(t: t, y: ys, cps: changepointsT, growth: growth, capS: capScaled,
                            tau: priorTau, blocks: blocks, blockRows: rows)
        let S = delta.count
        var x = [Double](repeating: 0, count: obj.nv)
        x[0] = k / obj.sc[0]
        x[1] = m / obj.sc[1]
        for l in 0..<S {
            x[2 + l] = Swift.max(delta[l], 0) / obj.sc[2 + l]
            x[2 + S + l] = Swift.max(-delta[l], 0) / obj.sc[2 + l]
        }
        x[obj.iSigma] = log(sigma)
        for j in 0..<beta.count { x[obj.iBeta + j] = beta[j] / obj.sc[obj.iBeta + j] }
        return -x.withUnsafeBufferPointer { obj.evaluate($0.baseAddress!, nil) }
    }
}
