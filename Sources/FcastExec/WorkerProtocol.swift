import FcastCore
import FcastPlugins
import Foundation

/// The wire protocol between a `ProcessExecutor` (the parent) and its `fcast worker`
/// processes, over the worker's standard input (parent -> worker) and standard output
/// (worker -> parent).
///
/// **Framing.** Every message is one frame: a `u32` payload length, a `u8` frame type, then
/// the payload. Integers are little-endian; a double is its IEEE 754 bits as a `u64` (so
/// forecasts cross bit for bit); a string is a `u32` byte count and UTF-8; a list is a
/// `u32` count and its elements. A payload is at most `maxPayload` bytes. Decoding never
/// trusts a length: a truncated or malformed frame is a `WorkerProtocolError`.
///
/// **Parent -> worker.**
/// - `JOB` (0x01), once, first: the protocol `version` (`u32`; a worker refuses another),
///   the plan's canonical JSON (string), the plugin library paths the parent loaded for the
///   plan's models (list of strings: the worker dlopens the same files), whether to keep
///   models (`u8`: the plugin's saved bytes come back with each result), and the panel:
///   the frequency's description (string), the timestamp style (`u8` 0 date, 1 date-time;
///   for date-time the separator as a string and `u8` seconds), the series ids (list of
///   strings), the offsets (`u32` count = series + 1, then `u64` each), the timestamps
///   (`u64` count, then `i64` each) and the values (`u64` count, then doubles); then the
///   regressors (version 2): their count (`u32`), each a name (string) and a column (`u64`
///   count, then doubles), and the future regressors of every task (`u64` count, then
///   doubles: (window, series) x horizon x regressors, as `Job` lays them out).
/// - `TASKS` (0x02): a chunk id (`u32`) and task indices (`u32` count, `u32` each), which
///   the worker runs one after another in that order.
/// - `CANCEL` (0x03), empty: cancel the task running (the plugin's should_cancel answers
///   yes) and skip the rest of every chunk; each chunk still ends with its CHUNK_DONE.
/// - `SHUTDOWN` (0x04), empty: no more work; the worker finishes the chunks it has and
///   exits 0. End of input means the same but cancels first (the parent has gone).
///
/// **Worker -> parent.**
/// - `READY` (0x10): the protocol version (`u32`); the job resolved and the worker waits
///   for chunks.
/// - `RESULT` (0x11), one per finished task, sent (and flushed) as soon as the task ends and
///   before the next one starts, in the order of its chunk: the task index (`u32`), the
///   outcome (`u8` 0 ok, 1 failed, 2 not run; when failed a `u8` failure kind, `TaskFailure.
///   Kind` in declaration order, and the message as a string), the model description
///   (string), the seconds (double), the means (`u32` count = horizon, doubles), the lower
///   and upper bounds (`u32` count = levels x horizon, doubles, level-major as in RunResult)
///   and the saved model (`u8` 0 none, 1 then `u32` byte count and bytes).
/// - `CHUNK_DONE` (0x12): the chunk id (`u32`): every task of the chunk was reported, or
///   skipped after a CANCEL.
/// - `LOG` (0x13): a plugin log line: level (`i32`, FC_LOG_*) and message (string); the
///   parent writes it to its stderr as the host writes its own.
/// - `FATAL` (0x14): why the worker cannot serve the job (a plugin that does not load, a
///   plan that does not resolve, a frame it cannot read), as a string; the worker then exits.
///
/// Because results stream in chunk order and each is flushed before the next task starts,
/// when a worker dies the parent knows the task it died in: the first one of its chunk
/// without a RESULT.
public enum WorkerProtocol {
    /// Bumped whenever a frame's layout changes.
    public static let version: UInt32 = 2
    /// The largest payload a frame may carry (1 GiB): a JOB's panel of about 60 million points.
    public static let maxPayload = 1 << 30
    /// Length (4 bytes) and type (1 byte).
    public static let headerSize = 5

    public enum FrameType: UInt8, Sendable, CaseIterable {
        case job = 0x01, tasks = 0x02, cancel = 0x03, shutdown = 0x04
        case ready = 0x10, result = 0x11, chunkDone = 0x12, log = 0x13, fatal = 0x14

        public var name: String {
            switch self {
            case .job: "JOB"
            case .tasks: "TASKS"
            case .cancel: "CANCEL"
            case .shutdown: "SHUTDOWN"
            case .ready: "READY"
            case .result: "RESULT"
            case .chunkDone: "CHUNK_DONE"
            case .log: "LOG"
            case .fatal: "FATAL"
            }
        }
    }

    /// One frame's bytes, header included.
    public static func encode(_ frame: WorkerFrame) throws(WorkerProtocolError) -> [UInt8] {
        var w = ByteWriter(capacity: frame.sizeEstimate)
        w.u32(0)
        w.u8(frame.type.rawValue)
        switch frame {
        case .job(let job):
            w.u32(job.version)
            w.bytes(job.plan)
            w.u32(UInt32(job.libraries.count))
            for l in job.libraries { w.string(l) }
            w.u8(job.keepModels ? 1 : 0)
            let p = job.data
            w.string(p.frequency.description)
            switch p.timestampStyle {
            case .date: w.u8(0)
            case .dateTime(let separator, let seconds):
                w.u8(1)
                w.string(String(separator))
                w.u8(seconds ? 1 : 0)
            case .index: w.u8(2)
            }
            w.u32(UInt32(p.ids.count))
            for id in p.ids { w.string(id) }
            w.u32(UInt32(p.offsets.count))
            for o in p.offsets { w.u64(UInt64(o)) }
            w.u64(UInt64(p.ds.count))
            w.raw(p.ds)
            w.u64(UInt64(p.y.count))
            w.raw(p.y)
            w.u32(UInt32(p.regressors.count))
            for (name, column) in zip(p.regressorNames, p.regressors) {
                w.string(name)
                w.u64(UInt64(column.count))
                w.raw(column)
            }
            w.u64(UInt64(job.futureRegressors.count))
            w.raw(job.futureRegressors)
        case .tasks(let chunk, let tasks):
            w.u32(chunk)
            w.u32(UInt32(tasks.count))
            for k in tasks {
                guard let k32 = UInt32(exactly: k) else { throw WorkerProtocolError("TASKS: task index \(k) does not fit the frame") }
                w.u32(k32)
            }
        case .cancel, .shutdown:
            break
        case .ready(let version):
            w.u32(version)
        case .result(let r):
            guard let k32 = UInt32(exactly: r.task) else { throw WorkerProtocolError("RESULT: task index \(r.task) does not fit the frame") }
            w.u32(k32)
            switch r.outcome {
            case .ok: w.u8(0)
            case .failed(let f):
                w.u8(1)
                w.u8(TaskFailure.Kind.wireCode(f.kind))
                w.string(f.message)
            case .notRun: w.u8(2)
            }
            w.string(r.description)
            w.f64(r.seconds)
            for list in [r.mean, r.lo, r.hi] {
                w.u32(UInt32(list.count))
                w.raw(list)
            }
            if let model = r.model {
                w.u8(1)
                w.bytes(model)
            } else {
                w.u8(0)
            }
        case .chunkDone(let chunk):
            w.u32(chunk)
        case .log(let level, let message):
            w.i32(level)
            w.string(message)
        case .fatal(let message):
            w.string(message)
        }
        let payload = w.buffer.count - headerSize
        guard payload <= maxPayload else {
            throw WorkerProtocolError("\(frame.type.name): \(payload) bytes is more than a frame carries (\(maxPayload)); the data is too large to send to worker processes")
        }
        w.patchU32(at: 0, UInt32(payload))
        return w.buffer
    }

    /// Checks a frame header: the payload length, or an error for an unknown type or an
    /// impossible length.
    static func header(_ bytes: UnsafeRawBufferPointer) throws(WorkerProtocolError) -> (length: Int, type: FrameType) {
        let length = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        guard let type = FrameType(rawValue: bytes[4]) else {
            throw WorkerProtocolError("unknown frame type 0x\(String(bytes[4], radix: 16)) (a frame of \(length) bytes)")
        }
        guard length <= maxPayload else {
            throw WorkerProtocolError("\(type.name): a payload of \(length) bytes is more than a frame may carry (\(maxPayload))")
        }
        return (length, type)
    }

    /// Decodes every frame of `bytes`, which must end at a frame boundary.
    public static func decodeAll(_ bytes: [UInt8]) throws(WorkerProtocolError) -> [WorkerFrame] {
        var frames: [WorkerFrame] = []
        var at = 0
        do {
            try bytes.withUnsafeBytes { raw in
                while at < raw.count {
                    guard raw.count - at >= headerSize else {
                        throw WorkerProtocolError("truncated frame: \(raw.count - at) bytes where a header needs \(headerSize)")
                    }
                    let (length, type) = try header(UnsafeRawBufferPointer(rebasing: raw[at..<(at + headerSize)]))
                    let available = raw.count - at - headerSize
                    guard available >= length else {
                        throw WorkerProtocolError("truncated \(type.name) frame: the header says \(length) bytes, \(available) follow")
                    }
                    let start = at + headerSize
                    frames.append(try decodePayload(type, UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])))
                    at = start + length
                }
            }
        } catch let e as WorkerProtocolError {
            throw e
        } catch {
            throw WorkerProtocolError("\(error)")
        }
        return frames
    }

    /// Decodes one frame's payload; every byte must be used.
    static func decodePayload(_ type: FrameType, _ payload: UnsafeRawBufferPointer) throws(WorkerProtocolError) -> WorkerFrame {
        var r = ByteReader(payload, frame: type.name)
        let frame: WorkerFrame
        switch type {
        case .job:
            let version = try r.u32()
            guard version == WorkerProtocol.version else {
                throw WorkerProtocolError("the parent speaks worker protocol \(version), this worker speaks \(WorkerProtocol.version) (are they the same fcast build?)")
            }
            let plan = try r.bytes()
            let nLibraries = try r.count(elementSize: 4)
            var libraries: [String] = []
            for _ in 0..<nLibraries { libraries.append(try r.string()) }
            let keep = try r.bool()
            let frequencyText = try r.string()
            let frequency: Frequency
            do { frequency = try Frequency.parse(frequencyText) } catch {
                throw WorkerProtocolError("JOB: the frequency '\(frequencyText)' is not one fcast knows")
            }
            let style: TimestampStyle
            switch try r.u8() {
            case 0: style = .date
            case 1:
                let separator = try r.string()
                guard separator.count == 1, let c = separator.first else {
                    throw WorkerProtocolError("JOB: the timestamp separator '\(separator)' is not one character")
                }
                style = .dateTime(separator: c, seconds: try r.bool())
            case 2: style = .index
            case let other: throw WorkerProtocolError("JOB: unknown timestamp style \(other)")
            }
            let nIDs = try r.count(elementSize: 4)
            var ids: [String] = []
            ids.reserveCapacity(nIDs)
            for _ in 0..<nIDs { ids.append(try r.string()) }
            let nOffsets = try r.count(elementSize: 8)
            var offsets: [Int] = []
            offsets.reserveCapacity(nOffsets)
            for _ in 0..<nOffsets {
                guard let o = Int(exactly: try r.u64()) else { throw WorkerProtocolError("JOB: a series offset is out of range") }
                offsets.append(o)
            }
            let ds: [Int64] = try r.array(count: try r.count64(elementSize: 8))
            let y: [Double] = try r.array(count: try r.count64(elementSize: 8))
            // The panel's own checks are preconditions: check here, with an error.
            guard offsets.count == ids.count + 1 else {
                throw WorkerProtocolError("JOB: \(offsets.count) series offsets for \(ids.count) series")
            }
            guard ds.count == y.count else { throw WorkerProtocolError("JOB: \(ds.count) timestamps for \(y.count) values") }
            guard offsets.first == 0, offsets.last == ds.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw WorkerProtocolError("JOB: the series offsets do not cover the \(ds.count) points in order")
            }
            var panel = Panel(ids: ids, offsets: offsets, ds: ds, y: y, frequency: frequency, timestampStyle: style)
            let nRegressors = try r.count(elementSize: 12)
            for _ in 0..<nRegressors {
                let name = try r.string()
                let column: [Double] = try r.array(count: try r.count64(elementSize: 8))
                guard column.count == y.count else {
                    throw WorkerProtocolError("JOB: regressor '\(name)' has \(column.count) values for \(y.count) points")
                }
                panel.regressorNames.append(name)
                panel.regressors.append(column)
            }
            let futureRegressors: [Double] = try r.array(count: try r.count64(elementSize: 8))
            frame = .job(WorkerJob(version: version, plan: plan, libraries: libraries, keepModels: keep, data: panel,
                                   futureRegressors: futureRegressors))
        case .tasks:
            let chunk = try r.u32()
            let n = try r.count(elementSize: 4)
            var tasks: [Int] = []
            tasks.reserveCapacity(n)
            for _ in 0..<n { tasks.append(Int(try r.u32())) }
            frame = .tasks(chunk: chunk, tasks: tasks)
        case .cancel: frame = .cancel
        case .shutdown: frame = .shutdown
        case .ready: frame = .ready(version: try r.u32())
        case .result:
            let task = Int(try r.u32())
            let outcome: TaskOutcome
            switch try r.u8() {
            case 0: outcome = .ok
            case 1:
                let code = try r.u8()
                guard let kind = TaskFailure.Kind(wireCode: code) else {
                    throw WorkerProtocolError("RESULT: unknown failure kind \(code)")
                }
                outcome = .failed(TaskFailure(kind, try r.string()))
            case 2: outcome = .notRun
            case let other: throw WorkerProtocolError("RESULT: unknown outcome \(other)")
            }
            let description = try r.string()
            let seconds = try r.f64()
            let mean: [Double] = try r.array(count: try r.count(elementSize: 8))
            let lo: [Double] = try r.array(count: try r.count(elementSize: 8))
            let hi: [Double] = try r.array(count: try r.count(elementSize: 8))
            let model: [UInt8]? = try r.bool() ? try r.bytes() : nil
            frame = .result(TaskResult(task: task, outcome: outcome, description: description, seconds: seconds,
                                       mean: mean, lo: lo, hi: hi, model: model))
        case .chunkDone: frame = .chunkDone(chunk: try r.u32())
        case .log: frame = .log(level: try r.i32(), message: try r.string())
        case .fatal: frame = .fatal(message: try r.string())
        }
        guard r.remaining == 0 else {
            throw WorkerProtocolError("\(type.name): \(r.remaining) bytes left over after the payload")
        }
        return frame
    }
}

/// One message of the worker protocol (see `WorkerProtocol`).
public enum WorkerFrame: Sendable {
    case job(WorkerJob)
    case tasks(chunk: UInt32, tasks: [Int])
    case cancel
    case shutdown
    case ready(version: UInt32)
    case result(TaskResult)
    case chunkDone(chunk: UInt32)
    case log(level: Int32, message: String)
    case fatal(message: String)

    /// About the encoded size, to allocate it at once.
    var sizeEstimate: Int {
        switch self {
        case .job(let j):
            return 64 + j.plan.count + j.libraries.reduce(0) { $0 + $1.utf8.count + 4 }
                + j.data.ids.reduce(0) { $0 + $1.utf8.count + 4 } + 8 * j.data.offsets.count + 16 * j.data.y.count
                + 8 * (j.data.regressors.count * j.data.y.count + j.futureRegressors.count)
        case .tasks(_, let tasks): return 16 + 4 * tasks.count
        case .result(let r):
            return 64 + r.description.utf8.count + 8 * (r.mean.count + r.lo.count + r.hi.count) + (r.model?.count ?? 0)
                + { if case .failed(let f) = r.outcome { f.message.utf8.count } else { 0 } }()
        case .log(_, let m), .fatal(let m): return 16 + m.utf8.count
        default: return 16
        }
    }

    public var type: WorkerProtocol.FrameType {
        switch self {
        case .job: .job
        case .tasks: .tasks
        case .cancel: .cancel
        case .shutdown: .shutdown
        case .ready: .ready
        case .result: .result
        case .chunkDone: .chunkDone
        case .log: .log
        case .fatal: .fatal
        }
    }
}

/// What a worker needs to run a plan's tasks: the plan, the plugin files and the data.
public struct WorkerJob: Sendable {
    public var version: UInt32
    /// The plan's canonical JSON.
    public var plan: [UInt8]
    /// The plugin libraries the parent loaded for the plan's models, as absolute paths.
    public var libraries: [String]
    /// Send each task's fitted model back as the plugin's saved bytes.
    public var keepModels: Bool
    public var data: Panel
    /// Every task's future regressors, as `Job` lays them out (empty without regressors).
    public var futureRegressors: [Double]

    public init(version: UInt32 = WorkerProtocol.version, plan: [UInt8], libraries: [String], keepModels: Bool, data: Panel,
                futureRegressors: [Double] = []) {
        self.futureRegressors = futureRegressors
        self.version = version
        self.plan = plan
        self.libraries = libraries
        self.keepModels = keepModels
        self.data = data
    }
}

/// One finished task as a worker reports it: its slots of RunResult.
public struct TaskResult: Sendable {
    public var task: Int
    public var outcome: TaskOutcome
    public var description: String
    public var seconds: Double
    /// horizon values.
    public var mean: [Double]
    /// levels x horizon, level-major.
    public var lo: [Double]
    public var hi: [Double]
    /// The plugin's saved bytes of the fitted model, when the job keeps models and it can save.
    public var model: [UInt8]?

    public init(task: Int, outcome: TaskOutcome, description: String, seconds: Double, mean: [Double], lo: [Double],
                hi: [Double], model: [UInt8]?) {
        self.task = task
        self.outcome = outcome
        self.description = description
        self.seconds = seconds
        self.mean = mean
        self.lo = lo
        self.hi = hi
        self.model = model
    }
}

/// A frame that cannot be read, or a conversation that broke the protocol.
public struct WorkerProtocolError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TaskFailure.Kind {
    /// The kinds in declaration order; a kind's code is its position.
    static let wireOrder: [TaskFailure.Kind] = [.invalidArgument, .notEnoughData, .badData, .numeric, .unsupported,
                                                 .cancelled, .internal]
    static func wireCode(_ kind: TaskFailure.Kind) -> UInt8 { UInt8(wireOrder.firstIndex(of: kind) ?? wireOrder.count - 1) }
    init?(wireCode: UInt8) {
        guard Int(wireCode) < Self.wireOrder.count else { return nil }
        self = Self.wireOrder[Int(wireCode)]
    }
}

// MARK: Bytes

struct ByteWriter {
    var buffer: [UInt8] = []

    init(capacity: Int = 256) { buffer.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func bytes(_ b: [UInt8]) {
        u32(UInt32(b.count))
        buffer.append(contentsOf: b)
    }
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { b in
            u32(UInt32(b.count))
            buffer.append(contentsOf: b)
        }
    }

    /// Doubles as their bits, 64-bit integers as themselves, little-endian.
    mutating func raw<T: FixedWidthWireValue>(_ values: [T]) {
        #if _endian(little)
        values.withUnsafeBytes { buffer.append(contentsOf: $0) }
        #else
        for v in values { u64(v.wireBits) }
        #endif
    }

    mutating func patchU32(at i: Int, _ v: UInt32) {
        for b in 0..<4 { buffer[i + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(b))) }
    }
}

/// Doubles and 64-bit integers, which cross as 8 little-endian bytes.
protocol FixedWidthWireValue: BitwiseCopyable {
    var wireBits: UInt64 { get }
    init(wireBits: UInt64)
}
extension Double: FixedWidthWireValue {
    var wireBits: UInt64 { bitPattern }
    init(wireBits: UInt64) { self.init(bitPattern: wireBits) }
}
extension Int64: FixedWidthWireValue {
    var wireBits: UInt64 { UInt64(bitPattern: self) }
    init(wireBits: UInt64) { self.init(bitPattern: wireBits) }
}

/// Reads a payload front to back; every read checks that the bytes are there.
struct ByteReader {
    let payload: UnsafeRawBufferPointer
    let frame: String
    var at = 0

    init(_ bytes: UnsafeRawBufferPointer, frame: String) {
        self.payload = bytes
        self.frame = frame
    }

    var remaining: Int { payload.count - at }

    private mutating func take(_ n: Int, _ what: String) throws(WorkerProtocolError) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else {
            throw WorkerProtocolError("truncated \(frame) frame: \(what) needs \(n) bytes, \(remaining) are left")
        }
        defer { at += n }
        return UnsafeRawBufferPointer(rebasing: payload[at..<(at + n)])
    }

    mutating func u8() throws(WorkerProtocolError) -> UInt8 { try take(1, "a byte")[0] }
    mutating func bool() throws(WorkerProtocolError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw WorkerProtocolError("\(frame): \(other) where a flag (0 or 1) belongs")
        }
    }
    mutating func u32() throws(WorkerProtocolError) -> UInt32 {
        let b = try take(4, "an integer")
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }
    mutating func i32() throws(WorkerProtocolError) -> Int32 { Int32(bitPattern: try u32()) }
    mutating func u64() throws(WorkerProtocolError) -> UInt64 {
        let b = try take(8, "an integer")
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(b[i]) }
        return v
    }
    mutating func f64() throws(WorkerProtocolError) -> Double { Double(bitPattern: try u64()) }

    /// A `u32` element count, checked against the bytes left (each element takes at least
    /// `elementSize` bytes), so that a damaged count cannot ask for a huge allocation.
    mutating func count(elementSize: Int) throws(WorkerProtocolError) -> Int {
        let n = Int(try u32())
        guard n <= remaining / elementSize else {
            throw WorkerProtocolError("truncated \(frame) frame: a list of \(n) needs at least \(n * elementSize) bytes, \(remaining) are left")
        }
        return n
    }
    /// A `u64` element count, checked likewise.
    mutating func count64(elementSize: Int) throws(WorkerProtocolError) -> Int {
        let n = try u64()
        guard n <= UInt64(remaining / elementSize) else {
            throw WorkerProtocolError("truncated \(frame) frame: a list of \(n) needs at least \(n) x \(elementSize) bytes, \(remaining) are left")
        }
        return Int(n)
    }

    mutating func bytes() throws(WorkerProtocolError) -> [UInt8] {
        let n = try count(elementSize: 1)
        return Array(try take(n, "a byte string"))
    }
    mutating func string() throws(WorkerProtocolError) -> String {
        let n = try count(elementSize: 1)
        let b = try take(n, "a string")
        guard let s = String(validating: b.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw WorkerProtocolError("\(frame): a string is not valid UTF-8")
        }
        return s
    }

    mutating func array<T: FixedWidthWireValue>(count n: Int) throws(WorkerProtocolError) -> [T] {
        let b = try take(n * 8, "\(n) numbers")
        #if _endian(little)
        return [T](unsafeUninitializedCapacity: n) { out, initialized in
            UnsafeMutableRawBufferPointer(out).copyMemory(from: b)
            initialized = n
        }
        #else
        return (0..<n).map { i in
            var v: UInt64 = 0
            for j in (0..<8).reversed() { v = v << 8 | UInt64(b[i * 8 + j]) }
            return T(wireBits: v)
        }
        #endif
    }
}

// MARK: File descriptors

/// Frames over one file descriptor (a socket or pipe): `send` writes whole frames;
/// `receive` reads into one growing buffer and returns one frame at a time.
final class FrameChannel: @unchecked Sendable {
    let fd: Int32
    /// Bytes read and not yet decoded are `storage[start..<end]`.
    private var storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private let sendLock = NSLock()
    private static let initialCapacity = 1 << 16

    init(fd: Int32) {
        self.fd = fd
        storage = .allocate(byteCount: FrameChannel.initialCapacity, alignment: 8)
    }
    deinit { storage.deallocate() }

    enum Received {
        case frame(WorkerFrame)
        case timedOut
        /// The other side closed (or died); `partial` bytes of an unfinished frame were left.
        case closed(partial: Int)
    }

    /// Sends one frame; throws when the other side is gone. Safe from several threads.
    func send(_ frame: WorkerFrame) throws(WorkerProtocolError) {
        try send(bytes: try WorkerProtocol.encode(frame))
    }

    func send(bytes: [UInt8]) throws(WorkerProtocolError) {
        sendLock.lock()
        defer { sendLock.unlock() }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var at = 0
            var socket = true
            while at < raw.count {
                let base = raw.baseAddress! + at
                // MSG_NOSIGNAL: a dead reader is an error here, not SIGPIPE for the process.
                var n = socket ? Foundation.send(fd, base, raw.count - at, Int32(MSG_NOSIGNAL)) : -1
                if n < 0 && socket && errno == ENOTSOCK { socket = false }
                if !socket { n = write(fd, base, raw.count - at) }
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                at += n
            }
        }
        if failure != 0 { throw WorkerProtocolError("cannot send: \(String(cString: strerror(failure)))") }
    }

    /// The next frame; with a timeout (seconds), `.timedOut` when none is complete by then.
    /// A malformed frame throws; nothing after it can be trusted.
    func receive(timeout: Double? = nil) throws(WorkerProtocolError) -> Received {
        let deadline = timeout.map { DispatchTime.now().uptimeNanoseconds + UInt64(max(0, $0) * 1e9) }
        while true {
            let needed = try nextFrameLength()
            if let needed, end - start >= needed { return .frame(try decodeBuffered(needed)) }
            if let deadline {
                let now = DispatchTime.now().uptimeNanoseconds
                let ms = now >= deadline ? 0 : Int32(min(Double(Int32.max), Double(deadline - now) / 1e6).rounded(.up))
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let r = poll(&p, 1, ms)
                if r < 0 && errno == EINTR { continue }
                if r == 0 { return .timedOut }
            }
            // Room for the rest of the frame being read (its header is known), or 64 KiB.
            makeRoom(for: max((needed ?? 0) - (end - start), FrameChannel.initialCapacity))
            let n = read(fd, storage.baseAddress! + end, storage.count - end)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .closed(partial: end - start)
            }
            if n == 0 { return .closed(partial: end - start) }
            end += n
        }
    }

    /// The whole length (header and payload) of the frame at `start`, once its header is in;
    /// a bad header fails at once, without waiting for a payload that may never come.
    private func nextFrameLength() throws(WorkerProtocolError) -> Int? {
        guard end - start >= WorkerProtocol.headerSize else { return nil }
        let header = UnsafeRawBufferPointer(rebasing: storage[start..<(start + WorkerProtocol.headerSize)])
        return try WorkerProtocol.header(header).length + WorkerProtocol.headerSize
    }

    private func decodeBuffered(_ length: Int) throws(WorkerProtocolError) -> WorkerFrame {
        let type = WorkerProtocol.FrameType(rawValue: storage[start + 4])!
        let payload = UnsafeRawBufferPointer(rebasing: storage[(start + WorkerProtocol.headerSize)..<(start + length)])
        let frame = try WorkerProtocol.decodePayload(type, payload)
        start += length
        if start == end {
            start = 0
            end = 0
            // A large frame (a JOB) is read once: give its memory back.
            if storage.count > 4 * FrameChannel.initialCapacity {
                storage.deallocate()
                storage = .allocate(byteCount: FrameChannel.initialCapacity, alignment: 8)
            }
        }
        return frame
    }

    /// Makes `bytes` bytes free after `end`, moving unread bytes to the front or growing.
    private func makeRoom(for bytes: Int) {
        if storage.count - end >= bytes { return }
        let unread = end - start
        if start > 0 && storage.count - unread >= bytes {
            if unread > 0 { storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: unread) }
        } else {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(unread + bytes, 2 * storage.count), alignment: 8)
            if unread > 0 { grown.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: unread) }
            storage.deallocate()
            storage = grown
        }
        start = 0
        end = unread
    }
}
