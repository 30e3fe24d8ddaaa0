import FcastCore
import FcastExec
import FcastPlot
import FcastPlugins
import FcastStore
import Foundation

/// Everything the language does to the world, as Lua and Wren reach it through their
/// embedder: files, runs of models, plots. The builtins keep the language's side (argument
/// checks, diagnostics, what is printed); the host does the effects. The interpreter itself
/// opens no file and starts no process: `SystemHost` is the real one (the fcast executable,
/// the REPL), `InMemoryHost` a double with files in a dictionary (tests, embedders).
public protocol LanguageHost: AnyObject {
    /// The data set in a long-format CSV file. The host says what `path` means (`~/`,
    /// relative paths); its errors name the path, and the file, line and column of a bad row.
    func loadData(path: String, options: LongCSVOptions) throws -> Panel

    /// Writes a table as CSV to `path`, draining `table.rows` as it goes: the rows are made
    /// lazily, so a large table is never held in memory as a whole.
    func writeCSV(_ table: CSVTable, to path: String) throws

    /// Runs a job's tasks on the executor named `executor` with `workers` workers (0: the
    /// host's default) and gathers the result; cancelling `cancel` stops handing out tasks.
    /// An executor the host does not have is an `UnknownExecutor` error.
    func run(_ job: Job, executor: String, workers: Int, cancel: CancelToken,
             progress: ProgressOutput) throws -> RunResult

    /// Runs a job with `settings`: the driver, its isolation settings, the journal
    /// (ExecutionOptions.swift has a default that runs the driver by name only).
    func run(_ job: Job, settings: ExecutionSettings, cancel: CancelToken, progress: ProgressOutput) throws -> RunResult

    /// Runs some of a job's tasks (a store's models) on the host's own pool, quietly.
    func run(_ job: Job, tasks: [Int], workers: Int, cancel: CancelToken) throws -> RunResult

    /// The model store at `path`: an SQLite file on disk; `writable` to save into it
    /// (created if missing), else opened read-only.
    func openStore(path: String, writable: Bool) throws -> any ModelStore

    /// Forecasts `horizon` steps at `levels` from a run's fitted models (only `tasks`, when
    /// given), as `RunResult.predict` does, on the host's executor.
    func predict(_ run: RunResult, horizon: Int, levels: [Double], tasks: [Int]?, workers: Int,
                 cancel: CancelToken, future: Panel?) throws -> RunResult

    /// Where plots without `to:` are drawn: text of a size, or sixel graphics.
    var plotTerminal: PlotTerminal { get }

    /// Draws plot jobs: image files at their (resolved) paths, and the terminal jobs' output
    /// (text or sixel) returned in job order.
    func renderPlots(_ jobs: [PlotJob]) throws(PlotError) -> Data

    /// A path as the script wrote it made into the one the host's files use: what plots
    /// name in messages and reports.
    func resolvePath(_ path: String) -> String
}

/// A table for `write`: the header, the rows made on demand, and how many there are.
public struct CSVTable {
    public var header: [String]
    public var rows: AnySequence<[String]>
    public var rowCount: Int

    public init(header: [String], rows: AnySequence<[String]>, rowCount: Int) {
        self.header = header
        self.rows = rows
        self.rowCount = rowCount
    }

    /// A table whose rows are already made.
    public init(header: [String], rows: [[String]]) {
        self.init(header: header, rows: AnySequence(rows), rowCount: rows.count)
    }

    /// The CSV text (for small tables: it is built in memory).
    public var text: String { CSVWriter.text(header: header, rows: rows) }
}

/// `run(..., executor: name)` with a name the host does not know; the message lists those
/// it does.
public struct UnknownExecutor: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
    public init(name: String, known: [String]) {
        description = "unknown executor '\(name)'; executors: \(known.map { "\"\($0)\"" }.joined(separator: ", "))"
    }
}

// MARK: - The real host

/// The host of the fcast executable and the REPL: files on disk (written to a temporary
/// name, then renamed), runs on FcastExec's executors, plots through gnuplot processes, the
/// terminal and gnuplot found from the process environment.
public final class SystemHost: LanguageHost {
    /// The environment consulted for gnuplot (`FCAST_GNUPLOT`, `PATH`), the terminal's size
    /// and sixel support, and `FCAST_PLOT_SCRIPT`.
    public var environment: [String: String]
    /// The terminal for plots without `to:`; nil: from the environment and standard output.
    public var terminal: PlotTerminal?
    /// Gnuplot processes for large batches of files.
    public var plotProcesses: Int
    /// Starts an HTTP server for a model store (path, port) in the background and returns
    /// its URL: the executable installs it (FcastServe), so the language never links an HTTP
    /// server; nil: `serve()` is refused.
    public var serve: (@Sendable (String, Int) throws -> String)?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        plotProcesses = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// `~/` is the home folder; relative paths are relative to the current directory, as in
    /// a shell.
    public func resolvePath(_ path: String) -> String {
        path.hasPrefix("~/") ? NSHomeDirectory() + String(path.dropFirst(1)) : path
    }

    public func loadData(path: String, options: LongCSVOptions) throws -> Panel {
        var panel = try LongCSV.load(path: resolvePath(path), options: options)
        panel.name = path
        return panel
    }

    /// Streams the rows to a temporary file beside `path` (folders created) and renames it
    /// into place: readers never see half a file.
    public func writeCSV(_ table: CSVTable, to path: String) throws {
        try CSVWriter.write(header: table.header, rows: table.rows, to: resolvePath(path))
    }

    public func run(_ job: Job, executor name: String, workers: Int, cancel: CancelToken,
                    progress: ProgressOutput) throws -> RunResult {
        let executor: any Executor
        do {
            executor = try Executors.make(name, workers: workers)
        } catch {
            throw UnknownExecutor(error.description)
        }
        return try Runner.run(job, on: executor, cancel: cancel, progressOutput: progress)
    }

    public func run(_ job: Job, tasks: [Int], workers: Int, cancel: CancelToken) throws -> RunResult {
        try Runner.run(job, tasks: tasks, on: ThreadExecutor(workers: workers), cancel: cancel, progress: .none,
                       progressOutput: .silent)
    }

    public func openStore(path: String, writable: Bool) throws -> any ModelStore {
        try SQLiteModelStore(path: resolvePath(path), readOnly: !writable)
    }

    public func predict(_ run: RunResult, horizon: Int, levels: [Double], tasks: [Int]?, workers: Int,
                        cancel: CancelToken, future: Panel?) throws -> RunResult {
        try run.predict(horizon: horizon, levels: levels, tasks: tasks, on: ThreadExecutor(workers: workers), cancel: cancel,
                        future: future)
    }

    public var plotTerminal: PlotTerminal { terminal ?? TerminalScreen.terminal(environment: environment) }

    public func renderPlots(_ jobs: [PlotJob]) throws(PlotError) -> Data {
        let gnuplot = try Gnuplot.locate(environment: environment)
        return try Plotter.render(jobs, gnuplot: gnuplot, processes: plotProcesses,
                                  scriptCopy: environment["FCAST_PLOT_SCRIPT"])
    }
}

// MARK: - The in-memory host

/// A host with no world: files are a dictionary from path to text, loads parse that text
/// with FcastCore's parser, writes replace it, runs go inline on this thread, and plots are
/// recorded, not drawn. For tests and embedders that keep everything in memory.
public final class InMemoryHost: LanguageHost {
    /// The files, by path exactly as a script names them.
    public var files: [String: String]
    /// Every plot job drawn, in order; image jobs carry their target path.
    public private(set) var plots: [PlotJob] = []
    /// The executors runs asked for, in order.
    public private(set) var runs: [String] = []
    /// The executor names `run` accepts (every one runs inline).
    public var executorNames: [String]
    public var plotTerminal: PlotTerminal

    public init(files: [String: String] = [:], executorNames: [String] = Executors.names,
                plotTerminal: PlotTerminal = .dumb(columns: 80, lines: 24)) {
        self.files = files
        self.executorNames = executorNames
        self.plotTerminal = plotTerminal
    }

    public func resolvePath(_ path: String) -> String { path }

    public func loadData(path: String, options: LongCSVOptions) throws -> Panel {
        guard let text = files[path] else { throw FcastError("cannot open '\(path)': No such file or directory") }
        var panel = try LongCSV.parse(text: text, name: path, options: options)
        panel.name = path
        return panel
    }

    public func writeCSV(_ table: CSVTable, to path: String) throws {
        files[path] = table.text
    }

    public func run(_ job: Job, executor: String, workers: Int, cancel: CancelToken,
                    progress: ProgressOutput) throws -> RunResult {
        guard executorNames.contains(executor) else { throw UnknownExecutor(name: executor, known: executorNames) }
        runs.append(executor)
        return try Runner.run(job, on: InlineExecutor(), cancel: cancel, progressOutput: progress)
    }

    public func run(_ job: Job, tasks: [Int], workers: Int, cancel: CancelToken) throws -> RunResult {
        try Runner.run(job, tasks: tasks, on: InlineExecutor(), cancel: cancel, progress: .none, progressOutput: .silent)
    }

    /// The stores, by path exactly as a script names them.
    public var stores: [String: InMemoryModelStore] = [:]

    public func openStore(path: String, writable: Bool) throws -> any ModelStore {
        if let s = stores[path] { return s }
        guard writable else { throw StoreError("\(path): no such model store") }
        let s = InMemoryModelStore(location: path)
        stores[path] = s
        return s
    }

    public func predict(_ run: RunResult, horizon: Int, levels: [Double], tasks: [Int]?, workers: Int,
                        cancel: CancelToken, future: Panel?) throws -> RunResult {
        try run.predict(horizon: horizon, levels: levels, tasks: tasks, on: InlineExecutor(), cancel: cancel, future: future)
    }

    /// Records the jobs; a terminal job "draws" one line naming its charts.
    public func renderPlots(_ jobs: [PlotJob]) throws(PlotError) -> Data {
        plots += jobs
        var out = ""
        for job in jobs where !job.terminal.isFile {
            out += "[plot: " + job.figure.charts.map(\.title).joined(separator: ", ") + "]\n"
        }
        return Data(out.utf8)
    }
}
