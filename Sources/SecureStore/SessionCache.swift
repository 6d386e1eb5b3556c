import FoundationEssentials
import Glibc
import SystemLayer

/// The encrypted session cache: temporary credentials (role sessions, MFA sessions, plain sessions) kept beside the
/// store in `STORE.sessions`, sealed under a key derived from the store's data key (FORMAT.md, *Session cache*), so
/// they never touch the disk in plain text (and nothing is ever written to `~/.aws/cli/cache`).
///
/// Writers follow the store's rules: the store's lock (`STORE.lock`), a re-read of the cache under it (concurrent
/// writers never lose each other's sessions), a check that the store's data key is still the one this cache seals
/// under (a session is never sealed under a key `rekey` retired), and the one atomic write with the `.privateFile`
/// policy (a kill at any instant leaves the old or the new file). Readers need no lock.
///
/// A cache file that is damaged, altered, of another store or sealed under another key is never used: reads and
/// writes throw `SecureStoreError` `.sessionCacheCorrupt` and leave the file as it is, so the damage can be looked
/// at; the store itself is not affected. Every session can be made again, so the remedy is `clear()` (which needs no
/// key). A caller making a session should treat that error as "not cached", never as a failure of its command.
package final class SessionCache {
    /// The cache file: the store's path with `.sessions` appended.
    package let path: String
    private let store: EncryptedStore
    private let now: @Sendable () -> Date

    /// The cache of the unlocked `store`.
    ///
    /// - Parameters:
    ///   - store: the unlocked store whose data key seals the cache.
    ///   - now: the wall clock, for expiry (tests pass their own).
    package init(store: EncryptedStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.path = Self.path(forStoreAt: store.path)
        self.now = now
    }

    /// The cache file of the store at `storePath`: `STORE.sessions`, in the same directory.
    package static func path(forStoreAt storePath: String) -> String {
        storePath + ".sessions"
    }

    /// Whether a cache file exists for the store at `storePath` (read without unlocking).
    package static func exists(forStoreAt storePath: String) -> Bool {
        SafeFile.exists(path(forStoreAt: storePath))
    }

    // MARK: - Reading

    /// Every session in the cache, expired ones included (a save drops those), in file order; empty when there is
    /// no cache file.
    ///
    /// - Throws: `SecureStoreError` `.sessionCacheCorrupt` (never used), `.wrongKeyFile` when the cache does not open
    ///   because the store was re-keyed since `store` was opened, `.unsupportedVersion`, `.unsafePermissions`, `.io`.
    package func sessions() throws -> [CachedSession] {
        guard let bytes = try readFile() else { return [] }
        let key = (storeID: store.storeIdentifier, dataKey: store.agentDataKey())
        return try decode(bytes, storeID: key.storeID, dataKey: key.dataKey)
    }

    /// The session for `key` when it is live: it expires more than `refreshWindow` from now, and, when
    /// `sourceIdentity` is given, it was made by that identity (a source profile whose key changed does not reuse
    /// the old key's MFA session). `nil` otherwise, or when there is no cache.
    ///
    /// - Throws: as `sessions()`.
    package func liveSession(for key: SessionKey, refreshWindow: SessionRefreshWindow = .standard,
                             sourceIdentity: String? = nil) throws -> CachedSession? {
        let at = now()
        return try sessions().first { session in
            session.key == key && session.isLive(at: at, refreshWindow: refreshWindow)
                && (sourceIdentity == nil || session.sourceIdentity == sourceIdentity)
        }
    }

    /// The live sessions (expiring more than `refreshWindow` from now) serving `profile`.
    ///
    /// - Throws: as `sessions()`.
    package func liveSessions(serving profile: String, refreshWindow: SessionRefreshWindow = .standard) throws
        -> [CachedSession] {
        let at = now()
        return try sessions().filter { $0.profile == profile && $0.isLive(at: at, refreshWindow: refreshWindow) }
    }

    // MARK: - Writing

    /// Stores `session`, replacing the session with the same key, and drops every session already expired.
    ///
    /// - Throws: `SecureStoreError`: `.invalidArgument` for a session that has expired already or lacks a part of
    ///   its key (the cache is unchanged); `.sessionCacheCorrupt` when the cache file cannot be read (it is left as
    ///   it is: clear it); `.wrongKeyFile` when the store was re-keyed since it was opened; `.locked`, `.io`.
    package func store(_ session: CachedSession) throws {
        guard session.expiration > now() else {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "the session for profile \(session.profile) expired at "
                                   + "\(Self.format(session.expiration)); it was not cached",
                                   hint: "make a new session")
        }
        switch session.kind {
        case .roleSession where (session.roleARN ?? "").isEmpty,
             .mfaSession where (session.mfaSerial ?? "").isEmpty:
            throw SecureStoreError(.invalidArgument, path: path,
                                   "a \(session.kind.name) session needs its "
                                   + (session.kind == .roleSession ? "role ARN" : "MFA serial") + "; it was not cached",
                                   hint: "give the whole key of the session")
        default:
            break
        }
        guard !session.profile.isEmpty, !session.accessKeyID.isEmpty, !session.secretAccessKey.isEmpty,
              !session.sessionToken.isEmpty else {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "a session needs a profile, an access key id, a secret and a token; it was not "
                                   + "cached", hint: "give the whole session")
        }
        try mutate { sessions in
            sessions.removeAll { $0.key == session.key }
            sessions.append(session)
        }
    }

    /// Removes the sessions `matching` says to (all of them by default), and every expired one.
    ///
    /// - Returns: how many live or expired sessions `matching` removed.
    /// - Throws: as `store(_:)`; a cache that cannot be read is removed only by `clear()`.
    @discardableResult
    package func remove(where matching: (CachedSession) -> Bool) throws -> Int {
        var removed = 0
        try mutate { sessions in
            let before = sessions.count
            sessions.removeAll(where: matching)
            removed = before - sessions.count
        }
        return removed
    }

    /// Removes the whole cache file, whatever its state (no key needed: a damaged cache is cleared this way).
    ///
    /// - Returns: whether there was a file.
    /// - Throws: `SecureStoreError` `.locked`, `.io`.
    @discardableResult
    package static func clear(forStoreAt storePath: String, lockTimeout: Double = 10) throws -> Bool {
        let lock = try StoreLock(storePath + ".lock", storePath: storePath, timeout: lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        return try discardFile(forStoreAt: storePath)
    }

    /// Unlinks the cache file and flushes its directory; the caller holds the store's lock. `rekey` calls it before
    /// writing the new data key.
    @discardableResult
    static func discardFile(forStoreAt storePath: String) throws -> Bool {
        let file = path(forStoreAt: storePath)
        do {
            try Syscalls.unlink(file)
        } catch {
            if error.rawValue == ENOENT { return false }
            throw SecureStoreError.system("remove the session cache", path: file, errno: error.rawValue)
        }
        let directory = PathName.directory(of: file)
        do {
            let fd = try Syscalls.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { try? Syscalls.close(fd) }
            do {
                try Syscalls.fsync(fd)
            } catch where error.rawValue == EINVAL {
                // A file system without directory fsync: nothing more can be done.
            }
        } catch {
            throw SecureStoreError.system("flush the directory", path: directory, errno: error.rawValue)
        }
        return true
    }

    // MARK: - Internals

    /// Under the store's lock: re-reads the cache, applies `change`, drops expired sessions (and, past the limit,
    /// those expiring soonest), and replaces the file atomically, or removes it when no session is left.
    private func mutate(_ change: (inout [CachedSession]) throws -> Void) throws {
        let lock = try store.takeLock()
        defer { withExtendedLifetime(lock) {} }
        let key = try store.sessionCacheKey()
        try SafeFile.checkStoreDirectory(of: path)
        let previous = try readFile()
        var sessions = try previous.map { try decode($0, storeID: key.storeID, dataKey: key.dataKey) } ?? []
        try change(&sessions)
        let at = now()
        sessions.removeAll { $0.expiration <= at }
        if sessions.count > SessionCacheFormat.maximumSessions {
            sessions.sort { $0.expiration > $1.expiration }
            sessions.removeLast(sessions.count - SessionCacheFormat.maximumSessions)
        }
        if sessions.isEmpty {
            if previous != nil { try Self.discardFile(forStoreAt: store.path) }
            return
        }
        let bytes = try SessionCacheFormat.encode(sessions, storeID: key.storeID, dataKey: key.dataKey)
        guard bytes.count <= SessionCacheFormat.maximumFileSize else {
            throw SecureStoreError(.invalidArgument, path: path, "the session cache \(path) would grow beyond 8 MiB; "
                                   + "nothing was changed", hint: "clear sessions that are no longer needed")
        }
        try SafeFile.replace(path, with: bytes, previous: previous, what: "session cache")
    }

    /// The cache file's bytes, or `nil` when there is none.
    private func readFile() throws -> [UInt8]? {
        do {
            return try SafeFile.read(path, what: "session cache", maximumSize: SessionCacheFormat.maximumFileSize)
        } catch let error as SecureStoreError where error.code == .notFound {
            return nil
        } catch let error as SecureStoreError where error.code == .invalidArgument {
            throw corrupt("it is larger than the 8 MiB a cache may hold")
        }
    }

    private func decode(_ bytes: [UInt8], storeID: [UInt8], dataKey: SecretBytes) throws -> [CachedSession] {
        do {
            return try SessionCacheFormat.decode(bytes, storeID: storeID, dataKey: dataKey)
        } catch let unreadable as SessionCacheFormat.Unreadable {
            // Sealed under a newer data key than this (long-lived) store object holds: the store was re-keyed since
            // it was opened, which is not damage. `sessionCacheKey()` says so.
            _ = try store.sessionCacheKey()
            throw corrupt(unreadable.detail)
        } catch let unsupported as SessionCacheFormat.UnsupportedVersion {
            throw SecureStoreError(.unsupportedVersion, path: path,
                                   "the session cache \(path) uses format version \(unsupported.version); this "
                                   + "credstore reads version \(SessionCacheFormat.version) only; it was not used",
                                   hint: "its sessions can be made again: remove the cache, or use the credstore "
                                       + "that wrote it")
        }
    }

    private func corrupt(_ detail: String) -> SecureStoreError {
        SecureStoreError(.sessionCacheCorrupt, path: path,
                         "the session cache \(path) cannot be used (\(detail)); no session in it was used, and the "
                         + "store itself is not affected",
                         hint: "every session can be made again: clear the session cache")
    }

    private static func format(_ date: Date) -> String {
        "\(Int64(date.timeIntervalSince1970)) s after the epoch"
    }
}
