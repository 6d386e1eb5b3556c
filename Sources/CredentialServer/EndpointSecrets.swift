import Glibc
import SecureStore

/// The random parts of one endpoint: the authorization token clients must send, and the path credentials are served
/// at. Both come from the kernel's generator (`getrandom`), fresh for every endpoint, and are never written anywhere
/// but where the caller hands them to its client (a child's environment, a 0600 file, its own standard output).
struct EndpointSecrets: Sendable {
    /// Bytes of randomness in the token (256 bits), sent as 64 lowercase hex digits.
    static let tokenBytes = 32
    /// Bytes of randomness in the path (128 bits), as 32 hex digits after `/`.
    static let pathBytes = 16

    /// The value of the `Authorization` header a client must send, as text.
    let token: SecretBytes
    /// The one path credentials are served at, e.g. `/3f0c…`.
    let path: String

    /// Makes a fresh token and path.
    static func generate() -> EndpointSecrets {
        var raw = SecretBytes(zeroedCount: tokenBytes)
        raw.withUnsafeMutableBytes { fillRandom($0) }
        var pathRaw = [UInt8](repeating: 0, count: pathBytes)
        pathRaw.withUnsafeMutableBytes { fillRandom($0) }
        var hex = SecretBytes(zeroedCount: tokenBytes * 2)
        raw.withUnsafeBytes { source in
            hex.withUnsafeMutableBytes { target in
                for (index, byte) in source.enumerated() {
                    target[2 * index] = hexDigit(byte >> 4)
                    target[2 * index + 1] = hexDigit(byte & 0x0F)
                }
            }
        }
        let path = "/" + String(decoding: pathRaw.flatMap { [hexDigit($0 >> 4), hexDigit($0 & 0x0F)] }, as: UTF8.self)
        return EndpointSecrets(token: hex, path: path)
    }

    /// Whether `header` (the `Authorization` value received) is the token, compared in time that does not depend on
    /// where they differ (`SecretBytes` equality; only the length, which is public, decides early).
    func accepts(_ header: UnsafePointer<CChar>) -> Bool {
        let length = strlen(header)
        let received = SecretBytes(UnsafeRawBufferPointer(start: header, count: length))
        return received == token
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x61 + value - 10
    }

    /// Fills `buffer` from the system generator (`SystemRandomNumberGenerator`: `getrandom(2)` on Linux, a
    /// cryptographically secure generator; the Swift runtime stops the process rather than return weak bytes).
    private static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        var generator = SystemRandomNumberGenerator()
        var index = 0
        while index < buffer.count {
            var word = generator.next()
            withUnsafeBytes(of: &word) { bytes in
                for byte in bytes where index < buffer.count {
                    buffer[index] = byte
                    index += 1
                }
            }
            word = 0
        }
    }
}
