/// Quickselect (Hoare's partition, median-of-three pivots) on v[from...]: puts the k-th
/// smallest at v[k], smaller or equal ones before it and larger or equal ones after it, and
/// returns it. The ets and prophet plugins' simulated intervals read their quantiles with it.
@discardableResult
public func select(_ v: UnsafeMutableBufferPointer<Double>, _ k: Int, from: Int = 0) -> Double {
    var lo = from, hi = v.count &- 1
    let p = v.baseAddress!
    @inline(__always) func swap(_ a: Int, _ b: Int) { let t = p[a]; p[a] = p[b]; p[b] = t }
    while hi > lo {
        let mid = lo &+ (hi &- lo) / 2
        if p[mid] < p[lo] { swap(mid, lo) }
        if p[hi] < p[lo] { swap(hi, lo) }
        if p[hi] < p[mid] { swap(hi, mid) }
        let pivot = p[mid]
        var i = lo, j = hi
        while i <= j {
            while p[i] < pivot { i = i &+ 1 }
            while p[j] > pivot { j = j &- 1 }
            if i <= j { swap(i, j); i = i &+ 1; j = j &- 1 }
        }
        // now p[lo...j] <= pivot <= p[i...hi], and p[j+1..<i] == pivot
        if k <= j { hi = j } else if k >= i { lo = i } else { return p[k] }
    }
    return p[k]
}
