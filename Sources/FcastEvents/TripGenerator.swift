import FcastCore
import Foundation

/// Synthetic taxi trips, deterministic for a seed: pickup locations whose volumes follow a
/// power law (a few busy ones, a long tail of quiet ones), with weekly and yearly patterns,
/// holidays, a trend that changes at a random date, and an hour-of-day profile. Pickup times
/// are local wall-clock times (as in the city's own trip records).
public struct TripGenerator: Sendable {
    public var locations = 256
    public var start = Timestamp.make(year: 2019, month: 1, day: 1)
    public var days = 3 * 365
    /// Trips a day at the busiest location (the others follow rank^-1.2).
    public var busiest = 400.0
    public var seed: UInt64 = 1

    public init() {}

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
        mutating func normal() -> Double {
            let u = max(uniform(), 1e-300), v = uniform()
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        mutating func poisson(_ lambda: Double) -> Int {
            if lambda <= 0 { return 0 }
            if lambda < 30 {
                let l = exp(-lambda)
                var k = 0, p = 1.0
                repeat { k += 1; p *= uniform() } while p > l
                return k - 1
            }
            return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded()))
        }
    }

    struct Location {
        var rate: Double
        var weekly: [Double]
        var yearlyAmplitude: Double
        var yearlyPeak: Double
        var changeDay: Int
        var slopeBefore: Double
        var slopeAfter: Double
    }

    /// US holidays that empty the streets: New Year's Day, Independence Day, Thanksgiving
    /// (4th Thursday of November), Christmas.
    static func holidayFactor(_ day: Int64) -> Double {
        let (_, m, d) = Timestamp.civilFromDays(day)
        if (m == 1 && d == 1) || (m == 12 && d == 25) { return 0.45 }
        if m == 7 && d == 4 { return 0.6 }
        if m == 12 && d == 24 { return 0.7 }
        if m == 11 && d >= 22 && d <= 28 && Timestamp.weekday(day * 86_400) == 3 { return 0.5 }
        return 1
    }

    /// Share of a day's trips in each hour: a morning and an evening peak, quiet nights.
    static let hourProfile: [Double] = {
        let w: [Double] = [2.5, 1.6, 1.0, 0.7, 0.6, 1.0, 2.4, 4.6, 6.0, 5.4, 4.8, 5.0,
                           5.4, 5.3, 5.6, 6.0, 6.3, 6.8, 7.2, 6.6, 5.6, 4.8, 4.1, 3.3]
        let total = w.reduce(0, +)
        var c = 0.0
        return w.map { c += $0 / total; return c }
    }()

    func makeLocations(_ r: inout Random) -> [Location] {
        (0..<locations).map { k in
            let rank = Double(k + 1)
            let business = r.uniform() < 0.6
            var weekly = business ? [1.1, 1.15, 1.15, 1.2, 1.25, 0.75, 0.55] : [0.8, 0.8, 0.85, 0.95, 1.25, 1.45, 1.1]
            for i in 0..<7 { weekly[i] *= 1 + 0.05 * r.normal() }
            return Location(rate: busiest * pow(rank, -1.2) * (0.8 + 0.4 * r.uniform()),
                            weekly: weekly,
                            yearlyAmplitude: 0.1 + 0.2 * r.uniform(),
                            yearlyPeak: 120 + 120 * r.uniform(),
                            changeDay: Int(Double(days) * (0.3 + 0.5 * r.uniform())),
                            slopeBefore: 0.25 * r.normal() / 365,
                            slopeAfter: 0.4 * r.normal() / 365)
        }
    }

    /// Writes the trips as CSV (`pickup_time,location,fare,distance`), one day after
    /// another; returns the number of trips.
    @discardableResult
    public func writeCSV(to path: String) throws -> Int {
        guard let file = fopen(path, "w") else { throw FcastError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var r = Random(state: seed)
        let locs = makeLocations(&r)
        var buffer = [UInt8](); buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: "pickup_time,location,fare,distance\n".utf8)
        var trips = 0
        let startDay = Timestamp.splitDay(start).days
        @inline(__always) func put2(_ v: Int) { buffer.append(UInt8(48 + v / 10)); buffer.append(UInt8(48 + v % 10)) }
        for d in 0..<days {
            let day = startDay + Int64(d)
            let (y, m, dd) = Timestamp.civilFromDays(day)
            let dow = Timestamp.weekday(day * 86_400)
            let doy = Double(d % 365)
            let holiday = TripGenerator.holidayFactor(day)
            for (k, l) in locs.enumerated() {
                let years = Double(d) / 365
                let change = Double(l.changeDay) / 365
                var trend = 1 + l.slopeBefore * 365 * min(years, change)
                if years > change { trend += l.slopeAfter * 365 * (years - change) }
                let yearly = 1 + l.yearlyAmplitude * cos(2 * .pi * (doy - l.yearlyPeak) / 365)
                let lambda = l.rate * l.weekly[dow] * yearly * max(0.05, trend) * holiday
                let n = r.poisson(lambda)
                for _ in 0..<n {
                    let u = r.uniform()
                    var hour = 0
                    while hour < 23 && TripGenerator.hourProfile[hour] < u { hour += 1 }
                    let second = Int(r.next() % 3600)
                    let distance = max(0.1, -log(max(r.uniform(), 1e-12)) * 2.8)
                    let fare = (3.0 + distance * 2.5 + abs(r.normal()) * 1.5) * 100
                    buffer.append(UInt8(48 + y / 1000)); buffer.append(UInt8(48 + (y / 100) % 10)); put2(y % 100)
                    buffer.append(45); put2(m); buffer.append(45); put2(dd); buffer.append(32)
                    put2(hour); buffer.append(58); put2(second / 60); buffer.append(58); put2(second % 60)
                    buffer.append(44)
                    buffer.append(contentsOf: String(k + 1).utf8)
                    buffer.append(44)
                    let cents = Int(fare.rounded())
                    buffer.append(contentsOf: String(cents / 100).utf8); buffer.append(46); put2(cents % 100)
                    buffer.append(44)
                    let tenths = Int((distance * 100).rounded())
                    buffer.append(contentsOf: String(tenths / 100).utf8); buffer.append(46); put2(tenths % 100)
                    buffer.append(10)
                    trips += 1
                }
                if buffer.count > 1 << 20 {
                    guard fwrite(buffer, 1, buffer.count, file) == buffer.count else {
                        throw FcastError("cannot write '\(path)': \(String(cString: strerror(errno)))")
                    }
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        }
        guard fwrite(buffer, 1, buffer.count, file) == buffer.count else {
            throw FcastError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        return trips
    }

    /// Writes the trips of a CSV file as hive-partitioned Parquet (`folder/year=2019/month=1/...`)
    /// through DuckDB.
    public static func writeParquet(csv: String, folder: String, duckdb: DuckDB) throws {
        try duckdb.execute("""
            COPY (SELECT *, year(pickup_time) AS year, month(pickup_time) AS month
                  FROM read_csv(\(DuckDB.literal(csv)), header = true,
                                types = {'pickup_time': 'TIMESTAMP', 'location': 'INTEGER', 'fare': 'DOUBLE', 'distance': 'DOUBLE'}))
            TO \(DuckDB.literal(folder)) (FORMAT parquet, PARTITION_BY (year, month), OVERWRITE_OR_IGNORE true)
            """)
    }
}
