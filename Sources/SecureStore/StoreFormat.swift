/// The constants of the store file format. FORMAT.md specifies every one of them; change both together.
enum StoreFormat {
    /// The first 8 bytes of every store file: ASCII `CREDSTOR`.
    static let magic: [UInt8] = Array("CREDSTOR".utf8)
    /// The only format version this build reads and writes.
    static let version: UInt16 = 1
    /// The trailing unkeyed SHA-256 checksum, present in every version, so any damage is reported as corruption
    /// before the version or the secret is looked at.
    static let checksumSize = 32
    /// Files larger than this are refused before being read.
    static let maximumFileSize = 16 << 20
    static let storeIDSize = 16
    static let saveSaltSize = 32
    static let maximumSlots = 8
    static let maximumRecords = 65_536
    static let maximumNameBytes = 256
    static let maximumSealedRecord = 1 << 20
    static let dataKeySize = 32

    /// Domain-separation labels, ASCII, used exactly as written. Each slot kind keeps the labels of its own KDF in its
    /// file (`KeySlots/`); these are the container's.
    enum Label {
        static let slotAAD: [UInt8] = Array("credstore/v1 slot".utf8)
        static let recordKeyInfo: [UInt8] = Array("credstore/v1 records".utf8)
        static let recordAAD: [UInt8] = Array("credstore/v1 record".utf8)
        static let authenticatorInfo: [UInt8] = Array("credstore/v1 file authenticator".utf8)
    }

    /// Record plaintext field types (type u8, length u32, value).
    enum Field {
        static let accessKeyID: UInt8 = 0x01
        static let secretAccessKey: UInt8 = 0x02
        static let sessionToken: UInt8 = 0x03
        static let expiration: UInt8 = 0x04
        static let setting: UInt8 = 0x05
    }
}

/// One encrypted record as stored: the profile name in clear and the sealed profile.
struct SealedRecord: Equatable {
    var name: String
    var nonce: [UInt8]
    var sealed: [UInt8]
}

/// A parsed store file, before or after decryption: header, slots, sealed records and authenticator.
struct StoreImage {
    var storeID: [UInt8]
    var slots: [KeySlot]
    var saveSalt: [UInt8]
    var records: [SealedRecord]
    var authenticatorNonce: [UInt8]
    var authenticatorTag: [UInt8]

    /// Parses and checks `bytes` (magic, checksum, version, structure) without any key.
    ///
    /// - Parameter kinds: the slot kinds to recognise; a slot of any other kind makes the file corrupt.
    static func parse(
        _ bytes: [UInt8], path: String, kinds: [any KeySlotKind.Type] = KeySlotKinds.all
    ) throws -> StoreImage {
        let headerSize = StoreFormat.magic.count + 2
        guard bytes.count >= headerSize, Array(bytes[0..<StoreFormat.magic.count]) == StoreFormat.magic else {
            throw SecureStoreError.corrupt(path, "it does not start with the credstore signature")
        }
        guard bytes.count >= headerSize + StoreFormat.checksumSize else {
            throw SecureStoreError.corrupt(path, "it is truncated")
        }
        let checked = bytes.count - StoreFormat.checksumSize
        let expected = try bytes.withUnsafeBytes {
            try SHA256Digest.hash(UnsafeRawBufferPointer(rebasing: $0[0..<checked]))
        }
        guard expected == Array(bytes[checked...]) else {
            throw SecureStoreError.corrupt(path, "its checksum does not match: it was truncated or altered")
        }
        let version = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        guard version == StoreFormat.version else {
            throw SecureStoreError(.unsupportedVersion, path: path,
                                   "the store \(path) uses format version \(version); this credstore reads version "
                                   + "\(StoreFormat.version) only",
                                   hint: "upgrade credstore to a release that supports version \(version)")
        }
        do {
            return try bytes.withUnsafeBytes { all in
                var reader = ByteReader(UnsafeRawBufferPointer(rebasing: all[0..<checked]), offset: headerSize)
                return try parseBody(&reader, kinds: kinds)
            }
        } catch let error as SecureStoreError {
            throw error
        } catch let unknown as KeySlot.UnknownKind {
            // FORMAT.md: an unknown slot kind makes the file corrupt. Say which kind, because the likely cause is a
            // store that a newer credstore gave a slot of a kind this one does not know.
            throw SecureStoreError.corrupt(path, "it has a key slot of kind \(unknown.kind), which this credstore "
                                           + "does not know (a newer credstore may have added it)")
        } catch {
            throw SecureStoreError.corrupt(path, "its structure is invalid")
        }
    }

    private static func parseBody(_ reader: inout ByteReader, kinds: [any KeySlotKind.Type]) throws -> StoreImage {
        let storeID = try reader.take(StoreFormat.storeIDSize)
        let slotCount = Int(try reader.u8())
        guard (1...StoreFormat.maximumSlots).contains(slotCount) else { throw ByteReader.Truncated() }
        var slots: [KeySlot] = []
        for _ in 0..<slotCount {
            let kind = try reader.u8()
            let flags = try reader.u8()
            let length = Int(try reader.u16())
            let body = try reader.take(length)
            slots.append(try body.withUnsafeBytes {
                try KeySlot.decode(kind: kind, flags: flags, body: $0, kinds: kinds)
            })
        }
        let saveSalt = try reader.take(StoreFormat.saveSaltSize)
        let recordCount = Int(try reader.u32())
        guard recordCount <= StoreFormat.maximumRecords else { throw ByteReader.Truncated() }
        var records: [SealedRecord] = []
        var names = Set<String>()
        for _ in 0..<recordCount {
            let nameLength = Int(try reader.u16())
            let nameBytes = try reader.take(nameLength)
            guard let name = String(validating: nameBytes, as: UTF8.self), ProfileName.isValid(name),
                  names.insert(name).inserted
            else { throw ByteReader.Truncated() }
            let nonce = try reader.take(AESGCM.nonceSize)
            let sealedLength = Int(try reader.u32())
            guard (AESGCM.tagSize...StoreFormat.maximumSealedRecord).contains(sealedLength) else {
                throw ByteReader.Truncated()
            }
            records.append(SealedRecord(name: name, nonce: nonce, sealed: try reader.take(sealedLength)))
        }
        let authenticatorNonce = try reader.take(AESGCM.nonceSize)
        let authenticatorTag = try reader.take(AESGCM.tagSize)
        guard reader.remaining == 0 else { throw ByteReader.Truncated() }
        return StoreImage(storeID: storeID, slots: slots, saveSalt: saveSalt, records: records,
                          authenticatorNonce: authenticatorNonce, authenticatorTag: authenticatorTag)
    }

    /// Every byte the authenticator covers: magic through the last record.
    var authenticatedBytes: [UInt8] {
        var writer = ByteWriter(capacity: records.reduce(512 + slots.count * 128) {
            $0 + 2 + $1.name.utf8.count + $1.nonce.count + 4 + $1.sealed.count
        })
        writer.raw(StoreFormat.magic)
        writer.u16(StoreFormat.version)
        writer.raw(storeID)
        writer.u8(UInt8(slots.count))
        for slot in slots { slot.encode(into: &writer) }
        writer.raw(saveSalt)
        writer.u32(UInt32(records.count))
        for record in records {
            let name = Array(record.name.utf8)
            writer.u16(UInt16(name.count))
            writer.raw(name)
            writer.raw(record.nonce)
            writer.u32(UInt32(record.sealed.count))
            writer.raw(record.sealed)
        }
        return writer.bytes
    }

    /// The file bytes: authenticated part, a fresh authenticator under `dataKey`, and the checksum.
    ///
    /// - Parameter path: the store file, named in the error if the result would be too large.
    mutating func encode(dataKey: SecretBytes, path: String) throws -> [UInt8] {
        let covered = authenticatedBytes
        authenticatorNonce = try Random.bytes(AESGCM.nonceSize)
        let key = try Self.authenticatorKey(dataKey: dataKey, saveSalt: saveSalt)
        authenticatorTag = try AESGCM.seal(key: key, nonce: authenticatorNonce, plaintext: SecretBytes(zeroedCount: 0),
                                           aad: covered)
        var bytes = covered
        bytes.reserveCapacity(covered.count + AESGCM.nonceSize + AESGCM.tagSize + StoreFormat.checksumSize)
        bytes += authenticatorNonce
        bytes += authenticatorTag
        bytes += try SHA256Digest.hash(bytes)
        guard bytes.count <= StoreFormat.maximumFileSize else {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "the store \(path) would grow beyond 16 MiB; nothing was changed",
                                   hint: "remove profiles you no longer need")
        }
        return bytes
    }

    /// Whether `dataKey` authenticates the whole file (header, slots, record list).
    ///
    /// - Parameter file: the file this image was just parsed from, unchanged. Its leading bytes equal
    ///   `authenticatedBytes` (the encoding is canonical and parsing consumes every byte), so they are authenticated
    ///   as read instead of re-encoding the whole record list.
    func isAuthentic(dataKey: SecretBytes, parsedFrom file: [UInt8]? = nil) throws -> Bool {
        let key = try Self.authenticatorKey(dataKey: dataKey, saveSalt: saveSalt)
        let trailer = AESGCM.nonceSize + AESGCM.tagSize + StoreFormat.checksumSize
        if let file, file.count >= trailer {
            return try file.withUnsafeBytes { bytes in
                try AESGCM.open(key: key, nonce: authenticatorNonce, sealed: authenticatorTag,
                                aad: UnsafeRawBufferPointer(rebasing: bytes[0..<(file.count - trailer)])) != nil
            }
        }
        return try AESGCM.open(key: key, nonce: authenticatorNonce, sealed: authenticatorTag,
                               aad: authenticatedBytes) != nil
    }

    static func authenticatorKey(dataKey: SecretBytes, saveSalt: [UInt8]) throws -> SecretBytes {
        try KDF.hkdfSHA256(key: dataKey, salt: saveSalt, info: StoreFormat.Label.authenticatorInfo, length: 32)
    }

    static func recordKey(dataKey: SecretBytes, saveSalt: [UInt8]) throws -> SecretBytes {
        try KDF.hkdfSHA256(key: dataKey, salt: saveSalt, info: StoreFormat.Label.recordKeyInfo, length: 32)
    }

    static func recordAAD(storeID: [UInt8], saveSalt: [UInt8], count: Int, index: Int, name: String) -> [UInt8] {
        let nameCount = name.utf8.count
        var writer = ByteWriter(capacity: StoreFormat.Label.recordAAD.count + storeID.count + saveSalt.count + 12
                                    + nameCount)
        writer.raw(StoreFormat.Label.recordAAD)
        writer.u16(StoreFormat.version)
        writer.raw(storeID)
        writer.raw(saveSalt)
        writer.u32(UInt32(count))
        writer.u32(UInt32(index))
        writer.u16(UInt16(nameCount))
        writer.raw(name.utf8)
        return writer.bytes
    }

    /// Replaces the records with `profiles`, sealed under a fresh per-save salt and fresh nonces.
    mutating func seal(_ profiles: [StoredProfile], dataKey: SecretBytes, path: String) throws {
        _ = try seal(plaintexts: profiles.map { ($0.name, try RecordCodec.encode($0)) }, dataKey: dataKey, path: path)
    }

    /// Replaces the records with `plaintexts` (encoded profiles, by name), sealed under a fresh per-save salt and
    /// fresh nonces.
    ///
    /// - Parameter path: the store file, named in the error if a record is too large.
    /// - Returns: the new record key, which opens the new records.
    mutating func seal(
        plaintexts: [(name: String, plaintext: SecretBytes)], dataKey: SecretBytes, path: String
    ) throws -> SecretBytes {
        saveSalt = try Random.bytes(StoreFormat.saveSaltSize)
        let key = try Self.recordKey(dataKey: dataKey, saveSalt: saveSalt)
        let sealer = try AESGCMKey(key, for: .encryption)
        // One random draw for every nonce: a RAND_bytes call per record was a visible share of a 10,000-record save.
        let nonces = try Random.bytes(AESGCM.nonceSize * plaintexts.count)
        records = try plaintexts.enumerated().map { index, record in
            guard record.plaintext.count + AESGCM.tagSize <= StoreFormat.maximumSealedRecord else {
                throw SecureStoreError(.invalidArgument, path: path,
                                       "profile \(record.name) of the store \(path) is larger than the 1 MiB a "
                                       + "record may hold; nothing was changed", hint: "shorten its settings")
            }
            let nonce = Array(nonces[index * AESGCM.nonceSize..<(index + 1) * AESGCM.nonceSize])
            let aad = Self.recordAAD(storeID: storeID, saveSalt: saveSalt, count: plaintexts.count, index: index,
                                     name: record.name)
            return SealedRecord(name: record.name, nonce: nonce,
                                sealed: try sealer.seal(nonce: nonce, plaintext: record.plaintext, aad: aad))
        }
        return key
    }

    /// The verified plaintext of record `index`.
    ///
    /// - Parameter opener: this image's record key (`recordKey(dataKey:saveSalt:)`), set up for decryption.
    /// - Throws: `SecureStoreError.corrupt` if the record does not verify.
    func openRecord(at index: Int, with opener: AESGCMKey, path: String) throws -> SecretBytes {
        let record = records[index]
        let aad = Self.recordAAD(storeID: storeID, saveSalt: saveSalt, count: records.count, index: index,
                                 name: record.name)
        guard let plaintext = try aad.withUnsafeBytes({
            try opener.open(nonce: record.nonce, sealed: record.sealed, aad: $0)
        }) else { throw SecureStoreError.corrupt(path, "record \(index) does not verify") }
        return plaintext
    }
}
