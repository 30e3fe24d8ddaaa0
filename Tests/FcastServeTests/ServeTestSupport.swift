import FcastCore
import FcastPlugins
import FcastServe
import FcastStore
import FcastTestSupport
import Foundation
import XCTest

/// A model store made once through the binary: the best of snaive, drift and naive per
/// series of visnights, saved with horizon 8 and levels 80, 95.
enum ServeFixture {
    static let dir = TestSupport.temporaryDirectory()
    static let storePath = dir.appendingPathComponent("models/v.db").path

    static let registry: PluginRegistry = {
        let r = PluginRegistry()
        _ = try? r.load(path: TestSupport.naivePlugin.path)
        return r
    }()

    static func saveScript(to path: String) -> String {
        """
        d = load("\(TestSupport.exampleData("visnights.csv").path)")
        train, test = split(d, last: 8)
        res = run(grid(snaive(), drift(), naive(), season: 4), train, horizon: 8, level: [80, 95])
        save(best(evaluate(res, test)), "\(path)")
        """
    }

    /// Saves a version into `path` (a new version each call).
    static func save(to path: String) throws {
        let script = try TestSupport.write(saveScript(to: path), to: "save-\(UUID().uuidString).fc", in: dir)
        let r = try TestSupport.fcast(["run", script.path])
        guard r.status == 0 else { throw StoreError("saving failed: \(r.stderr)\(r.stdout)") }
    }

    static let store: Result<String, StoreError> = {
        do {
            try save(to: storePath)
            return .success(storePath)
        } catch {
            return .failure(StoreError("\(error)"))
        }
    }()

    static func path() throws -> String { try store.get() }

    static func version() throws -> StoreVersion {
        try XCTUnwrap(try SQLiteModelStore(path: try path(), readOnly: true).latest())
    }
}

/// A minimal HTTP/1.1 client over a socket, for the tests that run `fcast serve` itself:
/// it can send a request in parts, to keep one in flight.
final class RawHTTP {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw StoreError("cannot connect to port \(port): errno \(errno)") }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    /// Reads to the end of the connection: (status, body).
    func readResponse() -> (status: Int, body: String) {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return (0, text) }
        let head = text[..<split.lowerBound]
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var body = String(text[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = Self.unchunk(body) }
        return (status, body)
    }

    static func unchunk(_ s: String) -> String {
        var out = "", rest = Substring(s)
        while let line = rest.range(of: "\r\n") {
            guard let n = Int(rest[..<line.lowerBound], radix: 16), n > 0 else { break }
            let start = line.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes[0..<n], as: UTF8.self)
            rest = Substring(String(decoding: bytes[(n + 2)...], as: UTF8.self))
        }
        return out
    }

    static func request(port: Int, _ method: String, _ path: String, body: String? = nil) throws -> (status: Int, body: String) {
        let c = try RawHTTP(port: port)
        var req = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let body { req += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        req += "\r\n" + (body ?? "")
        c.send(req)
        return c.readResponse()
    }
}

/// `fcast serve` in a process, on a free port.
final class ServerProcess {
    let process = Process()
    let port: Int
    let errors = Pipe()
    private let lines = LineCollector()

    final class LineCollector: @unchecked Sendable {
        let lock = NSLock()
        var text = ""
        func append(_ d: Data) { lock.lock(); text += String(decoding: d, as: UTF8.self); lock.unlock() }
        var all: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    init(store: String, arguments: [String] = []) throws {
        process.executableURL = TestSupport.fcastBinary
        process.arguments = ["serve", store, "--port", "0"] + arguments
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let lines = self.lines
        errors.fileHandleForReading.readabilityHandler = { h in lines.append(h.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while Date() < deadline, process.isRunning {
            if let r = lines.all.range(of: "http://127.0.0.1:") {
                let digits = lines.all[r.upperBound...].prefix { $0.isNumber }
                if let p = Int(digits), lines.all[r.upperBound...].contains("\n") { found = p; break }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard let found else { process.terminate(); throw StoreError("fcast serve did not start: \(lines.all)") }
        port = found
    }

    var stderr: String { lines.all }

    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}
