import Glibc
import SecureStore
import SystemLayer

/// A passphrase handed over on an inherited file descriptor (`--passphrase-fd N`): read to end of file, one trailing
/// newline dropped, every buffer wiped.
enum PassphraseDescriptor {
    /// The largest passphrase accepted from a descriptor.
    static let maximumSize = 4096

    /// Reads a passphrase from descriptor `fd` until end of file, dropping one trailing newline.
    ///
    /// - Throws: `UnlockAgentError`: `descriptor-unreadable` when a read fails, `passphrase-too-long` past
    ///   `maximumSize` bytes.
    static func read(_ fd: Int32) throws -> SecretBytes {
        var bytes: [UInt8]
        do {
            bytes = try Syscalls.readToEnd(fd, capacity: maximumSize + 1, limit: maximumSize, sensitive: true)
        } catch {
            throw UnlockAgentError(.descriptorUnreadable, errno: error.rawValue,
                                   "cannot read the passphrase from file descriptor \(fd): \(error)")
        }
        defer { bytes.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        guard bytes.count <= maximumSize else {
            throw UnlockAgentError(.passphraseTooLong,
                                   "the passphrase on file descriptor \(fd) is longer than \(maximumSize) bytes")
        }
        return PassphraseFile.trimmingLineEnd(bytes)
    }
}
