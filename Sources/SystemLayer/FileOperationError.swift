/// A failed step of a file operation of this layer (locking, creating directories, an atomic write): which step, on
/// which path, and the `errno`. Each store turns it into its own error type and messages.
package struct FileOperationError: Error, Sendable {
    /// The step that failed.
    package enum Step: Equatable, Sendable {
        /// Creating a directory (`mkdir`).
        case createDirectory
        /// Setting a new directory's exact mode.
        case setDirectoryMode
        /// Something that is not a directory is where a directory must be (`errno` is `ENOTDIR`).
        case notADirectory
        /// Inspecting a path (`lstat`) while following symbolic links.
        case inspect
        /// Reading a symbolic link.
        case readSymlink
        /// Following symbolic links went more than 40 levels deep (`errno` is `ELOOP`).
        case resolveSymlinks
        /// Opening (creating) the lock file.
        case openLock
        /// `flock` itself failed (not: the lock is busy).
        case lock
        /// The lock stayed busy for the whole wait (`errno` is `EWOULDBLOCK`).
        case lockTimedOut(seconds: Double)
        /// Creating the temporary file (or, for `AtomicFile.createExclusive`, the file itself).
        case createTemporary
        /// Setting the written file's mode.
        case setMode
        /// Setting the written file's owner.
        case setOwner
        /// Writing the content.
        case write
        /// Flushing the file to disk.
        case fsync
        /// Closing the written file.
        case close
        /// Renaming the temporary file over the target.
        case rename
        /// Opening the directory to flush it.
        case openDirectory
        /// Flushing the directory.
        case directoryFsync
    }

    /// The step that failed.
    package var step: Step
    /// The path the failing call was given (the temporary file, the target, the directory or the lock file).
    package var path: String
    /// Why, as the system said.
    package var errno: Errno
    /// For a failure after the rename (opening or flushing the directory): whether the previous content was put back
    /// (`AtomicFile.replace`); `nil` for every other failure, which leaves the file untouched by itself.
    package var undone: Bool?

    /// Describes a failed step.
    package init(_ step: Step, path: String, errno: Errno, undone: Bool? = nil) {
        self.step = step
        self.path = path
        self.errno = errno
        self.undone = undone
    }
}
