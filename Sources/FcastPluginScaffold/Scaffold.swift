import Foundation

/// `fcast plugin new NAME --lang c|swift|rust`: a standalone plugin project that builds
/// against the installed fcast (header through pkg-config, Swift kit from
/// PREFIX/share/fcast/fcast-plugin-kit) and passes `fcast plugin check` as written.
public struct Scaffold {
    public enum Language: String, CaseIterable, Sendable { case c, swift, rust }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    public var name: String
    public var language: Language
    /// Where the Swift plugin kit is (the Swift template's Package.swift names it).
    public var kitPath: String?

    public init(name: String, language: Language, kitPath: String? = nil) {
        self.name = name
        self.language = language
        self.kitPath = kitPath
    }

    /// A plugin name is a C identifier, all lower case: it is in the file name, the entry
    /// symbol and the language.
    public static func validate(name: String) throws(Failure) {
        let lower = "abcdefghijklmnopqrstuvwxyz"
        guard let first = name.first, lower.contains(first), name.count <= 40,
              name.allSatisfy({ lower.contains($0) || "0123456789_".contains($0) }) else {
            throw Failure("a plugin name is lower-case letters, digits and _, starting with a letter (it becomes libfcast_\(name).so and fcast_\(name)_plugin_entry); got '\(name)'")
        }
    }

    /// The installed kit beside an fcast executable at PREFIX/bin: PREFIX/share/fcast/fcast-plugin-kit.
    public static func installedKit(executable: URL?) -> String? {
        guard let exe = executable else { return nil }
        let kit = exe.resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("../share/fcast/fcast-plugin-kit").standardized.path
        return FileManager.default.fileExists(atPath: kit + "/Package.swift") ? kit : nil
    }

    /// The files of the project, by path relative to its folder.
    public func files() throws(Failure) -> [String: String] {
        try Scaffold.validate(name: name)
        func fill(_ s: String) -> String {
            s.replacingOccurrences(of: "__NAME__", with: name)
                .replacingOccurrences(of: "__TARGET__", with: target)
                .replacingOccurrences(of: "__KIT__", with: kitPath ?? "")
        }
        switch language {
        case .c:
            return ["src/\(name).c": fill(CTemplate.source), "Makefile": fill(CTemplate.makefile),
                    "README.md": fill(CTemplate.readme), ".gitignore": "*.so\n"]
        case .swift:
            guard let kitPath else {
                throw Failure("no installed Swift plugin kit: install fcast with scripts/install PREFIX (it puts the kit in PREFIX/share/fcast/fcast-plugin-kit), or pass --kit with the kit's folder")
            }
            guard FileManager.default.fileExists(atPath: kitPath + "/Package.swift") else {
                throw Failure("no Swift plugin kit at \(kitPath) (no Package.swift there): pass --kit PREFIX/share/fcast/fcast-plugin-kit of an fcast installed with scripts/install")
            }
            return ["Package.swift": fill(SwiftTemplate.package), "Sources/\(target)/Plugin.swift": fill(SwiftTemplate.source),
                    "README.md": fill(SwiftTemplate.readme), ".gitignore": ".build/\nPackage.resolved\n"]
        case .rust:
            return ["Cargo.toml": fill(RustTemplate.cargo), "src/lib.rs": fill(RustTemplate.lib),
                    "src/ffi.rs": fill(RustTemplate.ffi), "README.md": fill(RustTemplate.readme),
                    ".gitignore": "target/\nCargo.lock\n"]
        }
    }

    /// "my_model" -> "MyModel": the Swift target and type names.
    var target: String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// Writes the project into `directory`, which must not exist or be empty.
    public func write(to directory: URL) throws -> [String] {
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty {
            throw Failure("\(directory.path) already exists and is not empty")
        }
        let files = try files()
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let url = directory.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return files.keys.sorted()
    }
}
