import AWSAPI
import FoundationEssentials
import SecureStore

/// One access key of an IAM user, as `ListAccessKeys` reports it.
package struct AccessKeySummary: Sendable, Equatable {
    /// The access key id.
    package var accessKeyID: String
    /// Whether the key may sign requests (`Active`) or not (`Inactive`).
    package var isActive: Bool
    /// When IAM created the key.
    package var createDate: Date

    /// Creates a summary.
    package init(accessKeyID: String, isActive: Bool, createDate: Date) {
        self.accessKeyID = accessKeyID
        self.isActive = isActive
        self.createDate = createDate
    }
}

/// The AWS calls a rotation makes (IAM and STS), each signed with the credentials it is given. The real one is
/// `AWSAccessKeyService` (over `AWSAPI`'s `IAMClient` and `STSClient`); the unit tests of the state machine use a
/// fake of it, beside the end-to-end tests against moto.
///
/// Errors are thrown as the implementation's own type; the rotation wraps them in `RotationError.awsCallFailed`
/// naming the step, and asks `isRefusal(_:)` whether the endpoint answered "no" (the key is refused, unknown or has
/// no permission) as opposed to not answering.
package protocol AccessKeyService {
    /// `sts:GetCallerIdentity`: the ARN of the identity the credentials belong to.
    func callerARN(using credentials: SigningCredentials) throws -> String
    /// `iam:ListAccessKeys` of `userName`.
    func listAccessKeys(using credentials: SigningCredentials, userName: String) throws -> [AccessKeySummary]
    /// `iam:CreateAccessKey` for `userName`.
    func createAccessKey(using credentials: SigningCredentials, userName: String) throws -> NewAccessKey
    /// `iam:UpdateAccessKey` to `Active` or `Inactive`.
    func updateAccessKey(using credentials: SigningCredentials, accessKeyID: String, active: Bool,
                         userName: String) throws
    /// `iam:DeleteAccessKey`.
    func deleteAccessKey(using credentials: SigningCredentials, accessKeyID: String, userName: String) throws
    /// `sts:GetSessionToken` with an MFA device: a session whose IAM calls satisfy an MFA-conditioned policy.
    func mfaSession(using credentials: SigningCredentials, serialNumber: String, tokenCode: String) throws
        -> SigningCredentials
    /// Whether `error` (thrown by this service) is the endpoint refusing the request or the credentials (access
    /// denied, unknown or invalid key, bad signature) rather than a failure to get an answer.
    func isRefusal(_ error: Error) -> Bool
    /// A short, secret-free description of `error` for messages (its stable code and the service's message).
    func describe(_ error: Error) -> String
}

/// Where a rotation gets MFA codes for a profile with `mfa_serial` (the terminal prompt or `mfa_process`, built by the
/// temporary-credentials work; the CLI passes its prompt). A code is asked for at most once per 30-second window: the
/// rotation waits for the next window before asking again, so a time-based code is never reused.
package protocol MFACodeSource {
    /// A current code of the device `serialNumber` for the profile `profile`.
    func code(serialNumber: String, profile: String) throws -> String
}

/// Clears the cached sessions (STS credentials the session cache keeps) derived from a key that a rotation retired.
/// The session cache is built by the session-cache work; until it is wired, `NoSessionCache` clears nothing.
package protocol RotationSessionCache {
    /// Removes every cached session of `profile` that was made with the key `accessKeyID`; returns how many.
    func clearSessions(profile: String, derivedFromKey accessKeyID: String) throws -> Int
}

/// The session cache of a build without one: nothing to clear.
package struct NoSessionCache: RotationSessionCache {
    /// Creates it.
    package init() {}

    /// Clears nothing.
    package func clearSessions(profile: String, derivedFromKey accessKeyID: String) throws -> Int { 0 }
}
