import FcastTestSupport
import Foundation
import XCTest

/// Where fcast looks for plugin libraries when started as a user would: from PATH, through a
/// symlink, in a folder holding a stray plugin. The working directory must never be searched.
final class PluginSearchPathTests: XCTestCase {
    /// A plugin that leaves a mark in the working directory the moment it is loaded.
    static let strayPluginSource = TestSupport.slowPluginSource + """

        #include <stdio.h>
        __attribute__((constructor)) static void mark(void) {
            FILE *f = fopen("STRAY_PLUGIN_WAS_LOADED", "w"); if (f) fclose(f); }
        """

    func testOnPathThroughASymlinkFindsTheBuiltInsAndNeverLoadsFromTheWorkingDirectory() throws {
        let root = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let bin = root.appendingPathComponent("bin"), scratch = root.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("fcast"), withDestinationURL: TestSupport.fcastBinary)
        _ = try TestSupport.compileCPlugin(source: Self.strayPluginSource, name: "stray", in: scratch)

        let r = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["fcast", "plugins"],
                                    environment: ["PATH": bin.path + ":/usr/bin:/bin", "FCAST_PLUGIN_PATH": "", "HOME": root.path],
                                    directory: scratch)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("auto_arima"), r.stdout)
        XCTAssertTrue(r.stdout.contains("library: " + TestSupport.buildDir.resolvingSymlinksInPath().path), r.stdout)
        XCTAssertFalse(r.stdout.contains("slow"), "the stray library in the working directory was listed:\n\(r.stdout)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("STRAY_PLUGIN_WAS_LOADED").path),
                       "the stray library in the working directory was loaded")
    }

    func testWithNoPluginsItSaysWhereItLookedAndWhyAnAlgorithmIsUnknown() throws {
        let root = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let bin = root.appendingPathComponent("bin"), scratch = root.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // A copy of the binary alone: no plugin libraries beside it.
        let lone = bin.appendingPathComponent("fcast")
        do { try FileManager.default.linkItem(at: TestSupport.fcastBinary, to: lone) }
        catch { try FileManager.default.copyItem(at: TestSupport.fcastBinary, to: lone) }
        _ = try TestSupport.compileCPlugin(source: Self.strayPluginSource, name: "stray", in: scratch)
        let env = ["PATH": bin.path + ":/usr/bin:/bin", "FCAST_PLUGIN_PATH": "", "HOME": root.path]

        let listed = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["fcast", "plugins"], environment: env, directory: scratch)
        XCTAssertTrue(listed.stdout.contains("no plugins found; searched: \(bin.path), \(root.path)/lib/fcast/plugins, \(root.path)/.local/lib/fcast/plugins"),
                      listed.stdout)
        XCTAssertFalse(listed.stdout.contains(scratch.path), listed.stdout)

        let r = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["fcast"], stdin: "naive()\n", environment: env, directory: scratch)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("unknown name 'naive'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("no algorithm plugins are loaded"), r.stderr)
        XCTAssertTrue(r.stderr.contains("FCAST_PLUGIN_PATH"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("STRAY_PLUGIN_WAS_LOADED").path))
    }
}
