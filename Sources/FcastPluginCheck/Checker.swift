import Foundation

/// `fcast plugin check LIB`: every check of `Checks.all` for every algorithm of a library,
/// each algorithm's checks in a probe process of their own (`fcast plugin probe`). A probe
/// that dies by a signal or stops answering fails the check it was running, with the
/// reason, and a new probe goes on with the next check.
public struct CheckReport: Codable, Sendable {
    public var path: String
    public var library: LibraryInfo?
    public var loadError: String?
    public var results: [CheckResult]
    public var passed: Bool { loadError == nil && !results.contains { $0.status == .fail } }

    public func json() -> String {
        struct Out: Codable {
            var path: String
            var library: LibraryInfo?
            var loadError: String?
            var passed: Bool
            var results: [CheckResult]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(Out(path: path, library: library, loadError: loadError, passed: passed,
                                            results: results))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public func table() -> String {
        var lines: [String] = []
        if let lib = library {
            lines.append("\(path): library '\(lib.name)' \(lib.version), ABI \(lib.abiMajor).\(lib.abiMinor), fc_library \(lib.tableSize) bytes, \(lib.algorithms.count) algorithm\(lib.algorithms.count == 1 ? "" : "s")")
        } else {
            lines.append("\(path): does not load")
        }
        if let loadError { lines.append("FAIL load: \(loadError)") }
        let wa = max(9, results.map(\.algorithm.count).max() ?? 0)
        let wc = max(5, results.map(\.check.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        if !results.isEmpty {
            lines.append(pad("algorithm", wa) + "  " + pad("check", wc) + "  result  seconds  detail")
            for r in results {
                lines.append(pad(r.algorithm, wa) + "  " + pad(r.check, wc) + "  " + pad(r.status.rawValue, 6) + "  "
                             + pad(String(format: "%7.3f", r.seconds), 7) + "  " + r.detail)
            }
        }
        let failed = results.filter { $0.status == .fail }.count + (loadError == nil ? 0 : 1)
        let passedCount = results.filter { $0.status == .pass }.count
        let skipped = results.filter { $0.status == .skip }.count
        lines.append("\(passed ? "PASSED" : "FAILED"): \(passedCount) passed, \(failed) failed, \(skipped) skipped")
        return lines.joined(separator: "\n")
    }
}

public struct Checker {
    /// The fcast executable that runs the probes (`fcast plugin probe`).
    public var executable: URL
    /// Seconds a check may run before it counts as hung (some checks get a multiple).
    public var timeout: Double = 30
    /// The checks to run (default: all).
    public var checks: [String] = Checks.all
    /// Only these algorithms (default: all of the library's).
    public var algorithms: [String]?

    public init(executable: URL) { self.executable = executable }

    public func check(library path: String) -> CheckReport {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var report = CheckReport(path: path, results: [])
        // Loading itself runs in a probe: an entry point may crash too.
        let first = ProbeProcess(executable: executable, arguments: ["plugin", "probe", absolute])
        switch first.next(timeout: timeout) {
        case .line(let line):
            if let lib = line.library {
                report.library = lib
                if lib.abiMajor != 1 { report.loadError = "ABI \(lib.abiMajor).\(lib.abiMinor): this fcast speaks 1.x" }
            } else {
                report.loadError = line.error ?? "the probe answered nothing"
            }
        case .ended(let reason): report.loadError = "loading the library \(reason)"
        case .timedOut: report.loadError = "loading the library did not finish within \(Int(timeout)) s"
        }
        first.stop()
        guard let lib = report.library, report.loadError == nil else { return report }
        for algorithm in lib.algorithms where algorithms == nil || algorithms!.contains(algorithm) {
            report.results += run(algorithm: algorithm, path: absolute)
        }
        if let wanted = algorithms, let missing = wanted.first(where: { !lib.algorithms.contains($0) }) {
            report.loadError = "the library has no algorithm '\(missing)' (it has \(lib.algorithms.joined(separator: ", ")))"
        }
        return report
    }

    /// Runs one algorithm's checks, starting a new probe after one dies or hangs.
    func run(algorithm: String, path: String) -> [CheckResult] {
        var results: [CheckResult] = []
        var remaining = checks
        while !remaining.isEmpty {
            let probe = ProbeProcess(executable: executable,
                                     arguments: ["plugin", "probe", path, algorithm] + remaining)
            var current: String?
            var started = Date()
            loop: while true {
                let limit = current.map { Checks.timeout($0, base: timeout) } ?? timeout
                switch probe.next(timeout: limit) {
                case .line(let line):
                    if let b = line.begin {
                        current = b
                        started = Date()
                    } else if let r = line.result {
                        results.append(r)
                        remaining.removeAll { $0 == r.check }
                        current = nil
                    } else if let e = line.error {
                        results += remaining.map { CheckResult(algorithm: algorithm, check: $0, status: .fail, detail: e, seconds: 0) }
                        remaining = []
                        break loop
                    }
                case .ended(let reason):
                    let check = current ?? remaining.first!
                    let stderr = probe.standardErrorTail()
                    results.append(CheckResult(algorithm: algorithm, check: check, status: .fail,
                                               detail: "the plugin \(reason)" + (stderr.isEmpty ? "" : " (\(stderr))"),
                                               seconds: Date().timeIntervalSince(started)))
                    remaining.removeAll { $0 == check }
                    break loop
                case .timedOut:
                    let check = current ?? remaining.first!
                    let limit = Checks.timeout(check, base: timeout)
                    results.append(CheckResult(algorithm: algorithm, check: check, status: .fail,
                                               detail: "hung: no answer within \(Int(limit)) s (stopped with SIGKILL)",
                                               seconds: Date().timeIntervalSince(started)))
                    remaining.removeAll { $0 == check }
                    break loop
                }
                if remaining.isEmpty { break loop }
            }
            probe.stop()
        }
        return results
    }
}

/// A probe child process whose stdout is read line by line with a deadline.
final class ProbeProcess: @unchecked Sendable {
    enum Event {
        case line(ProbeLine)
        case ended(String)
        case timedOut
    }

    private let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private var eof = false
    private var stderrData = Data()
    private let available = DispatchSemaphore(value: 0)
    private var startError: String?

    init(executable: URL, arguments: [String]) {
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            startError = "could not be started: \(error.localizedDescription)"
            eof = true
            available.signal()
            return
        }
        let outHandle = out.fileHandleForReading, errHandle = err.fileHandleForReading
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = outHandle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    lock.withLock { lines.append(line) }
                    available.signal()
                }
            }
            lock.withLock { eof = true }
            available.signal()
        }
        Thread.detachNewThread { [self] in
            while true {
                let chunk = errHandle.availableData
                if chunk.isEmpty { break }
                lock.withLock {
                    stderrData.append(chunk)
                    if stderrData.count > 64 * 1024 { stderrData.removeFirst(stderrData.count - 64 * 1024) }
                }
            }
        }
    }

    func next(timeout: Double) -> Event {
        while true {
            let item: (String?, Bool) = lock.withLock {
                if !lines.isEmpty { return (lines.removeFirst(), false) }
                return (nil, eof)
            }
            if let line = item.0 {
                guard let parsed = try? JSONDecoder().decode(ProbeLine.self, from: Data(line.utf8)) else {
                    continue  // not ours: a plugin that printed to stdout
                }
                return .line(parsed)
            }
            if item.1 {
                if let startError { return .ended(startError) }
                process.waitUntilExit()
                return .ended(ProbeProcess.describe(process))
            }
            if available.wait(timeout: .now() + timeout) == .timedOut { return .timedOut }
        }
    }

    func standardErrorTail() -> String {
        usleep(50_000)  // let the reader drain what the dying process wrote
        let text = lock.withLock { String(decoding: stderrData, as: UTF8.self) }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("plugin ") && !$0.hasPrefix("💣") && !$0.hasPrefix("Stack dump") && !$0.hasPrefix("#") && !$0.hasPrefix("0x") && !$0.hasPrefix("at /") }
        return lines.prefix(2).joined(separator: " | ")
    }

    static func describe(_ p: Process) -> String {
        if p.terminationReason == .uncaughtSignal {
            let sig = p.terminationStatus
            return "crashed with \(signalName(sig))"
        }
        return p.terminationStatus == 0 ? "probe stopped without an answer" : "probe exited with status \(p.terminationStatus) without an answer"
    }

    static func signalName(_ sig: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV (segmentation fault)", SIGBUS: "SIGBUS (bus error)",
                                      SIGABRT: "SIGABRT (abort)", SIGFPE: "SIGFPE (arithmetic error)",
                                      SIGILL: "SIGILL (illegal instruction: a Swift runtime trap?)", SIGKILL: "SIGKILL",
                                      SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP (trap: a Swift runtime error?)"]
        return names[sig] ?? "signal \(sig)"
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
