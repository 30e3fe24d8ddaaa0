import ArgumentParser
import FcastPluginCheck
import FcastPluginScaffold
import FcastPlugins
import Foundation

/// `fcast plugin new|check`: the third-party plugin kit (docs/plugins.md).
struct Plugin: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write plugins: start a project (new), test a built library (check).",
        subcommands: [PluginNew.self, PluginCheck.self, PluginProbe.self])
}

extension Scaffold.Language: ExpressibleByArgument {}

struct PluginNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Start a plugin project (C with a Makefile, Swift with SwiftPM, Rust with Cargo) that builds against the installed fcast.")

    @ArgumentParser.Argument(help: "The plugin's name: the library becomes libfcast_<name>.so and the algorithm <name>.")
    var name: String

    @Option(name: .long, help: "c, swift or rust.")
    var lang: Scaffold.Language = .c

    @Option(name: .long, help: "The project's folder (default: ./<name>).")
    var dir: String?

    @Option(name: .long, help: "The Swift plugin kit's folder (default: PREFIX/share/fcast/fcast-plugin-kit of this fcast, or $FCAST_PLUGIN_KIT).")
    var kit: String?

    func run() throws {
        let exe = PluginRegistry.runningExecutable()
        let kitPath = kit ?? ProcessInfo.processInfo.environment["FCAST_PLUGIN_KIT"] ?? Scaffold.installedKit(executable: exe)
        let scaffold = Scaffold(name: name, language: lang,
                                kitPath: kitPath.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        let folder = URL(fileURLWithPath: dir ?? name).standardizedFileURL
        do {
            let files = try scaffold.write(to: folder)
            print("wrote \(files.count) files to \(folder.path): \(files.joined(separator: ", "))")
            let build = switch lang {
            case .c: "make && make check"
            case .swift: "swift build -c release && fcast plugin check .build/release/libfcast_\(name).so"
            case .rust: "cargo build --release && fcast plugin check target/release/libfcast_\(name).so"
            }
            print("next: cd \(folder.path) && \(build)")
        } catch {
            FileHandle.standardError.write(Data("fcast plugin new: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct PluginCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a plugin library against the ABI's rules, each check in a separate process; exits 1 on a failure.",
        discussion: "Checks: \(Checks.all.joined(separator: ", ")). A crash or a hang fails the check that caused it.")

    @ArgumentParser.Argument(help: "The plugin library, libfcast_<name>.so.")
    var library: String

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: "Seconds a check may take before it counts as hung (memory, threads, long-series and cancellation get 4x).")
    var timeout: Double = 30

    @Option(name: .long, help: "Only this algorithm of the library; repeat for several.")
    var algorithm: [String] = []

    @Option(name: .long, help: "Only these checks, comma-separated.")
    var checks: String?

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
        guard FileManager.default.fileExists(atPath: library) else { throw ValidationError("\(library): no such file") }
        if let checks {
            for c in checks.split(separator: ",") where !Checks.all.contains(String(c)) {
                throw ValidationError("unknown check '\(c)'; the checks are \(Checks.all.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        guard let exe = PluginRegistry.runningExecutable() else { throw ValidationError("cannot find the fcast executable to run probes") }
        var checker = Checker(executable: exe)
        checker.timeout = timeout
        if let checks { checker.checks = checks.split(separator: ",").map(String.init) }
        if !algorithm.isEmpty { checker.algorithms = algorithm }
        let report = checker.check(library: library)
        print(json ? report.json() : report.table())
        if !report.passed { throw ExitCode(1) }
    }
}

/// The child process of `plugin check`: runs checks in-process and reports them as JSON lines.
struct PluginProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Run conformance checks in this process (internal, for plugin check).",
        shouldDisplay: false)

    @ArgumentParser.Argument(help: "The library.")
    var library: String
    @ArgumentParser.Argument(help: "The algorithm, then the checks.")
    var rest: [String] = []

    func run() throws {
        let status = rest.isEmpty ? Probe.describe(library: library)
            : Probe.run(library: library, algorithm: rest[0], checks: Array(rest.dropFirst()))
        if status != 0 { throw ExitCode(status) }
    }
}
