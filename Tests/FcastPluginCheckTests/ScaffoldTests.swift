import FcastPluginScaffold
import FcastTestSupport
import Foundation
import XCTest

/// `scripts/install` into a fresh prefix, then `fcast plugin new` projects built the way
/// their READMEs say, against the installed header and kit only, checked with the installed
/// `fcast plugin check`, and used in a grid.
final class ScaffoldTests: XCTestCase {
    /// One installation for the class: scripts/install PREFIX --from the test build.
    static let prefix: URL = {
        let prefix = TestSupport.temporaryDirectory().appendingPathComponent("prefix")
        let r = try! TestSupport.run(TestSupport.repoRoot.appendingPathComponent("scripts/install"),
                                     [prefix.path, "--from", TestSupport.buildDir.path])
        precondition(r.status == 0, "scripts/install failed: \(r.stderr)")
        return prefix
    }()
    var fcast: URL { Self.prefix.appendingPathComponent("bin/fcast") }
    var env: [String: String] { ["PKG_CONFIG_PATH": Self.prefix.appendingPathComponent("lib/pkgconfig").path] }

    func sh(_ command: String, in dir: URL, environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: env.merging(environment) { $1 },
                            directory: dir)
    }

    func testInstallLaysOutBinaryPluginsHeaderPkgConfigAndKit() throws {
        let fm = FileManager.default
        for path in ["bin/fcast", "lib/fcast/plugins/libfcast_naive.so", "lib/fcast/plugins/libfcast_arima.so",
                     "include/fcast/fcast_plugin.h", "lib/pkgconfig/fcast-plugin.pc",
                     "share/fcast/fcast-plugin-kit/Package.swift",
                     "share/fcast/fcast-plugin-kit/Sources/FcastPluginKit/Export.swift"] {
            XCTAssertTrue(fm.fileExists(atPath: Self.prefix.appendingPathComponent(path).path), path)
        }
        let cflags = try sh("pkg-config --modversion fcast-plugin && pkg-config --cflags fcast-plugin", in: Self.prefix)
        XCTAssertEqual(cflags.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) },
                       ["1.1", "-I\(Self.prefix.path)/include/fcast"], cflags.stderr)
        // The installed binary finds the installed plugins (PREFIX/lib/fcast/plugins).
        let plugins = try TestSupport.run(fcast, ["plugins"], environment: ["FCAST_PLUGIN_PATH": ""])
        XCTAssertTrue(plugins.stdout.contains("auto_arima"), plugins.stdout)
    }

    func testNewRefusesABadNameAndAFullFolder() throws {
        XCTAssertThrowsError(try Scaffold(name: "My-Plugin", language: .c).files())
        let dir = TestSupport.temporaryDirectory()
        let r = try TestSupport.run(fcast, ["plugin", "new", "x", "--dir", TestSupport.repoRoot.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("already exists and is not empty"), r.stderr)
        let swift = try TestSupport.run(fcast, ["plugin", "new", "x", "--lang", "swift", "--dir", dir.appendingPathComponent("x").path,
                                                "--kit", "/nonexistent"])
        XCTAssertEqual(swift.status, 1)
        XCTAssertTrue(swift.stderr.contains("no Swift plugin kit at /nonexistent"), swift.stderr)
    }

    /// The plugin's forecasts inside a script run by the installed fcast.
    func useInGrid(pluginFolder: URL, name: String) throws -> String {
        let script = """
            v = load("\(TestSupport.exampleData("visnights.csv").path)")
            res = run(grid(\(name)(), \(name)(scale: 2), naive()), v, horizon: 4, level: [80])
            res
            """
        let r = try TestSupport.run(fcast, ["run", TestSupport.write(script, to: "use.fc", in: TestSupport.temporaryDirectory()).path],
                                    environment: ["FCAST_PLUGIN_PATH": pluginFolder.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        return r.stdout
    }

    func testCProjectBuildsAgainstTheInstalledHeaderAndPassesCheck() throws {
        let dir = TestSupport.temporaryDirectory().appendingPathComponent("tidy")
        let new = try TestSupport.run(fcast, ["plugin", "new", "tidy", "--lang", "c", "--dir", dir.path])
        XCTAssertEqual(new.status, 0, new.stderr)
        let make = try sh("make", in: dir)
        XCTAssertEqual(make.status, 0, make.stdout + make.stderr)
        XCTAssertTrue(make.stdout.contains("-I\(Self.prefix.path)/include/fcast"), make.stdout)
        let check = try sh("make check FCAST=\(fcast.path)", in: dir)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("PASSED: 19 passed, 0 failed, 1 skipped"), check.stdout)   // forward: no extension
        let out = try useInGrid(pluginFolder: dir, name: "tidy")
        XCTAssertTrue(out.contains("tidy"), out)
    }

    func testRustProjectBuildsOfflineAndPassesCheck() throws {
        guard (try? sh("command -v cargo", in: Self.prefix))?.status == 0 else { throw XCTSkip("no cargo on this machine") }
        let dir = TestSupport.temporaryDirectory().appendingPathComponent("rusty")
        XCTAssertEqual(try TestSupport.run(fcast, ["plugin", "new", "rusty", "--lang", "rust", "--dir", dir.path]).status, 0)
        let build = try sh("cargo build --release --offline", in: dir)
        XCTAssertEqual(build.status, 0, build.stderr)
        let check = try TestSupport.run(fcast, ["plugin", "check", dir.appendingPathComponent("target/release/libfcast_rusty.so").path])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        _ = try useInGrid(pluginFolder: dir.appendingPathComponent("target/release"), name: "rusty")
    }

    func testSwiftProjectBuildsAgainstTheInstalledKitAndPassesCheck() throws {
        let dir = TestSupport.temporaryDirectory().appendingPathComponent("swifty")
        let new = try TestSupport.run(fcast, ["plugin", "new", "swifty", "--lang", "swift", "--dir", dir.path])
        XCTAssertEqual(new.status, 0, new.stderr)
        let manifest = try String(contentsOf: dir.appendingPathComponent("Package.swift"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"\(Self.prefix.path)/share/fcast/fcast-plugin-kit\""), manifest)
        let build = try sh("swift build", in: dir)
        XCTAssertEqual(build.status, 0, build.stdout + build.stderr)
        let lib = dir.appendingPathComponent(".build/debug/libfcast_swifty.so")
        let check = try TestSupport.run(fcast, ["plugin", "check", lib.path])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        _ = try useInGrid(pluginFolder: dir.appendingPathComponent(".build/debug"), name: "swifty")
    }
}
