// swift-tools-version:6.0
import PackageDescription

// Dependencies flow one way:
//   fcast -> FcastLang -> {FcastPlot, FcastExec} -> FcastPlugins, FcastCore
//   fcast -> FcastServe -> {FcastStore, FcastExec} (Hummingbird stays out of FcastLang)
//   FcastPlugins -> FcastABI -> CFcastPlugin;  plugins -> FcastPluginKit -> FcastABI -> CFcastPlugin
// Plugins never link the host: the C header is their only contract with it.
let package = Package(
    name: "fcast",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fcast", targets: ["fcast"]),
        // Each built-in algorithm library is a plugin, loaded with dlopen at run time.
        .library(name: "fcast_naive", type: .dynamic, targets: ["NaivePlugin"]),
        .library(name: "fcast_arima", type: .dynamic, targets: ["ArimaPlugin"]),
        .library(name: "fcast_prophet", type: .dynamic, targets: ["ProphetPlugin"]),
        .library(name: "fcast_theta", type: .dynamic, targets: ["ThetaPlugin"]),
        .library(name: "fcast_ets", type: .dynamic, targets: ["EtsPlugin"]),
        .library(name: "fcast_global", type: .dynamic, targets: ["GlobalPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SQLite for the model store (WAL, migrations).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // HTTP serving of a model store (fcast serve).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(name: "CFcastPlugin", path: "Sources/CFcastPlugin"),
        // FcastCore uses one header-only function of the ABI: fc_default_season.
        .target(name: "FcastCore", dependencies: ["CFcastPlugin"], path: "Sources/FcastCore"),
        // What to run, as plain data: models, horizon, levels, seed, tasks; canonical JSON and hash.
        .target(name: "FcastPlan", dependencies: ["CCrypto"]),
        // OpenSSL's libcrypto for SHA-256 (Debian's libssl-dev).
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // The Swift side of the ABI that host and kit share: Capabilities, struct_size reading.
        .target(name: "FcastABI", dependencies: ["CFcastPlugin"]),
        .target(name: "FcastPlugins", dependencies: ["CFcastPlugin", "FcastABI", "FcastPlan"]),
        // Signal handlers that say which task crashed the process on the threads executor.
        .target(name: "CCrashReport"),
        .target(name: "FcastExec", dependencies: ["FcastCore", "FcastPlan", "FcastPlugins", "CCrashReport"]),
        // Versions of stored models in SQLite: what a run chose, forecast later without refitting.
        .target(name: "FcastStore", dependencies: ["FcastCore", "FcastPlan", "FcastPlugins", "FcastExec",
                                                   .product(name: "GRDB", package: "GRDB.swift")]),
        // A model store served over HTTP (fcast serve): models loaded once, forecasts per request.
        .target(name: "FcastServe", dependencies: ["FcastStore", "FcastExec", "FcastPlugins", "FcastPlan", "FcastCore",
                                                   .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "NIOCore", package: "swift-nio"),
                                                   .product(name: "NIOPosix", package: "swift-nio"),
                                                   .product(name: "Logging", package: "swift-log")]),
        // Raw events to series: the streaming event CSV reader, aggregation per key and period,
        // Parquet through DuckDB's CLI, the synthetic trips generator.
        .target(name: "FcastEvents", dependencies: ["FcastCore"]),
        .target(name: "FcastPlot", dependencies: ["FcastCore", "FcastPlan", "FcastExec", "FcastPlugins"]),
        .target(name: "FcastLang", dependencies: ["FcastCore", "FcastEvents", "FcastPlan", "FcastPlugins", "FcastExec", "FcastPlot", "FcastStore"]),
        .systemLibrary(name: "CEditline", path: "Sources/CEditline", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .target(name: "FcastREPL", dependencies: ["FcastLang", "FcastPlugins", "FcastCore", "CEditline"]),
        .executableTarget(
            name: "fcast",
            dependencies: [
                "FcastREPL", "FcastLang", "FcastExec", "FcastEvents", "FcastPlugins", "FcastCore", "FcastServe", "FcastStore",
                "FcastPluginCheck", "FcastPluginScaffold",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // fcast plugin check: conformance checks of a plugin library, run in probe processes.
        .target(name: "FcastPluginCheck", dependencies: ["CFcastPlugin", "FcastABI", "FcastPlan", "FcastPlugins"]),
        // fcast plugin new: standalone plugin projects in C, Swift and Rust.
        .target(name: "FcastPluginScaffold"),
        // What a Swift plugin author links.
        .target(name: "FcastPluginKit", dependencies: ["CFcastPlugin", "FcastABI"]),
        .target(name: "NaivePlugin", dependencies: ["FcastPluginKit"], path: "plugins/naive"),
        // NLopt, for the model plugins' optimisers (Debian's libnlopt-dev).
        .systemLibrary(name: "CNLopt", path: "Sources/CNLopt", pkgConfig: "nlopt", providers: [.apt(["libnlopt-dev"])]),
        .target(name: "ArimaModel", dependencies: ["CNLopt", "PluginNumerics"], path: "plugins/arima/Model", exclude: ["README.md"]),
        .target(name: "ArimaPlugin", dependencies: ["ArimaModel", "PluginNumerics", "PluginTransforms", "FcastPluginKit"], path: "plugins/arima/Plugin"),
        // A development tool for the ARIMA numerics (traces of the search, differencing decisions).
        .executableTarget(name: "arima-bench", dependencies: ["ArimaModel", "FcastCore"], path: "bench/arima",
                          exclude: ["README.md", "r_differences_and_models.R"],
                          sources: ["ArimaBench.swift"]),
        .target(name: "ProphetModel", dependencies: ["CNLopt", "PluginNumerics"], path: "plugins/prophet/Model"),
        .target(name: "ProphetPlugin", dependencies: ["ProphetModel", "FcastPluginKit"], path: "plugins/prophet/Plugin"),
        .target(name: "ThetaModel", dependencies: ["CNLopt", "PluginNumerics"], path: "plugins/theta/Model"),
        // What the model plugins share: the seeded generator of their simulated intervals, the
        // interpolation of missing values.
        .target(name: "PluginNumerics", path: "plugins/shared"),
        // The plugins' `lambda:` parameter (Box-Cox) over the kit and PluginNumerics.
        .target(name: "PluginTransforms", dependencies: ["PluginNumerics", "FcastPluginKit"], path: "plugins/transforms"),
        .target(name: "ThetaPlugin", dependencies: ["ThetaModel", "PluginNumerics", "FcastPluginKit"], path: "plugins/theta/Plugin"),
        .target(name: "EtsModel", dependencies: ["CNLopt", "PluginNumerics"], path: "plugins/ets/Model"),
        // A development tool for the ETS numerics (profiling, accuracy on a long CSV).
        .executableTarget(name: "ets-bench", dependencies: ["EtsModel", "FcastCore"], path: "bench/ets",
                          exclude: ["statsforecast_reference.py"], sources: ["EtsBench.swift"]),
        .target(name: "EtsPlugin", dependencies: ["EtsModel", "PluginNumerics", "PluginTransforms", "FcastPluginKit"], path: "plugins/ets/Plugin"),
        // XGBoost's C API for the global model (Debian's libxgboost-dev).
        .systemLibrary(name: "CXGBoost", path: "Sources/CXGBoost", pkgConfig: "xgboost", providers: [.apt(["libxgboost-dev"])]),
        .target(name: "GlobalModel", dependencies: ["CXGBoost"], path: "plugins/global/Model"),
        .target(name: "GlobalPlugin", dependencies: ["GlobalModel", "FcastPluginKit"], path: "plugins/global/Plugin"),

        // Paths, processes and C-plugin compilation for the tests.
        .target(name: "CPseudoTerminal"),
        .target(name: "FcastTestSupport", dependencies: ["CPseudoTerminal", "FcastCore", "FcastPlugins"]),

        .testTarget(name: "FcastCoreTests", dependencies: ["FcastCore"]),
        .testTarget(name: "FcastEventsTests", dependencies: ["FcastEvents", "FcastCore", "FcastTestSupport"]),
        .testTarget(name: "FcastExecTests", dependencies: ["FcastExec", "FcastPlan", "FcastPlugins", "FcastCore", "FcastTestSupport"]),
        .testTarget(name: "FcastStoreTests", dependencies: ["FcastStore", "FcastExec", "FcastPlan", "FcastPlugins", "FcastCore",
                                                            "FcastTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "FcastServeTests", dependencies: ["FcastServe", "FcastStore", "FcastExec", "FcastPlan", "FcastPlugins",
                                                            "FcastCore", "FcastTestSupport",
                                                            .product(name: "Hummingbird", package: "hummingbird"),
                                                            .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                            .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "FcastLangTests", dependencies: ["FcastLang", "FcastTestSupport"], exclude: ["fuzz-corpus"]),
        .testTarget(
            name: "FcastPluginsTests",
            dependencies: ["FcastPlugins", "FcastABI", "FcastExec", "FcastCore", "CFcastPlugin", "FcastTestSupport"],
            // A frozen copy of the ABI 1.0 header, for C plugins built against it; not a source.
            exclude: ["abi-1.0"]),
        .testTarget(name: "FcastREPLTests", dependencies: ["FcastREPL", "FcastLang", "FcastPlugins", "FcastTestSupport"]),
        .testTarget(name: "FcastPlotTests", dependencies: ["FcastPlot", "FcastCore", "FcastExec", "FcastTestSupport"]),
        .testTarget(name: "FcastPluginCheckTests", dependencies: ["FcastPluginScaffold", "FcastTestSupport"]),
        .testTarget(name: "FcastPluginKitTests", dependencies: ["FcastPluginKit", "CFcastPlugin"]),
        .testTarget(name: "NaivePluginTests", dependencies: ["NaivePlugin", "FcastPluginKit"]),
        .testTarget(name: "ArimaTests", dependencies: ["ArimaModel"]),
        .testTarget(name: "ThetaTests", dependencies: ["ThetaModel", "ThetaPlugin", "FcastPluginKit"]),
        .testTarget(name: "EtsTests", dependencies: ["EtsModel", "EtsPlugin", "FcastPluginKit", "PluginNumerics"]),
        .testTarget(name: "ProphetTests", dependencies: ["ProphetModel", "ProphetPlugin", "FcastPluginKit"]),
        .testTarget(name: "GlobalTests", dependencies: ["GlobalModel", "GlobalPlugin", "FcastPluginKit", "FcastCore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FcastCore", "FcastTestSupport"]),
        // Scripts run through the binary, their output compared with golden files beside them.
        .testTarget(name: "GoldenTests", dependencies: ["FcastTestSupport"], exclude: ["scripts"]),
    ]
)
