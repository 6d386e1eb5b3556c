/// The store file last parsed without unlocking (`EncryptedStore.profileNames(at:)`, `slots(at:)`), so that the
/// `open` which usually follows does not parse the same bytes again.
///
/// The lookup layer reads the names first, so that a store without the profile asked for is never unlocked; then it
/// opens the store. Parsing a 10,000-record file twice was a third of such an `export`. The open still reads the file
/// itself, and uses the remembered image only when those bytes are identical to the ones it was parsed from (parsing
/// is a pure function of the bytes); it then takes it, so the cache holds at most one file, and none after an open.
final class ParsedStoreCache: @unchecked Sendable {
    // @unchecked: every stored property is only touched with `mutex` held.
    static let shared = ParsedStoreCache()

    private let mutex = ProcessMutex()
    private var path: String?
    private var bytes: [UInt8] = []
    private var image: StoreImage?

    /// Remembers that `bytes`, read from `path`, parse to `image`.
    func remember(_ image: StoreImage, parsedFrom bytes: [UInt8], path: String) {
        mutex.withLock {
            self.path = path
            self.bytes = bytes
            self.image = image
        }
    }

    /// The image `bytes` parse to, if they are exactly the bytes last remembered for `path`; forgets it either way.
    func take(parsedFrom bytes: [UInt8], path: String) -> StoreImage? {
        mutex.withLock {
            defer {
                self.path = nil
                self.bytes = []
                self.image = nil
            }
            guard self.path == path, self.bytes == bytes else { return nil }
            return self.image
        }
    }
}
