import FcastCore
import FcastLang
import FcastPlugins
import Foundation

/// The interactive loop over the language: every input is a cell, the workspace persists,
/// errors leave it as it was, Ctrl-C clears the input or stops a run (keeping what
/// finished), Ctrl-D exits.
public final class Repl {
    public let interpreter: Interpreter
    let reader: LineReader
    var output: (String) -> Void
    var errorOutput: (String) -> Void
    /// Inputs that ran without error, for :save.
    public private(set) var transcript: [String] = []
    var inputCount = 0
    var color: Bool

    public init(interpreter: Interpreter, reader: LineReader,
                output: @escaping (String) -> Void = Interpreter.standardOutput,
                errorOutput: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.interpreter = interpreter
        self.reader = reader
        self.output = output
        self.errorOutput = errorOutput
        self.color = reader.isInteractive && isatty(2) != 0
    }

    /// Reads and runs inputs until :quit or the end of input. Returns whether every input
    /// succeeded, for the exit status of `fcast < script`; a person's session at a
    /// terminal always ends well (errors there were already shown and dealt with).
    @discardableResult
    public func run() -> Bool {
        let interactive = reader.isInteractive
        var allOK = true
        if reader.isInteractive {
            let n = interpreter.registry.algorithms.count, libs = interpreter.registry.libraries.count
            output("fcast \(FcastVersion.string): \(n) algorithm\(n == 1 ? "" : "s") from \(libs) plugin\(libs == 1 ? "" : "s"). :help for help, Ctrl-D to quit.\n")
            if n == 0 {
                let looked = interpreter.registry.searched.joined(separator: ", ")
                output("No plugins found (searched: \(looked.isEmpty ? "nothing" : looked)); set FCAST_PLUGIN_PATH to the folder of the libfcast_*.so files.\n")
            }
        }
        while true {
            interpreter.interrupt.reset()
            guard let input = readInput() else { break }
            if input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            let trimmed = input.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(":") {
                switch runCommand(trimmed) {
                case .quit: return interactive || allOK
                case .ok: continue
                case .failed: allOK = false; continue
                }
            }
            if !evaluate(input) { allOK = false }
        }
        return interactive || allOK
    }

    /// One input: lines until brackets close. nil at the end of input.
    func readInput() -> String? {
        var buffer = ""
        while true {
            switch reader.readLine(continuation: !buffer.isEmpty) {
            case .endOfInput:
                return buffer.isEmpty ? nil : buffer
            case .interrupted:
                buffer = ""
                interpreter.interrupt.reset()
                continue
            case .line(let line):
                reader.addHistory(line)
                buffer += (buffer.isEmpty ? "" : "\n") + line
                if buffer.trimmingCharacters(in: .whitespaces).hasPrefix(":") || !Parser.needsMoreInput(buffer) {
                    return buffer
                }
            }
        }
    }

    /// Runs one input as a cell. Returns false on an error (printed with a caret).
    @discardableResult
    public func evaluate(_ text: String) -> Bool {
        inputCount += 1
        let source = Source(name: "<input \(inputCount)>", text: text)
        do throws(Diagnostic) {
            let program = try Parser.parse(source)
            for stmt in program.statements {
                try interpreter.execute(stmt)
                if interpreter.interrupt.isCancelled {
                    interpreter.interrupt.reset()
                    errorOutput("interrupted: what finished is kept\n")
                    transcript.append(text)
                    return false
                }
            }
        } catch {
            errorOutput(error.render(source: source, color: color) + "\n")
            return false
        }
        transcript.append(text)
        return true
    }

    enum CommandResult { case ok, failed, quit }

    func runCommand(_ line: String) -> CommandResult {
        let parts = line.dropFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = parts.first else { return fail("type :help for the commands") }
        let args = Array(parts.dropFirst())
        guard let command = ReplCommand.named(name) else {
            let hint = Suggest.didYouMean(name, in: ReplCommand.all.map(\.name)).map { "; \($0)" } ?? ""
            return fail("unknown command ':\(name)'\(hint); :help lists the commands")
        }
        return command.run(self, args)
    }

    func fail(_ message: String) -> CommandResult {
        errorOutput("error: \(message)\n")
        return .failed
    }
}
