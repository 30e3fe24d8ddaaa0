import Foundation

/// Paths and process helpers shared by the test targets.
public enum TestSupport {
    /// The repository root (this file is Sources/FcastTestSupport/TestSupport.swift).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The build folder holding the test binary, `fcast` and the plugin libraries.
    public static let buildDir: URL = {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // On macOS the tests run inside an .xctest bundle.
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("fcast").path) { return dir }
        return repoRoot.appendingPathComponent(".build/debug")
    }()

    public static var fcastBinary: URL { buildDir.appendingPathComponent("fcast") }
    public static var naivePlugin: URL { buildDir.appendingPathComponent("libfcast_naive.so") }
    public static var pluginHeaderDir: URL { repoRoot.appendingPathComponent("Sources/CFcastPlugin/include") }
    public static func exampleData(_ name: String) -> URL { repoRoot.appendingPathComponent("examples/data/\(name)") }

    public static func temporaryDirectory() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcast-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    public struct ProcessResult {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs a program to completion, with optional standard input and extra environment.
    @discardableResult
    public static func run(_ executable: URL, _ arguments: [String], stdin: String? = nil,
                           environment: [String: String] = [:], directory: URL? = nil) throws -> ProcessResult {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        // Read both pipes while the process runs, so a full pipe cannot block it.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            outBox.data = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `fcast` with the given arguments.
    @discardableResult
    public static func fcast(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                             directory: URL? = nil) throws -> ProcessResult {
        try run(fcastBinary, arguments, stdin: stdin, environment: environment, directory: directory ?? repoRoot)
    }

    /// `fcast run script` started in the background from the repository root, with plugins
    /// from `pluginPath`: for tests that signal or kill it mid-run. Read the pipes after it exits.
    public static func startScript(_ script: URL, pluginPath: URL) throws -> (process: Process, stdout: Pipe, stderr: Pipe) {
        let p = Process()
        p.executableURL = fcastBinary
        p.arguments = ["run", script.path]
        p.currentDirectoryURL = repoRoot
        var env = ProcessInfo.processInfo.environment
        env["FCAST_PLUGIN_PATH"] = pluginPath.path
        p.environment = env
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = out
        try p.run()
        return (p, out, err)
    }

    /// What a process started by `startScript` wrote, read after it exited.
    public static func output(_ stdout: Pipe, _ stderr: Pipe) -> (stdout: String, stderr: String) {
        (String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
         String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// Compiles C source into a shared library `libfcast_<name>.so` in `dir` with the system C compiler,
    /// against the current fcast_plugin.h or the one in `headerDirectory` (an older ABI's frozen copy).
    public static func compileCPlugin(source: String, name: String, in dir: URL,
                                      headerDirectory: URL? = nil) throws -> URL {
        let src = dir.appendingPathComponent("\(name).c")
        try source.write(to: src, atomically: true, encoding: .utf8)
        let lib = dir.appendingPathComponent("libfcast_\(name).so")
        let r = try run(URL(fileURLWithPath: "/usr/bin/env"),
                        ["cc", "-shared", "-fPIC", "-O1", "-I", (headerDirectory ?? pluginHeaderDir).path, "-o", lib.path,
                         src.path, "-lm", "-lpthread"])
        guard r.status == 0 else {
            throw NSError(domain: "TestSupport", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: "cc failed: \(r.stderr)"])
        }
        return lib
    }

    /// Writes text to a file in `dir`.
    @discardableResult
    public static func write(_ text: String, to name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A plugin whose fit takes 20 ms, so that a grid runs long enough to interrupt.
    public static let slowPluginSource = """
        #include <unistd.h>
        #include "fcast_plugin.h"
        static int dummy;
        static fc_status configure(const fc_algorithm *s, const fc_param_value *v, size_t n, void **c, fc_error *e) {
            (void)s; (void)v; (void)n; (void)e; *c = &dummy; return FC_OK; }
        static void free_config(void *c) { (void)c; }
        static fc_status fit(const void *c, const fc_series *s, void **m, fc_error *e) {
            (void)c; (void)e; usleep(20000); *m = (void *)&s->y[s->n - 1]; return FC_OK; }
        static fc_status predict(const void *m, const fc_predict_request *r, fc_forecast *o, fc_error *e) {
            (void)e; for (size_t t = 0; t < r->h; t++) o->mean[t] = 0; (void)m; return FC_OK; }
        static void free_model(void *m) { (void)m; }
        static const fc_algorithm slow = { .struct_size = sizeof(fc_algorithm), .name = "slow", .summary = "sleeps",
            .capabilities = FC_CAP_THREAD_SAFE, .configure = configure, .free_config = free_config, .fit = fit,
            .predict = predict, .free_model = free_model };
        static const fc_algorithm *const algs[] = {&slow};
        static const fc_library lib = { sizeof(fc_library), FC_ABI_MAJOR, FC_ABI_MINOR, "slow", "1", "", 1, algs };
        const fc_library *fcast_plugin_entry(uint32_t a, uint32_t b, const fc_host *h) { (void)a; (void)b; (void)h; return &lib; }
        """
}
