import COpenSSL

/// The key derivation functions the store uses (scrypt, HKDF-SHA256) and PBKDF2-HMAC-SHA256 for conformance, all
/// through OpenSSL 3's `EVP_KDF` interface.
enum KDF {
    /// scrypt with explicit parameters. Callers must have bounded `n`, `r` and `p` already (see `ScryptPolicy.check`);
    /// `maxmem_bytes` is set to just what those parameters need, so libcrypto's own 32 MiB default does not reject
    /// legitimate costs and nothing larger can be allocated.
    static func scrypt(
        password: SecretBytes, salt: [UInt8], n: UInt64, r: UInt32, p: UInt32, length: Int
    ) throws -> SecretBytes {
        // Callers bound the parameters first; this only keeps the memory arithmetic below from overflowing.
        guard n <= 1 << 32, r <= 1 << 16, p <= 1 << 16 else {
            throw SecureStoreError(.invalidArgument, "scrypt parameters N=\(n) r=\(r) p=\(p) are out of range")
        }
        #if DEBUG
        scryptRuns.increment()
        #endif
        // Memory scrypt needs: V is 128·r·(N+2) bytes and B is 128·r·p bytes; allow 1 MiB of slack on top.
        let needed = 128 * UInt64(r) * (n + 2) + 128 * UInt64(r) * UInt64(p) + 1 << 20
        let parameters = KDFParameterList()
        parameters.octets("pass", password)
        parameters.octets("salt", salt)
        parameters.uint64("n", n)
        parameters.uint32("r", r)
        parameters.uint32("p", p)
        parameters.uint64("maxmem_bytes", needed)
        return try derive(algorithm: "SCRYPT", parameters: parameters, length: length)
    }

    #if DEBUG
    /// How many times scrypt has run in this process; lets tests prove that a bound check came first. A test seam:
    /// debug builds only (nothing in a release build, the agent's status included, reads it).
    static let scryptRuns = RunCounter()
    #endif

    /// HKDF-SHA256 (extract then expand, RFC 5869). An empty `salt` means HashLen zero bytes, as the RFC says.
    static func hkdfSHA256(key: SecretBytes, salt: [UInt8], info: [UInt8], length: Int) throws -> SecretBytes {
        let parameters = KDFParameterList()
        parameters.utf8("digest", "SHA256")
        parameters.octets("key", key)
        if !salt.isEmpty { parameters.octets("salt", salt) }
        if !info.isEmpty { parameters.octets("info", info) }
        return try derive(algorithm: "HKDF", parameters: parameters, length: length)
    }

    /// PBKDF2-HMAC-SHA256 (RFC 8018), without SP 800-132's lower bounds so that published vectors can be checked.
    static func pbkdf2SHA256(password: SecretBytes, salt: [UInt8], iterations: UInt64,
                             length: Int) throws -> SecretBytes {
        let parameters = KDFParameterList()
        parameters.utf8("digest", "SHA256")
        parameters.octets("pass", password)
        parameters.octets("salt", salt)
        parameters.uint64("iter", iterations)
        parameters.int32("pkcs5", 1)  // 1 disables the SP 800-132 lower-bound checks.
        return try derive(algorithm: "PBKDF2", parameters: parameters, length: length)
    }

    private static func derive(algorithm: String, parameters: KDFParameterList, length: Int) throws -> SecretBytes {
        let context = try KDFContext(algorithm: algorithm)
        var output = SecretBytes(zeroedCount: length)
        let ok = parameters.withParameters { list in
            output.withUnsafeMutableBytes { out in
                EVP_KDF_derive(context.pointer, out.baseAddress!.assumingMemoryBound(to: UInt8.self), length, list)
            }
        }
        guard ok == 1 else { throw OpenSSLErrorQueue.failure("derive a key with \(algorithm)") }
        return output
    }
}

/// Owns one `EVP_KDF` and its `EVP_KDF_CTX`, freeing both when it goes away.
final class KDFContext {
    let pointer: OpaquePointer
    private let kdf: OpaquePointer

    init(algorithm: String) throws {
        guard let kdf = EVP_KDF_fetch(nil, algorithm, nil) else {
            throw OpenSSLErrorQueue.failure("load the \(algorithm) key derivation function")
        }
        guard let context = EVP_KDF_CTX_new(kdf) else {
            EVP_KDF_free(kdf)
            throw OpenSSLErrorQueue.failure("allocate a \(algorithm) context")
        }
        self.kdf = kdf
        pointer = context
    }

    deinit {
        EVP_KDF_CTX_free(pointer)
        EVP_KDF_free(kdf)
    }
}

/// An `OSSL_PARAM` list whose keys and values live in memory this object owns (and wipes), because `OSSL_PARAM`
/// only points at its buffers and they must stay put until the derivation has run.
final class KDFParameterList {
    private var buffers: [UnsafeMutableRawBufferPointer] = []
    private var entries: [(key: UnsafeMutablePointer<CChar>, build: () -> OSSL_PARAM)] = []

    private func keep(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        if bytes.count > 0 { buffer.copyMemory(from: bytes) }
        buffers.append(buffer)
        return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
    }

    private func keepKey(_ key: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(key.utf8CString)
        let buffer = bytes.withUnsafeBytes { keep($0) }
        return buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
    }

    func octets(_ key: String, _ value: SecretBytes) {
        let buffer = value.withUnsafeBytes { keep($0) }
        let name = keepKey(key)
        entries.append((name, { OSSL_PARAM_construct_octet_string(name, buffer.baseAddress, buffer.count) }))
    }

    func octets(_ key: String, _ value: [UInt8]) {
        let buffer = value.withUnsafeBytes { keep($0) }
        let name = keepKey(key)
        entries.append((name, { OSSL_PARAM_construct_octet_string(name, buffer.baseAddress, buffer.count) }))
    }

    func utf8(_ key: String, _ value: String) {
        let buffer = Array(value.utf8CString).withUnsafeBytes { keep($0) }
        let name = keepKey(key)
        let pointer = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
        entries.append((name, { OSSL_PARAM_construct_utf8_string(name, pointer, 0) }))
    }

    func uint64(_ key: String, _ value: UInt64) {
        let buffer = withUnsafeBytes(of: value) { keep($0) }
        let name = keepKey(key)
        let pointer = buffer.baseAddress!.assumingMemoryBound(to: UInt64.self)
        entries.append((name, { OSSL_PARAM_construct_uint64(name, pointer) }))
    }

    func uint32(_ key: String, _ value: UInt32) {
        let buffer = withUnsafeBytes(of: value) { keep($0) }
        let name = keepKey(key)
        let pointer = buffer.baseAddress!.assumingMemoryBound(to: UInt32.self)
        entries.append((name, { OSSL_PARAM_construct_uint32(name, pointer) }))
    }

    func int32(_ key: String, _ value: Int32) {
        let buffer = withUnsafeBytes(of: value) { keep($0) }
        let name = keepKey(key)
        let pointer = buffer.baseAddress!.assumingMemoryBound(to: Int32.self)
        entries.append((name, { OSSL_PARAM_construct_int32(name, pointer) }))
    }

    func withParameters<Result>(_ body: (UnsafePointer<OSSL_PARAM>) -> Result) -> Result {
        var list = entries.map { $0.build() }
        list.append(OSSL_PARAM_construct_end())
        return list.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    deinit {
        for buffer in buffers {
            SecureMemory.wipe(buffer)
            buffer.deallocate()
        }
    }
}

#if DEBUG
/// A thread-safe counter (of scrypt runs, for tests).
final class RunCounter: @unchecked Sendable {
    // @unchecked: `count` is only touched under `mutex`.
    private let mutex = ProcessMutex()
    private var count = 0

    func increment() {
        mutex.withLock { count += 1 }
    }

    var value: Int {
        mutex.withLock { count }
    }
}
#endif
