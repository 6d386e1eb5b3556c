/// Bytes that must stay secret: keys, passphrases, secret access keys and session tokens.
///
/// The bytes live in one heap allocation that is wiped with `OPENSSL_cleanse` when the last copy goes away, compare in
/// constant time, and never print (`description` is redacted), so a secret cannot leak through string interpolation,
/// a log line or a crash message. A `String` can never be wiped; convert to one only at the very edge where a secret
/// must leave the process (an `exec` environment, a `credential_process` reply), and keep it as short-lived as
/// possible.
public struct SecretBytes: @unchecked Sendable {
    // @unchecked: the storage is only mutated through `withUnsafeMutableBytes`, which copies first when shared.
    private var storage: Storage

    /// Creates a secret of `count` zero bytes, to be filled through `withUnsafeMutableBytes`.
    public init(zeroedCount count: Int) {
        storage = Storage(count: count)
    }

    /// Copies `bytes` into a new secret. The caller remains responsible for wiping its own copy.
    public init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        storage = Storage(count: bytes.count)
        storage.buffer.copyBytes(from: bytes)
    }

    /// Copies the UTF-8 encoding of `string` into a new secret.
    ///
    /// Prefer building secrets from bytes read straight from a file or terminal; a `String` argument has already
    /// left a copy that cannot be wiped.
    public init(utf8 string: String) {
        var string = string
        let count = string.utf8.count
        storage = Storage(count: count)
        string.withUTF8 { source in
            if let base = source.baseAddress, count > 0 {
                storage.buffer.baseAddress!.copyMemory(from: base, byteCount: count)
            }
        }
    }

    /// The number of secret bytes.
    public var count: Int { storage.buffer.count }

    /// Whether the secret has no bytes.
    public var isEmpty: Bool { storage.buffer.isEmpty }

    /// Calls `body` with the secret bytes. Do not let the pointer escape.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(storage.buffer))
    }

    /// Calls `body` with the secret bytes for writing, copying the storage first if another value shares it.
    public mutating func withUnsafeMutableBytes<Result>(
        _ body: (UnsafeMutableRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = Storage(count: storage.buffer.count)
            copy.buffer.copyMemory(from: UnsafeRawBufferPointer(storage.buffer))
            storage = copy
        }
        return try body(storage.buffer)
    }

    /// The secret decoded as UTF-8, or `nil` when it is not valid UTF-8.
    ///
    /// Only for the edge where a secret must leave the process as text; see the type's documentation.
    public func unsafeUTF8String() -> String? {
        withUnsafeBytes { bytes in
            String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
        }
    }

    /// A new secret made of this one followed by `other` (for building key material from parts).
    public func appending(_ other: SecretBytes) -> SecretBytes {
        var result = SecretBytes(zeroedCount: count + other.count)
        result.withUnsafeMutableBytes { target in
            withUnsafeBytes { target.baseAddress?.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            other.withUnsafeBytes {
                guard let source = $0.baseAddress else { return }
                (target.baseAddress! + count).copyMemory(from: source, byteCount: $0.count)
            }
        }
        return result
    }

    /// Overwrites a scratch buffer that held secret bytes (a read buffer, a terminal line) with zeros, using
    /// `OPENSSL_cleanse` so the optimiser cannot remove the write.
    ///
    /// - Parameter buffer: the bytes to wipe.
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        SecureMemory.wipe(buffer)
    }

    /// The heap allocation behind a secret; wiped before it is freed.
    private final class Storage {
        let buffer: UnsafeMutableRawBufferPointer

        init(count: Int) {
            // Allocate at least one byte so `baseAddress` is never nil, which keeps every caller simpler.
            let allocation = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
            allocation.initializeMemory(as: UInt8.self, repeating: 0)
            buffer = UnsafeMutableRawBufferPointer(rebasing: allocation[0..<count])
        }

        deinit {
            let allocation = UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: max(buffer.count, 1))
            SecureMemory.wipe(allocation)
            allocation.deallocate()
        }
    }
}

extension SecretBytes: Equatable {
    /// Compares two secrets in time that depends only on their lengths, never on where they differ.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in SecureMemory.constantTimeEqual(left, right) }
        }
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always `<redacted>`: a secret never prints.
    public var description: String { "<redacted>" }
    /// Always `SecretBytes(<redacted>)`: a secret never prints, not even in a debugger or a failed assertion.
    public var debugDescription: String { "SecretBytes(<redacted>)" }
    /// A mirror with no children, so `dump` and reflection-based printers see nothing either.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
