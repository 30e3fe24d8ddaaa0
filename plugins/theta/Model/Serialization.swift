// Saved form of a ThetaFit: a version byte, then little-endian doubles. Every value that
// forecasting reads is stored bit for bit, so a loaded model forecasts identically.
extension ThetaFit {
    public func serialize() -> [UInt8] {
        var out: [UInt8] = [1]
        func put(_ x: Double) { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        let typeCode = Double(ThetaType.allCases.firstIndex(of: type)!)
        for x in [typeCode, initialLevel, alpha, theta, mse, Double(n), last.level, last.meanY, last.a, last.b, last.mu,
                  sigma, Double(decomposition.rawValue), constant == nil ? 0 : 1, constant ?? 0, scale,
                  Double(seasonal.count), Double(fitted.count)] { put(x) }
        seasonal.forEach(put)
        fitted.forEach(put)
        return out
    }

    public static func deserialize(_ bytes: [UInt8]) throws(ThetaError) -> ThetaFit {
        guard bytes.first == 1, (bytes.count - 1) % 8 == 0 else {
            throw ThetaError(.invalidArgument, "not a saved theta model (format version \(bytes.first.map(String.init) ?? "none"))")
        }
        var v: [Double] = []
        var i = 1
        while i < bytes.count {
            var bits: UInt64 = 0
            for j in 0..<8 { bits |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            v.append(Double(bitPattern: bits))
            i += 8
        }
        let head = 18
        guard v.count >= head, let ns = Int(exactly: v[16]), let nf = Int(exactly: v[17]), ns >= 1, nf >= 0,
              v.count == head + ns + nf, let tc = Int(exactly: v[0]), ThetaType.allCases.indices.contains(tc),
              let dc = UInt8(exactly: v[12]), let dec = AppliedDecomposition(rawValue: dc), let n = Int(exactly: v[5])
        else { throw ThetaError(.invalidArgument, "saved theta model is truncated or damaged") }
        return ThetaFit(type: ThetaType.allCases[tc], initialLevel: v[1], alpha: v[2], theta: v[3], mse: v[4], n: n,
                        last: ThetaState(level: v[6], meanY: v[7], a: v[8], b: v[9], mu: v[10]), sigma: v[11],
                        decomposition: dec, seasonal: Array(v[head..<(head + ns)]),
                        fitted: Array(v[(head + ns)...]), constant: v[13] != 0 ? v[14] : nil, scale: v[15])
    }
}
