/// Checked conversions from Double to Int: `Int(x)` traps on NaN, infinities and magnitudes
/// past Int's range (1e300, a value from data); these return nil instead, so the caller can
/// say what was wrong with which value.
public enum Checked {
    /// `x` truncated toward zero, when that fits in an Int.
    @inline(__always)
    public static func truncated(_ x: Double) -> Int? {
        // 2^63 is exactly representable; every finite Double below it in magnitude fits.
        guard x.isFinite, x > -9.223372036854775808e18, x < 9.223372036854775808e18 else { return nil }
        return Int(x)
    }

    /// `x` when it is a whole number that fits in an Int.
    @inline(__always)
    public static func whole(_ x: Double) -> Int? { Int(exactly: x) }

    /// `x` truncated, clamped into `range` (NaN goes to the lower bound): for display widths,
    /// percentages and the like, where any number must give some answer.
    public static func clamped(_ x: Double, to range: ClosedRange<Int>) -> Int {
        guard !x.isNaN else { return range.lowerBound }
        if x <= Double(range.lowerBound) { return range.lowerBound }
        if x >= Double(range.upperBound) { return range.upperBound }
        return Int(x)
    }
}
