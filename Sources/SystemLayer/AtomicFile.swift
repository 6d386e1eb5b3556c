import Glibc

/// The one safe way credstore writes a file, whatever its policy: under the file's lock (`lock(timeout:clock:)`), the
/// caller re-reads it, then `replace` writes the new content to a temporary file in the same directory (`O_EXCL`,
/// mode 0600 while written) → fsync → close (checked) → rename over the file → fsync of the directory
/// (`EINVAL`, a file system without directory fsync, counts as success). A crash at any point leaves the old or the
/// new file, never a mix; temporary files a killed writer left are swept by the next writer; a failure leaves the
/// file as it was.
package struct AtomicFile: Sendable {
    /// The file written: for `.editTarget` policies the final target of the symbolic links at the path given.
    package let path: String
    /// The rules for this file.
    package let policy: FilePolicy

    /// The file at `path` under `policy`; an `.editTarget` policy follows symbolic links to the file they name.
    package init(_ path: String, policy: FilePolicy) throws(FileOperationError) {
        self.policy = policy
        switch policy.symlinks {
        case .refuse: self.path = path
        case .editTarget: self.path = try Self.resolveSymlinks(path)
        }
    }

    /// The directory holding the file.
    package var directory: String { PathName.directory(of: path) }

    /// The lock file's path: the file's own path with `.lock` appended.
    package var lockPath: String { path + ".lock" }

    /// Creates the file's directory and missing parents with the policy's exact directory mode.
    package func createDirectory() throws(FileOperationError) {
        try Self.createDirectories(directory, mode: policy.directoryMode)
    }

    /// Takes the file's lock (see `FileLock`), waiting at most `timeout` seconds on `clock`.
    package func lock(timeout: Double, clock: any Clock = MonotonicClock()) throws(FileOperationError) -> FileLock {
        try FileLock(path: lockPath, timeout: timeout, clock: clock)
    }

    // MARK: - Writing

    /// Replaces the file with `content`. Call it holding the lock: it first removes the temporary files of writers
    /// that were killed mid-save (every live writer creates its own under that lock, so any found then are orphans).
    ///
    /// The written file gets the policy's mode: `.exact`, or `existing`'s mode (and owner, as root) for
    /// `.keepExisting`. If only the final directory fsync fails (the rename happened but is not known to be durable),
    /// `previous` is put back the same way (`nil`: the file did not exist and is removed again), so a caller told
    /// "failed" never finds the change made anyway; the error says whether that worked.
    ///
    /// - Throws: `FileOperationError` naming the step (`.createTemporary` ... `.directoryFsync`, with `undone` set
    ///   after the rename).
    package func replace(with content: FileContent, existing: FileAttributes?,
                         previous: (() -> FileContent)?) throws(FileOperationError) {
        removeOrphanedTemporaries()
        try writeAndRename(content, existing: existing)
        do {
            try Self.syncDirectory(directory)
        } catch let failure {
            let undone: Bool
            if let previous {
                undone = (try? writeAndRename(previous(), existing: existing)) != nil
            } else {
                undone = (try? Syscalls.unlink(path)) != nil
            }
            throw FileOperationError(failure.step, path: failure.path, errno: failure.errno, undone: undone)
        }
    }

    /// Creates the file with `content`, failing with `EEXIST` (step `.createTemporary`) if anything is at the path:
    /// for files that must never be overwritten (a new key file). Written, given the policy's mode, fsynced, closed
    /// and its directory fsynced; on any failure the file is removed again.
    package func createExclusive(_ content: FileContent) throws(FileOperationError) {
        let fd: Int32
        do {
            try Self.injectFault(.createTemporary)
            fd = try Syscalls.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        } catch {
            throw FileOperationError(.createTemporary, path: path, errno: error)
        }
        do {
            try fill(fd, with: content, path: path, existing: nil)
            try Self.syncDirectory(directory)
        } catch {
            _ = try? Syscalls.unlink(path)  // not known to be durable: a caller told "failed" must not find it anyway
            throw error
        }
    }

    /// The name prefix of the temporary files a write of the file creates (`.credentials.tmp-`, `.store.tmp-`).
    package var temporaryPrefix: String { "." + PathName.last(of: path) + ".tmp-" }

    /// Removes temporary files left by writers killed mid-save (they may hold secrets). Only our own regular files
    /// with this file's prefix: never follows or deletes something else that happens to match.
    package func removeOrphanedTemporaries() {
        let prefix = temporaryPrefix
        guard let names = try? Syscalls.directoryEntries(directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            let candidate = directory + "/" + name
            if let info = try? Syscalls.lstat(candidate), info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() {
                _ = try? Syscalls.unlink(candidate)
            }
        }
    }

    /// Temporary file in the directory, write, mode, fsync, close, rename over the file; the temporary file never
    /// stays, and its descriptor is closed exactly once (a second close could hit one another thread just opened).
    private func writeAndRename(_ content: FileContent, existing: FileAttributes?) throws(FileOperationError) {
        var temporary = ""
        var fd: Int32 = -1
        var lastError = Errno.fileExists
        // A random name from the system generator (`getrandom`); another name if one is taken.
        for _ in 0..<16 {
            let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            temporary = directory + "/" + temporaryPrefix + String(repeating: "0", count: 16 - random.count) + random
            do {
                try Self.injectFault(.createTemporary)
                fd = try Syscalls.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                break
            } catch {
                lastError = error
                if error != .fileExists { break }
            }
        }
        guard fd >= 0 else { throw FileOperationError(.createTemporary, path: directory, errno: lastError) }
        do throws(FileOperationError) {
            try fill(fd, with: content, path: temporary, existing: existing)
            do {
                try Self.injectFault(.rename)
                try Syscalls.rename(temporary, path)
            } catch {
                throw FileOperationError(.rename, path: path, errno: error)
            }
        } catch {
            _ = try? Syscalls.unlink(temporary)
            throw error
        }
    }

    /// Writes `content` to the new file `fd` (still 0600), gives it its final mode (and owner), fsyncs and closes it;
    /// `fd` is closed when this returns, whether it succeeded or not.
    private func fill(_ fd: Int32, with content: FileContent, path: String,
                      existing: FileAttributes?) throws(FileOperationError) {
        var step = FileOperationError.Step.write
        do throws(Errno) {
            try content.buffer.withUnsafeBytes { buffer in
                Result { () throws(Errno) in
                    for run in content.runs {
                        var offset = run.lowerBound
                        while offset < run.upperBound {
                            try Self.injectFault(.write)
                            let rest = UnsafeRawBufferPointer(rebasing: buffer[offset..<run.upperBound])
                            offset += try Syscalls.write(fd, rest)
                        }
                    }
                }
            }.get()
            // The final mode only now, after the content: the file is 0600 while it is written. Owner before mode, as
            // chown clears set-id bits.
            let mode: mode_t
            switch policy.mode {
            case .exact(let exact):
                mode = exact
            case .keepExisting(let newFile):
                mode = existing?.mode ?? newFile
                if let existing, geteuid() == 0 && (existing.owner != 0 || existing.group != 0) {
                    step = .setOwner
                    try Syscalls.fchown(fd, existing.owner, existing.group)
                }
            }
            step = .setMode
            try Syscalls.fchmod(fd, mode)
            step = .fsync
            try Self.injectFault(.fsync)
            try Syscalls.fsync(fd)
        } catch {
            Glibc.close(fd)
            throw FileOperationError(step, path: path, errno: error)
        }
        do {
            try Syscalls.close(fd)
            try Self.injectFault(.close)
        } catch {
            throw FileOperationError(.close, path: path, errno: error)
        }
    }

    /// Flushes `directory`, so a rename (or a new file) in it is durable.
    private static func syncDirectory(_ directory: String) throws(FileOperationError) {
        let fd: Int32
        do {
            fd = try Syscalls.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } catch {
            throw FileOperationError(.openDirectory, path: directory, errno: error)
        }
        defer { Glibc.close(fd) }
        do {
            try injectFault(.directoryFsync)
            try Syscalls.fsync(fd)
        } catch where error == .invalidArgument {
            // Some file systems do not support fsync on a directory: nothing more can be done there.
        } catch {
            throw FileOperationError(.directoryFsync, path: directory, errno: error)
        }
    }

    // MARK: - Paths

    /// Creates `directory` and any missing parents with exactly `mode` (whatever the umask).
    ///
    /// - Throws: `.notADirectory` when something else is in the way, `.createDirectory`, `.setDirectoryMode`.
    package static func createDirectories(_ directory: String, mode: mode_t) throws(FileOperationError) {
        if let info = try? Syscalls.stat(directory) {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw FileOperationError(.notADirectory, path: directory, errno: .notADirectory)
            }
            return
        }
        let parent = PathName.parent(of: directory)
        if !parent.isEmpty, parent != directory { try createDirectories(parent, mode: mode) }
        do {
            try Syscalls.mkdir(directory, mode)
        } catch {
            if error == .fileExists { return }
            throw FileOperationError(.createDirectory, path: directory, errno: error)
        }
        // mkdir's mode is filtered by the umask; set it exactly.
        do {
            try Syscalls.chmod(directory, mode)
        } catch {
            throw FileOperationError(.setDirectoryMode, path: directory, errno: error)
        }
    }

    /// Follows symbolic links (at most 40, like the kernel) to the file they name, so an edit replaces that file and
    /// the link survives. A dangling link resolves to its missing target, which the edit then creates.
    package static func resolveSymlinks(_ path: String) throws(FileOperationError) -> String {
        var current = path
        for _ in 0..<40 {
            let info: stat
            do {
                info = try Syscalls.lstat(current)
            } catch {
                if error == .noSuchFile { return current }
                throw FileOperationError(.inspect, path: current, errno: error)
            }
            guard info.st_mode & S_IFMT == S_IFLNK else { return current }
            let target: String
            do {
                target = try Syscalls.readlink(current)
            } catch {
                throw FileOperationError(.readSymlink, path: current, errno: error)
            }
            current = target.hasPrefix("/") ? target : PathName.directory(of: current) + "/" + target
        }
        throw FileOperationError(.resolveSymlinks, path: path, errno: .tooManySymlinks)
    }

    // MARK: - Fault injection

    /// Fails `step` with the errno the test seam asks for; nothing in release builds.
    @inline(__always)
    private static func injectFault(_ step: AtomicWriteStep) throws(Errno) {
#if DEBUG
        if let code = AtomicWriteFaultInjection.fault?(step) { throw Errno(rawValue: code) }
#endif
    }
}

/// What to write: runs of one buffer, in order. An edited document is written from its arena this way, without
/// building its output first (a 20 MB copy for a 100,000-profile file).
package struct FileContent: Sendable {
    /// The bytes the runs index.
    package var buffer: [UInt8]
    /// The ranges of `buffer` written, in order.
    package var runs: [Range<Int>]

    /// Content made of `runs` of `buffer`.
    package init(buffer: [UInt8], runs: [Range<Int>]) {
        self.buffer = buffer
        self.runs = runs
    }

    /// All of `bytes`.
    package init(_ bytes: [UInt8]) {
        self.init(buffer: bytes, runs: [0..<bytes.count])
    }
}

/// The attributes of an existing file that a `.keepExisting` write carries over.
package struct FileAttributes: Sendable {
    /// Permission bits (including set-id and sticky bits).
    package var mode: mode_t
    /// The owning user.
    package var owner: uid_t
    /// The owning group.
    package var group: gid_t

    /// The attributes in `info` (from `fstat`).
    package init(_ info: stat) {
        mode = info.st_mode & 0o7777
        owner = info.st_uid
        group = info.st_gid
    }
}

/// The system calls of an atomic write that a test can make fail (`AtomicWriteFaultInjection`).
package enum AtomicWriteStep: CaseIterable, Sendable {
    /// Creating the temporary file (or the file itself for `createExclusive`).
    case createTemporary
    /// Each `write` call.
    case write
    /// Flushing the file.
    case fsync
    /// Closing the file (after the real close: the descriptor is gone either way).
    case close
    /// Renaming the temporary file over the file.
    case rename
    /// Flushing the directory.
    case directoryFsync
}

#if DEBUG
/// Test seam, compiled into debug builds only: makes a step of every `AtomicFile` write in this process fail.
package enum AtomicWriteFaultInjection {
    /// Called before each step (after it, for `.close`); a non-nil errno makes that step fail with it. Process-global:
    /// set it only in tests, and set it back to `nil`.
    nonisolated(unsafe) package static var fault: ((AtomicWriteStep) -> Int32?)?

    /// For a command's end-to-end test seam: parses `STEP#N` (e.g. `rename#2`) and calls `action` at the N-th step
    /// named STEP from now on; `action` returns the errno that step fails with, or `nil`. Does nothing when `spec` is
    /// `nil` or malformed.
    package static func at(_ spec: String?, _ action: @escaping () -> Int32?) {
        guard let spec, let mark = spec.firstIndex(of: "#"), let wanted = Int(spec[spec.index(after: mark)...]) else {
            return
        }
        let name = String(spec[..<mark])
        var seen = 0
        fault = { step in
            guard "\(step)" == name else { return nil }
            seen += 1
            return seen == wanted ? action() : nil
        }
    }
}
#endif
