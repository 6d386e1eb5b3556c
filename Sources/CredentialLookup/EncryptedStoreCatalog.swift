import Glibc
import SecureStore

/// The encrypted store as a profile catalog.
///
/// Profile names are readable without a secret, so a lookup for a name the store does not hold never unlocks it (no
/// prompt, no KDF). A name the store does hold is read by unlocking it once with `unlock`; if that fails, the
/// lookup fails with that error and never falls through to a plaintext profile of the same name.
///
/// The names are not authenticated until the store is unlocked: someone who can write the store file (but cannot
/// open it) could rename a record so that a lookup falls through to a plaintext file. So when a secret is at hand
/// that needs nobody to type it (`verify`), a name the store does not list is looked for only after the store was
/// unlocked, which verifies the file authenticator over every record and name; with no such secret at hand the
/// names are taken as they are (SECURITY.md).
package final class EncryptedStoreCatalog: ProfileCatalog {
    /// Always `.secureStore`.
    package let storeType: StoreType = .secureStore
    /// The store file.
    package let location: String
    private let unlock: () throws -> EncryptedStore
    private let verify: (() throws -> EncryptedStore?)?
    private var names: Set<String>?
    /// Whether the store file existed when `names` was read from it (`nil` until then, or when it came unlocked).
    private var fileExisted: Bool?
    private var unlocked: EncryptedStore?

    /// Creates a catalog over the store at `path`.
    ///
    /// - Parameters:
    ///   - path: The store file; a missing store is an empty catalog.
    ///   - unlock: Opens and unlocks the store (the CLI's secret-source chain); called at most once.
    ///   - verify: Unlocks the store without asking anyone (a key file, a systemd credential, a passphrase file or
    ///     descriptor, a running agent), or returns `nil` when no such secret is at hand; called before a name the
    ///     store does not list is reported missing. `nil`: never.
    package init(path: String, unlock: @escaping () throws -> EncryptedStore,
                verify: (() throws -> EncryptedStore?)? = nil) {
        location = path
        self.unlock = unlock
        self.verify = verify
    }

    /// Creates a catalog over a store that is already unlocked.
    package init(store: EncryptedStore) {
        location = store.path
        unlocked = store
        unlock = { store }
        verify = nil
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
    /// - Throws: `SecureStoreError` when the store holds the name but cannot be unlocked or read, or when a secret at
    ///   hand (`verify`) finds the store tampered with (`.corrupt`) or does not open it.
    package func profile(named name: String) throws -> ProfileEntry? {
        if names == nil {
            if let unlocked {
                names = Set(unlocked.profileNames)
            } else {
                // One existence check serves the listing and the verification below (this runs before AWS calls).
                let exists = EncryptedStore.exists(at: location)
                fileExisted = exists
                names = exists ? Set(try EncryptedStore.profileNames(at: location)) : []
            }
        }
        if names?.contains(name) != true {
            // Not listed: before saying so, check the list with the secret at hand, if one needs nobody to type it.
            guard unlocked == nil, let verify, fileExisted ?? EncryptedStore.exists(at: location),
                  let store = try verify() else { return nil }
            unlocked = store
            names = Set(store.profileNames)
            guard names?.contains(name) == true else { return nil }
        }
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
        self.init(name: stored.name, settings: ReservedSetting.awsSettings(stored.settings),
                  accessKeyID: stored.accessKeyID, secretAccessKey: stored.secretAccessKey,
                  sessionToken: stored.sessionToken)
        expiration = stored.expiration
        reservedSettings = ReservedSetting.reservedSettings(stored.settings)
    }
}
