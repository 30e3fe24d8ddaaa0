import Foundation

/// A fitted model as bytes any store can hold: the host's envelope around the plugin's own
/// saved bytes (fc_algorithm.save), saying which plugin, version, algorithm and configuration
/// made it, so that it is loaded back under the same configuration by the same algorithm.
///
/// Layout (little-endian):
///
///     "FCMODEL\0"          8 bytes, the magic
///     format               u32, 1
///     header length N      u32
///     header               N bytes of canonical JSON: the PlannedModel without its display
///                          name, the ABI it was saved under, the payload's length and SHA-256
///     payload              the plugin's bytes
public struct SavedModel: Sendable, Equatable {
    public static let magic: [UInt8] = Array("FCMODEL".utf8) + [0]
    public static let format: UInt32 = 1

    public struct Header: Codable, Sendable, Equatable {
        public var library: String
        public var libraryVersion: String
        public var algorithm: String
        public var parameters: [String: ParameterValue]
        /// The plugin ABI of the host that saved it ("1.1").
        public var abi: String
        public var payloadLength: Int
        public var payloadSHA256: String
    }

    public var header: Header
    public var payload: [UInt8]

    public init(model: PlannedModel, abi: String, payload: [UInt8]) {
        header = Header(library: model.library, libraryVersion: model.libraryVersion, algorithm: model.algorithm,
                        parameters: model.parameters, abi: abi, payloadLength: payload.count,
                        payloadSHA256: Digest.sha256Hex(Data(payload)))
        self.payload = payload
    }

    /// The model as a plan names it (the display name is the algorithm's).
    public var model: PlannedModel {
        PlannedModel(library: header.library, libraryVersion: header.libraryVersion, algorithm: header.algorithm,
                     parameters: header.parameters, name: header.algorithm)
    }

    public func encoded() -> [UInt8] {
        let json = (try? Plan.encoder.encode(header)) ?? Data()
        var out = SavedModel.magic
        out.reserveCapacity(16 + json.count + payload.count)
        appendLE(SavedModel.format, to: &out)
        appendLE(UInt32(json.count), to: &out)
        out += json
        out += payload
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws -> SavedModel {
        guard bytes.count >= 16, Array(bytes[0..<8]) == magic else {
            throw PlanError("not a saved fcast model (the envelope's magic is missing)")
        }
        let format = readLE(bytes, at: 8)
        guard format == SavedModel.format else {
            throw PlanError("saved model in envelope format \(format); this fcast reads format \(SavedModel.format)")
        }
        let n = Int(readLE(bytes, at: 12))
        guard bytes.count >= 16 + n else { throw PlanError("saved model truncated: its header is cut off") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + n)]))
        } catch {
            throw PlanError("saved model header unreadable: \(error)")
        }
        let payload = Array(bytes[(16 + n)...])
        guard payload.count == header.payloadLength else {
            throw PlanError("saved model truncated: \(payload.count) of \(header.payloadLength) payload bytes")
        }
        guard Digest.sha256Hex(Data(payload)) == header.payloadSHA256 else {
            throw PlanError("saved model corrupted: its payload does not match its checksum")
        }
        return SavedModel(header: header, payload: payload)
    }

    private init(header: Header, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }
}

private func appendLE(_ v: UInt32, to out: inout [UInt8]) {
    for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
}

private func readLE(_ bytes: [UInt8], at i: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * UInt32($1)) }
}
