import Glibc
import SecureStore

/// The encrypted store as a profile catalog.
///
/// Profile names are readable without a secret, so a lookup for a name the store does not hold never unlocks it (no
/// prompt, no KDF). A name the store does hold is read by unlocking it once with `unlock`; if that fails, the
/// lookup fails with that error and never falls through to a plaintext profile of the same name.
package final class EncryptedStoreCatalog: ProfileCatalog {
    /// Always `.secureStore`.
    package let storeType: StoreType = .secureStore
    /// The store file.
    package let location: String
    private let unlock: () throws -> EncryptedStore
    private var names: Set<String>?
    private var unlocked: EncryptedStore?

    /// Creates a catalog over the store at `path`.
    ///
    /// - Parameters:
    ///   - path: The store file; a missing store is an empty catalog.
    ///   - unlock: Opens and unlocks the store (the CLI's secret-source chain); called at most once.
    package init(path: String, unlock: @escaping () throws -> EncryptedStore) {
        location = path
        self.unlock = unlock
    }

    /// Creates a catalog over a store that is already unlocked.
    package init(store: EncryptedStore) {
        location = store.path
        unlocked = store
        unlock = { store }
    }

    /// The profile names in the store, without unlocking it; empty when there is no store.
    ///
    /// - Throws: `SecureStoreError` when the store exists but cannot be read (permissions, corruption).
    package func profileNames() throws -> [String] {
        if let unlocked { return unlocked.profileNames }
        guard EncryptedStore.exists(at: location) else { return [] }
        return try EncryptedStore.profileNames(at: location)
    }

    /// The profile `name`, unlocking the store only when it holds that name.
    ///
    /// - Throws: `SecureStoreError` when the store holds the name but cannot be unlocked or read.
    package func profile(named name: String) throws -> ProfileEntry? {
        if names == nil { names = Set(try profileNames()) }
        guard names?.contains(name) == true else { return nil }
        let store = try unlockedStore()
        guard let stored = try store.profile(named: name) else { return nil }
        return ProfileEntry(stored)
    }

    /// The unlocked store (unlocking it on first use).
    package func unlockedStore() throws -> EncryptedStore {
        if let unlocked { return unlocked }
        let store = try unlock()
        unlocked = store
        return store
    }
}

extension ProfileEntry {
    /// An entry holding a stored profile's credentials and settings.
    package init(_ stored: StoredProfile) {
        self.init(name: stored.name, settings: stored.settings, accessKeyID: stored.accessKeyID,
                  secretAccessKey: stored.secretAccessKey, sessionToken: stored.sessionToken)
        expiration = stored.expiration
    }
}
