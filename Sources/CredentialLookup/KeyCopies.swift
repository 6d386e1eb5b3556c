import SecureStore

/// Where a profile lives: its store (or file) and its name there.
package struct ProfilePlace: Hashable, Sendable {
    /// The kind of store.
    package var storeType: StoreType
    /// The store or file path.
    package var location: String
    /// The profile name.
    package var name: String

    /// A profile `name` in the store or file at `location`.
    package init(storeType: StoreType, location: String, name: String) {
        self.storeType = storeType
        self.location = location
        self.name = name
    }
}

/// Every static key pair credstore can see: the encrypted store's profiles and the shared files'. `credstore default`,
/// `set`, `migrate --overwrite` and `remove` ask it whether a key pair they are about to overwrite or delete exists
/// anywhere else, because the secret access key of a key pair cannot be fetched again from AWS: the last copy lost
/// is a key lost. Places compare by file identity (`FileIdentity`) and profile name, never by path string: a file
/// named `./credentials` is the same file as `~/.aws/credentials`.
package struct KeyCopies {
    private var pairs: [(file: FileIdentity, name: String, accessKeyID: String, secret: SecretBytes)] = []

    /// Reads the key pairs of `store` (already unlocked, or `nil`) and `sharedCatalogs` (a file listed twice, under
    /// any spelling, counts once). A shared file that cannot be read counts as holding nothing: a copy credstore
    /// cannot read is not one it can promise.
    package init(store: EncryptedStoreCatalog?, sharedCatalogs: [SharedFileCatalog]) throws {
        if let store {
            for name in try store.profileNames() { try add(store, name: name) }
        }
        var seen: Set<FileIdentity> = []
        for catalog in sharedCatalogs where seen.insert(FileIdentity(path: catalog.location)).inserted {
            guard let names = try? catalog.profileNames() else { continue }
            for name in names { try? add(catalog, name: name) }
        }
    }

    private mutating func add(_ catalog: some ProfileCatalog, name: String) throws {
        guard let entry = try catalog.profile(named: name), let id = entry.accessKeyID,
              let secret = entry.secretAccessKey, !secret.isEmpty else { return }
        pairs.append((FileIdentity(path: catalog.location), name, id, secret))
    }

    private static func matches(_ pair: (file: FileIdentity, name: String, accessKeyID: String, secret: SecretBytes),
                                _ places: [(FileIdentity, String)]) -> Bool {
        places.contains { $0.0 == pair.file && $0.1 == pair.name }
    }

    private static func identities(_ places: Set<ProfilePlace>) -> [(FileIdentity, String)] {
        places.map { (FileIdentity(path: $0.location), $0.name) }
    }

    /// The key pair of the profile at `place`, if it holds one.
    package func keyPair(at place: ProfilePlace) -> (accessKeyID: String, secretAccessKey: SecretBytes)? {
        let wanted = Self.identities([place])
        return pairs.first { Self.matches($0, wanted) }.map { ($0.accessKeyID, $0.secret) }
    }

    /// Whether the key pair (`accessKeyID` with `secretAccessKey`) is held by no profile outside `leaving`: deleting
    /// or overwriting those places would then destroy the last copy.
    package func isLastCopy(accessKeyID: String, secretAccessKey: SecretBytes, leaving: Set<ProfilePlace>) -> Bool {
        let leaving = Self.identities(leaving)
        return !pairs.contains {
            !Self.matches($0, leaving) && $0.accessKeyID == accessKeyID && $0.secret == secretAccessKey
        }
    }
}

/// The profiles of a shared config file whose `credential_process` runs `credstore export` for a given store
/// profile: they stop working when that profile is removed from the store.
package enum ExportReferences {
    /// The names of the profiles in `catalog` whose `credential_process` exports `name` from the store at
    /// `storePath` (`ExportInvocation`; a line without `--store` reads `defaultStorePath`). An unreadable file yields
    /// none.
    package static func profiles(exporting name: String, fromStore storePath: String, defaultStorePath: String,
                                in catalog: SharedFileCatalog) -> [String] {
        guard let names = try? catalog.profileNames() else { return [] }
        return names.filter { profileName in
            guard let entry = try? catalog.profile(named: profileName),
                  let command = entry.settings["credential_process"],
                  let invocation = ExportInvocation(commandLine: command) else { return false }
            return invocation.exports(profile: name, fromStore: storePath, defaultStorePath: defaultStorePath)
        }
    }
}
