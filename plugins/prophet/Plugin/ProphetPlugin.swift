// prophet(...): Prophet's model (Taylor & Letham 2017, "Forecasting at scale") with its
// documented options, fitted by MAP in ProphetModel. This file is the adapter to the
// plugin kit: schema, configuration parsing, fit/predict, save/load, description.
//
// Conventions of the JSON-typed parameters (the host passes their JSON text):
//   yearly / weekly / daily   true | false | "auto" | a Fourier order (0 = off); not given = auto,
//                             as Prophet: yearly when the history spans 2 years, weekly for data
//                             finer than weekly spanning 2 weeks, daily for sub-daily data
//                             spanning 2 days; default orders 10, 3, 4.
//   seasonality               [{name:, period: (days), order:, prior_scale:?, mode:?}]
//   holidays                  [{name: (or holiday, unique_id), ds: date or [dates],
//                               lower_window:?, upper_window:?, prior_scale:?}], a data set
//                             (records {unique_id, ds, y}: unique_id names the event), or a
//                             path to Prophet's holidays CSV (holiday,ds[,lower_window,
//                             upper_window[,prior_scale]]). Dates: "YYYY-MM-DD[ HH:MM[:SS]]".
//   changepoints              [dates]; dates outside a series' history are ignored for it.
//   cap / floor               a number, or a record {series id: number}.
// Intervals: the run's levels (percent) when it asks for any; interval_width otherwise (for
// the Swift API). Simulation seeded by the request's seed.
import CFcastPlugin
import FcastPluginKit
import ProphetModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private let library = PluginLibrary(
    name: "prophet", version: "1.0.0",
    description: "Prophet: piecewise-linear/logistic trend, Fourier seasonalities, holidays; MAP fit",
    algorithms: [ProphetAlgorithm()])

@_cdecl("fcast_prophet_plugin_entry")
public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
                             _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

public struct ProphetAlgorithm: Algorithm {
    public init() {}
    public var name: String { "prophet" }
    public var summary: String {
        "Prophet (Taylor & Letham 2017): trend with changepoints + Fourier seasonalities + holidays, MAP fit, simulated intervals"
    }
    public var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted, .exogenous] }
    public var parameters: [Parameter] {
        [
            .string("growth", default: "linear", choices: ProphetGrowth.allCases.map(\.rawValue),
                    help: "trend: linear (with changepoints), logistic (needs cap), flat"),
            Parameter("changepoints", .json, auto: true,
                      help: "explicit changepoint dates, e.g. [\"2020-03-01\", \"2021-01-01\"] (ignored outside a series' history); default: automatic"),
            .int("n_changepoints", default: 25, min: 0, max: 10_000, help: "number of automatic changepoints"),
            .real("changepoint_range", default: 0.8, min: 0, max: 1,
                  help: "share of the history in which automatic changepoints are placed"),
            .real("changepoint_prior_scale", default: 0.05, min: 0, help: "scale of the Laplace prior on trend changes"),
            Parameter("yearly", .json, auto: true,
                      help: "yearly seasonality: true, false or a Fourier order; default: on when the history spans 2 years"),
            Parameter("weekly", .json, auto: true,
                      help: "weekly seasonality: true, false or a Fourier order; default: on for sub-weekly data spanning 2 weeks"),
            Parameter("daily", .json, auto: true,
                      help: "daily seasonality: true, false or a Fourier order; default: on for sub-daily data spanning 2 days"),
            .json("seasonality", help: "custom seasonalities: [{name: \"monthly\", period: 30.5, order: 5, prior_scale: 10, mode: \"additive\"}]"),
            .string("mode", default: "additive", choices: ProphetMode.allCases.map(\.rawValue),
                    help: "seasonality mode: additive, or multiplicative (relative to the trend)"),
            .real("seasonality_prior_scale", default: 10, min: 0, help: "standard deviation of the prior on seasonal coefficients"),
            .json("holidays", help: "events: [{name: \"xmas\", ds: [\"2019-12-25\"], lower_window: -1, upper_window: 0}], a data set (unique_id = name), or a CSV path (holiday,ds[,lower_window,upper_window])"),
            .real("holidays_prior_scale", default: 10, min: 0, help: "standard deviation of the prior on holiday effects"),
            .real("regressor_prior_scale", default: 10, min: 0,
                  help: "standard deviation of the prior on each regressor's coefficient (add_regressor's prior_scale)"),
            .string("holidays_mode", default: nil, choices: ProphetMode.allCases.map(\.rawValue), auto: true,
                    help: "holidays mode; default: the seasonality mode"),
            .json("cap", help: "logistic growth: carrying capacity, a number or a record {series id: number}"),
            .json("floor", help: "logistic growth: saturating minimum, a number or a record {series id: number}; default 0"),
            .real("interval_width", default: 0.8, min: 0, max: 1,
                  help: "interval width when the run asks for no levels (the run's levels take precedence)"),
            .int("uncertainty_samples", default: 1000, min: 0, max: 1_000_000, help: "simulated paths for the intervals"),
            .string("scaling", default: "absmax", choices: ProphetScaling.allCases.map(\.rawValue),
                    help: "y scaling before fitting: absmax (Prophet's default) or minmax"),
        ]
    }

    public func configure(_ values: ParameterValues) throws -> any ModelConfig {
        try ProphetConfig(values)
    }
}

/// A number per series: one for all, or a record by series id.
enum PerSeries: Sendable {
    case all(Double), byId([String: Double])
    func value(_ id: String) -> Double? {
        switch self {
        case .all(let v): v
        case .byId(let d): d[id]
        }
    }
}

public final class ProphetConfig: ModelConfig, @unchecked Sendable {
    public let options: ProphetOptions
    let cap: PerSeries?
    let floor: PerSeries?

    public init(_ v: ParameterValues) throws {
        var o = ProphetOptions()
        func choice<T: RawRepresentable>(_ name: String, _ d: T) throws -> T where T.RawValue == String {
            guard let s = v.string(name) else { return d }
            guard let c = T(rawValue: s) else { throw PluginError.invalidArgument("prophet: '\(name)' cannot be \"\(s)\"") }
            return c
        }
        o.growth = try choice("growth", ProphetGrowth.linear)
        o.mode = try choice("mode", ProphetMode.additive)
        o.scaling = try choice("scaling", ProphetScaling.absmax)
        if v.isSet("holidays_mode") { o.holidaysMode = try choice("holidays_mode", ProphetMode.additive) }
        o.nChangepoints = v.int("n_changepoints", default: 25)
        o.changepointRange = v.real("changepoint_range", default: 0.8)
        o.changepointPriorScale = v.real("changepoint_prior_scale", default: 0.05)
        o.seasonalityPriorScale = v.real("seasonality_prior_scale", default: 10)
        o.holidaysPriorScale = v.real("holidays_prior_scale", default: 10)
        o.regressorPriorScale = v.real("regressor_prior_scale", default: 10)
        o.intervalWidth = v.real("interval_width", default: 0.8)
        o.uncertaintySamples = v.int("uncertainty_samples", default: 1000)
        if let j = v.json("changepoints") {
            let parsed = try JSON.parse(j, parameter: "changepoints")
            switch parsed {
            case .null: break
            case .array(let a): o.changepoints = try a.map { try date($0, parameter: "changepoints") }
            default: o.changepoints = [try date(parsed, parameter: "changepoints")]
            }
        }
        o.yearly = try Self.seasonalitySetting(v, "yearly")
        o.weekly = try Self.seasonalitySetting(v, "weekly")
        o.daily = try Self.seasonalitySetting(v, "daily")
        if let j = v.json("seasonality") { o.seasonalities = try Self.customSeasonalities(try JSON.parse(j, parameter: "seasonality")) }
        if let j = v.json("holidays") { o.holidays = try Self.holidays(try JSON.parse(j, parameter: "holidays")) }
        cap = try v.json("cap").map { try Self.perSeries(try JSON.parse($0, parameter: "cap"), "cap") } ?? nil
        floor = try v.json("floor").map { try Self.perSeries(try JSON.parse($0, parameter: "floor"), "floor") } ?? nil
        if o.growth == .logistic && cap == nil {
            throw PluginError.invalidArgument("prophet: 'cap' is required with growth: \"logistic\" (the carrying capacity)")
        }
        do { try o.validate() } catch let e as ProphetError { throw pluginError(e) }
        options = o
    }

    static func seasonalitySetting(_ v: ParameterValues, _ name: String) throws -> SeasonalitySetting {
        if let b = v.bool(name) { return b ? .on : .off }
        if let i = v.int(name) { return .order(i) }
        if let s = v.string(name) { return try setting(.string(s), name) }
        guard let j = v.json(name) else { return .auto }
        return try setting(try JSON.parse(j, parameter: name), name)
    }

    static func setting(_ j: JSON, _ name: String) throws -> SeasonalitySetting {
        switch j {
        case .null: return .auto
        case .bool(let b): return b ? .on : .off
        case .number(let d):
            guard d >= 0, d == d.rounded() else {
                throw PluginError.invalidArgument("prophet: '\(name)' must be true, false, \"auto\" or a Fourier order >= 0, got \(d)")
            }
            return .order(Int(d))
        case .string(let s) where s == "auto": return .auto
        case .string(let s) where s == "true": return .on
        case .string(let s) where s == "false": return .off
        case .string(let s) where Int(s) != nil && Int(s)! >= 0: return .order(Int(s)!)
        default:
            throw PluginError.invalidArgument("prophet: '\(name)' must be true, false, \"auto\" or a Fourier order, got \(j)")
        }
    }

    static func customSeasonalities(_ j: JSON) throws -> [CustomSeasonality] {
        let items: [JSON]
        switch j {
        case .array(let a): items = a
        case .object: items = [j]
        case .null: return []
        default: throw PluginError.invalidArgument("prophet: 'seasonality' must be a list of records {name:, period:, order:}")
        }
        return try items.enumerated().map { i, s in
            guard case .object = s else {
                throw PluginError.invalidArgument("prophet: 'seasonality' entry \(i + 1) must be a record {name:, period:, order:}")
            }
            let name = s["name"]?.string ?? "seasonality\(i + 1)"
            guard let period = s["period"]?.number else {
                throw PluginError.invalidArgument("prophet: 'seasonality' '\(name)' needs a period (days)")
            }
            guard period > 0 else {
                throw PluginError.invalidArgument("prophet: 'seasonality' '\(name)' needs a period > 0 (days), got \(period)")
            }
            guard let order = s["order"]?.number ?? s["fourier_order"]?.number, order >= 1, order == order.rounded() else {
                throw PluginError.invalidArgument("prophet: 'seasonality' '\(name)' needs an integer order >= 1")
            }
            var mode: ProphetMode? = nil
            if let m = s["mode"]?.string {
                guard let mm = ProphetMode(rawValue: m) else {
                    throw PluginError.invalidArgument("prophet: 'seasonality' '\(name)': mode must be additive or multiplicative")
                }
                mode = mm
            }
            return CustomSeasonality(name: name, period: period, order: Int(order), priorScale: s["prior_scale"]?.number, mode: mode)
        }
    }

    static func holidays(_ j: JSON) throws -> [Holiday] {
        switch j {
        case .null: return []
        case .string(let path): return try holidaysCSV(path)
        case .object: return try holidays(.array([j]))
        case .array(let rows):
            // Rows with the same name and window merge into one holiday with many dates.
            var out: [Holiday] = []
            for (i, r) in rows.enumerated() {
                guard case .object = r else {
                    throw PluginError.invalidArgument("prophet: 'holidays' entry \(i + 1) must be a record {name:, ds:, lower_window:, upper_window:}")
                }
                guard let name = (r["name"] ?? r["holiday"] ?? r["unique_id"])?.string else {
                    throw PluginError.invalidArgument("prophet: 'holidays' entry \(i + 1) needs a name (name, holiday or unique_id)")
                }
                guard let dsv = r["ds"] else { throw PluginError.invalidArgument("prophet: 'holidays' '\(name)' needs ds (a date or a list of dates)") }
                var days: [Int] = []
                if case .array(let a) = dsv {
                    for d in a { days.append(dayNumberOf(try date(d, parameter: "holidays"))) }
                } else {
                    days.append(dayNumberOf(try date(dsv, parameter: "holidays")))
                }
                let lw = Int(r["lower_window"]?.number ?? 0), uw = Int(r["upper_window"]?.number ?? 0)
                let ps = r["prior_scale"]?.number
                if let k = out.firstIndex(where: { $0.name == name && $0.lowerWindow == lw && $0.upperWindow == uw && $0.priorScale == ps }) {
                    out[k].days.append(contentsOf: days)
                } else {
                    out.append(Holiday(name: name, days: days, lowerWindow: lw, upperWindow: uw, priorScale: ps))
                }
            }
            return out
        default:
            throw PluginError.invalidArgument("prophet: 'holidays' must be a list of records, a data set or a CSV path")
        }
    }

    /// Prophet's holidays CSV: holiday,ds[,lower_window,upper_window[,prior_scale]].
    static func holidaysCSV(_ path: String) throws -> [Holiday] {
        guard let f = fopen(path, "r") else { throw PluginError.invalidArgument("prophet: 'holidays': cannot open '\(path)'") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let k = fread(&buf, 1, buf.count, f)
            if k <= 0 { break }
            bytes.append(contentsOf: buf[0..<k])
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        guard let head = lines.first else { return [] }
        let cols = head.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingQuotes() }
        guard let iName = cols.firstIndex(of: "holiday"), let iDs = cols.firstIndex(of: "ds") else {
            throw PluginError.invalidArgument("prophet: 'holidays': '\(path)' needs columns holiday and ds")
        }
        let iLo = cols.firstIndex(of: "lower_window"), iUp = cols.firstIndex(of: "upper_window"), iPs = cols.firstIndex(of: "prior_scale")
        var records: [JSON] = []
        for (ln, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingQuotes() }
            guard f.count > max(iName, iDs) else {
                throw PluginError.invalidArgument("prophet: 'holidays': line \(ln + 2) of '\(path)' has too few fields")
            }
            var r: [(String, JSON)] = [("name", .string(f[iName])), ("ds", .string(f[iDs]))]
            for (key, idx) in [("lower_window", iLo), ("upper_window", iUp), ("prior_scale", iPs)] {
                if let idx, idx < f.count, let d = Double(f[idx]) { r.append((key, .number(d))) }
            }
            records.append(.object(r))
        }
        return try holidays(.array(records))
    }

    static func perSeries(_ j: JSON, _ name: String) throws -> PerSeries? {
        switch j {
        case .null: return nil
        case .number(let d): return .all(d)
        case .object(let kv):
            var d: [String: Double] = [:]
            for (k, v) in kv {
                guard let x = v.number else { throw PluginError.invalidArgument("prophet: '\(name)' for '\(k)' must be a number") }
                d[k] = x
            }
            return .byId(d)
        default: throw PluginError.invalidArgument("prophet: '\(name)' must be a number or a record {series id: number}")
        }
    }

    public func fit(_ series: SeriesInput) throws -> any FittedModel {
        var o = options
        if o.growth == .logistic {
            guard let c = cap?.value(series.id) else {
                throw PluginError.invalidArgument("prophet: 'cap' has no value for series '\(series.id)'")
            }
            o.cap = c
            o.floor = floor?.value(series.id)
        }
        let ds = series.ds.count == series.count ? Array(series.ds)
            : synthesizedDates(count: series.count, unit: series.frequencyUnit, step: series.frequencyStep)
        do {
            let x = series.regressorColumns
            let fit = try Prophet.fit(ds: ds, y: Array(series.y), regressors: x, options: o)
            return ProphetPluginModel(fit: fit, ds: ds, unit: series.frequencyUnit, step: series.frequencyStep, x: x)
        } catch let e as ProphetError {
            throw pluginError(e, series: series.id)
        }
    }

    public func load(_ bytes: [UInt8]) throws -> any FittedModel {
        do { return try ProphetPluginModel.decode(bytes) } catch let e as ProphetError { throw pluginError(e) }
    }
}

func pluginError(_ e: ProphetError, series: String? = nil) -> PluginError {
    let where_ = series.map { " (series '\($0)')" } ?? ""
    let m = e.description + where_
    switch e.kind {
    case .invalidArgument: return .invalidArgument(m)
    case .notEnoughData: return .notEnoughData(m)
    case .badData: return .badData(m)
    case .numeric: return .numeric(m)
    }
}

func dayNumberOf(_ s: Int64) -> Int { Int(s >= 0 ? s / 86_400 : -((-s + 86_399) / 86_400)) }

extension Substring {
    func trimmingQuotes() -> String {
        var s = String(self).trimmingCharacters(" ")
        if s.count >= 2, s.first == "\"", s.last == "\"" { s = String(s.dropFirst().dropLast()) }
        return s
    }
}
extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}

/// Dates for a series the host gave without timestamps: from 1970-01-01 by the frequency.
func synthesizedDates(count: Int, unit: fc_frequency_unit, step: Int, from start: Int64 = 0) -> [Int64] {
    (0..<count).map { advance(start, by: $0, unit: unit, step: step) }
}

/// A timestamp moved by `k` steps of the frequency (calendar months for months, quarters, years).
func advance(_ s: Int64, by k: Int, unit: fc_frequency_unit, step: Int) -> Int64 {
    let st = Int64(max(step, 1))
    switch Int(unit) {
    case FC_FREQ_SECOND: return s + Int64(k) * st
    case FC_FREQ_MINUTE: return s + Int64(k) * st * 60
    case FC_FREQ_HOUR: return s + Int64(k) * st * 3600
    case FC_FREQ_WEEK: return s + Int64(k) * st * 7 * 86_400
    case FC_FREQ_MONTH, FC_FREQ_QUARTER, FC_FREQ_YEAR:
        let months = k * Int(st) * (Int(unit) == FC_FREQ_MONTH ? 1 : Int(unit) == FC_FREQ_QUARTER ? 3 : 12)
        let day = dayNumberOf(s)
        let secs = s - Int64(day) * 86_400
        let (y, m, d) = civilFromDays(day)
        let total = y * 12 + (m - 1) + months
        let ny = total >= 0 ? total / 12 : (total - 11) / 12
        let nm = total - ny * 12 + 1
        let dim = [31, (ny % 4 == 0 && (ny % 100 != 0 || ny % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][nm - 1]
        return Int64(daysFromCivil(ny, nm, min(d, dim))) * 86_400 + secs
    default: return s + Int64(k) * st * 86_400   // days and unknown units
    }
}

public final class ProphetPluginModel: FittedModel, @unchecked Sendable {
    /// The fitted model: parameters, components (`fit.components(at:)`, `fit.fittedComponents`).
    public let fit: ProphetFit
    /// The series' dates as given (missing values included).
    public let ds: [Int64]
    let unit: fc_frequency_unit
    let step: Int
    /// The regressors at `ds` (one column each; empty without regressors).
    let x: [[Double]]

    init(fit: ProphetFit, ds: [Int64], unit: fc_frequency_unit, step: Int, x: [[Double]] = []) {
        self.fit = fit
        self.x = x
        self.ds = ds
        self.unit = unit
        self.step = step
    }

    /// Trend, seasonalities, holidays and yhat over the history.
    public var components: ProphetComponents { fit.components(at: ds, regressors: x) }

    public var modelDescription: String? {
        var parts: [String] = [fit.mode.rawValue]
        switch fit.growth {
        case .linear: parts.append(fit.changepoints.isEmpty ? "no changepoints" : "\(fit.changepoints.count) changepoints")
        case .logistic: parts.append("logistic, \(fit.changepoints.count) changepoints")
        case .flat: parts.append("flat trend")
        }
        for b in fit.blocks {
            switch b.kind {
            case .fourier(_, let order): parts.append("\(b.name) \(order)")
            case .holidays(let cols): parts.append("\(Set(cols.map(\.holiday)).count) holidays")
            case .regressor: break
            }
        }
        if fit.regressorCount > 0 { parts.append("\(fit.regressorCount) regressor\(fit.regressorCount == 1 ? "" : "s")") }
        return "prophet(" + parts.joined(separator: ", ") + ")"
    }

    public func predict(_ request: ForecastRequest) throws -> Forecast {
        let h = request.horizon
        let future: [Int64]
        if request.futureDs.count == h {
            future = request.futureDs
        } else {
            let last = ds.last ?? 0
            future = (1...max(h, 1)).prefix(h).map { advance(last, by: $0, unit: unit, step: step) }
        }
        let levels = request.levels.map { $0 / 100 }
        for l in levels where !(l > 0 && l < 1) {
            throw PluginError.invalidArgument("prophet: interval level \(l * 100) must be between 0 and 100")
        }
        var futureX: [[Double]] = []
        if fit.regressorCount > 0 {
            let k = fit.regressorCount
            guard request.regressorCount == k else {
                throw PluginError.invalidArgument(request.regressorCount == 0
                    ? "prophet: this model was fitted with \(k) regressor\(k == 1 ? "" : "s"): its forecast needs their future values"
                    : "prophet: this model was fitted with \(k) regressor\(k == 1 ? "" : "s"), the forecast gives \(request.regressorCount)")
            }
            futureX = request.futureColumns
            if let j = futureX.firstIndex(where: { $0.contains { !$0.isFinite } }) {
                let t = futureX[j].firstIndex { !$0.isFinite }!
                throw PluginError.badData("prophet: future value \(t + 1) of regressor \(j + 1) is missing")
            }
        }
        let f = fit.forecast(at: future, levels: levels, seed: request.seed, regressors: futureX)
        return Forecast(mean: f.yhat, lo: f.lower, hi: f.upper)
    }

    public func fittedValues() throws -> [Double] {
        if fit.regressorCount > 0 && x.count != fit.regressorCount {
            throw PluginError.unsupported("prophet: the fitted values of a loaded model with regressors are not kept")
        }
        return fit.components(at: ds, regressors: x).yhat
    }

    public func save() throws -> [UInt8] {
        var out: [UInt8] = [1]
        func put(_ x: Int64) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        put(Int64(unit))
        put(Int64(step))
        put(Int64(ds.count))
        ds.forEach(put)
        out.append(contentsOf: fit.serialized())
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> ProphetPluginModel {
        guard bytes.first == 1, bytes.count >= 25 else { throw ProphetError(.badData, "not a saved prophet model") }
        var pos = 1
        func get() throws -> Int64 {
            guard pos + 8 <= bytes.count else { throw ProphetError(.badData, "saved prophet model is truncated") }
            var v: UInt64 = 0
            for j in 0..<8 { v |= UInt64(bytes[pos + j]) << (8 * UInt64(j)) }
            pos += 8
            return Int64(bitPattern: v)
        }
        let unit = fc_frequency_unit(try get())
        let step = Int(try get())
        let n = Int(try get())
        guard n >= 0, n <= bytes.count / 8 else { throw ProphetError(.badData, "saved prophet model is corrupt") }
        let ds = try (0..<n).map { _ in try get() }
        let fit = try ProphetFit.deserialize(Array(bytes[pos...]))
        return ProphetPluginModel(fit: fit, ds: ds, unit: unit, step: step,
                                  x: fit.historyDs.count == ds.count ? fit.historyX : [])
    }
}
