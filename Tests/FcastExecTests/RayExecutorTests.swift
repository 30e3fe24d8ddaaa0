import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The Ray executor against a real Ray cluster: a head started with the project's .venv
/// `ray start --head` on loopback with 2 CPUs (once for the class, its session files in a
/// temporary folder) and stopped with `ray stop` when the class ends, whatever happened.
/// Chunks of tasks run as Ray tasks (`fcast worker --supervise` each) through
/// scripts/ray_driver.py and give exactly the threads executor's numbers; a plugin that
/// segfaults or hangs fails exactly those tasks, with their reasons, under timeout: and
/// retries:. Needs the PyPI package ray in the project's .venv (scripts/setup); without it
/// the tests fail, naming the setup.
final class RayExecutorTests: XCTestCase {
    static let registry: PluginRegistry = ExecutorTests.registry
    static let visnights = ExecutorTests.visnights
    static var python: String { TestSupport.repoRoot.appendingPathComponent(".venv/bin/python").path }
    static var rayCLI: String { TestSupport.repoRoot.appendingPathComponent(".venv/bin/ray").path }
    static var environment: [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["FCAST_RAY_PYTHON"] = python
        e["FCAST_RAY_DRIVER"] = TestSupport.repoRoot.appendingPathComponent("scripts/ray_driver.py").path
        return e
    }

    /// The head's "127.0.0.1:port", or why it did not start: started by the first test that
    /// needs it (the others do not wait for Ray).
    static let head: Result<String, HeadError> = startHead()
    nonisolated(unsafe) static var sessionDirectory: String?

    struct HeadError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A TCP port nobody listens on now (the kernel's pick).
    static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: addr.sin_port)) : nil
    }

    /// What the head and everything it starts run with: no token authentication (a loopback
    /// test cluster), no usage reporting, no Swift crash backtraces from the workers' children.
    static var headEnvironment: [String: String] {
        ["RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "SWIFT_BACKTRACE": "enable=no"]
    }

    static func startHead() -> Result<String, HeadError> {
        guard FileManager.default.isExecutableFile(atPath: rayCLI) else {
            return .failure(HeadError(message: "no \(rayCLI): run scripts/setup"))
        }
        // A short path: Ray's sockets live under it (a Unix socket path has 107 bytes at most).
        var template = Array("/tmp/fcray.XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }),
              let port = freePort() else {
            return .failure(HeadError(message: "no temporary folder or free port for the Ray head"))
        }
        sessionDirectory = dir
        let (status, log) = ray(["start", "--head", "--node-ip-address", "127.0.0.1", "--port", String(port), "--num-cpus", "2",
                                 "--temp-dir", dir, "--include-dashboard=false", "--disable-usage-stats"])
        return status == 0 ? .success("127.0.0.1:\(port)")
            : .failure(HeadError(message: "ray start failed (status \(status)): \(log.suffix(2000))"))
    }

    override class func tearDown() {
        // Always once a head was started, even when it did not come up whole (or a test
        // failed): nothing of it may outlive the tests.
        if sessionDirectory != nil && FileManager.default.isExecutableFile(atPath: rayCLI) { _ = ray(["stop", "--force"]) }
        if let dir = sessionDirectory { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    /// Runs the .venv's `ray` CLI to its end, its output in a file (not a pipe: the daemons
    /// `ray start` leaves behind would hold a pipe open); its status and output.
    static func ray(_ arguments: [String]) -> (Int32, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fcast-ray-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        guard FileManager.default.createFile(atPath: log.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: log) else { return (-1, "cannot write \(log.path)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rayCLI)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(headEnvironment) { $1 }
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, "\(error)") }
        p.waitUntilExit()
        try? handle.close()
        return (p.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    func address() throws -> String {
        switch Self.head {
        case .success(let a): return a
        case .failure(let e): throw e
        }
    }

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:]) throws -> ModelSpec {
        let a = try XCTUnwrap(Self.registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        return ModelSpec(algorithm: a, values: values)
    }

    /// A grid over visnights: 4 models x 20 series = 80 tasks, two intervals.
    func grid() throws -> Job {
        var models = [try spec("naive"), try spec("snaive", ["season": .int(4)]), try spec("drift"), try spec("prophet")]
        ModelSpec.assignNames(&models)
        let options = RunOptions(horizon: 8, levels: [80, 95], seed: 7)
        return Job(plan: Runner.plan(models, on: Self.visnights, options: options), models: models, data: Self.visnights)
    }

    func run(_ job: Job, on executor: any Executor) throws -> RunResult {
        try Runner.run(job, on: executor, cancel: CancelToken(), progress: .none, progressOutput: .silent)
    }

    func cluster() throws -> RayExecutor {
        try RayExecutor(spec: "ray://\(try address())", executable: TestSupport.fcastBinary, environment: Self.environment)
    }

    func testAClusterOnLoopbackGivesTheThreadsNumbers() throws {
        let j = try grid()
        let threads = try run(j, on: ThreadExecutor(workers: 2))
        XCTAssertEqual(threads.failedTasks, 0)
        let ray = try cluster()
        XCTAssertEqual(ray.address, try address())
        let r = try run(j, on: ray)
        XCTAssertEqual(r.executor, "ray")
        XCTAssertEqual(r.completedTasks, j.plan.taskCount)
        XCTAssertEqual(r.failedTasks, 0, "\(r.failures.map(\.failure.message))")
        // Bit for bit: the doubles' patterns, so that NaN equals NaN.
        XCTAssertEqual(r.mean.map(\.bitPattern), threads.mean.map(\.bitPattern))
        XCTAssertEqual(r.lo.map(\.bitPattern), threads.lo.map(\.bitPattern))
        XCTAssertEqual(r.hi.map(\.bitPattern), threads.hi.map(\.bitPattern))
        XCTAssertEqual(r.descriptions, threads.descriptions)
    }

    /// The language's ray(address:) and `fcast run`: the same forecasts file as threads.
    func testAScriptRunsAGridThroughRayAddress() throws {
        let dir = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func script(_ executor: String, _ out: String) -> String {
            """
            vis = load("\(TestSupport.exampleData("visnights.csv").path)")
            res = run(grid(naive(), snaive(), drift(), season: 4), vis, horizon: 8, level: [80, 95], executor: \(executor))
            write(res, "\(dir.appendingPathComponent(out).path)")
            """
        }
        let threads = try TestSupport.write(script("\"threads\"", "threads.csv"), to: "threads.fc", in: dir)
        let ray = try TestSupport.write(script("ray(address: \"\(try address())\")", "ray.csv"), to: "ray.fc", in: dir)
        for file in [threads, ray] {
            let r = try TestSupport.fcast(["run", file.path], environment: Self.environment)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let a = try String(contentsOf: dir.appendingPathComponent("threads.csv"), encoding: .utf8)
        let b = try String(contentsOf: dir.appendingPathComponent("ray.csv"), encoding: .utf8)
        XCTAssertEqual(a.split(separator: "\n").count, 1 + 3 * 20 * 8, "a header and 3 models x 20 series x 8 steps")
        XCTAssertEqual(a, b)
    }

    /// IsolationTests' faulty plugin under Ray: segv20 segfaults on s00, s05, s10, s15,
    /// hang20 hangs on s01, s06, s11, s16, hog asks for 1 GiB on s07. With timeout: 1,
    /// retries: 1 and memory: 768 MiB exactly those tasks fail, each with its reason after
    /// two tries; the run ends; every other task forecasts its series' last value, as the
    /// threads executor does (the faulty plugin's numbers, IsolationTests).
    func testCrashesHangsAndTheMemoryCapFailOnlyTheirTasksOnRay() throws {
        let registry = IsolationTests.registry
        var models = try ["segv20", "hang20", "hog"].map { ModelSpec(algorithm: try XCTUnwrap(registry.algorithm(named: $0)), values: [:]) }
        ModelSpec.assignNames(&models)
        let data = IsolationTests.data
        let j = Job(plan: Runner.plan(models, on: data, options: RunOptions(horizon: 3, levels: [], seed: 1)), models: models, data: data)
        var ray = try cluster()
        ray.timeout = 1
        ray.taskRetries = 1
        ray.memory = 768 << 20
        let r = try run(j, on: ray)
        XCTAssertEqual(r.completedTasks, 60)
        XCTAssertFalse(r.cancelled)
        var failed: [String: String] = [:]
        for m in 0..<3 {
            for s in 0..<data.count {
                let k = r.task(model: m, series: s)
                if case .failed(let f) = r.outcomes[k] {
                    failed["\(models[m].algorithm.name) \(data.ids[s])"] = f.message
                } else {
                    XCTAssertEqual(Array(r.meanSlice(model: m, series: s)), [Double](repeating: Double(s * 100 + 11), count: 3),
                                   "\(models[m].algorithm.name) \(data.ids[s])")
                }
            }
        }
        let segv = "worker process killed by SIGSEGV while running this task (2 tries); the plugin's last log line: segv20: giving up on "
        let hang = "timeout after 1 s (2 tries)"
        XCTAssertEqual(failed, [
            "segv20 s00": segv + "s00", "segv20 s05": segv + "s05", "segv20 s10": segv + "s10", "segv20 s15": segv + "s15",
            "hang20 s01": hang, "hang20 s06": hang, "hang20 s11": hang, "hang20 s16": hang,
            "hog s07": "cannot allocate 1 GiB",
        ])
    }

    func testSpecsAndMissingRayAreClearErrors() throws {
        XCTAssertThrowsError(try RayExecutor(spec: "ray://headnode", executable: TestSupport.fcastBinary, environment: Self.environment)) {
            XCTAssertTrue("\($0)".contains("ray://host:port"), "\($0)")
        }
        XCTAssertThrowsError(try RayExecutor(spec: "ray://local?gpus=1", executable: TestSupport.fcastBinary, environment: Self.environment)) {
            XCTAssertTrue("\($0)".contains("cpus=N"), "\($0)")
        }
        let h = try RayExecutor(spec: "ray://10.0.0.5:6379", executable: TestSupport.fcastBinary, environment: Self.environment)
        XCTAssertEqual(h.address, "10.0.0.5:6379")
        let local = try RayExecutor(spec: "ray://local?cpus=2", executable: TestSupport.fcastBinary, environment: Self.environment)
        XCTAssertEqual(local.address, "local")
        XCTAssertEqual(local.cpus, 2)
        var none = Self.environment
        none["FCAST_RAY_PYTHON"] = "/nonexistent/python"
        XCTAssertThrowsError(try RayExecutor(spec: "ray://local", executable: TestSupport.fcastBinary, environment: none)) {
            XCTAssertTrue("\($0)".contains("scripts/setup"), "\($0)")
        }
        // timeout:, retries: and memory: reach the Ray executor; threads refuses them.
        var settings = ExecutionSettings(executor: "ray://10.0.0.5:6379", timeout: 5, retries: 2, memory: 1 << 30)
        settings.workers = 2
        // Executors.make finds fcast and the driver as the fcast program does.
        let saved = ProcessExecutor.defaultExecutable
        ProcessExecutor.defaultExecutable = TestSupport.fcastBinary
        defer { ProcessExecutor.defaultExecutable = saved }
        for k in ["FCAST_RAY_PYTHON", "FCAST_RAY_DRIVER"] { setenv(k, Self.environment[k]!, 1) }
        defer { for k in ["FCAST_RAY_PYTHON", "FCAST_RAY_DRIVER"] { unsetenv(k) } }
        let made = try XCTUnwrap(try Executors.make(settings) as? RayExecutor)
        XCTAssertEqual(made.timeout, 5)
        XCTAssertEqual(made.taskRetries, 2)
        XCTAssertEqual(made.retries, 2)
        XCTAssertEqual(made.memory, 1 << 30)
        settings.executor = "threads"
        XCTAssertThrowsError(try Executors.make(settings)) { XCTAssertTrue("\($0)".contains("ray()"), "\($0)") }
    }
}
