/// A fitted Theta model applied to new data without estimating again (statsforecast's
/// `forward` of its theta models).
extension ThetaFit {
    /// This model's type, initial level, alpha and theta, and its seasonal decomposition
    /// (kind and indices, by phase from the first point) and scale, applied to `y`: the
    /// series it was fitted on continued by newer points, from the same first point. The
    /// adjusted data run through the recursions for the new last state; the residuals'
    /// sigma (for the simulated intervals) and the fitted values come from `y`, as a fit's
    /// do. The trend line of the standard models (STM, OTM) is, by their definition, the
    /// least-squares line of the data they run on. Nil for a model of a constant series
    /// (it has no parameters: fit the new data instead).
    public func forward(y: [Double]) throws(ThetaError) -> ThetaFit? {
        guard constant == nil else { return nil }
        let n = y.count
        for (i, v) in y.enumerated() where !v.isFinite {
            throw ThetaError(.invalidArgument, "theta needs complete data, but value \(i + 1) of \(n) is \(v.isNaN ? "missing" : "\(v)")")
        }
        guard n > 3 else { throw ThetaError(.notEnoughData, "theta needs at least 4 points; series has \(n)") }
        let y0 = y.map { $0 / scale }
        let m = seasonal.count
        let adj: [Double] = (0..<n).map { t in
            switch decomposition {
            case .none: y0[t]
            case .multiplicative: y0[t] / seasonal[t % m]
            case .additive: y0[t] - seasonal[t % m]
            }
        }
        let meanAbs = max(adj.reduce(0) { $0 + abs($1) } / Double(n), 1e-10)
        var last = ThetaState(level: 0, meanY: 0, a: 0, b: 0, mu: 0)
        let mse = adj.withUnsafeBufferPointer {
            Recursions.run($0, type, initialLevel, alpha, theta, errors: nil, last: &last, meanAbs: meanAbs)
        }
        guard mse.isFinite else { throw ThetaError(.numericFailure, "\(description): the recursions on the new data are not finite") }
        return ThetaFitter.assemble(adj, y0: y0, type: type, l0: initialLevel, alpha: alpha, theta: theta, mse: mse,
                                    kind: decomposition, seasonal: seasonal, meanAbs: meanAbs, scale: scale).fit
    }
}
