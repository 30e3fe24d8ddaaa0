import CFcastPlugin
import FcastABI

/// The "fcast.forward.v1" extension (fcast_forward.h): a fitted model's parameters applied
/// to new data, its states filtered through it, nothing re-estimated (statsforecast's
/// `forward`), for cross-validation that fits once and forecasts later origins
/// (`refit: false` or every k windows).
extension ModelConfiguration {
    private var forwardTable: fc_forward_ext? {
        guard let p = algorithm.libraryExtension(named: FC_FORWARD_EXTENSION) else { return nil }
        let t: fc_forward_ext = ABIStruct.read(p.assumingMemoryBound(to: fc_forward_ext.self))
        return t.forward == nil || t.can_forward == nil ? nil : t
    }

    /// Whether the models fitted under this configuration can be forwarded (global models
    /// forecast any series with predict_global and need no forward).
    public var canForward: Bool {
        guard let t = forwardTable, let can = t.can_forward else { return false }
        return algorithm.locked { can(pointer) } != 0
    }

    /// `model` (fitted under this configuration) applied to `series`: a new model.
    public func forward(_ model: FittedModelHandle, to series: SeriesRef) throws(TaskFailure) -> FittedModelHandle {
        guard !model.isGlobal else {
            throw TaskFailure(.unsupported, "this \(algorithm.name) model was fitted across series: forecast new data with predictGlobal")
        }
        guard let t = forwardTable, let forward = t.forward, canForward else {
            throw TaskFailure(.unsupported, "\(algorithm.name) cannot forecast from new data without fitting again (no \(FC_FORWARD_EXTENSION) extension)")
        }
        var errbuf = ErrorBuffer()
        var out: UnsafeMutableRawPointer?
        let status: fc_status = series.id.withCString { cid in
            var s = series.cSeries(id: cid, callContext: HostServices.callContext(), exogenous: exogenous)
            return algorithm.locked { forward(pointer, model.pointer, &s, &out, &errbuf.err) }
        }
        guard Int(status) == FC_OK, let out else {
            throw errbuf.failure(Int(status) == FC_OK ? fc_status(FC_ERR_INTERNAL) : status)
        }
        return FittedModelHandle(config: self, pointer: out)
    }
}
