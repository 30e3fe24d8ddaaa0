// ets-bench: the ETS numerics straight, single-threaded, for profiling (perf, callgrind) and
// quick accuracy checks; `scripts/bench ets` measures the plugin through fcast.
//   ets-bench FILE M H [LIMIT]      env OPT=nelder_mead|bobyqa, MODEL=ZZZ, VERBOSE=1, JOINT=1 (no profiling),
//                                   INTERVALS=1 (80% intervals as the plugin makes them;
//                                   INTERVALS=simulate: by simulation for every non-linear model)
import EtsModel
import FcastCore
import Foundation

/// The series of a long CSV (unique_id, ds, y), read by fcast's own loader.
func loadCSV(_ path: String) -> [(String, [Double])] {
    let panel = try! LongCSV.load(path: path, options: LongCSVOptions())
    return panel.ids.indices.map { (panel.ids[$0], Array(panel.values($0))) }
}

func mae(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
    zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(a.count)
}

let args = CommandLine.arguments
guard args.count >= 4 else { print("usage: ets-bench FILE M H [LIMIT]"); exit(2) }
let env = ProcessInfo.processInfo.environment
let series = loadCSV(args[1]); let m = Int(args[2])!; let h = Int(args[3])!
let limit = args.count > 4 ? Int(args[4])! : series.count
var mases: [Double] = [], failed = 0, loglik = 0.0
let t0 = Date()
for (id, y0) in series.prefix(limit) {
    guard y0.count > h + 3 else { continue }
    let y = Array(y0.prefix(y0.count - h)), test = Array(y0.suffix(h))
    var o = EtsOptions()
    o.period = m
    if let s = env["OPT"] { o.optimizer = Optimizer(rawValue: s)! }
    if let s = env["MODEL"] { try! o.setModel(s) }
    if env["JOINT"] != nil { o.profile = false }
    do {
        let fit = try Ets.fit(y: y, options: o)
        let f = fit.pointForecast(h: h)
        // INTERVALS=1: the plugin's interval work too (moments, or 5000 simulated paths)
        if let how = env["INTERVALS"], !fit.spec.isLinear && (how == "simulate" || fit.forecastMoments(h: h) == nil) {
            var sims = fit.simulatedColumns(h: h, paths: 5000, seed: 1)
            sims.withUnsafeMutableBufferPointer { b in
                for t in 0..<h { _ = quantiles7(UnsafeMutableBufferPointer(rebasing: b[(t * 5000)..<((t + 1) * 5000)]), [0.1, 0.9]) }
            }
        }
        var scale = y.count > m ? mae(y[m...], y[..<(y.count - m)]) : 0
        if scale == 0 { scale = mae(y[1...], y[..<(y.count - 1)]) }
        let e = mae(f[...], test[...]) / scale
        mases.append(e)
        loglik += fit.loglik
        if env["VERBOSE"] != nil { print(id, y.count, fit.description, String(format: "loglik=%.4f aicc=%.4f mase=%.4f alpha=%.5f beta=%.5f gamma=%.5f phi=%.4f", fit.loglik, fit.aicc, e, fit.params.alpha, fit.params.beta, fit.params.gamma, fit.params.phi)) }
    } catch { failed += 1; print(id, "FAILED", error) }
}
let dt = Date().timeIntervalSince(t0)
print(String(format: "series=%d failed=%d MASE=%.4f seconds=%.2f loglik=%.4f evals=%d inner=%d", mases.count, failed,
             mases.reduce(0, +) / Double(max(mases.count, 1)), dt, loglik, evalCounter.total, evalCounter.inner))
