import FcastCore
import FcastPlan
import FcastPlugins

/// A forecast combination: a model of a grid whose forecast is the mean, the median or the
/// inverse-MSE weighted mean of its members' forecasts (Bates and Granger 1969; Timmermann
/// 2006). Its members run as ordinary tasks; the combination is made from their results,
/// and its intervals come from conformal calibration on cross-validation errors.
public struct Combination: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case mean, median
        case inverseMSE = "inverse_mse"
    }
    public var members: [ModelSpec]
    public var method: Method

    public init(members: [ModelSpec], method: Method) {
        self.members = members
        self.method = method
    }

    /// The combination as a plan writes it: library "fcast", algorithm "combine", its method
    /// and members' canonical specs as parameters.
    public var planned: PlannedModel {
        PlannedModel(library: "fcast", libraryVersion: "1", algorithm: "combine",
                     parameters: ["by": .string(method.rawValue),
                                  "members": .string(members.map(\.planned.canonicalSpec).joined(separator: ";"))],
                     name: "")
    }

    /// Combines members' values at one step: NaN members left out.
    public func combine(_ values: [Double], weights: [Double]?) -> Double {
        var pairs: [(Double, Double)] = []
        for (i, v) in values.enumerated() where !v.isNaN { pairs.append((v, weights?[i] ?? 1)) }
        guard !pairs.isEmpty else { return .nan }
        switch method {
        case .mean:
            return pairs.map(\.0).reduce(0, +) / Double(pairs.count)
        case .median:
            let s = pairs.map(\.0).sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        case .inverseMSE:
            let total = pairs.map(\.1).reduce(0, +)
            guard total > 0, total.isFinite else { return pairs.map(\.0).reduce(0, +) / Double(pairs.count) }
            return pairs.map { $0.0 * $0.1 }.reduce(0, +) / total
        }
    }
}

/// Grids with combinations, run through plain jobs: `expand` gives the models a job runs
/// (members added where the grid lacks them), `assemble` the run in the grid's own models.
public struct CombinationLayout: Sendable {
    /// The grid's models, combinations included.
    public let specs: [ModelSpec]
    /// The models the job runs.
    public let jobSpecs: [ModelSpec]
    /// Per grid model, its model in the job (nil for a combination).
    public let jobIndex: [Int?]
    /// Per grid model, its members' models in the job (empty for a plugin model).
    public let members: [[Int]]

    public init(_ specs: [ModelSpec]) {
        self.specs = specs
        var job: [ModelSpec] = [], index: [Int?] = [], members: [[Int]] = []
        var bySpec: [String: Int] = [:]
        func add(_ s: ModelSpec) -> Int {
            let key = s.planned.canonicalSpec
            if let i = bySpec[key] { return i }
            job.append(s)
            bySpec[key] = job.count - 1
            return job.count - 1
        }
        // The grid's own models keep their places (duplicates too); members reuse them.
        for s in specs where s.combination == nil {
            job.append(s)
            if bySpec[s.planned.canonicalSpec] == nil { bySpec[s.planned.canonicalSpec] = job.count - 1 }
        }
        var next = 0
        for s in specs {
            if let c = s.combination {
                index.append(nil)
                members.append(c.members.map { add($0) })
            } else {
                index.append(next)
                next += 1
                members.append([])
            }
        }
        jobSpecs = job
        jobIndex = index
        self.members = members
    }

    public var hasCombinations: Bool { specs.contains { $0.combination != nil } }

    /// The run in the grid's models: plugin models' results copied, combinations made from
    /// their members' forecasts (the members that succeeded; failed when none did), without
    /// intervals (NaN: `Conformal.calibrate` gives them). `weights(c, s, w)` gives the
    /// inverse-MSE weights of combination model c's members for series s in window w.
    public func assemble(_ r: RunResult, weights: ((Int, Int, Int) -> [Double]?)? = nil) -> RunResult {
        var plan = r.plan
        plan.models = specs.map(\.planned)
        let nS = r.seriesCount, nW = plan.windows.count, h = r.horizon, nL = r.levels.count
        let tasks = plan.taskCount
        var mean = [Double](repeating: .nan, count: tasks * h)
        var lo = [Double](repeating: .nan, count: tasks * nL * h), hi = lo
        var outcomes = [TaskOutcome](repeating: .notRun, count: tasks)
        var descriptions = [String](repeating: "", count: tasks)
        var seconds = [Double](repeating: 0, count: tasks)
        var kept = [KeptModel?](repeating: nil, count: tasks)
        for w in 0..<nW {
            for (m, spec) in specs.enumerated() {
                for s in 0..<nS {
                    let k = plan.taskIndex(TaskRef(series: s, model: m, window: w))
                    if let j = jobIndex[m] {
                        let src = r.plan.taskIndex(TaskRef(series: s, model: j, window: w))
                        mean.replaceSubrange((k * h)..<((k + 1) * h), with: r.mean[(src * h)..<((src + 1) * h)])
                        lo.replaceSubrange((k * nL * h)..<((k + 1) * nL * h), with: r.lo[(src * nL * h)..<((src + 1) * nL * h)])
                        hi.replaceSubrange((k * nL * h)..<((k + 1) * nL * h), with: r.hi[(src * nL * h)..<((src + 1) * nL * h)])
                        outcomes[k] = r.outcomes[src]
                        descriptions[k] = r.descriptions[src]
                        seconds[k] = r.taskSeconds[src]
                        kept[k] = r.kept[src]
                        continue
                    }
                    let combination = spec.combination!
                    let srcs = members[m].map { r.plan.taskIndex(TaskRef(series: s, model: $0, window: w)) }
                    var okMembers: [Int] = [], failed: [String] = [], notRun = 0
                    for (i, src) in srcs.enumerated() {
                        seconds[k] += r.taskSeconds[src]
                        switch r.outcomes[src] {
                        case .ok: okMembers.append(i)
                        case .failed: failed.append(combination.members[i].name)
                        case .notRun: notRun += 1
                        }
                    }
                    if notRun > 0 { continue }
                    guard !okMembers.isEmpty else {
                        outcomes[k] = .failed(TaskFailure(.internal, "every member failed: \(failed.joined(separator: ", "))"))
                        continue
                    }
                    let wts = weights?(m, s, w)
                    for t in 0..<h {
                        let values = okMembers.map { r.mean[srcs[$0] * h + t] }
                        mean[k * h + t] = combination.combine(values, weights: wts.map { all in okMembers.map { all[$0] } })
                    }
                    outcomes[k] = .ok
                    descriptions[k] = "\(combination.method.rawValue) of " + okMembers.map { combination.members[$0].name }.joined(separator: ", ")
                        + (failed.isEmpty ? "" : " (\(failed.joined(separator: ", ")) failed)")
                }
            }
        }
        var out = RunResult(plan: plan, train: r.train, models: specs, futureDs: r.futureDs, mean: mean, lo: lo, hi: hi,
                            outcomes: outcomes, descriptions: descriptions, taskSeconds: seconds, kept: kept,
                            wallSeconds: r.wallSeconds, executor: r.executor, workers: r.workers, cancelled: r.cancelled)
        out.intervals = r.intervals
        return out
    }

    /// Inverse-MSE weights from a cross-validation of the job's models (its windows before
    /// `window`, or all of them when `window` is nil): 1 / the member's mean squared error,
    /// nil (equal weights) where a member has no window to judge it by.
    public func inverseMSEWeights(_ cvRun: RunResult, model m: Int, series s: Int, before window: Int?) -> [Double]? {
        guard let cvSeries = cvRun.train.index(of: cvRun.train.ids[s]) else { return nil }
        let cv = CVResult(run: cvRun, step: 1)
        let last = window ?? cv.windowCount
        var weights: [Double] = []
        for j in members[m] {
            var sum = 0.0, n = 0
            for w in 0..<last where cv.isOK(model: j, series: cvSeries, window: w) {
                let a = cv.actual(series: cvSeries, window: w), f = cvRun.meanSlice(model: j, series: cvSeries, window: w)
                for t in 0..<cv.horizon where !a[a.startIndex + t].isNaN {
                    let e = a[a.startIndex + t] - f[f.startIndex + t]
                    sum += e * e
                    n += 1
                }
            }
            guard n > 0, sum > 0 else { return nil }
            weights.append(Double(n) / sum)
        }
        return weights
    }
}
