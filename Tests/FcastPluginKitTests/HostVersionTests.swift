import CFcastPlugin
import FcastPluginKit
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The kit under a 1.0 host and a 1.1 host, driven through its C tables as a host would.
/// Host structs are placed so that they end exactly where an unreadable page begins: a
/// kit that read past a struct_size would crash the test.
final class HostVersionTests: XCTestCase {
    override func setUp() {
        Probe.reset()
    }

    func testUnderA10HostTheKitUsesShouldCancelAndLogAndReadsOnly10Structs() throws {
        var full = fc_host()
        full.abi_major = 1
        full.abi_minor = 0
        full.log = { level, message in Probe.logs.append("\(level) \(String(cString: message!))") }
        full.should_cancel = {
            Probe.shouldCancelCalls += 1
            return Probe.cancelFlag ? 1 : 0
        }
        let host = GuardedBytes(full, size: ABI10Size.host)
        let library = try XCTUnwrap(fcast_kittest_plugin_entry(1, 0, host.pointer(to: fc_host.self)))
        XCTAssertEqual(library.pointee.abi_minor, 1)
        XCTAssertEqual(Int(library.pointee.struct_size), MemoryLayout<fc_library>.size)
        XCTAssertEqual(PluginHost.hostABIMinor, 0)

        let algorithm = library.pointee.algorithms[0]!
        let config = try configure(algorithm)
        let y: [Double] = [1, 2, 3, 4]
        let ds: [Int64] = [0, 1, 2, 3]
        let model: UnsafeMutableRawPointer = try y.withUnsafeBufferPointer { yb in
            try ds.withUnsafeBufferPointer { db in
                var s = fc_series()
                s.id = UnsafePointer(Probe.seriesId)
                s.y = yb.baseAddress
                s.ds = db.baseAddress
                s.n = 4
                s.freq_unit = fc_frequency_unit(FC_FREQ_MONTH)
                s.freq_step = 1
                let series = GuardedBytes(s, size: ABI10Size.series)
                return try fit(algorithm, config, series.pointer(to: fc_series.self))
            }
        }
        XCTAssertEqual(Probe.seen, [.init(cancelled: false, context: nil, endOfPeriod: false, season: 12)])
        XCTAssertEqual(Probe.shouldCancelCalls, 1)
        XCTAssertEqual(Probe.logs, ["1 fit 4 points"])

        // Cancelled: the 1.0 should_cancel answers, and the fit reports FC_ERR_CANCELLED.
        Probe.cancelFlag = true
        var req = fc_predict_request()
        req.h = 2
        let request = GuardedBytes(req, size: ABI10Size.predictRequest)
        var mean = [Double](repeating: .nan, count: 2)
        let status = mean.withUnsafeMutableBufferPointer { m in
            var out = fc_forecast(struct_size: UInt32(MemoryLayout<fc_forecast>.size), mean: m.baseAddress, lo: nil, hi: nil)
            var err = ErrorText()
            return algorithm.pointee.predict(model, request.pointer(to: fc_predict_request.self), &out, &err.err)
        }
        XCTAssertEqual(Int(status), FC_ERR_CANCELLED)
        XCTAssertEqual(Probe.shouldCancelCalls, 2)
        algorithm.pointee.free_model(model)
        algorithm.pointee.free_config(config)
    }

    func testUnderA11HostTheKitPassesTheCallContextOrTheHostContext() throws {
        var full = fc_host()
        full.struct_size = UInt32(MemoryLayout<fc_host>.size)
        full.abi_major = 1
        full.abi_minor = 1
        full.log = { _, _ in Probe.logs.append("1.0 log used") }
        full.should_cancel = { Probe.logs.append("1.0 should_cancel used"); return 0 }
        full.context = Probe.hostContext
        full.should_cancel_ctx = { context in
            Probe.contexts.append(context)
            return context == Probe.cancelledContext ? 1 : 0
        }
        full.log_ctx = { context, level, message in
            Probe.logs.append("\(level) \(String(cString: message!)) ctx=\(context == Probe.hostContext ? "host" : "call")")
        }
        let host = GuardedBytes(full, size: MemoryLayout<fc_host>.size)
        let library = try XCTUnwrap(fcast_kittest_plugin_entry(1, 1, host.pointer(to: fc_host.self)))
        XCTAssertEqual(PluginHost.hostABIMinor, 1)
        let algorithm = library.pointee.algorithms[0]!
        let config = try configure(algorithm)
        let y: [Double] = [1, 2, 3]
        let ds: [Int64] = [0, 1, 2]
        let callContext = UnsafeMutableRawPointer(bitPattern: 0x1234_5670)!
        func fitOnce(context: UnsafeMutableRawPointer?, anchor: Int32) throws -> UnsafeMutableRawPointer {
            try y.withUnsafeBufferPointer { yb in
                try ds.withUnsafeBufferPointer { db in
                    var s = fc_series()
                    s.struct_size = UInt32(MemoryLayout<fc_series>.size)
                    s.id = UnsafePointer(Probe.seriesId)
                    s.y = yb.baseAddress
                    s.ds = db.baseAddress
                    s.n = 3
                    s.freq_unit = fc_frequency_unit(FC_FREQ_QUARTER)
                    s.freq_step = 1
                    s.freq_anchor = anchor
                    s.call_context = context
                    let series = GuardedBytes(s, size: MemoryLayout<fc_series>.size)
                    return try fit(algorithm, config, series.pointer(to: fc_series.self))
                }
            }
        }
        let m1 = try fitOnce(context: callContext, anchor: Int32(FC_ANCHOR_PERIOD_END))
        let m2 = try fitOnce(context: nil, anchor: Int32(FC_ANCHOR_NONE))
        XCTAssertEqual(Probe.contexts, [callContext, Probe.hostContext])
        XCTAssertEqual(Probe.seen, [.init(cancelled: false, context: callContext, endOfPeriod: true, season: 4),
                                    .init(cancelled: false, context: nil, endOfPeriod: false, season: 4)])
        XCTAssertEqual(Probe.logs, ["1 fit 3 points ctx=call", "1 fit 3 points ctx=host"])
        // Outside any call the kit answers for the host context, and no call context is left set.
        XCTAssertNil(PluginHost.callContext)
        XCTAssertFalse(PluginHost.shouldCancel)
        XCTAssertEqual(Probe.contexts.last, Probe.hostContext)

        // predict's call_context is the request's: the cancelled one makes predict fail.
        var req = fc_predict_request()
        req.struct_size = UInt32(MemoryLayout<fc_predict_request>.size)
        req.h = 2
        req.call_context = Probe.cancelledContext
        var mean = [Double](repeating: .nan, count: 2)
        let status = mean.withUnsafeMutableBufferPointer { m in
            var out = fc_forecast(struct_size: UInt32(MemoryLayout<fc_forecast>.size), mean: m.baseAddress, lo: nil, hi: nil)
            var err = ErrorText()
            return algorithm.pointee.predict(m1, &req, &out, &err.err)
        }
        XCTAssertEqual(Int(status), FC_ERR_CANCELLED)
        XCTAssertEqual(Probe.contexts.last, Probe.cancelledContext)
        XCTAssertFalse(Probe.logs.contains { $0.hasPrefix("1.0") }, "\(Probe.logs)")
        algorithm.pointee.free_model(m1)
        algorithm.pointee.free_model(m2)
        algorithm.pointee.free_config(config)
    }

    // MARK: Calls through the C table

    func configure(_ algorithm: UnsafePointer<fc_algorithm>) throws -> UnsafeMutableRawPointer {
        var config: UnsafeMutableRawPointer?
        var err = ErrorText()
        let status = algorithm.pointee.configure(algorithm, nil, 0, &config, &err.err)
        XCTAssertEqual(Int(status), FC_OK, err.text)
        return try XCTUnwrap(config)
    }

    func fit(_ algorithm: UnsafePointer<fc_algorithm>, _ config: UnsafeMutableRawPointer,
             _ series: UnsafePointer<fc_series>) throws -> UnsafeMutableRawPointer {
        var model: UnsafeMutableRawPointer?
        var err = ErrorText()
        let status = algorithm.pointee.fit(config, series, &model, &err.err)
        XCTAssertEqual(Int(status), FC_OK, err.text)
        return try XCTUnwrap(model)
    }
}

/// What the probe algorithm saw, and the fake hosts' records. Tests run one at a time.
enum Probe {
    struct Seen: Equatable {
        var cancelled: Bool
        var context: UnsafeMutableRawPointer?
        var endOfPeriod: Bool
        var season: Int
    }
    nonisolated(unsafe) static var seen: [Seen] = []
    nonisolated(unsafe) static var logs: [String] = []
    nonisolated(unsafe) static var contexts: [UnsafeMutableRawPointer?] = []
    nonisolated(unsafe) static var shouldCancelCalls = 0
    nonisolated(unsafe) static var cancelFlag = false
    nonisolated(unsafe) static let hostContext = UnsafeMutableRawPointer(bitPattern: 0x4057)!
    nonisolated(unsafe) static let cancelledContext = UnsafeMutableRawPointer(bitPattern: 0xCA9C_E100)!
    nonisolated(unsafe) static let seriesId = strdup("s")!

    static func reset() {
        seen = []
        logs = []
        contexts = []
        shouldCancelCalls = 0
        cancelFlag = false
    }
}

struct ProbeAlgorithm: Algorithm {
    var name: String { "probe" }
    var summary: String { "records what the kit tells it" }
    var capabilities: Capabilities { [.threadSafe] }
    var parameters: [Parameter] { [] }
    func configure(_ values: ParameterValues) throws -> any ModelConfig { ProbeConfig() }
}

final class ProbeConfig: ModelConfig {
    func fit(_ series: SeriesInput) throws -> any FittedModel {
        Probe.seen.append(.init(cancelled: PluginHost.shouldCancel, context: PluginHost.callContext,
                                endOfPeriod: series.endOfPeriod, season: series.defaultSeason))
        PluginHost.log(.info, "fit \(series.count) points")
        return ProbeModel()
    }
}

final class ProbeModel: FittedModel {
    func predict(_ request: ForecastRequest) throws -> Forecast {
        if PluginHost.shouldCancel { throw PluginError.cancelled() }
        return Forecast(mean: Array(repeating: 0, count: request.horizon))
    }
}

private let library = PluginLibrary(name: "kittest", version: "1", description: "the kit's test plugin",
                                    algorithms: [ProbeAlgorithm()])

@_cdecl("fcast_kittest_plugin_entry")
public func fcast_kittest_plugin_entry(_ major: UInt32, _ minor: UInt32,
                                       _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

/// `size` bytes of a struct (its struct_size set to `size`) placed to end exactly where an
/// unreadable page begins. Unmapped on deinit.
final class GuardedBytes {
    let base: UnsafeMutableRawPointer
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start: UnsafeMutableRawPointer

    init<T>(_ value: T, size: Int) {
        precondition(size <= MemoryLayout<T>.size && size % 8 == 0)
        base = mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(base != MAP_FAILED)
        precondition(mprotect(base + page, page, PROT_NONE) == 0)
        start = base + page - size
        var v = value
        withUnsafeBytes(of: &v) { start.copyMemory(from: $0.baseAddress!, byteCount: size) }
        start.storeBytes(of: UInt32(size), as: UInt32.self)
    }
    deinit { munmap(base, 2 * page) }

    func pointer<T>(to: T.Type) -> UnsafeMutablePointer<T> { start.assumingMemoryBound(to: T.self) }
}

/// An fc_error with its message buffer.
struct ErrorText: ~Copyable {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
    var err: fc_error
    init() {
        buffer[0] = 0
        err = fc_error(struct_size: UInt32(MemoryLayout<fc_error>.size), status: 0, message: buffer, message_capacity: 512)
    }
    deinit { buffer.deallocate() }
    var text: String { String(cString: buffer) }
}
