import FoundationEssentials
import SecureStore
import SharedFileStore

/// A profile of a shared credentials or config file. The journal lives in the profile's own section, as
/// `credstore_rotation_*` lines (the AWS SDKs and CLI ignore keys they do not know), so each step — the new secret
/// saved, the key switched, the journal cleared — is one locked, lossless, atomic edit of that one file
/// (`SharedFileEditor`), and the file never holds a state the journal does not describe.
package struct SharedFileRotationHolder: RotationHolder {
    /// The profile name.
    package let profile: String
    /// The file.
    package let path: String
    /// Credentials or config file.
    package let kind: ProfileFileKind

    /// A holder for `profile` in the file at `path`.
    package init(profile: String, path: String, kind: ProfileFileKind) {
        self.profile = profile
        self.path = path
        self.kind = kind
    }

    /// `the shared credentials file (PATH)` or `the shared config file (PATH)`.
    package var place: String { "the shared \(kind == .config ? "config" : "credentials") file (\(path))" }

    /// `FILE.rotate.lock`.
    package var lockPath: String { path + ".rotate.lock" }

    /// The profile as the file defines it now.
    package func read() throws -> HeldKey {
        let file = try ProfileFile.load(path: path, kind: kind)
        return try held(in: file)
    }

    private func held(in file: ProfileFile) throws -> HeldKey {
        guard let properties = file.profile(profile) else {
            throw RotationError(.profileNotFound, profile: profile, "profile \(profile) is not in \(place)")
        }
        var settings: [String: String] = [:]
        for (key, value) in properties { if let text = value.stringValue { settings[key] = text } }
        let keyID = settings.removeValue(forKey: "aws_access_key_id") ?? ""
        let secret = settings.removeValue(forKey: "aws_secret_access_key") ?? ""
        let token = settings.removeValue(forKey: "aws_session_token")
        return HeldKey(profile: profile, accessKeyID: keyID, secretAccessKey: SecretBytes(utf8: secret),
                       sessionToken: token.map { SecretBytes(utf8: $0) }, settings: settings)
    }

    /// One `SharedFileEditor.edit`: re-read under the file's lock, checked, changed, atomically replaced.
    package func write(expectingKeyID expectedKeyID: String, newKey: (id: String, secret: SecretBytes)?,
                       settings: [String: String?]) throws {
        try SharedFileEditor.edit(path: path, kind: kind) { file in
            let current = file.profile(profile) == nil ? nil
                : file.value(forKey: "aws_access_key_id", inProfile: profile)?.stringValue
            guard current == expectedKeyID else { throw changedUnderneath(expected: expectedKeyID, found: current) }
            if let newKey {
                try file.setValue(newKey.id, forKey: "aws_access_key_id", inProfile: profile)
                try newKey.secret.withUnsafeBytes {
                    try file.setValue(String(decoding: $0, as: UTF8.self), forKey: "aws_secret_access_key",
                                      inProfile: profile)
                }
                try file.removeValue(forKey: "aws_session_token", inProfile: profile)
            }
            for key in settings.keys.sorted() {
                if let value = settings[key]! {
                    try file.setValue(value, forKey: key, inProfile: profile)
                } else {
                    try file.removeValue(forKey: key, inProfile: profile)
                }
            }
        }
    }
}
