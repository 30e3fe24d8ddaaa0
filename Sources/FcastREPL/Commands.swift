import FcastCore
import FcastLang
import FcastPlugins
import Foundation

/// The REPL's own commands, typed with a leading ':'.
struct ReplCommand: Sendable {
    var name: String
    var usage: String
    var help: String
    var run: @Sendable (Repl, [String]) -> Repl.CommandResult

    static func named(_ name: String) -> ReplCommand? { all.first { $0.name == name } }

    static let all: [ReplCommand] = [
        ReplCommand(name: "help", usage: ":help [name]", help: "builtins, algorithms and commands; or help on one of them") { repl, args in
            repl.output(Help.text(for: args.first, repl: repl) + "\n")
            return .ok
        },
        ReplCommand(name: "vars", usage: ":vars", help: "the workspace: every name and what it holds") { repl, _ in
            let globals = repl.interpreter.globals
            if globals.isEmpty {
                repl.output("the workspace is empty\n")
                return .ok
            }
            let width = globals.keys.map(\.count).max() ?? 0
            for (name, value) in globals.sorted(by: { $0.key < $1.key }) {
                repl.output("\(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(repl.interpreter.brief(value))\n")
            }
            return .ok
        },
        ReplCommand(name: "plugins", usage: ":plugins", help: "the loaded algorithms with their parameters") { repl, _ in
            repl.output(PluginListing.render(repl.interpreter.registry) + "\n")
            return .ok
        },
        ReplCommand(name: "load", usage: ":load FILE", help: "run a script into the workspace") { repl, args in
            guard let path = args.first else { return repl.fail(":load needs a file") }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return repl.fail("cannot read \(path)") }
            let outcome = repl.scriptRunner.run(Source(name: path, text: text))
            repl.interpreter.interrupt.reset()
            return outcome == .completed ? .ok : .failed
        },
        ReplCommand(name: "cells", usage: ":cells FILE", help: "list a script's cells (split at ##)") { repl, args in
            guard let path = args.first else { return repl.fail(":cells needs a file") }
            guard let program = repl.parseFile(path) else { return .failed }
            for (i, cell) in program.cells.enumerated() {
                let n = cell.statements.count
                repl.output("\(i + 1). \(cell.title ?? "(untitled)")  line \(cell.startLine), \(n) statement\(n == 1 ? "" : "s")\n")
            }
            return .ok
        },
        ReplCommand(name: "run", usage: ":run FILE N", help: "run cell N of a script (numbered as :cells shows)") { repl, args in
            guard args.count == 2, let n = Int(args[1]) else { return repl.fail("usage: :run FILE N") }
            guard let program = repl.parseFile(args[0]) else { return .failed }
            guard n >= 1 && n <= program.cells.count else {
                return repl.fail("\(args[0]) has \(program.cells.count) cell\(program.cells.count == 1 ? "" : "s"); there is no cell \(n)")
            }
            let outcome = repl.scriptRunner.run(program, cells: [n - 1])
            repl.interpreter.interrupt.reset()
            return outcome == .completed ? .ok : .failed
        },
        ReplCommand(name: "save", usage: ":save FILE", help: "write this session's successful inputs as a script") { repl, args in
            guard let path = args.first else { return repl.fail(":save needs a file") }
            let text = "# fcast session, saved \(ISO8601DateFormatter().string(from: Date()))\n" + repl.transcript.joined(separator: "\n") + "\n"
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                return repl.fail("cannot write \(path): \(error.localizedDescription)")
            }
            repl.output("saved \(repl.transcript.count) input\(repl.transcript.count == 1 ? "" : "s") to \(path)\n")
            return .ok
        },
        ReplCommand(name: "reset", usage: ":reset", help: "clear the workspace") { repl, _ in
            repl.interpreter.reset()
            repl.output("workspace cleared\n")
            return .ok
        },
        ReplCommand(name: "quit", usage: ":quit", help: "leave (Ctrl-D does too)") { _, _ in .quit },
    ]
}

extension Repl {
    /// Runs scripts and cells into this session's workspace, errors on its error output.
    var scriptRunner: ScriptRunner {
        var runner = ScriptRunner(interpreter: interpreter)
        runner.errorOutput = errorOutput
        runner.color = color
        return runner
    }

    func parseFile(_ path: String) -> Program? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            _ = fail("cannot read \(path)")
            return nil
        }
        let source = Source(name: path, text: text)
        do {
            return try Parser.parse(source)
        } catch {
            errorOutput(error.render(source: source, color: color) + "\n")
            return nil
        }
    }
}

enum Help {
    static func text(for name: String?, repl: Repl) -> String {
        let registry = repl.interpreter.registry
        let builtins = repl.interpreter.builtinHelp
        guard let name else {
            var out = "Builtins:\n"
            for b in builtins { out += "  \(b.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(b.summary)\n" }
            out += "Algorithms:\n"
            for a in registry.algorithms { out += "  \(a.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(a.summary)\n" }
            out += "Commands:\n"
            for c in ReplCommand.all { out += "  \(c.usage.padding(toLength: 13, withPad: " ", startingAt: 0)) \(c.help)\n" }
            out += "Keys: Tab completes, Ctrl-R searches history, Ctrl-C clears the input or stops a run, Ctrl-D quits.\n"
            out += ":help NAME for more; docs/language.md has it all."
            return out
        }
        let key = name.hasPrefix(":") ? String(name.dropFirst()) : name
        if let b = repl.interpreter.help(forBuiltin: key) { return b.text }
        if let a = registry.algorithm(named: key) {
            var out = "\(a.name)(...)  from \(a.library.name) \(a.library.version)\n  \(a.summary)\n"
            out += "  capabilities: \(a.capabilities.names.joined(separator: ", "))\n"
            for p in a.parameters { out += "  \(p.signature)    \(p.help)\n" }
            return out + (a.parameters.isEmpty ? "  no parameters" : "")
        }
        if let c = ReplCommand.named(key) { return "\(c.usage)\n  \(c.help)" }
        let all = builtins.map(\.name) + registry.algorithms.map(\.name) + ReplCommand.all.map(\.name)
        return "no help on '\(name)'" + (Suggest.didYouMean(key, in: all).map { "; \($0)" } ?? "")
    }
}
