import COpenSSL

/// AES-256-GCM with 96-bit nonces and 128-bit tags, through libcrypto's EVP interface.
///
/// Sealed output is `ciphertext ‖ tag`. Opening decrypts into a `SecretBytes` and only hands it out after
/// `EVP_DecryptFinal_ex` has verified the tag, so unauthenticated plaintext never reaches a caller.
enum AESGCM {
    static let keySize = 32
    static let nonceSize = 12
    static let tagSize = 16

    /// The cipher, fetched from the provider once. With the legacy `EVP_aes_256_gcm()` every `EVP_*Init_ex` does an
    /// implicit fetch (a locked name lookup), once per record: a tenth of opening a 10,000-profile store.
    static let cipher: OpaquePointer = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) ?? EVP_aes_256_gcm()

    /// Encrypts `plaintext` under `key` and `nonce`, authenticating `aad`; returns `ciphertext ‖ tag`.
    static func seal(
        key: SecretBytes, nonce: [UInt8], plaintext: UnsafeRawBufferPointer, aad: [UInt8]
    ) throws -> [UInt8] {
        precondition(key.count == keySize && nonce.count == nonceSize, "AES-256-GCM needs a 32-byte key, 12-byte nonce")
        let context = try CipherContext()
        var output = [UInt8](repeating: 0, count: plaintext.count + tagSize)
        try key.withUnsafeBytes { keyBytes in
            guard EVP_EncryptInit_ex(context.pointer, AESGCM.cipher, nil, nil, nil) == 1,
                  EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceSize), nil) == 1,
                  EVP_EncryptInit_ex(context.pointer, nil, nil, keyBytes.bindMemory(to: UInt8.self).baseAddress,
                                     nonce) == 1
            else { throw OpenSSLErrorQueue.failure("set up AES-256-GCM encryption") }
        }
        var length: Int32 = 0
        if !aad.isEmpty {
            guard EVP_EncryptUpdate(context.pointer, nil, &length, aad, Int32(aad.count)) == 1 else {
                throw OpenSSLErrorQueue.failure("authenticate AES-256-GCM associated data")
            }
        }
        var produced = 0
        try output.withUnsafeMutableBufferPointer { out in
            if plaintext.count > 0 {
                guard EVP_EncryptUpdate(context.pointer, out.baseAddress, &length,
                                        plaintext.bindMemory(to: UInt8.self).baseAddress,
                                        Int32(plaintext.count)) == 1
                else { throw OpenSSLErrorQueue.failure("encrypt with AES-256-GCM") }
                produced = Int(length)
            }
            guard EVP_EncryptFinal_ex(context.pointer, out.baseAddress! + produced, &length) == 1 else {
                throw OpenSSLErrorQueue.failure("finish AES-256-GCM encryption")
            }
            produced += Int(length)
            guard produced == plaintext.count,
                  EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(tagSize),
                                      out.baseAddress! + produced) == 1
            else { throw OpenSSLErrorQueue.failure("produce the AES-256-GCM tag") }
        }
        return output
    }

    /// Encrypts a secret; see `seal(key:nonce:plaintext:aad:)`.
    static func seal(key: SecretBytes, nonce: [UInt8], plaintext: SecretBytes, aad: [UInt8]) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try seal(key: key, nonce: nonce, plaintext: $0, aad: aad) }
    }

    /// Decrypts and verifies `sealed` (`ciphertext ‖ tag`); `nil` when the tag does not verify (wrong key, or the
    /// ciphertext, nonce or `aad` changed). Throws only when libcrypto itself fails.
    static func open(key: SecretBytes, nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) throws -> SecretBytes? {
        precondition(key.count == keySize, "AES-256-GCM needs a 32-byte key")
        guard nonce.count == nonceSize, sealed.count >= tagSize else { return nil }
        let context = try CipherContext()
        let ciphertextCount = sealed.count - tagSize
        try key.withUnsafeBytes { keyBytes in
            guard EVP_DecryptInit_ex(context.pointer, AESGCM.cipher, nil, nil, nil) == 1,
                  EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceSize), nil) == 1,
                  EVP_DecryptInit_ex(context.pointer, nil, nil, keyBytes.bindMemory(to: UInt8.self).baseAddress,
                                     nonce) == 1
            else { throw OpenSSLErrorQueue.failure("set up AES-256-GCM decryption") }
        }
        var length: Int32 = 0
        if !aad.isEmpty {
            guard EVP_DecryptUpdate(context.pointer, nil, &length, aad, Int32(aad.count)) == 1 else {
                throw OpenSSLErrorQueue.failure("authenticate AES-256-GCM associated data")
            }
        }
        var plaintext = SecretBytes(zeroedCount: ciphertextCount)
        let verified: Bool = try plaintext.withUnsafeMutableBytes { out in
            let outBase = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var produced = 0
            try sealed.withUnsafeBufferPointer { input in
                if ciphertextCount > 0 {
                    guard EVP_DecryptUpdate(context.pointer, outBase, &length, input.baseAddress,
                                            Int32(ciphertextCount)) == 1
                    else { throw OpenSSLErrorQueue.failure("decrypt with AES-256-GCM") }
                    produced = Int(length)
                }
                var tag = Array(input[ciphertextCount...])
                guard EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), &tag) == 1 else {
                    throw OpenSSLErrorQueue.failure("set the AES-256-GCM tag")
                }
            }
            let ok = EVP_DecryptFinal_ex(context.pointer, outBase + produced, &length) == 1
            // A failed tag check queues an error; drop it so it cannot be blamed on a later, unrelated call.
            _ = OpenSSLErrorQueue.drain()
            if !ok { SecureMemory.wipe(out) }
            return ok
        }
        return verified ? plaintext : nil
    }
}

/// Owns one `EVP_CIPHER_CTX` and frees it (which also wipes its key schedule) when it goes away.
final class CipherContext {
    let pointer: OpaquePointer

    init() throws {
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLErrorQueue.failure("allocate a cipher context") }
        pointer = context
    }

    deinit { EVP_CIPHER_CTX_free(pointer) }
}
