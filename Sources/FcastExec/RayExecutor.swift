import FcastCore
import FcastPlugins
import Foundation

/// Runs tasks on a Ray cluster (or a local Ray instance) through the Python driver
/// scripts/ray_driver.py, started with the project's .venv python.
///
/// The host talks to the driver as to one `fcast worker` process (`WorkerProtocol`), except
/// that it sends many chunks ahead: the driver runs each chunk as a Ray task (`fcast worker
/// --supervise` on whichever node it lands, which runs each task in a child worker process,
/// so that a task that crashes, hangs past `timeout` or exceeds `memory` fails alone, with
/// its reason, and `taskRetries` tries it again; Ray's `max_retries` covers a lost node) and streams the
/// results back chunk by chunk, so the host fills the same buffers, shows the same progress
/// bar and writes the same journal as with the processes executor. The forecasts are the ones
/// `Job.run` computes in `fcast worker`: bit for bit those of every other executor.
///
/// Named `ray://local` (start a local Ray instance, `?cpus=N` of them) or `ray://host:port`
/// (join a running cluster): `run(..., executor: ray())`, `fcast run --executor ray://...`.
/// The fcast binary and the plugin libraries must be at the same paths on every node;
/// docs/cluster.md.
public struct RayExecutor: Executor {
    public var name: String { "ray" }
    /// "local", or the cluster's "host:port".
    public let address: String
    /// CPUs of a local instance; 0: all of this machine's. Also how many chunks are in flight.
    public let cpus: Int
    /// The CPUs asked for (0: not said).
    public var workers: Int { cpus }
    /// The fcast binary each Ray task runs as `fcast worker`.
    public let executable: URL
    public let python: String
    public let driver: String
    /// Ray's own retries of a chunk whose Ray task died (its node or its supervising worker:
    /// a task's own crash is caught inside, below), before the task it died in fails.
    public var retries = 1
    /// Per task, as in the processes executor, honoured on the node by the supervising
    /// worker (`fcast worker --supervise`) that runs each chunk: seconds a task may run
    /// before its worker is killed and it fails; nil: no limit.
    public var timeout: Double?
    /// Times a task whose worker died in it is tried again on a fresh worker process.
    public var taskRetries = 0
    /// Each worker process's address-space cap in bytes (RLIMIT_AS); nil: none.
    public var memory: Int?

    public static let missingMessage =
        "the Ray executor needs the PyPI package ray in the project's .venv: run scripts/setup "
        + "(or set FCAST_RAY_PYTHON to a python that has ray, and FCAST_RAY_DRIVER to scripts/ray_driver.py)"

    /// `spec` is "ray://local", "ray://local?cpus=2", "ray://host:port" (or "ray").
    public init(spec: String, workers: Int = 0, executable: URL? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ResolveError) {
        var rest = spec.hasPrefix("ray://") ? String(spec.dropFirst(6)) : spec == "ray" ? "local" : spec
        var cpus = workers
        if let q = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: q)...]
            rest = String(rest[..<q])
            for item in query.split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, kv[0] == "cpus", let n = Int(kv[1]), n > 0 else {
                    throw ResolveError(description: "executor '\(spec)': unknown option '\(item)'; the one option is cpus=N (N > 0)")
                }
                cpus = n
            }
        }
        if rest.isEmpty { rest = "local" }
        guard rest == "local" || rest.contains(":") else {
            throw ResolveError(description: "executor '\(spec)': give ray://local or ray://host:port")
        }
        guard let exe = executable ?? ProcessExecutor.defaultExecutable else {
            throw ResolveError(description: "the Ray executor runs `fcast worker` as Ray tasks, but this program is not fcast; pass the fcast executable")
        }
        guard let found = Self.locate(environment: environment) else {
            throw ResolveError(description: Self.missingMessage)
        }
        address = rest
        self.cpus = max(0, cpus)
        self.executable = exe
        python = found.python
        driver = found.driver
    }

    /// `FCAST_RAY_PYTHON` / `FCAST_RAY_DRIVER`, else `.venv/bin/python` and
    /// `scripts/ray_driver.py` of the project in the current folder or one above it, or above
    /// the running executable (a build inside the project).
    static func locate(environment: [String: String]) -> (python: String, driver: String)? {
        let fm = FileManager.default
        var starts = [fm.currentDirectoryPath]
        if let exe = ProcessExecutor.defaultExecutable ?? ProcessExecutor.runningExecutable() {
            starts.append(exe.deletingLastPathComponent().path)
        }
        var python = environment["FCAST_RAY_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        var driver = environment["FCAST_RAY_DRIVER"].flatMap { $0.isEmpty ? nil : $0 }
        for s in starts where python == nil || driver == nil {
            var dir = URL(fileURLWithPath: s)
            for _ in 0..<10 {
                let py = dir.appendingPathComponent(".venv/bin/python").path
                let dr = dir.appendingPathComponent("scripts/ray_driver.py").path
                if fm.isExecutableFile(atPath: py) && fm.fileExists(atPath: dr) {
                    python = python ?? py
                    driver = driver ?? dr
                    break
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        guard let python, let driver, fm.isExecutableFile(atPath: python), fm.fileExists(atPath: driver) else { return nil }
        return (python, driver)
    }

    /// The driver's options for each chunk's supervising worker.
    var supervision: [String] {
        var out = ["--task-retries", String(taskRetries)]
        if let timeout { out += ["--timeout", String(timeout)] }
        if let memory { out += ["--memory", String(memory)] }
        return out
    }

    public func execute(_ job: Job, tasks: [Int], into results: ResultBuffers, cancel: CancelToken,
                        progress: ProgressReporter) throws {
        guard job.reuse == nil else {
            throw ProcessExecutorError("the Ray executor fits models; forecasting from a run's kept models (predict) runs in this process: use \"threads\" or \"inline\"")
        }
        guard !tasks.isEmpty, !cancel.isCancelled else { return }
        let setup = try ProcessExecutor.jobFrame(job)
        let n = tasks.count
        let slots = cpus > 0 ? cpus : ProcessInfo.processInfo.activeProcessorCount
        // Each chunk costs a Ray task and an `fcast worker` start (tens of ms): about four
        // chunks per CPU, at most 256 tasks each.
        let chunkSize = max(1, min(256, n / (slots * 4)))
        let pool = ProcessPool(job: job, results: results, progress: progress, executable: python, setup: setup,
                               stop: CancelToken(parent: cancel), grace: 10,
                               arguments: [driver, executable.path, address, String(cpus), String(retries)] + supervision,
                               ahead: 2 * slots,
                               chunks: job.chunks(tasks, size: chunkSize))
        pool.drive()
        if let error = pool.error { throw error }
    }
}
