/// Why a rotation stopped. One error type for the rotation operation, with stable kebab-case codes and messages that
/// say what happened to the keys (which one the profile holds now) but carry no advice naming credstore's commands:
/// the CLI maps codes to hints and exit codes (`Output/ErrorClassification.swift`).
package struct RotationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stable codes.
    package enum Code: String, Sendable, CaseIterable {
        /// The profile does not exist where it was looked for.
        case profileNotFound = "profile-not-found"
        /// The profile holds temporary credentials (an `ASIA…` key or a session token): they cannot be rotated.
        case temporaryKey = "temporary-key"
        /// The profile gets its credentials another way (a role, `credential_process`, SSO) or holds no key.
        case notAKeyProfile = "not-a-key-profile"
        /// The key belongs to something other than an IAM user (`GetCallerIdentity` says a role or the root user).
        case notAnIAMUser = "not-an-iam-user"
        /// The user already has two access keys, IAM's limit.
        case tooManyKeys = "too-many-keys"
        /// An AWS call was refused (access denied, an unknown or invalid key, a bad signature).
        case awsRefused = "aws-refused"
        /// An AWS call got no usable answer (unreachable, throttled, failing endpoint).
        case awsUnavailable = "aws-unavailable"
        /// The new key did not start working within the wait.
        case newKeyNotAccepted = "new-key-not-accepted"
        /// The profile changed under the rotation (another writer).
        case profileChanged = "profile-changed"
        /// Another rotation of a profile of the same store or file is running (its lock was not free in time).
        case rotationInProgress = "rotation-in-progress"
        /// The journal kept with the profile cannot be read.
        case journalDamaged = "journal-damaged"
        /// No MFA code could be had for a profile with `mfa_serial`.
        case mfaUnavailable = "mfa-unavailable"
    }

    /// The code.
    package var code: Code
    /// The profile.
    package var profile: String
    /// What happened, including which key the profile holds now.
    package var message: String

    /// Creates an error.
    package init(_ code: Code, profile: String, _ message: String) {
        self.code = code
        self.profile = profile
        self.message = message
    }

    /// The message.
    package var description: String { message }
}
