// Missing values in a series: NaN in fc_series.y (an empty CSV field, NA, ...).
// Every message counts points from 1, as the host's data errors do, and names the first
// missing point's timestamp: "3 missing values, first at point 17 (2019-05-01)".

/// Where a series' values are missing.
public struct MissingValues: Sendable, Equatable {
    /// 0-based positions of the missing (NaN) values, in order.
    public let positions: [Int]
    /// Number of leading missing values (before the first observed one).
    public let leading: Int
    /// Number of trailing missing values (after the last observed one).
    public let trailing: Int
    /// Number of points in the series.
    public let count: Int

    public init<C: Collection>(_ y: C) where C.Element == Double, C.Index == Int {
        var positions: [Int] = []
        for (i, v) in zip(y.indices, y) where v.isNaN { positions.append(i - y.startIndex) }
        self.positions = positions
        count = y.count
        var lead = 0
        while lead < positions.count && positions[lead] == lead { lead += 1 }
        leading = lead
        var trail = 0
        while trail < positions.count - lead && positions[positions.count - 1 - trail] == count - 1 - trail { trail += 1 }
        trailing = trail
    }

    public var isEmpty: Bool { positions.isEmpty }
    /// Number of observed (non-missing) values.
    public var observed: Int { count - positions.count }
    /// Missing values between the first and the last observed value.
    public var interior: Int { positions.count - leading - trailing }

    /// "3 missing values, first at point 17 (2019-05-01)"; `ds` gives the date when present.
    public func describe(ds: UnsafeBufferPointer<Int64>? = nil) -> String {
        guard let first = positions.first else { return "no missing values" }
        let n = positions.count
        var s = "\(n) missing value\(n == 1 ? "" : "s"), \(n == 1 ? "at" : "first at") point \(first + 1)"
        if let ds, first < ds.count { s += " (\(MissingValues.formatTimestamp(ds[first])))" }
        return s
    }

    /// A timestamp (seconds since 1970-01-01 UTC) as "2019-05-01" or "2019-05-01 07:05".
    public static func formatTimestamp(_ t: Int64) -> String {
        var days = t / 86_400, sod = t % 86_400
        if sod < 0 { sod += 86_400; days -= 1 }
        // Civil date from days since the epoch (proleptic Gregorian, 400-year eras).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var s = "\(year)-\(two(month))-\(two(day))"
        if sod != 0 {
            s += " \(two(sod / 3600)):\(two((sod / 60) % 60))"
            if sod % 60 != 0 { s += ":\(two(sod % 60))" }
        }
        return s
    }
}

extension SeriesInput {
    /// Where this series' values are missing.
    public var missing: MissingValues { MissingValues(y) }

    /// The values from the first observed to the last observed one (leading and trailing
    /// missing values cut off); empty when nothing is observed.
    public var observedStretch: [Double] {
        let m = missing
        guard m.observed > 0 else { return [] }
        return Array(y[m.leading..<(y.count - m.trailing)])
    }

    /// Fails with FC_ERR_BAD_DATA on an infinite value; missing values (NaN) pass.
    public func requireNoInfinity(model: String) throws {
        for (i, v) in y.enumerated() where v.isInfinite {
            throw PluginError.badData("\(model): series \(id): value at point \(i + 1) of \(y.count) is \(v)")
        }
    }

    /// Fails with FC_ERR_NOT_ENOUGH_DATA when fewer than `minimum` values are observed,
    /// naming how many are missing and where the first one is.
    public func requireObserved(_ minimum: Int, model: String, what: String? = nil) throws {
        let m = missing
        guard m.observed < minimum else { return }
        let need = what ?? "\(minimum) observed values"
        if m.isEmpty {
            throw PluginError.notEnoughData("\(model) needs at least \(need); series \(id) has \(y.count)")
        }
        throw PluginError.notEnoughData(
            "\(model) needs at least \(need); series \(id) has \(m.observed) of \(y.count): \(m.describe(ds: ds))")
    }
}

/// A model fitted to the observed stretch of a series (leading and trailing missing values
/// cut off), seen by the host as fitted to the whole series: forecasts start after the
/// series' last point, so a model fitted up to `trailing` points earlier forecasts
/// `trailing` more steps and drops them (its intervals widen from the last observation),
/// and fitted values are NaN where nothing was fitted.
public final class MissingEndsModel: FittedModel {
    public let inner: any FittedModel
    public let leading: Int
    /// The timestamps of the trailing missing points (the inner model's first forecasts).
    public let trailingDs: [Int64]
    public var trailing: Int { trailingDs.count }

    public init(_ inner: any FittedModel, leading: Int, trailingDs: [Int64]) {
        self.inner = inner
        self.leading = leading
        self.trailingDs = trailingDs
    }

    /// `model` fitted to `series.y[missing.leading ..< count - missing.trailing]`, wrapped
    /// when either end was cut (returned as it is otherwise).
    public static func wrap(_ model: any FittedModel, series: SeriesInput, missing: MissingValues) -> any FittedModel {
        if missing.leading == 0 && missing.trailing == 0 { return model }
        let n = series.count
        let ds = series.ds.count == n ? Array(series.ds[(n - missing.trailing)...]) : []
        return MissingEndsModel(model, leading: missing.leading,
                                trailingDs: ds.count == missing.trailing ? ds : [Int64](repeating: 0, count: missing.trailing))
    }

    public var modelDescription: String? { inner.modelDescription }

    public func predict(_ request: ForecastRequest) throws -> Forecast {
        if trailing == 0 { return try inner.predict(request) }
        var r = request
        r.horizon = request.horizon + trailing
        r.futureDs = request.futureDs.isEmpty ? [] : trailingDs + request.futureDs
        let f = try inner.predict(r)
        return Forecast(mean: Array(f.mean.dropFirst(trailing)), lo: f.lo.map { Array($0.dropFirst(trailing)) },
                        hi: f.hi.map { Array($0.dropFirst(trailing)) })
    }

    public func fittedValues() throws -> [Double] {
        [Double](repeating: .nan, count: leading) + (try inner.fittedValues())
            + [Double](repeating: .nan, count: trailing)
    }

    /// The marker that starts a saved wrapped model: "FCME", then format version 1.
    static let marker: [UInt8] = [0x46, 0x43, 0x4D, 0x45, 1]

    /// marker, leading and trailing count (UInt32 LE), the trailing timestamps (Int64 LE), then the inner bytes.
    public func save() throws -> [UInt8] {
        var out = MissingEndsModel.marker
        func put32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        put32(leading)
        put32(trailing)
        for t in trailingDs { withUnsafeBytes(of: t.littleEndian) { out.append(contentsOf: $0) } }
        return out + (try inner.save())
    }

    /// Loads bytes saved by `save` (or an unwrapped model's bytes, given to `inner` as they are).
    public static func load(_ bytes: [UInt8], inner: ([UInt8]) throws -> any FittedModel) throws -> any FittedModel {
        guard bytes.starts(with: marker) else { return try inner(bytes) }
        var i = marker.count
        func take(_ k: Int) throws -> UInt64 {
            guard i + k <= bytes.count else { throw PluginError.badData("saved model is truncated") }
            var v: UInt64 = 0
            for j in 0..<k { v |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            i += k
            return v
        }
        let leading = Int(try take(4)), trailing = Int(try take(4))
        var ds: [Int64] = []
        for _ in 0..<trailing { ds.append(Int64(bitPattern: try take(8))) }
        return MissingEndsModel(try inner(Array(bytes[i...])), leading: leading, trailingDs: ds)
    }
}

/// A model fitted to transformed data (Box-Cox with parameter `lambda`): forecasts,
/// interval bounds and fitted values go back through `inverse` (a monotone map, so the
/// bounds stay quantiles; the point forecast is the back-transformed median, as R's
/// forecast does without bias adjustment).
public final class BackTransformedModel: FittedModel {
    public let inner: any FittedModel
    public let lambda: Double
    let inverse: (Double, Double) -> Double

    public init(_ inner: any FittedModel, lambda: Double, inverse: @escaping (Double, Double) -> Double) {
        self.inner = inner
        self.lambda = lambda
        self.inverse = inverse
    }

    public var modelDescription: String? {
        inner.modelDescription.map { "\($0), lambda \((lambda * 10_000).rounded() / 10_000)" }
    }

    public func predict(_ request: ForecastRequest) throws -> Forecast {
        let f = try inner.predict(request)
        let back = { (x: [Double]) in x.map { self.inverse($0, self.lambda) } }
        return Forecast(mean: back(f.mean), lo: f.lo.map(back), hi: f.hi.map(back))
    }

    public func fittedValues() throws -> [Double] { try inner.fittedValues().map { inverse($0, lambda) } }

    /// "FCBC", version 1, lambda (little-endian double), then the inner model's bytes.
    static let marker: [UInt8] = [0x46, 0x43, 0x42, 0x43, 1]

    public func save() throws -> [UInt8] {
        var out = BackTransformedModel.marker
        withUnsafeBytes(of: lambda.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        return out + (try inner.save())
    }

    /// Loads bytes saved by `save` (or an untransformed model's bytes, given to `inner`).
    public static func load(_ bytes: [UInt8], inverse: @escaping (Double, Double) -> Double,
                            inner: ([UInt8]) throws -> any FittedModel) throws -> any FittedModel {
        guard bytes.starts(with: marker) else { return try inner(bytes) }
        guard bytes.count >= marker.count + 8 else { throw PluginError.badData("saved model is truncated") }
        var bits: UInt64 = 0
        for j in 0..<8 { bits |= UInt64(bytes[marker.count + j]) << (8 * UInt64(j)) }
        return BackTransformedModel(try inner(Array(bytes[(marker.count + 8)...])), lambda: Double(bitPattern: bits),
                                    inverse: inverse)
    }
}
