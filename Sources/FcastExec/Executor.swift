import FcastCore
import FcastPlan
import FcastPlugins
import CCrashReport
import Foundation
import Synchronization

/// Runs a job's tasks and records each result into the job's buffers, as it finishes.
///
/// A driver decides only where and in what order tasks run: every task's numbers come from
/// `Job.run(task:into:cancel:)` (or the same code in a worker process), with seeds from the
/// series and model, so the same plan gives identical forecasts and intervals on every driver
/// and worker count. A failing task is recorded with its reason and the others go on; when
/// the token is cancelled a driver stops handing out tasks, leaving the rest `.notRun`.
public protocol Executor: Sendable {
    /// "threads", "inline", "processes": what `run(..., executor:)` names it.
    var name: String { get }
    var workers: Int { get }
    func execute(_ job: Job, tasks: [Int], into results: ResultBuffers, cancel: CancelToken,
                 progress: ProgressReporter) throws
}

/// One thread, tasks in the order given: the deterministic double of the other drivers.
public struct InlineExecutor: Executor {
    public var name: String { "inline" }
    public var workers: Int { 1 }
    public init() {}

    public func execute(_ job: Job, tasks: [Int], into results: ResultBuffers, cancel: CancelToken,
                        progress: ProgressReporter) {
        for k in tasks {
            if cancel.isCancelled { break }
            job.run(task: k, into: results, cancel: cancel)
            progress.taskFinished(k, failed: results.outcomes[k].isFailure)
        }
    }
}

/// A pool of threads that take chunks of tasks from an atomic counter.
public struct ThreadExecutor: Executor {
    public var name: String { "threads" }
    public let workers: Int
    public init(workers: Int = 0) { self.workers = workers > 0 ? workers : ProcessInfo.processInfo.activeProcessorCount }

    public func execute(_ job: Job, tasks: [Int], into results: ResultBuffers, cancel: CancelToken,
                        progress: ProgressReporter) {
        let n = tasks.count
        let threads = max(1, min(workers, n))
        let next = Atomic<Int>(0)
        // Small chunks keep the threads busy to the end; large enough to keep the counter cold.
        let chunk = max(1, min(64, n / (threads * 32)))
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            WorkerThread.start(stackSize: WorkerThread.fitStackSize) {
                defer { group.leave() }
                while !cancel.isCancelled {
                    let first = next.add(chunk, ordering: .relaxed).oldValue
                    if first >= n { break }
                    for i in first..<min(first + chunk, n) {
                        if cancel.isCancelled { break }
                        let k = tasks[i]
                        // What a crash in this thread reports (CrashReport).
                        CrashReport.running(job, task: k)
                        job.run(task: k, into: results, cancel: cancel)
                        progress.taskFinished(k, failed: results.outcomes[k].isFailure)
                    }
                }
                CrashReport.running(nil, task: 0)
            }
        }
        // A stop at once (a second Ctrl-C) does not wait for the fits in flight: their threads
        // run on, holding the job and the buffers, and the runner reads only finished tasks.
        while group.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if cancel.isAbandoned { return }
        }
    }
}

extension TaskOutcome {
    public var isFailure: Bool { if case .failed = self { true } else { false } }
}

/// A plugin that crashes the process on the threads executor cannot be survived, but it can
/// be named: `install()` (the fcast executable calls it) sets signal handlers (the C target
/// CCrashReport) that write "fcast: SIGSEGV while running task 12 (series 'x', model 'ets')"
/// to stderr before the process ends as it would have.
public enum CrashReport {
    public static func install() { fc_crash_install() }

    /// The calling thread now runs task k of the job (nil: nothing).
    static func running(_ job: Job?, task k: Int) {
        guard let job else { return fc_crash_set_task(nil) }
        let t = job.plan.task(k)
        fc_crash_set_task("task \(k) (series '\(job.data.ids[t.series])', model '\(job.plan.models[t.model].name)')")
    }
}

/// Runs a job on an executor and gathers a RunResult.
public enum Runner {
    /// Runs every task of the job's plan, or only `tasks`. With a `journal`, the tasks it
    /// has already finished are restored from it and not run again (said on the progress
    /// output: "resumed N of M tasks"), and each task is recorded in it as it finishes.
    public static func run(_ job: Job, tasks: [Int]? = nil, on executor: any Executor, cancel: CancelToken,
                           progress style: ProgressStyle = .auto,
                           progressOutput: ProgressOutput = .standardError,
                           journal: (any RunJournal)? = nil) throws -> RunResult {
        let start = DispatchTime.now()
        let plan = job.plan
        try ResourceBudget.checkRun(what: "run", tasks: plan.taskCount, series: job.data.count, windows: plan.windows.count,
                                    horizon: plan.horizon, levels: plan.levels.count)
        let results = ResultBuffers(tasks: plan.taskCount, horizon: plan.horizon, levels: plan.levels.count)
        var tasks = tasks ?? plan.executionOrder()
        var resumed = 0
        if let journal {
            let done = try journal.begin(plan: plan)
            var finished = Set<Int>()
            for r in done {
                try JournalTap.restore(r, into: results, plan: plan, keep: job.keep)
                finished.insert(r.task)
            }
            let all = tasks.count
            tasks.removeAll { finished.contains($0) }
            resumed = all - tasks.count
            if resumed > 0 {
                progressOutput.write("resumed \(resumed) of \(all) tasks from \(journal.name)\n")
            }
        }
        // A driver starts no more workers than there are tasks.
        let workers = max(1, min(executor.workers, max(1, tasks.count)))
        let progress = ProgressReporter(total: tasks.count, workers: workers, style: tasks.isEmpty ? .none : style,
                                        output: progressOutput)
        if let journal {
            let tap = JournalTap(journal: journal, results: results, job: job)
            progress.onTaskFinished = { k in tap.finished(k) }
        }
        do {
            if !tasks.isEmpty {
                try executor.execute(job, tasks: tasks, into: results, cancel: cancel, progress: progress)
            }
        } catch {
            progress.finish(seconds: 0, cancelled: true)
            // What finished is kept for the next attempt.
            try? journal?.finish()
            throw error
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        // Unfinished tasks after a stop at once: not read, as the fits in flight may still write them.
        var inFlight = Set<Int>()
        if cancel.isAbandoned {
            // The run's own token stays cancelled, so that the abandoned fits stop when they
            // next poll even after the session re-arms its token for the next input.
            cancel.abandon()
            inFlight = Set(tasks).subtracting(progress.close())
        }
        progress.finish(seconds: wall, cancelled: cancel.isCancelled, abandoned: cancel.isAbandoned)
        try journal?.finish()
        let s = results.snapshot(excluding: inFlight, horizon: plan.horizon, levels: plan.levels.count)
        var result = RunResult(plan: plan, train: job.data, models: job.models, futureDs: job.futureDs,
                               mean: s.mean, lo: s.lo, hi: s.hi, outcomes: s.outcomes, descriptions: s.descriptions,
                               taskSeconds: s.seconds, kept: s.kept, wallSeconds: wall,
                               executor: executor.name, workers: workers, cancelled: cancel.isCancelled)
        result.resumedTasks = resumed
        result.abandoned = cancel.isAbandoned
        return result
    }

    /// The plan of a grid over a panel: the models as plain data, the data by fingerprint.
    public static func plan(_ models: [ModelSpec], on data: Panel, dataName: String = "", options: RunOptions,
                            windows: [Window] = [Window(cutoff: 0)], future: Panel? = nil) -> Plan {
        Plan(data: DataReference(data, name: dataName), models: models.map(\.planned), horizon: options.horizon,
             levels: options.levels, seed: options.seed, windows: windows,
             future: future.map { DataReference($0, name: $0.name) })
    }
}

/// The local thread pool, as before the Executor protocol: plan, job and run in one call.
public enum LocalExecutor {
    public static var defaultWorkers: Int { ProcessInfo.processInfo.activeProcessorCount }

    public static func run(_ models: [ModelSpec], on train: Panel, options: RunOptions,
                           progressOutput: ProgressOutput = .standardError) throws -> RunResult {
        let job = Job(plan: Runner.plan(models, on: train, options: options), models: models, data: train)
        return try Runner.run(job, on: ThreadExecutor(workers: options.workers), cancel: options.cancel,
                               progress: options.progress, progressOutput: progressOutput)
    }
}

/// The drivers `run(..., executor:)` can name.
public enum Executors {
    public static let names = ["threads", "inline", "processes", "ray://local", "ray://host:port"]

    public static func make(_ name: String, workers: Int) throws(ResolveError) -> any Executor {
        switch name {
        case "threads": return ThreadExecutor(workers: workers)
        case "inline": return InlineExecutor()
        case "processes": return try ProcessExecutor(workers: workers)
        case "ray": return try RayExecutor(spec: "ray://local", workers: workers)
        case _ where name.hasPrefix("ray://"): return try RayExecutor(spec: name, workers: workers)
        default:
            throw ResolveError(description: "unknown executor '\(name)'; executors: \(names.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }
}
