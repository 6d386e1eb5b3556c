import Glibc
import SystemLayer

/// Reading and safely replacing a shared file on top of SystemLayer's `AtomicFile` (policy `FilePolicy.sharedFile`:
/// keep the file's mode, edit through a symbolic link to its target). This file only turns the layer's failures into
/// `SharedFileError`s that name the file as the user gave it (`reportedAs`) and keep the errno.
enum FileSystem {
    /// What an existing file looked like before an edit.
    struct ExistingFile {
        var bytes: [UInt8]
        var attributes: FileAttributes

        /// Hands the bytes over (leaving none here), so their new owner holds the only reference.
        mutating func takeBytes() -> [UInt8] {
            defer { bytes = [] }
            return bytes
        }
    }

    /// The largest shared file read: 64 MiB, some 250,000 profiles. The document format itself holds up to 4 GiB - 1
    /// (`ProfileFile.maximumByteCount`), but the AWS tools take seconds per 100,000 profiles (botocore: 20 s), so
    /// nothing real comes near this; the cap bounds what a planted or mistyped path (a huge file, a 2 GiB line) can
    /// make credstore allocate, and keeps every line far below the 2 GiB that 32-bit line offsets hold.
    static let maximumFileSize = 64 << 20

    /// Reads a whole file; `nil` when it does not exist. Opened the way the store is (no blocking on a FIFO, no
    /// controlling terminal), checked with `fstat` before any read: a regular file of at most `maximumFileSize`
    /// bytes (read no further than that), else `.notRegularFile` / `.tooLarge`.
    static func readIfPresent(_ path: String, reportedAs reported: String) throws -> ExistingFile? {
        let descriptor: Int32
        do {
            descriptor = try Syscalls.open(path, FilePolicy.sharedFile.readFlags | O_NOCTTY | O_NONBLOCK)
        } catch {
            if error == .noSuchFile { return nil }
            throw SharedFileError(.system(operation: "opening the file", errno: error.rawValue), path: reported)
        }
        defer { close(descriptor) }
        let info: stat
        do {
            info = try Syscalls.fstat(descriptor)
        } catch {
            throw SharedFileError(.system(operation: "reading the file's status", errno: error.rawValue),
                                  path: reported)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw SharedFileError(.notRegularFile(type: "a directory"), path: reported)
        case S_IFIFO: throw SharedFileError(.notRegularFile(type: "a FIFO (named pipe)"), path: reported)
        case S_IFCHR, S_IFBLK: throw SharedFileError(.notRegularFile(type: "a device"), path: reported)
        case S_IFSOCK: throw SharedFileError(.notRegularFile(type: "a socket"), path: reported)
        default: throw SharedFileError(.notRegularFile(type: "not a file"), path: reported)
        }
        let size = max(Int(info.st_size), 0)
        guard size <= maximumFileSize else {
            throw SharedFileError(.tooLarge(limit: maximumFileSize), path: reported)
        }
        // One allocation of the size fstat reports, plus room to notice a file that grew meanwhile (then it grows,
        // up to one byte past the cap).
        do {
            let bytes = try Syscalls.readToEnd(descriptor, capacity: size + 4096, limit: maximumFileSize)
            guard bytes.count <= maximumFileSize else {
                throw SharedFileError(.tooLarge(limit: maximumFileSize), path: reported)
            }
            return ExistingFile(bytes: bytes, attributes: FileAttributes(info))
        } catch let error as Errno {
            throw SharedFileError(.system(operation: "reading the file", errno: error.rawValue), path: reported)
        }
    }

    /// Refuses to write a secret into `file` unless only the user can read it: the existing file (`existing`, as
    /// read under the lock) must be ours with no group/other bits, and its directory ours or root's and not writable
    /// by others unless sticky. A new file is created 0600, so only its directory matters.
    static func checkSafeForSecrets(_ file: AtomicFile, existing: ExistingFile?, reportedAs reported: String) throws {
        if let attributes = existing?.attributes {
            guard attributes.owner == geteuid() else {
                throw SharedFileError(.unsafeFile(.foreignOwner(uid: attributes.owner)), path: reported)
            }
            guard attributes.mode & 0o077 == 0 else {
                throw SharedFileError(.unsafeFile(.accessibleByOthers(mode: attributes.mode & 0o777)), path: reported)
            }
        }
        switch FilePolicy.directoryViolation(at: file.directory) {
        case nil: break
        case .notADirectory:
            throw SharedFileError(.unsafeFile(.directoryNotADirectory(directory: file.directory)), path: reported)
        case .foreignOwner(let uid):
            throw SharedFileError(.unsafeFile(.directoryForeignOwner(directory: file.directory, uid: uid)),
                                  path: reported)
        case .writableByOthers(let mode):
            throw SharedFileError(.unsafeFile(.directoryWritableByOthers(directory: file.directory, mode: mode)),
                                  path: reported)
        }
    }

    /// The file an edit of `path` replaces: the final target of its symbolic links, so the links survive.
    static func atomicFile(_ path: String, reportedAs reported: String) throws -> AtomicFile {
        do {
            return try AtomicFile(path, policy: .sharedFile)
        } catch {
            throw sharedError(error, reportedAs: reported)
        }
    }

    /// Creates the file's directory and missing parents, mode 0700 (`~/.aws` holds secrets).
    static func createDirectory(of file: AtomicFile, reportedAs reported: String) throws {
        do {
            try file.createDirectory()
        } catch {
            throw sharedError(error, reportedAs: reported)
        }
    }

    /// Takes the file's lock (`FILE.lock` next to it), waiting at most `waitSeconds`.
    static func lock(_ file: AtomicFile, waitSeconds: Double, reportedAs reported: String) throws -> FileLock {
        do {
            return try file.lock(timeout: waitSeconds)
        } catch {
            throw sharedError(error, reportedAs: reported)
        }
    }

    /// Replaces the file with `content` (see `AtomicFile.replace`): an existing file's mode (and, when running as
    /// root, its owner) carries over; a new file is 0600. Call it holding the lock.
    ///
    /// - Parameter previous: The file's bytes before the edit, put back if the final directory fsync fails. Required:
    ///   `existing`'s own bytes may have been taken (`takeBytes()`), and putting those back would empty the file.
    static func replace(_ file: AtomicFile, with content: FileContent, existing: ExistingFile?,
                        previous: @escaping () -> [UInt8], reportedAs reported: String) throws {
        do {
            try file.replace(with: content, existing: existing?.attributes,
                             previous: existing == nil ? nil : { FileContent(previous()) })
        } catch {
            throw sharedError(error, reportedAs: reported)
        }
    }

    /// The shared files' wording of a failed step.
    private static func sharedError(_ error: FileOperationError, reportedAs reported: String) -> SharedFileError {
        var operation: String
        switch error.step {
        case .inspect: operation = "inspecting the path"
        case .readSymlink: operation = "reading the symbolic link"
        case .resolveSymlinks: operation = "resolving symbolic links"
        case .createDirectory, .notADirectory: operation = "creating the directory \(error.path)"
        case .setDirectoryMode: operation = "setting the mode of the directory \(error.path)"
        case .openLock: operation = "opening the lock file \(error.path)"
        case .lock: operation = "locking \(error.path)"
        case .lockTimedOut(let seconds):
            return SharedFileError(.locked(lockPath: error.path, seconds: seconds), path: reported)
        case .createTemporary: operation = "creating a temporary file in \(error.path)"
        case .setMode: operation = "setting the file mode"
        case .setOwner: operation = "setting the owner"
        case .write: operation = "writing the file"
        case .fsync: operation = "flushing the file to disk"
        case .close: operation = "closing the file"
        case .rename: operation = "replacing the file"
        case .openDirectory: operation = "opening the directory"
        case .directoryFsync: operation = "flushing the directory"
        }
        if let undone = error.undone {
            operation += undone ? " (the edit was undone)"
                : " (putting the previous content back failed too, so the new content may be in place)"
        }
        return SharedFileError(.system(operation: operation, errno: error.errno.rawValue), path: reported)
    }
}
