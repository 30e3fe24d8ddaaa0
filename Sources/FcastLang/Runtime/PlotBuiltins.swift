extension Builtins {
    /// The plotting builtins (plot); see FcastPlot.
    static let plotting: [Builtin] = []
}
