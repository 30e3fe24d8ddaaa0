import FcastCore

/// Tic marks for a time axis, placed on calendar boundaries (1 Jan, the first of a month,
/// midnight, the hour) and labelled by the coarsest unit that tells them apart: `2019`,
/// `Mar 2019`, `12 Mar`, `12 Mar 06:00`, `06:15`.
public enum TimeTics {
    enum Unit { case year, month, day, hour, minute, second }

    /// Candidate spacings, finest first.
    static let candidates: [(Unit, Int)] = [
        (.second, 1), (.second, 5), (.second, 15), (.second, 30),
        (.minute, 1), (.minute, 5), (.minute, 15), (.minute, 30),
        (.hour, 1), (.hour, 3), (.hour, 6), (.hour, 12),
        (.day, 1), (.day, 2), (.day, 7), (.day, 14),
        (.month, 1), (.month, 2), (.month, 3), (.month, 6),
        (.year, 1), (.year, 2), (.year, 5), (.year, 10), (.year, 20), (.year, 50), (.year, 100),
        (.year, 200), (.year, 500), (.year, 1000),
    ]

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Tics within [lo, hi] (seconds since 1970): the finest calendar spacing whose labels,
    /// each followed by a gap of half its width, fit in `room` characters.
    /// `room` is the axis length in characters (text) or in average character widths (images).
    public static func tics(from lo: Double, to hi: Double, room: Int) -> [(position: Double, label: String)] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return [] }
        let start = Int64(lo.rounded(.down)), end = Int64(hi.rounded(.up))
        for (unit, step) in candidates {
            // Cheap estimate before generating: the spacing in seconds.
            let approx: Double
            switch unit {
            case .second: approx = Double(step)
            case .minute: approx = Double(step) * 60
            case .hour: approx = Double(step) * 3600
            case .day: approx = Double(step) * 86_400
            case .month: approx = Double(step) * 30.44 * 86_400
            case .year: approx = Double(step) * 365.25 * 86_400
            }
            let estimate = (hi - lo) / approx
            let width = labelWidth(unit, spanDays: (hi - lo) / 86_400)
            // Labels at least half their width apart: an axis to read, not a ruler.
            let fits = max(2, room / (width * 3 / 2 + 2))
            if estimate > Double(fits) + 1 { continue }
            let tics = generate(unit, step: step, from: start, to: end, spanDays: (hi - lo) / 86_400)
            if tics.count <= fits { return tics }
        }
        return []
    }

    static func labelWidth(_ unit: Unit, spanDays: Double) -> Int {
        switch unit {
        case .year: return 4
        case .month: return 8
        case .day: return 6
        case .hour: return spanDays >= 1 ? 12 : 5
        case .minute: return 5
        case .second: return 8
        }
    }

    static func generate(_ unit: Unit, step: Int, from start: Int64, to end: Int64, spanDays: Double) -> [(Double, String)] {
        var out: [(Double, String)] = []
        let (d0, _) = Timestamp.splitDay(start)
        let c = Timestamp.civilFromDays(d0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        switch unit {
        case .year, .month:
            // Month index from year 0, rounded up to the step.
            let stepMonths = unit == .year ? 12 * step : step
            var m = c.year * 12 + (c.month - 1)
            m = Int((Double(m) / Double(stepMonths)).rounded(.up)) * stepMonths
            while true {
                let y = m >= 0 ? m / 12 : (m - 11) / 12, month = m - y * 12 + 1
                let t = Timestamp.daysFromCivil(year: y, month: month, day: 1) * Timestamp.secondsPerDay
                if t > end || out.count > 1000 { break }
                if t >= start {
                    out.append((Double(t), unit == .year ? "\(y)" : "\(monthNames[month - 1]) \(y)"))
                }
                m += stepMonths
            }
        case .day:
            var d = d0
            if step == 7 {
                // Mondays.
                while Timestamp.weekday(d * Timestamp.secondsPerDay) != 0 { d += 1 }
            } else if step > 1 {
                d = Int64((Double(d) / Double(step)).rounded(.up)) * Int64(step)
            }
            while true {
                let t = d * Timestamp.secondsPerDay
                if t > end || out.count > 1000 { break }
                if t >= start {
                    let cd = Timestamp.civilFromDays(d)
                    out.append((Double(t), "\(cd.day) \(monthNames[cd.month - 1])"))
                }
                d += Int64(step)
            }
        case .hour, .minute, .second:
            let size: Int64 = unit == .hour ? 3600 * Int64(step) : unit == .minute ? 60 * Int64(step) : Int64(step)
            var t = Int64((Double(start) / Double(size)).rounded(.up)) * size
            while t <= end && out.count <= 1000 {
                let (days, sod) = Timestamp.splitDay(t)
                let cd = Timestamp.civilFromDays(days)
                let hm = "\(two(Int(sod / 3600))):\(two(Int(sod / 60 % 60)))"
                let label: String
                switch unit {
                case .hour: label = spanDays >= 1 ? "\(cd.day) \(monthNames[cd.month - 1]) \(hm)" : hm
                case .minute: label = hm
                default: label = hm + ":" + two(Int(sod % 60))
                }
                out.append((Double(t), label))
                t += size
            }
        }
        return out
    }
}
