import FcastPlugins
import Foundation

/// Runs scripts, or cells of them, against an interpreter, printing diagnostics.
public struct ScriptRunner {
    public let interpreter: Interpreter
    public var errorOutput: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    public var color = isatty(2) != 0

    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    public enum Outcome: Equatable { case completed, failed, interrupted }

    /// Runs a whole script, cell by cell. Stops at the first error (printed with its
    /// location), or after the statement during which Ctrl-C was pressed.
    ///
    /// With a report, each cell's source, output and plots are recorded in it as well (the
    /// output still goes to the interpreter's output), plots without `to:` are written to the
    /// report's folder, and the report is written at the end, after an error too.
    public func run(_ source: Source, report: Report? = nil) -> Outcome {
        guard let report else { return runCells(source, report: nil) }
        let output = interpreter.output, artifact = interpreter.onArtifact
        let defaults = interpreter.plotDefaults
        let plotDirectory = defaults.fileDirectory, plotPrefix = defaults.filePrefix
        interpreter.output = { text in report.appendOutput(text); output(text) }
        interpreter.onArtifact = { path in report.addArtifact(path); artifact?(path) }
        defaults.fileDirectory = report.filesDirectory
        defaults.filePrefix = "plot"
        defer {
            interpreter.output = output
            interpreter.onArtifact = artifact
            defaults.fileDirectory = plotDirectory
            defaults.filePrefix = plotPrefix
        }
        let outcome = runCells(source, report: report)
        do {
            try report.write()
        } catch {
            errorOutput("fcast: cannot write the report \(report.path): \(error.localizedDescription)\n")
            return .failed
        }
        return outcome
    }

    private func runCells(_ source: Source, report: Report?) -> Outcome {
        let program: Program
        do {
            program = try Parser.parse(source)
        } catch {
            report?.beginCell(title: nil, source: source.text)
            report?.fail(error.render(source: source, color: false))
            errorOutput(error.render(source: source, color: color) + "\n")
            return .failed
        }
        return run(program, cells: program.cells.indices, report: report)
    }

    /// Runs some cells of a parsed script (`:run FILE N` in the REPL runs one).
    public func run(_ program: Program, cells: some Sequence<Int>, report: Report? = nil) -> Outcome {
        let source = program.source
        for cell in cells.map({ program.cells[$0] }) {
            report?.beginCell(title: cell.title, source: cell.sourceText)
            if let title = cell.title {
                // On the screen only: the report shows the title as the cell's heading.
                report?.muted = true
                interpreter.output("\n## \(title)\n")
                report?.muted = false
            }
            for stmt in cell.statements {
                do {
                    try interpreter.execute(stmt)
                } catch {
                    report?.fail(error.render(source: source, color: false))
                    errorOutput(error.render(source: source, color: color) + "\n")
                    return .failed
                }
                if interpreter.interrupt.isCancelled {
                    let message = "\(source.name):\(stmt.span.start.line): interrupted; the script stops here"
                    report?.fail(message)
                    errorOutput(message + "\n")
                    return .interrupted
                }
            }
        }
        return .completed
    }
}

/// The text of `fcast plugins`.
public enum PluginListing {
    public static func render(_ registry: PluginRegistry) -> String {
        var out: [String] = []
        for lib in registry.libraries {
            out.append("\(lib.name) \(lib.version)  — \(lib.description)")
            out.append("  library: \(lib.path) (plugin ABI \(lib.abiMajor).\(lib.abiMinor))")
            for a in lib.algorithms where registry.algorithm(named: a.name) === a {
                out.append("  \(a.name)")
                out.append("      \(a.summary)")
                out.append("      capabilities: \(a.capabilities.names.joined(separator: ", "))")
                if a.parameters.isEmpty {
                    out.append("      parameters: none")
                } else {
                    out.append("      parameters:")
                    for p in a.parameters { out.append("        \(p.signature)    \(p.help)") }
                }
            }
            out.append("")
        }
        if registry.libraries.isEmpty { out.append("no plugins found; searched: \(registry.searched.joined(separator: ", "))") }
        for f in registry.failures { out.append("failed to load \(f)") }
        return out.joined(separator: "\n")
    }
}
