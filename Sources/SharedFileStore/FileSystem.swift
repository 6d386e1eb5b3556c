#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX calls behind reading and safely replacing a shared file. Every failure keeps its errno.
enum FileSystem {
    /// What to write: runs of one buffer, in order. An edited document is written from its arena this way, without
    /// building its output first (a 20 MB copy for a 100,000-profile file).
    struct FileContent {
        var buffer: [UInt8]
        var runs: [Range<Int>]

        init(buffer: [UInt8], runs: [Range<Int>]) {
            self.buffer = buffer
            self.runs = runs
        }

        init(_ bytes: [UInt8]) {
            self.init(buffer: bytes, runs: [0..<bytes.count])
        }
    }

    /// What an existing file looked like before an edit.
    struct ExistingFile {
        var bytes: [UInt8]
        var mode: mode_t
        var owner: uid_t
        var group: gid_t

        /// Hands the bytes over (leaving none here), so their new owner holds the only reference.
        mutating func takeBytes() -> [UInt8] {
            defer { bytes = [] }
            return bytes
        }
    }

    static func currentErrno() -> Int32 { errno }

    /// Reads a whole file; `nil` when it does not exist.
    static func readIfPresent(_ path: String, reportedAs reported: String) throws -> ExistingFile? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let number = errno
            if number == ENOENT { return nil }
            throw SharedFileError(.system(operation: "opening the file", errno: number), path: reported)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw SharedFileError(.system(operation: "reading the file's status", errno: errno), path: reported)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SharedFileError(.system(operation: "reading the file", errno: EISDIR), path: reported)
        }
        // One allocation of the size fstat reports, plus room to notice a file that grew meanwhile.
        var capacity = max(Int(info.st_size), 0) + 4096
        var bytes = [UInt8]()
        while true {
            var failure: Int32 = 0
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                initialized = 0
                while initialized < buffer.count {
                    let count = read(descriptor, buffer.baseAddress! + initialized, buffer.count - initialized)
                    if count < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    if count == 0 { return }
                    initialized += count
                }
            }
            if failure != 0 {
                throw SharedFileError(.system(operation: "reading the file", errno: failure), path: reported)
            }
            if bytes.count < capacity { break }
            // The file grew while being read: start over with more room.
            capacity *= 2
            guard lseek(descriptor, 0, SEEK_SET) == 0 else {
                throw SharedFileError(.system(operation: "reading the file", errno: errno), path: reported)
            }
        }
        return ExistingFile(bytes: bytes, mode: info.st_mode & 0o7777, owner: info.st_uid, group: info.st_gid)
    }

    /// Follows symbolic links (at most 40, like the kernel) to the file an edit must replace, so the link itself
    /// survives. A dangling link resolves to its missing target, which the edit then creates.
    static func resolveSymlinks(_ path: String, reportedAs reported: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            if lstat(current, &info) != 0 {
                let number = errno
                if number == ENOENT { return current }
                throw SharedFileError(.system(operation: "inspecting the path", errno: number), path: reported)
            }
            guard (info.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length >= 0 else {
                throw SharedFileError(.system(operation: "reading the symbolic link", errno: errno), path: reported)
            }
            let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
        }
        throw SharedFileError(.system(operation: "resolving symbolic links", errno: ELOOP), path: reported)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Creates `directory` and any missing parents with mode 0700 (`~/.aws` holds secrets).
    static func createDirectories(_ directory: String, reportedAs reported: String) throws {
        var info = stat()
        if stat(directory, &info) == 0 { return }
        let parent = Self.directory(of: directory)
        if parent != directory && parent != "." { try createDirectories(parent, reportedAs: reported) }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SharedFileError(.system(operation: "creating the directory \(directory)", errno: errno),
                                  path: reported)
        }
    }

    /// The system calls of a safe replace, each of which a test can make fail.
    enum WriteStep: CaseIterable {
        case createTemporary, write, fsync, rename, directoryFsync
    }

    /// Test seam: when set, called before each step of a replace; a non-nil errno makes that step fail with it.
    /// Internal, so only `@testable` tests reach it; no flag or environment variable sets it.
    nonisolated(unsafe) static var injectedFault: ((WriteStep) -> Int32?)?

    /// Whether the test seam fails `step` (with `errno` set, like the real call).
    private static func fails(_ step: WriteStep) -> Bool {
        guard let code = injectedFault?(step) else { return false }
        errno = code
        return true
    }

    /// The name prefix of the temporary files an edit of `name` creates (`.credentials.tmp-`).
    static func temporaryPrefix(for name: String) -> String {
        "." + name + ".tmp-"
    }

    /// Removes temporary files left by editors that were killed mid-save (they may hold plaintext secrets). Only
    /// call it holding the file's lock: every live editor creates its temporary file under that lock.
    static func removeOrphanedTemporaries(of path: String) {
        let directory = Self.directory(of: path)
        let prefix = temporaryPrefix(for: path.split(separator: "/").last.map(String.init) ?? "file")
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        var orphans: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(prefix) { orphans.append(directory + "/" + name) }
        }
        for orphan in orphans {
            var info = stat()
            // Only our own regular files: never follow or delete something else that happens to match.
            if lstat(orphan, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() {
                unlink(orphan)
            }
        }
    }

    /// Replaces `path` with `bytes`: a temp file in the same directory (`O_EXCL`, 0600) → write → fsync → rename →
    /// fsync of the directory. A crash leaves the old or the new file, never a mix. An existing file's mode (and,
    /// when running as root, its owner) carries over; a new file is 0600.
    ///
    /// A failure leaves the file as it was: if only the final directory fsync fails (the rename happened but is not
    /// known to be durable), the previous contents (`previous`) are put back (a new file is removed again).
    ///
    /// - Parameter previous: The file's bytes before the edit. Required: `existing`'s own bytes may have been taken
    ///   (`takeBytes()`), and putting those back would empty the file.
    static func replace(
        _ path: String, with content: FileContent, existing: ExistingFile?, previous: () -> [UInt8],
        reportedAs reported: String
    ) throws {
        try writeAndRename(path, content: content, existing: existing, reportedAs: reported)
        let directory = Self.directory(of: path)
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            // The rename is durable only once the directory is flushed.
            let status = fails(.directoryFsync) ? -1 : fsync(directoryDescriptor)
            let number = errno
            close(directoryDescriptor)
            if status != 0 && number != EINVAL {
                let undone: Bool
                if let existing {
                    undone = (try? writeAndRename(path, content: FileContent(previous()), existing: existing,
                                                  reportedAs: reported)) != nil
                } else {
                    undone = unlink(path) == 0
                }
                let operation = undone ? "flushing the directory (the edit was undone)"
                    : "flushing the directory (putting the previous content back failed too, so the new content may "
                    + "be in place)"
                throw SharedFileError(.system(operation: operation, errno: number), path: reported)
            }
        }
    }

    private static func writeAndRename(_ path: String, content: FileContent, existing: ExistingFile?,
                                       reportedAs reported: String) throws {
        let directory = Self.directory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporary = directory + "/" + temporaryPrefix(for: name) + suffix
            descriptor = fails(.createTemporary)
                ? -1 : open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            throw SharedFileError(.system(operation: "creating a temporary file in \(directory)", errno: errno),
                                  path: reported)
        }
        var committed = false
        defer {
            if descriptor >= 0 { close(descriptor) }
            if !committed { unlink(temporary) }
        }
        func fail(_ operation: String) -> SharedFileError {
            SharedFileError(.system(operation: operation, errno: errno), path: reported)
        }
        if let existing {
            guard fchmod(descriptor, existing.mode) == 0 else { throw fail("setting the file mode") }
            if geteuid() == 0 && (existing.owner != 0 || existing.group != 0) {
                guard fchown(descriptor, existing.owner, existing.group) == 0 else { throw fail("setting the owner") }
            }
        }
        try content.buffer.withUnsafeBytes { buffer in
            for run in content.runs {
                var written = run.lowerBound
                while written < run.upperBound {
                    let count = fails(.write) ? -1 : write(descriptor, buffer.baseAddress! + written,
                                                          run.upperBound - written)
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw fail("writing the file")
                    }
                    written += count
                }
            }
        }
        guard !fails(.fsync), fsync(descriptor) == 0 else { throw fail("flushing the file to disk") }
        guard close(descriptor) == 0 else {
            descriptor = -1
            throw fail("closing the file")
        }
        descriptor = -1
        guard !fails(.rename), rename(temporary, path) == 0 else { throw fail("replacing the file") }
        committed = true
    }
}

/// An exclusive `flock` on a lock file next to the edited file, waited for with a bound.
///
/// `flock` locks belong to an open file description, so two threads that each open the lock file contend exactly
/// like two processes. The lock file is never deleted: deleting it would let two editors lock different inodes.
final class FileLock {
    private var descriptor: Int32

    init(path: String, waitSeconds: Double, reportedAs reported: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw SharedFileError(.system(operation: "opening the lock file \(path)", errno: errno), path: reported)
        }
        let deadline = Self.now() + waitSeconds
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let number = errno
            if number == EINTR { continue }
            guard number == EWOULDBLOCK else {
                close(descriptor)
                throw SharedFileError(.system(operation: "locking \(path)", errno: number), path: reported)
            }
            guard Self.now() < deadline else {
                close(descriptor)
                throw SharedFileError(.locked(lockPath: path, seconds: waitSeconds), path: reported)
            }
            usleep(5_000)
        }
    }

    deinit { release() }

    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)  // Closing the last descriptor of the open file description drops the lock.
        descriptor = -1
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
