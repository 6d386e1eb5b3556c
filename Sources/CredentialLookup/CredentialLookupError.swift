import FoundationEssentials
import Glibc

/// The one error type of CredentialLookup, classified by a stable `Code`. Messages name the profile and the file and
/// never contain a secret (a `credential_process` program's stdout is never quoted; its stderr is, trimmed and
/// bounded) nor the options of a particular program: a program maps codes to its own advice.
public struct CredentialLookupError: Error, CustomStringConvertible, Sendable {
    /// A stable classification of the error, for exit codes and tests (like swift-system's `Errno`). The raw values
    /// are lowercase-kebab names that never change meaning, e.g. `profile-not-found`.
    public enum Code: String, CaseIterable, Sendable, CustomStringConvertible {
        /// A profile named by the request (its profile name or location) or by `AWS_PROFILE` is in none of the places
        /// searched.
        case profileNotFound = "profile-not-found"
        /// A profile exists but has no credentials, or only part of a key pair.
        case incompleteProfile = "incomplete-profile"
        /// Only one of `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` is set.
        case incompleteEnvironmentCredentials = "incomplete-environment-credentials"
        /// No source in the search order had credentials.
        case noCredentialsFound = "no-credentials-found"
        /// The profile assumes a role (`role_arn`, `source_profile`, `credential_source`, `web_identity_token_file`).
        case roleNotSupported = "role-not-supported"
        /// The profile uses IAM Identity Center (`sso_*`).
        case ssoNotSupported = "sso-not-supported"
        /// The profile gets its credentials with a web identity token (`web_identity_token_file`,
        /// AssumeRoleWithWebIdentity), which credstore does not support.
        case webIdentityNotSupported = "web-identity-not-supported"
        /// A role profile's `source_profile` chain comes back to a profile it already passed through.
        case roleChainLoop = "role-chain-loop"
        /// A profile's role, source or SSO settings contradict each other, are not valid, or name a source profile or
        /// `sso-session` that does not exist.
        case invalidProfileConfiguration = "invalid-profile-configuration"
        /// A `credential_process` command line cannot be split (unbalanced quote, trailing backslash, empty).
        case invalidCredentialProcessCommand = "invalid-credential-process-command"
        /// A `credential_process` program could not be run, failed, was killed or timed out.
        case credentialProcessFailed = "credential-process-failed"
        /// A `credential_process` program printed something that is not a valid Version 1 reply.
        case invalidCredentialProcessOutput = "invalid-credential-process-output"
        /// The credentials found have expired.
        case expired = "expired"
        /// The instance metadata service answered, but not with usable credentials.
        case instanceMetadataFailed = "instance-metadata-failed"
        /// `AWS_EC2_METADATA_SERVICE_ENDPOINT` is not a usable `http://host[:port]` URL.
        case invalidInstanceMetadataEndpoint = "invalid-instance-metadata-endpoint"
        /// A profile file given by path (the request's profile location) does not exist or cannot be opened.
        case profileFileMissing = "profile-file-missing"
        /// A role or session needs an MFA code and there is no `mfa_process`, no terminal to ask on and no live
        /// cached session: nothing waits for input that cannot come.
        case mfaCodeUnavailable = "mfa-code-unavailable"
        /// The MFA code typed or printed by `mfa_process` is not six digits (checked before anything is sent).
        case invalidMFACode = "invalid-mfa-code"
        /// A profile's `mfa_process` could not be split, run, failed, was killed or timed out.
        case mfaProcessFailed = "mfa-process-failed"
        /// An STS request (`AssumeRole`, `GetSessionToken`) failed; `serviceErrorCode` says how (`access-denied`,
        /// `clock-skew`, `expired-token`, a transport code such as `connection-failed`, …).
        case stsRequestFailed = "sts-request-failed"
        /// STS answered, but with temporary credentials that cannot be used (an `Expiration` in the past).
        case invalidTemporaryCredentials = "invalid-temporary-credentials"
        /// The base credentials of a role (`credential_source`) are not there: no `AWS_*` variables, no instance
        /// role, no container endpoint.
        case sourceCredentialsUnavailable = "source-credentials-unavailable"
        /// The container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`/`_RELATIVE_URI`) failed or
        /// answered with something that is not credentials.
        case containerCredentialsFailed = "container-credentials-failed"

        /// The profile's owner chose that its long-lived key stays home (credstore hands out only temporary
        /// credentials for it), and this build cannot make temporary credentials; the request did not ask for the
        /// long-lived key.
        case longLivedKeyWithheld = "long-lived-key-withheld"

        /// After a `Migration` wrote the store, the store re-read from disk does not hold exactly the imported values
        /// (another process changed it); the plaintext files were not changed.
        case migrationNotVerified = "migration-not-verified"

        /// KMS refused the store's KMS slot: the credentials may not use the key (a revoked grant, a key policy that
        /// denies them) or are not valid there.
        case kmsAccessDenied = "kms-access-denied"
        /// The KMS key of the store's KMS slot is disabled or pending deletion.
        case kmsKeyUnusable = "kms-key-unusable"
        /// KMS could not decrypt the slot's blob: it was made for another store or slot (another encryption context),
        /// under another key, or the key no longer exists.
        case kmsDecryptionFailed = "kms-decryption-failed"
        /// The KMS request failed otherwise (network, endpoint, throttling, a malformed answer).
        case kmsRequestFailed = "kms-request-failed"
        /// The credentials for a KMS slot would come from the store the slot unlocks (a loop).
        case kmsCredentialsLoop = "kms-credentials-loop"
        /// No credentials for a KMS slot were found outside the store.
        case kmsNoCredentials = "kms-no-credentials"

        /// The stable name, e.g. `profile-not-found`.
        public var description: String { rawValue }
    }

    /// How the profile of a `profileNotFound` error was chosen, so that a program can say it in its own words
    /// (a command-line tool names its options; `message` says it neutrally).
    public enum ProfileSelection: String, Sendable, CustomStringConvertible {
        /// The request's profile name (`LookupRequest.profileName`), searched in every catalog.
        case profileName = "profile-name"
        /// The `default` profile of the request's profile file (`LookupRequest.profileLocation`).
        case profileLocation = "profile-location"
        /// The request's profile name in the request's profile file.
        case profileNameAndLocation = "profile-name-and-location"
        /// The session profile, `AWS_PROFILE`.
        case sessionProfile = "session-profile"

        /// A neutral description, e.g. `the requested profile name` or `AWS_PROFILE`.
        public var description: String {
            switch self {
            case .profileName: return "the requested profile name"
            case .profileLocation: return "the requested profile file"
            case .profileNameAndLocation: return "the requested profile name and file"
            case .sessionProfile: return SessionProfileSource.variable
            }
        }
    }

    enum Kind: Sendable {
        case profileNotFound(profile: String, selection: ProfileSelection, searched: [String])
        case profileHasNoCredentials(profile: String, places: [String])
        case incompleteProfile(profile: String, place: String, missing: String)
        case incompleteEnvironmentCredentials(missing: String)
        case noCredentialsFound(searched: [String])
        case roleNotSupported(profile: String, place: String, setting: String, chain: String?)
        case ssoNotSupported(profile: String, place: String)
        case webIdentityNotSupported(profile: String, place: String)
        case roleChainLoop(chain: [String])
        case invalidProfileConfiguration(profile: String, place: String, reason: String)
        case invalidCredentialProcessCommand(context: ProcessContext, reason: String)
        case credentialProcessFailed(context: ProcessContext, failure: ProcessFailure)
        case invalidCredentialProcessOutput(context: ProcessContext?, reason: String)
        case expired(what: String, expiration: Date)
        case instanceMetadataFailed(endpoint: String, reason: String)
        case invalidInstanceMetadataEndpoint(value: String, reason: String)
        case profileFileMissing(path: String, errno: Int32)
        case migrationNotVerified(profile: String, store: String)
        case longLivedKeyWithheld(profile: String, place: String)
        case kms(KMSFailure, key: String, detail: String)
        case mfaCodeUnavailable(profile: String, serial: String)
        case invalidMFACode(profile: String, reason: String)
        case invalidMFAProcessCommand(context: ProcessContext, reason: String)
        case mfaProcessFailed(context: ProcessContext, failure: ProcessFailure)
        case stsRequestFailed(StsFailure)
        case invalidTemporaryCredentials(what: String, reason: String)
        case sourceCredentialsUnavailable(profile: String, source: String, reason: String)
        case containerCredentialsFailed(endpoint: String, reason: String)
    }

    /// An STS request that failed: which call, for which profile, and the service's (or transport's) error.
    struct StsFailure: Sendable {
        /// `AssumeRole` or `GetSessionToken`.
        var operation: String
        /// The profile being resolved.
        var profile: String
        /// The role asked for (`AssumeRole`), if any.
        var roleARN: String?
        /// The endpoint the request went to.
        var endpoint: String
        /// The stable code of the service or transport error, e.g. `access-denied`, `connection-failed`.
        var serviceCode: String
        /// The service's or transport's message (never a secret).
        var detail: String
    }

    /// How a store's KMS slot failed (one per `kms-*` code).
    enum KMSFailure: Sendable {
        case accessDenied, keyUnusable, decryptionFailed, requestFailed, credentialsLoop, noCredentials
    }

    /// Which profile's `credential_process` an error is about.
    struct ProcessContext: Sendable {
        var profile: String
        var place: String
        var program: String?
    }

    /// How running a `credential_process` program went wrong.
    enum ProcessFailure: Sendable {
        case notFound(searchPath: String)
        case spawn(errno: Int32)
        case exit(status: Int32, stderr: String)
        case signal(Int32, stderr: String)
        case timeout(seconds: Double, stderr: String)
        /// The program exited, but a process it started still held its stdout or stderr at the timeout.
        case outputHeldOpen(status: Int32, seconds: Double, stderr: String)
        case outputTooLarge(limit: Int)
        case loop(depth: Int)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// The classification of this error.
    public var code: Code {
        switch kind {
        case .profileNotFound: return .profileNotFound
        case .profileHasNoCredentials, .incompleteProfile: return .incompleteProfile
        case .incompleteEnvironmentCredentials: return .incompleteEnvironmentCredentials
        case .noCredentialsFound: return .noCredentialsFound
        case .roleNotSupported: return .roleNotSupported
        case .ssoNotSupported: return .ssoNotSupported
        case .webIdentityNotSupported: return .webIdentityNotSupported
        case .roleChainLoop: return .roleChainLoop
        case .invalidProfileConfiguration: return .invalidProfileConfiguration
        case .invalidCredentialProcessCommand: return .invalidCredentialProcessCommand
        case .credentialProcessFailed: return .credentialProcessFailed
        case .invalidCredentialProcessOutput: return .invalidCredentialProcessOutput
        case .expired: return .expired
        case .instanceMetadataFailed: return .instanceMetadataFailed
        case .invalidInstanceMetadataEndpoint: return .invalidInstanceMetadataEndpoint
        case .profileFileMissing: return .profileFileMissing
        case .migrationNotVerified: return .migrationNotVerified
        case .longLivedKeyWithheld: return .longLivedKeyWithheld
        case .kms(let failure, _, _):
            switch failure {
            case .accessDenied: return .kmsAccessDenied
            case .keyUnusable: return .kmsKeyUnusable
            case .decryptionFailed: return .kmsDecryptionFailed
            case .requestFailed: return .kmsRequestFailed
            case .credentialsLoop: return .kmsCredentialsLoop
            case .noCredentials: return .kmsNoCredentials
            }
        case .mfaCodeUnavailable: return .mfaCodeUnavailable
        case .invalidMFACode: return .invalidMFACode
        case .invalidMFAProcessCommand, .mfaProcessFailed: return .mfaProcessFailed
        case .stsRequestFailed: return .stsRequestFailed
        case .invalidTemporaryCredentials: return .invalidTemporaryCredentials
        case .sourceCredentialsUnavailable: return .sourceCredentialsUnavailable
        case .containerCredentialsFailed: return .containerCredentialsFailed
        }
    }

    /// The stable code of the service or transport error behind `stsRequestFailed` (e.g. `access-denied`,
    /// `clock-skew`, `expired-token`, `connection-failed`, `certificate-untrusted`); `nil` otherwise.
    public var serviceErrorCode: String? {
        if case .stsRequestFailed(let failure) = kind { return failure.serviceCode }
        return nil
    }

    /// The profile an MFA, STS or role error is about; `nil` for other errors.
    public var temporaryCredentialsProfile: String? {
        switch kind {
        case .mfaCodeUnavailable(let profile, _), .invalidMFACode(let profile, _): return profile
        case .stsRequestFailed(let failure): return failure.profile
        case .invalidMFAProcessCommand(let context, _), .mfaProcessFailed(let context, _): return context.profile
        case .sourceCredentialsUnavailable(let profile, _, _): return profile
        default: return nil
        }
    }

    /// Every place searched, for `profileNotFound` and `noCredentialsFound`; empty otherwise.
    public var searched: [String] {
        switch kind {
        case .profileNotFound(_, _, let searched), .noCredentialsFound(let searched): return searched
        case .profileHasNoCredentials(_, let places): return places
        default: return []
        }
    }

    /// The errno of a failed system call (spawning a `credential_process` program), if that is the cause.
    public var errno: Int32? {
        if case .credentialProcessFailed(_, .spawn(let errno)) = kind { return errno }
        if case .mfaProcessFailed(_, .spawn(let errno)) = kind { return errno }
        if case .profileFileMissing(_, let errno) = kind { return errno }
        return nil
    }

    /// The exit status of a failed `credential_process` program, if that is the cause.
    public var processExitStatus: Int32? {
        if case .credentialProcessFailed(_, .exit(let status, _)) = kind { return status }
        return nil
    }

    /// The trimmed, bounded stderr of a failed `credential_process` program, if it printed any.
    public var processStandardError: String? {
        guard case .credentialProcessFailed(_, let failure) = kind else { return nil }
        switch failure {
        case .exit(_, let stderr), .signal(_, let stderr), .timeout(_, let stderr),
             .outputHeldOpen(_, _, let stderr):
            return stderr.isEmpty ? nil : stderr
        default: return nil
        }
    }

    /// How the profile was chosen, for `profileNotFound`; `nil` otherwise.
    public var profileSelection: ProfileSelection? {
        if case .profileNotFound(_, let selection, _) = kind { return selection }
        return nil
    }

    /// `message`, with the way the profile was chosen (for `profileNotFound`) described by `describe`, e.g. a
    /// command-line tool's `--profile`.
    ///
    /// - Parameter describe: Says how the profile was chosen, in the caller's words.
    public func message(describingSelection describe: (ProfileSelection) -> String) -> String {
        guard case .profileNotFound(let profile, let selection, let searched) = kind else { return message }
        return "profile '\(profile)' (from \(describe(selection))) was not found; searched: "
            + searched.joined(separator: "; ")
    }

    /// What happened, naming the profile and the file; one or more lines, never a secret, never the options of a
    /// particular program.
    public var message: String {
        switch kind {
        case .profileNotFound:
            return message(describingSelection: { $0.description })
        case .profileHasNoCredentials(let profile, let places):
            return "profile '\(profile)' has no credentials (no aws_access_key_id/aws_secret_access_key and no "
                + "credential_process) in: " + places.joined(separator: "; ")
        case .incompleteProfile(let profile, let place, let missing):
            return "profile '\(profile)' in \(place) is missing \(missing)"
        case .incompleteEnvironmentCredentials(let missing):
            return "the environment sets only part of a key pair: \(missing) is not set or empty"
        case .noCredentialsFound(let searched):
            return "no credentials found; searched: " + searched.joined(separator: "; ")
        case .roleNotSupported(let profile, let place, let setting, let chain):
            return "profile '\(profile)' in \(place) uses \(setting): assuming roles is not supported yet"
                + (chain.map { " (its chain: \($0))" } ?? "")
        case .ssoNotSupported(let profile, let place):
            return "profile '\(profile)' in \(place) uses IAM Identity Center (sso_*), which is not supported yet"
        case .webIdentityNotSupported(let profile, let place):
            return "profile '\(profile)' in \(place) uses web_identity_token_file (AssumeRoleWithWebIdentity), "
                + "which is not supported"
        case .roleChainLoop(let chain):
            return "the source_profile settings form a loop: " + chain.joined(separator: " -> ")
        case .invalidProfileConfiguration(let profile, let place, let reason):
            return "profile '\(profile)' in \(place) \(reason)"
        case .invalidCredentialProcessCommand(let context, let reason):
            return "the credential_process of profile '\(context.profile)' in \(context.place) cannot be split "
                + "into arguments: \(reason)"
        case .credentialProcessFailed(let context, let failure):
            let program = context.program.map { "'\($0)'" } ?? "program"
            return Self.processFailureMessage(
                "the credential_process \(program) of profile '\(context.profile)' in \(context.place)", failure)
        case .invalidCredentialProcessOutput(let context, let reason):
            guard let context else { return "invalid credential_process output: \(reason)" }
            let program = context.program.map { "'\($0)' " } ?? ""
            return "the credential_process \(program)of profile '\(context.profile)' in \(context.place) printed "
                + "an invalid reply: \(reason)"
        case .expired(let what, let expiration):
            return "the credentials from \(what) expired at \(RFC3339.format(expiration))"
        case .instanceMetadataFailed(let endpoint, let reason):
            return "the instance metadata service at \(endpoint) did not return usable credentials: \(reason)"
        case .invalidInstanceMetadataEndpoint(let value, let reason):
            return "AWS_EC2_METADATA_SERVICE_ENDPOINT '\(value)' is not usable: \(reason)"
        case .profileFileMissing(let path, let errno):
            return "the profile file \(path) cannot be opened: "
                + "\(String(cString: strerror(errno))) (errno \(errno))"
        case .migrationNotVerified(let profile, let store):
            return "after writing, the store \(store) does not hold exactly the imported values of profile "
                + "'\(profile)' (another process may have changed it); the plaintext files were not changed"
        case .longLivedKeyWithheld(let profile, let place):
            return "profile '\(profile)' in \(place) is set to hand out only temporary credentials (its long-lived "
                + "key stays home), and getting temporary credentials (STS GetSessionToken) is not available in this "
                + "build; the long-lived key was not handed out"
        case .kms(let failure, let key, let detail):
            let suffix = detail.isEmpty ? "" : ": \(detail)"
            switch failure {
            case .accessDenied: return "access to the KMS key \(key) was denied\(suffix)"
            case .keyUnusable: return "the KMS key \(key) is disabled or pending deletion\(suffix)"
            case .decryptionFailed:
                return "KMS did not decrypt the KMS slot's key with key \(key) for this store and slot (the slot was "
                    + "made for another store or slot, or under another key)\(suffix)"
            case .requestFailed: return "the request to KMS for key \(key) failed\(suffix)"
            case .credentialsLoop:
                return "the KMS slot's credentials for key \(key) would come from the store it unlocks\(suffix)"
            case .noCredentials:
                return "no AWS credentials for the KMS key \(key) were found outside the store\(suffix)"
            }
        case .mfaCodeUnavailable(let profile, let serial):
            return "profile '\(profile)' needs a code of MFA device \(serial), and there is no mfa_process, no "
                + "terminal to ask on and no live session to reuse"
        case .invalidMFACode(let profile, let reason):
            return "no valid MFA code for profile '\(profile)': \(reason); nothing was sent"
        case .invalidMFAProcessCommand(let context, let reason):
            return "the mfa_process of profile '\(context.profile)' in \(context.place) cannot be split into "
                + "arguments: \(reason)"
        case .mfaProcessFailed(let context, let failure):
            let program = context.program.map { "'\($0)'" } ?? "program"
            return Self.processFailureMessage(
                "the mfa_process \(program) of profile '\(context.profile)' in \(context.place)", failure)
        case .stsRequestFailed(let failure):
            let target = failure.roleARN.map { " of role \($0)" } ?? ""
            return "STS \(failure.operation)\(target) for profile '\(failure.profile)' at \(failure.endpoint) "
                + "failed: \(failure.detail)"
        case .invalidTemporaryCredentials(let what, let reason):
            return "the temporary credentials from \(what) cannot be used: \(reason); nothing was cached"
        case .sourceCredentialsUnavailable(let profile, let source, let reason):
            return "profile '\(profile)' takes its source credentials from \(source), but \(reason)"
        case .containerCredentialsFailed(let endpoint, let reason):
            return "the container credentials endpoint \(endpoint) did not return usable credentials: \(reason)"
        }
    }

    /// The message of a failed `credential_process` or `mfa_process` program; `subject` names it.
    private static func processFailureMessage(_ subject: String, _ failure: ProcessFailure) -> String {
        switch failure {
        case .notFound(let searchPath):
            return "\(subject) was not found (not executable, or not in PATH \(searchPath))"
        case .spawn(let errno):
            return "\(subject) could not be started: \(String(cString: strerror(errno))) (errno \(errno))"
        case .exit(let status, let stderr):
            return "\(subject) exited with status \(status)" + stderrSuffix(stderr)
        case .signal(let signal, let stderr):
            return "\(subject) was killed by signal \(signal)" + stderrSuffix(stderr)
        case .timeout(let seconds, let stderr):
            return "\(subject) did not finish within \(format(seconds)) s and was killed" + stderrSuffix(stderr)
        case .outputHeldOpen(let status, let seconds, let stderr):
            return "\(subject) exited with status \(status), but a process it started kept its stdout or stderr "
                + "open for more than \(format(seconds)) s, so its reply was not used" + stderrSuffix(stderr)
        case .outputTooLarge(let limit):
            return "\(subject) printed more than \(limit) bytes on stdout and was stopped"
        case .loop(let depth):
            return "\(subject) was not run: credential_process programs are already nested \(depth) deep "
                + "(a profile's credential_process probably runs credstore for the same profile)"
        }
    }

    /// What to do about it, when there is something to do, said without the commands or options of a particular
    /// program (the credstore CLI replaces it with its own advice for some codes).
    public var hint: String? {
        switch kind {
        case .profileNotFound(_, let selection, _):
            if selection == .sessionProfile {
                return "create the profile, or unset AWS_PROFILE"
            }
            return "check the profile name (names are case-sensitive), or create the profile"
        case .profileHasNoCredentials, .incompleteProfile:
            return "give the profile both aws_access_key_id and aws_secret_access_key, or a credential_process"
        case .incompleteEnvironmentCredentials:
            return "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or unset both"
        case .noCredentialsFound:
            return "store a key pair as the default profile, or name a profile in the request"
        case .roleNotSupported:
            return "use a profile with static keys or credential_process until role support lands"
        case .ssoNotSupported:
            return "run 'aws sso login' and use credential_process, or a profile with static keys"
        case .webIdentityNotSupported:
            return "use the AWS SDK's web identity support directly, or a profile with static keys"
        case .roleChainLoop:
            return "point one of these profiles' source_profile at a profile with keys, or at itself when it holds "
                + "the keys"
        case .invalidProfileConfiguration:
            return "fix the profile's settings in that file"
        case .invalidCredentialProcessCommand:
            return "fix the quoting of credential_process in that file (POSIX shell word rules, no shell features)"
        case .credentialProcessFailed(_, let failure):
            if case .loop = failure {
                return "point credential_process at a profile that holds static keys, or remove it"
            }
            if case .outputHeldOpen = failure {
                return "make the program's background processes redirect stdout and stderr (e.g. >/dev/null 2>&1)"
            }
            return "run the credential_process command by hand to see what it needs, then fix the profile"
        case .invalidCredentialProcessOutput:
            return "the program must print JSON with Version 1, AccessKeyId and SecretAccessKey (and optionally "
                + "SessionToken and an RFC 3339 Expiration)"
        case .expired:
            return "refresh the credentials (run the issuing tool again) or update the profile"
        case .instanceMetadataFailed:
            return "set AWS_EC2_METADATA_DISABLED=true when not on EC2, or check the instance's role"
        case .invalidInstanceMetadataEndpoint:
            return "use a URL like http://169.254.169.254 or http://[fd00:ec2::254], or unset the variable"
        case .profileFileMissing:
            return "check the path of the profile file"
        case .migrationNotVerified:
            return "run the migration again: it finishes the job"
        case .longLivedKeyWithheld:
            return "ask for the long-lived key explicitly, or turn the profile's session-only choice off"
        case .kms(let failure, _, _):
            switch failure {
            case .accessDenied:
                return "ask the key's administrator for kms:Decrypt (key policy or grant), or open the store with "
                    + "another key slot"
            case .keyUnusable: return "enable the key, or open the store with another key slot"
            case .decryptionFailed: return "open the store with another key slot and make a new KMS slot"
            case .requestFailed:
                return "check the network and the KMS endpoint, or open the store with another key slot"
            case .credentialsLoop:
                return "give the KMS slot a profile whose credentials live outside this store (static keys in the "
                    + "shared credentials file, another credential_process), or use an instance or task role"
            case .noCredentials:
                return "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run with an instance or task role, or name a "
                    + "shared-file profile for the slot"
            }
        case .mfaCodeUnavailable:
            return "start the session once where a code can be typed (a terminal), or give the profile an "
                + "mfa_process that prints the code"
        case .invalidMFACode:
            return "an MFA code is the 6 digits the device shows now"
        case .invalidMFAProcessCommand:
            return "fix the quoting of mfa_process in that file (POSIX shell word rules, no shell features)"
        case .mfaProcessFailed:
            return "run the mfa_process command by hand: it must print the 6-digit code and exit 0"
        case .stsRequestFailed:
            return nil
        case .invalidTemporaryCredentials:
            return "check the clock of this machine and the endpoint the request went to"
        case .sourceCredentialsUnavailable:
            return "provide the credentials the profile's credential_source names, or use source_profile"
        case .containerCredentialsFailed:
            return "check AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)"
        }
    }

    /// The message, followed by the hint when there is one.
    public var description: String {
        guard let hint else { return message }
        return message + " (hint: \(hint))"
    }

    private static func stderrSuffix(_ stderr: String) -> String {
        stderr.isEmpty ? "" : "; its stderr said: \(stderr)"
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String((seconds * 10).rounded() / 10)
    }
}
