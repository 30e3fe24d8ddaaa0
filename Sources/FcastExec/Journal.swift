import FcastPlan
import FcastPlugins
import Foundation
import Synchronization

/// A durable record of a run's finished tasks, so that a run stopped by Ctrl-C, kill -9 or a
/// power cut resumes where it was: `Runner.run(..., journal:)` fills the results of the tasks
/// the journal has, runs only the others, and records each task as it finishes.
///
/// A journal belongs to one plan: `begin(plan:)` refuses a journal made for another plan with
/// what changed (`Plan.changes(from:)`). `record` is called from the executor's threads, as
/// each task finishes, and must be cheap (implementations batch); `finish` makes everything
/// recorded durable. `SQLiteRunJournal` (FcastStore) is the real one, `InMemoryRunJournal`
/// the double.
public protocol RunJournal: AnyObject, Sendable {
    /// What the journal is, for messages: its path.
    var name: String { get }
    /// Binds the journal to `plan` and returns the tasks already finished under it (in any
    /// order). A journal of another plan throws a `JournalError` saying what changed.
    func begin(plan: Plan) throws -> [TaskResult]
    /// Records a finished task (from any thread). An error surfaces from `flush` or `finish`.
    func record(_ result: TaskResult)
    /// Makes every recorded task durable; throws the first write error since `begin`.
    func finish() throws
}

/// A journal that cannot be used: another plan's, unwritable, broken.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// The message for a journal made for another plan.
    public static func otherPlan(_ name: String, changes: [String]) -> JournalError {
        JournalError("the journal \(name) belongs to another run: \(changes.joined(separator: "; ")); "
                     + "use another journal file, or delete this one to start over")
    }
}

/// The journal double: tasks in a dictionary, shared by whoever holds the object.
public final class InMemoryRunJournal: RunJournal, @unchecked Sendable {
    public let name: String
    private struct State {
        var plan: Plan?
        var tasks: [Int: [UInt8]] = [:]
        var order: [Int] = []
    }
    private let state = Mutex(State())

    public init(name: String = "memory") { self.name = name }

    /// The tasks recorded, in the order they finished.
    public var recordedTasks: [Int] { state.withLock { $0.order } }

    public func begin(plan: Plan) throws -> [TaskResult] {
        try state.withLock { s in
            if let old = s.plan, old.hash != plan.hash {
                throw JournalError.otherPlan(name, changes: plan.changes(from: old))
            }
            s.plan = plan
            return try s.tasks.values.map { try JournalRecord.decode($0) }
        }
    }

    public func record(_ result: TaskResult) {
        guard let bytes = try? JournalRecord.encode(result) else { return }
        state.withLock { s in
            if s.tasks.updateValue(bytes, forKey: result.task) == nil { s.order.append(result.task) }
        }
    }

    public func finish() throws {}
}

/// A task's result as the journal stores it: the worker protocol's RESULT frame (doubles as
/// their IEEE bits, the outcome, description, seconds, the plugin's saved model bytes).
public enum JournalRecord {
    public static func encode(_ result: TaskResult) throws -> [UInt8] {
        do { return try WorkerProtocol.encode(.result(result)) } catch { throw JournalError("cannot encode task \(result.task): \(error.description)") }
    }

    public static func decode(_ bytes: [UInt8]) throws -> TaskResult {
        let frames: [WorkerFrame]
        do { frames = try WorkerProtocol.decodeAll(bytes) } catch { throw JournalError("a recorded task cannot be read: \(error.description)") }
        guard frames.count == 1, case .result(let r) = frames[0] else { throw JournalError("a recorded task is not a task result") }
        return r
    }
}

/// What `Runner.run` needs from a journal while the executor runs: turn each finished task's
/// slots into a record.
final class JournalTap: @unchecked Sendable {
    let journal: any RunJournal
    let results: ResultBuffers
    let job: Job

    init(journal: any RunJournal, results: ResultBuffers, job: Job) {
        self.journal = journal
        self.results = results
        self.job = job
    }

    /// Records task k from its slots (called on the thread that finished it).
    func finished(_ k: Int) {
        let outcome = results.outcomes[k]
        if case .notRun = outcome { return }
        // A cancelled task is not finished: a resumed run tries it again.
        if case .failed(let f) = outcome, f.kind == .cancelled { return }
        let h = job.plan.horizon, nL = job.plan.levels.count
        var model: [UInt8]? = nil
        switch results.kept[k] {
        case .saved(let bytes)?: model = bytes
        case .fitted(let handle)?:
            // The bytes predict needs after a resume (a plugin that cannot save: refitted then).
            if job.models[job.plan.task(k).model].algorithm.capabilities.contains(.saveLoad) { model = try? handle.save() }
        case nil: break
        }
        journal.record(TaskResult(task: k, outcome: outcome, description: results.descriptions[k], seconds: results.seconds[k],
                                  mean: Array(results.mean[(k * h)..<((k + 1) * h)]),
                                  lo: Array(results.lo[(k * nL * h)..<((k + 1) * nL * h)]),
                                  hi: Array(results.hi[(k * nL * h)..<((k + 1) * nL * h)]), model: model))
    }

    /// A recorded task, into its slots.
    static func restore(_ r: TaskResult, into results: ResultBuffers, plan: Plan, keep: Job.KeepModels) throws {
        let k = r.task, h = plan.horizon, nL = plan.levels.count
        guard k >= 0, k < plan.taskCount, r.mean.count == h, r.lo.count == nL * h, r.hi.count == nL * h else {
            throw JournalError("the journal's task \(k) does not fit the plan (\(r.mean.count) means for horizon \(h))")
        }
        for i in 0..<h { results.mean[k * h + i] = r.mean[i] }
        for i in 0..<(nL * h) {
            results.lo[k * nL * h + i] = r.lo[i]
            results.hi[k * nL * h + i] = r.hi[i]
        }
        results.outcomes[k] = r.outcome
        results.descriptions[k] = r.description
        results.seconds[k] = r.seconds
        if keep != .none, let bytes = r.model { results.kept[k] = .saved(bytes) }
    }
}

extension Plan {
    /// What differs between this plan and `old`, in words: the data (name, fingerprint,
    /// shape, frequency), models added or removed, horizon, levels, seed, windows. Empty
    /// when the plans are the same.
    public func changes(from old: Plan) -> [String] {
        var out: [String] = []
        if data.name != old.data.name { out.append("the data file is \(data.name), was \(old.data.name)") }
        if data.seriesCount != old.data.seriesCount || data.points != old.data.points {
            out.append("the data has \(data.seriesCount) series and \(data.points) points, was \(old.data.seriesCount) and \(old.data.points)")
        } else if data.fingerprint != old.data.fingerprint {
            out.append("the data's values or timestamps changed (fingerprint \(data.fingerprint.prefix(12)), was \(old.data.fingerprint.prefix(12)))")
        }
        if data.frequency != old.data.frequency { out.append("the frequency is \(data.frequency), was \(old.data.frequency)") }
        let now = models.map(\.canonicalSpec), before = old.models.map(\.canonicalSpec)
        let added = models.filter { !before.contains($0.canonicalSpec) }.map(\.name)
        let removed = old.models.filter { !now.contains($0.canonicalSpec) }.map(\.name)
        if !added.isEmpty { out.append("models added: \(added.joined(separator: ", "))") }
        if !removed.isEmpty { out.append("models removed: \(removed.joined(separator: ", "))") }
        if added.isEmpty && removed.isEmpty && now != before { out.append("the models are in another order") }
        if added.isEmpty && removed.isEmpty && now == before && models.map(\.name) != old.models.map(\.name) {
            out.append("the models are named differently")
        }
        if horizon != old.horizon { out.append("horizon \(horizon), was \(old.horizon)") }
        if levels != old.levels {
            func l(_ v: [Double]) -> String { "[" + v.map { String(describing: $0) }.joined(separator: ", ") + "]" }
            out.append("levels \(l(levels)), was \(l(old.levels))")
        }
        if seed != old.seed { out.append("seed \(seed), was \(old.seed)") }
        if windows != old.windows { out.append("windows \(windows.map(\.cutoff)), was \(old.windows.map(\.cutoff))") }
        switch (future, old.future) {
        case (nil, nil): break
        case (let f?, nil): out.append("the run has future regressors (\(f.name.isEmpty ? "a future: data set" : f.name)), it had none")
        case (nil, _?): out.append("the run has no future regressors, it had a future: data set")
        case (let f?, let o?) where f.fingerprint != o.fingerprint:
            out.append("the future regressors changed (fingerprint \(f.fingerprint.prefix(12)), was \(o.fingerprint.prefix(12)))")
        default: break
        }
        if out.isEmpty && format != old.format { out.append("plan format \(format), was \(old.format)") }
        if out.isEmpty && hash != old.hash { out.append("the plan's canonical form changed") }
        return out
    }
}
