import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why plotting failed: gnuplot is missing, it refused a command, or a file cannot be written.
public struct PlotError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Further lines: gnuplot's own message, a hint.
    public var notes: [String]

    public init(_ message: String, notes: [String] = []) {
        self.message = message
        self.notes = notes
    }

    public var description: String { ([message] + notes).joined(separator: "\n") }

    public static func notInstalled(_ searched: String) -> PlotError {
        PlotError("gnuplot is not installed (looked for \(searched))",
                  notes: ["help: install it with `apt-get install gnuplot-nox` (Debian, Ubuntu), "
                          + "or set FCAST_GNUPLOT to the gnuplot program"])
    }
}

/// What a gnuplot process printed.
public struct GnuplotOutput: Sendable {
    /// The terminal output (dumb text, sixel escapes); empty for files.
    public var stdout: Data
    /// Warnings and messages, without fcast's own progress markers.
    public var stderr: String
    /// How many jobs of the batch were finished.
    public var completed: Int
}

/// A gnuplot program, driven over a pipe: the script goes to its standard input, its standard
/// output and error are read to the end, and the process is always waited for.
public struct Gnuplot: Sendable {
    public var executable: String

    public init(executable: String) { self.executable = executable }

    /// `$FCAST_GNUPLOT` when set, else `gnuplot` on the PATH.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(PlotError) -> Gnuplot {
        if let explicit = environment["FCAST_GNUPLOT"], !explicit.isEmpty {
            guard isExecutable(explicit) else { throw PlotError.notInstalled("FCAST_GNUPLOT=\(explicit)") }
            return Gnuplot(executable: explicit)
        }
        let dirs = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for d in dirs where !d.isEmpty {
            let candidate = d + "/gnuplot"
            if isExecutable(candidate) { return Gnuplot(executable: candidate) }
        }
        throw PlotError.notInstalled("gnuplot on the PATH")
    }

    static func isExecutable(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
            && access(path, X_OK) == 0
    }

    /// Runs one script in one gnuplot process. `jobs` is how many figures the script draws
    /// (for the error message: which one failed). Throws when gnuplot exits with an error,
    /// with its message.
    public func run(_ script: String, jobs: Int = 1, describeJob: (Int) -> String = { "figure \($0 + 1)" }) throws(PlotError) -> GnuplotOutput {
        _ = Self.ignoreSigpipe
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // -d: gnuplot's default settings, whatever the user's ~/.gnuplot says.
        process.arguments = ["-d"]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DISPLAY")                       // never open a window
        process.environment = env
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw PlotError("cannot start gnuplot (\(executable)): \(error.localizedDescription)",
                            notes: ["help: install it with `apt-get install gnuplot-nox`, or set FCAST_GNUPLOT"])
        }

        // Feed the script and drain stdout on their own threads, stderr here: gnuplot may
        // fill one pipe while we write the other.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        let bytes = Array(script.utf8)
        let writeFD = input.fileHandleForWriting.fileDescriptor
        group.enter()
        Thread.detachNewThread {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(writeFD, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        break   // EPIPE: gnuplot stopped reading (it failed); its stderr says why
                    }
                    offset += n
                }
            }
            try? input.fileHandleForWriting.close()
            group.leave()
        }
        group.enter()
        Thread.detachNewThread {
            outBox.data = output.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()

        var completed = 0
        var messages: [String] = []
        for line in String(decoding: errData, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(GnuplotScript.doneMarker) {
                completed = max(completed, (Int(line.dropFirst(GnuplotScript.doneMarker.count)) ?? -1) + 1)
            } else {
                messages.append(String(line))
            }
        }
        while messages.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { messages.removeLast() }
        let stderr = messages.joined(separator: "\n")
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal || status != 0 || completed < jobs {
            let what = completed < jobs ? " while drawing \(describeJob(completed))" : ""
            var notes: [String] = []
            if !stderr.isEmpty {
                notes.append("note: gnuplot said:")
                notes += messages.suffix(12).map { "note:   " + $0 }
            } else if process.terminationReason == .uncaughtSignal {
                notes.append("note: gnuplot was stopped by signal \(status)")
            } else {
                notes.append("note: gnuplot exited with status \(status) and no message")
            }
            if let cause = Self.errorLine(in: messages) {
                throw PlotError("gnuplot failed\(what): \(cause)", notes: notes)
            }
            throw PlotError("gnuplot failed\(what)", notes: notes)
        }
        return GnuplotOutput(stdout: outBox.data, stderr: stderr, completed: completed)
    }

    /// gnuplot's error message: the `line N: ...` line after the echoed command.
    static func errorLine(in messages: [String]) -> String? {
        for m in messages.reversed() {
            let t = m.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("line "), let colon = t.firstIndex(of: ":") {
                return t[t.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return messages.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("gnuplot>") }?
            .trimmingCharacters(in: .whitespaces)
    }

    /// A write to a closed pipe must be an error, not a signal that ends fcast.
    static let ignoreSigpipe: Void = { signal(SIGPIPE, SIG_IGN); return () }()
}
