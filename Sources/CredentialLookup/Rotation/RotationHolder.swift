import AWSAPI
import FoundationEssentials
import SecureStore

/// The profile a rotation reads and rewrites, as it is now where it lives.
package struct HeldKey: Sendable {
    /// The profile name.
    package var profile: String
    /// The profile's access key id.
    package var accessKeyID: String
    /// The profile's secret access key.
    package var secretAccessKey: SecretBytes
    /// A session token, when the profile holds temporary credentials (a rotation refuses those).
    package var sessionToken: SecretBytes?
    /// The profile's other settings (`mfa_serial`, `role_arn`, the reserved `credstore_*` ones, …), keys lower-cased.
    package var settings: [String: String]

    /// Creates a value.
    package init(profile: String, accessKeyID: String, secretAccessKey: SecretBytes, sessionToken: SecretBytes?,
                 settings: [String: String]) {
        self.profile = profile
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.settings = settings
    }

    /// When IAM created the profile's key, as kept with the profile (`credstore_key_created`), if known.
    package var keyCreated: Date? {
        settings[RotationJournal.Setting.keyCreated].flatMap(RotationDate.parse)
    }

    /// The credentials of the profile's key.
    package var credentials: SigningCredentials {
        SigningCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }
}

/// Where a rotated profile's key lives: the encrypted store (`StoreRotationHolder`) or a shared credentials or config
/// file (`SharedFileRotationHolder`). Each write is one atomic replacement of that store or file that changes the key
/// and the journal together, and only if the profile still holds the key the rotation expects (another writer that
/// changed it in the meantime wins; the rotation stops and says so).
package protocol RotationHolder {
    /// The profile name.
    var profile: String { get }
    /// Where it lives, for messages: `the encrypted store (PATH)`, `the shared credentials file (PATH)`.
    var place: String { get }
    /// The lock file that keeps two rotations of this place from running at once (`FILE.rotate.lock`).
    var lockPath: String { get }
    /// The profile as it is now.
    func read() throws -> HeldKey
    /// Replaces the key (when `newKey` is given) and sets (or, for nil values, removes) `settings`, in one atomic
    /// write, provided the profile's key is still `expectedKeyID`.
    func write(expectingKeyID expectedKeyID: String, newKey: (id: String, secret: SecretBytes)?,
               settings: [String: String?]) throws
}

extension RotationHolder {
    /// The error for a profile whose key changed under the rotation.
    func changedUnderneath(expected: String, found: String?) -> RotationError {
        RotationError(.profileChanged, profile: profile,
                      "profile \(profile) in \(place) no longer holds the key \(expected) (it holds "
                      + "\(found ?? "no key")): another program changed it during the rotation; nothing was written")
    }
}
