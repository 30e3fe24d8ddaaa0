import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import FcastStore
import FcastTestSupport
import GRDB
import XCTest

/// The SQLite run journal: tasks survive the journal being closed and opened again (as after
/// a crash), slots keep a script's runs apart, and a journal that cannot be written, or a
/// file that is not a journal, is a clear error before any task runs.
final class RunJournalTests: XCTestCase {
    static let registry = ModelStoreTests.registry
    static let visnights = ModelStoreTests.visnights

    func job(horizon: Int = 8) throws -> Job {
        var models = [ModelSpec(algorithm: try XCTUnwrap(Self.registry.algorithm(named: "snaive")), values: ["season": .int(4)]),
                      ModelSpec(algorithm: try XCTUnwrap(Self.registry.algorithm(named: "ets")), values: [:])]
        ModelSpec.assignNames(&models)
        let options = RunOptions(horizon: horizon, levels: [80, 95], seed: 5)
        return Job(plan: Runner.plan(models, on: Self.visnights, dataName: "visnights", options: options), models: models,
                   data: Self.visnights)
    }

    func run(_ job: Job, tasks: [Int]? = nil, journal: (any RunJournal)?) throws -> RunResult {
        try Runner.run(job, tasks: tasks, on: ThreadExecutor(workers: 2), cancel: CancelToken(), progress: .none,
                       progressOutput: .silent, journal: journal)
    }

    func testTasksRecordedByOneProcessAreResumedByTheNextWithIdenticalResults() throws {
        let j = try job()
        let full = try run(j, journal: nil)
        XCTAssertEqual(full.failedTasks, 0)
        let path = TestSupport.temporaryDirectory().appendingPathComponent("runs/x.db").path
        let half = Array(j.plan.executionOrder().prefix(j.plan.taskCount / 2))
        do {
            let journal = try SQLiteRunJournal(path: path)
            _ = try run(j, tasks: half, journal: journal)
            XCTAssertEqual(try journal.recordedTaskCount(), half.count)
        }
        // A new journal object on the same file, as a new process would open it.
        let journal = try SQLiteRunJournal(path: path)
        let resumed = try run(j, journal: journal)
        XCTAssertEqual(resumed.resumedTasks, half.count)
        XCTAssertEqual(try journal.recordedTaskCount(), j.plan.taskCount)
        XCTAssertEqual(resumed.mean.map(\.bitPattern), full.mean.map(\.bitPattern))
        XCTAssertEqual(resumed.lo.map(\.bitPattern), full.lo.map(\.bitPattern))
        XCTAssertEqual(resumed.hi.map(\.bitPattern), full.hi.map(\.bitPattern))
        XCTAssertEqual(resumed.descriptions, full.descriptions)
        // The journal is in WAL mode.
        let mode = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
    }

    func testSlotsKeepAScriptsRunsApartAndAChangedPlanIsRefused() throws {
        let path = TestSupport.temporaryDirectory().appendingPathComponent("x.db").path
        _ = try run(try job(horizon: 8), journal: try SQLiteRunJournal(path: path, slot: 1))
        _ = try run(try job(horizon: 4), journal: try SQLiteRunJournal(path: path, slot: 2))
        XCTAssertEqual(try run(try job(horizon: 4), journal: try SQLiteRunJournal(path: path, slot: 2)).resumedTasks,
                       try job().plan.taskCount)
        XCTAssertThrowsError(try run(try job(horizon: 6), journal: try SQLiteRunJournal(path: path, slot: 1))) { error in
            XCTAssertEqual("\(error)", "the journal \(path) belongs to another run: horizon 6, was 8; use another journal file, or delete this one to start over")
        }
    }

    func testAJournalThatCannotBeWrittenIsAClearErrorBeforeAnyTaskRuns() throws {
        let dir = TestSupport.temporaryDirectory()
        // A path through a regular file: no folder can be made there, even by root.
        let file = try TestSupport.write("not a folder", to: "plain", in: dir)
        XCTAssertThrowsError(try SQLiteRunJournal(path: file.appendingPathComponent("x.db").path)) { error in
            XCTAssertEqual("\(error)", "cannot create the run journal \(file.path)/x.db: \(file.path) is a file, not a folder")
        }
        // /proc takes no new files, even from root.
        XCTAssertThrowsError(try SQLiteRunJournal(path: "/proc/fcast-journal.db")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot write the run journal /proc/fcast-journal.db: "), "\(error)")
        }
        // A read-only folder, where permissions bind (not root).
        if geteuid() != 0 {
            let ro = dir.appendingPathComponent("ro")
            try FileManager.default.createDirectory(at: ro, withIntermediateDirectories: false)
            chmod(ro.path, 0o555)
            defer { chmod(ro.path, 0o755) }
            XCTAssertThrowsError(try SQLiteRunJournal(path: ro.appendingPathComponent("x.db").path)) { error in
                XCTAssertTrue("\(error)".hasPrefix("cannot write the run journal \(ro.path)/x.db: "), "\(error)")
            }
        }
        // A folder where the file should be.
        XCTAssertThrowsError(try SQLiteRunJournal(path: dir.path)) { error in
            XCTAssertEqual("\(error)", "cannot use \(dir.path) as a run journal: it is a folder")
        }
    }

    func testAnSQLiteFileThatIsNotAJournalIsRefusedAndLeftAlone() throws {
        let path = TestSupport.temporaryDirectory().appendingPathComponent("store.db").path
        let store = try SQLiteModelStore(path: path)
        _ = store
        XCTAssertThrowsError(try SQLiteRunJournal(path: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path) is an SQLite file but not an fcast run journal (its tables: "), "\(error)")
        }
        // Still a model store.
        XCTAssertNoThrow(try SQLiteModelStore(path: path, readOnly: true))
    }

    func testAFullDiskFailsTheRecordingClearlyAndKeepsWhatWasCommitted() throws {
        let j = try job()
        let path = TestSupport.temporaryDirectory().appendingPathComponent("full.db").path
        let journal = try SQLiteRunJournal(path: path)
        journal.batchSize = 1
        // Room for the schema and a few tasks only: SQLite then answers SQLITE_FULL, as on a full disk.
        journal.maxPageCount = 8
        XCTAssertThrowsError(try run(j, journal: journal)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot record tasks in the run journal \(path): the disk is full"), "\(error)")
        }
        let reopened = try SQLiteRunJournal(path: path)
        let kept = try reopened.recordedTaskCount()
        XCTAssertLessThan(kept, j.plan.taskCount)
        // What was committed resumes.
        XCTAssertEqual(try run(j, journal: reopened).resumedTasks, kept)
    }
}
