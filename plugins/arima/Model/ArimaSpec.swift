// Model specification and its R-style description.

/// An ARIMA(p,d,q)(P,D,Q)[period] model with an optional mean (d + D == 0) or drift
/// (a linear trend in the undifferenced series; meaningful when d + D <= 1).
public struct ArimaSpec: Sendable, Equatable, Hashable {
    public var p: Int, d: Int, q: Int
    public var P: Int, D: Int, Q: Int
    public var period: Int
    public var includeMean: Bool
    public var includeDrift: Bool

    public init(p: Int, d: Int, q: Int, P: Int = 0, D: Int = 0, Q: Int = 0, period: Int = 1,
                includeMean: Bool = true, includeDrift: Bool = false) {
        self.p = p; self.d = d; self.q = q
        self.P = P; self.D = D; self.Q = Q
        self.period = period
        self.includeMean = includeMean
        self.includeDrift = includeDrift
    }

    public init(order: [Int], seasonal: [Int] = [0, 0, 0], period: Int = 1,
                includeMean: Bool = true, includeDrift: Bool = false) throws(ArimaError) {
        guard order.count == 3 else { throw .invalid("order must have 3 elements [p, d, q], got \(order.count)") }
        guard seasonal.count == 3 else { throw .invalid("seasonal must have 3 elements [P, D, Q], got \(seasonal.count)") }
        self.init(p: order[0], d: order[1], q: order[2], P: seasonal[0], D: seasonal[1], Q: seasonal[2],
                  period: period, includeMean: includeMean, includeDrift: includeDrift)
    }

    /// R's `include.constant`: a mean when d + D == 0, a drift when d + D == 1, nothing otherwise.
    public init(order: [Int], seasonal: [Int] = [0, 0, 0], period: Int = 1, constant: Bool) throws(ArimaError) {
        try self.init(order: order, seasonal: seasonal, period: period, includeMean: constant, includeDrift: false)
        let dd = d + effD
        includeMean = constant && dd == 0
        includeDrift = constant && dd == 1
    }

    var isSeasonal: Bool { period > 1 && (P + D + Q) > 0 }
    /// Whether the fitted model actually carries an intercept / a drift column.
    var hasMean: Bool { includeMean && d + effD == 0 }
    var hasDrift: Bool { includeDrift && d + effD <= 1 }
    var effD: Int { period > 1 ? D : 0 }
    var effP: Int { period > 1 ? P : 0 }
    var effQ: Int { period > 1 ? Q : 0 }

    func validate() throws(ArimaError) {
        for (name, v) in [("p", p), ("d", d), ("q", q), ("P", P), ("D", D), ("Q", Q)] where v < 0 {
            throw .invalid("order '\(name)' must be >= 0, got \(v)")
        }
        if period < 1 { throw .invalid("season must be >= 1, got \(period)") }
        if period == 1 && (P + D + Q) > 0 {
            throw .invalid("season must be >= 2 when seasonal orders [P, D, Q] = [\(P), \(D), \(Q)] are given")
        }
        if d > 3 { throw .invalid("order 'd' must be <= 3, got \(d)") }
        if D > 2 { throw .invalid("seasonal order 'D' must be <= 2, got \(D)") }
        if p > 50 || q > 50 || P > 10 || Q > 10 { throw .invalid("orders too large: p, q must be <= 50 and P, Q <= 10") }
        if period > 400 { throw .invalid("season must be <= 400, got \(period)") }
    }

    /// "ARIMA(2,1,1)(0,1,1)[12] with drift", as R's forecast package writes it.
    public var description: String {
        var s = "ARIMA(\(p),\(d),\(q))"
        if isSeasonal { s += "(\(P),\(D),\(Q))[\(period)]" }
        if hasDrift { s += " with drift" }
        else if d + effD == 0 { s += hasMean ? " with non-zero mean" : " with zero mean" }
        return s
    }
}
