import FcastCore
import FcastPlan
import FcastPlugins
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs tasks in a pool of `fcast worker` child processes, so that a plugin that crashes
/// takes down one worker, not the run.
///
/// Each worker is sent the job once (the plan, the plugin files, the data: `WorkerProtocol`),
/// then chunks of task indices, one chunk ahead of the one it runs, so that it never waits
/// for the next; results stream back task by task into the run's buffers. Chunks are
/// small (about 32 per worker, at most 64 tasks) so that the workers finish together.
///
/// When a worker dies (a crash, a kill), the task it was running is recorded as failed with
/// how it died ("worker process killed by SIGSEGV while running this task"), the tasks it
/// had not started go back to the queue, and a fresh worker takes its place: a replacement
/// costs one failed task, so a plugin that crashes on every series still ends. A worker that
/// cannot start the job (it reports FATAL: a plugin that does not load, a plan that does not
/// resolve) fails the run with its message; so does one that dies between tasks or breaks
/// the protocol. A worker that dies before it is ready (a plugin that crashes while it
/// loads, a kill) is replaced like one that dies in a task, until `ProcessPool.startAttempts`
/// workers in a row have died so: then the run fails, saying how they died. On cancel the pool stops handing out chunks and
/// sends CANCEL; what finishes is kept, and a worker still busy after `cancelGrace` seconds
/// is killed. Every child is reaped on every path.
///
/// The numbers are the ones `Job.run` computes in the worker, bit for bit: the same plan gives
/// the same forecasts on every executor and worker count. Fitted models come back as the
/// plugin's saved bytes (`KeptModel.saved`) when the job keeps models and the plugin can
/// save; `predict` refits the others.
public struct ProcessExecutor: Executor {
    public var name: String { "processes" }
    public let workers: Int
    /// The fcast binary to run as `fcast worker`.
    public let executable: URL
    /// Seconds a cancelled worker may take to stop before it is killed.
    public var cancelGrace: Double = 3
    /// Seconds one task may run before its worker is killed and the task fails
    /// ("timeout after 5 s"); nil: no limit.
    public var timeout: Double?
    /// Times a task whose worker died in it (a crash, a kill, a timeout) is tried again on a
    /// fresh worker before it fails. A plugin's own error is not retried: it would say the same.
    public var retries = 0
    /// Each worker's address-space cap in bytes (RLIMIT_AS, set on the worker before it is
    /// sent the job, so before it loads any plugin); nil: none.
    public var memory: Int?

    /// `executable` defaults to `defaultExecutable` (the running fcast); a program that is
    /// not fcast (a test) must name one.
    public init(workers: Int = 0, executable: URL? = nil) throws(ResolveError) {
        guard let exe = executable ?? ProcessExecutor.defaultExecutable else {
            throw ResolveError(description: "the processes executor starts `fcast worker` processes, but this program is not fcast; pass the fcast executable")
        }
        self.workers = workers > 0 ? workers : ProcessInfo.processInfo.activeProcessorCount
        self.executable = exe
    }

    private static let registered = Mutex<URL?>(nil)

    /// The binary that serves `fcast worker` when none is named: the fcast executable sets
    /// it to itself (`runningExecutable()`) when it starts; nil in other programs.
    public static var defaultExecutable: URL? {
        get { registered.withLock { $0 } }
        set { registered.withLock { $0 = newValue } }
    }

    /// The JOB frame every worker of a run starts from (processes and Ray): the plan, the
    /// models' libraries as the files this process loaded (in plan order), and the data.
    static func jobFrame(_ job: Job) throws -> [UInt8] {
        var libraries: [String] = []
        for m in job.models {
            let path = URL(fileURLWithPath: m.algorithm.library.path).standardizedFileURL.path
            if !libraries.contains(path) { libraries.append(path) }
        }
        do {
            return try WorkerProtocol.encode(.job(WorkerJob(plan: Array(job.plan.canonicalJSON()), libraries: libraries,
                                                            keepModels: job.keep != .none, data: job.data,
                                                            futureRegressors: job.futureX)))
        } catch {
            throw ProcessExecutorError(error.description)
        }
    }

    /// This process's executable file (/proc/self/exe, resolved).
    public static func runningExecutable() -> URL? { PluginRegistry.runningExecutable() }

    public func execute(_ job: Job, tasks: [Int], into results: ResultBuffers, cancel: CancelToken,
                        progress: ProgressReporter) throws {
        guard job.reuse == nil else {
            throw ProcessExecutorError("the processes executor fits models; forecasting from a run's kept models (predict) runs in this process: use \"threads\" or \"inline\"")
        }
        guard !tasks.isEmpty, !cancel.isCancelled else { return }
        let setup = try ProcessExecutor.jobFrame(job)
        let n = tasks.count
        let count = max(1, min(workers, n))
        let chunkSize = max(1, min(64, n / (count * 32)))
        let pool = ProcessPool(job: job, results: results, progress: progress, executable: executable.path, setup: setup,
                               stop: CancelToken(parent: cancel), grace: cancelGrace, timeout: timeout, retries: retries,
                               memory: memory,
                               chunks: job.chunks(tasks, size: chunkSize))
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            WorkerThread.start {
                pool.drive()
                group.leave()
            }
        }
        group.wait()
        if let error = pool.error { throw error }
    }
}

/// Why a processes run failed as a whole.
public struct ProcessExecutorError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The state the driver threads of one run share: the chunks not yet handed out, and the
/// first error. One driver thread per worker slot talks to its worker process.
final class ProcessPool: @unchecked Sendable {
    /// The plan's horizon and interval levels (the shape of a result), and whether models are kept.
    let horizon: Int
    let nLevels: Int
    let keep: Bool
    /// Where task k's numbers go in `results`: slot k, or (in a supervising worker, whose
    /// buffers hold its chunks only) the task's place among them.
    let slotOf: @Sendable (Int) -> Int
    let results: ResultBuffers
    let progress: ProgressReporter
    let executable: String
    let setup: [UInt8]
    /// Cancelled with the run's token, and when the run fails.
    let stop: CancelToken
    let grace: Double
    let timeout: Double?
    let retries: Int
    let memory: Int?
    /// The arguments after the executable: ["worker"] for `fcast worker`, the Ray driver's own.
    let arguments: [String]
    /// Chunks a worker is sent before it reports the first: 2 for a worker process (one
    /// ahead), more for the Ray driver, which runs them at once.
    let ahead: Int

    struct Chunk {
        var id: UInt32
        var tasks: [Int]
    }

    private struct State {
        /// Next chunk last.
        var pending: [Chunk]
        var nextID: UInt32
        var error: (any Error)?
        /// Tries so far of tasks whose worker died in them.
        var attempts: [Int: Int] = [:]
        /// Workers in a row (over every slot) that died before they were ready.
        var startDeaths = 0
    }
    /// Workers in a row that may die before they are ready (a crash while loading a
    /// plugin, a kill) before the run fails: each is replaced until then.
    static let startAttempts = 3
    private let state: Mutex<State>

    convenience init(job: Job, results: ResultBuffers, progress: ProgressReporter, executable: String, setup: [UInt8],
         stop: CancelToken, grace: Double, timeout: Double? = nil, retries: Int = 0, memory: Int? = nil,
         arguments: [String] = ["worker"], ahead: Int = 2, chunks: [[Int]]) {
        self.init(horizon: job.plan.horizon, levels: job.plan.levels.count, keep: job.keep != .none, slotOf: { $0 },
                  results: results, progress: progress, executable: executable, setup: setup, stop: stop, grace: grace,
                  timeout: timeout, retries: retries, memory: memory, arguments: arguments, ahead: ahead, chunks: chunks)
    }

    init(horizon: Int, levels: Int, keep: Bool, slotOf: @escaping @Sendable (Int) -> Int, results: ResultBuffers,
         progress: ProgressReporter, executable: String, setup: [UInt8],
         stop: CancelToken, grace: Double, timeout: Double? = nil, retries: Int = 0, memory: Int? = nil,
         arguments: [String] = ["worker"], ahead: Int = 2, chunks: [[Int]]) {
        self.arguments = arguments
        self.ahead = max(1, ahead)
        self.horizon = horizon
        self.nLevels = levels
        self.keep = keep
        self.slotOf = slotOf
        self.results = results
        self.progress = progress
        self.executable = executable
        self.setup = setup
        self.stop = stop
        self.grace = grace
        self.timeout = timeout
        self.retries = retries
        self.memory = memory
        let numbered = chunks.enumerated().map { Chunk(id: UInt32($0.offset), tasks: $0.element) }
        state = Mutex(State(pending: numbered.reversed(), nextID: UInt32(chunks.count), error: nil))
    }

    var error: (any Error)? { state.withLock { $0.error } }

    private func fail(_ error: any Error) {
        state.withLock { s in if s.error == nil { s.error = error } }
        stop.cancel()
    }

    private func nextChunk() -> Chunk? { state.withLock { $0.pending.popLast() } }
    private var hasPending: Bool { state.withLock { !$0.pending.isEmpty } }

    /// Puts tasks a dead worker never started back at the front of the queue.
    private func requeue(_ tasks: [Int]) {
        guard !tasks.isEmpty else { return }
        state.withLock { s in
            s.pending.append(Chunk(id: s.nextID, tasks: tasks))
            s.nextID &+= 1
        }
    }

    /// One worker slot: start a worker, feed it chunks until there are none, shut it down;
    /// start a replacement when it dies in a task.
    func drive() {
        while !stop.isCancelled && hasPending {
            let worker: WorkerProcess
            do {
                guard let started = try start() else { return }
                worker = started
            } catch let died as DiedBeforeReady {
                // Replaced, unless workers keep dying there: then nothing would ever run.
                let deaths = state.withLock { s in
                    s.startDeaths += 1
                    return s.startDeaths
                }
                if deaths >= Self.startAttempts {
                    fail(ProcessExecutorError("\(died.description), \(deaths) times in a row; the run stops (does a plugin crash while it loads? try it with the threads executor to see the crash)"))
                    return
                }
                continue
            } catch {
                fail(error)
                return
            }
            switch converse(worker) {
            case .finished:
                worker.shutdown(grace: grace)
                return
            case .died:
                continue
            case .failed(let error):
                worker.kill()
                fail(error)
                return
            }
        }
    }

    /// A worker that has the job and is ready for chunks; nil when the run stopped meanwhile.
    private func start() throws -> WorkerProcess? {
        let worker = try WorkerProcess.spawn(executable: executable, arguments: arguments, memory: memory)
        // A worker that cannot read the job says why (FATAL) before it goes: read that.
        try? worker.channel.send(bytes: setup)
        while true {
            if stop.isCancelled {
                worker.kill()
                return nil
            }
            let received: FrameChannel.Received
            do { received = try worker.channel.receive(timeout: 0.05) } catch {
                worker.kill()
                throw ProcessExecutorError("a worker process broke the protocol while starting: \(error.description)")
            }
            switch received {
            case .timedOut: continue
            case .frame(.ready(let version)):
                guard version == WorkerProtocol.version else {
                    worker.kill()
                    throw ProcessExecutorError("the worker \(executable) speaks worker protocol \(version), this fcast \(WorkerProtocol.version)")
                }
                state.withLock { $0.startDeaths = 0 }
                return worker
            case .frame(.log(let level, let message)):
                ProcessPool.forward(level: level, message)
            case .frame(.fatal(let message)):
                worker.reap()
                throw ProcessExecutorError(message)
            case .frame(let other):
                worker.kill()
                throw ProcessExecutorError("a starting worker process sent \(other.type.name) before READY")
            case .closed:
                let status = worker.reap()
                throw DiedBeforeReady(description: "the worker process (\(([executable] + arguments).joined(separator: " "))) \(WorkerProcess.describe(status)) before it was ready")
            }
        }
    }

    /// A worker that died before it said it was ready (not one that refused the job: FATAL).
    private struct DiedBeforeReady: Error, CustomStringConvertible {
        var description: String
    }

    private enum End {
        /// Nothing left to hand out, or the run stopped: shut the worker down.
        case finished
        /// The worker died in a task (recorded, the rest requeued) and has been reaped.
        case died
        case failed(any Error)
    }

    /// A chunk the worker has been sent, and how many of its tasks it has reported.
    private struct Outstanding {
        var chunk: Chunk
        var reported = 0
        var unreported: ArraySlice<Int> { chunk.tasks[reported...] }
    }

    /// Hands out chunks to a ready worker and records its results until there is nothing
    /// left or it dies.
    private func converse(_ worker: WorkerProcess) -> End {
        let h = horizon
        var outstanding: [Outstanding] = []
        var cancelledAt: UInt64? = nil
        // When the task now running started, as near as the parent knows.
        var taskStart = DispatchTime.now().uptimeNanoseconds
        // The plugin's last log line during the task now running: part of the reason it died.
        var lastLog: String? = nil
        let timeoutNanos = timeout.map { UInt64($0 * 1e9) }
        while true {
            // One chunk ahead: the worker starts the next as soon as it finishes one.
            while cancelledAt == nil && !stop.isCancelled && outstanding.count < ahead, let chunk = nextChunk() {
                if outstanding.isEmpty { taskStart = DispatchTime.now().uptimeNanoseconds }
                outstanding.append(Outstanding(chunk: chunk))
                // A worker that has gone shows as closed below.
                try? worker.channel.send(.tasks(chunk: chunk.id, tasks: chunk.tasks))
            }
            if outstanding.isEmpty { return .finished }
            if stop.isCancelled && cancelledAt == nil {
                cancelledAt = DispatchTime.now().uptimeNanoseconds
                try? worker.channel.send(.cancel)
            }
            if stop.isAbandoned {
                // A stop at once: the tasks in flight stay not run.
                worker.kill()
                return .finished
            }
            if let cancelledAt, DispatchTime.now().uptimeNanoseconds - cancelledAt > UInt64(grace * 1e9) {
                // It does not stop: the task it runs stays not run.
                worker.kill()
                return .finished
            }
            if cancelledAt == nil, let timeoutNanos, DispatchTime.now().uptimeNanoseconds - taskStart > timeoutNanos,
               outstanding.contains(where: { !$0.unreported.isEmpty }) {
                // The task runs too long: kill its worker; the task fails (or is tried again).
                worker.kill()
                return died(outstanding, reason: "timeout after \(Self.seconds(timeout!))", lastLog: lastLog, since: taskStart)
            }
            let received: FrameChannel.Received
            do { received = try worker.channel.receive(timeout: 0.05) } catch {
                return .failed(ProcessExecutorError("a worker process broke the protocol: \(error.description)"))
            }
            switch received {
            case .timedOut:
                continue
            case .frame(.result(let r)):
                guard var first = outstanding.first, first.reported < first.chunk.tasks.count,
                      r.task == first.chunk.tasks[first.reported] else {
                    return .failed(ProcessExecutorError("a worker process reported task \(r.task), which is not the next task of its chunk"))
                }
                guard r.mean.count == h, r.lo.count == nLevels * h, r.hi.count == nLevels * h else {
                    return .failed(ProcessExecutorError("a worker process reported task \(r.task) with \(r.mean.count) means and \(r.lo.count) bounds, not \(h) and \(nLevels * h)"))
                }
                record(r)
                first.reported += 1
                outstanding[0] = first
                taskStart = DispatchTime.now().uptimeNanoseconds
                lastLog = nil
            case .frame(.chunkDone(let id)):
                guard let first = outstanding.first, first.chunk.id == id,
                      first.unreported.isEmpty || cancelledAt != nil else {
                    return .failed(ProcessExecutorError("a worker process ended chunk \(id) before reporting its tasks"))
                }
                outstanding.removeFirst()
                taskStart = DispatchTime.now().uptimeNanoseconds
            case .frame(.log(let level, let message)):
                ProcessPool.forward(level: level, message)
                lastLog = message
            case .frame(.fatal(let message)):
                return .failed(ProcessExecutorError(message))
            case .frame(let other):
                return .failed(ProcessExecutorError("a worker process sent an unexpected \(other.type.name) frame"))
            case .closed:
                let status = worker.reap()
                // It ran its chunks in order: the first task not reported is the one it died in.
                guard outstanding.contains(where: { !$0.unreported.isEmpty }) else {
                    return .failed(ProcessExecutorError("a worker process \(WorkerProcess.describe(status)) between tasks"))
                }
                return died(outstanding, reason: "worker process \(WorkerProcess.describe(status)) while running this task",
                            lastLog: lastLog, since: taskStart)
            }
        }
    }

    /// The worker died (or was killed) in the first unreported task of its chunks: that task
    /// fails with `reason` (and the plugin's last log line), or goes back to the queue while
    /// it has retries left; the tasks it had not started go back to the queue.
    private func died(_ outstanding: [Outstanding], reason: String, lastLog: String?, since taskStart: UInt64) -> End {
        let culprit = outstanding.first(where: { !$0.unreported.isEmpty })!
        let k = culprit.unreported.first!
        let retry = !stop.isCancelled && state.withLock { s in
            let tries = s.attempts[k, default: 0]
            guard tries < retries else { return false }
            s.attempts[k] = tries + 1
            return true
        }
        var rest = outstanding.flatMap(\.unreported).filter { $0 != k }
        if retry {
            rest.insert(k, at: 0)
        } else {
            var message = reason
            if let tries = state.withLock({ $0.attempts[k] }), tries > 0 { message += " (\(tries + 1) tries)" }
            if let lastLog { message += "; the plugin's last log line: \(lastLog)" }
            results.seconds[slotOf(k)] = Double(DispatchTime.now().uptimeNanoseconds - taskStart) / 1e9
            results.outcomes[slotOf(k)] = .failed(TaskFailure(.internal, message))
            progress.taskFinished(k, failed: true)
        }
        if !stop.isCancelled { requeue(rest) }
        return .died
    }

    /// "5 s", "0.5 s".
    static func seconds(_ t: Double) -> String {
        t == t.rounded() && t < 1e15 ? "\(Int(t)) s" : "\(t) s"
    }

    /// A task's result, into its slots of the run's buffers.
    private func record(_ r: TaskResult) {
        let k = slotOf(r.task), h = horizon
        for i in 0..<h { results.mean[k * h + i] = r.mean[i] }
        for i in 0..<(nLevels * h) {
            results.lo[k * nLevels * h + i] = r.lo[i]
            results.hi[k * nLevels * h + i] = r.hi[i]
        }
        results.descriptions[k] = r.description
        results.seconds[k] = r.seconds
        results.outcomes[k] = r.outcome
        if let model = r.model, keep { results.kept[k] = .saved(model) }
        if case .notRun = r.outcome { return }
        progress.taskFinished(r.task, failed: r.outcome.isFailure)
    }

    /// A plugin's log line from a worker, written as the host writes its own.
    static func forward(level: Int32, _ message: String) { logSink.withLock { $0 }(level, message) }
    /// Where `forward` writes: this process's stderr, or (in a supervising worker) LOG frames to its parent.
    static let logSink = Mutex<@Sendable (Int32, String) -> Void>(HostServices.writeToStandardError)
}

/// One `fcast worker` child: its process id and the socket that is its standard input and
/// output. Its standard error is this process's.
final class WorkerProcess {
    let pid: pid_t
    let channel: FrameChannel
    private var waitStatus: Int32?

    private init(pid: pid_t, fd: Int32) {
        self.pid = pid
        channel = FrameChannel(fd: fd)
    }

    deinit {
        reap()
        close(channel.fd)
    }

    /// Starts `executable worker` (or `executable arguments...`) with one end of a socket pair as its stdin and stdout.
    static func spawn(executable: String, arguments: [String] = ["worker"], memory: Int? = nil) throws(ProcessExecutorError) -> WorkerProcess {
        var fds: [Int32] = [-1, -1]
        // Close-on-exec: no other child (another worker) inherits this pair, so a worker's end
        // of input comes when the parent closes it, and only then.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw ProcessExecutorError("cannot create a socket for a worker process: \(String(cString: strerror(errno)))")
        }
        let parentEnd = fds[0], childEnd = fds[1]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childEnd, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, childEnd, STDOUT_FILENO)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // No blocked signals inherited from whichever thread spawns it.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable)] + arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        // The memory cap travels in the environment: the worker sets it on itself first thing.
        var env: [UnsafeMutablePointer<CChar>?] = []
        var e = environ
        while let entry = e.pointee {
            if !String(cString: entry).hasPrefix("\(Worker.memoryVariable)=") { env.append(strdup(entry)) }
            e += 1
        }
        if let memory { env.append(strdup("\(Worker.memoryVariable)=\(memory)")) }
        env.append(nil)
        defer { for a in env { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        close(childEnd)
        guard rc == 0 else {
            close(parentEnd)
            throw ProcessExecutorError("cannot start the worker process \(executable): \(String(cString: strerror(rc)))")
        }
        return WorkerProcess(pid: pid, fd: parentEnd)
    }

    /// Waits for the process to end (at most `timeout` seconds, then kills it) and returns
    /// its wait status. Idempotent.
    @discardableResult
    func reap(timeout: Double = 2) -> Int32 {
        if let waitStatus { return waitStatus }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR {
                // Not our child any more (someone else reaped it): nothing to wait for.
                status = 0
                break
            }
            if DispatchTime.now().uptimeNanoseconds > deadline {
                Glibc.kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(2000)
        }
        waitStatus = status
        return status
    }

    /// Kills the process (SIGKILL) and reaps it.
    func kill() {
        if waitStatus == nil { Glibc.kill(pid, SIGKILL) }
        reap()
    }

    /// SHUTDOWN, then waits for the worker to close its end and exit (killing it after
    /// `grace` seconds), and reaps it.
    func shutdown(grace: Double) {
        guard waitStatus == nil else { return }
        try? channel.send(.shutdown)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(grace * 1e9)
        waiting: while DispatchTime.now().uptimeNanoseconds < deadline {
            switch try? channel.receive(timeout: 0.05) {
            case .frame(.log(let level, let message))?: ProcessPool.forward(level: level, message)
            case .frame?, .timedOut?: continue
            case .closed?, nil: break waiting
            }
        }
        reap(timeout: 0.5)
    }

    /// "killed by SIGSEGV", "exited with status 3", from a wait status.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "killed by \(signalName(signal))"
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
            SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
            SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}
