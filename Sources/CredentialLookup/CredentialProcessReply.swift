import FoundationEssentials
import Glibc
import SecureStore

/// The Version 1 JSON reply of a `credential_process` program, as the AWS CLI and SDKs define it:
/// `{"Version": 1, "AccessKeyId": "…", "SecretAccessKey": "…", "SessionToken": "…", "Expiration": "<RFC 3339>"}`.
package enum CredentialProcessReply {
    /// The largest reply accepted, in bytes; a program printing more is stopped.
    package static let maximumSize = 64 * 1024

    /// Parses a reply held in a secret buffer.
    ///
    /// - Parameter reply: The program's complete stdout.
    /// - Returns: The credentials; an expired `Expiration` is returned as is (the caller compares it with now).
    /// - Throws: `CredentialLookupError` with code `invalidCredentialProcessOutput`, whose message never quotes the
    ///   reply.
    package static func parse(_ reply: SecretBytes) throws -> Credentials {
        try reply.withUnsafeBytes { try parse($0) }
    }

    /// Parses a reply from raw bytes (the entry point for fuzzing).
    ///
    /// - Parameter bytes: The program's complete stdout.
    /// - Returns: The credentials; an expired `Expiration` is returned as is (the caller compares it with now).
    /// - Throws: `CredentialLookupError` with code `invalidCredentialProcessOutput`; the message never quotes the
    ///   reply.
    package static func parse(_ bytes: UnsafeRawBufferPointer) throws -> Credentials {
        func invalid(_ reason: String) -> CredentialLookupError {
            CredentialLookupError(.invalidCredentialProcessOutput(context: nil, reason: reason))
        }
        guard bytes.count <= maximumSize else { throw invalid("the reply is larger than \(maximumSize) bytes") }
        let object: SecretJSONObject
        do {
            object = try SecretJSONObject.parse(bytes)
        } catch let error as JSONSyntaxError {
            throw invalid("not valid JSON: \(error.reason)")
        }
        switch object["Version"] {
        case .number(let version) where Double(version) == 1:
            // Python's `1.0 == 1` holds, so botocore accepts any number equal to one; so does credstore.
            break
        case nil:
            throw invalid("\"Version\" is missing (it must be the number 1)")
        default:
            throw invalid("\"Version\" must be the number 1")
        }
        return try credentials(from: object, tokenKey: "SessionToken", invalid: invalid)
    }

    /// Reads the key pair, token and expiry shared by the credential-process and instance-metadata replies.
    static func credentials(from object: SecretJSONObject, tokenKey: String,
                            invalid: (String) -> CredentialLookupError) throws -> Credentials {
        guard case .string(let keyIDBytes)? = object["AccessKeyId"], !keyIDBytes.isEmpty else {
            throw invalid("\"AccessKeyId\" is missing or not a non-empty string")
        }
        guard let accessKeyID = keyIDBytes.unsafeUTF8String(), accessKeyID.utf8.allSatisfy(isKeyIDByte) else {
            throw invalid("\"AccessKeyId\" contains characters other than letters and digits")
        }
        guard case .string(let secret)? = object["SecretAccessKey"], !secret.isEmpty else {
            throw invalid("\"SecretAccessKey\" is missing or not a non-empty string")
        }
        var token: SecretBytes?
        switch object[tokenKey] {
        case nil, .null?: token = nil
        case .string(let value)?: token = value.isEmpty ? nil : value
        default: throw invalid("\"\(tokenKey)\" must be a string")
        }
        var expiration: Date?
        switch object["Expiration"] {
        case nil, .null?: expiration = nil
        case .string(let value)?:
            // Not a secret: safe to read as text for the parser.
            guard let date = value.withUnsafeBytes({ RFC3339.parse($0) }) else {
                throw invalid("\"Expiration\" is not an RFC 3339 timestamp such as 2024-05-01T12:00:00Z")
            }
            expiration = date
        default:
            throw invalid("\"Expiration\" must be an RFC 3339 timestamp string")
        }
        return Credentials(accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: token,
                           expiration: expiration)
    }

    private static func isKeyIDByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
