import FoundationEssentials

/// The session cache file, byte by byte (FORMAT.md, *Session cache*): a header in clear, one AES-256-GCM sealed
/// list of sessions under a key derived from the store's data key, and the unkeyed SHA-256 checksum every credstore
/// file ends with.
///
/// ```
/// magic "CREDSESS" ‖ version u16 ‖ store_id (16) ‖ salt (32) ‖ nonce (12) ‖ sealed_length u32 ‖ sealed
///   ‖ checksum (SHA-256 of all before)
/// cache_key = HKDF(data_key, salt, "credstore/v1 session cache")
/// aad       = magic ‖ version ‖ store_id ‖ salt
/// ```
enum SessionCacheFormat {
    /// The first 8 bytes: ASCII `CREDSESS`.
    static let magic: [UInt8] = Array("CREDSESS".utf8)
    /// The only version of the cache file this build reads and writes.
    static let version: UInt16 = 1
    static let saltSize = 32
    /// The header the AAD covers: magic, version, store id, salt.
    static let headerSize = 8 + 2 + StoreFormat.storeIDSize + saltSize
    /// Files larger than this are refused before being read.
    static let maximumFileSize = 8 << 20
    /// The most sessions a cache holds; a save beyond it drops those expiring soonest.
    static let maximumSessions = 4096
    /// The HKDF info of the cache key.
    static let keyInfo: [UInt8] = Array("credstore/v1 session cache".utf8)

    /// Session fields: type u8 ‖ length u32 ‖ value, in increasing type order, each at most once.
    enum Field {
        static let kind: UInt8 = 1
        static let profile: UInt8 = 2
        static let accessKeyID: UInt8 = 3
        static let secretAccessKey: UInt8 = 4
        static let sessionToken: UInt8 = 5
        static let expiration: UInt8 = 6
        static let created: UInt8 = 7
        static let sourceProfile: UInt8 = 8
        static let roleARN: UInt8 = 9
        static let roleSessionName: UInt8 = 10
        static let externalID: UInt8 = 11
        static let mfaSerial: UInt8 = 12
        static let sourceIdentity: UInt8 = 13
        static let assumedRoleARN: UInt8 = 14
    }

    /// Why a file could not be read; the cache turns it into a `sessionCacheCorrupt` error naming the file.
    struct Unreadable: Error {
        var detail: String
        init(_ detail: String) { self.detail = detail }
    }

    /// The key a cache sealed with `salt` is encrypted under.
    static func cacheKey(dataKey: SecretBytes, salt: [UInt8]) throws -> SecretBytes {
        try KDF.hkdfSHA256(key: dataKey, salt: salt, info: keyInfo, length: AESGCM.keySize)
    }

    // MARK: - The file

    /// The file holding `sessions`, sealed for the store `storeID` under `dataKey` with a fresh salt and nonce.
    static func encode(_ sessions: [CachedSession], storeID: [UInt8], dataKey: SecretBytes) throws -> [UInt8] {
        let salt = try Random.bytes(saltSize)
        let nonce = try Random.bytes(AESGCM.nonceSize)
        return try encode(sessions, storeID: storeID, dataKey: dataKey, salt: salt, nonce: nonce)
    }

    /// `encode` with a given salt and nonce (the worked example in FORMAT.md is made this way).
    static func encode(_ sessions: [CachedSession], storeID: [UInt8], dataKey: SecretBytes, salt: [UInt8],
                       nonce: [UInt8]) throws -> [UInt8] {
        var header = ByteWriter()
        header.raw(magic)
        header.u16(version)
        header.raw(storeID)
        header.raw(salt)
        let plaintext = encodePlaintext(sessions)
        let sealed = try AESGCM.seal(key: try cacheKey(dataKey: dataKey, salt: salt), nonce: nonce,
                                     plaintext: plaintext, aad: header.bytes)
        var bytes = header.bytes
        bytes += nonce
        var length = ByteWriter()
        length.u32(UInt32(sealed.count))
        bytes += length.bytes
        bytes += sealed
        bytes += try SHA256Digest.hash(bytes)
        return bytes
    }

    /// The sessions in `bytes`, which must belong to the store `storeID` and open under `dataKey`.
    ///
    /// - Throws: `Unreadable` for any damage, a file of another store or one that does not open under `dataKey`;
    ///   `UnsupportedVersion` for a well-formed file of another version.
    static func decode(_ bytes: [UInt8], storeID: [UInt8], dataKey: SecretBytes) throws -> [CachedSession] {
        guard bytes.count >= magic.count + 2, Array(bytes[0..<magic.count]) == magic else {
            throw Unreadable("it does not start with the session cache signature")
        }
        let trailerStart = bytes.count - StoreFormat.checksumSize
        guard trailerStart >= headerSize + AESGCM.nonceSize + 4 + AESGCM.tagSize else {
            throw Unreadable("it is truncated")
        }
        let checksum = try bytes.withUnsafeBytes {
            try SHA256Digest.hash(UnsafeRawBufferPointer(rebasing: $0[0..<trailerStart]))
        }
        guard checksum == Array(bytes[trailerStart...]) else {
            throw Unreadable("its checksum does not match: it was truncated or altered")
        }
        let fileVersion = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        guard fileVersion == version else { throw UnsupportedVersion(version: fileVersion) }
        let parsed: (storeID: [UInt8], salt: [UInt8], nonce: [UInt8], sealed: [UInt8])
        do {
            parsed = try bytes.withUnsafeBytes { all in
                var reader = ByteReader(UnsafeRawBufferPointer(rebasing: all[0..<trailerStart]), offset: 10)
                let fileStoreID = try reader.take(StoreFormat.storeIDSize)
                let salt = try reader.take(saltSize)
                let nonce = try reader.take(AESGCM.nonceSize)
                let length = Int(try reader.u32())
                guard length >= AESGCM.tagSize, length == reader.remaining else { throw ByteReader.Truncated() }
                return (fileStoreID, salt, nonce, try reader.take(length))
            }
        } catch {
            throw Unreadable("its structure is invalid")
        }
        guard parsed.storeID == storeID else {
            throw Unreadable("it belongs to another store (store id differs)")
        }
        let aad = Array(bytes[0..<headerSize])
        guard let plaintext = try AESGCM.open(key: try cacheKey(dataKey: dataKey, salt: parsed.salt),
                                              nonce: parsed.nonce, sealed: parsed.sealed, aad: aad) else {
            throw Unreadable("it does not decrypt under this store's data key: it was altered, or sealed under "
                             + "another data key")
        }
        guard let sessions = decodePlaintext(plaintext) else {
            throw Unreadable("its decrypted contents break the layout")
        }
        return sessions
    }

    /// A well-formed cache file of a version this build does not read.
    struct UnsupportedVersion: Error {
        var version: UInt16
    }

    // MARK: - The plaintext

    /// `u32 count ‖ (u32 entry_length ‖ fields) × count`.
    static func encodePlaintext(_ sessions: [CachedSession]) -> SecretBytes {
        var entries: [SecretBytes] = []
        for session in sessions {
            var fields: [(UInt8, SecretBytes)] = [
                (Field.kind, SecretBytes([session.kind.rawValue])),
                (Field.profile, SecretBytes(utf8: session.profile)),
                (Field.accessKeyID, SecretBytes(utf8: session.accessKeyID)),
                (Field.secretAccessKey, session.secretAccessKey),
                (Field.sessionToken, session.sessionToken),
                (Field.expiration, SecretBytes(milliseconds(session.expiration))),
                (Field.created, SecretBytes(milliseconds(session.created))),
            ]
            let optional: [(UInt8, String?)] = [
                (Field.sourceProfile, session.sourceProfile), (Field.roleARN, session.roleARN),
                (Field.roleSessionName, session.roleSessionName), (Field.externalID, session.externalID),
                (Field.mfaSerial, session.mfaSerial), (Field.sourceIdentity, session.sourceIdentity),
                (Field.assumedRoleARN, session.assumedRoleARN),
            ]
            for case let (type, value?) in optional { fields.append((type, SecretBytes(utf8: value))) }
            entries.append(join(fields.map { type, value in (header: [type] + be32(value.count), value: value) }))
        }
        return join([(header: be32(sessions.count), value: SecretBytes(zeroedCount: 0))]
                     + entries.map { (header: be32($0.count), value: $0) })
    }

    /// The sessions in `plaintext`, or `nil` when it breaks any rule of the layout.
    static func decodePlaintext(_ plaintext: SecretBytes) -> [CachedSession]? {
        plaintext.withUnsafeBytes { bytes -> [CachedSession]? in
            var reader = ByteReader(bytes)
            guard let count = try? reader.u32(), Int(count) <= maximumSessions else { return nil }
            var sessions: [CachedSession] = []
            var keys = Set<SessionKey>()
            for _ in 0..<count {
                guard let length = try? reader.u32(), Int(length) <= reader.remaining,
                      let session = decodeEntry(&reader, length: Int(length)),
                      keys.insert(session.key).inserted else { return nil }
                sessions.append(session)
            }
            return reader.remaining == 0 ? sessions : nil
        }
    }

    private static func decodeEntry(_ reader: inout ByteReader, length: Int) -> CachedSession? {
        let end = reader.offset + length
        var kind: CachedSession.Kind?
        var texts: [UInt8: String] = [:]
        var secret: SecretBytes?
        var token: SecretBytes?
        var expiration: Date?
        var created: Date?
        var lastType: UInt8 = 0
        while reader.offset < end {
            guard let type = try? reader.u8(), let fieldLength = try? reader.u32(),
                  reader.offset + Int(fieldLength) <= end, type > lastType else { return nil }
            lastType = type
            switch type {
            case Field.kind:
                guard fieldLength == 1, let raw = try? reader.u8(), let value = CachedSession.Kind(rawValue: raw)
                else { return nil }
                kind = value
            case Field.secretAccessKey:
                secret = try? reader.takeSecret(Int(fieldLength))
            case Field.sessionToken:
                token = try? reader.takeSecret(Int(fieldLength))
            case Field.expiration, Field.created:
                guard fieldLength == 8, let millis = try? reader.u64() else { return nil }
                let date = Date(timeIntervalSince1970: Double(Int64(bitPattern: millis)) / 1000)
                if type == Field.expiration { expiration = date } else { created = date }
            case Field.profile, Field.accessKeyID, Field.sourceProfile...Field.assumedRoleARN:
                guard let raw = try? reader.take(Int(fieldLength)), let text = String(validating: raw, as: UTF8.self)
                else { return nil }
                texts[type] = text
            default:
                return nil
            }
        }
        guard reader.offset == end, let kind, let profile = texts[Field.profile], !profile.isEmpty,
              let accessKeyID = texts[Field.accessKeyID], !accessKeyID.isEmpty,
              let secret, !secret.isEmpty, let token, !token.isEmpty, let expiration, let created else { return nil }
        let session = CachedSession(
            kind: kind, profile: profile, accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: token,
            expiration: expiration, created: created, sourceProfile: texts[Field.sourceProfile],
            roleARN: texts[Field.roleARN], roleSessionName: texts[Field.roleSessionName],
            externalID: texts[Field.externalID], mfaSerial: texts[Field.mfaSerial],
            sourceIdentity: texts[Field.sourceIdentity], assumedRoleARN: texts[Field.assumedRoleARN])
        // A role session names its role, an MFA session its device: they are part of the key.
        switch kind {
        case .roleSession: guard !(session.roleARN ?? "").isEmpty else { return nil }
        case .mfaSession: guard !(session.mfaSerial ?? "").isEmpty else { return nil }
        case .plainSession: break
        }
        return session
    }

    private static func milliseconds(_ date: Date) -> [UInt8] {
        var writer = ByteWriter()
        writer.u64(UInt64(bitPattern: Int64((date.timeIntervalSince1970 * 1000).rounded())))
        return writer.bytes
    }

    private static func be32(_ value: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.u32(UInt32(value))
        return writer.bytes
    }

    /// Concatenates `header ‖ value` pairs into one wipeable buffer, so secrets never sit in an unwipeable array.
    private static func join(_ parts: [(header: [UInt8], value: SecretBytes)]) -> SecretBytes {
        let total = parts.reduce(0) { $0 + $1.header.count + $1.value.count }
        var output = SecretBytes(zeroedCount: total)
        output.withUnsafeMutableBytes { out in
            var offset = 0
            for (header, value) in parts {
                for byte in header {
                    out[offset] = byte
                    offset += 1
                }
                value.withUnsafeBytes { source in
                    if source.count > 0 {
                        (out.baseAddress! + offset).copyMemory(from: source.baseAddress!, byteCount: source.count)
                    }
                }
                offset += value.count
            }
        }
        return output
    }
}
