import CCrypto
import Foundation

/// What to run, as plain data: the data it runs on, the models, the horizon, the interval
/// levels, the seed and the windows. Its tasks are every series x model x window.
///
/// A plan holds no live plugin: it can be written down (canonical JSON), hashed, journalled,
/// stored beside the models it produced and sent to a worker process, which resolves it
/// against its own plugins. Two plans with the same canonical JSON run the same tasks and
/// give the same numbers on any executor.
public struct Plan: Codable, Sendable, Equatable {
    /// The version of this format; a reader refuses one it does not know.
    public static let currentFormat = 1
    public var format: Int
    public var data: DataReference
    public var models: [PlannedModel]
    public var horizon: Int
    /// Interval levels in percent.
    public var levels: [Double]
    public var seed: UInt64
    /// Training windows; one window of cutoff 0 fits each series on all of its data.
    public var windows: [Window]
    /// The future regressors' data set (`run(..., future:)`), by fingerprint: other future
    /// values are another plan. Absent (and not in the JSON) without one.
    public var future: DataReference?

    public init(data: DataReference, models: [PlannedModel], horizon: Int, levels: [Double] = [], seed: UInt64 = 1,
                windows: [Window] = [Window(cutoff: 0)], future: DataReference? = nil) {
        self.future = future
        format = Plan.currentFormat
        self.data = data
        self.models = models
        self.horizon = horizon
        self.levels = levels
        self.seed = seed
        self.windows = windows
    }

    // MARK: Tasks

    public var seriesCount: Int { data.seriesCount }
    public var taskCount: Int { data.seriesCount * models.count * windows.count }

    /// Task `k` is stored window by window, model by model, series by series:
    /// k = (window * models + model) * series + series index. Results use the same index.
    public func task(_ k: Int) -> TaskRef {
        let s = data.seriesCount, m = models.count
        return TaskRef(series: k % s, model: (k / s) % m, window: k / (s * m))
    }

    public func taskIndex(_ t: TaskRef) -> Int { (t.window * models.count + t.model) * data.seriesCount + t.series }

    /// Every task, series by series (every model and window of a series together), the order
    /// in which executors hand them out, so that a grid of cheap and costly models progresses
    /// (and estimates its ETA) evenly.
    public func executionOrder() -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(taskCount)
        for s in 0..<data.seriesCount {
            for w in windows.indices {
                for m in models.indices { out.append(taskIndex(TaskRef(series: s, model: m, window: w))) }
            }
        }
        return out
    }

    // MARK: Identity

    /// Sorted keys, no whitespace, numbers as Swift writes them (shortest round-trip form):
    /// the same plan always gives the same bytes.
    public func canonicalJSON() -> Data {
        // A plan holds only strings, integers, finite doubles and booleans: encoding cannot fail.
        (try? Plan.encoder.encode(self)) ?? Data()
    }

    /// The SHA-256 of the canonical JSON, in hex: what a journal or a store knows a plan by.
    public var hash: String { Digest.sha256Hex(canonicalJSON()) }

    public static func decode(_ json: Data) throws -> Plan {
        let plan = try JSONDecoder().decode(Plan.self, from: json)
        guard plan.format == currentFormat else {
            throw PlanError("this plan is in format \(plan.format); this fcast reads format \(currentFormat)")
        }
        return plan
    }

    /// Any value of the plan's vocabulary (a model, a saved model's header) as canonical JSON.
    public static func canonicalJSON<T: Encodable>(_ value: T) -> Data {
        (try? encoder.encode(value)) ?? Data()
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}

/// The data a plan runs on: enough to recognise it again, not the data itself.
public struct DataReference: Codable, Sendable, Equatable {
    /// Where it came from (a path, or a description such as "split(emp, last: 24).train").
    public var name: String
    /// SHA-256 over ids, timestamps, values and frequency (`Digest`); changes with any value.
    public var fingerprint: String
    public var seriesCount: Int
    public var points: Int
    /// The frequency as `Frequency.description` writes it ("monthly", "15min").
    public var frequency: String

    public init(name: String, fingerprint: String, seriesCount: Int, points: Int, frequency: String) {
        self.name = name
        self.fingerprint = fingerprint
        self.seriesCount = seriesCount
        self.points = points
        self.frequency = frequency
    }
}

/// One model of a plan: which library and algorithm, with which parameter values.
public struct PlannedModel: Codable, Sendable, Hashable {
    /// The plugin library's name and version (fc_library.name, .version).
    public var library: String
    public var libraryVersion: String
    public var algorithm: String
    /// The values given, by parameter name; parameters not given are left to the plugin.
    public var parameters: [String: ParameterValue]
    /// The name it goes by in tables ("snaive(season=4)"); not part of its identity.
    public var name: String

    public init(library: String, libraryVersion: String, algorithm: String,
                parameters: [String: ParameterValue], name: String) {
        self.library = library
        self.libraryVersion = libraryVersion
        self.algorithm = algorithm
        self.parameters = parameters
        self.name = name
    }

    /// What the model is, independent of its place in a grid, its display name and its
    /// library's version: `library/algorithm{"param":{"int":12}}`. Seeds derive from it.
    public var canonicalSpec: String {
        let params = (try? Plan.encoder.encode(parameters)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "\(library)/\(algorithm)\(params)"
    }
}

/// A training window: each series is fitted on all but its last `cutoff` points.
public struct Window: Codable, Sendable, Hashable {
    public var cutoff: Int
    /// Cross-validation without refitting (`refit: false` or every k windows): each series'
    /// model is fitted on all but its last `fitCutoff` points (an earlier window's data) and
    /// forwarded over this window's (its parameters kept, its states filtered through the
    /// newer points) instead of fitted again. Nil: fitted on this window's own data. Left
    /// out of the plan's JSON when nil, so plans without it keep their hash.
    public var fitCutoff: Int?
    public init(cutoff: Int, fitCutoff: Int? = nil) {
        self.cutoff = cutoff
        self.fitCutoff = fitCutoff
    }
}

/// One task of a plan: a series, a model and a window, by index.
public struct TaskRef: Hashable, Sendable {
    public var series: Int
    public var model: Int
    public var window: Int
    public init(series: Int, model: Int, window: Int = 0) {
        self.series = series
        self.model = model
        self.window = window
    }
}

public struct PlanError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The seed of one task's simulations: from the run's seed, the series' id and the model's
/// canonical spec, never from positions or display names, so that a model gives the same
/// intervals alone or in any grid, on any executor and worker count.
public enum TaskSeed {
    public static func derive(runSeed: UInt64, seriesID: String, modelSpec: String) -> UInt64 {
        var x: UInt64 = 0xCBF2_9CE4_8422_2325 ^ runSeed
        // FNV-1a over both strings, a separator between them, then a splitmix64 finaliser.
        for b in seriesID.utf8 { x = (x ^ UInt64(b)) &* 0x100_0000_01B3 }
        x = (x ^ 0xFF) &* 0x100_0000_01B3
        for b in modelSpec.utf8 { x = (x ^ UInt64(b)) &* 0x100_0000_01B3 }
        x = x &+ 0x9E37_79B9_7F4A_7C15 &* (runSeed | 1)
        x ^= x >> 30; x = x &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 27; x = x &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}

/// SHA-256 (OpenSSL's libcrypto).
public enum Digest {
    public static func sha256Hex(_ data: Data) -> String {
        let hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalizeHex()
    }
}

/// Incremental SHA-256, for fingerprints of large data without concatenating it.
public final class SHA256Hasher {
    private let context: OpaquePointer

    public init() {
        // EVP_MD_CTX_new fails only when memory is exhausted.
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }
    deinit { EVP_MD_CTX_free(context) }

    public func update(_ data: Data) {
        data.withUnsafeBytes { raw in _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count) }
    }

    public func update<T>(_ values: [T]) where T: BitwiseCopyable {
        values.withUnsafeBytes { raw in _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count) }
    }

    /// The text and a terminator, so that ("ab", "c") and ("a", "bc") differ.
    public func update(_ text: String) {
        var t = text
        t.withUTF8 { b in _ = EVP_DigestUpdate(context, b.baseAddress, b.count) }
        var zero: UInt8 = 0
        _ = EVP_DigestUpdate(context, &zero, 1)
    }

    public func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
