/// The model inside the kit's wrappers and what they hold, for a `ForwardingConfig` that
/// forwards its own model type: `MissingEndsModel` (missing ends cut off: the forwarded
/// model is wrapped again for the new series' own ends) and `BackTransformedModel` (Box-Cox:
/// the new values are transformed with the same lambda).
public struct WrappedModel {
    /// The plugin's own model.
    public var core: any FittedModel
    /// The Box-Cox lambda the model was fitted under, if any.
    public var lambda: Double?

    public init(_ model: any FittedModel) {
        var m = model
        var lambda: Double?
        while true {
            if let w = m as? MissingEndsModel { m = w.inner; continue }
            if let b = m as? BackTransformedModel {
                lambda = b.lambda
                m = b.inner
                continue
            }
            break
        }
        core = m
        self.lambda = lambda
    }
}
