import FcastPlugins
import Foundation

/// Runs scripts and line-by-line input against an interpreter, printing diagnostics.
public struct ScriptRunner {
    public let interpreter: Interpreter
    public var errorOutput: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    public var color = isatty(2) != 0

    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    public enum Outcome: Equatable { case completed, failed, interrupted }

    /// Runs a whole script, cell by cell. Stops at the first error (printed with its
    /// location), or after the statement during which Ctrl-C was pressed.
    public func run(_ source: Source) -> Outcome {
        let program: Program
        do {
            program = try Parser.parse(source)
        } catch {
            errorOutput(error.render(source: source, color: color) + "\n")
            return .failed
        }
        for cell in program.cells {
            if let title = cell.title { interpreter.output("\n## \(title)\n") }
            for stmt in cell.statements {
                do {
                    try interpreter.execute(stmt)
                } catch {
                    errorOutput(error.render(source: source, color: color) + "\n")
                    return .failed
                }
                if HostServices.cancelRequested {
                    errorOutput("\(source.name):\(stmt.span.start.line): interrupted; the script stops here\n")
                    return .interrupted
                }
            }
        }
        return .completed
    }

    /// Reads statements from standard input without line editing (`fcast < analysis.fc`):
    /// a statement may span lines while brackets are open. An error is printed and
    /// reading goes on; the result is false if any statement failed.
    public func runLines() -> Bool {
        var ok = true
        var buffer = ""
        var lineNumber = 0
        var startLine = 1
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if buffer.isEmpty { startLine = lineNumber }
            buffer += (buffer.isEmpty ? "" : "\n") + line
            if Parser.needsMoreInput(buffer) { continue }
            let padded = String(repeating: "\n", count: startLine - 1) + buffer
            buffer = ""
            let source = Source(name: "<stdin>", text: padded)
            do throws(Diagnostic) {
                let program = try Parser.parse(source)
                for stmt in program.statements { try interpreter.execute(stmt) }
            } catch {
                errorOutput(error.render(source: source, color: color) + "\n")
                ok = false
            }
        }
        return ok
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
        if registry.libraries.isEmpty { out.append("no plugins found; searched: \(PluginRegistry.defaultSearchPath().joined(separator: ", "))") }
        for f in registry.failures { out.append("failed to load \(f)") }
        return out.joined(separator: "\n")
    }
}
