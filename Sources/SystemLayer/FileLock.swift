import Glibc

/// An exclusive `flock` on a lock file next to the file it protects, waited for with a bound, held until `release()`
/// or until the object goes away.
///
/// A separate file (not the protected file itself) because that file is replaced by rename on every save, and a lock on
/// a replaced inode would protect nothing. The lock file is never deleted: deleting it would let two writers lock
/// different inodes. `flock` locks belong to an open file description, so two threads that each take the lock contend
/// exactly like two processes.
package final class FileLock {
    /// How often a busy lock is tried again. One interval for every lock (the store's 50 ms and the shared files' 5 ms
    /// drifted apart): a waiter gets the lock within 5 ms of its release, at the cost of 200 cheap wake-ups a second.
    package static let pollInterval: Double = 0.005

    private var fd: Int32

    /// Takes the lock on `path` (creating the file, mode 0600, refusing a symbolic link), trying again every
    /// `pollInterval` until `timeout` seconds on `clock` have passed.
    ///
    /// - Throws: `FileOperationError`: `.openLock` (`ELOOP` for a symbolic link), `.lock`, or `.lockTimedOut` once the
    ///   wait is over; a wait of 0 tries once.
    package init(path: String, timeout: Double, clock: any Clock = MonotonicClock()) throws(FileOperationError) {
        do {
            fd = try Syscalls.open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        } catch {
            throw FileOperationError(.openLock, path: path, errno: error)
        }
        // The lock file holds nothing, but there is no reason for anyone else to be able to write it. Best effort: it
        // may belong to another user (root editing someone's file), and locking works anyway.
        _ = Glibc.fchmod(fd, 0o600)
        let deadline = clock.now + timeout
        while cFlock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            // EINTR is treated like a busy lock: waited for, and bounded by the same deadline (never a spin).
            guard code == EWOULDBLOCK || code == EINTR else {
                Glibc.close(fd)
                throw FileOperationError(.lock, path: path, errno: Errno(rawValue: code))
            }
            if clock.now >= deadline {
                Glibc.close(fd)
                throw FileOperationError(.lockTimedOut(seconds: timeout), path: path, errno: .wouldBlock)
            }
            clock.sleep(seconds: Self.pollInterval)
        }
    }

    deinit { release() }

    /// Drops the lock (closing the last descriptor of the open file description releases it). Idempotent.
    package func release() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }
}
