import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import Foundation
import XCTest

/// The Ray executor: chunks of tasks run as Ray tasks (`fcast worker` each) through
/// scripts/ray_driver.py give exactly the threads executor's numbers. Needs the PyPI package
/// ray in the project's .venv (scripts/setup); without it the tests fail, naming the setup.
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

    func assertSame(_ r: RunResult, _ threads: RunResult, _ job: Job, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.executor, "ray", file: file, line: line)
        XCTAssertEqual(r.completedTasks, job.plan.taskCount, file: file, line: line)
        XCTAssertEqual(r.failedTasks, 0, "\(r.failures.map(\.failure.message))", file: file, line: line)
        // Bit for bit: the doubles' patterns, so that NaN equals NaN.
        XCTAssertEqual(r.mean.map(\.bitPattern), threads.mean.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(r.lo.map(\.bitPattern), threads.lo.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(r.hi.map(\.bitPattern), threads.hi.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(r.descriptions, threads.descriptions, file: file, line: line)
    }

    /// The driver's own local instance (ray.init(num_cpus: 2) inside scripts/ray_driver.py).
    func testLocalRayGivesTheThreadsNumbers() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.python), "no .venv python: run scripts/setup")
        let j = try grid()
        let threads = try run(j, on: ThreadExecutor(workers: 2))
        XCTAssertEqual(threads.failedTasks, 0)
        let ray = try RayExecutor(spec: "ray://local?cpus=2", executable: TestSupport.fcastBinary, environment: Self.environment)
        XCTAssertEqual(ray.address, "local")
        XCTAssertEqual(ray.cpus, 2)
        assertSame(try run(j, on: ray), threads, j)
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
        var none = Self.environment
        none["FCAST_RAY_PYTHON"] = "/nonexistent/python"
        XCTAssertThrowsError(try RayExecutor(spec: "ray://local", executable: TestSupport.fcastBinary, environment: none)) {
            XCTAssertTrue("\($0)".contains("scripts/setup"), "\($0)")
        }
    }
}
