import FcastCore
import FcastPlan
import FcastPlugins
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `fcast worker --supervise`: a worker that isolates its own tasks, for the Ray executor.
///
/// It speaks `WorkerProtocol` to its parent exactly as `fcast worker` does (JOB, READY,
/// TASKS..., SHUTDOWN; RESULT per task, CHUNK_DONE per chunk), but it neither loads the
/// plugins nor runs a task itself: it runs the chunks it was sent through a one-slot
/// `ProcessPool` of plain `fcast worker` children, the processes executor's own, so that on
/// a Ray node a task that segfaults, aborts, runs past `timeout` or hits the `memory` cap
/// fails alone, with the same reason the processes executor gives ("worker process killed
/// by SIGSEGV while running this task; the plugin's last log line: ..."), and `retries`
/// runs it again on a fresh child. The Ray task around it then dies only when the node or
/// the supervisor itself does, which Ray's own task retries cover.
///
/// It reads every chunk up to SHUTDOWN first (the Ray driver sends JOB, one chunk and
/// SHUTDOWN at once), then runs them and writes their results, chunk by chunk, in the order
/// the tasks came. A child that refuses the job (FATAL: a plugin that does not load) or
/// children that keep dying before they are ready end it with FATAL.
extension Worker {
    public static func supervise(timeout: Double?, retries: Int, memory: Int?) -> Int32 {
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        guard let frames = takeStandardOutput() else { return 1 }
        return superviseServe(input: STDIN_FILENO, output: frames, timeout: timeout, retries: retries, memory: memory)
    }

    static func superviseServe(input: Int32, output: Int32, timeout: Double?, retries: Int, memory: Int?) -> Int32 {
        let reader = FrameChannel(fd: input)
        let writer = FrameChannel(fd: output)
        func fatal(_ message: String) -> Int32 {
            try? writer.send(.fatal(message: message))
            return 1
        }
        let setup: WorkerJob
        let setupFrame: [UInt8]
        do {
            switch try reader.receive() {
            case .frame(.job(let j)):
                setup = j
                setupFrame = try WorkerProtocol.encode(.job(j))
            case .frame(let other): return fatal("the worker expected a JOB frame first, not \(other.type.name)")
            case .closed, .timedOut: return 0
            }
        } catch {
            return fatal("cannot read the job: \(error.description)")
        }
        let plan: Plan
        do { plan = try Plan.decode(Data(setup.plan)) } catch {
            return fatal("the worker cannot read the plan: \(error)")
        }
        guard let executable = ProcessExecutor.runningExecutable() else {
            return fatal("a supervising worker cannot find its own executable (/proc/self/exe)")
        }
        do { try writer.send(.ready(version: WorkerProtocol.version)) } catch { return 0 }

        var chunks: [(id: UInt32, tasks: [Int])] = []
        var slots: [Int: Int] = [:]
        reading: while true {
            let received: FrameChannel.Received
            do { received = try reader.receive() } catch {
                return fatal("cannot read a frame from the parent: \(error.description)")
            }
            switch received {
            case .frame(.tasks(let chunk, let tasks)):
                for k in tasks {
                    guard k < plan.taskCount else { return fatal("task \(k) is not in the plan (it has \(plan.taskCount) tasks)") }
                    guard slots[k] == nil else { return fatal("task \(k) was sent twice") }
                    slots[k] = slots.count
                }
                chunks.append((chunk, tasks))
            case .frame(.shutdown):
                break reading
            case .frame(.cancel):
                // Nothing has started: every chunk ends at once, its tasks not run.
                for c in chunks { try? writer.send(.chunkDone(chunk: c.id)) }
                chunks = []
                slots = [:]
            case .frame(let other):
                return fatal("the worker does not expect a \(other.type.name) frame from the parent")
            case .closed, .timedOut:
                return 0
            }
        }
        guard !chunks.isEmpty else { return 0 }

        // The children's log lines travel on as LOG frames.
        ProcessPool.logSink.withLock { $0 = { level, message in try? writer.send(.log(level: level, message: message)) } }
        let h = plan.horizon, nLevels = plan.levels.count
        let buffers = ResultBuffers(tasks: slots.count, horizon: h, levels: nLevels)
        let map = slots
        let pool = ProcessPool(horizon: h, levels: nLevels, keep: setup.keepModels, slotOf: { map[$0]! },
                               results: buffers,
                               progress: ProgressReporter(total: slots.count, workers: 1, style: .none, output: .silent),
                               executable: executable.path, setup: setupFrame, stop: CancelToken(), grace: 3,
                               timeout: timeout, retries: retries, memory: memory, chunks: chunks.map(\.tasks))
        pool.drive()
        if let error = pool.error { return fatal("\(error)") }
        for chunk in chunks {
            for k in chunk.tasks {
                let s = map[k]!
                var model: [UInt8]? = nil
                if case .saved(let bytes)? = buffers.kept[s] { model = bytes }
                let result = TaskResult(task: k, outcome: buffers.outcomes[s], description: buffers.descriptions[s],
                                        seconds: buffers.seconds[s], mean: Array(buffers.mean[(s * h)..<((s + 1) * h)]),
                                        lo: Array(buffers.lo[(s * nLevels * h)..<((s + 1) * nLevels * h)]),
                                        hi: Array(buffers.hi[(s * nLevels * h)..<((s + 1) * nLevels * h)]), model: model)
                do { try writer.send(.result(result)) } catch { return 0 }
            }
            try? writer.send(.chunkDone(chunk: chunk.id))
        }
        return 0
    }
}
