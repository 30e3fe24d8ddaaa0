import CFcastPlugin
import FcastABI
import FcastPlan
import FcastPlugins
import Foundation

/// The outcome of one check.
public struct CheckResult: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case pass, fail, skip }
    public var algorithm: String
    public var check: String
    public var status: Status
    public var detail: String
    public var seconds: Double
}

/// One line a probe process writes: the start of a check (`begin`), or its result.
struct ProbeLine: Codable {
    var begin: String?
    var result: CheckResult?
    var library: LibraryInfo?
    var error: String?
}

/// What the first probe reads off a library: its table and algorithms.
public struct LibraryInfo: Codable, Sendable {
    public var name: String
    public var version: String
    public var abiMajor: Int
    public var abiMinor: Int
    public var tableSize: Int
    public var algorithms: [String]
    public var capabilities: [String: [String]]
}

/// The checks, in the order they run. Each runs inside a probe process (`fcast plugin probe`),
/// never in the checker, so a plugin that crashes or hangs fails that check only.
public enum Checks {
    public static let all = ["schema", "basic", "nan", "inf", "empty", "constant", "short", "huge-values",
                             "long-series", "h0", "large-h", "intervals", "many-levels", "determinism",
                             "threads", "save-load", "forward", "memory", "cancellation", "timing"]
    /// Seconds a check may take before it counts as hung (memory and long series get more).
    public static func timeout(_ check: String, base: Double) -> Double {
        switch check {
        case "memory", "threads", "long-series", "cancellation": base * 4
        default: base
        }
    }
}

/// The probe: runs checks against one algorithm of a library in this process, printing one
/// JSON line per check start and result. Only `fcast plugin probe` calls it.
public struct Probe: Sendable {
    /// `fcast plugin probe LIB`: loads the library and prints its LibraryInfo (or an error).
    public static func describe(library path: String) -> Int32 {
        let registry = PluginRegistry()
        do {
            let lib = try registry.load(path: path)
            var caps: [String: [String]] = [:]
            for a in lib.algorithms { caps[a.name] = a.capabilities.names }
            emit(ProbeLine(library: LibraryInfo(name: lib.name, version: lib.version, abiMajor: lib.abiMajor,
                                                abiMinor: lib.abiMinor, tableSize: lib.tableSize,
                                                algorithms: lib.algorithms.map(\.name), capabilities: caps)))
            return 0
        } catch {
            emit(ProbeLine(error: error.reason))
            return 1
        }
    }

    /// `fcast plugin probe LIB ALGO CHECK...`: runs the checks in order.
    public static func run(library path: String, algorithm name: String, checks: [String]) -> Int32 {
        HostServices.setLogSink { _, _ in }  // a plugin's log lines are not findings
        let registry = PluginRegistry()
        let algorithm: AlgorithmHandle
        do {
            try registry.load(path: path)
            guard let a = registry.algorithm(named: name) else {
                emit(ProbeLine(error: "\(path) has no algorithm '\(name)'"))
                return 1
            }
            algorithm = a
        } catch {
            emit(ProbeLine(error: error.reason))
            return 1
        }
        for check in checks {
            emit(ProbeLine(begin: check))
            let start = DispatchTime.now().uptimeNanoseconds
            let (status, detail) = Probe(algorithm: algorithm).run(check)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            emit(ProbeLine(result: CheckResult(algorithm: name, check: check, status: status, detail: detail,
                                               seconds: seconds)))
        }
        return 0
    }

    static func emit(_ line: ProbeLine) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = (try? encoder.encode(line)) ?? Data("{}".utf8)
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    let algorithm: AlgorithmHandle
    var caps: Capabilities { algorithm.capabilities }
    var levels: [Double] { caps.contains(.intervals) ? [80, 95] : [] }

    func run(_ check: String) -> (CheckResult.Status, String) {
        do {
            switch check {
            case "schema": return schema()
            case "basic": return try clean(CheckSeries.seasonal(n: 120), h: 12, what: "a 120-month seasonal series", mustForecast: true)
            case "nan":
                var s = CheckSeries.seasonal(n: 120)
                s.y[60] = .nan
                s.y[119] = .nan
                return try clean(s, h: 12, what: "a series with missing values (NaN at 61 and 120)")
            case "inf":
                var s = CheckSeries.seasonal(n: 120)
                s.y[30] = .infinity
                s.y[90] = -.infinity
                return try clean(s, h: 12, what: "a series with +inf and -inf")
            case "empty": return try clean(CheckSeries.seasonal(n: 0), h: 12, what: "an empty series")
            case "constant":
                let s = CheckSeries.seasonal(n: 48)
                return try clean(s.with(y: Array(repeating: 5, count: 48), id: "constant"), h: 12, what: "a constant series")
            case "short":
                for n in 1...3 {
                    let r = try clean(CheckSeries.seasonal(n: n), h: 6, what: "a series of \(n) point\(n == 1 ? "" : "s")")
                    if r.0 == .fail { return r }
                }
                return (.pass, "1, 2 and 3 points: a forecast or a clean error")
            case "huge-values":
                let s = CheckSeries.seasonal(n: 120)
                let r = try clean(s.with(y: s.y.map { $0 * 1e12 }, id: "huge"), h: 12, what: "values near 1e14")
                if r.0 == .fail { return r }
                let r2 = try clean(s.with(y: s.y.map { $0 * 1e-12 }, id: "tiny"), h: 12, what: "values near 1e-10")
                return r2.0 == .fail ? r2 : (.pass, r.1 + "; " + r2.1)
            case "long-series": return try clean(CheckSeries.seasonal(n: 10_000), h: 12, what: "a series of 10,000 points")
            case "h0": return try horizonZero()
            case "large-h": return try clean(CheckSeries.seasonal(n: 120), h: 1000, what: "horizon 1000")
            case "intervals":
                guard caps.contains(.intervals) else { return (.skip, "no FC_CAP_INTERVALS") }
                return try clean(CheckSeries.seasonal(n: 120), h: 24, levels: [50, 80, 95, 99], what: "levels 50, 80, 95, 99",
                                 mustForecast: true, nesting: true)
            case "many-levels":
                guard caps.contains(.intervals) else { return (.skip, "no FC_CAP_INTERVALS") }
                let many: [Double] = [99.9, 1, 50, 5] + stride(from: 10.0, through: 95, by: 5) + [97.5, 99]
                return try clean(CheckSeries.seasonal(n: 120), h: 12, levels: many,
                                 what: "\(many.count) levels from 1 to 99.9, unsorted", mustForecast: true, nesting: true)
            case "determinism": return try determinism()
            case "threads": return try threads()
            case "save-load": return try saveLoad()
            case "forward": return try forwardCheck()
            case "memory": return try memory()
            case "cancellation": return try cancellation()
            case "timing": return try timing()
            default: return (.fail, "unknown check '\(check)'")
            }
        } catch let e as TaskFailure {
            return (.fail, "\(e.kind.rawValue): \(e.message)")
        } catch {
            return (.fail, "\(error)")
        }
    }

    // MARK: configuration

    /// Values for the required parameters (none of them has a default): a number in range
    /// (12 where allowed), a list of the stated length, the first choice.
    func requiredValues() -> [String: ParameterValue] {
        var values: [String: ParameterValue] = [:]
        for p in algorithm.parameters where p.required {
            let lo = p.min ?? -.infinity, hi = p.max ?? .infinity
            let x = Swift.min(Swift.max(12, lo), hi)
            switch p.kind {
            case .int: values[p.name] = .int(Int(x.rounded(.up)))
            case .real: values[p.name] = .real(x)
            case .bool: values[p.name] = .bool(false)
            case .string: values[p.name] = .string(p.choices?.first ?? "x")
            case .intList, .realList: values[p.name] = .list(Array(repeating: Swift.max(lo, Swift.min(hi, 1)), count: Swift.max(1, p.listLength)))
            case .json: values[p.name] = .json("null")
            }
        }
        return values
    }

    func configure() throws -> ModelConfiguration { try algorithm.configure(requiredValues()) }

    // MARK: one forecast, judged

    struct Output {
        var mean: [Double]
        var lo: [[Double]]
        var hi: [[Double]]
    }

    /// A buffer of `count` cells and 8 guard cells after it, all a marker value.
    static let marker = Double(bitPattern: 0x7FF8_0000_DEAD_BEEF)
    static func isMarker(_ x: Double) -> Bool { x.bitPattern == marker.bitPattern }

    /// Fits and forecasts `s`; returns the forecast, or the clean error, or throws a finding
    /// (an error without a message, a write past the buffers).
    func forecast(_ s: CheckSeries, h: Int, levels lv: [Double], seed: UInt64 = 42,
                  config: ModelConfiguration? = nil) throws -> Result<Output, TaskFailure> {
        let config = try config ?? configure()
        let model: FittedModelHandle
        do {
            model = try fit(config, s)
        } catch {
            return .failure(error)
        }
        return try predict(model, s, h: h, levels: lv, seed: seed)
    }

    func fit(_ config: ModelConfiguration, _ s: CheckSeries) throws(TaskFailure) -> FittedModelHandle {
        // A valid pointer even for an empty series.
        let y = s.y.isEmpty ? [0.0] : s.y, ds = s.ds.isEmpty ? [Int64(0)] : s.ds
        return try y.withUnsafeBufferPointer { yb throws(TaskFailure) in
            try ds.withUnsafeBufferPointer { db throws(TaskFailure) in
                let ref = SeriesRef(id: s.id, y: UnsafeBufferPointer(rebasing: yb[0..<s.y.count]),
                                    ds: UnsafeBufferPointer(rebasing: db[0..<s.ds.count]),
                                    frequencyUnit: Int32(FC_FREQ_MONTH), frequencyStep: 1)
                return try config.fit(ref)
            }
        }
    }

    func predict(_ model: FittedModelHandle, _ s: CheckSeries, h: Int, levels lv: [Double],
                 seed: UInt64) throws -> Result<Output, TaskFailure> {
        let guardCells = 8
        var mean = [Double](repeating: Probe.marker, count: h + guardCells)
        var lo = [Double](repeating: Probe.marker, count: h * lv.count + guardCells)
        var hi = lo
        let future = s.future(h) + [0]
        do {
            try mean.withUnsafeMutableBufferPointer { m throws(TaskFailure) in
                try lo.withUnsafeMutableBufferPointer { l throws(TaskFailure) in
                    try hi.withUnsafeMutableBufferPointer { u throws(TaskFailure) in
                        try future.withUnsafeBufferPointer { f throws(TaskFailure) in
                            try model.predict(horizon: h, futureDs: UnsafeBufferPointer(rebasing: f[0..<h]), levels: lv,
                                              seed: seed, mean: m.baseAddress!, lo: l.baseAddress, hi: u.baseAddress)
                        }
                    }
                }
            }
        } catch {
            return .failure(error)
        }
        if mean[h...].contains(where: { !Probe.isMarker($0) }) || lo[(h * lv.count)...].contains(where: { !Probe.isMarker($0) })
            || hi[(h * lv.count)...].contains(where: { !Probe.isMarker($0) }) {
            throw Finding("predict wrote past the end of the host's buffers (h = \(h), \(lv.count) levels)")
        }
        return .success(Output(mean: Array(mean[0..<h]),
                               lo: (0..<lv.count).map { Array(lo[($0 * h)..<(($0 + 1) * h)]) },
                               hi: (0..<lv.count).map { Array(hi[($0 * h)..<(($0 + 1) * h)]) }))
    }

    struct Finding: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// What is wrong with a forecast, or nil: every value written and finite, lo <= mean <=
    /// hi, and a higher level's interval containing a lower level's.
    func problem(_ out: Output, levels lv: [Double], nesting: Bool = true) -> String? {
        let h = out.mean.count
        for t in 0..<h {
            let m = out.mean[t]
            if Probe.isMarker(m) { return "mean[\(t)] was never written" }
            if !m.isFinite { return "the forecast is \(m) at step \(t + 1)" }
        }
        for (l, level) in lv.enumerated() {
            for t in 0..<h {
                let a = out.lo[l][t], b = out.hi[l][t], m = out.mean[t]
                if Probe.isMarker(a) || Probe.isMarker(b) { return "the \(fmt(level))% interval at step \(t + 1) was never written" }
                if !a.isFinite || !b.isFinite { return "the \(fmt(level))% interval at step \(t + 1) is [\(a), \(b)]" }
                let tol = 1e-9 * Swift.max(1, abs(m))
                // A narrow interval of a skewed (simulated) distribution may rightly leave
                // out the mean; from 50% on it must hold it.
                if level >= 50 && (a > m + tol || m > b + tol) {
                    return "the \(fmt(level))% interval at step \(t + 1) is [\(a), \(b)] but the mean is \(m): not lo <= mean <= hi"
                }
            }
        }
        guard nesting else { return nil }
        let order = lv.indices.sorted { lv[$0] < lv[$1] }
        for k in order.indices.dropFirst() {
            let narrow = order[k - 1], wide = order[k]
            for t in 0..<h {
                let tol = 1e-9 * Swift.max(1, abs(out.mean[t]))
                if out.lo[wide][t] > out.lo[narrow][t] + tol || out.hi[wide][t] < out.hi[narrow][t] - tol {
                    return "intervals are not nested at step \(t + 1): \(fmt(lv[narrow]))% is [\(out.lo[narrow][t]), \(out.hi[narrow][t])] but \(fmt(lv[wide]))% is [\(out.lo[wide][t]), \(out.hi[wide][t])]"
                }
            }
        }
        return nil
    }

    func fmt(_ x: Double) -> String { ParameterLabel.number(x) }

    /// A forecast that passes `problem`, or a clean error (a status with a message).
    func clean(_ s: CheckSeries, h: Int, levels lv: [Double]? = nil, what: String,
               mustForecast: Bool = false, nesting: Bool = false) throws -> (CheckResult.Status, String) {
        let lv = lv ?? levels
        switch try forecast(s, h: h, levels: lv) {
        case .success(let out):
            if let p = problem(out, levels: lv, nesting: nesting) { return (.fail, "\(what): \(p)") }
            return (.pass, "\(what): a forecast")
        case .failure(let e):
            if mustForecast { return (.fail, "\(what): no forecast: \(e.kind.rawValue): \(e.message)") }
            if e.message.hasPrefix("the plugin reported status") {
                return (.fail, "\(what): an error without a message (\(e.message))")
            }
            return (.pass, "\(what): a clean error (\(e.kind.rawValue): \(e.message))")
        }
    }

    // MARK: the other checks

    func schema() -> (CheckResult.Status, String) {
        var problems: [String] = []
        var seen = Set<String>()
        let identifier = /^[A-Za-z_][A-Za-z0-9_]*$/
        if algorithm.name.wholeMatch(of: identifier) == nil { problems.append("the algorithm's name '\(algorithm.name)' is not an identifier") }
        if algorithm.summary.isEmpty { problems.append("the summary is empty") }
        for p in algorithm.parameters {
            if p.name.wholeMatch(of: identifier) == nil { problems.append("parameter '\(p.name)' is not an identifier") }
            if !seen.insert(p.name).inserted { problems.append("parameter '\(p.name)' appears twice") }
            if let lo = p.min, let hi = p.max, lo > hi { problems.append("\(p.name): min \(lo) > max \(hi)") }
            if p.required && p.defaultText != nil { problems.append("\(p.name) is required but has a default") }
            if let c = p.choices, c.isEmpty { problems.append("\(p.name) has an empty list of choices") }
            if p.listLength > 0 && p.kind != .intList && p.kind != .realList { problems.append("\(p.name) has a list length but is not a list") }
            if p.help.isEmpty { problems.append("\(p.name) has no help text") }
            if let d = p.defaultText, p.kind == .int || p.kind == .real {
                if let x = Double(d) {
                    if let lo = p.min, x < lo { problems.append("\(p.name)'s default \(d) is below its minimum \(fmt(lo))") }
                    if let hi = p.max, x > hi { problems.append("\(p.name)'s default \(d) is above its maximum \(fmt(hi))") }
                    if p.kind == .int && x != x.rounded() { problems.append("\(p.name)'s default \(d) is not an integer") }
                } else {
                    problems.append("\(p.name)'s default '\(d)' is not a number")
                }
            }
            if let d = p.defaultText, let c = p.choices, p.kind == .string, !c.contains(where: { "\"\($0)\"" == d }) {
                problems.append("\(p.name)'s default \(d) is not one of its choices")
            }
        }
        do {
            _ = try configure()
        } catch {
            problems.append("configure refuses the defaults\(algorithm.parameters.contains { $0.required } ? " and the required values \(requiredValues())" : ""): \(error)")
        }
        if problems.isEmpty { return (.pass, "\(algorithm.parameters.count) parameter\(algorithm.parameters.count == 1 ? "" : "s"), configure accepts the defaults") }
        return (.fail, problems.joined(separator: "; "))
    }

    func horizonZero() throws -> (CheckResult.Status, String) {
        switch try forecast(CheckSeries.seasonal(n: 120), h: 0, levels: levels) {
        case .success: return (.pass, "h = 0: nothing written")
        case .failure(let e): return (.pass, "h = 0: a clean error (\(e.message))")
        }
    }

    func same(_ a: Output, _ b: Output, tolerance: Double = 0) -> Bool {
        func eq(_ x: [Double], _ y: [Double]) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern || abs($0 - $1) <= tolerance * Swift.max(1, abs($0)) }
        }
        return eq(a.mean, b.mean) && zip(a.lo, b.lo).allSatisfy(eq) && zip(a.hi, b.hi).allSatisfy(eq)
    }

    func determinism() throws -> (CheckResult.Status, String) {
        let s = CheckSeries.seasonal(n: 120)
        let a = try forecast(s, h: 24, levels: levels, seed: 7).get()
        let b = try forecast(s, h: 24, levels: levels, seed: 7).get()
        guard same(a, b) else { return (.fail, "two fits and forecasts of the same series with seed 7 differ") }
        return (.pass, "the same series and seed give identical forecasts")
    }

    func threads() throws -> (CheckResult.Status, String) {
        guard caps.contains(.threadSafe) else { return (.skip, "no FC_CAP_THREAD_SAFE: fcast serialises its calls") }
        let config = try configure()
        // As many series as one thread fits in about 2 s (4 to 16): every thread fits them all.
        let t0 = Date()
        _ = try forecast(CheckSeries.seasonal(n: 96, seed: 9), h: 12, levels: levels, config: config)
        let one = Swift.max(Date().timeIntervalSince(t0), 1e-6)
        let count = Swift.min(16, Swift.max(4, Int(2 / one)))
        let series = (0..<count).map { CheckSeries.seasonal(n: 96, seed: UInt64($0 + 10), id: "s\($0)") }
        let lv = levels
        let expected = try series.map { try forecast($0, h: 12, levels: lv, config: config).get() }
        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var mismatch: String?
        }
        let box = Box()
        let threads = 8
        let probe = self
        // Real threads, not concurrentPerform (which runs no more at once than there are cores).
        let group = DispatchGroup()
        for k in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for i in series.indices.map({ ($0 + k) % series.count }) {
                    let s = series[i]
                    let got = try? probe.forecast(s, h: 12, levels: lv, config: config).get()
                    if got == nil || !probe.same(got!, expected[i]) {
                        box.lock.lock()
                        box.mismatch = box.mismatch ?? "series \(s.id) gave a different forecast when fitted from \(threads) threads at once"
                        box.lock.unlock()
                    }
                }
            }
        }
        group.wait()
        if let m = box.mismatch { return (.fail, m) }
        return (.pass, "\(threads) threads x \(count) fits at once on one configuration match the fits made one at a time")
    }

    func saveLoad() throws -> (CheckResult.Status, String) {
        guard caps.contains(.saveLoad) else { return (.skip, "no FC_CAP_SAVE_LOAD") }
        let config = try configure()
        let s = CheckSeries.seasonal(n: 120)
        let model = try fit(config, s)
        let before = try predict(model, s, h: 24, levels: levels, seed: 3).get()
        let bytes = try model.save()
        guard !bytes.isEmpty else { return (.fail, "save wrote 0 bytes") }
        let loaded = try config.load(bytes)
        let after = try predict(loaded, s, h: 24, levels: levels, seed: 3).get()
        guard same(before, after, tolerance: 1e-12) else {
            return (.fail, "the loaded model forecasts \(after.mean.prefix(3)) where the saved one gave \(before.mean.prefix(3))")
        }
        // Damaged bytes: an error or a model, never a crash (a crash ends this process).
        var damaged = "accepted"
        for cut in [bytes.count / 2, 0] {
            if (try? config.load(Array(bytes.prefix(cut)))) == nil { damaged = "refused" }
        }
        return (.pass, "\(bytes.count) bytes; the loaded model forecasts the same; truncated bytes \(damaged) without a crash")
    }

    /// The "fcast.forward.v1" extension (cv(refit: false)): a model fitted on 96 points and
    /// forwarded to those same points forecasts as the fitted model; forwarded to all 120 it
    /// gives a finite forecast with ordered bounds; and the model it was given is unchanged.
    func forwardCheck() throws -> (CheckResult.Status, String) {
        let config = try configure()
        guard config.canForward else { return (.skip, "no fcast.forward.v1 for this configuration") }
        let full = CheckSeries.seasonal(n: 120)
        let part = full.with(y: Array(full.y.prefix(96)), id: full.id)
        let model = try fit(config, part)
        let own = try predict(model, part, h: 12, levels: levels, seed: 5).get()
        func forward(to s: CheckSeries) throws(TaskFailure) -> FittedModelHandle {
            try s.y.withUnsafeBufferPointer { yb throws(TaskFailure) in
                try s.ds.withUnsafeBufferPointer { db throws(TaskFailure) in
                    try config.forward(model, to: SeriesRef(id: s.id, y: yb, ds: db, frequencyUnit: Int32(FC_FREQ_MONTH),
                                                            frequencyStep: 1))
                }
            }
        }
        let again = try predict(try forward(to: part), part, h: 12, levels: levels, seed: 5).get()
        guard same(own, again, tolerance: 1e-6) else {
            return (.fail, "forwarded to the series it was fitted on, the model forecasts \(again.mean.prefix(3)) where it gave \(own.mean.prefix(3))")
        }
        let on = try predict(try forward(to: full), full, h: 12, levels: levels, seed: 5).get()
        guard on.mean.allSatisfy(\.isFinite) else { return (.fail, "forwarded 24 points on, the forecast is not finite: \(on.mean.prefix(3))") }
        for (l, h) in zip(on.lo, on.hi) where zip(l, h).contains(where: { !($0 <= $1) }) {
            return (.fail, "forwarded 24 points on, an interval has lo above hi")
        }
        guard same(own, try predict(model, part, h: 12, levels: levels, seed: 5).get()) else {
            return (.fail, "forward changed the model it was given: its forecast is not the same afterwards")
        }
        return (.pass, "forwarded to its own 96 points the model forecasts as fitted; 24 points on, a finite forecast; the given model unchanged")
    }

    func memory() throws -> (CheckResult.Status, String) {
        let config = try configure()
        let s = CheckSeries.seasonal(n: 60)
        let target = 10_000
        let budget = 10.0
        let warm = Date()
        for _ in 0..<200 where Date().timeIntervalSince(warm) < 2 { _ = try forecast(s, h: 12, levels: levels, config: config) }
        guard let before = residentBytes() else { return (.skip, "no /proc/self/statm") }
        let start = Date()
        var n = 0
        while n < target && Date().timeIntervalSince(start) < budget {
            _ = try forecast(s, h: 12, levels: levels, config: config)
            n += 1
        }
        let after = residentBytes() ?? before
        let growth = Double(after - before)
        let perFit = growth / Double(n)
        let projected = perFit * Double(target)
        let mib = 1024.0 * 1024
        let text = "\(n) fits\(n < target ? " (all the \(Int(budget)) s budget allowed)" : ""): resident memory \(String(format: "%.1f", Double(before) / mib)) -> \(String(format: "%.1f", Double(after) / mib)) MiB"
        if growth > 8 * mib { return (.fail, text + String(format: ", %.0f bytes per fit: a leak", perFit)) }
        // Below 2000 fits, page-sized noise would dominate a projection to 10,000.
        if n >= 2000 && projected > 8 * mib {
            return (.fail, text + String(format: ", %.0f bytes per fit: %.1f MiB over %d fits, a leak", perFit, projected / mib, target))
        }
        return (.pass, text + (n < 2000 ? "; too few fits to project a small leak" : ""))
    }

    func cancellation() throws -> (CheckResult.Status, String) {
        let config = try configure()
        let s = CheckSeries.seasonal(n: 2000)
        var t0 = Date()
        let normal = try forecast(s, h: 12, levels: levels, config: config)
        let plain = Date().timeIntervalSince(t0)
        let token = CancelToken()
        token.cancel()
        t0 = Date()
        let cancelled = try token.whileCurrent { try forecast(s, h: 12, levels: levels, config: config) }
        let asked = Date().timeIntervalSince(t0)
        if case .failure(let e) = cancelled, e.kind == .cancelled {
            return (.pass, String(format: "returned FC_ERR_CANCELLED after %.3f s (a full fit of 2000 points: %.3f s)", asked, plain))
        }
        if case .failure = normal { return (.skip, "a series of 2000 points gives no forecast, so there is nothing to cancel") }
        if asked < 0.25 {
            return (.pass, String(format: "a fit of 2000 points takes %.3f s: too short to need polling", asked))
        }
        return (.fail, String(format: "a fit of 2000 points ran to its end (%.2f s) with cancellation requested: poll host->should_cancel_ctx and return FC_ERR_CANCELLED", asked))
    }

    func timing() throws -> (CheckResult.Status, String) {
        let config = try configure()
        let s = CheckSeries.seasonal(n: 120)
        var fits: [Double] = [], predicts: [Double] = []
        for _ in 0..<5 {
            var t0 = DispatchTime.now().uptimeNanoseconds
            let m = try fit(config, s)
            fits.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            t0 = DispatchTime.now().uptimeNanoseconds
            _ = try predict(m, s, h: 12, levels: levels, seed: 1).get()
            predicts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return (.pass, String(format: "fit %.3f ms, predict %.3f ms (median of 5, 120 points, h = 12)",
                              fits.sorted()[2], predicts.sorted()[2]))
    }
}
