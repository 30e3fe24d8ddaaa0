import CFcastPlugin

/// Reading a struct the other side of the ABI wrote, by the struct_size rule of
/// fcast_plugin.h: copy min(struct_size, own size) bytes into a zeroed struct, so fields
/// the writer did not know read as zero/NULL and no byte past struct_size is touched.
public enum ABIStruct {
    /// The writer's struct_size (the first field of every struct).
    public static func declaredSize<T>(_ pointer: UnsafePointer<T>) -> Int {
        Int(UnsafeRawPointer(pointer).load(as: UInt32.self))
    }

    /// The struct at `pointer` as this side knows it.
    public static func read<T>(_ pointer: UnsafePointer<T>) -> T {
        read(pointer, size: declaredSize(pointer))
    }

    /// The struct at `pointer` when `size` bytes of it are valid (the packed elements of
    /// an array are read with the array's stride).
    public static func read<T>(_ pointer: UnsafeRawPointer, size: Int) -> T {
        let own = MemoryLayout<T>.size
        let n = max(0, min(size, own))
        return withUnsafeTemporaryAllocation(byteCount: max(own, 1), alignment: MemoryLayout<T>.alignment) { buf in
            let base = buf.baseAddress!
            base.initializeMemory(as: UInt8.self, repeating: 0, count: own)
            base.copyMemory(from: pointer, byteCount: n)
            return base.load(as: T.self)
        }
    }

    /// Whether a struct of `size` bytes holds all of `field`.
    public static func holds<T, F>(_ size: Int, _ field: KeyPath<T, F>) -> Bool {
        guard let offset = MemoryLayout<T>.offset(of: field) else { return false }
        return size >= offset + MemoryLayout<F>.size
    }
}

/// The ABI 1.0 sizes of the structs (FC_*_SIZE_1_0 in the header for those that grew in
/// 1.1): no struct from the other side may be smaller, and a 1.0 library gets arrays
/// packed at these sizes.
public enum ABI10Size {
    public static let host = MemoryLayout<fc_host>.offset(of: \fc_host.context)!
    public static let series = MemoryLayout<fc_series>.offset(of: \fc_series.freq_anchor)!
    public static let predictRequest = MemoryLayout<fc_predict_request>.offset(of: \fc_predict_request.call_context)!
    public static let library = MemoryLayout<fc_library>.offset(of: \fc_library.get_extension)!
    public static let algorithm = MemoryLayout<fc_algorithm>.size
    public static let paramSpec = MemoryLayout<fc_param_spec>.size
    public static let paramValue = MemoryLayout<fc_param_value>.size
    public static let forecast = MemoryLayout<fc_forecast>.size
    public static let error = MemoryLayout<fc_error>.size
}
