import ArimaModel
import FcastCore
import Foundation

/// The series of a long CSV (unique_id, ds, y), read by fcast's own loader.
func loadCSV(_ path: String) -> [(String, [Double])] {
    let panel = try! LongCSV.load(path: path, options: LongCSVOptions())
    return panel.ids.indices.map { (panel.ids[$0], Array(panel.values($0))) }
}

let args = CommandLine.arguments
let mode = args.count > 1 ? args[1] : "bench"
// arguments each mode needs after the mode itself (FILE M H ...), so a short call prints
// the usage instead of trapping on a missing argument
let usage: [String: (Int, String)] = [
    "diffs": (3, "diffs FILE M H"), "bench": (3, "bench FILE M H [LIMIT] [STEPWISE=1]"),
    "trace": (4, "trace FILE M H ID"), "fixed": (10, "fixed FILE M H ID p d q P D Q"),
    "methods": (10, "methods FILE M H ID p d q P D Q"),
    "fuzz": (0, "fuzz"), "fuzzfixed": (0, "fuzzfixed"), "const": (0, "const"), "bigm": (0, "bigm"),
]
guard let (needed, form) = usage[mode], args.count >= 2 + needed else {
    let forms = usage.values.map { "  arima-bench \($0.1)" }.sorted().joined(separator: "\n")
    print("usage:\n\(forms)")
    exit(2)
}
if mode == "diffs" {
    // diffs FILE M H : prints id n strength D d
    let series = loadCSV(args[2]); let m = Int(args[3])!; let h = Int(args[4])!
    for (id, y0) in series {
        let y = Array(y0.prefix(y0.count - h))
        let st = AutoArima.seasonalStrength(y, period: m)
        let (d, D) = AutoArima.differencingOrders(y, period: m)
        print(id, y.count, String(format: "%.5f", st), D, d, separator: "\t")
    }
}

func mae(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
    zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(a.count)
}

if mode == "bench" {
    // bench FILE M H [limit] [stepwise=1]
    let series = loadCSV(args[2]); let m = Int(args[3])!; let h = Int(args[4])!
    let limit = args.count > 5 ? Int(args[5])! : series.count
    let stepwise: Bool = args.count > 6 ? args[6] != "0" : true
    let verbose = ProcessInfo.processInfo.environment["VERBOSE"] != nil
    var mases: [Double] = [], smapes: [Double] = [], covered = 0, total = 0, failed = 0
    let t0 = Date()
    var fitTime = 0.0
    for (id, y0) in series.prefix(limit) {
        let y = Array(y0.prefix(y0.count - h)), test = Array(y0.suffix(h))
        var o = AutoArimaOptions(period: m)
        o.stepwise = stepwise
        if let a = ProcessInfo.processInfo.environment["APPROX"] { o.approximation = a == "1" }
        if let a = ProcessInfo.processInfo.environment["REFIT"] { o.refitCount = Int(a)! }
        if let a = ProcessInfo.processInfo.environment["FOLLOW"] { o.followBest = a == "1" }
        if let a = ProcessInfo.processInfo.environment["BEAM"] { o.beam = Int(a)! }
        if let a = ProcessInfo.processInfo.environment["ONESTART"] { o.screenOneStart = a == "1" }
        let ts = Date()
        let fitR = Result { try AutoArima.search(y: y, options: o) }
        fitTime += Date().timeIntervalSince(ts)
        guard case .success(let (fit, cands)) = fitR else { failed += 1; print(id, "FAILED", fitR); continue }
        let f = fit.forecast(h: h, levels: [80], calibrate: ProcessInfo.processInfo.environment["CAL"] == "1")
        if f.mean.contains(where: { !$0.isFinite }) { failed += 1; print(id, "NaN forecast"); continue }
        // scale: in-sample seasonal naive MAE (lag m, lag 1 if that is 0)
        if y.allSatisfy({ $0 == y[0] }) { continue }
        var scale = y.count > m ? mae(y[m...], y[..<(y.count - m)]) : 0
        if scale == 0 { scale = mae(y[1...], y[..<(y.count - 1)]) }
        let e = mae(f.mean[...], test[...])
        mases.append(e / scale)
        smapes.append(zip(test, f.mean).reduce(0) { $0 + 200 * abs($1.0 - $1.1) / (abs($1.0) + abs($1.1)) } / Double(h))
        for i in 0..<h { total += 1; if test[i] >= f.lo[0][i] && test[i] <= f.hi[0][i] { covered += 1 } }
        if ProcessInfo.processInfo.environment["DUMP"] != nil {
            var z: [Double] = []
            for i in 0..<h {
                let sd: Double = max((f.hi[0][i] - f.mean[i]) / 1.2815515655446004, 1e-300)
                z.append((test[i] - f.mean[i]) / sd)
            }
            print("Z", id, z.map { String(format: "%.2f", $0) }.joined(separator: " "))
        }
        if verbose { print(id, y.count, fit.description, String(format: "aicc=%.3f mase=%.4f models=%d", fit.aicc, e / scale, cands.count)) }
    }
    let dt = Date().timeIntervalSince(t0)
    let n = Double(mases.count)
    print(String(format: "series=%d failed=%d MASE=%.4f sMAPE=%.3f cover80=%.3f seconds=%.2f series/s=%.2f",
                 mases.count, failed, mases.reduce(0, +) / n, smapes.reduce(0, +) / n, Double(covered) / Double(max(total, 1)), dt, Double(limit) / dt))
}

if mode == "trace" {
    // trace FILE M H ID
    let series = loadCSV(args[2]); let m = Int(args[3])!; let h = Int(args[4])!
    for (id, y0) in series where id == args[5] {
        let y = Array(y0.prefix(y0.count - h))
        let (fit, cands) = try! AutoArima.search(y: y, options: AutoArimaOptions(period: m))
        let base = cands[0].ic
        for c in cands { print(c.spec.description.padding(toLength: 42, withPad: " ", startingAt: 0), String(format: "%.2f  (rel %.2f)", c.ic, c.ic - base)) }
        print("final:", fit.description, fit.aicc, fit.coefficients)
    }
}

if mode == "fixed" {
    // fixed FILE M H ID p d q P D Q
    let series = loadCSV(args[2]); let m = Int(args[3])!; let h = Int(args[4])!
    let o = args[6...11].map { Int($0)! }
    for (id, y0) in series where id == args[5] {
        let y = Array(y0.prefix(y0.count - h))
        let f = try! ArimaModel.fit(y: y, order: Array(o[0..<3]), seasonal: Array(o[3..<6]), period: m, includeDrift: ProcessInfo.processInfo.environment["DRIFT"] == "1")
        print(f.description, f.coefficients, "loglik", f.loglik, "aicc", f.aicc)
    }
}

if mode == "fuzz" {
    var s: UInt64 = 12345
    func rnd() -> Double { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return Double(s >> 11) / Double(1 << 53) }
    func nrm() -> Double { (-2 * log(max(rnd(), 1e-300))).squareRoot() * cos(2 * Double.pi * rnd()) }
    let count = Int(args[2]) ?? 500
    var bad = 0, errors = 0
    let t0 = Date()
    for i in 0..<count {
        let n = 1 + Int(rnd() * 120)
        let m = [1, 2, 4, 7, 12, 24][Int(rnd() * 6)]
        let kind = Int(rnd() * 8)
        var y: [Double] = []
        var lvl = nrm() * 10
        for t in 0..<n {
            switch kind {
            case 0: y.append(nrm())
            case 1: y.append(Double(Int(rnd() * 3)) * (rnd() < 0.7 ? 0 : 1))           // sparse counts
            case 2: lvl += nrm(); y.append(lvl)                                            // random walk
            case 3: y.append(1e12 * (1 + 0.01 * nrm()))                                    // huge
            case 4: y.append(1e-12 * Double(t) + 1e-14 * nrm())                            // tiny trend
            case 5: y.append(sin(2 * Double.pi * Double(t) / Double(m)) * 5 + 0.1 * Double(t) + 0.1 * nrm())
            case 6: y.append(t % 17 == 0 ? 1000 : 1)                                        // spikes
            default: lvl = 0.999 * lvl + nrm(); y.append(lvl + (t > n / 2 ? 50 : 0))       // break
            }
        }
        var o = AutoArimaOptions(period: m)
        o.stepwise = rnd() < 0.8
        let ts = Date()
        do {
            let fit = try AutoArima.fit(y: y, options: o)
            let f = fit.forecast(h: 10, levels: [80, 95])
            if f.mean.contains(where: { !$0.isFinite }) || f.lo[1].contains(where: { !$0.isFinite }) || f.hi[1].contains(where: { !$0.isFinite }) {
                bad += 1; print("NaN", i, kind, n, m, fit.description)
            }
            let back = try ArimaFit.deserialize(fit.serialize())
            if back.description != fit.description { bad += 1; print("serial", i) }
        } catch {
            errors += 1; print("error", i, kind, n, m, error)
        }
        let dt = Date().timeIntervalSince(ts)
        if dt > 2 { print("slow", i, kind, n, m, dt) }
    }
    print("fuzz cases=\(count) bad=\(bad) errors=\(errors) seconds=\(Date().timeIntervalSince(t0))")
}

if mode == "fuzzfixed" {
    var s: UInt64 = 999
    func rnd() -> Double { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return Double(s >> 11) / Double(1 << 53) }
    func nrm() -> Double { (-2 * log(max(rnd(), 1e-300))).squareRoot() * cos(2 * Double.pi * rnd()) }
    let count = Int(args[2]) ?? 500
    var bad = 0
    var kinds: [String: Int] = [:]
    let t0 = Date()
    for i in 0..<count {
        let n = 1 + Int(rnd() * 150)
        let m = [1, 4, 12][Int(rnd() * 3)]
        var lvl = 0.0
        let y: [Double] = (0..<n).map { t in lvl += nrm(); return rnd() < 0.5 ? lvl : sin(Double(t)) + nrm() }
        let order = [Int(rnd() * 4), Int(rnd() * 3), Int(rnd() * 4)]
        let seas = m > 1 ? [Int(rnd() * 3), Int(rnd() * 2), Int(rnd() * 3)] : [0, 0, 0]
        let ts = Date()
        do {
            let fit = try ArimaModel.fit(y: y, order: order, seasonal: seas, period: m, includeMean: rnd() < 0.5, includeDrift: rnd() < 0.5, method: [.css, .ml, .cssML][Int(rnd() * 3)])
            let f = fit.forecast(h: 10, levels: [80, 95])
            if f.mean.contains(where: { !$0.isFinite }) || f.hi[1].contains(where: { !$0.isFinite }) || !fit.loglik.isFinite {
                bad += 1; print("NaN", i, n, m, order, seas, fit.description, fit.coefficients)
            }
            kinds["ok", default: 0] += 1
        } catch {
            kinds[error.kind.rawValue, default: 0] += 1
            if error.kind == .numericFailure { print("numeric", i, n, m, order, seas, error.message) }
        }
        let dt = Date().timeIntervalSince(ts)
        if dt > 1 { print("slow", i, n, m, order, seas, dt) }
    }
    print("fuzzfixed cases=\(count) bad=\(bad) \(kinds) seconds=\(Date().timeIntervalSince(t0))")
}

if mode == "const" {
    for (order, seas) in [([1, 0, 0], [0, 0, 0]), ([0, 1, 1], [0, 1, 1]), ([2, 1, 2], [0, 0, 0]), ([0, 0, 0], [0, 0, 0])] {
        for y in [[Double](repeating: 3, count: 40), [Double](repeating: 0, count: 40), (0..<40).map { Double($0) }] {
            do {
                let f = try ArimaModel.fit(y: y, order: order, seasonal: seas, period: 4, includeDrift: true)
                print(f.description, f.coefficients, f.sigma2, f.forecast(h: 2).mean, f.forecast(h: 2).hi[0])
            } catch { print(order, seas, error) }
        }
    }
}

if mode == "bigm" {
    for (m, n) in [(52, 400), (365, 1100), (24, 2000), (7, 5000)] {
        var s: UInt64 = 5
        func rnd() -> Double { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return Double(s >> 11) / Double(1 << 53) }
        var lvl = 0.0
        let y: [Double] = (0..<n).map { t in lvl += rnd() - 0.5; return lvl + 5 * sin(2 * Double.pi * Double(t) / Double(m)) + rnd() }
        let t0 = Date()
        let f = try! AutoArima.fit(y: y, options: AutoArimaOptions(period: m))
        let t1 = Date()
        let g = try! ArimaModel.fit(y: y, order: [1, 0, 1], seasonal: [1, 1, 1], period: m)
        print("m=\(m) n=\(n)", f.description, String(format: "auto %.2fs", t1.timeIntervalSince(t0)), g.description, String(format: "fixed %.2fs", Date().timeIntervalSince(t1)), f.forecast(h: 3).mean)
    }
}

if mode == "methods" {
    let series = loadCSV(args[2]); let m = Int(args[3])!; let h = Int(args[4])!
    let o = args[6...11].map { Int($0)! }
    for (id, y0) in series where id == args[5] {
        let y = Array(y0.prefix(y0.count - h))
        for meth in [ArimaMethod.css, .ml, .cssML] {
            let f = try! ArimaModel.fit(y: y, order: Array(o[0..<3]), seasonal: Array(o[3..<6]), period: m, method: meth)
            print(meth, f.coefficients, f.loglik)
        }
    }
}
