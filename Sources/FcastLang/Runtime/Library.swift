/// A group of builtins registered together: the standard ones (data, models, scoring,
/// output, plotting), or an embedder's own. Name lookup, completion, `:help` and
/// docs/language.md go through the libraries an interpreter has registered.
public struct BuiltinLibrary: Sendable {
    public var name: String
    /// One sentence on what the library's builtins are for (docs/language.md).
    public var summary: String
    public var builtins: [Builtin]

    public init(name: String, summary: String, builtins: [Builtin]) {
        self.name = name
        self.summary = summary
        self.builtins = builtins
    }

    /// The libraries every interpreter starts with, in the order of the reference.
    public static let standard: [BuiltinLibrary] = [.data, .models, .scoring, .output, .plotting, .store, .residuals, .validation, .tuning, .events, .cluster]
}

/// A library that cannot be registered: a name already taken, or a builtin declared wrong.
public struct LibraryError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Interpreter {
    /// Adds a library's builtins to the language. A library or builtin name that is already
    /// registered, or a builtin with two parameters of one name, is an error and nothing is
    /// added.
    public func register(_ library: BuiltinLibrary) throws(LibraryError) {
        if libraries.contains(where: { $0.name == library.name }) {
            throw LibraryError("a library named '\(library.name)' is already registered")
        }
        var seen = Set<String>()
        for b in library.builtins {
            if let owner = libraries.first(where: { $0.builtins.contains { $0.name == b.name } }) {
                throw LibraryError("library '\(library.name)': '\(b.name)' is already a builtin of library '\(owner.name)'")
            }
            guard seen.insert(b.name).inserted else {
                throw LibraryError("library '\(library.name)' declares '\(b.name)' twice")
            }
            var parameters = Set<String>()
            for p in b.parameters where !parameters.insert(p.name).inserted {
                throw LibraryError("library '\(library.name)': \(b.name)() declares the parameter '\(p.name)' twice")
            }
        }
        add(library)
    }

    /// Every registered builtin, library by library.
    public var builtins: [Builtin] { libraries.flatMap(\.builtins) }

    /// Help on every registered builtin, for `:help`.
    public var builtinHelp: [BuiltinHelp] { LanguageHelp.builtins(in: libraries) }

    /// Help on one registered builtin.
    public func help(forBuiltin name: String) -> BuiltinHelp? {
        guard let b = builtin(named: name) else { return nil }
        return BuiltinHelp(b, library: libraries.first { $0.builtins.contains { $0.name == name } }?.name ?? "")
    }

    /// The parameters a registered builtin takes by name (for completion).
    public func namedParameters(of name: String) -> [String]? {
        builtin(named: name).map { $0.parameters.filter { !$0.positional }.map(\.name) }
    }
}
