import Glibc

/// A passphrase kept in a file (`--passphrase-file`, `CREDSTORE_PASSPHRASE_FILE`), for unattended use.
package enum PassphraseFile {
    /// The largest passphrase file accepted.
    package static let maximumSize = 4096

    /// Reads a passphrase file after the same safe-open checks as a key file, dropping one trailing `\n` or `\r\n`
    /// (editors and `echo` add one).
    ///
    /// - Parameter path: the passphrase file.
    /// - Returns: the passphrase bytes (not yet normalised; the store does that).
    /// - Throws: `SecureStoreError`: `.unsafePermissions`, `.notFound`, `.invalidArgument` when over 4096 bytes, `.io`.
    package static func read(at path: String) throws -> SecretBytes {
        var bytes = try SafeFile.read(path, what: "passphrase file", maximumSize: maximumSize)
        defer { bytes.withUnsafeMutableBytes { SecureMemory.wipe($0) } }
        return trimmingLineEnd(bytes)
    }

    /// `bytes` without one trailing `\n` or `\r\n`.
    package static func trimmingLineEnd(_ bytes: [UInt8]) -> SecretBytes {
        var count = bytes.count
        if count > 0, bytes[count - 1] == 0x0a {
            count -= 1
            if count > 0, bytes[count - 1] == 0x0d { count -= 1 }
        }
        return SecretBytes(bytes[0..<count])
    }
}
