#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif

/// The file-system rules for secret-bearing files: refuse unsafe files on open, write atomically and durably, create
/// with exact modes whatever the umask, and serialise writers with a lock file.
enum SafeFile {
    /// Reads a whole file after checking that it is a regular file (not a symlink), owned by us, private to us
    /// (no group/other bits) and at most `maximumSize` bytes, without reading more than that.
    static func read(_ path: String, what: String, maximumSize: Int, exactSize: Int? = nil,
                     systemdCredential: Bool = false) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            switch code {
            case ELOOP:
                throw SecureStoreError(.unsafePermissions, path: path, errno: code,
                                       "the \(what) \(path) is a symbolic link; credstore refuses to follow it",
                                       hint: "replace the link with the file itself (mv the target to \(path))")
            case ENOENT:
                throw SecureStoreError(.notFound, path: path, errno: code, "there is no \(what) at \(path)",
                                       hint: what == "store" ? "create one with 'credstore init'" : "check the path")
            default:
                throw SecureStoreError.system("open the \(what)", path: path, errno: code)
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SecureStoreError.system("inspect the \(what)", path: path, errno: errno) }
        if systemdCredential {
            try checkSystemdCredential(info, path: path, what: what)
        } else {
            try checkPrivate(info, path: path, what: what)
        }
        let size = Int(info.st_size)
        if let exactSize, size != exactSize {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "the \(what) \(path) is \(size) bytes; it must be exactly \(exactSize)",
                                   hint: "point at the right file, or generate a new one with 'credstore init'")
        }
        guard size <= maximumSize else {
            throw SecureStoreError(what == "store" ? .corrupt : .invalidArgument, path: path,
                                   "the \(what) \(path) is \(size) bytes, more than the \(maximumSize) allowed",
                                   hint: "check that the path names a credstore \(what)")
        }
        // Read one byte past the expected size so a file that grew after fstat is noticed, not silently cut.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                // What was read so far may be key or passphrase bytes: wipe them before dropping the buffer.
                bytes.withUnsafeMutableBytes { SecureMemory.wipe($0) }
                throw SecureStoreError.system("read the \(what)", path: path, errno: code)
            }
            if count == 0 { break }
            total += count
        }
        guard total == size else {
            bytes.withUnsafeMutableBytes { SecureMemory.wipe($0) }
            throw SecureStoreError(.io, path: path, "the \(what) \(path) changed size while it was read",
                                   hint: "another program is writing it; try again")
        }
        bytes.removeLast()
        return bytes
    }

    /// The check for a file systemd placed in `$CREDENTIALS_DIRECTORY` (`LoadCredential=`): PID 1 writes it 0400,
    /// owned by root, and grants the service user read access with a POSIX ACL, whose mask `stat` shows as the group
    /// read bit (mode 0440); without ACL support it chowns the file to the user. The directory is read-only and
    /// private to the service. So: a regular file that is ours and private (as anywhere), or root's with no write bit
    /// and no bit for others.
    static func checkSystemdCredential(_ info: stat, path: String, what: String) throws {
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SecureStoreError(.unsafePermissions, path: path, "the \(what) \(path) is not a regular file",
                                   hint: "point LoadCredential= at the key file itself")
        }
        let privateToUs = info.st_uid == geteuid() && info.st_mode & 0o077 == 0
        let laidOutByPID1 = info.st_uid == 0 && info.st_mode & 0o007 == 0 && info.st_mode & 0o222 == 0
        guard privateToUs || laidOutByPID1 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw SecureStoreError(.unsafePermissions, path: path,
                                   "the \(what) \(path) (uid \(info.st_uid), mode \(mode)) is not laid out as systemd "
                                   + "lays out a credential",
                                   hint: "hand the key file to the service with LoadCredential=credstore.key:PATH")
        }
    }

    /// Refuses anything but a regular file owned by the current user with no group/other permission bits.
    static func checkPrivate(_ info: stat, path: String, what: String) throws {
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SecureStoreError(.unsafePermissions, path: path, "the \(what) \(path) is not a regular file",
                                   hint: "point credstore at a regular file")
        }
        guard info.st_uid == geteuid() else {
            throw SecureStoreError(.unsafePermissions, path: path,
                                   "the \(what) \(path) is owned by uid \(info.st_uid), not by you (uid \(geteuid()))",
                                   hint: "use your own \(what), or have its owner run credstore")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw SecureStoreError(.unsafePermissions, path: path,
                                   "the \(what) \(path) has mode \(mode): group or others may access it",
                                   hint: "run 'chmod 600 \(path)' if nobody else could have read it; otherwise "
                                       + "treat its secrets as exposed and rotate them")
        }
    }

    /// Whether anything (even a dangling symlink) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates `directory` and any missing parents with mode 0700 exactly (whatever the umask).
    static func makeDirectory(_ directory: String) throws {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw SecureStoreError(.io, path: directory, errno: ENOTDIR, "\(directory) is not a directory",
                                       hint: "move the file out of the way or choose another store path")
            }
            return
        }
        let parent = PathName.parent(of: directory)
        if !parent.isEmpty, parent != directory { try makeDirectory(parent) }
        if mkdir(directory, 0o700) != 0 {
            if errno == EEXIST { return }
            throw SecureStoreError.system("create the directory", path: directory, errno: errno)
        }
        // mkdir's mode is filtered by the umask; set it exactly.
        guard chmod(directory, 0o700) == 0 else {
            throw SecureStoreError.system("set the mode of", path: directory, errno: errno)
        }
    }

    /// The system calls of a safe write, each of which a test can make fail.
    enum WriteStep: CaseIterable {
        case createTemporary, write, fsync, close, rename, directoryFsync
    }

    /// Test seam: when set, called before each step of a write; a non-nil errno makes that step fail with it.
    /// Internal, so only `@testable` tests reach it; no flag or environment variable sets it.
    nonisolated(unsafe) static var injectedFault: ((WriteStep) -> Int32?)?

    /// Whether the test seam fails `step` (with `errno` set, like the real call).
    private static func fails(_ step: WriteStep) -> Bool {
        guard let code = injectedFault?(step) else { return false }
        errno = code
        return true
    }

    /// Writes `bytes` to a new file at `path` (mode 0600, `O_EXCL`), fsyncs it and its directory.
    static func createExclusive(_ path: String, bytes: UnsafeRawBufferPointer, what: String) throws {
        let fd = fails(.createTemporary) ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            if code == EEXIST {
                throw SecureStoreError(.alreadyExists, path: path, errno: code, "\(path) already exists",
                                       hint: "credstore never overwrites a \(what); move it away or use it as is")
            }
            throw SecureStoreError.system("create the \(what)", path: path, errno: code)
        }
        do {
            try writeAll(fd, bytes, path: path, what: what)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        // A failed close can mean the data never reached the disk, as in writeAndRename.
        let closed = close(fd)
        if closed != 0 || fails(.close) {
            let code = errno
            unlink(path)
            throw SecureStoreError.system("close the \(what) written to", path: path, errno: code)
        }
        do {
            try syncDirectory(of: path)
        } catch {
            unlink(path)  // not known to be durable: a caller told "failed" must not find the file anyway
            throw error
        }
    }

    /// Replaces `path` atomically: temporary file in the same directory (`O_EXCL`, 0600), fsync, rename, fsync of the
    /// directory. A crash at any point leaves either the old or the new file.
    ///
    /// A failure leaves the file as it was: if only the final directory fsync fails (the rename already happened but
    /// is not known to be durable), `previous` is put back (`nil`: the file did not exist and is removed again), so
    /// a caller told "failed" never finds the change made anyway.
    static func replace(_ path: String, with bytes: [UInt8], previous: [UInt8]?, what: String) throws {
        try writeAndRename(path, bytes: bytes, what: what)
        do {
            try syncDirectory(of: path)
        } catch let error as SecureStoreError {
            let restored: Bool
            if let previous {
                restored = (try? writeAndRename(path, bytes: previous, what: what)) != nil
            } else {
                restored = unlink(path) == 0
            }
            throw SecureStoreError(error.code, path: error.path, errno: error.errno,
                                   error.message + (restored ? "; nothing was changed"
                                                             : "; the \(what) \(path) now holds the new contents"),
                                   hint: error.hint)
        }
    }

    /// Temporary file in the directory of `path`, write, fsync, rename over `path`; the temporary file never stays.
    private static func writeAndRename(_ path: String, bytes: [UInt8], what: String) throws {
        let directory = directoryOf(path)
        let name = PathName.last(of: path)
        let suffix = try Random.bytes(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let temporary = directory + "/" + temporaryPrefix(for: name) + suffix
        let fd = fails(.createTemporary)
            ? -1 : open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SecureStoreError.system("create a temporary file in", path: directory, errno: errno) }
        var isOpen = true
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, path: temporary, what: what) }
            // The descriptor is gone after close() even when it fails, so never close it again. A failed close can
            // mean the data was not written (NFS reports write errors here): as SharedFileStore's FileSystem does.
            let closed = close(fd)
            isOpen = false
            guard closed == 0, !fails(.close) else {
                throw SecureStoreError.system("close the \(what) written to", path: temporary, errno: errno)
            }
            guard !fails(.rename), rename(temporary, path) == 0 else {
                throw SecureStoreError.system("replace the \(what)", path: path, errno: errno)
            }
        } catch {
            // Close once only: a second close could close a descriptor another thread has just opened.
            if isOpen { close(fd) }
            unlink(temporary)
            throw error
        }
    }

    /// The name prefix of the temporary files a save of `name` creates (`.store.tmp-`).
    static func temporaryPrefix(for name: String) -> String {
        "." + name + ".tmp-"
    }

    /// Removes temporary files left by writers that were killed mid-save. Only call it holding the store's lock:
    /// every live writer creates its temporary file under that lock, so any that exist then are orphans.
    static func removeOrphanedTemporaries(of path: String) {
        let directory = directoryOf(path)
        let prefix = temporaryPrefix(for: PathName.last(of: path))
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            var info = stat()
            let candidate = directory + "/" + name
            // Only our own regular files: never follow or delete something else that happens to match.
            if lstat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() {
                unlink(candidate)
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String, what: String) throws {
        // The mode given to open() is filtered by the umask; set it exactly.
        guard fchmod(fd, 0o600) == 0 else { throw SecureStoreError.system("set the mode of", path: path, errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let written = fails(.write) ? -1 : systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SecureStoreError.system("write the \(what)", path: path, errno: errno)
            }
            offset += written
        }
        guard !fails(.fsync), fsync(fd) == 0 else {
            throw SecureStoreError.system("flush the \(what) to disk", path: path, errno: errno)
        }
    }

    static func directoryOf(_ path: String) -> String {
        let directory = PathName.parent(of: path)
        return directory.isEmpty ? "." : directory
    }

    private static func syncDirectory(of path: String) throws {
        let directory = directoryOf(path)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SecureStoreError.system("open the directory", path: directory, errno: errno) }
        defer { close(fd) }
        // Some file systems do not support fsync on a directory and answer EINVAL: nothing more can be done there, so
        // that counts as success (kept in step with SharedFileStore's FileSystem.replace).
        let status = fails(.directoryFsync) ? -1 : fsync(fd)
        guard status == 0 || errno == EINVAL else {
            throw SecureStoreError.system("flush the directory", path: directory, errno: errno)
        }
    }
}

/// An exclusive `flock` on a separate lock file next to the store, held until this object goes away.
///
/// A separate file (not the store itself) because the store is replaced by rename on every save, and a lock on a
/// replaced inode would protect nothing.
final class StoreLock {
    private let fd: Int32

    /// Takes the lock on `path`, retrying for up to `timeout` seconds, then throws `locked`.
    init(_ path: String, storePath: String, timeout: Double) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == ELOOP {
                throw SecureStoreError(.unsafePermissions, path: path, errno: ELOOP,
                                       "the lock file \(path) is a symbolic link", hint: "remove \(path)")
            }
            throw SecureStoreError.system("open the lock file", path: path, errno: errno)
        }
        _ = fchmod(fd, 0o600)
        let deadline = Self.now() + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw SecureStoreError.system("lock", path: path, errno: code)
            }
            if Self.now() >= deadline {
                close(fd)
                throw SecureStoreError(.locked, path: storePath, errno: code,
                                       "the store \(storePath) is locked by another credstore process "
                                       + "(waited \((timeout * 10).rounded() / 10) s); nothing was changed",
                                       hint: "wait for the other command to finish and try again")
            }
            usleep(50_000)
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Seconds on the monotonic clock: a wall-clock step (NTP, an admin) must not stretch or cut the wait short.
    /// Kept in step with SharedFileStore's FileLock.now().
    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
