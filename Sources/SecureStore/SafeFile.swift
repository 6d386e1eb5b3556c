import Glibc
import SystemLayer

/// The store's file rules on top of SystemLayer's `AtomicFile` (policy `FilePolicy.privateFile`): refuse unsafe files
/// on open, write atomically and durably with exact modes, serialise writers with a lock file. This file only turns
/// the layer's failures into `SecureStoreError`s with the store's messages.
enum SafeFile {
    /// Reads a whole file after checking that it is a regular file (not a symlink), owned by us, private to us
    /// (no group/other bits) and at most `maximumSize` bytes, without reading more than that.
    static func read(_ path: String, what: String, maximumSize: Int, exactSize: Int? = nil,
                     systemdCredential: Bool = false) throws -> [UInt8] {
        var policy = FilePolicy.privateFile
        if systemdCredential { policy.ownership = .privateOrSystemdCredential }
        let fd: Int32
        do {
            fd = try Syscalls.open(path, policy.readFlags)
        } catch {
            switch error.rawValue {
            case ELOOP:
                throw SecureStoreError(.unsafePermissions, path: path, errno: ELOOP,
                                       "the \(what) \(path) is a symbolic link; credstore refuses to follow it",
                                       hint: "replace the link with the file itself (mv the target to \(path))")
            case ENOENT:
                throw SecureStoreError(what == "store" ? .storeNotFound : .notFound, path: path, errno: ENOENT,
                                       "there is no \(what) at \(path)",
                                       hint: what == "store" ? "create the store first" : "check the path")
            default:
                throw SecureStoreError.system("open the \(what)", path: path, errno: error.rawValue)
            }
        }
        defer { close(fd) }
        let info: stat
        do {
            info = try Syscalls.fstat(fd)
        } catch {
            throw SecureStoreError.system("inspect the \(what)", path: path, errno: error.rawValue)
        }
        if let violation = policy.violation(of: info) {
            throw unsafe(violation, path: path, what: what, systemdCredential: systemdCredential)
        }
        let size = Int(info.st_size)
        if let exactSize, size != exactSize {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "the \(what) \(path) is \(size) bytes; it must be exactly \(exactSize)",
                                   hint: "point at the key file made for this store")
        }
        guard size <= maximumSize else {
            throw SecureStoreError(what == "store" ? .corrupt : .invalidArgument, path: path,
                                   "the \(what) \(path) is \(size) bytes, more than the \(maximumSize) allowed",
                                   hint: "check that the path names a credstore \(what)")
        }
        // Read one byte past the expected size so a file that grew after fstat is noticed, not silently cut; what was
        // read may be key or passphrase bytes, so a failed read wipes them.
        var bytes: [UInt8]
        do {
            bytes = try Syscalls.readToEnd(fd, capacity: size + 1, limit: size, sensitive: true)
        } catch {
            throw SecureStoreError.system("read the \(what)", path: path, errno: error.rawValue)
        }
        guard bytes.count == size else {
            bytes.withUnsafeMutableBytes { SecureMemory.wipe($0) }
            throw SecureStoreError(.io, path: path, "the \(what) \(path) changed size while it was read",
                                   hint: "another program is writing it; try again")
        }
        return bytes
    }

    /// The store's message for a file that breaks its ownership rule.
    private static func unsafe(_ violation: FilePolicy.Violation, path: String, what: String,
                               systemdCredential: Bool) -> SecureStoreError {
        switch violation {
        case .notRegularFile:
            return SecureStoreError(.unsafePermissions, path: path, "the \(what) \(path) is not a regular file",
                                    hint: systemdCredential ? "point LoadCredential= at the key file itself"
                                                            : "point credstore at a regular file")
        case .foreignOwner(let owner):
            return SecureStoreError(.unsafePermissions, path: path,
                                    "the \(what) \(path) is owned by uid \(owner), not by you (uid \(geteuid()))",
                                    hint: "use your own \(what), or have its owner run credstore")
        case .accessibleByOthers(let mode):
            return SecureStoreError(.unsafePermissions, path: path,
                                    "the \(what) \(path) has mode \(String(mode, radix: 8)): group or others may "
                                    + "access it",
                                    hint: "run 'chmod 600 \(path)' if nobody else could have read it; otherwise "
                                        + "treat its secrets as exposed and rotate them")
        case .notLaidOutAsSystemdCredential(let owner, let mode):
            // systemd's credential rule: a regular file that is ours and private (as anywhere), or root's with no
            // write bit and no bit for others (PID 1 writes it 0400 and grants the service user read access with a
            // POSIX ACL, whose mask `stat` shows as the group read bit).
            return SecureStoreError(.unsafePermissions, path: path,
                                    "the \(what) \(path) (uid \(owner), mode \(String(mode, radix: 8))) is not laid "
                                    + "out as systemd lays out a credential",
                                    hint: "hand the key file to the service with LoadCredential=credstore.key:PATH")
        }
    }

    /// Refuses a store whose directory another user could write (OpenSSH's StrictModes rule for `~/.ssh`): whoever
    /// can write it can move the store aside and have the next save start a fresh one, or swap in a store of theirs.
    /// The directory must be ours or root's, and not writable by group or others unless it has the sticky bit.
    static func checkStoreDirectory(of path: String) throws {
        let directory = PathName.directory(of: path)
        switch FilePolicy.directoryViolation(at: directory) {
        case nil:
            return
        case .notADirectory:
            throw SecureStoreError(.io, path: directory, errno: ENOTDIR, "\(directory) is not a directory",
                                   hint: "move the file out of the way or choose another store path")
        case .foreignOwner(let owner):
            throw SecureStoreError(.unsafePermissions, path: directory,
                                   "the store's directory \(directory) is owned by uid \(owner), not by you "
                                   + "(uid \(geteuid())) or root",
                                   hint: "keep the store in a directory of your own")
        case .writableByOthers(let mode):
            throw SecureStoreError(.unsafePermissions, path: directory,
                                   "the store's directory \(directory) has mode \(String(mode, radix: 8)): others may "
                                   + "write it, and so move the store aside or replace it",
                                   hint: "run 'chmod go-w \(directory)', or keep the store in a directory of your own")
        }
    }

    /// Whether anything (even a dangling symlink) exists at `path`.
    static func exists(_ path: String) -> Bool {
        (try? Syscalls.lstat(path)) != nil
    }

    /// Creates `directory` and any missing parents with mode 0700 exactly (whatever the umask).
    static func makeDirectory(_ directory: String) throws {
        do {
            try AtomicFile.createDirectories(directory, mode: FilePolicy.privateFile.directoryMode)
        } catch {
            throw storeError(error, what: "store", target: directory)
        }
    }

    /// Writes `bytes` to a new file at `path` (mode 0600, `O_EXCL`), fsyncs it and its directory; on failure the file
    /// is removed again.
    static func createExclusive(_ path: String, bytes: UnsafeRawBufferPointer, what: String) throws {
        var copy = Array(bytes)
        defer { copy.withUnsafeMutableBytes { SecureMemory.wipe($0) } }
        do {
            try AtomicFile(path, policy: .privateFile).createExclusive(FileContent(copy))
        } catch {
            if error.step == .createTemporary && error.errno.rawValue == EEXIST {
                throw SecureStoreError(.alreadyExists, path: path, errno: EEXIST, "\(path) already exists",
                                       hint: "credstore never overwrites a \(what); move it away or use it as is")
            }
            throw storeError(error, what: what, target: path)
        }
    }

    /// Replaces `path` atomically (see `AtomicFile.replace`): a crash at any point leaves either the old or the new
    /// file. Call it holding the store's lock: it also sweeps temporary files of writers killed mid-save.
    ///
    /// A failure leaves the file as it was: if only the final directory fsync fails (the rename already happened but
    /// is not known to be durable), `previous` is put back (`nil`: the file did not exist and is removed again), so
    /// a caller told "failed" never finds the change made anyway.
    static func replace(_ path: String, with bytes: [UInt8], previous: [UInt8]?, what: String) throws {
        do {
            let restore = previous.map { bytes in { FileContent(bytes) } }
            try AtomicFile(path, policy: .privateFile)
                .replace(with: FileContent(bytes), existing: nil, previous: restore)
        } catch {
            throw storeError(error, what: what, target: path)
        }
    }

    /// The store's wording of a failed step (`target`: the file being written).
    private static func storeError(_ error: FileOperationError, what: String, target: String) -> SecureStoreError {
        let code = error.errno.rawValue
        let operation: String
        switch error.step {
        case .notADirectory:
            return SecureStoreError(.io, path: error.path, errno: ENOTDIR, "\(error.path) is not a directory",
                                    hint: "move the file out of the way or choose another store path")
        case .createDirectory: operation = "create the directory"
        case .setDirectoryMode, .setMode, .setOwner: operation = "set the mode of"
        case .createTemporary:
            operation = error.path == target ? "create the \(what)" : "create a temporary file in"
        case .write: operation = "write the \(what)"
        case .fsync: operation = "flush the \(what) to disk"
        case .close: operation = "close the \(what) written to"
        case .rename: operation = "replace the \(what)"
        case .openDirectory: operation = "open the directory"
        case .directoryFsync: operation = "flush the directory"
        case .inspect, .readSymlink, .resolveSymlinks: operation = "inspect"
        case .openLock, .lock, .lockTimedOut: operation = "lock"
        }
        let failure = SecureStoreError.system(operation, path: error.path, errno: code)
        guard let undone = error.undone else { return failure }
        return SecureStoreError(failure.code, path: failure.path, errno: failure.errno,
                                failure.message + (undone ? "; nothing was changed"
                                                          : "; the \(what) \(target) now holds the new contents"),
                                hint: failure.hint)
    }
}

/// The store's lock: SystemLayer's `FileLock` on `STORE.lock`, with the store's errors.
final class StoreLock {
    private let lock: FileLock

    /// Takes the lock on `path`, retrying for up to `timeout` seconds, then throws `locked`.
    init(_ path: String, storePath: String, timeout: Double) throws {
        do {
            lock = try FileLock(path: path, timeout: timeout)
        } catch {
            let code = error.errno.rawValue
            switch error.step {
            case .openLock where code == ELOOP:
                throw SecureStoreError(.unsafePermissions, path: path, errno: ELOOP,
                                       "the lock file \(path) is a symbolic link", hint: "remove \(path)")
            case .lockTimedOut:
                throw SecureStoreError(.locked, path: storePath, errno: code,
                                       "the store \(storePath) is locked by another credstore process "
                                       + "(waited \((timeout * 10).rounded() / 10) s); nothing was changed",
                                       hint: "wait for the other command to finish and try again")
            case .openLock:
                throw SecureStoreError.system("open the lock file", path: path, errno: code)
            default:
                throw SecureStoreError.system("lock", path: path, errno: code)
            }
        }
    }

    deinit { lock.release() }
}
