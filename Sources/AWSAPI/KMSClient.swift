import HTTPClient
import SecureStore

/// The KMS calls the KMS key slot makes (JSON 1.1, target prefix `TrentService`), over any transport. Every call
/// carries an encryption context, which KMS binds to the ciphertext: a decryption with another context fails.
package struct KMSClient: Sendable {
    static let targetPrefix = "TrentService"
    let caller: ServiceCaller

    /// Creates a client for `endpoint` (see `ServiceEndpoint.resolve`).
    package init(transport: any HTTPTransport, endpoint: ServiceEndpoint, settings: HTTPSettings = HTTPSettings(),
                 retry: RetryPolicy = RetryPolicy(), clock: any WallClock = SystemWallClock()) {
        caller = ServiceCaller(transport: transport, endpoint: endpoint, settings: settings, retry: retry,
                               clock: clock, displayName: "KMS", errorFormat: .json)
    }

    /// `Encrypt`: `plaintext` (at most 4096 bytes) under `keyID` with `context`; returns the ciphertext blob.
    package func encrypt(using credentials: SigningCredentials, keyID: String, plaintext: SecretBytes,
                         context: [String: String]) throws -> [UInt8] {
        let action = "Encrypt"
        let encoded = plaintext.withUnsafeBytes { Base64.encode($0) }
        let object = try call(action, [("KeyId", .string(keyID)), ("Plaintext", .secret(encoded)),
                                       ("EncryptionContext", .map(context))], credentials)
        return try blob(object, "CiphertextBlob", action: action).withUnsafeBytes { Array($0) }
    }

    /// `Decrypt`: the plaintext of `ciphertext`, which must have been made with `context` (and `keyID`, when given).
    package func decrypt(using credentials: SigningCredentials, ciphertext: [UInt8], context: [String: String],
                         keyID: String? = nil) throws -> SecretBytes {
        let action = "Decrypt"
        var members: [(String, JSONProtocol.Member)] = [("CiphertextBlob", .string(Base64.encode(ciphertext))),
                                                        ("EncryptionContext", .map(context))]
        if let keyID { members.append(("KeyId", .string(keyID))) }
        return try blob(try call(action, members, credentials), "Plaintext", action: action)
    }

    /// `GenerateDataKey`: a new random key of `byteCount` bytes, in plain and wrapped under `keyID` with `context`.
    package func generateDataKey(using credentials: SigningCredentials, keyID: String, context: [String: String],
                                 byteCount: Int = 32) throws -> (plaintext: SecretBytes, ciphertext: [UInt8]) {
        let action = "GenerateDataKey"
        let object = try call(action, [("KeyId", .string(keyID)), ("EncryptionContext", .map(context)),
                                       ("NumberOfBytes", .integer(byteCount))], credentials)
        let plaintext = try blob(object, "Plaintext", action: action)
        guard plaintext.count == byteCount else {
            throw caller.malformed(action, "Plaintext is \(plaintext.count) bytes, not \(byteCount)")
        }
        return (plaintext, try blob(object, "CiphertextBlob", action: action).withUnsafeBytes { Array($0) })
    }

    func blob(_ object: FlatJSONObject, _ field: String, action: String) throws -> SecretBytes {
        guard let encoded = object.secret(field), !encoded.isEmpty else {
            throw caller.malformed(action, "\(field) is missing or empty")
        }
        guard let decoded = Base64.decode(encoded), !decoded.isEmpty else {
            throw caller.malformed(action, "\(field) is not base64")
        }
        return decoded
    }

    func call(_ action: String, _ members: [(String, JSONProtocol.Member)], _ credentials: SigningCredentials) throws
        -> FlatJSONObject {
        let endpoint = caller.endpoint
        let body = JSONProtocol.body(members)
        let response = try caller.send(action: action, credentials: credentials) {
            JSONProtocol.request(endpoint: endpoint, targetPrefix: Self.targetPrefix, action: action, body: body)
        }
        do {
            return try FlatJSONObject.parse(response.body)
        } catch let error as ResponseSyntaxError {
            throw caller.malformed(action, error.reason)
        }
    }
}
