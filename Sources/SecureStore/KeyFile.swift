import Glibc
import SystemLayer

/// A key file: exactly 32 random bytes in a file of mode 0600, for unattended unlocking (cron, systemd).
package enum KeyFile {
    /// The exact size of a key file in bytes.
    package static let size = 32

    /// Creates a new key file of 32 random bytes at `path` (mode 0600; missing parent directories 0700).
    ///
    /// - Parameter path: where to create it. An existing file (or symlink) there is never overwritten.
    /// - Returns: the key bytes.
    /// - Throws: `SecureStoreError` with `.alreadyExists` if something is at `path`, `.io` if it cannot be written.
    package static func generate(at path: String) throws -> SecretBytes {
        try SafeFile.makeDirectory(PathName.directory(of: path))
        let key = try Random.secret(size)
        try key.withUnsafeBytes { try SafeFile.createExclusive(path, bytes: $0, what: "key file") }
        return key
    }

    /// Reads a key file that systemd handed to the service (`LoadCredential=credstore.key:PATH`) from
    /// `$CREDENTIALS_DIRECTORY`: there it is root-owned, 0400 plus an ACL for the service user (`stat` mode 0440), in
    /// a read-only directory private to the service, which the ordinary ownership check would refuse.
    ///
    /// - Parameter path: `$CREDENTIALS_DIRECTORY/credstore.key`.
    /// - Returns: its 32 bytes.
    /// - Throws: `SecureStoreError`: `.unsafePermissions` for a non-regular file, one owned by another non-root user,
    ///   open to others or writable; `.invalidArgument` if it is not exactly 32 bytes; `.notFound`, `.io`.
    package static func readSystemdCredential(at path: String) throws -> SecretBytes {
        var bytes = try SafeFile.read(path, what: "key file", maximumSize: size, exactSize: size,
                                      systemdCredential: true)
        defer { bytes.withUnsafeMutableBytes { SecureMemory.wipe($0) } }
        return SecretBytes(bytes)
    }

    /// Reads the key file at `path` after the safe-open checks.
    ///
    /// - Parameter path: the key file.
    /// - Returns: its 32 bytes.
    /// - Throws: `SecureStoreError`: `.unsafePermissions` for a symlink, a non-regular file, a file owned by another
    ///   user or open to group/others; `.invalidArgument` if it is not exactly 32 bytes; `.notFound`, `.io`.
    package static func read(at path: String) throws -> SecretBytes {
        var bytes = try SafeFile.read(path, what: "key file", maximumSize: size, exactSize: size)
        defer { bytes.withUnsafeMutableBytes { SecureMemory.wipe($0) } }
        return SecretBytes(bytes)
    }
}
