// A thin owner of XGBoost's C API handles (libxgboost 1.7, Debian libxgboost-dev):
// dense DMatrix construction, boosting one round at a time (XGBoosterUpdateOneIter, so a
// booster can be continued), prediction and the raw UBJSON model bytes.
import CXGBoost
import Foundation

/// An XGBoost failure, with the library's own message.
public struct XGBoostError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ call: String) {
        let last = XGBGetLastError().map { String(cString: $0) } ?? "unknown error"
        description = "XGBoost \(call) failed: \(last)"
    }
}

/// Every call into libxgboost holds this lock (one per copy of this module): calls are
/// serialised as a precaution; boosting takes it per round, so parallel trials interleave
/// their rounds.
let xgboostLock = NSRecursiveLock()

@inline(__always)
func serialised<T>(_ body: () throws -> T) rethrows -> T {
    xgboostLock.lock()
    defer { xgboostLock.unlock() }
    return try body()
}

@inline(__always)
func check(_ status: Int32, _ call: String) throws {
    if status != 0 { throw XGBoostError(call) }
}

/// A dense matrix in XGBoost's memory (rows x cols, NaN = missing), with optional labels.
public final class DMatrix: @unchecked Sendable {
    let handle: DMatrixHandle
    public let rows: Int

    /// `threads`: OpenMP threads of the construction. Always give it (the plain
    /// XGDMatrixCreateFromMat opens a team of every core from the calling thread, and teams
    /// opened from the executor's short-lived threads crashed libgomp in testing).
    public init(values: [Float], rows: Int, cols: Int, labels: [Float]? = nil, threads: Int = 1) throws {
        xgboostLock.lock()
        defer { xgboostLock.unlock() }
        var h: DMatrixHandle?
        try values.withUnsafeBufferPointer { v in
            try check(XGDMatrixCreateFromMat_omp(v.baseAddress, bst_ulong(rows), bst_ulong(cols), Float.nan, &h,
                                                 Int32(max(1, threads))), "XGDMatrixCreateFromMat_omp")
        }
        guard let h else { throw XGBoostError("XGDMatrixCreateFromMat") }
        handle = h
        self.rows = rows
        if let labels {
            try labels.withUnsafeBufferPointer { l in
                try check(XGDMatrixSetFloatInfo(h, "label", l.baseAddress, bst_ulong(labels.count)), "XGDMatrixSetFloatInfo")
            }
        }
    }
    deinit { serialised { _ = XGDMatrixFree(handle) } }
}

/// The booster's parameters, as XGBoost names them.
public struct BoostParameters: Sendable, Equatable {
    public var eta = 0.1
    public var maxDepth = 6
    public var subsample = 1.0
    public var colsample = 1.0
    public var minChildWeight = 1.0
    public var lambda = 1.0
    public var nthread = 1
    public var seed = 0
    public init() {}

    var pairs: [(String, String)] {
        [("objective", "reg:squarederror"), ("tree_method", "hist"), ("base_score", "0"),
         ("eta", "\(eta)"), ("max_depth", "\(maxDepth)"), ("subsample", "\(subsample)"),
         ("colsample_bytree", "\(colsample)"), ("min_child_weight", "\(minChildWeight)"),
         ("lambda", "\(lambda)"), ("nthread", "\(nthread)"), ("seed", "\(seed)"), ("verbosity", "0")]
    }
}

/// A booster. XGBoost's prediction buffer is per booster, so predictions are serialised.
public final class Booster: @unchecked Sendable {
    let handle: BoosterHandle
    private let lock = NSLock()
    public private(set) var rounds = 0

    /// A new booster that will train on `train`.
    public init(parameters: BoostParameters, train: DMatrix) throws {
        xgboostLock.lock()
        defer { xgboostLock.unlock() }
        var h: BoosterHandle?
        var dm: DMatrixHandle? = train.handle
        try check(XGBoosterCreate(&dm, 1, &h), "XGBoosterCreate")
        guard let h else { throw XGBoostError("XGBoosterCreate") }
        handle = h
        try set(parameters)
    }

    /// A booster read back from `bytes` (its UBJSON model); runtime parameters set again.
    public init(bytes: [UInt8], parameters: BoostParameters) throws {
        xgboostLock.lock()
        defer { xgboostLock.unlock() }
        var h: BoosterHandle?
        try check(XGBoosterCreate(nil, 0, &h), "XGBoosterCreate")
        guard let h else { throw XGBoostError("XGBoosterCreate") }
        handle = h
        try bytes.withUnsafeBytes { b in
            try check(XGBoosterLoadModelFromBuffer(h, b.baseAddress, bst_ulong(bytes.count)), "XGBoosterLoadModelFromBuffer")
        }
        try check(XGBoosterSetParam(h, "nthread", "\(parameters.nthread)"), "XGBoosterSetParam")
        var r: Int32 = 0
        try check(XGBoosterBoostedRounds(h, &r), "XGBoosterBoostedRounds")
        rounds = Int(r)
    }

    deinit { serialised { _ = XGBoosterFree(handle) } }

    private func set(_ p: BoostParameters) throws {
        for (k, v) in p.pairs { try check(XGBoosterSetParam(handle, k, v), "XGBoosterSetParam(\(k))") }
    }

    /// Boosts on until `target` rounds, one round at a time; `cancelled` is polled per round.
    public func boost(to target: Int, on train: DMatrix, cancelled: () -> Bool = { false }) throws {
        lock.lock()
        defer { lock.unlock() }
        while rounds < target {
            if cancelled() { throw CancellationError() }
            try serialised { try check(XGBoosterUpdateOneIter(handle, Int32(rounds), train.handle), "XGBoosterUpdateOneIter") }
            rounds += 1
        }
    }

    /// One prediction per row of `data`.
    public func predict(_ data: DMatrix) throws -> [Float] {
        xgboostLock.lock()
        defer { xgboostLock.unlock() }
        var len: bst_ulong = 0
        var out: UnsafePointer<Float>?
        try check(XGBoosterPredict(handle, data.handle, 0, 0, 0, &len, &out), "XGBoosterPredict")
        guard let out else { throw XGBoostError("XGBoosterPredict") }
        return Array(UnsafeBufferPointer(start: out, count: Int(len)))
    }

    /// The model as XGBoost's UBJSON bytes (XGBoosterSaveModelToBuffer).
    public func modelBytes() throws -> [UInt8] {
        xgboostLock.lock()
        defer { xgboostLock.unlock() }
        var len: bst_ulong = 0
        var out: UnsafePointer<CChar>?
        try check(XGBoosterSaveModelToBuffer(handle, "{\"format\": \"ubj\"}", &len, &out), "XGBoosterSaveModelToBuffer")
        guard let out else { throw XGBoostError("XGBoosterSaveModelToBuffer") }
        return out.withMemoryRebound(to: UInt8.self, capacity: Int(len)) { Array(UnsafeBufferPointer(start: $0, count: Int(len))) }
    }
}
