import Foundation
import Synchronization

/// A request to stop one run (or one session's runs), passed down to the executor, its
/// tasks and, through the host table, to the plugin's long fits. Never process-wide: two
/// runs in one process (the server's requests) cancel independently.
///
/// A token may have a parent: it reads as cancelled when it or any ancestor is. An
/// interactive session owns one parent token that Ctrl-C cancels, and each run makes a
/// child of it, so a run started from a request of the server has none.
public final class CancelToken: Sendable {
    private let flag = Atomic<Bool>(false)
    public let parent: CancelToken?

    public init(parent: CancelToken? = nil) { self.parent = parent }

    private let abandoned = Atomic<Bool>(false)

    /// Asks whatever holds this token to stop. Safe from a signal handler: one atomic store.
    public func cancel() { flag.store(true, ordering: .relaxed) }
    /// Asks for a stop at once: drivers stop waiting for the tasks in flight (their results
    /// are dropped; what finished is kept). Safe from a signal handler.
    public func abandon() {
        abandoned.store(true, ordering: .relaxed)
        flag.store(true, ordering: .relaxed)
    }
    /// Clears this token's own requests (the parent's stay): a REPL re-arms it per input.
    public func reset() {
        flag.store(false, ordering: .relaxed)
        abandoned.store(false, ordering: .relaxed)
    }

    /// Ctrl-C: the first asks to stop after the tasks in flight, the second to stop at once.
    /// Returns false when the token was already abandoned (a third Ctrl-C: the caller may
    /// give up on the process). Safe from a signal handler.
    public func escalate() -> Bool {
        if isAbandoned { return false }
        if isCancelled { abandon() } else { cancel() }
        return true
    }

    public var isAbandoned: Bool {
        if abandoned.load(ordering: .relaxed) { return true }
        return parent?.isAbandoned ?? false
    }

    public var isCancelled: Bool {
        if flag.load(ordering: .relaxed) { return true }
        return parent?.isCancelled ?? false
    }

    // MARK: The token of the plugin call running on this thread

    /// The token that fc_host.should_cancel answers for on the calling thread: set by the
    /// executor around each plugin call, so a plugin that polls from the thread it was
    /// called on sees its own run's token.
    public static var current: CancelToken? {
        guard let raw = pthread_getspecific(currentKey) else { return nil }
        return Unmanaged<CancelToken>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `body` with `self` as this thread's current token, restoring the previous one.
    public func whileCurrent<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(CancelToken.currentKey)
        pthread_setspecific(CancelToken.currentKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(CancelToken.currentKey, previous) }
        return try body()
    }

    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
