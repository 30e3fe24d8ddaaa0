import FcastCore
import FcastPlan
import FcastPlugins
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The worker side of `ProcessExecutor`: `fcast worker` reads a JOB, loads the plugin
/// libraries it names, resolves the plan against them and runs the chunks of tasks it is
/// sent, one task at a time, streaming a RESULT per task (see `WorkerProtocol`).
///
/// Two threads: this one reads frames (so a CANCEL reaches a running fit at once), and one
/// runs the tasks and writes their results. A worker serves one job and exits.
public enum Worker {
    /// The environment variable that carries a worker's memory cap (bytes, RLIMIT_AS).
    public static let memoryVariable = "FCAST_WORKER_MEMORY"

    /// `fcast worker`: keeps the real standard output for frames and points file
    /// descriptor 1 at standard error, so that nothing else (a plugin's printf, a stray
    /// print) can ever land in the frame stream; ignores SIGINT (Ctrl-C at a terminal
    /// reaches the parent, which cancels through the protocol) and SIGPIPE (a parent that is
    /// gone is an error on write). Returns the exit status.
    public static func main() -> Int32 {
        // The memory cap first, before the job and its plugins are loaded.
        if let text = getenv(memoryVariable), let bytes = UInt64(String(cString: text)), bytes > 0 {
            var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
            if setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) != 0 {
                FileHandle.standardError.write(Data("fcast worker: cannot cap memory at \(bytes) bytes: \(String(cString: strerror(errno)))\n".utf8))
                return 1
            }
        }
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        guard let frames = takeStandardOutput() else { return 1 }
        return serve(input: STDIN_FILENO, output: frames)
    }

    /// A descriptor on the real standard output, for frames; file descriptor 1 then points
    /// at standard error (or /dev/null). Nil (said on stderr) when that cannot be done.
    static func takeStandardOutput() -> Int32? {
        let frames = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        guard frames >= 0 else {
            FileHandle.standardError.write(Data("fcast worker: cannot set up the frame stream: \(String(cString: strerror(errno)))\n".utf8))
            return nil
        }
        // Without a standard error, what would go there goes nowhere.
        if dup2(STDERR_FILENO, STDOUT_FILENO) < 0 {
            let null = open("/dev/null", O_WRONLY)
            guard null >= 0, dup2(null, STDOUT_FILENO) >= 0 else { return nil }
            close(null)
        }
        return frames
    }

    /// Serves one job over `input` (frames from the parent) and `output` (frames to it).
    /// Returns 0 after SHUTDOWN or the end of input, 1 after a FATAL.
    public static func serve(input: Int32, output: Int32) -> Int32 {
        let reader = FrameChannel(fd: input)
        let writer = FrameChannel(fd: output)
        // Plugins' log lines travel to the parent as LOG frames (sends are serialised).
        HostServices.setLogSink { level, message in try? writer.send(.log(level: level, message: message)) }
        defer { HostServices.setLogSink(HostServices.writeToStandardError) }
        func fatal(_ message: String) -> Int32 {
            try? writer.send(.fatal(message: message))
            return 1
        }

        // The job.
        let setup: WorkerJob
        do {
            switch try reader.receive() {
            case .frame(.job(let j)): setup = j
            case .frame(let other): return fatal("the worker expected a JOB frame first, not \(other.type.name)")
            case .closed: return 0
            case .timedOut: return 0
            }
        } catch {
            return fatal("cannot read the job: \(error.description)")
        }
        let job: Job
        switch makeJob(setup) {
        case .success(let j): job = j
        case .failure(let message): return fatal(message.description)
        }
        do { try writer.send(.ready(version: WorkerProtocol.version)) } catch { return 0 }

        // The chunks: this thread reads, `runner` computes.
        let cancel = CancelToken()
        let queue = ChunkQueue()
        let done = DispatchSemaphore(value: 0)
        WorkerThread.start(stackSize: WorkerThread.fitStackSize) {
            runChunks(job, queue: queue, cancel: cancel, writer: writer)
            done.signal()
        }

        var status: Int32 = 0
        reading: while true {
            let received: FrameChannel.Received
            do { received = try reader.receive() } catch {
                cancel.cancel()
                status = fatal("cannot read a frame from the parent: \(error.description)")
                break reading
            }
            switch received {
            case .frame(.tasks(let chunk, let tasks)):
                if let bad = tasks.first(where: { $0 >= job.plan.taskCount }) {
                    cancel.cancel()
                    status = fatal("task \(bad) is not in the plan (it has \(job.plan.taskCount) tasks)")
                    break reading
                }
                queue.push(chunk: chunk, tasks: tasks)
            case .frame(.cancel):
                cancel.cancel()
            case .frame(.shutdown):
                break reading
            case .frame(let other):
                cancel.cancel()
                status = fatal("the worker does not expect a \(other.type.name) frame from the parent")
                break reading
            case .closed, .timedOut:
                // The parent has gone: nobody wants the rest.
                cancel.cancel()
                break reading
            }
        }
        queue.close()
        done.wait()
        return status
    }

    /// The job a JOB frame describes, resolved in this process, or why it cannot run here.
    static func makeJob(_ setup: WorkerJob) -> Result<Job, WorkerProtocolError> {
        let plan: Plan
        do { plan = try Plan.decode(Data(setup.plan)) } catch {
            return .failure(WorkerProtocolError("the worker cannot read the plan: \(error)"))
        }
        let registry = PluginRegistry()
        for path in setup.libraries {
            do { try registry.load(path: path) } catch {
                return .failure(WorkerProtocolError("the worker cannot load the plugin \(error.description)"))
            }
        }
        let models: [ModelSpec]
        do { models = try plan.resolve(in: registry, exactVersions: true) } catch {
            return .failure(WorkerProtocolError(error.description))
        }
        let data = setup.data
        // The parent sends the panel the plan was made from; a mismatch here is a bug.
        // (Not the SHA-256 fingerprint: it would cost every worker a pass over the data.)
        guard data.count == plan.seriesCount, data.totalPoints == plan.data.points,
              data.frequency.description == plan.data.frequency else {
            return .failure(WorkerProtocolError("the data the worker received is not the plan's: \(data.count) series, \(data.totalPoints) points, \(data.frequency) where the plan has \(plan.seriesCount), \(plan.data.points), \(plan.data.frequency)"))
        }
        guard setup.futureRegressors.count == plan.windows.count * data.count * plan.horizon * data.regressors.count else {
            return .failure(WorkerProtocolError("JOB: \(setup.futureRegressors.count) future regressor values where the plan needs \(plan.windows.count * data.count * plan.horizon * data.regressors.count)"))
        }
        return .success(Job(plan: plan, models: models, data: data, keep: setup.keepModels ? .saved : .none,
                            futureRegressors: setup.futureRegressors))
    }

    /// Runs chunk after chunk through one result slot, sending each task's RESULT before the
    /// next task starts, then CHUNK_DONE. After a cancel the rest of each chunk is skipped.
    static func runChunks(_ job: Job, queue: ChunkQueue, cancel: CancelToken, writer: FrameChannel) {
        let h = job.plan.horizon, nLevels = job.plan.levels.count
        let slot = ResultBuffers(tasks: 1, horizon: h, levels: nLevels)
        while let (chunk, tasks) = queue.pop() {
            for k in tasks {
                if cancel.isCancelled { break }
                slot.clear(slot: 0, horizon: h, levels: nLevels)
                job.run(task: k, into: slot, slot: 0, cancel: cancel)
                var model: [UInt8]? = nil
                if case .saved(let bytes)? = slot.kept[0] { model = bytes }
                let result = TaskResult(task: k, outcome: slot.outcomes[0], description: slot.descriptions[0],
                                        seconds: slot.seconds[0], mean: Array(slot.mean), lo: Array(slot.lo),
                                        hi: Array(slot.hi), model: model)
                // A parent that has gone reads nothing more: stop.
                do { try writer.send(.result(result)) } catch {
                    cancel.cancel()
                    break
                }
            }
            try? writer.send(.chunkDone(chunk: chunk))
        }
    }
}

/// Chunks waiting for the worker's task thread.
final class ChunkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [(UInt32, [Int])] = []
    private var head = 0
    private var closed = false

    func push(chunk: UInt32, tasks: [Int]) {
        condition.lock()
        chunks.append((chunk, tasks))
        condition.signal()
        condition.unlock()
    }

    /// No more chunks will come; `pop` returns nil once the queue is drained.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func pop() -> (UInt32, [Int])? {
        condition.lock()
        defer { condition.unlock() }
        while head == chunks.count && !closed { condition.wait() }
        guard head < chunks.count else { return nil }
        defer { head += 1 }
        return chunks[head]
    }
}
