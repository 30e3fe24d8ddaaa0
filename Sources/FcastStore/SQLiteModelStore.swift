import FcastCore
import FcastPlan
import Foundation
import GRDB

/// A model store in an SQLite file (GRDB): versions of stored models, each written in one
/// transaction, so an interrupted save leaves the earlier versions as they were. The file is
/// in WAL mode, so a server reads while a refit writes. Its schema is versioned and migrated
/// forward by `DatabaseMigrator`; a file of a newer schema, or one that is not a model store,
/// is refused with a message naming it.
///
/// Tables: `store_info` (what the file is), `versions` (one per save: the plan's canonical
/// JSON and hash, the data's fingerprint, source, metric), `series` (per version, each
/// series' training data: its timestamps and values as little-endian blobs), `entries` (per
/// version, series and model: the model as canonical JSON, the fitted model in the host's
/// envelope, its description and score, and the forecast made at save time). Schema 2 adds
/// the exogenous regressors: their names per version (`versions.regressors`, a JSON list),
/// each series' values (`series.x`, row-major: a row per point, a column per regressor) and
/// per entry the regressors its model uses (`entries.regressors`); a schema-1 store reads as
/// one without regressors, and is migrated when opened for writing.
public final class SQLiteModelStore: ModelStore, @unchecked Sendable {
    public let location: String
    private let db: DatabasePool

    public static let application = "fcast model store"
    public static let schemaVersion = 2

    /// Opens (creating with `create`) the store at `path`. Read-only stores are for serving.
    public init(path: String, readOnly: Bool = false, create: Bool = true) throws {
        location = path
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && (readOnly || !create) {
            throw StoreError("\(path): no such model store")
        }
        if !exists {
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        }
        var config = Configuration()
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        do {
            db = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError("\(path): cannot open the model store: \(SQLiteModelStore.message(error))")
        }
        try checkOrMigrate(readOnly: readOnly)
    }

    private func checkOrMigrate(readOnly: Bool) throws {
        let info: [String: String]
        do {
            info = try db.read { db -> [String: String] in
                guard try db.tableExists("store_info") else {
                    let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                    return tables.isEmpty ? [:] : ["foreign": tables.joined(separator: ", ")]
                }
                let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM store_info")
                return Dictionary(uniqueKeysWithValues: rows.map { ($0["key"] as String, $0["value"] as String) })
            }
        } catch {
            throw StoreError("\(location): not a readable model store: \(SQLiteModelStore.message(error))")
        }
        if let tables = info["foreign"] {
            throw StoreError("\(location): an SQLite file, but not an fcast model store (its tables: \(tables))")
        }
        if let schema = info["schema"].flatMap(Int.init), schema > SQLiteModelStore.schemaVersion {
            throw StoreError("\(location): a model store of schema \(schema); this fcast reads schema \(SQLiteModelStore.schemaVersion) and older: use a newer fcast")
        }
        if readOnly {
            guard info["application"] == SQLiteModelStore.application else {
                throw StoreError("\(location): an empty file, not an fcast model store")
            }
            return
        }
        do {
            try SQLiteModelStore.migrator.migrate(db)
        } catch {
            throw StoreError("\(location): cannot prepare the model store: \(SQLiteModelStore.message(error))")
        }
    }

    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE versions (
                    id INTEGER PRIMARY KEY,
                    created TEXT NOT NULL,
                    plan_json TEXT NOT NULL,
                    plan_hash TEXT NOT NULL,
                    data_fingerprint TEXT NOT NULL,
                    source TEXT NOT NULL,
                    metric TEXT,
                    fcast_version TEXT NOT NULL,
                    frequency TEXT NOT NULL,
                    timestamp_style TEXT NOT NULL
                );
                CREATE TABLE series (
                    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    id TEXT NOT NULL,
                    ds BLOB NOT NULL,
                    y BLOB NOT NULL,
                    PRIMARY KEY (version_id, id)
                );
                CREATE TABLE entries (
                    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    series_id TEXT NOT NULL,
                    model_json TEXT NOT NULL,
                    envelope BLOB,
                    description TEXT NOT NULL,
                    score REAL,
                    metric TEXT,
                    forecast BLOB NOT NULL,
                    PRIMARY KEY (version_id, position)
                );
                CREATE INDEX entries_by_series ON entries (version_id, series_id);
                """)
            try db.execute(sql: "INSERT INTO store_info (key, value) VALUES ('application', ?), ('schema', ?)",
                           arguments: [application, "1"])
        }
        m.registerMigration("v2 regressors") { db in
            try db.execute(sql: """
                ALTER TABLE versions ADD COLUMN regressors TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE series ADD COLUMN x BLOB;
                ALTER TABLE entries ADD COLUMN regressors TEXT NOT NULL DEFAULT '[]';
                UPDATE store_info SET value = '2' WHERE key = 'schema';
                """)
        }
        return m
    }()

    public func save(_ version: StoreVersion) throws -> Int {
        let plan: Plan
        do { plan = try version.plan() } catch { throw StoreError("cannot save: the version's plan is unreadable: \(error)") }
        do {
            return try db.write { db -> Int in
                try db.execute(sql: """
                    INSERT INTO versions (created, plan_json, plan_hash, data_fingerprint, source, metric, fcast_version,
                                          frequency, timestamp_style, regressors)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [version.created, version.planJSON, version.planHash, plan.data.fingerprint,
                                     version.source, version.metric, version.fcastVersion,
                                     version.data.frequency.description, version.data.timestampStyle.storeCode,
                                     Names.json(version.data.regressorNames)])
                let id = Int(db.lastInsertedRowID)
                let data = version.data
                let k = data.regressors.count
                let seriesInsert = try db.makeStatement(sql: "INSERT INTO series (version_id, position, id, ds, y, x) VALUES (?, ?, ?, ?, ?, ?)")
                for s in 0..<data.count {
                    let range = data.range(s)
                    var x: Data? = nil
                    if k > 0 {
                        var rows = [Double](repeating: .nan, count: range.count * k)
                        for (r, i) in range.enumerated() {
                            for j in 0..<k { rows[r * k + j] = data.regressors[j][i] }
                        }
                        x = Blob.of(rows)
                    }
                    try seriesInsert.execute(arguments: [id, s, data.ids[s], Blob.of(Array(data.ds[range])),
                                                         Blob.of(Array(data.y[range])), x])
                }
                let entryInsert = try db.makeStatement(sql: """
                    INSERT INTO entries (version_id, position, series_id, model_json, envelope, description, score, metric, forecast,
                                         regressors)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (i, e) in version.entries.enumerated() {
                    let modelJSON = String(decoding: Plan.canonicalJSON(e.model), as: UTF8.self)
                    try entryInsert.execute(arguments: [id, i, e.seriesID, modelJSON, e.envelope.map { Data($0) },
                                                        e.description, e.score, e.metric, Blob.of(e.forecast),
                                                        Names.json(e.regressors)])
                }
                return id
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError("\(location): the save failed and the store is as it was: \(SQLiteModelStore.message(error))")
        }
    }

    public func latestNumber() throws -> Int {
        do {
            return try db.read { db in try Int.fetchOne(db, sql: "SELECT max(id) FROM versions") ?? 0 }
        } catch {
            throw StoreError("\(location): cannot read the model store: \(SQLiteModelStore.message(error))")
        }
    }

    public func latest() throws -> StoreVersion? {
        do {
            return try db.read { db -> StoreVersion? in
                guard let v = try Row.fetchOne(db, sql: "SELECT * FROM versions ORDER BY id DESC LIMIT 1") else { return nil }
                let id: Int = v["id"]
                let frequencyText: String = v["frequency"], styleText: String = v["timestamp_style"]
                let frequency: Frequency
                do { frequency = try Frequency.parse(frequencyText) } catch {
                    throw StoreError("\(location): version \(id) has an unknown frequency '\(frequencyText)'")
                }
                guard let style = TimestampStyle(storeCode: styleText) else {
                    throw StoreError("\(location): version \(id) has an unknown timestamp style '\(styleText)'")
                }
                // A schema-1 store (read-only, not migrated) has no regressor columns: none.
                let regressorNames = try Names.parse(v["regressors"] as String?, in: location)
                let k = regressorNames.count
                var series: [(id: String, ds: [Int64], y: [Double])] = []
                var columns = [[Double]](repeating: [], count: k)
                for row in try Row.fetchAll(db, sql: "SELECT * FROM series WHERE version_id = ? ORDER BY position",
                                            arguments: [id]) {
                    let ds: [Int64] = try Blob.array(row["ds"], what: "timestamps", in: location)
                    let y: [Double] = try Blob.array(row["y"], what: "values", in: location)
                    guard ds.count == y.count else { throw StoreError("\(location): series \(row["id"] as String) is damaged") }
                    if k > 0 {
                        let x: [Double] = try Blob.array(row["x"] as Data?, what: "regressors", in: location)
                        guard x.count == y.count * k else {
                            throw StoreError("\(location): the regressors of series \(row["id"] as String) are damaged")
                        }
                        for j in 0..<k { columns[j] += stride(from: j, to: x.count, by: k).map { x[$0] } }
                    }
                    series.append((row["id"], ds, y))
                }
                var entries: [StoredEntry] = []
                for row in try Row.fetchAll(db, sql: "SELECT * FROM entries WHERE version_id = ? ORDER BY position",
                                            arguments: [id]) {
                    let json: String = row["model_json"]
                    let model: PlannedModel
                    do { model = try JSONDecoder().decode(PlannedModel.self, from: Data(json.utf8)) } catch {
                        throw StoreError("\(location): a stored model is unreadable: \(error)")
                    }
                    let envelope: Data? = row["envelope"]
                    entries.append(StoredEntry(seriesID: row["series_id"], model: model, envelope: envelope.map { Array($0) },
                                               description: row["description"], score: row["score"], metric: row["metric"],
                                               forecast: try Blob.array(row["forecast"], what: "forecast", in: location),
                                               regressors: try Names.parse(row["regressors"] as String?, in: location)))
                }
                var data = Panel(series: series, frequency: frequency, timestampStyle: style)
                data.regressorNames = regressorNames
                data.regressors = columns
                return StoreVersion(number: id, created: v["created"], planJSON: v["plan_json"], planHash: v["plan_hash"],
                                    source: v["source"], metric: v["metric"], fcastVersion: v["fcast_version"],
                                    data: data, entries: entries)
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError("\(location): cannot read the model store: \(SQLiteModelStore.message(error))")
        }
    }

    static func message(_ error: any Error) -> String {
        (error as? DatabaseError)?.message ?? "\(error)"
    }
}

/// Lists of names (regressors) as JSON text; absent (a schema-1 store): none.
enum Names {
    static func json(_ names: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(names)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func parse(_ text: String?, in location: String) throws -> [String] {
        guard let text else { return [] }
        do { return try JSONDecoder().decode([String].self, from: Data(text.utf8)) } catch {
            throw StoreError("\(location): stored regressor names are damaged")
        }
    }
}

/// Arrays of numbers as little-endian blobs.
enum Blob {
    static func of<T: BitwiseCopyable>(_ values: [T]) -> Data {
        values.withUnsafeBytes { Data($0) }
    }

    static func array<T: BitwiseCopyable>(_ data: Data?, what: String, in location: String) throws -> [T] {
        guard let data, data.count % MemoryLayout<T>.stride == 0 else {
            throw StoreError("\(location): stored \(what) are damaged")
        }
        let n = data.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: n) { buffer, count in
            _ = data.copyBytes(to: buffer)
            count = n
        }
    }
}
