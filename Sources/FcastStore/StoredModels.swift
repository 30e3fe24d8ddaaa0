import FcastCore
import FcastPlan
import Foundation

/// One version of a model store: what a run chose, as plain data. A store holds versions;
/// `open` reads the latest, `save` and `refit` add one.
public struct StoreVersion: Sendable, Equatable {
    /// The version number in its store (1, 2, ...); 0 before it is saved.
    public var number: Int
    /// When it was saved (ISO 8601, UTC).
    public var created: String
    /// The run's plan, as canonical JSON, and its hash.
    public var planJSON: String
    public var planHash: String
    /// "best" (a model per series, the winner) or "run" (every model of a run).
    public var source: String
    /// The metric the winners were chosen by, for "best".
    public var metric: String?
    /// The fcast that saved it.
    public var fcastVersion: String
    /// The training data of every series, in the run's order: what refits use, and where
    /// forecasts start.
    public var data: Panel
    public var entries: [StoredEntry]

    public init(number: Int = 0, created: String, planJSON: String, planHash: String, source: String,
                metric: String?, fcastVersion: String, data: Panel, entries: [StoredEntry]) {
        self.number = number
        self.created = created
        self.planJSON = planJSON
        self.planHash = planHash
        self.source = source
        self.metric = metric
        self.fcastVersion = fcastVersion
        self.data = data
        self.entries = entries
    }

    public func plan() throws -> Plan { try Plan.decode(Data(planJSON.utf8)) }

    public static func == (a: StoreVersion, b: StoreVersion) -> Bool {
        a.number == b.number && a.created == b.created && a.planJSON == b.planJSON && a.planHash == b.planHash
            && a.source == b.source && a.metric == b.metric && a.fcastVersion == b.fcastVersion
            && a.entries == b.entries && a.data.ids == b.data.ids && a.data.offsets == b.data.offsets
            && a.data.ds == b.data.ds && a.data.y.elementsEqual(b.data.y, by: { $0.bitPattern == $1.bitPattern })
            && a.data.frequency == b.data.frequency && a.data.timestampStyle == b.data.timestampStyle
            && a.data.regressorNames == b.data.regressorNames
            && a.data.regressors.count == b.data.regressors.count
            && zip(a.data.regressors, b.data.regressors).allSatisfy { $0.elementsEqual($1, by: { $0.bitPattern == $1.bitPattern }) }
    }

    /// The regressors the stored models use (the data's, in its order), empty when none does.
    public var regressorsUsed: [String] {
        let used = Set(entries.flatMap(\.regressors))
        return data.regressorNames.filter { used.contains($0) }
    }
}

/// One stored model of one series.
public struct StoredEntry: Sendable, Equatable {
    public var seriesID: String
    /// The model as a plan names it (library, version, algorithm, parameters, display name).
    public var model: PlannedModel
    /// The fitted model in the host's envelope (SavedModel); nil when its plugin cannot save
    /// models: it is fitted again from the stored data when used.
    public var envelope: [UInt8]?
    /// The fitted model as its plugin describes it ("ARIMA(0,1,1)(0,1,1)[12]").
    public var description: String
    /// The score it won with, and the metric.
    public var score: Double?
    public var metric: String?
    /// The forecast made when it was saved: mean (horizon), then lo and hi per level; empty
    /// when none was made (a refit of a model with regressors without their future values).
    public var forecast: [Double]
    /// The exogenous regressors the model was fitted with (the stored data's columns), empty
    /// when it uses none: a forecast from it needs their future values.
    public var regressors: [String]

    public init(seriesID: String, model: PlannedModel, envelope: [UInt8]?, description: String, score: Double?,
                metric: String?, forecast: [Double], regressors: [String] = []) {
        self.regressors = regressors
        self.seriesID = seriesID
        self.model = model
        self.envelope = envelope
        self.description = description
        self.score = score
        self.metric = metric
        self.forecast = forecast
    }

    public static func == (a: StoredEntry, b: StoredEntry) -> Bool {
        a.seriesID == b.seriesID && a.model == b.model && a.envelope == b.envelope && a.description == b.description
            && a.score?.bitPattern == b.score?.bitPattern && a.metric == b.metric && a.regressors == b.regressors
            && a.forecast.elementsEqual(b.forecast, by: { $0.bitPattern == $1.bitPattern })
    }
}

/// Where versions of stored models are kept: SQLite files (`SQLiteModelStore`), or memory
/// (`InMemoryModelStore`, the double for tests and embedders).
public protocol ModelStore: AnyObject, Sendable {
    /// What names the store in messages: its path.
    var location: String { get }
    /// Adds a version, all or nothing, and returns its number.
    func save(_ version: StoreVersion) throws -> Int
    /// The newest version, or nil for an empty store.
    func latest() throws -> StoreVersion?
    /// The number of the newest version without reading it (0: none), to notice a new one.
    func latestNumber() throws -> Int
}

public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A store in memory: versions in an array, behind a lock.
public final class InMemoryModelStore: ModelStore, @unchecked Sendable {
    public let location: String
    private var versions: [StoreVersion] = []
    private let lock = NSLock()

    public init(location: String = "<memory>") { self.location = location }

    public func save(_ version: StoreVersion) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        var v = version
        v.number = versions.count + 1
        versions.append(v)
        return v.number
    }

    public func latest() throws -> StoreVersion? {
        lock.lock()
        defer { lock.unlock() }
        return versions.last
    }

    public func latestNumber() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        return versions.count
    }
}

extension TimestampStyle {
    /// "date", or "datetime" with its separator and whether it writes seconds: "datetime T s".
    public var storeCode: String {
        switch self {
        case .date: "date"
        case .dateTime(let separator, let seconds): "datetime \(separator == " " ? "space" : String(separator)) \(seconds ? "s" : "m")"
        case .index: "index"
        }
    }

    public init?(storeCode: String) {
        let parts = storeCode.split(separator: " ")
        if parts == ["date"] {
            self = .date
            return
        }
        if parts == ["index"] {
            self = .index
            return
        }
        guard parts.count == 3, parts[0] == "datetime", let sep = parts[1] == "space" ? " " : parts[1].first,
              parts[2] == "s" || parts[2] == "m" else { return nil }
        self = .dateTime(separator: sep, seconds: parts[2] == "s")
    }
}
