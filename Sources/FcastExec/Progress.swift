import Foundation
import FcastCore
import FcastPlugins
import Synchronization

public enum ProgressStyle: Sendable {
    /// A bar when the output is a terminal, a line every few seconds otherwise.
    case auto, bar, lines, none
}

/// Where progress goes: stderr, or a sink (tests, the REPL).
public struct ProgressOutput: Sendable {
    public var isTerminal: Bool
    public var write: @Sendable (String) -> Void
    public init(isTerminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.write = write
    }
    public static let standardError = ProgressOutput(isTerminal: isatty(2) != 0) { text in
        FileHandle.standardError.write(Data(text.utf8))
    }
    public static let silent = ProgressOutput(isTerminal: false) { _ in }
}

/// Reports done/total, rate, ETA and failures while a run goes; a ticker thread draws it so
/// that workers only bump two counters.
public final class ProgressReporter: @unchecked Sendable {
    let total: Int
    let workers: Int
    let output: ProgressOutput
    let bar: Bool
    let enabled: Bool
    let interval: Double
    private let done = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let start = DispatchTime.now().uptimeNanoseconds
    private let tickerDone = DispatchSemaphore(value: 0)

    public init(total: Int, workers: Int, style: ProgressStyle, output: ProgressOutput) {
        self.total = total
        self.workers = workers
        self.output = output
        switch style {
        case .auto: bar = output.isTerminal; enabled = true
        case .bar: bar = true; enabled = true
        case .lines: bar = false; enabled = true
        case .none: bar = false; enabled = false
        }
        interval = bar ? 0.1 : 5
        guard enabled else { return }
        // Its block holds the reporter, whose onTaskFinished may hold a run's buffers.
        WorkerThread.start { [self] in
            var last = 0.0
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: 0.05)
                let now = elapsed
                if now - last >= interval {
                    last = now
                    draw()
                }
            }
            tickerDone.signal()
        }
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    public func taskFinished(failed f: Bool) {
        done.add(1, ordering: .relaxed)
        if f { failed.add(1, ordering: .relaxed) }
    }

    /// Called with each task as it finishes, on the thread that finished it, after its
    /// slots are written: the run's journal records it there.
    var onTaskFinished: (@Sendable (Int) -> Void)?

    /// The tasks reported finished, until `close()`: after a stop at once, the only tasks
    /// whose slots may be read while abandoned tasks still write theirs.
    private let ledger = Mutex<(closed: Bool, finished: [Int])>((false, []))

    /// Task k has finished (its slots are written): counted, and recorded by the journal.
    /// After `close()` a late task (abandoned by a stop at once) is dropped.
    public func taskFinished(_ k: Int, failed f: Bool) {
        let counted = ledger.withLock { l -> Bool in
            if l.closed { return false }
            // Inside the lock, so that no journal write is under way once close() returns.
            onTaskFinished?(k)
            l.finished.append(k)
            return true
        }
        if counted { taskFinished(failed: f) }
    }

    /// Takes no more tasks; returns those reported finished.
    func close() -> [Int] {
        ledger.withLock { l in
            l.closed = true
            return l.finished
        }
    }

    private func draw() {
        let d = done.load(ordering: .relaxed), f = failed.load(ordering: .relaxed)
        let secs = elapsed
        let rate = secs > 0 ? Double(d) / secs : 0
        let eta = rate > 0 ? Double(total - d) / rate : .infinity
        let pct = total > 0 ? Double(d) / Double(total) : 1
        let failures = f > 0 ? ", \(f) failed" : ""
        if bar {
            let width = 28
            let filled = Checked.clamped(pct * Double(width), to: 0...width)
            let barText = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            output.write("\r\u{1B}[2K\(barText) \(d)/\(total) \(Self.format(rate))/s ETA \(Self.duration(eta))\(failures)")
        } else {
            output.write("run: \(d)/\(total) tasks (\(Checked.clamped(pct * 100, to: 0...100))%), \(Self.format(rate))/s, ETA \(Self.duration(eta))\(failures)\n")
        }
    }

    public func finish(seconds: Double, cancelled: Bool, abandoned: Bool = false) {
        guard enabled else { return }
        stopped.store(true, ordering: .relaxed)
        tickerDone.wait()
        let d = done.load(ordering: .relaxed), f = failed.load(ordering: .relaxed)
        let rate = seconds > 0 ? Double(d) / seconds : 0
        let head = bar ? "\r\u{1B}[2K" : ""
        var what = cancelled ? "interrupted after \(d) of \(total) tasks" : "\(d) task\(d == 1 ? "" : "s")"
        if abandoned { what += " (stopped at once: the fits in flight were dropped)" }
        output.write("\(head)run: \(what) in \(Self.duration(seconds)) (\(Self.format(rate))/s) on \(workers) worker\(workers == 1 ? "" : "s"), \(f) failed\n")
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "--" }
        if x >= 100 { return Checked.truncated(x.rounded()).map(String.init) ?? String(format: "%.3g", x) }
        if x >= 10 { return String(format: "%.1f", x) }
        return String(format: "%.2f", x)
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite, s < 1e12 else { return "--" }
        if s < 60 { return String(format: s < 1 ? "%.3fs" : s < 10 ? "%.2fs" : "%.1fs", s) }
        let m = Int(s) / 60, sec = Int(s) % 60
        if m < 60 { return "\(m)m\(String(format: "%02d", sec))s" }
        return "\(m / 60)h\(String(format: "%02d", m % 60))m"
    }
}
