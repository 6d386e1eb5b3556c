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
        var buffer = [UInt8](repeating: 0, count: maximumSize + 1)
        defer { buffer.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        var total = 0
        while total < buffer.count {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { bytes in
                    try Syscalls.read(fd, UnsafeMutableRawBufferPointer(rebasing: bytes[total...]))
                }
            } catch {
                throw UnlockAgentError(.descriptorUnreadable, errno: (error as? Errno)?.rawValue ?? EIO,
                                       "cannot read the passphrase from file descriptor \(fd): \(error)")
            }
            if count == 0 { break }
            total += count
        }
        guard total <= maximumSize else {
            throw UnlockAgentError(.passphraseTooLong,
                                   "the passphrase on file descriptor \(fd) is longer than \(maximumSize) bytes")
        }
        var bytes = Array(buffer[0..<total])
        defer { bytes.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        return PassphraseFile.trimmingLineEnd(bytes)
    }
}
