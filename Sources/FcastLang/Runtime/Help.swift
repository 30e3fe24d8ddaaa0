/// Help on the builtins, from the same declarations the interpreter binds arguments with.
public struct BuiltinHelp: Sendable {
    public var name: String
    /// The library it belongs to.
    public var library: String
    public var signature: String
    public var summary: String
    public var parameters: [(name: String, help: String)]
    public var example: String
    /// The reference text, Markdown.
    public var details: String

    /// The text `:help name` prints: the same words as docs/language.md.
    public var text: String {
        var out = "\(signature)\n"
        if details.isEmpty { out += "  \(summary)\n" }
        if !parameters.isEmpty {
            let width = parameters.map(\.name.count).max() ?? 0
            out += parameters.map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.help)" }
                .joined(separator: "\n") + "\n"
        }
        if !details.isEmpty { out += "\n" + details + "\n" }
        out += "\nexample:\n" + example.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        return out
    }

    /// The section of docs/language.md.
    public var markdown: String {
        "#### \(signature)\n\n" + (details.isEmpty ? summary : details) + "\n\n```\n\(example)\n```\n"
    }
}

extension BuiltinHelp {
    init(_ b: Builtin, library: String) {
        self.init(name: b.name, library: library, signature: b.signature, summary: b.summary,
                  parameters: b.parameters.map { ($0.name, $0.help) }, example: b.example, details: b.details)
    }
}

/// Help on the standard libraries (docs/language.md); an interpreter's `builtinHelp` covers
/// the libraries registered in it.
public enum LanguageHelp {
    public static var builtins: [BuiltinHelp] { builtins(in: BuiltinLibrary.standard) }

    public static func builtins(in libraries: [BuiltinLibrary]) -> [BuiltinHelp] {
        libraries.flatMap { lib in lib.builtins.map { BuiltinHelp($0, library: lib.name) } }
    }
    public static func builtin(named name: String) -> BuiltinHelp? { builtins.first { $0.name == name } }

    /// The builtins' reference as it stands in docs/language.md, between the markers
    /// `<!-- builtins -->` and `<!-- /builtins -->`: a section per library.
    public static var markdown: String { markdown(of: BuiltinLibrary.standard) }

    public static func markdown(of libraries: [BuiltinLibrary]) -> String {
        libraries.map { lib in
            "### \(lib.name.prefix(1).uppercased() + lib.name.dropFirst())\n\n\(lib.summary)\n\n"
                + lib.builtins.map { BuiltinHelp($0, library: lib.name).markdown }.joined(separator: "\n")
        }.joined(separator: "\n")
    }
    /// Parameter names a standard builtin takes by name.
    public static func namedParameters(of name: String) -> [String]? {
        BuiltinLibrary.standard.lazy.flatMap(\.builtins).first { $0.name == name }
            .map { $0.parameters.filter { !$0.positional }.map(\.name) }
    }
}

extension Interpreter {
    /// One line about a value, for `:vars`.
    public func brief(_ v: Value) -> String {
        let text = Display.render(v, limit: 0)
        let first = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return first.count > 100 ? String(first.prefix(97)) + "..." : first
    }
}
