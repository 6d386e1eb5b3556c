import FoundationEssentials
import SecureStore

/// A profile of the encrypted store: the journal lives in reserved settings of its (encrypted) record, written with
/// the key in the store's one atomic save.
package struct StoreRotationHolder: RotationHolder {
    /// The profile name.
    package let profile: String
    /// The store, unlocked when first needed.
    private let store: () throws -> EncryptedStore
    private let path: String

    /// A holder for `profile` in the store at `path`, opened by `store`.
    package init(profile: String, path: String, store: @escaping () throws -> EncryptedStore) {
        self.profile = profile
        self.path = path
        self.store = store
    }

    /// `the encrypted store (PATH)`.
    package var place: String { "the encrypted store (\(path))" }

    /// `STORE.rotate.lock`.
    package var lockPath: String { path + ".rotate.lock" }

    /// The stored profile.
    package func read() throws -> HeldKey {
        guard let stored = try store().profile(named: profile) else {
            throw RotationError(.profileNotFound, profile: profile, "profile \(profile) is not in \(place)")
        }
        return HeldKey(profile: profile, accessKeyID: stored.accessKeyID, secretAccessKey: stored.secretAccessKey,
                       sessionToken: stored.sessionToken, settings: stored.settings)
    }

    /// One `EncryptedStore.update(named:_:)`: the check and the change apply to the profile as re-read under the
    /// store's lock, so a setting another writer changed in between is kept.
    package func write(expectingKeyID expectedKeyID: String, newKey: (id: String, secret: SecretBytes)?,
                       settings: [String: String?]) throws {
        try store().update(named: profile) { current in
            guard var stored = current, stored.accessKeyID == expectedKeyID else {
                throw changedUnderneath(expected: expectedKeyID, found: current?.accessKeyID)
            }
            if let newKey {
                stored.accessKeyID = newKey.id
                stored.secretAccessKey = newKey.secret
                stored.sessionToken = nil
                stored.expiration = nil
            }
            for (key, value) in settings { stored.settings[key] = value }
            return stored
        }
    }
}
