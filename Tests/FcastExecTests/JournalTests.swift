import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastTestSupport
import XCTest

/// Runs with a journal: finished tasks are restored, not run again, and the results equal an
/// uninterrupted run's bit for bit; a journal of another plan is refused with what changed.
final class JournalTests: XCTestCase {
    static let registry = ExecutorTests.registry
    static let visnights = ExecutorTests.visnights

    func spec(_ algorithm: String, _ values: [String: ParameterValue] = [:]) throws -> ModelSpec {
        let a = try XCTUnwrap(Self.registry.algorithm(named: algorithm), "plugin for \(algorithm) not built")
        return ModelSpec(algorithm: a, values: values)
    }

    func job(_ models: [ModelSpec], _ data: Panel, horizon: Int = 8, levels: [Double] = [80, 95], seed: UInt64 = 7) -> Job {
        var named = models
        ModelSpec.assignNames(&named)
        let options = RunOptions(horizon: horizon, levels: levels, seed: seed)
        return Job(plan: Runner.plan(named, on: data, dataName: "visnights.csv", options: options), models: named, data: data)
    }

    func run(_ job: Job, tasks: [Int]? = nil, on executor: any Executor = ThreadExecutor(workers: 2),
             journal: (any RunJournal)? = nil) throws -> RunResult {
        try Runner.run(job, tasks: tasks, on: executor, cancel: CancelToken(), progress: .none, progressOutput: .silent,
                       journal: journal)
    }

    func testAResumedRunSkipsFinishedTasksAndEqualsAnUninterruptedRun() throws {
        // prophet's intervals are simulated (seeded): the numbers depend on every input.
        let j = job([try spec("snaive", ["season": .int(4)]), try spec("drift"), try spec("prophet")], Self.visnights)
        let full = try run(j)
        XCTAssertEqual(full.failedTasks, 0)
        let journal = InMemoryRunJournal()
        // The first attempt finishes the first 25 tasks of the execution order, then "dies".
        let order = j.plan.executionOrder()
        let first = try run(j, tasks: Array(order.prefix(25)), journal: journal)
        XCTAssertEqual(first.resumedTasks, 0)
        XCTAssertEqual(Set(journal.recordedTasks), Set(order.prefix(25)))
        // The same run again: the 25 are restored, only the others run.
        let lines = LockedLines()
        let second = try Runner.run(j, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                                    progressOutput: ProgressOutput(isTerminal: false) { lines.append($0) }, journal: journal)
        XCTAssertEqual(second.resumedTasks, 25)
        XCTAssertEqual(lines.text, "resumed 25 of \(j.plan.taskCount) tasks from memory\n")
        XCTAssertEqual(journal.recordedTasks.count, j.plan.taskCount, "every task recorded once")
        XCTAssertEqual(second.mean.map(\.bitPattern), full.mean.map(\.bitPattern))
        XCTAssertEqual(second.lo.map(\.bitPattern), full.lo.map(\.bitPattern))
        XCTAssertEqual(second.hi.map(\.bitPattern), full.hi.map(\.bitPattern))
        XCTAssertEqual(second.descriptions, full.descriptions)
        XCTAssertEqual(second.completedTasks, j.plan.taskCount)
        // Restored tasks keep their models as saved bytes: predict gives the run's numbers.
        for k in order.prefix(25) {
            guard case .saved? = second.kept[k] else { return XCTFail("task \(k): no saved model restored") }
        }
        let again = try second.predict(horizon: 8, levels: [80, 95])
        XCTAssertEqual(again.mean, full.mean)
        XCTAssertEqual(again.hi, full.hi)
        // A third time: everything comes from the journal, nothing runs.
        let third = try run(j, journal: journal)
        XCTAssertEqual(third.resumedTasks, j.plan.taskCount)
        XCTAssertEqual(third.mean.map(\.bitPattern), full.mean.map(\.bitPattern))
    }

    func testFailedTasksAreJournalledWithTheirReasonButCancelledOnesAreNot() throws {
        // drift needs two points: a series cut to one point fails the same way every time.
        let short = Panel(series: [(id: "one", ds: [Self.visnights.ds[0]], y: [1.0]),
                                   (id: "two", ds: Array(Self.visnights.ds[0..<8]), y: (0..<8).map(Double.init))],
                          frequency: Self.visnights.frequency)
        let j = job([try spec("drift")], short, levels: [])
        let journal = InMemoryRunJournal()
        let first = try run(j, journal: journal)
        XCTAssertEqual(first.failedTasks, 1)
        let again = try run(j, journal: journal)
        XCTAssertEqual(again.resumedTasks, 2)
        XCTAssertEqual(again.failures.map(\.failure.message), first.failures.map(\.failure.message))
        // A cancelled run records nothing: its tasks did not finish.
        let cancelled = InMemoryRunJournal()
        let token = CancelToken()
        token.cancel()
        _ = try Runner.run(j, on: InlineExecutor(), cancel: token, progress: .none, progressOutput: .silent, journal: cancelled)
        XCTAssertEqual(cancelled.recordedTasks, [])
    }

    func testAJournalOfAnotherPlanIsRefusedSayingWhatChanged() throws {
        let journal = InMemoryRunJournal(name: "runs/x.db")
        let j = job([try spec("naive"), try spec("snaive", ["season": .int(4)])], Self.visnights)
        _ = try run(j, journal: journal)
        let changed = job([try spec("naive"), try spec("drift")], Self.visnights, horizon: 12, levels: [95], seed: 3)
        XCTAssertThrowsError(try run(changed, journal: journal)) { error in
            XCTAssertEqual("\(error)", "the journal runs/x.db belongs to another run: models added: drift; models removed: snaive; "
                           + "horizon 12, was 8; levels [95.0], was [80.0, 95.0]; seed 3, was 7; "
                           + "use another journal file, or delete this one to start over")
        }
        // Other data: one series fewer, and the same shape with one value changed.
        let fewer = job([try spec("naive"), try spec("snaive", ["season": .int(4)])],
                        Self.visnights.subset(Array(0..<(Self.visnights.count - 1))))
        XCTAssertEqual(fewer.plan.changes(from: j.plan),
                       ["the data has \(Self.visnights.count - 1) series and \(fewer.data.totalPoints) points, was \(Self.visnights.count) and \(Self.visnights.totalPoints)"])
        var edited = Self.visnights
        edited.y[3] += 1
        let other = job([try spec("naive"), try spec("snaive", ["season": .int(4)])], edited)
        let changes = other.plan.changes(from: j.plan)
        XCTAssertEqual(changes.count, 1)
        XCTAssertTrue(changes[0].hasPrefix("the data's values or timestamps changed"), changes[0])
        XCTAssertEqual(j.plan.changes(from: j.plan), [])
    }
}

/// Lines written from any thread.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return lines.joined() }
}
