// Save/load of a fitted model: a small, versioned, little-endian binary format.
//
//   "FCAR" | u32 version (1) | i32 p d q P D Q period | u8 flags | u8 method
//   | f64 sigma2 | f64 loglik | arrays ar, ma, sar, sma (u32 count + f64 each)
//   | [f64 intercept] | [f64 drift] | u64 n + f64 y[n]
//   | optional (regressors): u32 k, then k times f64 coefficient + f64 x[n]
//
// flags: bit0 includeMean, bit1 includeDrift, bit2 intercept present, bit3 drift present.
// Residuals, the filter state and the criteria are recomputed on load (deterministic).
import Foundation

extension ArimaFit {
    static let magic: [UInt8] = Array("FCAR".utf8)
    static let formatVersion: UInt32 = 1

    /// Serializes the model (coefficients, variance and training series) to bytes.
    public func serialize() -> [UInt8] {
        var out: [UInt8] = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func i32(_ v: Int) { withUnsafeBytes(of: Int32(v).littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func f64(_ v: Double) { u64(v.bitPattern) }
        func arr(_ a: [Double]) { u32(UInt32(a.count)); for v in a { f64(v) } }
        u32(Self.formatVersion)
        for v in [spec.p, spec.d, spec.q, spec.P, spec.D, spec.Q, spec.period] { i32(v) }
        var flags: UInt8 = 0
        if spec.includeMean { flags |= 1 }
        if spec.includeDrift { flags |= 2 }
        if intercept != nil { flags |= 4 }
        if drift != nil { flags |= 8 }
        out.append(flags)
        out.append(method == .css ? 0 : method == .ml ? 1 : 2)
        f64(sigma2); f64(loglik)
        arr(ar); arr(ma); arr(sar); arr(sma)
        if let intercept { f64(intercept) }
        if let drift { f64(drift) }
        u64(UInt64(y.count))
        for v in y { f64(v) }
        if !xregCoef.isEmpty {
            u32(UInt32(xregCoef.count))
            for j in 0..<xregCoef.count { f64(xregCoef[j]); for v in xreg[j] { f64(v) } }
        }
        return out
    }

    /// Restores a model written by `serialize()`. Throws .invalidArgument on malformed input.
    public static func deserialize(_ bytes: [UInt8]) throws(ArimaError) -> ArimaFit {
        var pos = 0
        func need(_ k: Int) throws(ArimaError) {
            if pos + k > bytes.count { throw .invalid("model bytes: truncated at offset \(pos)") }
        }
        func u32() throws(ArimaError) -> UInt32 {
            try need(4)
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * UInt32(i)) }
            pos += 4
            return v
        }
        func i32() throws(ArimaError) -> Int { Int(Int32(bitPattern: try u32())) }
        func u64() throws(ArimaError) -> UInt64 {
            try need(8)
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
            pos += 8
            return v
        }
        func f64() throws(ArimaError) -> Double { Double(bitPattern: try u64()) }
        func u8() throws(ArimaError) -> UInt8 { try need(1); pos += 1; return bytes[pos - 1] }
        func arr() throws(ArimaError) -> [Double] {
            let n = Int(try u32())
            if n > 10_000 { throw .invalid("model bytes: implausible coefficient count \(n)") }
            var a: [Double] = []
            for _ in 0..<n { a.append(try f64()) }
            return a
        }
        try need(4)
        if Array(bytes[0..<4]) != magic { throw .invalid("model bytes: not an ARIMA model (bad magic)") }
        pos = 4
        let version = try u32()
        if version != formatVersion { throw .invalid("model bytes: unsupported format version \(version)") }
        let p = try i32(), d = try i32(), q = try i32(), P = try i32(), D = try i32(), Q = try i32(), period = try i32()
        let flags = try u8()
        let mcode = try u8()
        let method: ArimaMethod = mcode == 0 ? .css : mcode == 1 ? .ml : .cssML
        let spec = ArimaSpec(p: p, d: d, q: q, P: P, D: D, Q: Q, period: period,
                             includeMean: flags & 1 != 0, includeDrift: flags & 2 != 0)
        try spec.validate()
        let sigma2 = try f64(), loglik = try f64()
        let ar = try arr(), ma = try arr(), sar = try arr(), sma = try arr()
        if ar.count != p || ma.count != q || sar.count != spec.effP || sma.count != spec.effQ {
            throw .invalid("model bytes: coefficient counts do not match the orders")
        }
        let intercept: Double? = flags & 4 != 0 ? try f64() : nil
        let drift: Double? = flags & 8 != 0 ? try f64() : nil
        let n = try u64()
        if n > UInt64((bytes.count - pos) / 8) { throw .invalid("model bytes: series length \(n) exceeds the data") }
        var y: [Double] = []
        y.reserveCapacity(Int(n))
        for _ in 0..<Int(n) { y.append(try f64()) }
        var xreg: [[Double]] = [], xregCoef: [Double] = []
        if pos < bytes.count {
            let k = Int(try u32())
            if k > (bytes.count - pos) / 8 / (Int(n) + 1) { throw .invalid("model bytes: \(k) regressors exceed the data") }
            for _ in 0..<k {
                xregCoef.append(try f64())
                var x: [Double] = []
                x.reserveCapacity(Int(n))
                for _ in 0..<Int(n) { x.append(try f64()) }
                xreg.append(x)
            }
        }
        return try ArimaFit(spec: spec, method: method, ar: ar, ma: ma, sar: sar, sma: sma,
                            intercept: intercept, drift: drift, xreg: xreg, xregCoef: xregCoef,
                            sigma2: sigma2, loglik: loglik, y: y)
    }
}
