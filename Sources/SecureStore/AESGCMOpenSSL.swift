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
        try AESGCMKey(key, for: .encryption).seal(nonce: nonce, plaintext: plaintext, aad: aad)
    }

    /// Encrypts a secret; see `seal(key:nonce:plaintext:aad:)`.
    static func seal(key: SecretBytes, nonce: [UInt8], plaintext: SecretBytes, aad: [UInt8]) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try seal(key: key, nonce: nonce, plaintext: $0, aad: aad) }
    }

    /// Decrypts and verifies `sealed` (`ciphertext ‖ tag`); `nil` when the tag does not verify (wrong key, or the
    /// ciphertext, nonce or `aad` changed). Throws only when libcrypto itself fails.
    static func open(key: SecretBytes, nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) throws -> SecretBytes? {
        try aad.withUnsafeBytes { try open(key: key, nonce: nonce, sealed: sealed, aad: $0) }
    }

    /// Decrypts and verifies `sealed`; see `open(key:nonce:sealed:aad:)`.
    static func open(
        key: SecretBytes, nonce: [UInt8], sealed: [UInt8], aad: UnsafeRawBufferPointer
    ) throws -> SecretBytes? {
        try AESGCMKey(key, for: .decryption).open(nonce: nonce, sealed: sealed, aad: aad)
    }
}

/// One AES-256-GCM key set up in a cipher context once, to seal or open many messages under it.
///
/// Between messages only the nonce is set again, so the context and the key schedule are not rebuilt per record:
/// that was most of the cipher cost of re-encrypting a 10,000-record store, whose records are ~100 bytes each.
final class AESGCMKey {
    enum Direction { case encryption, decryption }

    private let context: CipherContext
    private let direction: Direction

    init(_ key: SecretBytes, for direction: Direction) throws {
        precondition(key.count == AESGCM.keySize, "AES-256-GCM needs a 32-byte key")
        context = try CipherContext()
        self.direction = direction
        let pointer = context.pointer
        try key.withUnsafeBytes { keyBytes in
            let keyPointer = keyBytes.bindMemory(to: UInt8.self).baseAddress
            let ready: Bool
            switch direction {
            case .encryption:
                ready = EVP_EncryptInit_ex(pointer, AESGCM.cipher, nil, nil, nil) == 1
                    && EVP_CIPHER_CTX_ctrl(pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(AESGCM.nonceSize), nil) == 1
                    && EVP_EncryptInit_ex(pointer, nil, nil, keyPointer, nil) == 1
            case .decryption:
                ready = EVP_DecryptInit_ex(pointer, AESGCM.cipher, nil, nil, nil) == 1
                    && EVP_CIPHER_CTX_ctrl(pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(AESGCM.nonceSize), nil) == 1
                    && EVP_DecryptInit_ex(pointer, nil, nil, keyPointer, nil) == 1
            }
            guard ready else {
                throw OpenSSLErrorQueue.failure("set up AES-256-GCM "
                                                + (direction == .encryption ? "encryption" : "decryption"))
            }
        }
    }

    /// Encrypts `plaintext` under this key and `nonce` (never reuse one with the same key), authenticating `aad`;
    /// returns `ciphertext ‖ tag`.
    func seal(nonce: [UInt8], plaintext: UnsafeRawBufferPointer, aad: [UInt8]) throws -> [UInt8] {
        precondition(direction == .encryption && nonce.count == AESGCM.nonceSize,
                     "AES-256-GCM sealing needs an encryption key and a 12-byte nonce")
        let pointer = context.pointer
        guard EVP_EncryptInit_ex(pointer, nil, nil, nil, nonce) == 1 else {
            throw OpenSSLErrorQueue.failure("set the AES-256-GCM nonce")
        }
        var output = [UInt8](repeating: 0, count: plaintext.count + AESGCM.tagSize)
        var length: Int32 = 0
        if !aad.isEmpty {
            guard EVP_EncryptUpdate(pointer, nil, &length, aad, Int32(aad.count)) == 1 else {
                throw OpenSSLErrorQueue.failure("authenticate AES-256-GCM associated data")
            }
        }
        var produced = 0
        try output.withUnsafeMutableBufferPointer { out in
            if plaintext.count > 0 {
                guard EVP_EncryptUpdate(pointer, out.baseAddress, &length,
                                        plaintext.bindMemory(to: UInt8.self).baseAddress,
                                        Int32(plaintext.count)) == 1
                else { throw OpenSSLErrorQueue.failure("encrypt with AES-256-GCM") }
                produced = Int(length)
            }
            guard EVP_EncryptFinal_ex(pointer, out.baseAddress! + produced, &length) == 1 else {
                throw OpenSSLErrorQueue.failure("finish AES-256-GCM encryption")
            }
            produced += Int(length)
            guard produced == plaintext.count,
                  EVP_CIPHER_CTX_ctrl(pointer, EVP_CTRL_GCM_GET_TAG, Int32(AESGCM.tagSize),
                                      out.baseAddress! + produced) == 1
            else { throw OpenSSLErrorQueue.failure("produce the AES-256-GCM tag") }
        }
        return output
    }

    /// Encrypts a secret; see `seal(nonce:plaintext:aad:)`.
    func seal(nonce: [UInt8], plaintext: SecretBytes, aad: [UInt8]) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try seal(nonce: nonce, plaintext: $0, aad: aad) }
    }

    /// Decrypts and verifies `sealed` (`ciphertext ‖ tag`); `nil` when the tag does not verify (wrong key, or the
    /// ciphertext, nonce or `aad` changed). Throws only when libcrypto itself fails.
    func open(nonce: [UInt8], sealed: [UInt8], aad: UnsafeRawBufferPointer) throws -> SecretBytes? {
        precondition(direction == .decryption, "AES-256-GCM opening needs a decryption key")
        guard nonce.count == AESGCM.nonceSize, sealed.count >= AESGCM.tagSize else { return nil }
        let pointer = context.pointer
        guard EVP_DecryptInit_ex(pointer, nil, nil, nil, nonce) == 1 else {
            throw OpenSSLErrorQueue.failure("set the AES-256-GCM nonce")
        }
        let ciphertextCount = sealed.count - AESGCM.tagSize
        var length: Int32 = 0
        if aad.count > 0 {
            guard EVP_DecryptUpdate(pointer, nil, &length, aad.bindMemory(to: UInt8.self).baseAddress,
                                    Int32(aad.count)) == 1
            else { throw OpenSSLErrorQueue.failure("authenticate AES-256-GCM associated data") }
        }
        var plaintext = SecretBytes(zeroedCount: ciphertextCount)
        let verified: Bool = try plaintext.withUnsafeMutableBytes { out in
            let outBase = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var produced = 0
            try sealed.withUnsafeBufferPointer { input in
                if ciphertextCount > 0 {
                    guard EVP_DecryptUpdate(pointer, outBase, &length, input.baseAddress,
                                            Int32(ciphertextCount)) == 1
                    else { throw OpenSSLErrorQueue.failure("decrypt with AES-256-GCM") }
                    produced = Int(length)
                }
                var tag = Array(input[ciphertextCount...])
                guard EVP_CIPHER_CTX_ctrl(pointer, EVP_CTRL_GCM_SET_TAG, Int32(AESGCM.tagSize), &tag) == 1 else {
                    throw OpenSSLErrorQueue.failure("set the AES-256-GCM tag")
                }
            }
            let ok = EVP_DecryptFinal_ex(pointer, outBase + produced, &length) == 1
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
