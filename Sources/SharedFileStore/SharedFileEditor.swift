import SystemLayer

extension ProfileFile {
    /// Reads and parses the file at `path`; a missing file gives an empty document (as the SDKs treat it). A
    /// credentials file that group or others may read is still read (the AWS tools read it too), but when it holds a
    /// secret `SharedFileWarnings.handler` is told.
    ///
    /// - Throws: `SharedFileError`: `.malformedFile` naming file and line, or a filesystem error with its errno.
    package static func load(path: String, kind: ProfileFileKind) throws -> ProfileFile {
        guard let existing = try FileSystem.readIfPresent(path, reportedAs: path) else {
            return ProfileFile(kind: kind, path: path)
        }
        let file = try ProfileFile(parsing: existing.bytes, kind: kind, path: path)
        // Only a file that holds a secret is worth a warning: a group-readable file of regions and role names is
        // common and harmless, and `list`/completion read it on every run.
        if kind == .credentials, existing.attributes.mode & 0o044 != 0, file.holdsSecret {
            SharedFileWarnings.handler?(.readableByOthers(path: path, mode: existing.attributes.mode & 0o777))
        }
        return file
    }
}

/// Transactional, locked edits of a shared file: lock → re-read → edit → atomic replace (only if changed).
///
/// Concurrent editors (threads or processes) never lose each other's changes: each holds an exclusive lock on
/// `FILE.lock` (next to the real file, after following symlinks) from the read to the rename. If the path is a
/// symbolic link, the target is replaced and the link is kept. A new file is created 0600 (its directory 0700); an
/// existing file keeps its mode. A result that holds a secret (`aws_secret_access_key`, `aws_session_token`) is
/// written only into a file nobody else can read or replace (`.unsafePermissions` otherwise, nothing written).
package enum SharedFileEditor {
    /// The longest `lockWaitSeconds` allowed; longer requests are cut to it, so a stuck editor cannot hang us forever.
    package static let maximumLockWaitSeconds: Double = 60

    /// Edits the file at `path` under its lock.
    ///
    /// - Parameters:
    ///   - path: The file to edit (created if missing and the edit changes anything).
    ///   - kind: Whether it is a credentials or a config file.
    ///   - lockWaitSeconds: How long to wait for another editor's lock, clamped to 0…`maximumLockWaitSeconds`.
    ///   - dryRun: Whether to stop just before writing: every check of a real edit runs (lock, parse, the permission
    ///     checks of the result) and throws as it would, but the file is left as it is. For commands that change
    ///     several places and must know that each would accept its change before making the first.
    ///   - body: The edit; it sees the document as re-read under the lock and edits it in place. Assigning another
    ///     document to it is not allowed (a precondition failure): the result is written as a change of the file's
    ///     content, which is what a failed save puts back. If it throws, nothing is written.
    /// - Returns: What `body` returns.
    /// - Throws: `SharedFileError` (`.locked` after the bounded wait, `.malformedFile` when the current file cannot be
    ///   parsed — it is left untouched —, `.unsafePermissions` when the result holds a secret and the file or its
    ///   directory is open to others, `.notRegularFile`, `.fileTooLarge`, filesystem errors with errno), or whatever
    ///   `body` throws.
    package static func edit<Result>(
        path: String, kind: ProfileFileKind, lockWaitSeconds: Double = 10, dryRun: Bool = false,
        _ body: (inout ProfileFile) throws -> Result
    ) throws -> Result {
        let file = try FileSystem.atomicFile(path, reportedAs: path)
        try FileSystem.createDirectory(of: file, reportedAs: path)
        // A credentials file is for secrets: its directory is checked before even the lock file is created there.
        if kind == .credentials { try FileSystem.checkSafeForSecrets(file, existing: nil, reportedAs: path) }
        let wait = min(max(lockWaitSeconds.isNaN ? 0 : lockWaitSeconds, 0), maximumLockWaitSeconds)
        let lock = try FileSystem.lock(file, waitSeconds: wait, reportedAs: path)
        defer { lock.release() }
        var existing = try FileSystem.readIfPresent(file.path, reportedAs: path)
        // The document takes the bytes over and keeps them as the start of its arena, which is what the result is
        // compared with: holding a second reference here made the first edit copy the whole file.
        var document = ProfileFile(kind: kind, path: path)
        if existing != nil { document = try ProfileFile(parsing: existing!.takeBytes(), kind: kind, path: path) }
        let parseID = document.parseID
        let result = try body(&document)
        precondition(document.parseID == parseID, "SharedFileEditor.edit: the body assigned another document")
        if !document.isUnchangedFromInput {
            if document.holdsSecret {
                try FileSystem.checkSafeForSecrets(file, existing: existing, reportedAs: path)
            }
            if dryRun { return result }
            try FileSystem.replace(file, with: FileContent(buffer: document.arena, runs: document.arenaRuns),
                                   existing: existing, previous: { Array(document.inputBytes) }, reportedAs: path)
        }
        return result
    }
}
