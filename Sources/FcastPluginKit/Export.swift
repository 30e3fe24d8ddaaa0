import CFcastPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Swift plugin library: its algorithms exported as an fc_library.
///
/// A plugin declares one of these and exports the entry symbol:
///
///     private let library = PluginLibrary(name: "naive", version: "1.0.0", ...)
///     @_cdecl("fcast_mine_plugin_entry")   // for libfcast_mine.so
///     public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
///                                  _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
///         library.entry(hostMajor: major, hostMinor: minor, host: host)
///     }
///
/// The C tables are built once and live for the process (the host never unloads plugins).
public final class PluginLibrary: @unchecked Sendable {
    private let table: UnsafeMutablePointer<fc_library>
    private let algorithms: [any Algorithm]

    /// `extensions`: the library's fc_library.get_extension (a C function); nil gives the
    /// kit's own (`standardExtension(named:)`: "fcast.forward.v1" for configurations that
    /// conform to `ForwardingConfig`). A library's own function answers its names and
    /// passes the others to `standardExtension(named:)`.
    public init(name: String, version: String, description: String, algorithms: [any Algorithm],
                extensions: (@convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer?)? = nil) {
        self.algorithms = algorithms
        let list = UnsafeMutablePointer<UnsafePointer<fc_algorithm>?>.allocate(capacity: max(1, algorithms.count))
        for (i, algorithm) in algorithms.enumerated() {
            list[i] = UnsafePointer(makeAlgorithmTable(algorithm))
        }
        table = .allocate(capacity: 1)
        table.initialize(to: fc_library(
            struct_size: UInt32(MemoryLayout<fc_library>.size),
            abi_major: UInt32(FC_ABI_MAJOR), abi_minor: UInt32(FC_ABI_MINOR),
            name: permanent(name), version: permanent(version), description: permanent(description),
            n_algorithms: algorithms.count, algorithms: UnsafePointer(list), get_extension: extensions ?? kitExtensions))
    }

    /// The body of the entry point: refuses a host of another major version.
    public func entry(hostMajor: UInt32, hostMinor: UInt32, host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
        if let host { PluginHost.install(host) }
        guard hostMajor == UInt32(FC_ABI_MAJOR) else {
            PluginHost.log(.error, "plugin built for fcast ABI \(FC_ABI_MAJOR).\(FC_ABI_MINOR); host speaks \(hostMajor).\(hostMinor)")
            return nil
        }
        return UnsafePointer(table)
    }
}

/// The host's services, once the entry point has been called.
///
/// Under a 1.1 host, `shouldCancel` and `log` go through should_cancel_ctx/log_ctx with
/// the call_context of the fit or predict running on this thread (or host->context
/// outside one), so they answer for the right run; under a 1.0 host through
/// should_cancel/log. A plugin that works on threads of its own during a call hands them
/// `callContext` and runs their work inside `withCallContext`.
public enum PluginHost {
    public enum LogLevel: Int32 { case debug = 0, info = 1, warn = 2, error = 3 }
    /// The host's fc_host, read by the struct_size rule: a 1.0 host's 1.1 fields are NULL.
    nonisolated(unsafe) private static var host: fc_host?

    static func install(_ h: UnsafePointer<fc_host>) { host = ABIStruct.read(h) }

    /// The host's fc_host.abi_minor (0 for a 1.0 host), nil before the entry point ran.
    public static var hostABIMinor: Int? { host.map { Int($0.abi_minor) } }

    public static func log(_ level: LogLevel, _ message: String) {
        guard let host else { return }
        if let logCtx = host.log_ctx {
            let context = callContext ?? host.context
            message.withCString { logCtx(context, level.rawValue, $0) }
        } else if let log = host.log {
            message.withCString { log(level.rawValue, $0) }
        }
    }

    /// True when the host asked this run to stop; long fits poll it and throw `.cancelled()`.
    public static var shouldCancel: Bool {
        guard let host else { return false }
        if let shouldCancelCtx = host.should_cancel_ctx { return shouldCancelCtx(callContext ?? host.context) != 0 }
        if let shouldCancel = host.should_cancel { return shouldCancel() != 0 }
        return false
    }

    // MARK: The call context of the running call

    /// The call_context of the fit or predict running on this thread (NULL under a 1.0
    /// host, or outside a call).
    public static var callContext: UnsafeMutableRawPointer? { pthread_getspecific(callContextKey) }

    /// Runs `body` with `context` as this thread's call context, restoring the previous
    /// one: the kit does this around every call; a plugin does it on its own threads.
    public static func withCallContext<T>(_ context: UnsafeMutableRawPointer?, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(callContextKey)
        pthread_setspecific(callContextKey, context)
        defer { pthread_setspecific(callContextKey, previous) }
        return try body()
    }

    private static let callContextKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

// MARK: - C tables

/// A C string that lives for the process.
private func permanent(_ s: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(s)!) }

private final class AlgorithmBox {
    let algorithm: any Algorithm
    init(_ a: any Algorithm) { algorithm = a }
}
private final class ConfigBox {
    let config: any ModelConfig
    init(_ c: any ModelConfig) { config = c }
}
private final class ModelBox {
    let model: any FittedModel
    init(_ m: any FittedModel) { model = m }
}

private func makeAlgorithmTable(_ algorithm: any Algorithm) -> UnsafeMutablePointer<fc_algorithm> {
    let params = algorithm.parameters
    let specs = UnsafeMutablePointer<UnsafePointer<fc_param_spec>?>.allocate(capacity: max(1, params.count))
    for (i, p) in params.enumerated() {
        var choices: UnsafePointer<UnsafePointer<CChar>?>? = nil
        if let cs = p.choices {
            let arr = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: cs.count + 1)
            for (j, c) in cs.enumerated() { arr[j] = permanent(c) }
            arr[cs.count] = nil
            choices = UnsafePointer(arr)
        }
        var flags: UInt32 = 0
        if p.required { flags |= UInt32(FC_PARAM_REQUIRED) }
        if p.auto { flags |= UInt32(FC_PARAM_AUTO) }
        let spec = UnsafeMutablePointer<fc_param_spec>.allocate(capacity: 1)
        spec.initialize(to: fc_param_spec(
            struct_size: UInt32(MemoryLayout<fc_param_spec>.size), name: permanent(p.name), type: p.cType,
            flags: flags, default_text: p.defaultText.map(permanent), min_value: p.min, max_value: p.max,
            choices: choices, list_length: UInt32(p.listLength), help: permanent(p.help)))
        specs[i] = UnsafePointer(spec)
    }
    let table = UnsafeMutablePointer<fc_algorithm>.allocate(capacity: 1)
    table.initialize(to: fc_algorithm(
        struct_size: UInt32(MemoryLayout<fc_algorithm>.size),
        name: permanent(algorithm.name), summary: permanent(algorithm.summary),
        capabilities: algorithm.capabilities.rawValue,
        n_params: params.count, params: UnsafePointer(specs),
        algorithm_data: Unmanaged.passRetained(AlgorithmBox(algorithm)).toOpaque(),
        configure: configureThunk, free_config: freeConfigThunk,
        fit: fitThunk, predict: predictThunk, free_model: freeModelThunk,
        describe: describeThunk, fitted: fittedThunk, save: saveThunk, load: loadThunk,
        fit_global: algorithm.capabilities.contains(.global) ? fitGlobalThunk : nil,
        predict_global: algorithm.capabilities.contains(.global) ? predictGlobalThunk : nil))
    return table
}

/// Runs `body`, turning any thrown error into a status and a message in the host's buffer.
private func guarded(_ err: UnsafeMutablePointer<fc_error>?, _ body: () throws -> Void) -> fc_status {
    do {
        try body()
        return fc_status(FC_OK)
    } catch let e as PluginError {
        report(err, e.status, e.message)
        return e.status
    } catch {
        report(err, fc_status(FC_ERR_INTERNAL), "\(error)")
        return fc_status(FC_ERR_INTERNAL)
    }
}

private func report(_ err: UnsafeMutablePointer<fc_error>?, _ status: fc_status, _ message: String) {
    guard let err else { return }
    let size = ABIStruct.declaredSize(err)
    if ABIStruct.holds(size, \fc_error.status) { err.pointee.status = status }
    let e: fc_error = ABIStruct.read(err)
    guard let buf = e.message, e.message_capacity > 0 else { return }
    let cap = Int(e.message_capacity)
    let bytes = Array(message.utf8.prefix(cap - 1))
    bytes.withUnsafeBufferPointer { src in
        buf.withMemoryRebound(to: UInt8.self, capacity: cap) { dst in
            dst.update(from: src.baseAddress!, count: src.count)
            dst[src.count] = 0
        }
    }
}

private let configureThunk: @convention(c) (
    UnsafePointer<fc_algorithm>?, UnsafePointer<fc_param_value>?, Int,
    UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<fc_error>?
) -> fc_status = { selfPtr, values, n, out, err in
    guarded(err) {
        guard let selfPtr, let data = selfPtr.pointee.algorithm_data, let out else {
            throw PluginError(fc_status(FC_ERR_INTERNAL), "configure called without its algorithm")
        }
        let algorithm = Unmanaged<AlgorithmBox>.fromOpaque(data).takeUnretainedValue().algorithm
        let parsed = ParameterValues(UnsafeBufferPointer(start: values, count: values == nil ? 0 : n))
        let config = try algorithm.configure(parsed)
        out.pointee = Unmanaged.passRetained(ConfigBox(config)).toOpaque()
    }
}

private let freeConfigThunk: @convention(c) (UnsafeMutableRawPointer?) -> Void = { p in
    if let p { Unmanaged<ConfigBox>.fromOpaque(p).release() }
}

/// The host's series, read by the struct_size rule (a 1.0 host's has no anchor or context).
private func series(_ v: fc_series) -> SeriesInput {
    SeriesInput(
        id: v.id.map { String(cString: $0) } ?? "?",
        y: UnsafeBufferPointer(start: v.y, count: v.n),
        ds: UnsafeBufferPointer(start: v.ds, count: v.ds == nil ? 0 : v.n),
        frequencyUnit: v.freq_unit, frequencyStep: Int(v.freq_step),
        endOfPeriod: v.freq_anchor == Int32(FC_ANCHOR_PERIOD_END),
        x: UnsafeBufferPointer(start: v.x, count: v.x == nil ? 0 : v.n * v.n_x), regressorCount: v.x == nil ? 0 : v.n_x)
}

private let fitThunk: @convention(c) (
    UnsafeRawPointer?, UnsafePointer<fc_series>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    UnsafeMutablePointer<fc_error>?
) -> fc_status = { configPtr, seriesPtr, out, err in
    guarded(err) {
        guard let configPtr, let seriesPtr, let out else {
            throw PluginError(fc_status(FC_ERR_INTERNAL), "fit called with a null argument")
        }
        let config = Unmanaged<ConfigBox>.fromOpaque(configPtr).takeUnretainedValue().config
        let s: fc_series = ABIStruct.read(seriesPtr)
        let model = try PluginHost.withCallContext(s.call_context) { try config.fit(series(s)) }
        out.pointee = Unmanaged.passRetained(ModelBox(model)).toOpaque()
    }
}

private let fitGlobalThunk: @convention(c) (
    UnsafeRawPointer?, UnsafePointer<fc_series>?, Int, UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    UnsafeMutablePointer<fc_error>?
) -> fc_status = { configPtr, seriesPtr, n, out, err in
    guarded(err) {
        guard let configPtr, let seriesPtr, let out, n > 0 else {
            throw PluginError(fc_status(FC_ERR_INTERNAL), "fit_global called with a null argument")
        }
        guard let config = Unmanaged<ConfigBox>.fromOpaque(configPtr).takeUnretainedValue().config as? any GlobalModelConfig else {
            throw PluginError.unsupported("this configuration fits one series at a time")
        }
        // Packed at the older ABI's size: step by the first element's struct_size.
        let stride = Int(seriesPtr.pointee.struct_size)
        let raw = UnsafeRawPointer(seriesPtr)
        let all: [fc_series] = (0..<n).map { ABIStruct.read(raw.advanced(by: $0 * stride).assumingMemoryBound(to: fc_series.self)) }
        let model = try PluginHost.withCallContext(all[0].call_context) { try config.fitGlobal(all.map(series)) }
        out.pointee = Unmanaged.passRetained(ModelBox(model)).toOpaque()
    }
}

private let predictGlobalThunk: @convention(c) (
    UnsafeRawPointer?, UnsafePointer<fc_series>?, UnsafePointer<fc_predict_request>?, UnsafeMutablePointer<fc_forecast>?,
    UnsafeMutablePointer<fc_error>?
) -> fc_status = { modelPtr, seriesPtr, reqPtr, outPtr, err in
    guarded(err) {
        guard let modelPtr, let seriesPtr, let reqPtr, let outPtr else {
            throw PluginError(fc_status(FC_ERR_INTERNAL), "predict_global called with a null argument")
        }
        guard let global = model(modelPtr) as? any GlobalFittedModel else {
            throw PluginError.unsupported("this model was fitted to one series: forecast it with predict")
        }
        let s: fc_series = ABIStruct.read(seriesPtr)
        try writeForecast(reqPtr, outPtr) { request in try global.predict(series: series(s), request) }
    }
}

/// Reads a request, runs `body` in the request's call context and writes its forecast out.
private func writeForecast(_ reqPtr: UnsafePointer<fc_predict_request>, _ outPtr: UnsafeMutablePointer<fc_forecast>,
                           _ body: (ForecastRequest) throws -> Forecast) throws {
    let r: fc_predict_request = ABIStruct.read(reqPtr)
    let request = ForecastRequest(
        horizon: r.h,
        futureDs: r.future_ds == nil ? [] : Array(UnsafeBufferPointer(start: r.future_ds, count: r.h)),
        levels: r.levels == nil ? [] : Array(UnsafeBufferPointer(start: r.levels, count: r.n_levels)),
        seed: r.seed,
        futureX: r.x == nil ? [] : Array(UnsafeBufferPointer(start: r.x, count: r.h * r.n_x)),
        regressorCount: r.x == nil ? 0 : r.n_x)
    let f = try PluginHost.withCallContext(r.call_context) { try body(request) }
    let h = r.h
    guard f.mean.count == h else {
        throw PluginError(fc_status(FC_ERR_INTERNAL), "plugin returned \(f.mean.count) values for horizon \(h)")
    }
    let out: fc_forecast = ABIStruct.read(outPtr)
    out.mean?.update(from: f.mean, count: h)
    if r.n_levels > 0, let lo = out.lo, let hi = out.hi {
        guard f.lo.count == r.n_levels, f.hi.count == r.n_levels else {
            throw PluginError.unsupported("this model gives no prediction intervals")
        }
        for l in 0..<r.n_levels {
            (lo + l * h).update(from: f.lo[l], count: h)
            (hi + l * h).update(from: f.hi[l], count: h)
        }
    }
}

private func model(_ p: UnsafeRawPointer) -> any FittedModel {
    Unmanaged<ModelBox>.fromOpaque(p).takeUnretainedValue().model
}

private let predictThunk: @convention(c) (
    UnsafeRawPointer?, UnsafePointer<fc_predict_request>?, UnsafeMutablePointer<fc_forecast>?,
    UnsafeMutablePointer<fc_error>?
) -> fc_status = { modelPtr, reqPtr, outPtr, err in
    guarded(err) {
        guard let modelPtr, let reqPtr, let outPtr else {
            throw PluginError(fc_status(FC_ERR_INTERNAL), "predict called with a null argument")
        }
        try writeForecast(reqPtr, outPtr) { request in try model(modelPtr).predict(request) }
    }
}

private let freeModelThunk: @convention(c) (UnsafeMutableRawPointer?) -> Void = { p in
    if let p { Unmanaged<ModelBox>.fromOpaque(p).release() }
}

private let describeThunk: @convention(c) (UnsafeRawPointer?, UnsafeMutablePointer<CChar>?, Int) -> Void = { p, buf, cap in
    guard let p, let buf, cap > 0 else { return }
    let text = model(p).modelDescription ?? ""
    let bytes = Array(text.utf8.prefix(cap - 1))
    buf.withMemoryRebound(to: UInt8.self, capacity: cap) { dst in
        for (i, b) in bytes.enumerated() { dst[i] = b }
        dst[bytes.count] = 0
    }
}

private let fittedThunk: @convention(c) (
    UnsafeRawPointer?, UnsafeMutablePointer<Double>?, Int, UnsafeMutablePointer<fc_error>?
) -> fc_status = { p, out, n, err in
    guarded(err) {
        guard let p, let out else { throw PluginError(fc_status(FC_ERR_INTERNAL), "fitted called with a null argument") }
        let values = try model(p).fittedValues()
        for i in 0..<n { out[i] = i < values.count ? values[i] : .nan }
    }
}

private let saveThunk: @convention(c) (
    UnsafeRawPointer?, UnsafeMutablePointer<UInt8>?, Int, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<fc_error>?
) -> fc_status = { p, buf, cap, needed, err in
    var status = fc_status(FC_OK)
    let guardedStatus = guarded(err) {
        guard let p else { throw PluginError(fc_status(FC_ERR_INTERNAL), "save called without a model") }
        let bytes = try model(p).save()
        needed?.pointee = bytes.count
        guard let buf, cap >= bytes.count else {
            status = fc_status(FC_ERR_BUFFER_TOO_SMALL)
            return
        }
        buf.update(from: bytes, count: bytes.count)
    }
    return guardedStatus != fc_status(FC_OK) ? guardedStatus : status
}

private let loadThunk: @convention(c) (
    UnsafeRawPointer?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    UnsafeMutablePointer<fc_error>?
) -> fc_status = { configPtr, bytes, len, out, err in
    guarded(err) {
        guard let configPtr, let out else { throw PluginError(fc_status(FC_ERR_INTERNAL), "load called with a null argument") }
        let config = Unmanaged<ConfigBox>.fromOpaque(configPtr).takeUnretainedValue().config
        let data = bytes == nil ? [] : Array(UnsafeBufferPointer(start: bytes, count: len))
        let m = try config.load(data)
        out.pointee = Unmanaged.passRetained(ModelBox(m)).toOpaque()
    }
}

/// The model behind a model pointer the host handed back (a library extension's
/// argument): what the kit's fit/fit_global returned.
public func fittedModel(fromHandle p: UnsafeRawPointer) -> any FittedModel { model(p) }

/// Runs `body`, turning a thrown error into a status and message (for extension functions).
public func reportingErrors(_ err: UnsafeMutablePointer<fc_error>?, _ body: () throws -> Void) -> fc_status {
    guarded(err, body)
}

// MARK: - The kit's extensions

/// The tables the kit offers every library, by name (fc_library.get_extension): the
/// "fcast.forward.v1" table (fcast_forward.h), whose can_forward answers for configurations
/// that conform to `ForwardingConfig`. Nil for other names.
public func standardExtension(named name: UnsafePointer<CChar>?) -> UnsafeRawPointer? {
    guard let name, String(cString: name) == FC_FORWARD_EXTENSION else { return nil }
    return UnsafeRawPointer(forwardTable)
}

private let kitExtensions: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer? = { name in
    standardExtension(named: name)
}

private let canForwardThunk: @convention(c) (UnsafeRawPointer?) -> Int32 = { configPtr in
    guard let configPtr else { return 0 }
    return Unmanaged<ConfigBox>.fromOpaque(configPtr).takeUnretainedValue().config is any ForwardingConfig ? 1 : 0
}

private let forwardThunk: @convention(c) (
    UnsafeRawPointer?, UnsafeRawPointer?, UnsafePointer<fc_series>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    UnsafeMutablePointer<fc_error>?
) -> fc_status = { configPtr, modelPtr, seriesPtr, out, err in
    guarded(err) {
        guard let configPtr, let modelPtr, let seriesPtr, let out else {
            throw PluginError(fc_status(FC_ERR_INTERNAL), "forward called with a null argument")
        }
        guard let config = Unmanaged<ConfigBox>.fromOpaque(configPtr).takeUnretainedValue().config as? any ForwardingConfig else {
            throw PluginError.unsupported("this model cannot forecast from new data without fitting again")
        }
        let s: fc_series = ABIStruct.read(seriesPtr)
        let forwarded = try PluginHost.withCallContext(s.call_context) { try config.forward(model(modelPtr), to: series(s)) }
        out.pointee = Unmanaged.passRetained(ModelBox(forwarded)).toOpaque()
    }
}

nonisolated(unsafe) private let forwardTable: UnsafeMutablePointer<fc_forward_ext> = {
    let t = UnsafeMutablePointer<fc_forward_ext>.allocate(capacity: 1)
    t.initialize(to: fc_forward_ext(struct_size: UInt32(MemoryLayout<fc_forward_ext>.size),
                                    can_forward: canForwardThunk, forward: forwardThunk))
    return t
}()
