import FcastCore
import FcastPlan
import FcastPlugins

/// Why a plan cannot run with the plugins at hand.
public struct ResolveError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension Plan {
    /// The plan's models bound to the loaded plugins. A model's library must be loaded with
    /// the same major version (the ABI of a library's saved models and parameters), its
    /// algorithm must be there, and its parameters must be ones the algorithm declares.
    /// A different minor or patch version is accepted, or refused with `exactVersions`
    /// (a journal resuming a run wants the very same numbers).
    public func resolve(in registry: PluginRegistry, exactVersions: Bool = false) throws(ResolveError) -> [ModelSpec] {
        var out: [ModelSpec] = []
        for model in models {
            guard let library = registry.libraries.first(where: { $0.name == model.library }) else {
                let loaded = registry.libraries.map { "\($0.name) \($0.version)" }.joined(separator: ", ")
                throw ResolveError(description: "the plan's model \(model.name) needs the plugin library '\(model.library)' \(model.libraryVersion), which is not loaded (loaded: \(loaded.isEmpty ? "none" : loaded))")
            }
            let compatible = exactVersions ? library.version == model.libraryVersion
                                           : Plan.major(library.version) == Plan.major(model.libraryVersion)
            guard compatible else {
                throw ResolveError(description: "the plan's model \(model.name) was made with \(model.library) \(model.libraryVersion), but \(library.name) \(library.version) is loaded (\(library.path))\(exactVersions ? "; resuming needs the same version" : "; a different major version is incompatible")")
            }
            guard let algorithm = library.algorithms.first(where: { $0.name == model.algorithm }) else {
                throw ResolveError(description: "the plugin library \(library.name) \(library.version) has no algorithm '\(model.algorithm)' (it has: \(library.algorithms.map(\.name).joined(separator: ", ")))")
            }
            for name in model.parameters.keys.sorted() where algorithm.parameter(named: name) == nil {
                throw ResolveError(description: "\(model.algorithm) in \(library.name) \(library.version) has no parameter '\(name)' that the plan's model \(model.name) sets")
            }
            out.append(ModelSpec(algorithm: algorithm, values: model.parameters, name: model.name))
        }
        return out
    }

    static func major(_ version: String) -> Substring { version.split(separator: ".").first ?? Substring(version) }
}
