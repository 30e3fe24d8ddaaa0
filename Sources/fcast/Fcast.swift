import ArgumentParser
import FcastExec
import FcastLang
import FcastREPL
import FcastPlugins
import FcastServe
import FcastStore
import Foundation

@main
struct Fcast: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fcast",
        abstract: "Forecast many time series at once: a small forecasting language, parallel model grids, algorithms as plugins.",
        discussion: """
            With no subcommand, fcast reads statements from standard input (a REPL at a terminal).
            Plugins are found in $FCAST_PLUGIN_PATH, the real executable's folder, PREFIX/lib/fcast/plugins and ~/.local/lib/fcast/plugins (never the working directory).
            """,
        version: "fcast \(FcastVersion.string) (plugin ABI \(FcastVersion.abi))",
        subcommands: [Run.self, Predict.self, Serve.self, Plugins.self, Plugin.self, Gen.self, Repl.self, Worker.self],
        defaultSubcommand: Repl.self)

    static func main() {
        // libgomp (under libxgboost, the global plugin) reads this when the plugin is loaded: one
        // OpenMP thread per calling thread, since the executor runs fits in parallel itself (a
        // default team per executor thread crashed libgomp in testing). A user's value stands.
        setenv("OMP_NUM_THREADS", "1", 0)
        // Runs on the processes executor start workers from this very binary.
        ProcessExecutor.defaultExecutable = ProcessExecutor.runningExecutable()
        // A plugin that crashes a threads run: say which task it was running.
        CrashReport.install()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
            exitSkippingDestructors(0)
        } catch let code as ExitCode {
            exitSkippingDestructors(code.rawValue)
        } catch {
            exit(withError: error)   // help, version and usage errors: nothing has run yet
        }
    }

    /// Ends the process once its output is flushed, without running C++ static destructors:
    /// threads of a run may still be releasing fitted models inside a plugin (an XGBoost
    /// booster freed by an executor thread) while exit() tears down that library's statics,
    /// which crashed one loaded run at exit. Everything fcast keeps is already written: store
    /// and journal writes are committed transactions, reports and CSVs are closed files.
    static func exitSkippingDestructors(_ code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}

/// Loads every plugin on the search path, reporting those that fail on stderr.
func loadPlugins(quiet: Bool = false) -> PluginRegistry {
    let registry = PluginRegistry()
    let env = ProcessInfo.processInfo.environment
    let explicit = Set((env["FCAST_PLUGIN_PATH"] ?? "").split(separator: ":").map(String.init))
    registry.discover(searchPath: PluginRegistry.defaultSearchPath(), explicit: explicit)
    if !quiet {
        for f in registry.failures { FileHandle.standardError.write(Data("fcast: warning: plugin \(f)\n".utf8)) }
    }
    return registry
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a script (.fc), cell by cell.")

    @ArgumentParser.Argument(help: "The script to run.")
    var file: String

    @Option(name: .long, help: "Worker threads for runs that do not set workers: (default: all cores).")
    var workers: Int?

    @Option(name: .long, help: ArgumentHelp("Also write a Markdown report: each cell's source, output and plots (plots without to: go to PNG files beside it).", valueName: "report.md"))
    var report: String?

    @Option(name: .long, help: ArgumentHelp("Record every finished task of the script's runs in this SQLite file; the same command again resumes from it.", valueName: "runs/x.db"))
    var journal: String?

    @Option(name: .long, help: ArgumentHelp("Where runs that do not name an executor run: threads, processes, ray://local, ray://host:port (a Ray cluster; docs/cluster.md).", valueName: "executor"))
    var executor: String?

    func run() throws {
        let registry = loadPlugins()
        let text: String
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        do {
            text = try LanguageLimits.decodeScript([UInt8](bytes), name: file)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        }
        let interp = Interpreter(registry: registry, host: servingHost(registry))
        if let workers { interp.defaultWorkers = workers }
        interp.execution.journal = journal
        interp.execution.executor = executor
        let report = self.report.map { Report(path: $0, scriptName: file) }
        defer { if let report { FileHandle.standardError.write(Data("report: \(report.path)\n".utf8)) } }
        try runToCompletion(Source(name: file, text: text), in: interp, report: report)
    }
}

/// Runs a script with Ctrl-C stopping its runs; the exit status says how it ended (1 after an
/// error, 130 after an interrupt).
func runToCompletion(_ source: Source, in interp: Interpreter, report: Report? = nil) throws {
    Interrupt.target = interp.interrupt
    Interrupts.install()
    switch ScriptRunner(interpreter: interp).run(source, report: report) {
    case .completed: return
    case .failed: throw ExitCode(1)
    case .interrupted: throw ExitCode(130)
    }
}

/// Ctrl-C: the first asks running fits to stop (the tasks in flight finish, finished tasks
/// are kept and the script stops at the next statement); a second stops at once, still
/// keeping and printing what finished; a third ends the process.
enum Interrupts {
    static func install() {
        // SIGTERM (a scheduler stopping the job) is a Ctrl-C: finished tasks are kept.
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { sig in
                guard let token = Interrupt.target, token.escalate() else {
                    signal(sig, SIG_DFL)
                    raise(sig)
                    return
                }
            }
        }
    }
}

struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the loaded algorithms with their parameters and capabilities.")

    func run() throws {
        let registry = loadPlugins(quiet: true)
        print(PluginListing.render(registry))
    }
}

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read statements interactively (the default).")

    func run() throws {
        let registry = loadPlugins()
        let interp = Interpreter(registry: registry, host: servingHost(registry))
        if !ReplSession.start(interpreter: interp) { throw ExitCode(1) }
    }
}

/// `fcast predict STORE --horizon H --out F.csv`: forecasts from a model store's newest
/// version without refitting, as `write(predict(open(STORE), horizon: H), F)` does.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast from a model store (written by save()) without refitting, into a CSV file.")

    @ArgumentParser.Argument(help: "The model store, e.g. models/x.db.")
    var store: String

    @Option(name: .long, help: "Steps to forecast.")
    var horizon: Int

    @Option(name: .long, help: "An interval level in percent; repeat for several (default: the stored run's).")
    var level: [Double] = []

    @Option(name: .long, help: "Comma-separated series ids (default: every stored series).")
    var ids: String?

    @Option(name: .long, help: "The CSV file to write: unique_id,ds,model,yhat,lo<L>,hi<L>.")
    var out: String

    @Option(name: .long, help: "A CSV file of the regressors' future values (unique_id, ds and the stored regressor columns), for stored models that use regressors.")
    var future: String?

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var workers: Int?

    func validate() throws {
        guard horizon >= 1 else { throw ValidationError("--horizon must be at least 1, got \(horizon)") }
        for l in level where !(l > 0 && l < 100) {
            throw ValidationError("--level is a percentage between 0 and 100, got \(l)")
        }
    }

    func run() throws {
        let interp = Interpreter(registry: loadPlugins(), host: SystemHost())
        if let workers { interp.defaultWorkers = workers }
        // Values are bound, not spliced into the text, so no path needs quoting.
        interp.bind("store_path", .string(store))
        interp.bind("out_path", .string(out))
        var args = "horizon: \(horizon)"
        if !level.isEmpty {
            interp.bind("levels", .list(level.map { .number($0) }))
            args += ", level: levels"
        }
        if let ids {
            interp.bind("ids", .list(ids.split(separator: ",").map { .string(String($0).trimmingCharacters(in: .whitespaces)) }))
            args += ", ids: ids"
        }
        if let future {
            // The future file's columns are the store's regressors.
            let names = (try? SQLiteModelStore(path: store, readOnly: true).latest()?.data.regressorNames) ?? nil
            interp.bind("future_path", .string(future))
            interp.bind("future_regressors", .list((names ?? []).map { .string($0) }))
            args += ", future: load(future_path, regressors: future_regressors)"
        }
        let source = Source(name: "fcast predict", text: "write(predict(open(store_path), \(args)), out_path)\n")
        try runToCompletion(source, in: interp)
    }
}

/// `fcast serve STORE`: the store's newest version over HTTP (FcastServe), until SIGTERM or
/// SIGINT; a newer version saved by another process is picked up without a restart.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model store's forecasts over HTTP (GET /v1/health, /v1/series, POST /v1/forecast, /v1/openapi.json).")

    @ArgumentParser.Argument(help: "The model store, e.g. models/x.db.")
    var store: String

    @Option(name: .long, help: "The port to listen on (0: any free one).")
    var port: Int = 8080

    @Option(name: .long, help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "The largest horizon a request may ask for.")
    var maxHorizon: Int = 1000

    @Option(name: .long, help: "The largest request body, in bytes.")
    var maxBody: Int = 1 << 20

    @Option(name: .long, help: "Threads that serve requests and load models (default: all cores).")
    var workers: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        guard maxHorizon >= 1 else { throw ValidationError("--max-horizon must be at least 1, got \(maxHorizon)") }
        guard maxBody >= 64 else { throw ValidationError("--max-body must be at least 64 bytes, got \(maxBody)") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1, got \(workers)") }
    }

    func run() throws {
        var options = ServeOptions()
        options.host = host
        options.port = port
        options.maxHorizon = maxHorizon
        options.maxBody = maxBody
        options.workers = workers
        let server: ModelServer
        do {
            server = try ModelServer(path: store, registry: loadPlugins(), options: options)
        } catch {
            FileHandle.standardError.write(Data("fcast serve: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // The server is async; this command waits for it on the main thread.
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            FileHandle.standardError.write(Data("fcast serve: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The host of scripts and the REPL, with `serve()`: a model server (FcastServe) started in
/// the background of this process, answering until it exits. The language reaches it only
/// through this closure, so FcastLang never links Hummingbird.
func servingHost(_ registry: PluginRegistry) -> SystemHost {
    let host = SystemHost()
    host.serve = { path, port in
        var options = ServeOptions()
        options.port = port
        let server = try ModelServer(path: path, registry: registry, options: options)
        final class Started: @unchecked Sendable {
            var url: String?
            var error: (any Error)?
        }
        let started = Started()
        let ready = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await server.run(handleSignals: false) { line in
                    started.url = line.range(of: "http://").map { String(line[$0.lowerBound...]) } ?? line
                    ready.signal()
                }
            } catch {
                started.error = error
                ready.signal()
            }
        }
        ready.wait()
        if let error = started.error { throw error }
        return started.url ?? ""
    }
    return host
}

/// `fcast worker`: a worker process of the processes executor, started by fcast itself.
/// It speaks the binary protocol of FcastExec's WorkerProtocol on stdin and stdout.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve tasks for a parent fcast's processes executor over stdin/stdout (internal).",
        shouldDisplay: false)

    @Flag(name: .long, help: "Run the tasks in child workers of this one, each task isolated (the Ray executor's workers).")
    var supervise = false
    @Option(name: .long, help: "With --supervise: seconds a task may run before its child is killed.")
    var timeout: Double?
    @Option(name: .long, help: "With --supervise: tries again of a task whose child died.")
    var retries: Int = 0
    @Option(name: .long, help: "With --supervise: each child's address-space cap in bytes.")
    var memory: Int?

    func run() throws {
        let status = supervise
            ? FcastExec.Worker.supervise(timeout: timeout, retries: max(0, retries), memory: memory)
            : FcastExec.Worker.main()
        if status != 0 { throw ExitCode(status) }
    }
}
