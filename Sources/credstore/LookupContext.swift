import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc

/// Everything a lookup needs, built once per command: the store catalog (unlocked lazily through the secret-source
/// chain), the shared files, and the documented search order over them.
struct LookupContext {
    let environment: [String: String]
    let storeCatalog: EncryptedStoreCatalog
    let locations: SharedFileLocations
    let catalogs: ProfileCatalogs

    init(store: StoreOptions) {
        // A passphrase descriptor must not reach what a lookup starts (`exec`'s command, a credential_process): they
        // could seek back and read it. Standard input/output/error are left alone.
        if let fd = store.passphraseFD, fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        environment = ProcessInfo.processInfo.environment
        storeCatalog = EncryptedStoreCatalog(path: store.storePath(), unlock: { try store.openStore() },
                                             verify: { try store.openStoreWithoutAsking() })
        locations = SharedFileLocations(environment: environment)
        catalogs = ProfileCatalogs.standard(store: storeCatalog, locations: locations)
    }

    /// Resolves `request` with the full search order.
    func resolve(_ request: LookupRequest) throws -> Resolution {
        try CredentialResolver.standard(for: request, environment: environment, catalogs: catalogs).resolve(request)
    }

    /// The shared credentials and config catalogs, in search order.
    var sharedCatalogs: [SharedFileCatalog] {
        catalogs.searchOrder.compactMap { $0 as? SharedFileCatalog }
    }
}
