import HTTPClient
import SecureStore

/// The AWS JSON 1.1 protocol (KMS): `POST /` with `Content-Type: application/x-amz-json-1.1` and
/// `X-Amz-Target: {prefix}.{Action}`, a JSON object each way; errors name their type in `__type` (or the
/// `X-Amzn-ErrorType` header).
package enum JSONProtocol {
    /// One member of a request object.
    package enum Member {
        /// A string member (escaped as JSON requires).
        case string(String)
        /// A string member whose value is secret (already base64 for a blob), copied only into the secret body.
        case secret(SecretBytes)
        /// A whole number.
        case integer(Int)
        /// An object of string members (an encryption context), keys sorted.
        case map([String: String])
    }

    /// The JSON body of `members` (in order), as a secret.
    package static func body(_ members: [(String, Member)]) -> SecretBytes {
        var out: [UInt8] = [UInt8(ascii: "{")]
        defer { out.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        for (index, (name, member)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(Array(name.utf8), to: &out)
            out.append(UInt8(ascii: ":"))
            switch member {
            case .string(let value):
                appendString(Array(value.utf8), to: &out)
            case .secret(let value):
                value.withUnsafeBytes { appendString($0, to: &out) }
            case .integer(let value):
                out += Array(String(value).utf8)
            case .map(let map):
                out.append(UInt8(ascii: "{"))
                for (position, key) in map.keys.sorted().enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    appendString(Array(key.utf8), to: &out)
                    out.append(UInt8(ascii: ":"))
                    appendString(Array(map[key]!.utf8), to: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
        out.append(UInt8(ascii: "}"))
        return SecretBytes(out)
    }

    private static func appendString<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8])
        where Bytes.Element == UInt8 {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out += [UInt8(ascii: "\\"), byte]
            case 0x00..<0x20:
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The unsigned request for `action` at `endpoint`.
    package static func request(endpoint: ServiceEndpoint, targetPrefix: String, action: String,
                                body: SecretBytes) -> HTTPRequest {
        HTTPRequest(method: "POST", url: endpoint.url + "/",
                    headers: [HTTPHeader("Content-Type", "application/x-amz-json-1.1"),
                              HTTPHeader("X-Amz-Target", "\(targetPrefix).\(action)")],
                    body: body)
    }

    /// The error code (the part of `__type` after `#`, or the header's before `:`) and message of an error response.
    package static func error(in response: HTTPResponse) -> (code: String, message: String?, requestID: String?)? {
        let requestID = response.header("x-amzn-RequestId")
        let object = try? FlatJSONObject.parse(response.body)
        var type = object?.string("__type") ?? object?.string("code")
        if type == nil || type!.isEmpty { type = response.header("X-Amzn-ErrorType") }
        guard var code = type.map(Text.trimmed), !code.isEmpty else { return nil }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        let message = object?.string("message") ?? object?.string("Message")
        return (code, message, requestID)
    }
}
