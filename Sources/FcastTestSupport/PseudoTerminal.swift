import CPseudoTerminal
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program on a pseudo-terminal, as a person at a terminal would: the pty is the
/// program's controlling terminal (a new session), so Ctrl-C typed as a byte raises SIGINT.
public final class PseudoTerminal {
    public let pid: pid_t
    private let master: Int32
    public private(set) var output = ""

    public init(executable: String, arguments: [String], environment: [String: String] = [:],
                directory: String) throws {
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        for (k, v) in environment { env[k] = v }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var fd: Int32 = -1
        var child: pid_t = 0
        let rc = fc_pty_spawn(executable, argv, envp, directory, 100, 30, &fd, &child)
        guard rc == 0 else {
            throw NSError(domain: "PseudoTerminal", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable) on a pty: \(String(cString: strerror(rc)))"])
        }
        master = fd
        pid = child
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    /// Types text (a "\r" is Enter, "\u{03}" Ctrl-C, "\u{04}" Ctrl-D, "\t" Tab).
    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads until `text` has appeared in the output after `from` (an index into `output`),
    /// or the timeout passes. Returns whether it appeared.
    @discardableResult
    public func waitFor(_ text: String, after from: String.Index? = nil, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let start = from ?? output.startIndex
            if PseudoTerminal.plain(String(output[start...])).contains(text) { return true }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            pump(timeout: min(left, 0.1))
        }
    }

    /// Reads whatever arrives within `timeout` seconds.
    public func pump(timeout: Double) {
        var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, Int32(timeout * 1000)) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        if n > 0 { output += String(decoding: buffer[0..<n], as: UTF8.self) }
    }

    /// Output since `index` as plain text: CR/LF folded to LF, escape sequences (cursor
    /// moves, colours) removed.
    public func text(after index: String.Index) -> String {
        PseudoTerminal.plain(String(output[index...]))
    }

    static func plain(_ s: String) -> String {
        var out = ""
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            if c == "\u{1B}" {
                guard let next = it.next() else { break }
                if next == "[" {  // CSI: parameters, then a final byte in @...~
                    while let p = it.next(), !(0x40...0x7E).contains(p.value) {}
                }
                continue
            }
            if c == "\r" { continue }
            out.unicodeScalars.append(c)
        }
        return out
    }

    /// Waits for the prompt to settle (the editor in raw mode), then types `text`.
    public func type(_ text: String, settle: Double = 0.2) {
        pump(timeout: settle)
        send(text)
    }

    /// The exit status, once the program has ended within `timeout` seconds.
    public func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            pump(timeout: 0.05)
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xff }
        }
        return nil
    }
}
