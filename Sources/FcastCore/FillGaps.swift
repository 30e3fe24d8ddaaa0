import Foundation

extension Panel {
    /// Inserts the periods missing from each series' regular grid (from its first to its last
    /// timestamp, on `frequency`) with `value` (NaN: a missing value), as tsibble's and
    /// statsforecast's `fill_gaps`. A series whose timestamps are off the grid is an error naming it.
    public func fillingGaps(value: Double) throws -> Panel {
        var newOffsets = [0], newDs = [Int64](), newY = [Double]()
        newDs.reserveCapacity(ds.count); newY.reserveCapacity(y.count)
        var cache = CivilCache()
        for i in 0..<count {
            let r = range(i)
            if r.isEmpty { newOffsets.append(newDs.count); continue }
            let first = ds[r.lowerBound]
            let grid = GridPosition(frequency, origin: first)
            var expected = 0
            for j in r {
                guard grid.originValid, let k = grid.index(of: ds[j], cache: &cache), k >= expected else {
                    throw FcastError("fill_gaps: series '\(ids[i])' has timestamp \(Timestamp.format(ds[j], style: timestampStyle)) off its \(frequency) grid through \(Timestamp.format(first, style: timestampStyle))")
                }
                while expected < k {
                    newDs.append(frequency.advance(first, by: expected)); newY.append(value)
                    expected += 1
                }
                newDs.append(ds[j]); newY.append(y[j])
                expected = k + 1
            }
            newOffsets.append(newDs.count)
        }
        var out = Panel(ids: ids, offsets: newOffsets, ds: newDs, y: newY, frequency: frequency, timestampStyle: timestampStyle)
        out.name = name
        out.refused = refused
        return out
    }
}
