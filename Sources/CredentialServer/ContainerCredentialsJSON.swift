import CredentialLookup
import FoundationEssentials
import SecureStore

/// The bodies the endpoint answers with, in the ECS container-credentials format that the AWS SDKs' container
/// provider and the AWS CLI read (botocore's `ContainerProvider`: `AccessKeyId`, `SecretAccessKey`, `Token` and
/// `Expiration` are all required keys; `Expiration` is parsed as a timestamp, and credentials whose expiry has passed
/// make botocore fail with "refreshed credentials are still expired").
enum ContainerCredentialsJSON {
    /// The success body:
    /// `{"AccessKeyId":"…","SecretAccessKey":"…","Token":"…","Expiration":"2026-01-01T00:00:00Z"}`.
    ///
    /// `Token` is the empty string for a long-lived key (the SDKs require the key to be present and a string; an
    /// empty token is "none" to botocore, which then sends no `X-Amz-Security-Token`, as aws-vault's endpoint does).
    /// The caller wipes the returned bytes.
    static func credentials(_ credentials: Credentials, expiration: Date) -> SecretBytes {
        var text = SecretBuilder()
        text.append("{\"AccessKeyId\":")
        text.appendString(Array(credentials.accessKeyID.utf8))
        text.append(",\"SecretAccessKey\":")
        credentials.secretAccessKey.withUnsafeBytes { text.appendString($0) }
        text.append(",\"Token\":")
        if let token = credentials.sessionToken {
            token.withUnsafeBytes { text.appendString($0) }
        } else {
            text.appendString([])
        }
        text.append(",\"Expiration\":")
        text.appendString(Array(RFC3339.format(expiration).utf8))
        text.append("}")
        return text.finish()
    }

    /// An error body, `{"code":"…","message":"…"}`: the shape the SDKs' HTTP credential providers read for an error
    /// (botocore quotes the whole body in its error: "Received non 200 response 500 from container metadata: …").
    static func error(code: String, message: String) -> SecretBytes {
        var text = SecretBuilder()
        text.append("{\"code\":")
        text.appendString(Array(code.utf8))
        text.append(",\"message\":")
        text.appendString(Array(message.utf8))
        text.append("}")
        return text.finish()
    }
}

/// A byte buffer for a JSON body that may hold secrets: it grows only by reallocation into a fresh buffer after
/// wiping the old one, so no copy of a secret is left behind in freed memory.
private struct SecretBuilder {
    private var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(2048)
    }

    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { grow(by: $0.count); bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as a JSON string: quotes, and `"`, `\` and control characters escaped.
    mutating func appendString<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 {
        grow(by: value.count * 6 + 2)
        bytes.append(0x22)
        for byte in value {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x00..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }

    /// The bytes as a `SecretBytes`; the builder's own buffer is wiped.
    mutating func finish() -> SecretBytes {
        let result = SecretBytes(bytes)
        wipe()
        return result
    }

    private mutating func grow(by count: Int) {
        guard bytes.count + count > bytes.capacity else { return }
        var larger: [UInt8] = []
        larger.reserveCapacity(max(bytes.capacity * 2, bytes.count + count))
        larger.append(contentsOf: bytes)
        wipe()
        bytes = larger
    }

    private mutating func wipe() {
        bytes.withUnsafeMutableBytes { SecretBytes.wipe($0) }
        bytes.removeAll(keepingCapacity: false)
    }
}
