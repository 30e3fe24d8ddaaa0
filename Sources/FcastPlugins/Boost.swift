import CFcastPlugin
import FcastABI

/// The "fcast.boost.v1" extension (fcast_boost.h): boosting a fitted model on, round by
/// round, for tuners whose promoted trials continue instead of starting again.
extension FittedModelHandle {
    private var boostTable: fc_boost_ext? {
        guard let p = config.algorithm.libraryExtension(named: FC_BOOST_EXTENSION) else { return nil }
        let t: fc_boost_ext = ABIStruct.read(p.assumingMemoryBound(to: fc_boost_ext.self))
        return t.boost_to == nil ? nil : t
    }

    /// Whether the model's library can boost it on (it may still refuse this model).
    public var canBoost: Bool { boostTable != nil }

    /// Boosts the model on until it has `rounds` rounds in all.
    public func boost(to rounds: Int) throws(TaskFailure) {
        guard let t = boostTable, let boost = t.boost_to else {
            throw TaskFailure(.unsupported, "\(config.algorithm.name) cannot continue training a fitted model (no \(FC_BOOST_EXTENSION) extension)")
        }
        var errbuf = ErrorBuffer()
        let status = config.algorithm.locked { boost(pointer, UInt32(clamping: rounds), &errbuf.err) }
        guard Int(status) == FC_OK else { throw errbuf.failure(status) }
    }

    /// The rounds the model has, or nil when its library does not say.
    public var boostedRounds: Int? {
        guard let t = boostTable, let rounds = t.rounds else { return nil }
        return Int(rounds(pointer))
    }
}
