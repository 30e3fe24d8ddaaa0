import CFcastPlugin

// What the plugin host (FcastPlugins) and the plugin kit (FcastPluginKit) both need to say
// about the C ABI in Swift, defined once. Depends on the header only; the kit re-exports it.

/// What an algorithm can do: the FC_CAP_* flags of fc_algorithm.capabilities.
public struct Capabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let intervals = Capabilities(rawValue: UInt64(FC_CAP_INTERVALS))
    public static let threadSafe = Capabilities(rawValue: UInt64(FC_CAP_THREAD_SAFE))
    public static let saveLoad = Capabilities(rawValue: UInt64(FC_CAP_SAVE_LOAD))
    public static let exogenous = Capabilities(rawValue: UInt64(FC_CAP_EXOGENOUS))
    public static let global = Capabilities(rawValue: UInt64(FC_CAP_GLOBAL))
    public static let fitted = Capabilities(rawValue: UInt64(FC_CAP_FITTED))

    /// The flags set, as `fcast plugins` lists them: "intervals", "thread-safe", ...
    public var names: [String] {
        var out: [String] = []
        if contains(.intervals) { out.append("intervals") }
        if contains(.threadSafe) { out.append("thread-safe") }
        if contains(.saveLoad) { out.append("save/load") }
        if contains(.exogenous) { out.append("exogenous") }
        if contains(.global) { out.append("global") }
        if contains(.fitted) { out.append("fitted") }
        return out
    }
}
