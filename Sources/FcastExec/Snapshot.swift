import FcastPlugins

extension ResultBuffers {
    /// The buffers copied into arrays, with the tasks in `excluding` as a fresh buffer has
    /// them (NaN, not run, nothing kept) and their slots never read: after a stop at once,
    /// the threads of tasks in flight may still be writing there.
    func snapshot(excluding skip: Set<Int>, horizon h: Int, levels: Int)
        -> (mean: [Double], lo: [Double], hi: [Double], outcomes: [TaskOutcome], descriptions: [String],
            seconds: [Double], kept: [KeptModel?]) {
        if skip.isEmpty {
            return (Array(mean), Array(lo), Array(hi), Array(outcomes), Array(descriptions), Array(seconds), Array(kept))
        }
        let tasks = outcomes.count
        var m = [Double](repeating: .nan, count: mean.count)
        var l = [Double](repeating: .nan, count: lo.count), u = [Double](repeating: .nan, count: hi.count)
        var o = [TaskOutcome](repeating: .notRun, count: tasks), d = [String](repeating: "", count: tasks)
        var s = [Double](repeating: 0, count: tasks), k = [KeptModel?](repeating: nil, count: tasks)
        for t in 0..<tasks where !skip.contains(t) {
            for i in (t * h)..<((t + 1) * h) { m[i] = mean[i] }
            for i in (t * levels * h)..<((t + 1) * levels * h) {
                l[i] = lo[i]
                u[i] = hi[i]
            }
            o[t] = outcomes[t]
            d[t] = descriptions[t]
            s[t] = seconds[t]
            k[t] = kept[t]
        }
        return (m, l, u, o, d, s, k)
    }
}
