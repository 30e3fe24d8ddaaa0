/// Inference of a data set's frequency from the spacing of consecutive timestamps.
enum FrequencyInference {
    /// A spacing between consecutive timestamps: whole calendar months (`months > 0`), or seconds.
    struct Spacing: Hashable {
        var months: Int
        var seconds: Int64

        var frequency: Frequency {
            if months > 0 {
                if months % 12 == 0 { return Frequency(.year, step: months / 12) }
                if months % 3 == 0 { return Frequency(.quarter, step: months / 3) }
                return Frequency(.month, step: months)
            }
            for unit in [Frequency.Unit.week, .day, .hour, .minute] {
                let size = unit.seconds!
                if seconds % size == 0 { return Frequency(unit, step: Int(seconds / size)) }
            }
            return Frequency(.second, step: Int(seconds))
        }

        var text: String {
            let f = frequency
            return "\(f.step) \(f.unit.rawValue)\(f.step == 1 ? "" : "s")"
        }

        /// Approximate length, to order spacings.
        var approximateSeconds: Int64 { months > 0 ? Int64(months) * 2_629_746 : seconds }
    }

    /// Classifies the spacing from `a` to `b` (`a < b`): a whole number of calendar months when
    /// the time of day is the same and the day of the month is kept (or clamped, or both are
    /// month ends) and the gap is at least 28 days; otherwise the gap in seconds.
    @inline(__always)
    static func classify(_ a: Int64, _ b: Int64, cache: inout CivilCache) -> Spacing {
        let diff = b - a
        if diff >= 28 * 86_400 {
            let (da, sa) = Timestamp.splitDay(a), (db, sb) = Timestamp.splitDay(b)
            if sa == sb {
                let ca = cache.civil(da), cb = cache.civil(db)
                let months = (cb.year * 12 + cb.month) - (ca.year * 12 + ca.month)
                if months > 0 {
                    let endA = ca.day == Timestamp.daysInMonth(year: ca.year, month: ca.month)
                    let endB = cb.day == Timestamp.daysInMonth(year: cb.year, month: cb.month)
                    if cb.day == ca.day || (endB && cb.day < ca.day) || (endA && endB) {
                        return Spacing(months: months, seconds: 0)
                    }
                }
            }
        }
        return Spacing(months: 0, seconds: diff)
    }

    /// How often each spacing occurs between consecutive timestamps of the same series
    /// (`ds` sorted and strictly increasing within each series).
    static func spacingCounts(ds: [Int64], offsets: [Int]) -> [Spacing: Int] {
        var counts: [Spacing: Int] = [:]
        var lastKey = Spacing(months: -1, seconds: 0), run = 0, lastDiff: Int64 = -1
        var cache = CivilCache()
        ds.withUnsafeBufferPointer { t in
            for s in 0..<(offsets.count - 1) {
                let lo = offsets[s], hi = offsets[s + 1]
                guard hi - lo > 1 else { continue }
                for j in (lo + 1)..<hi {
                    let diff = t[j] - t[j - 1]
                    if diff == lastDiff && lastKey.months == 0 { run += 1; continue }
                    lastDiff = diff
                    let key = classify(t[j - 1], t[j], cache: &cache)
                    if key == lastKey { run += 1; continue }
                    if run > 0 { counts[lastKey, default: 0] += run }
                    lastKey = key
                    run = 1
                }
            }
        }
        if run > 0 { counts[lastKey, default: 0] += run }
        return counts
    }

    /// The most common spacing (ties: the shorter one).
    static func mostCommon(_ counts: [Spacing: Int]) -> Spacing? {
        counts.max { x, y in
            x.value != y.value ? x.value < y.value : x.key.approximateSeconds > y.key.approximateSeconds
        }?.key
    }

    /// Whether every timestamp is the last day of its month and at least one is not the 31st,
    /// which makes month-end anchoring matter.
    static func allMonthEnds(ds: [Int64], offsets: [Int]) -> Bool {
        func monthEnd(_ t: Int64) -> (end: Bool, short: Bool) {
            let (y, m, d) = Timestamp.civilFromDays(Timestamp.splitDay(t).days)
            let length = Timestamp.daysInMonth(year: y, month: m)
            return (d == length, length < 31)
        }
        // Cheap rejection on each series' first timestamp before looking at every point.
        for s in 0..<(offsets.count - 1) where offsets[s + 1] > offsets[s] {
            if !monthEnd(ds[offsets[s]]).end { return false }
        }
        var short = false
        for t in ds {
            let e = monthEnd(t)
            if !e.end { return false }
            short = short || e.short
        }
        return short
    }

    /// The frequency to use for a loaded data set: `given`, or inferred; then checks that every
    /// timestamp lies on its series' grid, with an error that names the series, the timestamp and
    /// its line, and lists the spacings seen.
    static func resolve(ds: [Int64], offsets: [Int], ids: [String], lines: [Int32],
                        given: Frequency?, calendar: BusinessHours? = nil,
                        style: TimestampStyle, name: String) throws -> Frequency {
        var counts: [Spacing: Int]? = nil
        var frequency: Frequency
        if let given {
            frequency = given
        } else {
            let c = spacingCounts(ds: ds, offsets: offsets)
            counts = c
            guard let best = mostCommon(c) else {
                throw FcastError("cannot infer the frequency: every series has a single timestamp; "
                                 + "give it explicitly (freq: \"monthly\", \"daily\", ...)", file: name)
            }
            frequency = best.frequency
            if let calendar {
                do { frequency = try frequency.on(calendar) } catch let e as FcastError {
                    throw FcastError(e.message + " (the step inferred from the most common spacing)", file: name)
                }
            }
        }
        if frequency.isCalendar && !frequency.endOfMonth && allMonthEnds(ds: ds, offsets: offsets) {
            frequency.endOfMonth = true
        }

        // Every timestamp must be a whole number of steps after its series' first one.
        var bad: (series: Int, row: Int)? = nil
        var cache = CivilCache()
        ds.withUnsafeBufferPointer { t in
            for s in 0..<(offsets.count - 1) {
                let lo = offsets[s], hi = offsets[s + 1]
                guard hi > lo else { continue }
                let grid = GridPosition(frequency, origin: t[lo])
                guard grid.originValid else { bad = (s, lo); break }
                for j in (lo + 1)..<hi where grid.index(of: t[j], cache: &cache) == nil { bad = (s, j); break }
                if bad != nil { break }
            }
        }
        guard let (s, j) = bad else { return frequency }

        let how = given == nil && calendar == nil ? "the \(frequency) frequency (the most common spacing)" : "the given \(frequency) frequency"
        let lo = offsets[s]
        var message: String
        if let business = frequency.business {
            message = "series '\(ids[s])' does not fit \(how): \(Timestamp.format(ds[j], style: style)) (line \(lines[j])) "
                + (j == lo ? "is not a period of \(business)" : "is not a whole number of periods of \(business) after its first timestamp \(Timestamp.format(ds[lo], style: style))")
        } else if j == lo {
            message = "series '\(ids[s])' does not fit \(how): its first timestamp "
                + "\(Timestamp.format(ds[j], style: style)) is not at the end of a month"
        } else {
            message = "series '\(ids[s])' does not fit \(how): \(Timestamp.format(ds[j], style: style)) (line \(lines[j])) "
                + "is not a whole number of \(frequency.unit.rawValue)s\(frequency.step > 1 ? " (in steps of \(frequency.step))" : "") "
                + "after its first timestamp \(Timestamp.format(ds[lo], style: style)) (line \(lines[lo]))"
        }
        let seen = (counts ?? spacingCounts(ds: ds, offsets: offsets))
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.approximateSeconds < $1.key.approximateSeconds }
        if !seen.isEmpty {
            message += "; spacings between consecutive timestamps: "
                + seen.prefix(4).map { "\($0.key.text) (\(grouped($0.value)) time\($0.value == 1 ? "" : "s"))" }.joined(separator: ", ")
                + (seen.count > 4 ? ", ..." : "")
        }
        message += given == nil && calendar == nil
            ? "; the spacings are inconsistent: give the frequency explicitly (freq: \"daily\", \"monthly\", ...)"
            : "; check the freq: setting"
        throw FcastError(message, file: name, line: Int(lines[j]))
    }
}

extension Frequency {
    /// Infers a frequency from timestamps grouped in series (`offsets` as in `Panel`, `ds` sorted
    /// within each series): the most common spacing between consecutive timestamps, recognising
    /// calendar months, quarters and years. Nil when no series has two timestamps.
    /// Month-end anchoring is set when every timestamp is a month end.
    public static func infer(ds: [Int64], offsets: [Int]) -> Frequency? {
        guard var f = FrequencyInference.mostCommon(FrequencyInference.spacingCounts(ds: ds, offsets: offsets))?.frequency
        else { return nil }
        if f.isCalendar && FrequencyInference.allMonthEnds(ds: ds, offsets: offsets) { f.endOfMonth = true }
        return f
    }
}
