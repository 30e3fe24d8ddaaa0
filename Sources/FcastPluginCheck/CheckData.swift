import CFcastPlugin
import Foundation

/// The series the conformance checks feed a plugin: monthly, generated from a fixed seed
/// (no file needed once fcast is installed), so every run of `fcast plugin check` sees the
/// same data.
struct CheckSeries {
    var id: String
    var y: [Double]
    var ds: [Int64]
    /// The `h` timestamps after the last one.
    func future(_ h: Int) -> [Int64] { (0..<h).map { CheckSeries.monthStart(ds.count + $0) } }

    /// Seconds since 1970 of the first day of month `k` after January 2000 (UTC).
    static func monthStart(_ k: Int) -> Int64 {
        let year = 2000 + k / 12, month = k % 12 + 1
        return Int64(daysFromCivil(year, month, 1)) * 86_400
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Trend, a 12-month season and Gaussian noise (sd 3) around 100; `seed` varies the noise.
    static func seasonal(n: Int, seed: UInt64 = 1, id: String = "check") -> CheckSeries {
        var rng = SplitMix(seed: seed)
        let y = (0..<n).map { t -> Double in
            100 + 0.3 * Double(t) + 10 * sin(2 * Double.pi * Double(t) / 12) + 3 * rng.normal()
        }
        return CheckSeries(id: id, y: y, ds: (0..<n).map(monthStart))
    }

    func with(y newY: [Double], id newID: String) -> CheckSeries {
        CheckSeries(id: newID, y: newY, ds: (0..<newY.count).map(CheckSeries.monthStart))
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014) with Box-Muller normals.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }
    mutating func normal() -> Double {
        sqrt(-2 * log(uniform())) * cos(2 * Double.pi * uniform())
    }
}

/// Resident memory of this process in bytes (/proc/self/statm, second field).
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
