import SecureStore

/// The encrypted session cache beside the store (`SessionCache`): a rotation removes every cached session whose STS
/// call was signed with the retired key (`CachedSession.sourceIdentity`), whatever profile it serves (a role session
/// chained from the rotated profile too).
package struct StoreSessionCache: RotationSessionCache {
    private let store: () throws -> EncryptedStore

    /// The cache of the store `store` opens (only opened when a cache file exists).
    package init(store: @escaping () throws -> EncryptedStore) {
        self.store = store
    }

    /// Removes the sessions made with `accessKeyID`.
    package func clearSessions(profile: String, derivedFromKey accessKeyID: String) throws -> Int {
        let store = try store()
        guard SessionCache.exists(forStoreAt: store.path) else { return 0 }
        return try SessionCache(store: store).remove { $0.sourceIdentity == accessKeyID }
    }
}
