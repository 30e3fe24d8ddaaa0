import Foundation

/// How a run is executed, beyond its plan: the driver and its workers, the isolation
/// settings of the processes driver, and the journal. What `run(...)` in the language and
/// `fcast run` flags give a host.
public struct ExecutionSettings: Sendable {
    /// "threads", "inline", "processes".
    public var executor: String
    /// 0: the driver's default (all cores).
    public var workers: Int
    /// Seconds a task may run in a worker process before the worker is killed and the task
    /// fails ("timeout after 5 s"); nil: no limit. Processes and Ray.
    public var timeout: Double?
    /// Times a task that failed by its worker's death (crash, kill, timeout) is tried again
    /// on a fresh worker. Processes and Ray.
    public var retries: Int
    /// Address-space cap of each worker process in bytes (RLIMIT_AS); nil: none. Processes and Ray.
    public var memory: Int?
    /// The run journal's path, and which of the file's runs this is (1 for a lone run).
    public var journal: String?
    public var journalSlot: Int

    public init(executor: String = "threads", workers: Int = 0, timeout: Double? = nil, retries: Int = 0,
                memory: Int? = nil, journal: String? = nil, journalSlot: Int = 1) {
        self.executor = executor
        self.workers = workers
        self.timeout = timeout
        self.retries = retries
        self.memory = memory
        self.journal = journal
        self.journalSlot = journalSlot
    }
}

extension Executors {
    /// The driver the settings name, with their isolation settings.
    public static func make(_ settings: ExecutionSettings) throws(ResolveError) -> any Executor {
        let executor = try make(settings.executor, workers: settings.workers)
        if var r = executor as? RayExecutor {
            // On Ray each chunk's supervising worker honours them per task; Ray's own retries
            // (a lost node) are at least as many.
            r.timeout = settings.timeout
            r.taskRetries = settings.retries
            r.retries = max(r.retries, settings.retries)
            r.memory = settings.memory
            return r
        }
        guard var p = executor as? ProcessExecutor else {
            if settings.timeout != nil || settings.memory != nil || settings.retries > 0 {
                throw ResolveError(description: "timeout:, retries: and memory: apply to worker processes: use executor: \"processes\" or ray()")
            }
            return executor
        }
        p.timeout = settings.timeout
        p.retries = settings.retries
        p.memory = settings.memory
        return p
    }
}
