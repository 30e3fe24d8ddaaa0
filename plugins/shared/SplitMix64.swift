#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 with Box-Muller normals: small, fast, the same stream on every platform. The
/// simulated intervals of the model plugins (ets, theta) draw from it, seeded per task.
public struct SplitMix64 {
    public var state: UInt64
    public var spare: Double?

    @inlinable public init(seed: UInt64) {
        state = seed ^ 0x9E37_79B9_7F4A_7C15
        spare = nil
    }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on (0, 1), never 0.
    @inlinable public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// Standard normal; each Box-Muller pair gives two.
    @inlinable public mutating func normal() -> Double {
        if let s = spare { spare = nil; return s }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * .pi * u2)
        return r * cos(2 * .pi * u2)
    }
}
