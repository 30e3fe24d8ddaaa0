/// Help on the builtins, from the same declarations the interpreter binds arguments with.
public struct BuiltinHelp: Sendable {
    public var name: String
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
            let width = parameters.map(\.name.count).max()!
            out += parameters.map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.help)" }
                .joined(separator: "\n") + "\n"
        }
        if !details.isEmpty { out += "\n" + details + "\n" }
        out += "\nexample:\n" + example.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        return out
    }

    /// The section of docs/language.md.
    public var markdown: String {
        "### \(signature)\n\n" + (details.isEmpty ? summary : details) + "\n\n```\n\(example)\n```\n"
    }
}

public enum LanguageHelp {
    public static var builtins: [BuiltinHelp] {
        Builtins.all.map { b in
            BuiltinHelp(name: b.name, signature: b.signature, summary: b.summary,
                        parameters: b.parameters.map { ($0.name, $0.help) }, example: b.example, details: b.details)
        }
    }
    public static func builtin(named name: String) -> BuiltinHelp? { builtins.first { $0.name == name } }

    /// The builtins' reference as it stands in docs/language.md, between the markers
    /// `<!-- builtins -->` and `<!-- /builtins -->`.
    public static var markdown: String {
        builtins.map(\.markdown).joined(separator: "\n")
    }
    /// Parameter names a builtin takes by name (for completion).
    public static func namedParameters(of name: String) -> [String]? {
        Builtins.named(name).map { $0.parameters.filter { !$0.positional }.map(\.name) }
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
