import CFcastPlugin
import FcastABI
import FcastPlan
import Foundation

/// Why one task (one series x one model) failed, as the plugin reported it.
public struct TaskFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidArgument = "invalid argument", notEnoughData = "not enough data", badData = "bad data"
        case numeric = "numeric failure", unsupported, cancelled, `internal` = "plugin error"
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    init(status: fc_status, message: String) {
        kind = switch Int(status) {
        case FC_ERR_INVALID_ARGUMENT: .invalidArgument
        case FC_ERR_NOT_ENOUGH_DATA: .notEnoughData
        case FC_ERR_BAD_DATA: .badData
        case FC_ERR_NUMERIC: .numeric
        case FC_ERR_UNSUPPORTED: .unsupported
        case FC_ERR_CANCELLED: .cancelled
        default: .internal
        }
        self.message = message.isEmpty ? "the plugin reported status \(status) without a message" : message
    }
    public var description: String { message }
}

/// A buffer for the plugin's error message, and the call that reads it back.
struct ErrorBuffer: ~Copyable {
    static let capacity = 1024
    let text = UnsafeMutablePointer<CChar>.allocate(capacity: ErrorBuffer.capacity)
    var err: fc_error

    init() {
        text[0] = 0  // the plugin writes a terminated message only on failure
        err = fc_error(struct_size: UInt32(MemoryLayout<fc_error>.size), status: 0, message: text,
                       message_capacity: UInt32(ErrorBuffer.capacity))
    }
    deinit { text.deallocate() }

    func failure(_ status: fc_status) -> TaskFailure {
        TaskFailure(status: status, message: String(cString: text))
    }
}

/// An algorithm offered by a loaded plugin library.
public final class AlgorithmHandle: @unchecked Sendable {
    public let name: String
    public let summary: String
    public let capabilities: Capabilities
    public let parameters: [ParameterSchema]
    public unowned let library: LoadedLibrary
    /// The plugin's table, passed back as configure's `self`; never read through.
    let table: UnsafePointer<fc_algorithm>
    /// The table as read at load time, up to its struct_size (fields past it are NULL).
    let fns: fc_algorithm
    /// The schema entries, likewise, in schema order.
    let specs: [fc_param_spec]
    /// Serialises every call into an algorithm that is not thread safe.
    let serial: NSLock?
    /// The library's fc_library.get_extension, kept here: `library` is unowned, and a worker
    /// process drops its registry (and the LoadedLibrary) once the job is resolved.
    let getExtension: (@convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer?)?
    /// The library's ABI minor (fc_library.abi_minor), likewise kept.
    let libraryABIMinor: Int

    /// Reads the plugin's fc_algorithm and its fc_param_specs by the struct_size rule;
    /// `position` ("algorithm 2 of 3") names it in a failure.
    init(table: UnsafePointer<fc_algorithm>, library: LoadedLibrary, position: String) throws(PluginLoadFailure) {
        let path = library.path
        let size = ABIStruct.declaredSize(table)
        guard size >= ABI10Size.algorithm else {
            throw PluginLoadFailure(path: path, reason: "\(position): its fc_algorithm has struct_size \(size) bytes, smaller than the ABI 1.0 size (\(ABI10Size.algorithm) bytes)")
        }
        let t: fc_algorithm = ABIStruct.read(table)
        self.table = table
        fns = t
        self.library = library
        name = t.name.map { String(cString: $0) } ?? "?"
        summary = t.summary.map { String(cString: $0) } ?? ""
        capabilities = Capabilities(rawValue: t.capabilities)
        guard t.configure != nil, t.fit != nil, t.predict != nil else {
            throw PluginLoadFailure(path: path, reason: "algorithm '\(name)': configure, fit and predict are required, but its table leaves one NULL")
        }
        var specs: [fc_param_spec] = []
        for i in 0..<(t.params == nil ? 0 : t.n_params) {
            guard let p = t.params[i] else {
                throw PluginLoadFailure(path: path, reason: "algorithm '\(name)': parameter \(i + 1) of \(t.n_params) is NULL")
            }
            let pSize = ABIStruct.declaredSize(p)
            guard pSize >= ABI10Size.paramSpec else {
                throw PluginLoadFailure(path: path, reason: "algorithm '\(name)': the fc_param_spec of parameter \(i + 1) has struct_size \(pSize) bytes, smaller than the ABI 1.0 size (\(ABI10Size.paramSpec) bytes)")
            }
            specs.append(ABIStruct.read(p))
        }
        self.specs = specs
        parameters = specs.map(ParameterSchema.init)
        serial = capabilities.contains(.threadSafe) ? nil : NSLock()
        getExtension = library.table.get_extension
        libraryABIMinor = library.abiMinor
    }

    /// The library's optional table called `name` (fc_library.get_extension), or nil.
    public func libraryExtension(named name: String) -> UnsafeRawPointer? {
        guard let getExtension else { return nil }
        return name.withCString { getExtension($0) }
    }

    public func parameter(named name: String) -> ParameterSchema? { parameters.first { $0.name == name } }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        guard let serial else { return try body() }
        serial.lock()
        defer { serial.unlock() }
        return try body()
    }

    /// Builds a model configuration. Values must already be checked against the schema
    /// (the language does that, with locations); the plugin may still refuse a combination.
    public func configure(_ values: [String: ParameterValue]) throws -> ModelConfiguration {
        // Keep every C string alive for the call.
        var keep: [UnsafeMutablePointer<CChar>] = []
        var lists: [UnsafeMutableBufferPointer<Double>] = []
        defer {
            keep.forEach { free($0) }
            lists.forEach { $0.deallocate() }
        }
        var cvalues: [fc_param_value] = []
        for (i, p) in parameters.enumerated() {
            let spec = specs[i]
            var v = fc_param_value(struct_size: UInt32(MemoryLayout<fc_param_value>.size), name: spec.name,
                                   type: spec.type, is_set: 0, int_value: 0, real_value: 0, string_value: nil,
                                   list_values: nil, list_length: 0)
            if let given = values[p.name] {
                v.is_set = 1
                switch given {
                case .int(let x): v.int_value = Int64(x); v.real_value = Double(x)
                case .real(let x): v.real_value = x; v.int_value = Int64(exactly: x.rounded()) ?? 0
                case .bool(let b): v.int_value = b ? 1 : 0
                case .string(let s), .json(let s):
                    let c = strdup(s)!
                    keep.append(c)
                    v.string_value = UnsafePointer(c)
                case .list(let l):
                    let buf = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, l.count))
                    _ = buf.initialize(from: l)
                    lists.append(buf)
                    v.list_values = UnsafePointer(buf.baseAddress)
                    v.list_length = l.count
                }
            }
            cvalues.append(v)
        }
        var errbuf = ErrorBuffer()
        var config: UnsafeMutableRawPointer?
        let status = locked {
            cvalues.withUnsafeBufferPointer { buf in
                fns.configure(table, buf.baseAddress, buf.count, &config, &errbuf.err)
            }
        }
        guard Int(status) == FC_OK, let config else {
            throw errbuf.failure(Int(status) == FC_OK ? fc_status(FC_ERR_INTERNAL) : status)
        }
        return ModelConfiguration(algorithm: self, pointer: config)
    }
}

/// A series handed to a plugin: views into the host's panel, valid during the call.
public struct SeriesRef {
    public var id: String
    public var y: UnsafeBufferPointer<Double>
    public var ds: UnsafeBufferPointer<Int64>
    public var frequencyUnit: Int32
    public var frequencyStep: Int32
    /// Calendar timestamps on the last day of their period (month-end data): the plugin
    /// sees fc_series.freq_anchor = FC_ANCHOR_PERIOD_END.
    public var endOfPeriod: Bool
    /// Exogenous regressors, y.count x regressorCount row-major (fc_series.x); passed only to
    /// an algorithm that declares FC_CAP_EXOGENOUS.
    public var x: UnsafeBufferPointer<Double>?
    public var regressorCount: Int
    public init(id: String, y: UnsafeBufferPointer<Double>, ds: UnsafeBufferPointer<Int64>,
                frequencyUnit: Int32, frequencyStep: Int32, endOfPeriod: Bool = false,
                x: UnsafeBufferPointer<Double>? = nil, regressorCount: Int = 0) {
        self.id = id
        self.y = y
        self.ds = ds
        self.frequencyUnit = frequencyUnit
        self.frequencyStep = frequencyStep
        self.endOfPeriod = endOfPeriod
        self.x = x
        self.regressorCount = regressorCount
    }

    /// The fc_series of this series: `id` must live for the call.
    func cSeries(id: UnsafePointer<CChar>, callContext: UnsafeMutableRawPointer?, exogenous: Bool) -> fc_series {
        let withX = exogenous && regressorCount > 0 && x != nil && x!.count == y.count * regressorCount
        return fc_series(struct_size: UInt32(MemoryLayout<fc_series>.size), id: id,
                  y: y.baseAddress, ds: ds.baseAddress, n: y.count,
                  freq_unit: frequencyUnit, freq_step: frequencyStep,
                  x: withX ? x!.baseAddress : nil, n_x: withX ? regressorCount : 0,
                  freq_anchor: Int32(endOfPeriod ? FC_ANCHOR_PERIOD_END : FC_ANCHOR_NONE),
                  call_context: callContext)
    }
}

/// One configured model (a grid entry); fitted to many series, from many threads.
public final class ModelConfiguration: @unchecked Sendable {
    public let algorithm: AlgorithmHandle
    let pointer: UnsafeMutableRawPointer

    init(algorithm: AlgorithmHandle, pointer: UnsafeMutableRawPointer) {
        self.algorithm = algorithm
        self.pointer = pointer
    }
    deinit { algorithm.fns.free_config?(pointer) }

    /// The algorithm uses exogenous regressors (FC_CAP_EXOGENOUS): only then does the host
    /// fill fc_series.x and fc_predict_request.x.
    var exogenous: Bool { algorithm.capabilities.contains(.exogenous) }

    public func fit(_ series: SeriesRef) throws(TaskFailure) -> FittedModelHandle {
        var errbuf = ErrorBuffer()
        var model: UnsafeMutableRawPointer?
        let fit = algorithm.fns.fit!
        let status: fc_status = series.id.withCString { cid in
            var s = series.cSeries(id: cid, callContext: HostServices.callContext(), exogenous: exogenous)
            return algorithm.locked { fit(pointer, &s, &model, &errbuf.err) }
        }
        guard Int(status) == FC_OK, let model else {
            throw errbuf.failure(Int(status) == FC_OK ? fc_status(FC_ERR_INTERNAL) : status)
        }
        return FittedModelHandle(config: self, pointer: model)
    }

    /// Fits one model across all `series` (FC_CAP_GLOBAL); forecast it per series with
    /// `predictGlobal`. The series go to the plugin as one array, packed at the fc_series
    /// size of the library's ABI minor (a 1.0 library indexes them with its 1.0 sizeof).
    public func fitGlobal(_ series: [SeriesRef]) throws(TaskFailure) -> FittedModelHandle {
        guard algorithm.capabilities.contains(.global) else {
            throw TaskFailure(.unsupported, "\(algorithm.name) fits one series at a time: it does not offer global models (FC_CAP_GLOBAL)")
        }
        guard let fitGlobal = algorithm.fns.fit_global, algorithm.fns.predict_global != nil else {
            throw TaskFailure(.unsupported, "\(algorithm.name) declares global models (FC_CAP_GLOBAL) but its table has no fit_global or predict_global")
        }
        guard !series.isEmpty else { throw TaskFailure(.notEnoughData, "a global model needs at least one series") }
        let stride = algorithm.libraryABIMinor >= 1 ? MemoryLayout<fc_series>.size : ABI10Size.series
        let ids = series.map { strdup($0.id)! }
        let packed = UnsafeMutableRawPointer.allocate(byteCount: stride * series.count,
                                                      alignment: MemoryLayout<fc_series>.alignment)
        defer {
            ids.forEach { free($0) }
            packed.deallocate()
        }
        let context = HostServices.callContext()
        for (i, s) in series.enumerated() {
            var c = s.cSeries(id: ids[i], callContext: context, exogenous: exogenous)
            c.struct_size = UInt32(stride)
            withUnsafeBytes(of: &c) { packed.advanced(by: i * stride).copyMemory(from: $0.baseAddress!, byteCount: stride) }
        }
        var errbuf = ErrorBuffer()
        var model: UnsafeMutableRawPointer?
        let status = algorithm.locked {
            fitGlobal(pointer, UnsafePointer<fc_series>(OpaquePointer(packed)), series.count, &model, &errbuf.err)
        }
        guard Int(status) == FC_OK, let model else {
            throw errbuf.failure(Int(status) == FC_OK ? fc_status(FC_ERR_INTERNAL) : status)
        }
        return FittedModelHandle(config: self, pointer: model, global: true)
    }

    /// A saved model read back; `global`: it was fitted by fitGlobal (forecast it with
    /// predictGlobal).
    public func load(_ bytes: [UInt8], global: Bool = false) throws(TaskFailure) -> FittedModelHandle {
        guard let load = algorithm.fns.load else {
            throw TaskFailure(.unsupported, "\(algorithm.name) cannot load saved models")
        }
        var errbuf = ErrorBuffer()
        var model: UnsafeMutableRawPointer?
        let status = bytes.withUnsafeBufferPointer { b in
            algorithm.locked { load(pointer, b.baseAddress, b.count, &model, &errbuf.err) }
        }
        guard Int(status) == FC_OK, let model else { throw errbuf.failure(Int(status) == FC_OK ? fc_status(FC_ERR_INTERNAL) : status) }
        return FittedModelHandle(config: self, pointer: model, global: global)
    }
}

/// A forecast in host memory: `lo[l]`/`hi[l]` for `levels[l]`.
public struct ForecastValues: Sendable {
    public var mean: [Double]
    public var lo: [[Double]]
    public var hi: [[Double]]

    public init(mean: [Double], lo: [[Double]], hi: [[Double]]) {
        self.mean = mean
        self.lo = lo
        self.hi = hi
    }
}

/// A fitted model owned by its plugin; freed through the plugin's table.
public final class FittedModelHandle: @unchecked Sendable {
    public let config: ModelConfiguration
    let pointer: UnsafeMutableRawPointer
    /// Fitted by fitGlobal: forecast with predictGlobal (predict_global), never predict.
    public let isGlobal: Bool

    init(config: ModelConfiguration, pointer: UnsafeMutableRawPointer, global: Bool = false) {
        self.config = config
        self.pointer = pointer
        isGlobal = global
    }
    deinit {
        let algorithm = config.algorithm
        algorithm.locked { algorithm.fns.free_model?(pointer) }
    }

    /// Forecasts into caller-owned buffers: `mean` holds h values, `lo`/`hi` levels.count x h.
    public func predict(horizon h: Int, futureDs: UnsafeBufferPointer<Int64>, levels: [Double], seed: UInt64,
                        futureX: UnsafeBufferPointer<Double>? = nil, regressorCount: Int = 0,
                        mean: UnsafeMutablePointer<Double>, lo: UnsafeMutablePointer<Double>?,
                        hi: UnsafeMutablePointer<Double>?) throws(TaskFailure) {
        let algorithm = config.algorithm
        if isGlobal {
            throw TaskFailure(.unsupported, "this \(algorithm.name) model was fitted across series: forecast it per series with predictGlobal")
        }
        let predict = algorithm.fns.predict!
        try callPredict(horizon: h, futureDs: futureDs, levels: levels, seed: seed, futureX: futureX, regressorCount: regressorCount,
                        mean: mean, lo: lo, hi: hi) {
            predict(pointer, $0, $1, $2)
        }
    }

    public func predict(horizon h: Int, futureDs: [Int64], levels: [Double], seed: UInt64 = 0,
                        futureX: [Double] = [], regressorCount: Int = 0) throws(TaskFailure) -> ForecastValues {
        try Self.collect(horizon: h, futureDs: futureDs, levels: levels) { fds, m, l, u throws(TaskFailure) in
            try futureX.withUnsafeBufferPointer { fx throws(TaskFailure) in
                try predict(horizon: h, futureDs: fds, levels: levels, seed: seed, futureX: futureX.isEmpty ? nil : fx,
                            regressorCount: regressorCount, mean: m, lo: l, hi: u)
            }
        }
    }

    /// Forecasts `series` from a model fitted by `ModelConfiguration.fitGlobal`, into
    /// caller-owned buffers as `predict`.
    public func predictGlobal(series: SeriesRef, horizon h: Int, futureDs: UnsafeBufferPointer<Int64>, levels: [Double],
                              seed: UInt64, futureX: UnsafeBufferPointer<Double>? = nil,
                              mean: UnsafeMutablePointer<Double>, lo: UnsafeMutablePointer<Double>?,
                              hi: UnsafeMutablePointer<Double>?) throws(TaskFailure) {
        let algorithm = config.algorithm
        guard isGlobal else {
            throw TaskFailure(.unsupported, "this \(algorithm.name) model was fitted to one series: forecast it with predict")
        }
        guard let predictGlobal = algorithm.fns.predict_global else {
            throw TaskFailure(.unsupported, "\(algorithm.name) has no predict_global")
        }
        let id = strdup(series.id)!
        defer { free(id) }
        var s = series.cSeries(id: id, callContext: HostServices.callContext(), exogenous: algorithm.capabilities.contains(.exogenous))
        try callPredict(horizon: h, futureDs: futureDs, levels: levels, seed: seed, futureX: futureX,
                        regressorCount: series.regressorCount, mean: mean, lo: lo, hi: hi) {
            predictGlobal(pointer, &s, $0, $1, $2)
        }
    }

    public func predictGlobal(series: SeriesRef, horizon h: Int, futureDs: [Int64], levels: [Double],
                              seed: UInt64 = 0, futureX: [Double] = []) throws(TaskFailure) -> ForecastValues {
        try Self.collect(horizon: h, futureDs: futureDs, levels: levels) { fds, m, l, u throws(TaskFailure) in
            try futureX.withUnsafeBufferPointer { fx throws(TaskFailure) in
                try predictGlobal(series: series, horizon: h, futureDs: fds, levels: levels, seed: seed,
                                  futureX: futureX.isEmpty ? nil : fx, mean: m, lo: l, hi: u)
            }
        }
    }

    /// One predict or predict_global call: the request, the output buffers, the error.
    private func callPredict(horizon h: Int, futureDs: UnsafeBufferPointer<Int64>, levels: [Double], seed: UInt64,
                             futureX: UnsafeBufferPointer<Double>?, regressorCount: Int,
                             mean: UnsafeMutablePointer<Double>, lo: UnsafeMutablePointer<Double>?,
                             hi: UnsafeMutablePointer<Double>?,
                             _ call: (UnsafePointer<fc_predict_request>, UnsafeMutablePointer<fc_forecast>,
                                      UnsafeMutablePointer<fc_error>) -> fc_status) throws(TaskFailure) {
        let algorithm = config.algorithm
        if !levels.isEmpty && !algorithm.capabilities.contains(.intervals) {
            throw TaskFailure(.unsupported, "\(algorithm.name) gives no prediction intervals")
        }
        var errbuf = ErrorBuffer()
        let withX = config.exogenous && regressorCount > 0 && futureX != nil && futureX!.count == h * regressorCount
        let status: fc_status = levels.withUnsafeBufferPointer { lv in
            var req = fc_predict_request(struct_size: UInt32(MemoryLayout<fc_predict_request>.size), h: h,
                                         future_ds: futureDs.baseAddress, levels: lv.baseAddress, n_levels: lv.count,
                                         seed: seed, x: withX ? futureX!.baseAddress : nil, n_x: withX ? regressorCount : 0,
                                         call_context: HostServices.callContext())
            var out = fc_forecast(struct_size: UInt32(MemoryLayout<fc_forecast>.size), mean: mean,
                                  lo: levels.isEmpty ? nil : lo, hi: levels.isEmpty ? nil : hi)
            return algorithm.locked { call(&req, &out, &errbuf.err) }
        }
        guard Int(status) == FC_OK else { throw errbuf.failure(status) }
    }

    /// Runs a forecast into fresh arrays and splits the intervals per level.
    private static func collect(
        horizon h: Int, futureDs: [Int64], levels: [Double],
        _ body: (UnsafeBufferPointer<Int64>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>?,
                 UnsafeMutablePointer<Double>?) throws(TaskFailure) -> Void
    ) throws(TaskFailure) -> ForecastValues {
        var mean = [Double](repeating: .nan, count: h)
        var lo = [Double](repeating: .nan, count: h * levels.count)
        var hi = [Double](repeating: .nan, count: h * levels.count)
        do {
            try mean.withUnsafeMutableBufferPointer { m in
                try lo.withUnsafeMutableBufferPointer { l in
                    try hi.withUnsafeMutableBufferPointer { u in
                        try futureDs.withUnsafeBufferPointer { fds in
                            try body(fds, m.baseAddress!, l.baseAddress, u.baseAddress)
                        }
                    }
                }
            }
        } catch let e as TaskFailure {
            throw e
        } catch {
            throw TaskFailure(.internal, "\(error)")
        }
        return ForecastValues(mean: mean,
                              lo: (0..<levels.count).map { Array(lo[($0 * h)..<(($0 + 1) * h)]) },
                              hi: (0..<levels.count).map { Array(hi[($0 * h)..<(($0 + 1) * h)]) })
    }

    /// "ARIMA(0,1,1)(0,1,1)[12]", or the algorithm's name when the plugin has no description.
    public var modelDescription: String {
        let algorithm = config.algorithm
        guard let describe = algorithm.fns.describe else { return algorithm.name }
        var buf = [UInt8](repeating: 0, count: 256)
        buf.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in algorithm.locked { describe(pointer, c.baseAddress, c.count) } }
        }
        let s = String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        return s.isEmpty ? algorithm.name : s
    }

    public func fittedValues(count n: Int) throws(TaskFailure) -> [Double] {
        let algorithm = config.algorithm
        guard let fitted = algorithm.fns.fitted else {
            throw TaskFailure(.unsupported, "\(algorithm.name) gives no fitted values")
        }
        var out = [Double](repeating: .nan, count: n)
        var errbuf = ErrorBuffer()
        let status = algorithm.locked { fitted(pointer, &out, n, &errbuf.err) }
        guard Int(status) == FC_OK else { throw errbuf.failure(status) }
        return out
    }

    public func save() throws(TaskFailure) -> [UInt8] {
        let algorithm = config.algorithm
        guard let save = algorithm.fns.save else {
            throw TaskFailure(.unsupported, "\(algorithm.name) cannot save fitted models")
        }
        var errbuf = ErrorBuffer()
        var needed = 0
        var status = algorithm.locked { save(pointer, nil, 0, &needed, &errbuf.err) }
        if Int(status) == FC_OK { return [] }
        guard Int(status) == FC_ERR_BUFFER_TOO_SMALL else { throw errbuf.failure(status) }
        var bytes = [UInt8](repeating: 0, count: needed)
        status = algorithm.locked { save(pointer, &bytes, bytes.count, &needed, &errbuf.err) }
        guard Int(status) == FC_OK else { throw errbuf.failure(status) }
        return Array(bytes.prefix(needed))
    }
}
