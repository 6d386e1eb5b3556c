// The codec is pure: it needs only SecretBytes (Scripts/fuzz builds it against a SecureStore module of just the
// files SecretBytes needs).
import SecureStore

/// The unlock agent's wire protocol, version 1: one request and one reply per connection, each a frame
/// `u32 length (big-endian) ‖ body` with `1 ≤ length ≤ maximumBody`.
///
/// Request body: `u8 version ‖ u8 operation ‖ payload`; reply body: `u8 version ‖ u8 status ‖ payload`. Strings are
/// `u16 length ‖ UTF-8`; every payload must be consumed exactly. Anything else is refused as malformed, and an
/// announced length over the bound is refused before a byte of the body is read. SECURITY.md describes the design.
enum AgentProtocol {
    /// The only protocol version this build speaks.
    static let version: UInt8 = 1
    /// The largest body accepted in either direction (a store path, a 32-byte key and a few integers fit easily).
    static let maximumBody = 4096
    /// The longest store path accepted, in bytes.
    static let maximumPathBytes = 1024
    /// The data key size.
    static let keySize = 32
    /// The frame header: the body length as a big-endian u32.
    static let headerSize = 4
    /// The body lengths a frame may announce; anything else is refused before the body is read.
    static let bodyLengths = 1...maximumBody

    /// The body length announced by a frame header (`headerSize` bytes), not yet checked against `bodyLengths`.
    static func announcedLength<Header: Collection>(_ header: Header) -> Int where Header.Element == UInt8 {
        header.reduce(0) { $0 << 8 | Int($1) }
    }

    /// `body` framed for the socket: its length header, then the body. Holds whatever secret the body holds.
    static func frame(_ body: [UInt8]) -> [UInt8] {
        var header = AgentWriter()
        header.u32(UInt32(body.count))
        return header.bytes + body
    }

    enum Operation: UInt8 {
        case status = 1
        case add = 2
        case get = 3
        case lock = 4
    }
}

/// What a client asks the agent.
package enum AgentRequest: Sendable {
    /// Report the agent's process id, how many keys it holds and has served, and its memory protections.
    case status
    /// Hold `key` for the store at the canonical path `storePath` for `timeoutSeconds`.
    case add(storePath: String, key: SecretBytes, timeoutSeconds: UInt32)
    /// Return the key held for `storePath`, if any.
    case get(storePath: String)
    /// Forget the key of `storePath`, or every key when `nil`.
    case lock(storePath: String?)

    /// The frame body. Holds the key for `add`: the caller wipes it after sending.
    func encode() -> [UInt8] {
        var writer = AgentWriter()
        writer.u8(AgentProtocol.version)
        switch self {
        case .status:
            writer.u8(AgentProtocol.Operation.status.rawValue)
        case let .add(storePath, key, timeoutSeconds):
            writer.u8(AgentProtocol.Operation.add.rawValue)
            writer.string(storePath)
            writer.u8(UInt8(truncatingIfNeeded: key.count))
            key.withUnsafeBytes { writer.bytes.append(contentsOf: $0) }
            writer.u32(timeoutSeconds)
        case let .get(storePath):
            writer.u8(AgentProtocol.Operation.get.rawValue)
            writer.string(storePath)
        case let .lock(storePath):
            writer.u8(AgentProtocol.Operation.lock.rawValue)
            writer.string(storePath ?? "")
        }
        return writer.bytes
    }

    /// Parses a request body.
    ///
    /// - Throws: `AgentProtocolViolation` with the reply status to send back.
    static func decode(_ body: [UInt8]) throws -> AgentRequest {
        var reader = AgentReader(body)
        let version = try reader.u8()
        guard version == AgentProtocol.version else { throw AgentProtocolViolation(.unsupportedVersion) }
        guard let operation = AgentProtocol.Operation(rawValue: try reader.u8()) else {
            throw AgentProtocolViolation(.malformed)
        }
        let request: AgentRequest
        switch operation {
        case .status:
            request = .status
        case .add:
            let path = try reader.path()
            guard Int(try reader.u8()) == AgentProtocol.keySize else { throw AgentProtocolViolation(.malformed) }
            let key = try reader.secret(AgentProtocol.keySize)
            let timeout = try reader.u32()
            guard AgentTimeout.bounds.contains(Int(timeout)) else { throw AgentProtocolViolation(.malformed) }
            request = .add(storePath: path, key: key, timeoutSeconds: timeout)
        case .get:
            request = .get(storePath: try reader.path())
        case .lock:
            let path = try reader.string()
            request = .lock(storePath: path.isEmpty ? nil : path)
        }
        guard reader.isAtEnd else { throw AgentProtocolViolation(.malformed) }
        return request
    }
}

/// The agent's answer to one request.
package struct AgentReply: Sendable {
    /// The outcome of a request, as the reply's status byte.
    package enum Status: UInt8, Sendable {
        /// The request was served.
        case ok = 0
        /// The agent holds no key for that store.
        case notHeld = 1
        /// The request could not be parsed.
        case malformed = 2
        /// The request's protocol version is not 1.
        case unsupportedVersion = 3
        /// The announced length is zero or over the bound.
        case tooLarge = 4
        /// The peer's uid is not the agent's.
        case refused = 5
        /// The agent already holds keys for as many stores as it allows.
        case full = 6
    }

    /// What the agent says about itself (`status`).
    package struct AgentState: Equatable, Sendable {
        /// The agent's process id.
        package var processID: Int32
        /// How many stores' keys it holds now.
        package var keysHeld: Int
        /// How many keys it has handed out (`get` requests served) since it started.
        package var keysServed: Int
        /// Whether its key memory is locked into RAM (`mlock`).
        package var memoryLocked: Bool
        /// Whether it is non-dumpable (no core dumps, no ptrace by same-uid processes).
        package var dumpingDisabled: Bool
    }

    /// The outcome.
    package internal(set) var status: Status
    /// The key, for a successful `get`.
    package internal(set) var key: SecretBytes?
    /// The agent's state, for a successful `status`.
    package internal(set) var state: AgentState?
    /// How many keys were forgotten, for a successful `lock`.
    package internal(set) var forgotten: Int?

    init(_ status: Status, key: SecretBytes? = nil, state: AgentState? = nil, forgotten: Int? = nil) {
        self.status = status
        self.key = key
        self.state = state
        self.forgotten = forgotten
    }

    /// The frame body; holds the key of a `get` reply, so the caller wipes it after sending.
    func encode() -> [UInt8] {
        var writer = AgentWriter()
        writer.u8(AgentProtocol.version)
        writer.u8(status.rawValue)
        if let key {
            writer.u8(UInt8(truncatingIfNeeded: key.count))
            key.withUnsafeBytes { writer.bytes.append(contentsOf: $0) }
        } else if let state {
            writer.u32(UInt32(bitPattern: state.processID))
            writer.u32(UInt32(clamping: state.keysHeld))
            writer.u64(UInt64(clamping: state.keysServed))
            writer.u8((state.memoryLocked ? 1 : 0) | (state.dumpingDisabled ? 2 : 0))
        } else if let forgotten {
            writer.u32(UInt32(clamping: forgotten))
        }
        return writer.bytes
    }

    /// Parses a reply body to `request`.
    static func decode(_ body: [UInt8], for request: AgentRequest) throws -> AgentReply {
        var reader = AgentReader(body)
        guard try reader.u8() == AgentProtocol.version else { throw AgentProtocolViolation(.unsupportedVersion) }
        guard let status = Status(rawValue: try reader.u8()) else { throw AgentProtocolViolation(.malformed) }
        var reply = AgentReply(status)
        if status == .ok {
            switch request {
            case .get:
                guard Int(try reader.u8()) == AgentProtocol.keySize else { throw AgentProtocolViolation(.malformed) }
                reply.key = try reader.secret(AgentProtocol.keySize)
            case .status:
                let pid = Int32(bitPattern: try reader.u32())
                let held = Int(try reader.u32())
                let served = Int(clamping: try reader.u64())
                let flags = try reader.u8()
                reply.state = AgentState(processID: pid, keysHeld: held, keysServed: served,
                                      memoryLocked: flags & 1 != 0, dumpingDisabled: flags & 2 != 0)
            case .lock:
                reply.forgotten = Int(try reader.u32())
            case .add:
                break
            }
        }
        guard reader.isAtEnd else { throw AgentProtocolViolation(.malformed) }
        return reply
    }
}

/// A request or reply that breaks the protocol, with the reply status that says so.
struct AgentProtocolViolation: Error {
    var status: AgentReply.Status
    init(_ status: AgentReply.Status) { self.status = status }
}

/// Big-endian writer for protocol bodies.
struct AgentWriter {
    // Reserved up front so that appending never reallocates and leaves a stale copy of a key behind.
    var bytes: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(AgentProtocol.maximumBody)
        return bytes
    }()

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xff)] }
    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(value >> UInt32(shift) & 0xff)) }
    }
    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(value >> UInt64(shift) & 0xff)) }
    }
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8.prefix(Int(UInt16.max)))
        u16(UInt16(utf8.count))
        bytes += utf8
    }
}

/// Bounds-checked big-endian reader for protocol bodies; every overrun is a malformed message.
struct AgentReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw AgentProtocolViolation(.malformed) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func u8() throws -> UInt8 { try take(1).first! }
    mutating func u16() throws -> UInt16 { try take(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func u64() throws -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }

    mutating func string() throws -> String {
        let count = Int(try u16())
        guard count <= AgentProtocol.maximumPathBytes,
              let text = String(validating: try take(count), as: UTF8.self), !text.utf8.contains(0)
        else { throw AgentProtocolViolation(.malformed) }
        return text
    }

    /// A non-empty absolute path.
    mutating func path() throws -> String {
        let text = try string()
        guard text.hasPrefix("/") else { throw AgentProtocolViolation(.malformed) }
        return text
    }

    mutating func secret(_ count: Int) throws -> SecretBytes {
        SecretBytes(try take(count))
    }
}

/// `--timeout` values: `90`, `90s`, `15m`, `2h`, `1d`, bounded to 1 second … 7 days.
package enum AgentTimeout {
    /// The timeouts the agent accepts, in seconds: 1 second to 7 days.
    package static let bounds = 1...(7 * 24 * 3600)
    /// The timeout when none is given: 15 minutes.
    package static let defaultSeconds = 15 * 60

    /// The number of seconds `text` means, or `nil` when it is not a duration within bounds.
    package static func seconds(_ text: String) -> Int? {
        var digits = Substring(text)
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var unit = 1
        if let last = text.last, let multiplier = units[last] {
            unit = multiplier
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 9,
              let value = Int(digits) else { return nil }
        let total = value * unit
        return bounds.contains(total) ? total : nil
    }

    /// `900` as `15m`, for messages.
    package static func describe(_ seconds: Int) -> String {
        if seconds % 86400 == 0 { return "\(seconds / 86400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
