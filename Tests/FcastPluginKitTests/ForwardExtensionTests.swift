import CFcastPlugin
import FcastPluginKit
import XCTest

/// The kit's "fcast.forward.v1" table (fcast_forward.h) as the host calls it, through the C
/// function pointers: can_forward answers per configuration, forward applies a fitted
/// model's parameter to a new series and leaves the model as it was.
final class ForwardExtensionTests: XCTestCase {
    /// Simple exponential smoothing with alpha estimated as 1 / n of the fitted series (a
    /// parameter that a refit on other data would change); forward keeps it.
    struct Smooth: Algorithm {
        var forwards: Bool
        var name: String { forwards ? "smooth" : "smooth_fixed" }
        var summary: String { "exponential smoothing" }
        var capabilities: Capabilities { [.threadSafe] }
        var parameters: [Parameter] { [] }
        func configure(_ values: ParameterValues) throws -> any ModelConfig { forwards ? Forwarding() : Config() }
    }

    class Config: ModelConfig {
        func fit(_ series: SeriesInput) throws -> any FittedModel {
            Model(alpha: 1 / Double(series.count), y: Array(series.y))
        }
    }
    final class Forwarding: Config, ForwardingConfig {
        func forward(_ model: any FittedModel, to series: SeriesInput) throws -> any FittedModel {
            guard let m = model as? Model else { throw PluginError.unsupported("not a smooth model") }
            return Model(alpha: m.alpha, y: Array(series.y))
        }
    }
    final class Model: FittedModel {
        let alpha: Double, level: Double
        init(alpha: Double, y: [Double]) {
            self.alpha = alpha
            level = y.dropFirst().reduce(y[0]) { l, v in l + alpha * (v - l) }
        }
        func predict(_ r: ForecastRequest) throws -> Forecast { Forecast(mean: Array(repeating: level, count: r.horizon)) }
    }

    static let library = PluginLibrary(name: "forward_test", version: "1.0.0", description: "forward tests",
                                       algorithms: [Smooth(forwards: true), Smooth(forwards: false)])
    /// A library with an extension function of its own, which hands other names to the kit.
    static let own = PluginLibrary(name: "own_ext", version: "1.0.0", description: "", algorithms: [Smooth(forwards: true)],
                                   extensions: { name in
                                       guard let name, String(cString: name) == "own.thing.v1" else { return standardExtension(named: name) }
                                       return UnsafeRawPointer(bitPattern: 0x1000)
                                   })

    func table(_ library: PluginLibrary) -> fc_library {
        library.entry(hostMajor: UInt32(FC_ABI_MAJOR), hostMinor: UInt32(FC_ABI_MINOR), host: nil)!.pointee
    }

    func forwardTable(_ library: PluginLibrary) throws -> fc_forward_ext {
        let p = try XCTUnwrap(table(library).get_extension?(FC_FORWARD_EXTENSION))
        return p.assumingMemoryBound(to: fc_forward_ext.self).pointee
    }

    func configure(_ a: UnsafePointer<fc_algorithm>) -> UnsafeMutableRawPointer {
        var config: UnsafeMutableRawPointer?
        var err = fc_error()
        XCTAssertEqual(a.pointee.configure(a, nil, 0, &config, &err), fc_status(FC_OK))
        return config!
    }

    /// Calls `body` with an fc_series over `y` and an error buffer; returns the message.
    func withSeries(_ y: [Double], _ body: (UnsafePointer<fc_series>, UnsafeMutablePointer<fc_error>) -> fc_status) -> (fc_status, String) {
        let ds = (0..<y.count).map { Int64($0) * 86_400 }
        let buf = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
        defer { buf.deallocate() }
        buf[0] = 0
        var err = fc_error(struct_size: UInt32(MemoryLayout<fc_error>.size), status: 0, message: buf, message_capacity: 256)
        let status = y.withUnsafeBufferPointer { yb in
            ds.withUnsafeBufferPointer { db in
                "s".withCString { id in
                    var s = fc_series()
                    s.struct_size = UInt32(MemoryLayout<fc_series>.size)
                    s.id = id; s.y = yb.baseAddress; s.ds = db.baseAddress; s.n = y.count
                    s.freq_unit = fc_frequency_unit(FC_FREQ_DAY); s.freq_step = 1
                    return body(&s, &err)
                }
            }
        }
        return (status, String(cString: buf))
    }

    func mean(_ a: UnsafePointer<fc_algorithm>, _ model: UnsafeMutableRawPointer) -> Double {
        var m = [Double](repeating: .nan, count: 1)
        var err = fc_error()
        m.withUnsafeMutableBufferPointer { mb in
            var req = fc_predict_request()
            req.struct_size = UInt32(MemoryLayout<fc_predict_request>.size)
            req.h = 1
            var out = fc_forecast(struct_size: UInt32(MemoryLayout<fc_forecast>.size), mean: mb.baseAddress, lo: nil, hi: nil)
            XCTAssertEqual(a.pointee.predict(model, &req, &out, &err), fc_status(FC_OK))
        }
        return m[0]
    }

    func testForwardKeepsTheFittedParameterAndLeavesTheModel() throws {
        let t = table(Self.library), ext = try forwardTable(Self.library)
        XCTAssertEqual(ext.struct_size, UInt32(MemoryLayout<fc_forward_ext>.size))
        let a = t.algorithms![0]!, fixed = t.algorithms![1]!
        let config = configure(a), fixedConfig = configure(fixed)
        defer { a.pointee.free_config(config); fixed.pointee.free_config(fixedConfig) }
        XCTAssertEqual(ext.can_forward(config), 1)
        XCTAssertEqual(ext.can_forward(fixedConfig), 0)
        let y: [Double] = [1, 2, 4, 3, 5, 6, 5, 7]
        var model: UnsafeMutableRawPointer?
        XCTAssertEqual(withSeries(Array(y.prefix(4))) { s, e in a.pointee.fit(config, s, &model, e) }.0, fc_status(FC_OK))
        let before = mean(a, model!)
        var forwarded: UnsafeMutableRawPointer?
        XCTAssertEqual(withSeries(y) { s, e in ext.forward(config, model, s, &forwarded, e) }.0, fc_status(FC_OK))
        // alpha 1/4 (fitted on 4 points) through all 8 values, by hand.
        let byHand = y.dropFirst().reduce(y[0]) { l, v in l + 0.25 * (v - l) }
        XCTAssertEqual(mean(a, forwarded!), byHand, accuracy: 1e-12)
        XCTAssertEqual(mean(a, model!), before)          // the fitted model is unchanged
        a.pointee.free_model(forwarded)
        // A configuration that cannot forward says so through the error buffer.
        var fixedModel: UnsafeMutableRawPointer?, out: UnsafeMutableRawPointer?
        _ = withSeries(y) { s, e in fixed.pointee.fit(fixedConfig, s, &fixedModel, e) }
        let (status, message) = withSeries(y) { s, e in ext.forward(fixedConfig, fixedModel, s, &out, e) }
        XCTAssertEqual(status, fc_status(FC_ERR_UNSUPPORTED))
        XCTAssertEqual(message, "this model cannot forecast from new data without fitting again")
        XCTAssertNil(out)
        a.pointee.free_model(model)
        fixed.pointee.free_model(fixedModel)
    }

    func testLibrariesWithTheirOwnExtensionsStillOfferForward() throws {
        let t = table(Self.own)
        XCTAssertNotNil(t.get_extension?("own.thing.v1"))
        XCTAssertNotNil(try forwardTable(Self.own).forward)
        XCTAssertNil(t.get_extension?("fcast.nothing.v1"))
        XCTAssertNil(table(Self.library).get_extension?("fcast.forward.v2"))
    }
}
