import FoundationEssentials
import Glibc
import SecureStore

/// A place that holds named profiles: the encrypted store, a shared credentials file or a shared config file.
///
/// Adapters over SecureStore and SharedFileStore implement this. `profile(named:)` must throw (and not return `nil`)
/// when the profile exists but cannot be read, e.g. a store that cannot be unlocked, so that the lookup stops with
/// that error instead of falling through to a plaintext profile of the same name.
package protocol ProfileCatalog {
    /// The kind of store, for provenance and messages.
    var storeType: StoreType { get }
    /// The file or store path, for provenance and messages.
    var location: String { get }

    /// The profile called `name`, or `nil` when there is none.
    ///
    /// - Parameter name: The exact (case-sensitive) profile name.
    /// - Throws: When the catalog exists but cannot be read or unlocked.
    func profile(named name: String) throws -> ProfileEntry?
}

/// One profile as a catalog holds it: its non-secret settings and, optionally, static credentials.
package struct ProfileEntry: Sendable {
    /// The setting names that hold static credentials (`aws_security_token` is the legacy spelling of the session
    /// token, and just as secret); `init(name:properties:)` moves them out of `settings`, and `credstore migrate`
    /// removes them from the plaintext files.
    package static let credentialSettingNames = [
        "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token",
    ]

    /// The profile name.
    package var name: String
    /// Every non-secret setting, e.g. `region`, `credential_process`, `role_arn`, `source_profile`.
    package var settings: [String: String]
    /// The static access key id (`aws_access_key_id`), if the profile has one.
    package var accessKeyID: String?
    /// The static secret access key (`aws_secret_access_key`), if the profile has one.
    package var secretAccessKey: SecretBytes?
    /// The static session token (`aws_session_token`), if the profile has one.
    package var sessionToken: SecretBytes?
    /// When the static credentials stop working, if they are temporary (the encrypted store records it).
    package var expiration: Date?
    /// credstore's own settings of a store profile (keys starting `credstore_`, FORMAT.md *Settings credstore
    /// reserves*), kept apart from `settings` so they are never taken or shown as AWS settings. Always empty for a
    /// profile of a shared file: a plaintext file cannot set them.
    package var reservedSettings: [String: String] = [:]

    /// Creates an entry from parts that are already separated.
    ///
    /// - Parameters:
    ///   - name: The profile name.
    ///   - settings: The non-secret settings; must not contain the secret key or token.
    ///   - accessKeyID: The static access key id.
    ///   - secretAccessKey: The static secret access key.
    ///   - sessionToken: The static session token.
    package init(name: String, settings: [String: String] = [:], accessKeyID: String? = nil,
                secretAccessKey: SecretBytes? = nil, sessionToken: SecretBytes? = nil) {
        self.name = name
        self.settings = settings
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Creates an entry from all the key/value pairs of an INI profile, moving `aws_access_key_id`,
    /// `aws_secret_access_key` and `aws_session_token` (or the legacy `aws_security_token`) into the credential
    /// fields, so that no secret stays in `settings`.
    ///
    /// - Parameters:
    ///   - name: The profile name.
    ///   - properties: Every property of the profile, as the shared-file parser returns them.
    package init(name: String, properties: [String: String]) {
        let rest = properties.filter { !Self.credentialSettingNames.contains($0.key) }
        let token = properties["aws_session_token"] ?? properties["aws_security_token"]
        self.init(name: name, settings: rest, accessKeyID: properties["aws_access_key_id"],
                  secretAccessKey: properties["aws_secret_access_key"].map { SecretBytes(utf8: $0) },
                  sessionToken: token.map { SecretBytes(utf8: $0) })
    }

    /// The `region` setting, when present and not empty.
    package var region: String? {
        guard let region = settings["region"]?.trimmingWhitespace(), !region.isEmpty else { return nil }
        return region
    }
}

/// The catalogs a lookup searches and how to open a catalog for `--profile-location`.
package struct ProfileCatalogs {
    /// The catalogs searched for a profile name, in order: normally the encrypted store, then the shared
    /// credentials file, then the shared config file.
    package var searchOrder: [ProfileCatalog]
    /// The default profile chain, each link naming a store type (matched against `searchOrder`) and a profile.
    package var defaultChain: [DefaultProfileLink]
    /// Opens the profile file given with `--profile-location`; throws (keeping errno) when it cannot be read.
    package var openLocation: (String) throws -> ProfileCatalog

    /// Creates the catalog set.
    ///
    /// - Parameters:
    ///   - searchOrder: Catalogs in search order.
    ///   - defaultChain: The default profile chain; the documented one unless given.
    ///   - openLocation: Opens a profile file given by path.
    package init(searchOrder: [ProfileCatalog], defaultChain: [DefaultProfileLink] = DefaultProfileLink.standardChain,
                openLocation: @escaping (String) throws -> ProfileCatalog) {
        self.searchOrder = searchOrder
        self.defaultChain = defaultChain
        self.openLocation = openLocation
    }
}

/// One link of the default profile chain: a profile name in the first catalog of a store type.
package struct DefaultProfileLink: Equatable, Sendable {
    /// The documented chain: `default` in the encrypted store, `default` in the shared credentials file, `[default]`
    /// in the shared config file (as the SDKs read it: keys, `credential_process` or a role), `AWS PS Default` in the
    /// encrypted store. README, "The search order", lists these links in this order (a test checks it).
    package static let standardChain: [DefaultProfileLink] = [
        DefaultProfileLink(storeType: .secureStore, profileName: "default"),
        DefaultProfileLink(storeType: .sharedCredentialsFile, profileName: "default"),
        DefaultProfileLink(storeType: .sharedConfigFile, profileName: "default"),
        DefaultProfileLink(storeType: .secureStore, profileName: "AWS PS Default"),
    ]

    /// The kind of catalog to look in.
    package var storeType: StoreType
    /// The profile to look for.
    package var profileName: String

    /// Creates a link.
    ///
    /// - Parameters:
    ///   - storeType: The kind of catalog to look in.
    ///   - profileName: The profile to look for.
    package init(storeType: StoreType, profileName: String) {
        self.storeType = storeType
        self.profileName = profileName
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" || first == "\n" {
            scalars = scalars.dropFirst()
        }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" || last == "\n" {
            scalars = scalars.dropLast()
        }
        return String(scalars)
    }
}
