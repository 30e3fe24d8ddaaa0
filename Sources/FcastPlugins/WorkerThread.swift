import Foundation

/// Starts threads whose work, and everything it captured, is released before the thread
/// ends.
///
/// Foundation's `Thread` keeps its block until the thread's own teardown, which runs after
/// the thread's C++ `thread_local` objects have been destroyed. A run's buffers captured by
/// that block may hold the last reference to fitted models: freed there, an XGBoost
/// booster's destructor used its thread-local store after it was destroyed and corrupted
/// the heap (crashes in `free()` seen long after, in whatever allocated next). Here the
/// block holds only an emptied box at teardown.
public enum WorkerThread {
    /// The stack of threads that run model fits, which recurse (optimisers, searches): more
    /// than Foundation's default 512 KiB.
    public static let fitStackSize = 8 << 20

    /// Runs `body` once on a new thread with `stackSize` bytes of stack (Foundation's default
    /// when nil).
    public static func start(stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let box = Once(body)
        let thread = Thread { box.run() }
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
    }

    private final class Once: @unchecked Sendable {
        private var body: (@Sendable () -> Void)?
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        /// Only the starting thread touches `body`, once.
        func run() {
            let b = body
            body = nil
            b?()
        }
    }
}
