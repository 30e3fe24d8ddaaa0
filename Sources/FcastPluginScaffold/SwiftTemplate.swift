// The SwiftPM project `fcast plugin new NAME --lang swift` writes. __NAME__ is the name,
// __KIT__ the folder of the installed Swift plugin kit (PREFIX/share/fcast/fcast-plugin-kit).
enum SwiftTemplate {
    static let package = #"""
// swift-tools-version:6.0
import PackageDescription

// libfcast___NAME__.so. FcastPluginKit comes from the fcast installation this project was
// made with (scripts/install copies the kit's sources to PREFIX/share/fcast/fcast-plugin-kit);
// set FCAST_PLUGIN_KIT to build against another one.
let kit = Context.environment["FCAST_PLUGIN_KIT"] ?? "__KIT__"

let package = Package(
    name: "fcast-__NAME__",
    products: [.library(name: "fcast___NAME__", type: .dynamic, targets: ["__TARGET__"])],
    dependencies: [.package(name: "fcast-plugin-kit", path: kit)],
    targets: [
        .target(name: "__TARGET__", dependencies: [.product(name: "FcastPluginKit", package: "fcast-plugin-kit")]),
    ]
)
"""#

    static let source = #"""
// libfcast___NAME__.so: an fcast algorithm plugin in Swift, written by `fcast plugin new`.
//
// The algorithm `__NAME__` is a starting point to replace with your own: the naive forecast
// (every forecast is the last observation) with Gaussian intervals whose width grows with the
// square root of the horizon. FcastPluginKit turns the types below into the C tables of
// fcast_plugin.h and thrown PluginErrors into statuses: no unsafe code here.
import CFcastPlugin
import FcastPluginKit

private let library = PluginLibrary(
    name: "__NAME__", version: "0.1.0", description: "__NAME__: an fcast plugin in Swift",
    algorithms: [Algorithm__TARGET__()])

// The library is libfcast___NAME__.so, so the host looks for fcast___NAME___plugin_entry.
@_cdecl("fcast___NAME___plugin_entry")
public func fcastPluginEntry(_ major: UInt32, _ minor: UInt32,
                             _ host: UnsafePointer<fc_host>?) -> UnsafePointer<fc_library>? {
    library.entry(hostMajor: major, hostMinor: minor, host: host)
}

struct Algorithm__TARGET__: Algorithm {
    var name: String { "__NAME__" }
    var summary: String { "Naive forecast with sqrt(h) Gaussian intervals (a template: replace with your algorithm)" }
    var capabilities: Capabilities { [.intervals, .threadSafe, .saveLoad, .fitted] }
    var parameters: [Parameter] {
        [.real("scale", default: 1, min: 0.001, max: 1000, help: "multiplies the width of the prediction intervals")]
    }
    func configure(_ values: ParameterValues) throws -> any ModelConfig {
        Config__TARGET__(scale: values.real("scale") ?? 1)
    }
}

final class Config__TARGET__: ModelConfig {
    let scale: Double
    init(scale: Double) { self.scale = scale }

    func fit(_ series: SeriesInput) throws -> any FittedModel {
        guard series.count >= 2 else {
            throw PluginError.notEnoughData("__NAME__ needs at least 2 points; series \(series.id) has \(series.count)")
        }
        try series.requireFinite(model: "__NAME__")
        var changes: [Double] = []
        for i in 1..<series.count {
            if i % 4096 == 0, PluginHost.shouldCancel { throw PluginError.cancelled() }
            changes.append(series.y[i] - series.y[i - 1])
        }
        let mean = changes.reduce(0, +) / Double(changes.count)
        let variance = changes.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(changes.count)
        let sigma = scale * variance.squareRoot()
        guard sigma.isFinite else { throw PluginError.numeric("series \(series.id): the spread of its changes overflows") }
        return Model__TARGET__(last: series.y[series.count - 1], sigma: sigma, history: Array(series.y))
    }

    func load(_ bytes: [UInt8]) throws -> any FittedModel {
        guard bytes.count == 16 else { throw PluginError.badData("a saved __NAME__ model has 16 bytes, not \(bytes.count)") }
        var words: [UInt64] = [0, 0]
        for (i, byte) in bytes.enumerated() {
            words[i / 8] |= UInt64(byte) << UInt64(8 * (i % 8))
        }
        return Model__TARGET__(last: Double(bitPattern: words[0]), sigma: Double(bitPattern: words[1]), history: [])
    }
}

final class Model__TARGET__: FittedModel {
    let last: Double, sigma: Double
    let history: [Double]
    init(last: Double, sigma: Double, history: [Double]) {
        self.last = last
        self.sigma = sigma
        self.history = history
    }

    func predict(_ request: ForecastRequest) throws -> Forecast {
        let h = request.horizon
        var forecast = Forecast(mean: Array(repeating: last, count: h))
        for level in request.levels {
            let z = Normal.quantile(0.5 + level / 200)
            let half = (0..<h).map { z * sigma * Double($0 + 1).squareRoot() }
            forecast.lo.append(half.map { last - $0 })
            forecast.hi.append(half.map { last + $0 })
        }
        return forecast
    }

    var modelDescription: String? { "__NAME__(sigma=\(sigma))" }

    /// The one-step naive forecast: the previous observation (none for the first).
    func fittedValues() throws -> [Double] { [.nan] + history.dropLast() }

    func save() throws -> [UInt8] {
        var bytes: [UInt8] = []
        for word in [last.bitPattern, sigma.bitPattern] {
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(8 * k))) }
        }
        return bytes
    }
}
"""#

    static let readme = #"""
# __NAME__: an fcast plugin in Swift

Written by `fcast plugin new __NAME__ --lang swift`. `Sources/__TARGET__/Plugin.swift` is a complete
algorithm (a naive forecast with intervals) to replace with your own, through FcastPluginKit:
a type conforming to `Algorithm` becomes the C table fcast loads, with save/load and fitted
values as optional parts (fcast's docs/plugins.md).

```
swift build -c release                      # .build/release/libfcast___NAME__.so
fcast plugin check .build/release/libfcast___NAME__.so   # must say PASSED
install -D .build/release/libfcast___NAME__.so ~/.local/lib/fcast/plugins/libfcast___NAME__.so
```

FcastPluginKit is not a package on the internet: Package.swift points at the copy installed with
fcast (`scripts/install PREFIX` puts it in PREFIX/share/fcast/fcast-plugin-kit), the path
written when this project was made; `FCAST_PLUGIN_KIT=/path/to/kit swift build` uses another.
Build with the same Swift toolchain as fcast: Swift has no stable ABI on Linux, and the plugin
binds to the Swift runtime fcast already loaded.

Use it without installing: `FCAST_PLUGIN_PATH=$PWD/.build/release fcast`, then
`forecast(data, models: [__NAME__()], horizon: 12)`.
"""#
}
