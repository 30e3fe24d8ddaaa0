import FcastStore
import FcastTestSupport
import Foundation
import XCTest

/// `fcast serve` as a process: its forecasts are `fcast predict`'s numbers, a new version of
/// the store is served without a restart, and SIGTERM lets a request in flight finish.
final class ServeProcessTests: XCTestCase {
    struct Forecast: Decodable {
        var id: String
        var model: String
        var ds: [String]
        var mean: [Double]
        var lo: [String: [Double]]
        var hi: [String: [Double]]
    }
    struct Answer: Decodable {
        var forecasts: [Forecast]
    }

    func testForecastsAreFcastPredictsNumbers() throws {
        let store = try ServeFixture.path()
        let csvPath = ServeFixture.dir.appendingPathComponent("predict-\(UUID().uuidString).csv").path
        let p = try TestSupport.fcast(["predict", store, "--horizon", "6", "--level", "80", "--level", "97.5", "--out", csvPath])
        XCTAssertEqual(p.status, 0, p.stderr)
        let rows = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        XCTAssertEqual(rows.count, 20 * 6)
        let ids = Array(Set(rows.map { $0[0] })).sorted()

        let server = try ServerProcess(store: store)
        defer { _ = server.stop() }
        XCTAssertTrue(server.stderr.contains("serving \(store) version "), server.stderr)
        XCTAssertTrue(server.stderr.contains("(20 series) on http://127.0.0.1:\(server.port)"), server.stderr)
        let body = #"{"ids": [\#(ids.map { "\"\($0)\"" }.joined(separator: ","))], "horizon": 6, "level": [80, 97.5]}"#
        let r = try RawHTTP.request(port: server.port, "POST", "/v1/forecast", body: body)
        XCTAssertEqual(r.status, 200, r.body)
        let answer = try JSONDecoder().decode(Answer.self, from: Data(r.body.utf8))
        XCTAssertEqual(answer.forecasts.count, 20)
        var compared = 0
        for f in answer.forecasts {
            let mine = rows.filter { $0[0] == f.id }
            XCTAssertEqual(mine.count, 6)
            for (t, row) in mine.enumerated() {
                XCTAssertEqual(row[1], f.ds[t])
                XCTAssertEqual(row[2], f.model)
                let expected = row[3...].map { Double($0)!.bitPattern }
                let got = [f.mean[t], f.lo["80"]![t], f.hi["80"]![t], f.lo["97.5"]![t], f.hi["97.5"]![t]].map(\.bitPattern)
                XCTAssertEqual(got, expected, "\(f.id) step \(t + 1)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 120)
    }

    func testANewVersionIsServedWithoutARestart() throws {
        let store = ServeFixture.dir.appendingPathComponent("models/reload-\(UUID().uuidString).db").path
        try ServeFixture.save(to: store)
        let server = try ServerProcess(store: store)
        defer { _ = server.stop() }
        let before = try RawHTTP.request(port: server.port, "GET", "/v1/health")
        XCTAssertEqual(before.body, #"{"status":"ok","version":1,"series":20,"models":20}"#)
        try ServeFixture.save(to: store)
        let deadline = Date().addingTimeInterval(10)
        var now = ""
        while Date() < deadline {
            now = try RawHTTP.request(port: server.port, "GET", "/v1/health").body
            if now.contains("\"version\":2") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(now, #"{"status":"ok","version":2,"series":20,"models":20}"#)
        XCTAssertTrue(server.stderr.contains("now serving version 2 (20 series)"), server.stderr)
    }

    func testSIGTERMLetsARequestInFlightFinishAndExitsZero() throws {
        let server = try ServerProcess(store: try ServeFixture.path())
        let body = #"{"ids": ["NSWMetro"], "horizon": 2}"#
        let c = try RawHTTP(port: server.port)
        // Head and half the body: the request is in flight when the signal comes.
        c.send("POST /v1/forecast HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
               + String(body.prefix(10)))
        Thread.sleep(forTimeInterval: 0.3)
        kill(server.process.processIdentifier, SIGTERM)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(server.process.isRunning, "the server stopped with a request in flight")
        c.send(String(body.dropFirst(10)))
        let r = c.readResponse()
        XCTAssertEqual(r.status, 200, r.body)
        XCTAssertTrue(r.body.hasPrefix(#"{"forecasts":[{"id":"NSWMetro""#), r.body)
        XCTAssertEqual(server.stop(), 0, server.stderr)
    }

    /// `serve(s, port:)` in the language: the executable's server, in the background of the
    /// session, until it exits.
    func testTheServeBuiltinServesInTheBackground() throws {
        let p = Process()
        p.executableURL = TestSupport.fcastBinary
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        let collected = ServerProcess.LineCollector()
        output.fileHandleForReading.readabilityHandler = { collected.append($0.availableData) }
        try p.run()
        input.fileHandleForWriting.write(Data("u = serve(open(\"\(try ServeFixture.path())\"), port: 0)\n".utf8))
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while Date() < deadline, port == nil {
            if let r = collected.all.range(of: "on http://127.0.0.1:"), collected.all[r.upperBound...].contains("\n") {
                port = Int(collected.all[r.upperBound...].prefix { $0.isNumber })
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let listening = try XCTUnwrap(port, collected.all)
        let health = try RawHTTP.request(port: listening, "GET", "/v1/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertTrue(health.body.contains("\"series\":20"), health.body)
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        XCTAssertEqual(p.terminationStatus, 0, collected.all)
    }
}
