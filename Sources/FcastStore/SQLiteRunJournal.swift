import FcastExec
import FcastPlan
import Foundation
import GRDB

/// A run journal in an SQLite file (GRDB): each finished task's result, recorded as the run
/// goes, so that the same run started again skips them (`Runner.run(..., journal:)`).
///
/// Tables: `journal_info` (what the file is, its schema), `runs` (per slot: the plan's hash
/// and canonical JSON; a script run with `fcast run --journal` puts its first run() in slot
/// 1, its second in slot 2, ...), `tasks` (per slot and task: the task's result as the
/// worker protocol's RESULT frame: numbers as their IEEE bits, outcome, description,
/// seconds, the plugin's saved model).
///
/// Durability. The file is in WAL mode. `record` only queues; a writer thread commits what
/// is queued in one transaction every `batchInterval` seconds (0.1) or every `batchSize`
/// tasks (256), whichever comes first, and `finish` commits the rest. `synchronous = FULL`:
/// each commit fsyncs the WAL, so a commit that returned survives a power cut. So kill -9 or
/// a power cut loses at most the last batch interval's tasks (they are run again), never a
/// committed one, and never leaves a half-written task: a transaction is all or nothing.
/// A write that fails (disk full, the file made read-only) stops recording; `finish`
/// throws it and the tasks committed before stay readable.
public final class SQLiteRunJournal: RunJournal, @unchecked Sendable {
    public let name: String
    public let slot: Int
    public var batchInterval: Double = 0.1
    public var batchSize = 256
    /// SQLite's max_page_count for this file: a cap on its size (tests use it as a full disk).
    public var maxPageCount: Int? {
        didSet { if let n = maxPageCount { try? db.write { try $0.execute(sql: "PRAGMA max_page_count = \(n)") } } }
    }
    private let db: DatabasePool

    public static let application = "fcast run journal"
    public static let schemaVersion = 1

    private let condition = NSCondition()
    private var pending: [(Int, [UInt8])] = []
    private var writeError: (any Error)?
    private var writer: Thread?
    private var stopping = false
    private var stopped = DispatchSemaphore(value: 0)

    /// Opens the journal at `path`, creating it (and its folder) if missing. `slot` chooses
    /// which of the file's runs this is.
    public init(path: String, slot: Int = 1) throws {
        name = path
        self.slot = slot
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw JournalError("cannot use \(path) as a run journal: it is a folder")
        }
        var parentIsDir: ObjCBool = false
        if !dir.isEmpty && FileManager.default.fileExists(atPath: dir, isDirectory: &parentIsDir) && !parentIsDir.boolValue {
            throw JournalError("cannot create the run journal \(path): \(dir) is a file, not a folder")
        }
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw JournalError("cannot create the folder of the run journal \(path): \(Self.reason(error))")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            db = try DatabasePool(path: path, configuration: config)
            try Self.prepare(db, path: path)
        } catch let e as JournalError {
            throw e
        } catch {
            throw JournalError("cannot write the run journal \(path): \(Self.reason(error))")
        }
    }

    deinit {
        try? finish()
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_READONLY: return "the file or its folder is read-only"
            case .SQLITE_CANTOPEN: return "cannot create or open the file (a read-only folder, or a path that is not a folder?)"
            case .SQLITE_FULL: return "the disk is full"
            case .SQLITE_NOTADB: return "the file is not an SQLite database"
            default: return e.message ?? "\(e)"
            }
        }
        if let e = error as? CocoaError, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError,
           u.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(u.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return error.localizedDescription
    }

    private static func prepare(_ db: DatabasePool, path: String) throws {
        try db.write { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            if tables.isEmpty {
                try db.execute(sql: """
                    CREATE TABLE journal_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE runs (slot INTEGER PRIMARY KEY, plan_hash TEXT NOT NULL, plan_json TEXT NOT NULL,
                                       task_count INTEGER NOT NULL, created TEXT NOT NULL);
                    CREATE TABLE tasks (slot INTEGER NOT NULL, task INTEGER NOT NULL, result BLOB NOT NULL,
                                        PRIMARY KEY (slot, task));
                    """)
                try db.execute(sql: "INSERT INTO journal_info (key, value) VALUES ('application', ?), ('schema', ?)",
                               arguments: [application, String(schemaVersion)])
                return
            }
            guard tables.contains("journal_info"),
                  try String.fetchOne(db, sql: "SELECT value FROM journal_info WHERE key = 'application'") == application else {
                throw JournalError("\(path) is an SQLite file but not an fcast run journal (its tables: \(tables.sorted().joined(separator: ", ")))")
            }
            if let schema = try String.fetchOne(db, sql: "SELECT value FROM journal_info WHERE key = 'schema'").flatMap(Int.init),
               schema > schemaVersion {
                throw JournalError("\(path) is a run journal of schema \(schema); this fcast reads schema \(schemaVersion): use a newer fcast")
            }
        }
    }

    public func begin(plan: Plan) throws -> [TaskResult] {
        let blobs: [Data]
        do {
            blobs = try db.write { db -> [Data] in
                if let row = try Row.fetchOne(db, sql: "SELECT plan_hash, plan_json FROM runs WHERE slot = ?", arguments: [slot]) {
                    let hash: String = row["plan_hash"]
                    if hash != plan.hash {
                        let json: String = row["plan_json"]
                        let changes = (try? Plan.decode(Data(json.utf8))).map { plan.changes(from: $0) }
                            ?? ["the journal's plan cannot be read"]
                        throw JournalError.otherPlan(name + (slot == 1 ? "" : " (run \(slot))"), changes: changes)
                    }
                } else {
                    try db.execute(sql: "INSERT INTO runs (slot, plan_hash, plan_json, task_count, created) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [slot, plan.hash, String(decoding: plan.canonicalJSON(), as: UTF8.self), plan.taskCount,
                                               ISO8601DateFormatter().string(from: Date())])
                }
                return try Data.fetchAll(db, sql: "SELECT result FROM tasks WHERE slot = ?", arguments: [slot])
            }
        } catch let e as JournalError {
            throw e
        } catch {
            throw JournalError("cannot write the run journal \(name): \(Self.reason(error))")
        }
        let done = try blobs.map { try JournalRecord.decode([UInt8]($0)) }
        startWriter()
        return done
    }

    private func startWriter() {
        condition.lock()
        defer { condition.unlock() }
        guard writer == nil else { return }
        stopping = false
        stopped = DispatchSemaphore(value: 0)
        let t = Thread { [self] in writeLoop() }
        writer = t
        t.start()
    }

    public func record(_ result: TaskResult) {
        guard let bytes = try? JournalRecord.encode(result) else { return }
        condition.lock()
        pending.append((result.task, bytes))
        if pending.count >= batchSize { condition.signal() }
        condition.unlock()
    }

    private func writeLoop() {
        while true {
            condition.lock()
            if !stopping && pending.count < batchSize {
                _ = condition.wait(until: Date(timeIntervalSinceNow: batchInterval))
            }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            let done = stopping
            let failed = writeError != nil
            condition.unlock()
            if !batch.isEmpty && !failed { commit(batch) }
            if done { break }
        }
        stopped.signal()
    }

    private func commit(_ batch: [(Int, [UInt8])]) {
        do {
            try db.write { db in
                let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO tasks (slot, task, result) VALUES (?, ?, ?)")
                for (task, bytes) in batch {
                    try statement.execute(arguments: [slot, task, Data(bytes)])
                }
            }
        } catch {
            condition.lock()
            if writeError == nil { writeError = error }
            condition.unlock()
        }
    }

    public func finish() throws {
        condition.lock()
        let t = writer
        stopping = true
        condition.signal()
        condition.unlock()
        if t != nil { stopped.wait() }
        condition.lock()
        writer = nil
        let error = writeError
        writeError = nil
        condition.unlock()
        if let error {
            throw JournalError("cannot record tasks in the run journal \(name): \(Self.reason(error)); the tasks recorded before are kept")
        }
    }

    /// The tasks recorded in this slot (for tests and tools).
    public func recordedTaskCount() throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tasks WHERE slot = ?", arguments: [slot]) ?? 0 }
    }
}
