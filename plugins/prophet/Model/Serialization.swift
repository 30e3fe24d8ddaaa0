// Saved form of a fitted model: a version byte, then little-endian 8-byte values and
// length-prefixed UTF-8 strings, in a fixed order. Version 1.

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func double(_ x: Double) { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int(_ x: Int64) { withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int(_ x: Int) { int(Int64(x)) }
    mutating func string(_ s: String) { let u = Array(s.utf8); int(u.count); bytes.append(contentsOf: u) }
    mutating func doubles(_ v: [Double]) { int(v.count); v.forEach { double($0) } }
    mutating func ints(_ v: [Int64]) { int(v.count); v.forEach { int($0) } }
}

struct ByteReader {
    let bytes: [UInt8]
    var pos = 0
    mutating func need(_ k: Int) throws {
        guard k >= 0, pos + k <= bytes.count else { throw ProphetError(.badData, "saved prophet model is truncated") }
    }
    mutating func int() throws -> Int64 {
        try need(8)
        var v: UInt64 = 0
        for j in 0..<8 { v |= UInt64(bytes[pos + j]) << (8 * UInt64(j)) }
        pos += 8
        return Int64(bitPattern: v)
    }
    mutating func count() throws -> Int {
        let v = try int()
        guard v >= 0, v <= Int64(bytes.count) else { throw ProphetError(.badData, "saved prophet model is corrupt") }
        return Int(v)
    }
    mutating func double() throws -> Double { Double(bitPattern: UInt64(bitPattern: try int())) }
    mutating func string() throws -> String {
        let k = try count()
        try need(k)
        defer { pos += k }
        return String(decoding: bytes[pos..<(pos + k)], as: UTF8.self)
    }
    mutating func doubles() throws -> [Double] { try (0..<count()).map { _ in try double() } }
    mutating func ints() throws -> [Int64] { try (0..<count()).map { _ in try int() } }
}

extension ProphetFit {
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.bytes = [1]
        w.string(growth.rawValue)
        w.string(mode.rawValue)
        w.int(start)
        w.double(tScale)
        w.double(yShift)
        w.double(yScale)
        w.double(cap ?? .nan)
        w.double(floor ?? .nan)
        w.doubles(changepointsT)
        w.double(k)
        w.double(m)
        w.doubles(delta)
        w.double(sigma)
        w.doubles(beta)
        w.int(blocks.count)
        for b in blocks {
            w.string(b.name)
            w.string(b.mode.rawValue)
            w.doubles(b.priorScales)
            switch b.kind {
            case .fourier(let period, let order):
                w.int(0)
                w.double(period)
                w.int(order)
            case .holidays(let cols):
                w.int(1)
                w.int(cols.count)
                for c in cols {
                    w.string(c.holiday)
                    w.int(c.offset)
                    w.ints(c.days.map { Int64($0) })
                }
            case .regressor(let index, let mu, let std):
                w.int(2)
                w.int(index)
                w.double(mu)
                w.double(std)
            }
        }
        w.ints(historyDs)
        w.doubles(historyY)
        w.double(intervalWidth)
        w.int(uncertaintySamples)
        w.int(evaluations)
        w.double(logPosterior)
        w.double(priorTau)
        w.int(historyX.count)
        for x in historyX { w.doubles(x) }
        return w.bytes
    }

    public static func deserialize(_ bytes: [UInt8]) throws -> ProphetFit {
        guard bytes.first == 1 else {
            throw ProphetError(.badData, "not a saved prophet model (format version \(bytes.first.map(String.init) ?? "none"))")
        }
        var r = ByteReader(bytes: bytes, pos: 1)
        guard let growth = ProphetGrowth(rawValue: try r.string()), let mode = ProphetMode(rawValue: try r.string()) else {
            throw ProphetError(.badData, "saved prophet model is corrupt")
        }
        let start = try r.int()
        let tScale = try r.double(), yShift = try r.double(), yScale = try r.double()
        let cap = try r.double(), floor = try r.double()
        let cps = try r.doubles()
        let k = try r.double(), m = try r.double()
        let delta = try r.doubles()
        let sigma = try r.double()
        let beta = try r.doubles()
        var blocks: [FeatureBlock] = []
        for _ in 0..<(try r.count()) {
            let name = try r.string()
            guard let bm = ProphetMode(rawValue: try r.string()) else { throw ProphetError(.badData, "saved prophet model is corrupt") }
            let scales = try r.doubles()
            let kind: FeatureBlock.Kind
            switch try r.int() {
            case 0:
                let period = try r.double()
                kind = .fourier(period: period, order: Int(try r.int()))
            case 1:
                var cols: [HolidayColumn] = []
                for _ in 0..<(try r.count()) {
                    let h = try r.string()
                    let off = Int(try r.int())
                    cols.append(HolidayColumn(holiday: h, offset: off, days: try r.ints().map { Int($0) }))
                }
                kind = .holidays(cols)
            case 2:
                let index = Int(try r.int())
                let mu = try r.double()
                kind = .regressor(index: index, mu: mu, std: try r.double())
            default: throw ProphetError(.badData, "saved prophet model is corrupt")
            }
            blocks.append(FeatureBlock(name: name, kind: kind, mode: bm, priorScales: scales))
        }
        let ds = try r.ints()
        let y = try r.doubles()
        let iw = try r.double()
        let us = Int(try r.int())
        let ev = Int(try r.int())
        let lp = try r.double()
        let tau = r.pos < bytes.count ? try r.double() : 0.05
        var historyX: [[Double]] = []
        if r.pos < bytes.count { for _ in 0..<(try r.count()) { historyX.append(try r.doubles()) } }
        guard delta.count == cps.count, beta.count == blocks.reduce(0, { $0 + $1.width }), ds.count == y.count else {
            throw ProphetError(.badData, "saved prophet model is corrupt")
        }
        return ProphetFit(growth: growth, mode: mode, start: start, tScale: tScale, yShift: yShift, yScale: yScale,
                          cap: cap.isNaN ? nil : cap, floor: floor.isNaN ? nil : floor, changepointsT: cps,
                          k: k, m: m, delta: delta, sigma: sigma, beta: beta, blocks: blocks,
                          historyDs: ds, historyY: y, intervalWidth: iw, uncertaintySamples: us,
                          priorTau: tau, evaluations: ev, logPosterior: lp, historyX: historyX)
    }
}
