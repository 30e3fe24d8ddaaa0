import FcastCore
import FcastLang
import FcastPlugins
import Foundation

/// Tab completion: builtins, workspace names and algorithms; parameter names inside an
/// algorithm's parentheses; file paths inside strings; REPL commands after ':'.
public struct Completer {
    public var names: () -> [String]
    public var registry: PluginRegistry
    public var builtinParameters: (String) -> [String]?

    public init(names: @escaping () -> [String], registry: PluginRegistry,
                builtinParameters: @escaping (String) -> [String]?) {
        self.names = names
        self.registry = registry
        self.builtinParameters = builtinParameters
    }

    public struct Result: Equatable {
        /// Text to insert at the cursor (the candidates' common part beyond what is typed).
        public var insertion: String
        /// Every full candidate.
        public var candidates: [String]
    }

    public func complete(_ before: String) -> Result {
        let trimmed = before.drop { $0 == " " }
        if trimmed.hasPrefix(":") { return completeCommand(String(trimmed)) }
        switch Parser.completionContext(before) {
        case .name(let prefix):
            return finish(prefix, names().filter { $0 != "_" })
        case .argumentLabel(let callee, let prefix, let used):
            var labels: [String] = []
            if let algorithm = registry.algorithm(named: callee) {
                labels = algorithm.parameters.map(\.name)
            } else if let params = builtinParameters(callee) {
                labels = params
            }
            let unused = labels.filter { !used.contains($0) }.map { $0 + ": " }
            // A positional value may go here too, unless the callee is an algorithm (named only).
            let values = registry.algorithm(named: callee) == nil ? names().filter { $0 != "_" } : []
            return finish(prefix, unused + values)
        case .path(let prefix):
            return finish(prefix, Completer.paths(prefix))
        case .none:
            return Result(insertion: "", candidates: [])
        }
    }

    private func completeCommand(_ text: String) -> Result {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 1 { return finish(text, ReplCommand.all.map { ":" + $0.name + " " }) }
        let command = String(parts[0].dropFirst()), arg = String(parts[1])
        switch command {
        case "load", "cells", "run", "save":
            let last = arg.split(separator: " ", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            return finish(last, Completer.paths(last))
        case "help":
            return finish(arg, names() + ReplCommand.all.map { ":" + $0.name })
        default:
            return Result(insertion: "", candidates: [])
        }
    }

    private func finish(_ prefix: String, _ all: [String]) -> Result {
        var seen = Set<String>()
        let candidates = all.filter { $0.hasPrefix(prefix) && seen.insert($0).inserted }.sorted()
        guard let first = candidates.first else { return Result(insertion: "", candidates: []) }
        var common = first
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        return Result(insertion: String(common.dropFirst(prefix.count)), candidates: candidates)
    }

    /// Files and folders starting with `prefix` (folders end in '/').
    static func paths(_ prefix: String) -> [String] {
        let expanded = prefix.hasPrefix("~/") ? NSHomeDirectory() + prefix.dropFirst(1) : prefix
        let dir: String, stem: String, shownDir: String
        if let slash = expanded.lastIndex(of: "/") {
            dir = String(expanded[...slash])
            stem = String(expanded[expanded.index(after: slash)...])
            shownDir = prefix.lastIndex(of: "/").map { String(prefix[...$0]) } ?? ""
        } else {
            dir = ""
            stem = expanded
            shownDir = ""
        }
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
        return entries.filter { $0.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.hasPrefix(".")) }.map { name in
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: dir + name, isDirectory: &isDir)
            return shownDir + name + (isDir.boolValue ? "/" : "")
        }
    }

    /// Candidates in columns for an 80-column screen.
    public static func columns(_ items: [String], width: Int = 80) -> String {
        let cell = (items.map(\.count).max() ?? 0) + 2
        let perLine = max(1, width / cell)
        var lines: [String] = []
        var i = 0
        while i < items.count {
            let row = items[i..<min(i + perLine, items.count)].map { $0.padding(toLength: cell, withPad: " ", startingAt: 0) }
            lines.append(row.joined().trimmingCharacters(in: .whitespaces))
            i += perLine
        }
        return lines.joined(separator: "\n")
    }
}
