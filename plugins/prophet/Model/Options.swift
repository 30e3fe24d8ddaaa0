// Options of the Prophet model (Taylor & Letham 2017, "Forecasting at scale", and
// Prophet's documented options). Defaults are Prophet's.

/// Trend: piecewise linear, piecewise logistic (needs a cap), or constant.
public enum ProphetGrowth: String, Sendable, CaseIterable { case linear, logistic, flat }

/// How seasonalities (and, by default, holidays) enter: added to the trend, or as
/// relative factors: y = trend * (1 + multiplicative terms) + additive terms.
public enum ProphetMode: String, Sendable, CaseIterable { case additive, multiplicative }

/// How y is scaled before fitting: by max |y - floor| (Prophet's default) or to [0, 1].
public enum ProphetScaling: String, Sendable, CaseIterable { case absmax, minmax }

/// The switch of a built-in seasonality (yearly, weekly, daily).
public enum SeasonalitySetting: Sendable, Equatable {
    /// On when the data's span and spacing call for it, as Prophet decides.
    case auto
    case off
    /// On with the default Fourier order (yearly 10, weekly 3, daily 4).
    case on
    /// On with this Fourier order (0 means off).
    case order(Int)
}

/// A user-defined seasonality: `order` Fourier pairs of period `period` days.
public struct CustomSeasonality: Sendable, Equatable {
    public var name: String
    public var period: Double
    public var order: Int
    public var priorScale: Double?
    public var mode: ProphetMode?
    public init(name: String, period: Double, order: Int, priorScale: Double? = nil, mode: ProphetMode? = nil) {
        self.name = name
        self.period = period
        self.order = order
        self.priorScale = priorScale
        self.mode = mode
    }
}

/// A holiday or event: the days it falls on (days since 1970-01-01, UTC) and a window of
/// days around each (lowerWindow <= 0 <= upperWindow), each day of the window with its
/// own effect, as in Prophet.
public struct Holiday: Sendable, Equatable {
    public var name: String
    public var days: [Int]
    public var lowerWindow: Int
    public var upperWindow: Int
    public var priorScale: Double?
    public init(name: String, days: [Int], lowerWindow: Int = 0, upperWindow: Int = 0, priorScale: Double? = nil) {
        self.name = name
        self.days = days
        self.lowerWindow = lowerWindow
        self.upperWindow = upperWindow
        self.priorScale = priorScale
    }
}

public struct ProphetOptions: Sendable {
    public var growth: ProphetGrowth = .linear
    /// Explicit changepoints (seconds since 1970-01-01 UTC); nil places them automatically.
    public var changepoints: [Int64]? = nil
    public var nChangepoints: Int = 25
    public var changepointRange: Double = 0.8
    public var changepointPriorScale: Double = 0.05
    public var yearly: SeasonalitySetting = .auto
    public var weekly: SeasonalitySetting = .auto
    public var daily: SeasonalitySetting = .auto
    public var seasonalities: [CustomSeasonality] = []
    public var mode: ProphetMode = .additive
    public var seasonalityPriorScale: Double = 10
    public var holidays: [Holiday] = []
    public var holidaysPriorScale: Double = 10
    /// Prior scale of each extra regressor (add_regressor's prior_scale; Prophet's default
    /// is holidays_prior_scale, 10).
    public var regressorPriorScale: Double = 10
    /// nil: the seasonality mode.
    public var holidaysMode: ProphetMode? = nil
    /// Logistic growth: the carrying capacity (required) and the saturating minimum.
    public var cap: Double? = nil
    public var floor: Double? = nil
    public var scaling: ProphetScaling = .absmax
    public var intervalWidth: Double = 0.8
    public var uncertaintySamples: Int = 1000
    /// Optimiser limits: (Gauss-)Newton iterations, then L-BFGS evaluations.
    public var maxNewtonIterations: Int = 300
    public var maxEvaluations: Int = 1000

    public init() {}

    /// Checks what can be checked without data. Errors name the parameter.
    public func validate() throws {
        if nChangepoints < 0 { throw ProphetError(.invalidArgument, parameter: "n_changepoints", "must be 0 or more, got \(nChangepoints)") }
        if !(changepointRange > 0 && changepointRange <= 1) {
            throw ProphetError(.invalidArgument, parameter: "changepoint_range", "must be in (0, 1], got \(changepointRange)")
        }
        for (name, v) in [("changepoint_prior_scale", changepointPriorScale), ("seasonality_prior_scale", seasonalityPriorScale),
                          ("holidays_prior_scale", holidaysPriorScale), ("regressor_prior_scale", regressorPriorScale)] where !(v > 0 && v.isFinite) {
            throw ProphetError(.invalidArgument, parameter: name, "must be a positive number, got \(v)")
        }
        for (name, s) in [("yearly", yearly), ("weekly", weekly), ("daily", daily)] {
            if case .order(let o) = s, o < 0 { throw ProphetError(.invalidArgument, parameter: name, "Fourier order must be 0 or more, got \(o)") }
        }
        var names = Set(["yearly", "weekly", "daily"])
        for s in seasonalities {
            if !(s.period > 0 && s.period.isFinite) {
                throw ProphetError(.invalidArgument, parameter: "seasonality", "'\(s.name)' needs a period > 0 (days), got \(s.period)")
            }
            if s.order < 1 { throw ProphetError(.invalidArgument, parameter: "seasonality", "'\(s.name)' needs an order >= 1, got \(s.order)") }
            if let p = s.priorScale, !(p > 0) {
                throw ProphetError(.invalidArgument, parameter: "seasonality", "'\(s.name)' needs prior_scale > 0, got \(p)")
            }
            if !names.insert(s.name).inserted && !["yearly", "weekly", "daily"].contains(s.name) {
                throw ProphetError(.invalidArgument, parameter: "seasonality", "'\(s.name)' is defined twice")
            }
        }
        for h in holidays {
            if h.lowerWindow > 0 || h.upperWindow < 0 {
                throw ProphetError(.invalidArgument, parameter: "holidays",
                                   "holiday '\(h.name)': lower_window must be <= 0 and upper_window >= 0 (got \(h.lowerWindow), \(h.upperWindow))")
            }
            if let p = h.priorScale, !(p > 0) {
                throw ProphetError(.invalidArgument, parameter: "holidays", "holiday '\(h.name)' needs prior_scale > 0, got \(p)")
            }
        }
        if !(intervalWidth > 0 && intervalWidth < 1) {
            throw ProphetError(.invalidArgument, parameter: "interval_width", "must be in (0, 1), got \(intervalWidth)")
        }
        if uncertaintySamples < 0 { throw ProphetError(.invalidArgument, parameter: "uncertainty_samples", "must be 0 or more") }
        if let c = cap, !c.isFinite { throw ProphetError(.invalidArgument, parameter: "cap", "must be a finite number") }
        if let f = floor, !f.isFinite { throw ProphetError(.invalidArgument, parameter: "floor", "must be a finite number") }
    }
}

/// An error for one series or one configuration; `parameter` names the option at fault.
public struct ProphetError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case invalidArgument, notEnoughData, badData, numeric }
    public var kind: Kind
    public var parameter: String?
    public var message: String
    public init(_ kind: Kind, parameter: String? = nil, _ message: String) {
        self.kind = kind
        self.parameter = parameter
        self.message = message
    }
    public var description: String {
        if let p = parameter { return "prophet: '\(p)' \(message)" }
        return "prophet: \(message)"
    }
}
