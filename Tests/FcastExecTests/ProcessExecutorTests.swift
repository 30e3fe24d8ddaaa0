import FcastCore
import FcastExec
import FcastPlan
import FcastPlugins
import XCTest

/// The worker protocol's frames: every frame round-trips bit for bit, and malformed or
/// truncated input is an error, never a crash.
final class ProcessExecutorTests: XCTestCase {
    // MARK: Frames

    func sampleFrames() -> [WorkerFrame] {
        let panel = Panel(series: [("a", [0, 86_400, 172_800], [1.5, -.infinity, .nan]), ("b", [86_400], [0.1 + 0.2])],
                          frequency: .daily, timestampStyle: .dateTime(separator: "T", seconds: true))
        return [
            .job(WorkerJob(plan: Array(#"{"plan":1}"#.utf8), libraries: ["/x/libfcast_naive.so", "/y/é.so"], keepModels: true,
                           data: panel)),
            .tasks(chunk: 7, tasks: [3, 1, 4_000_000]),
            .cancel,
            .shutdown,
            .ready(version: WorkerProtocol.version),
            .result(TaskResult(task: 12, outcome: .ok, description: "ARIMA(0,1,1)", seconds: 0.25,
                               mean: [1, 2.5, -0.0], lo: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], hi: [.pi, .ulpOfOne, .nan, 1e300, -1, 0],
                               model: [0, 255, 7])),
            .result(TaskResult(task: 0, outcome: .failed(TaskFailure(.notEnoughData, "series 'x' is too short")),
                               description: "", seconds: 0, mean: [.nan], lo: [], hi: [], model: nil)),
            .result(TaskResult(task: 1, outcome: .notRun, description: "", seconds: 0, mean: [], lo: [], hi: [], model: [])),
            .chunkDone(chunk: 7),
            .log(level: 2, message: "a warning\nwith two lines"),
            .fatal(message: "the plan's model naive needs the plugin library 'ets'"),
        ]
    }

    func assertSame(_ a: WorkerFrame, _ b: WorkerFrame, file: StaticString = #filePath, line: UInt = #line) {
        func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }
        switch (a, b) {
        case (.job(let x), .job(let y)):
            XCTAssertEqual(x.version, y.version, file: file, line: line)
            XCTAssertEqual(x.plan, y.plan, file: file, line: line)
            XCTAssertEqual(x.libraries, y.libraries, file: file, line: line)
            XCTAssertEqual(x.keepModels, y.keepModels, file: file, line: line)
            XCTAssertEqual(x.data.ids, y.data.ids, file: file, line: line)
            XCTAssertEqual(x.data.offsets, y.data.offsets, file: file, line: line)
            XCTAssertEqual(x.data.ds, y.data.ds, file: file, line: line)
            XCTAssertEqual(bits(x.data.y), bits(y.data.y), file: file, line: line)
            XCTAssertEqual(x.data.frequency, y.data.frequency, file: file, line: line)
            XCTAssertEqual(x.data.timestampStyle, y.data.timestampStyle, file: file, line: line)
        case (.tasks(let c1, let t1), .tasks(let c2, let t2)):
            XCTAssertEqual(c1, c2, file: file, line: line)
            XCTAssertEqual(t1, t2, file: file, line: line)
        case (.cancel, .cancel), (.shutdown, .shutdown): break
        case (.ready(let v1), .ready(let v2)): XCTAssertEqual(v1, v2, file: file, line: line)
        case (.result(let x), .result(let y)):
            XCTAssertEqual(x.task, y.task, file: file, line: line)
            XCTAssertEqual("\(x.outcome)", "\(y.outcome)", file: file, line: line)
            XCTAssertEqual(x.description, y.description, file: file, line: line)
            XCTAssertEqual(x.seconds, y.seconds, file: file, line: line)
            XCTAssertEqual(bits(x.mean), bits(y.mean), file: file, line: line)
            XCTAssertEqual(bits(x.lo), bits(y.lo), file: file, line: line)
            XCTAssertEqual(bits(x.hi), bits(y.hi), file: file, line: line)
            XCTAssertEqual(x.model, y.model, file: file, line: line)
        case (.chunkDone(let c1), .chunkDone(let c2)): XCTAssertEqual(c1, c2, file: file, line: line)
        case (.log(let l1, let m1), .log(let l2, let m2)):
            XCTAssertEqual(l1, l2, file: file, line: line)
            XCTAssertEqual(m1, m2, file: file, line: line)
        case (.fatal(let m1), .fatal(let m2)): XCTAssertEqual(m1, m2, file: file, line: line)
        default: XCTFail("\(a.type.name) came back as \(b.type.name)", file: file, line: line)
        }
    }

    func testEveryFrameRoundTripsBitForBit() throws {
        let frames = sampleFrames()
        XCTAssertEqual(Set(frames.map(\.type)), Set(WorkerProtocol.FrameType.allCases))
        var stream: [UInt8] = []
        for f in frames {
            let bytes = try WorkerProtocol.encode(f)
            // u32 LE length, then the type.
            let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
            XCTAssertEqual(length, bytes.count - 5)
            XCTAssertEqual(bytes[4], f.type.rawValue)
            let back = try WorkerProtocol.decodeAll(bytes)
            XCTAssertEqual(back.count, 1)
            assertSame(f, back[0])
            stream += bytes
        }
        let all = try WorkerProtocol.decodeAll(stream)
        XCTAssertEqual(all.count, frames.count)
        for (a, b) in zip(frames, all) { assertSame(a, b) }
        XCTAssertEqual(try WorkerProtocol.encode(.cancel), [0, 0, 0, 0, 0x03])
    }

    func testMalformedFramesAreErrorsNotCrashes() throws {
        func message(_ bytes: [UInt8]) -> String {
            do { _ = try WorkerProtocol.decodeAll(bytes); return "decoded" } catch { return error.description }
        }
        let result = try WorkerProtocol.encode(sampleFrames()[5])
        XCTAssertTrue(message(Array(result.dropLast())).contains("truncated RESULT frame"), message(Array(result.dropLast())))
        XCTAssertTrue(message([0, 0]).contains("truncated frame"), message([0, 0]))
        XCTAssertTrue(message([0, 0, 0, 0, 0x7f]).contains("unknown frame type 0x7f"), message([0, 0, 0, 0, 0x7f]))
        XCTAssertTrue(message([0xff, 0xff, 0xff, 0xff, 0x11]).contains("more than a frame may carry"))
        // A list count far beyond the payload is refused before anything is allocated.
        XCTAssertTrue(message([9, 0, 0, 0, 0x02, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]).contains("truncated TASKS frame"))
        // Bytes left over after a payload.
        XCTAssertTrue(message([5, 0, 0, 0, 0x12, 1, 0, 0, 0, 9]).contains("left over"))
        var version = try WorkerProtocol.encode(sampleFrames()[0])
        version[5] = 99
        XCTAssertTrue(message(version).contains("worker protocol 99"), message(version))

        // Fuzz: truncations and byte flips of every valid frame decode or fail; none crashes.
        var rng = SystemRandomNumberGenerator()
        var errors = 0
        for frame in sampleFrames() {
            let bytes = try WorkerProtocol.encode(frame)
            for cut in 1..<bytes.count {
                XCTAssertThrowsError(try WorkerProtocol.decodeAll(Array(bytes.prefix(cut))))
            }
            for _ in 0..<400 {
                var damaged = bytes
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if (try? WorkerProtocol.decodeAll(damaged)) == nil { errors += 1 }
            }
        }
        XCTAssertGreaterThan(errors, 0)
    }
}
