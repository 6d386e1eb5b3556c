import Glibc

/// The rules that differ between the files credstore writes, as one value handed to `AtomicFile`: everything else
/// about a safe write (lock, temporary file, fsync, rename, directory fsync, undo) is the same for all of them.
package struct FilePolicy: Sendable {
    /// The mode a written file ends up with.
    package enum Mode: Sendable {
        /// Always exactly this mode, whatever the file had.
        case exact(mode_t)
        /// An existing file keeps its mode (and, when running as root, its owner and group); a new file gets
        /// `newFile`.
        case keepExisting(newFile: mode_t)
    }

    /// What a symbolic link at the path means.
    package enum Symlinks: Sendable {
        /// Refused: reads open with `O_NOFOLLOW` (a link fails with `ELOOP`), and writes never follow one.
        case refuse
        /// Followed: the link's final target is read and replaced, and the link itself survives the edit.
        case editTarget
    }

    /// Who may own the file and who else may access it, checked on read (`violation(of:)`).
    package enum Ownership: Sendable {
        /// Anything readable will do (the AWS shared files).
        case any
        /// A regular file owned by the effective user, with no group or other permission bits.
        case privateToUser
        /// `privateToUser`, or laid out the way systemd lays out a `LoadCredential=` file: owned by root, no write
        /// bit, nothing for others (a POSIX ACL grants the service user read access; `stat` shows its mask as the
        /// group read bit).
        case privateOrSystemdCredential
    }

    /// Why a file fails its policy's ownership rule.
    package enum Violation: Equatable, Sendable {
        /// Not a regular file (a directory, a device, a FIFO...).
        case notRegularFile
        /// Owned by this other user.
        case foreignOwner(uid_t)
        /// Group or others have permission bits (the mode is given).
        case accessibleByOthers(mode_t)
        /// Neither private to us nor laid out as systemd lays out a credential.
        case notLaidOutAsSystemdCredential(owner: uid_t, mode: mode_t)
    }

    /// The mode written files end up with.
    package var mode: Mode
    /// Whether symbolic links are refused or edited through.
    package var symlinks: Symlinks
    /// The ownership rule checked on read.
    package var ownership: Ownership
    /// The exact mode of directories created for the file.
    package var directoryMode: mode_t

    /// Makes a policy.
    package init(mode: Mode, symlinks: Symlinks, ownership: Ownership, directoryMode: mode_t = 0o700) {
        self.mode = mode
        self.symlinks = symlinks
        self.ownership = ownership
        self.directoryMode = directoryMode
    }

    /// The encrypted store, its key files and passphrase files: exactly 0600, no symbolic links, owned by us and
    /// private to us; directories 0700.
    package static let privateFile = FilePolicy(mode: .exact(0o600), symlinks: .refuse, ownership: .privateToUser)

    /// The AWS shared credentials and config files: an existing file keeps its mode (and owner, as root), a new one
    /// is 0600, a symbolic link is edited through to its target; directories (`~/.aws`) 0700.
    package static let sharedFile = FilePolicy(mode: .keepExisting(newFile: 0o600), symlinks: .editTarget,
                                               ownership: .any)

    /// The flags a read of such a file opens it with: no link, no controlling terminal and no blocking open (a FIFO
    /// planted at the path) for `.refuse`; the plain open every AWS tool does for `.editTarget`.
    package var readFlags: Int32 {
        switch symlinks {
        case .refuse: return O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        case .editTarget: return O_RDONLY | O_CLOEXEC
        }
    }

    /// Whether `info` (from `fstat` of the opened file) breaks the ownership rule, and how.
    package func violation(of info: stat) -> Violation? {
        switch ownership {
        case .any:
            return nil
        case .privateToUser:
            return Self.privateViolation(info)
        case .privateOrSystemdCredential:
            guard info.st_mode & S_IFMT == S_IFREG else { return .notRegularFile }
            if Self.privateViolation(info) == nil { return nil }
            let laidOutByPID1 = info.st_uid == 0 && info.st_mode & 0o007 == 0 && info.st_mode & 0o222 == 0
            return laidOutByPID1 ? nil : .notLaidOutAsSystemdCredential(owner: info.st_uid, mode: info.st_mode & 0o777)
        }
    }

    /// Why a directory may not hold a file with a secret (a store, a shared credentials file), by the rule OpenSSH's
    /// StrictModes applies to `~/.ssh`: whoever can write the directory can rename, replace or plant files in it.
    package enum DirectoryViolation: Equatable, Sendable {
        /// Not a directory at all.
        case notADirectory
        /// Owned by this other user (not by us, not by root).
        case foreignOwner(uid_t)
        /// Group or others may write it and it has no sticky bit (the mode is given).
        case writableByOthers(mode_t)
    }

    /// Whether the directory described by `info` (from `stat`) may hold a private file: owned by the effective user
    /// or by root, and not writable by group or others unless it has the sticky bit (as `/tmp`: there nobody can
    /// rename or remove another user's file).
    package static func directoryViolation(of info: stat) -> DirectoryViolation? {
        guard info.st_mode & S_IFMT == S_IFDIR else { return .notADirectory }
        guard info.st_uid == geteuid() || info.st_uid == 0 else { return .foreignOwner(info.st_uid) }
        if info.st_mode & 0o022 != 0 && info.st_mode & S_ISVTX == 0 { return .writableByOthers(info.st_mode & 0o7777) }
        return nil
    }

    /// `directoryViolation(of:)` for the directory at `path` (following symbolic links, as opening a file in it
    /// does); `nil` as well when it cannot be inspected (the open or write that follows reports that).
    package static func directoryViolation(at path: String) -> DirectoryViolation? {
        guard let info = try? Syscalls.stat(path) else { return nil }
        return directoryViolation(of: info)
    }

    private static func privateViolation(_ info: stat) -> Violation? {
        guard info.st_mode & S_IFMT == S_IFREG else { return .notRegularFile }
        guard info.st_uid == geteuid() else { return .foreignOwner(info.st_uid) }
        guard info.st_mode & 0o077 == 0 else { return .accessibleByOthers(info.st_mode & 0o777) }
        return nil
    }
}
