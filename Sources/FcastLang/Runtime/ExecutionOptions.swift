import FcastExec
import FcastPlan
import FcastPlugins
import FcastStore
import Foundation

/// Execution defaults an embedder sets for every run() of an interpreter: `fcast run
/// --journal PATH` journals each run() of the script in PATH, the first in slot 1, the
/// second in slot 2, ...
public struct ExecutionDefaults {
    /// The journal of runs that do not name one.
    public var journal: String?
    /// The executor of runs that do not name one (`fcast run --executor ray://local`); nil:
    /// threads (or processes for plugins outside the built-in set).
    public var executor: String?
    /// Runs journalled so far in `journal` (the next one's slot is this + 1).
    var journalledRuns = 0
    public init(journal: String? = nil) { self.journal = journal }
}

extension LanguageHost {
    /// Hosts without their own (InMemoryHost): the driver by name. Such a host keeps no
    /// journal: a run that asks for one is refused rather than run unrecorded.
    public func run(_ job: Job, settings: ExecutionSettings, cancel: CancelToken,
                    progress: ProgressOutput) throws -> RunResult {
        if let path = settings.journal { throw JournalError("this host keeps no run journals (\(path))") }
        return try run(job, executor: settings.executor, workers: settings.workers, cancel: cancel, progress: progress)
    }
}

extension SystemHost {
    /// Runs on FcastExec's drivers, with the journal (an SQLite file) when one is named.
    public func run(_ job: Job, settings: ExecutionSettings, cancel: CancelToken,
                    progress: ProgressOutput) throws -> RunResult {
        let executor: any Executor
        do {
            executor = try Executors.make(settings)
        } catch {
            throw UnknownExecutor(error.description)
        }
        let journal = try settings.journal.map { try SQLiteRunJournal(path: resolvePath($0), slot: settings.journalSlot) }
        return try Runner.run(job, on: executor, cancel: cancel, progressOutput: progress, journal: journal)
    }
}

extension Interpreter {
    /// The built-in plugin libraries: anything else runs in worker processes by default.
    static let builtinLibraries: Set<String> = ["naive", "arima", "prophet", "theta", "ets", "global"]

    /// run()'s execution arguments: executor, workers, timeout, retries, memory, isolate,
    /// journal. Models from plugins outside the built-in set run in worker processes unless
    /// `isolate: false` or an executor is named.
    func executionSettings(_ a: BoundArguments, specs: [ModelSpec], workers: Int) throws(Diagnostic) -> ExecutionSettings {
        var s = ExecutionSettings(executor: try a.string("executor") ?? execution.executor ?? "threads", workers: workers)
        if let t = try a.number("timeout") {
            guard t > 0 else { throw Diagnostic("run(): timeout is in seconds and must be positive, got \(ParameterLabel.number(t))", at: a.span("timeout")) }
            s.timeout = t
        }
        s.retries = try a.int("retries", min: 0) ?? 0
        if a.has("memory") { s.memory = try memoryBytes(a) }
        let isolate = try a.bool("isolate")
        let isolating = s.timeout != nil || s.memory != nil || s.retries > 0
        if !a.has("executor") && execution.executor == nil {
            let foreign = specs.contains { !Self.builtinLibraries.contains($0.algorithm.library.name) }
            if isolating || (foreign && isolate != false && ProcessExecutor.defaultExecutable != nil) { s.executor = "processes" }
        } else if isolate == true && s.executor != "processes" && !s.executor.hasPrefix("ray") {
            throw Diagnostic("run(): isolate: true runs tasks in worker processes, but executor is \"\(s.executor)\"", at: a.span("isolate"))
        }
        if isolating && s.executor != "processes" && !s.executor.hasPrefix("ray") {
            throw Diagnostic("run(): timeout:, retries: and memory: apply to worker processes, but executor is \"\(s.executor)\"",
                             at: a.span("executor"), notes: ["use executor: \"processes\" or ray(), or leave executor: out"])
        }
        if let path = try a.string("journal") {
            guard !path.isEmpty else { throw Diagnostic("run(): journal: needs a file path", at: a.span("journal")) }
            s.journal = path
        } else if let path = execution.journal {
            execution.journalledRuns += 1
            s.journal = path
            s.journalSlot = execution.journalledRuns
        }
        return s
    }

    /// `memory:` as bytes: a number of MiB, or a string such as "512M", "2G".
    private func memoryBytes(_ a: BoundArguments) throws(Diagnostic) -> Int {
        let bad = Diagnostic("run(): memory is a size such as \"512M\" or \"2G\" (or a number of MiB)", at: a.span("memory"))
        if case .string(let text)? = a.values["memory"]?.value {
            let t = text.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: "B", with: "")
            let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
            var number = Substring(t), scale = 1.0
            if let u = t.last, let f = units[u] { number = t.dropLast(); scale = f }
            guard let v = Double(number.trimmingCharacters(in: .whitespaces)), v > 0 else { throw bad }
            return Int(v * scale)
        }
        guard let mib = try a.number("memory"), mib > 0 else { throw bad }
        return Int(mib * Double(1 << 20))
    }
}
