import CFcastPlugin
import FcastPluginKit
import XCTest

/// The kit as a plugin author uses it: a Swift algorithm becomes C tables that the tests
/// call as the host would, through the function pointers only.
final class KitTableTests: XCTestCase {
    /// Forecasts the last value times `factor`; intervals ± z·scale; refuses short series.
    struct ScaledLast: Algorithm {
        var name: String { "scaled_last" }
        var summary: String { "the last value, scaled" }
        var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted] }
        var parameters: [Parameter] {
            [.real("factor", default: 1, min: 0, help: "multiplies the last value"),
             .string("mode", default: "plain", choices: ["plain", "loud"], help: "a choice"),
             .int("min_length", default: 2, min: 1, help: "shortest series accepted")]
        }
        func configure(_ values: ParameterValues) throws -> any ModelConfig {
            if values.string("mode") == "loud", values.real("factor") == 0 {
                throw PluginError.invalidArgument("loud mode needs a factor above 0")
            }
            return Config(factor: values.real("factor") ?? 1, minLength: values.int("min_length") ?? 2)
        }
    }

    final class Config: ModelConfig {
        let factor: Double, minLength: Int
        init(factor: Double, minLength: Int) { self.factor = factor; self.minLength = minLength }
        func fit(_ series: SeriesInput) throws -> any FittedModel {
            guard series.count >= minLength else {
                throw PluginError.notEnoughData("\(series.id) has \(series.count) points; needs \(minLength)")
            }
            if series.id == "swift-error" { throw CocoaError(.fileNoSuchFile) }
            return Model(last: series.y[series.count - 1] * factor, n: series.count)
        }
        func load(_ bytes: [UInt8]) throws -> any FittedModel {
            guard bytes.count == 8 else { throw PluginError.badData("expected 8 bytes, got \(bytes.count)") }
            let bits = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            return Model(last: Double(bitPattern: bits), n: 0)
        }
    }

    final class Model: FittedModel {
        let last: Double, n: Int
        init(last: Double, n: Int) { self.last = last; self.n = n }
        func predict(_ r: ForecastRequest) throws -> Forecast {
            let mean = Array(repeating: last, count: r.horizon)
            return Forecast(mean: mean, lo: r.levels.map { l in mean.map { $0 - l / 10 } },
                            hi: r.levels.map { l in mean.map { $0 + l / 10 } })
        }
        var modelDescription: String? { "scaled_last(\(last)) with a long description that will be cut" }
        func fittedValues() throws -> [Double] { Array(repeating: last, count: n) }
        func save() throws -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: last.bitPattern >> (8 * UInt64($0))) } }
    }

    static let library = PluginLibrary(name: "kit_test", version: "2.3.4", description: "kit tests",
                                       algorithms: [ScaledLast()])

    var table: fc_library { Self.library.entry(hostMajor: UInt32(FC_ABI_MAJOR), hostMinor: UInt32(FC_ABI_MINOR), host: nil)!.pointee }
    var algorithm: UnsafePointer<fc_algorithm> { table.algorithms![0]! }

    /// An fc_error with a host-owned message buffer of `capacity` bytes.
    func withError<T>(capacity: Int = 256, _ body: (UnsafeMutablePointer<fc_error>) -> T) -> (T, fc_status, String) {
        let buf = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        defer { buf.deallocate() }
        buf[0] = 0
        var err = fc_error(struct_size: UInt32(MemoryLayout<fc_error>.size), status: 0, message: buf,
                           message_capacity: UInt32(capacity))
        let r = body(&err)
        return (r, err.status, String(cString: buf))
    }

    func configure(factor: Double? = nil, mode: String? = nil) -> (UnsafeMutableRawPointer?, fc_status, String) {
        let a = algorithm
        let names: [UnsafeMutablePointer<CChar>] = ["factor", "mode", "min_length"].map { (s: String) in strdup(s)! }
        let modeText = mode.map { (s: String) in strdup(s)! }
        defer { names.forEach { free($0) }; modeText.map { free($0) } }
        var values = (0..<3).map { i in
            fc_param_value(struct_size: UInt32(MemoryLayout<fc_param_value>.size), name: names[i],
                           type: a.pointee.params![i]!.pointee.type, is_set: 0, int_value: 0, real_value: 0,
                           string_value: nil, list_values: nil, list_length: 0)
        }
        if let factor { values[0].is_set = 1; values[0].real_value = factor }
        if let modeText { values[1].is_set = 1; values[1].string_value = UnsafePointer(modeText) }
        var config: UnsafeMutableRawPointer?
        let (status, errStatus, message) = withError { err in
            values.withUnsafeBufferPointer { a.pointee.configure(a, $0.baseAddress, 3, &config, err) }
        }
        XCTAssertEqual(status, errStatus == 0 ? status : errStatus)
        return (config, status, message)
    }

    func fit(_ config: UnsafeMutableRawPointer, id: String, y: [Double]) -> (UnsafeMutableRawPointer?, fc_status, String) {
        let ds = (0..<y.count).map { Int64($0) * 86_400 }
        var model: UnsafeMutableRawPointer?
        let (status, _, message) = withError { err in
            id.withCString { cid in
                y.withUnsafeBufferPointer { yb in
                    ds.withUnsafeBufferPointer { db in
                        var s = fc_series()
                        s.struct_size = UInt32(MemoryLayout<fc_series>.size)
                        s.id = cid
                        s.y = yb.baseAddress
                        s.ds = db.baseAddress
                        s.n = y.count
                        s.freq_unit = fc_frequency_unit(FC_FREQ_DAY)
                        s.freq_step = 1
                        return algorithm.pointee.fit(config, &s, &model, err)
                    }
                }
            }
        }
        return (model, status, message)
    }

    func testTheLibraryTableDescribesTheAlgorithmAndItsSchema() {
        let t = table
        XCTAssertEqual(t.abi_major, UInt32(FC_ABI_MAJOR))
        XCTAssertEqual(t.struct_size, UInt32(MemoryLayout<fc_library>.size))
        XCTAssertEqual(String(cString: t.name), "kit_test")
        XCTAssertEqual(String(cString: t.version), "2.3.4")
        XCTAssertEqual(t.n_algorithms, 1)
        let a = algorithm.pointee
        XCTAssertEqual(String(cString: a.name), "scaled_last")
        XCTAssertEqual(a.capabilities & UInt64(FC_CAP_SAVE_LOAD), UInt64(FC_CAP_SAVE_LOAD))
        XCTAssertEqual(a.n_params, 3)
        let factor = a.params![0]!.pointee, mode = a.params![1]!.pointee
        XCTAssertEqual(String(cString: factor.name), "factor")
        XCTAssertEqual(factor.type, fc_param_type(FC_PARAM_REAL))
        XCTAssertEqual(String(cString: factor.default_text), "1.0")
        XCTAssertEqual(factor.min_value, 0)
        XCTAssertTrue(factor.max_value.isNaN)
        XCTAssertEqual(String(cString: mode.default_text), "\"plain\"")
        XCTAssertEqual(String(cString: mode.choices![0]!), "plain")
        XCTAssertEqual(String(cString: mode.choices![1]!), "loud")
        XCTAssertNil(mode.choices![2])
    }

    func testNormalQuantilesAtTheEdgesAreInfiniteNotATrap() {
        XCTAssertEqual(Normal.multiplier(level: 95), 1.959963984540054, accuracy: 1e-12)
        // 0.5 + 99.99999999999999 / 200 rounds to 1: the interval is unbounded.
        XCTAssertEqual(Normal.multiplier(level: 99.99999999999999), .infinity)
        XCTAssertEqual(Normal.quantile(0), -.infinity)
        XCTAssertTrue(Normal.quantile(1.5).isNaN)
    }

    func testAHostOfAnotherMajorVersionIsRefused() {
        XCTAssertNil(Self.library.entry(hostMajor: UInt32(FC_ABI_MAJOR) + 1, hostMinor: 0, host: nil))
    }

    func testFitPredictAndFreeThroughThePointers() throws {
        let (config, status, _) = configure(factor: 2)
        XCTAssertEqual(status, fc_status(FC_OK))
        let (model, fitStatus, _) = fit(try XCTUnwrap(config), id: "a", y: [1, 2, 3, 5])
        XCTAssertEqual(fitStatus, fc_status(FC_OK))
        var mean = [Double](repeating: .nan, count: 3), lo = [Double](repeating: .nan, count: 6), hi = lo
        let levels: [Double] = [80, 95]
        let (predictStatus, _, _) = withError { err in
            levels.withUnsafeBufferPointer { lv in
                mean.withUnsafeMutableBufferPointer { m in
                    lo.withUnsafeMutableBufferPointer { l in
                        hi.withUnsafeMutableBufferPointer { u in
                            var req = fc_predict_request()
                            req.struct_size = UInt32(MemoryLayout<fc_predict_request>.size)
                            req.h = 3
                            req.levels = lv.baseAddress
                            req.n_levels = 2
                            var out = fc_forecast(struct_size: UInt32(MemoryLayout<fc_forecast>.size), mean: m.baseAddress,
                                                  lo: l.baseAddress, hi: u.baseAddress)
                            return algorithm.pointee.predict(model, &req, &out, err)
                        }
                    }
                }
            }
        }
        XCTAssertEqual(predictStatus, fc_status(FC_OK))
        XCTAssertEqual(mean, [10, 10, 10])
        XCTAssertEqual(lo, [2, 2, 2, 0.5, 0.5, 0.5])   // level-major: 80 then 95
        XCTAssertEqual(hi, [18, 18, 18, 19.5, 19.5, 19.5])
        // describe truncates to the host's buffer and terminates it.
        var buf = [CChar](repeating: 1, count: 12)
        algorithm.pointee.describe!(model, &buf, buf.count)
        XCTAssertEqual(String(cString: buf), "scaled_last")
        var fitted = [Double](repeating: 0, count: 6)
        let (fittedStatus, _, _) = withError { err in algorithm.pointee.fitted!(model, &fitted, 6, err) }
        XCTAssertEqual(fittedStatus, fc_status(FC_OK))
        XCTAssertEqual(fitted.prefix(4), [10, 10, 10, 10])
        XCTAssertTrue(fitted[4].isNaN && fitted[5].isNaN, "past the model's values the kit writes NaN")
        algorithm.pointee.free_model(model)
        algorithm.pointee.free_config(config)
    }

    func testErrorsBecomeStatusesAndMessagesInTheHostBuffer() throws {
        let (refused, status, message) = configure(factor: 0, mode: "loud")
        XCTAssertNil(refused)
        XCTAssertEqual(status, fc_status(FC_ERR_INVALID_ARGUMENT))
        XCTAssertEqual(message, "loud mode needs a factor above 0")

        let config = try XCTUnwrap(configure().0)
        let (short, shortStatus, shortMessage) = fit(config, id: "tiny", y: [4])
        XCTAssertNil(short)
        XCTAssertEqual(shortStatus, fc_status(FC_ERR_NOT_ENOUGH_DATA))
        XCTAssertEqual(shortMessage, "tiny has 1 points; needs 2")
        // Any other Swift error is a plugin bug: FC_ERR_INTERNAL, with its text.
        let (_, internalStatus, internalMessage) = fit(config, id: "swift-error", y: [1, 2])
        XCTAssertEqual(internalStatus, fc_status(FC_ERR_INTERNAL))
        XCTAssertFalse(internalMessage.isEmpty)
        // A message longer than the buffer is cut and terminated, never overflowing.
        let (_, _, cut) = withError(capacity: 8) { err in
            "tiny".withCString { cid in
                [4.0].withUnsafeBufferPointer { yb in
                    var s = fc_series()
                    s.struct_size = UInt32(MemoryLayout<fc_series>.size)
                    s.id = cid
                    s.y = yb.baseAddress
                    s.n = 1
                    var model: UnsafeMutableRawPointer?
                    return algorithm.pointee.fit(config, &s, &model, err)
                }
            }
        }
        XCTAssertEqual(cut, "tiny ha")
        algorithm.pointee.free_config(config)
    }

    func testSaveAsksForTheSizeThenLoadRestoresTheModel() throws {
        let config = try XCTUnwrap(configure(factor: 3).0)
        let model = try XCTUnwrap(fit(config, id: "a", y: [1, 2, 7]).0)
        var needed = 0
        let (tooSmall, _, _) = withError { err in algorithm.pointee.save!(model, nil, 0, &needed, err) }
        XCTAssertEqual(tooSmall, fc_status(FC_ERR_BUFFER_TOO_SMALL))
        XCTAssertEqual(needed, 8)
        var bytes = [UInt8](repeating: 0, count: needed)
        let (saved, _, _) = withError { err in algorithm.pointee.save!(model, &bytes, bytes.count, &needed, err) }
        XCTAssertEqual(saved, fc_status(FC_OK))
        var loaded: UnsafeMutableRawPointer?
        let (loadStatus, _, _) = withError { err in algorithm.pointee.load!(config, bytes, bytes.count, &loaded, err) }
        XCTAssertEqual(loadStatus, fc_status(FC_OK))
        var buf = [CChar](repeating: 0, count: 64)
        algorithm.pointee.describe!(loaded, &buf, buf.count)
        XCTAssertTrue(String(cString: buf).hasPrefix("scaled_last(21.0)"), String(cString: buf))
        algorithm.pointee.free_model(loaded)
        let (badLoad, _, badMessage) = withError { err in algorithm.pointee.load!(config, bytes, 3, &loaded, err) }
        XCTAssertEqual(badLoad, fc_status(FC_ERR_BAD_DATA))
        XCTAssertEqual(badMessage, "expected 8 bytes, got 3")
        algorithm.pointee.free_model(model)
        algorithm.pointee.free_config(config)
    }
}
