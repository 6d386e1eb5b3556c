/// The scrypt costs the store writes and the bounds it accepts on read.
///
/// The bounds are checked before any KDF work, so a tampered header can neither downgrade a slot below the floor nor
/// make us allocate gigabytes. Only `standard` is reachable from the public API; tests pass a cheaper policy through
/// the internal `create`/`open` overloads (`@testable import`), never through a flag or environment variable.
struct ScryptPolicy: Sendable {
    /// log2(N) written into new passphrase slots.
    var writeLogN: UInt8
    /// The smallest log2(N) accepted when opening (the downgrade floor).
    var minimumLogN: UInt8
    /// The largest log2(N) accepted when opening (the memory ceiling: 2^20 · 128 · r = 1 GiB at r = 8).
    var maximumLogN: UInt8
    /// The only block size format version 1 accepts.
    static let r: UInt32 = 8
    /// The only parallelism format version 1 accepts.
    static let p: UInt32 = 1

    /// N = 2^17 (128 MiB, about 0.5 s here), floor 2^17, ceiling 2^20.
    static let standard = ScryptPolicy(writeLogN: 17, minimumLogN: 17, maximumLogN: 20)

    /// Throws `corrupt` unless the parameters read from `path` are within bounds.
    func check(logN: UInt8, r: UInt32, p: UInt32, path: String) throws {
        guard logN >= minimumLogN else {
            throw SecureStoreError.corrupt(path, "a passphrase slot asks for scrypt cost 2^\(logN), below the floor "
                                           + "2^\(minimumLogN); the header was altered to weaken it")
        }
        guard logN <= maximumLogN else {
            throw SecureStoreError.corrupt(path, "a passphrase slot asks for scrypt cost 2^\(logN), above the "
                                           + "ceiling 2^\(maximumLogN)")
        }
        guard r == Self.r, p == Self.p else {
            throw SecureStoreError.corrupt(path, "a passphrase slot asks for scrypt r=\(r), p=\(p); version 1 "
                                           + "allows only r=8, p=1")
        }
    }
}
