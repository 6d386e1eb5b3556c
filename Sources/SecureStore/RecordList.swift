/// The profiles of an unlocked store in file order, each decrypted only when it is first read.
///
/// It is only ever built over a `StoreImage` whose file authenticator has verified. The authenticator covers every
/// sealed record byte for byte (FORMAT.md, *File authenticator*), so a record that is never read needs no decryption
/// for tampering anywhere in the file to be refused on open; a record that is read is still decrypted and its own
/// tag verified before any of its plaintext is used. Opening a 10,000-profile store to read one profile therefore
/// costs one record's decryption, not 10,000.
struct RecordList {
    private enum Entry {
        /// Record `index` of `source`, not decrypted yet.
        case sealed(index: Int)
        /// A profile decrypted from `source`, or set since the store was read.
        case open(StoredProfile)
    }

    /// The profile names, in file order.
    private(set) var names: [String]
    private var entries: [Entry]
    /// The verified image the sealed entries come from, and its per-save record key.
    private let source: StoreImage?
    private let recordKey: SecretBytes?
    /// The store file, for error messages.
    private let path: String

    /// An empty list (a new store).
    init(path: String) {
        names = []
        entries = []
        source = nil
        recordKey = nil
        self.path = path
    }

    /// The records of `image`, whose authenticator must have verified under the data key `recordKey` came from.
    init(sealedIn image: StoreImage, recordKey: SecretBytes, path: String) {
        names = image.records.map(\.name)
        entries = image.records.indices.map { .sealed(index: $0) }
        source = image
        self.recordKey = recordKey
        self.path = path
    }

    var count: Int { entries.count }

    /// The position of the profile called `name`, or `nil`.
    func index(of name: String) -> Int? {
        names.firstIndex(of: name)
    }

    /// The profile at `index`, decrypting it (once) if needed.
    ///
    /// - Throws: `SecureStoreError.corrupt` if its record does not verify or decode.
    mutating func profile(at index: Int) throws -> StoredProfile {
        switch entries[index] {
        case let .open(profile):
            return profile
        case let .sealed(sourceIndex):
            let plaintext = try sealedPlaintext(sourceIndex, with: try opener())
            guard let profile = RecordCodec.decode(plaintext, name: names[index]) else {
                throw SecureStoreError.corrupt(path, "record \(sourceIndex) does not decode")
            }
            entries[index] = .open(profile)
            return profile
        }
    }

    /// Replaces the profile at `index` (its name included).
    mutating func replace(at index: Int, with profile: StoredProfile) {
        entries[index] = .open(profile)
        names[index] = profile.name
    }

    mutating func append(_ profile: StoredProfile) {
        entries.append(.open(profile))
        names.append(profile.name)
    }

    mutating func remove(at index: Int) {
        entries.remove(at: index)
        names.remove(at: index)
    }

    /// The plaintext of every record, in order, for re-encryption under a new per-save key. Records never read are
    /// decrypted (their tags verified) but not decoded: a save carries them over byte for byte.
    ///
    /// - Throws: `SecureStoreError.corrupt` if a record does not verify.
    func plaintexts() throws -> [(name: String, plaintext: SecretBytes)] {
        var opener: AESGCMKey?
        return try entries.indices.map { index in
            switch entries[index] {
            case let .open(profile):
                return (names[index], try RecordCodec.encode(profile))
            case let .sealed(sourceIndex):
                if opener == nil { opener = try self.opener() }
                return (names[index], try sealedPlaintext(sourceIndex, with: opener!))
            }
        }
    }

    /// The same profiles over `image`, the image a save just sealed them into (record `i` of it is entry `i`):
    /// profiles already decrypted stay so, the others become sealed entries of the new image.
    func resealed(in image: StoreImage, recordKey: SecretBytes) -> RecordList {
        var list = RecordList(sealedIn: image, recordKey: recordKey, path: path)
        for (index, entry) in entries.enumerated() {
            if case .open = entry { list.entries[index] = entry }
        }
        return list
    }

    /// The record key, set up once for decrypting any number of records.
    private func opener() throws -> AESGCMKey {
        guard let recordKey else { preconditionFailure("a sealed entry without its record key") }
        return try AESGCMKey(recordKey, for: .decryption)
    }

    private func sealedPlaintext(_ sourceIndex: Int, with opener: AESGCMKey) throws -> SecretBytes {
        guard let source else { preconditionFailure("a sealed entry without its source image") }
        return try source.openRecord(at: sourceIndex, with: opener, path: path)
    }
}
