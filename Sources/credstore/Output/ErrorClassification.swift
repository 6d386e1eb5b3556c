import CredentialLookup
import CredentialServer
import UnlockAgent

/// The one table from the libraries' error codes to what the CLI prints (`error:` and `hint:` lines) and how it exits.
///
/// The libraries classify their errors by stable codes and say what to do without naming credstore's commands or
/// options; the advice that does name them lives here, keyed by code. One function per error type, each one switch
/// over every code (so a new code does not compile until it has a row): a row is the exit status and the CLI's own
/// hint, or `nil` for "the library's hint says it already". To add an error type, add a `case` to `classify` and its
/// row function.
enum ErrorClassification {
    /// One row of the table.
    struct Row {
        /// The exit status.
        var status: ExitStatus
        /// The CLI's advice for this code; `nil` keeps the library's (program-neutral) hint.
        var hint: String?

        init(_ status: ExitStatus, hint: String? = nil) {
            self.status = status
            self.hint = hint
        }
    }

    /// The CLI failure for a library error; `nil` for errors this table does not know (ArgumentParser's own).
    static func classify(_ error: Error) -> CLIFailure? {
        switch error {
        case let error as SecureStoreError:
            let row = row(error.code)
            return CLIFailure(error.message, hint: row.hint ?? error.hint, exitCode: row.status)
        case let error as SharedFileError:
            let row = row(error.code, path: error.path)
            return CLIFailure(error.message, hint: row.hint ?? error.hint, exitCode: row.status)
        case let error as CredentialLookupError:
            let row = error.code == .stsRequestFailed
                ? stsRow(error.serviceErrorCode ?? "", profile: error.temporaryCredentialsProfile ?? "NAME")
                : row(error.code, selection: error.profileSelection,
                      profile: error.temporaryCredentialsProfile ?? "NAME")
            return CLIFailure(error.message(describingSelection: option(for:)), hint: row.hint ?? error.hint,
                              exitCode: row.status)
        case let error as RotationError:
            let row = row(error.code, profile: error.profile)
            return CLIFailure(error.message, hint: row.hint, exitCode: row.status)
        case let error as UnlockAgentError:
            let row = row(error.code, path: error.path ?? "")
            return CLIFailure(error.message, hint: row.hint, exitCode: row.status)
        case let error as TPM2Error:
            let row = row(error.code)
            return CLIFailure(error.message, hint: row.hint, exitCode: row.status)
        case let error as CredentialServerError:
            let row = row(error.code)
            return CLIFailure(error.message, hint: row.hint, exitCode: row.status)
        default:
            return nil
        }
    }

    /// CredentialServer's codes (`exec --ecs-server`, `serve`).
    static func row(_ code: CredentialServerError.Code) -> Row {
        switch code {
        case .libraryUnavailable:
            return Row(.failure, hint: "install GNU libmicrohttpd (Debian and Ubuntu: apt-get install "
                + "libmicrohttpd12), or use 'credstore exec' without --ecs-server")
        case .startFailed:
            return Row(.failure, hint: "check the limits on open files and threads (ulimit -n, ulimit -u)")
        }
    }

    /// SecureStore's codes.
    static func row(_ code: SecureStoreError.Code) -> Row {
        switch code {
        case .wrongPassphrase, .wrongKeyFile: return Row(.wrongSecret)
        case .corrupt: return Row(.corrupt)
        case .unsupportedVersion: return Row(.unsupportedVersion)
        case .unsafePermissions: return Row(.unsafePermissions)
        case .locked: return Row(.locked)
        case .profileNotFound: return Row(.notFound, hint: "run 'credstore list' to see the profiles")
        case .notFound: return Row(.notFound)
        case .storeNotFound:
            return Row(.notFound, hint: "create one with 'credstore init', or store a profile with 'credstore set' "
                + "(which creates it)")
        case .io: return Row(.ioError)
        case .invalidArgument: return Row(.invalidInput)
        case .alreadyExists, .cryptoFailure: return Row(.failure)
        case .sessionCacheCorrupt:
            return Row(.corrupt, hint: "every cached session can be made again: run 'credstore sessions clear' to "
                + "remove the cache (the store is not affected)")
        }
    }

    /// SharedFileStore's codes.
    static func row(_ code: SharedFileError.Code, path: String?) -> Row {
        switch code {
        case .malformedFile, .invalidArgument: return Row(.invalidInput)
        case .fileTooLarge:
            return Row(.invalidInput, hint: "Split \(path ?? "the file") into smaller files "
                + "(AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE and --profile-location each name one), or remove "
                + "profiles it no longer needs.")
        case .profileNotFound: return Row(.notFound)
        case .locked: return Row(.locked)
        case .permissionDenied: return Row(.unsafePermissions)
        case .ioError: return Row(.ioError)
        case .profileExists: return Row(.failure)
        case .notRegularFile: return Row(.invalidInput)
        case .unsafePermissions: return Row(.unsafePermissions)
        }
    }

    /// CredentialLookup's codes.
    static func row(_ code: CredentialLookupError.Code, selection: CredentialLookupError.ProfileSelection?,
                    profile: String = "NAME") -> Row {
        switch code {
        case .profileNotFound:
            if selection == .sessionProfile {
                return Row(.notFound, hint: "create the profile (credstore set --profile NAME), or unset AWS_PROFILE")
            }
            return Row(.notFound,
                       hint: "check the name with 'credstore list', or create it with 'credstore set --profile NAME'")
        case .profileFileMissing: return Row(.notFound, hint: "check the path given with --profile-location")
        case .noCredentialsFound:
            return Row(.notFound, hint: "store a key pair with 'credstore set --profile default', or name a profile "
                + "with --profile")
        case .incompleteProfile:
            return Row(.failure, hint: "set the key pair with 'credstore set --profile NAME', or add "
                + "credential_process to the profile")
        case .invalidCredentialProcessOutput: return Row(.invalidInput)
        case .migrationNotVerified: return Row(.failure, hint: "run 'credstore migrate' again: it finishes the job")
        case .incompleteEnvironmentCredentials: return Row(.usage)
        case .longLivedKeyWithheld:
            return Row(.failure, hint: "pass --no-session to hand out the long-lived key this once, or turn the "
                + "choice off with 'credstore sessions configure --profile NAME --no-session-only'")
        case .kmsAccessDenied:
            return Row(.wrongSecret, hint: "ask the key's administrator for kms:Decrypt on it (key policy or grant), "
                + "or open the store with another key slot")
        case .kmsKeyUnusable:
            return Row(.wrongSecret, hint: "enable the key ('aws kms enable-key'), or open the store with another key "
                + "slot")
        case .kmsDecryptionFailed:
            return Row(.wrongSecret, hint: "open the store with another key slot, then replace this one: "
                + "'credstore keyslot add --kms-key ARN' and 'credstore keyslot remove N'")
        case .kmsCredentialsLoop:
            return Row(.invalidInput, hint: "name a profile whose keys live outside this store with "
                + "'credstore keyslot add --kms-key ARN --kms-profile NAME' (then remove the old slot), or use the "
                + "environment or an instance or task role")
        case .kmsNoCredentials:
            return Row(.noSecretSource, hint: "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run with an instance or "
                + "task role, or give the slot a shared-file profile (--kms-profile); or open the store with another "
                + "key slot")
        case .kmsRequestFailed:
            return Row(.failure, hint: "check the network and the KMS endpoint (AWS_ENDPOINT_URL_KMS), or open the "
                + "store with another key slot")
        case .roleNotSupported, .ssoNotSupported, .webIdentityNotSupported, .roleChainLoop,
             .invalidProfileConfiguration, .invalidCredentialProcessCommand, .credentialProcessFailed, .expired,
             .instanceMetadataFailed, .invalidInstanceMetadataEndpoint:
            return Row(.failure)
        case .mfaCodeUnavailable:
            // Nobody can type a code here (an IDE, cron): the session is started once on a terminal, then reused.
            return Row(.noSecretSource, hint: "run 'credstore get --profile \(profile)' in a terminal to type the code "
                + "once: the session it starts is cached (encrypted) and reused until it expires; or give the profile "
                + "an mfa_process that prints the code")
        case .invalidMFACode: return Row(.invalidInput)
        case .mfaProcessFailed: return Row(.failure)
        case .stsRequestFailed: return stsRow("", profile: profile)
        case .invalidTemporaryCredentials:
            return Row(.failure, hint: "check this machine's clock and that AWS_ENDPOINT_URL_STS / endpoint_url point "
                + "at STS")
        case .sourceCredentialsUnavailable: return Row(.notFound)
        case .containerCredentialsFailed: return Row(.serviceUnavailable)
        }
    }

    /// A failed STS request, by the service's or transport's code (`CredentialLookupError.serviceErrorCode`): a
    /// precise hint for each cause a user can act on; an endpoint that cannot be reached or trusted exits 69.
    static func stsRow(_ serviceCode: String, profile: String) -> Row {
        let endpointSettings = "AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's endpoint_url or "
            + "sts_regional_endpoints"
        switch serviceCode {
        case "clock-skew":
            return Row(.failure, hint: "set this machine's clock (e.g. 'timedatectl set-ntp true' or 'chronyc "
                + "makestep'): AWS refuses requests signed more than 5 minutes off")
        case "credentials-expired":
            return Row(.failure, hint: "STS answered with credentials already expired: check this machine's clock and "
                + "that \(endpointSettings) point at STS")
        case "access-denied":
            return Row(.failure, hint: "the role's trust policy must name the caller exactly (see 'credstore get "
                + "--profile \(profile) --json' for the source) and allow sts:AssumeRole; a policy that requires MFA "
                + "needs mfa_serial in the profile")
        case "expired-token":
            return Row(.failure, hint: "the source credentials expired: run 'credstore sessions clear' and try again, "
                + "or refresh the source profile's credentials")
        case "invalid-client-token-id":
            return Row(.failure, hint: "AWS does not know the source profile's access key (deleted, or another "
                + "partition): check it, and store a current one with 'credstore set'")
        case "signature-does-not-match":
            return Row(.failure, hint: "the source profile's secret key does not match its access key id: store the "
                + "key pair again with 'credstore set'")
        case "region-disabled":
            return Row(.failure, hint: "activate STS for that region (IAM, Account settings) or point "
                + "\(endpointSettings) at another region")
        case "throttled", "service-unavailable":
            return Row(.serviceUnavailable, hint: "STS is busy or down (the request was retried with backoff): try "
                + "again later")
        case "malformed-response", "endpoint-invalid", "response-too-large", "protocol-error", "invalid-url",
             "redirected":
            return Row(.serviceUnavailable, hint: "the endpoint did not answer like STS: check \(endpointSettings)")
        case "host-not-found", "connection-failed", "timed-out":
            return Row(.serviceUnavailable, hint: "the STS endpoint could not be reached: check the network, "
                + "HTTPS_PROXY/NO_PROXY and \(endpointSettings)")
        case "proxy-failed":
            return Row(.serviceUnavailable, hint: "check HTTPS_PROXY (NO_PROXY lists hosts reached directly)")
        case "certificate-untrusted":
            return Row(.serviceUnavailable, hint: "the endpoint's certificate is not signed by a trusted CA: point "
                + "AWS_CA_BUNDLE or the profile's ca_bundle at the CA that signed it")
        case "host-name-mismatch":
            return Row(.serviceUnavailable, hint: "the endpoint's certificate does not name its host: use the host "
                + "name the certificate was issued for in \(endpointSettings)")
        case "ca-bundle-unusable":
            return Row(.invalidInput, hint: "AWS_CA_BUNDLE or the profile's ca_bundle must name a readable PEM file "
                + "of CA certificates")
        case "tls-failed":
            return Row(.serviceUnavailable, hint: "the TLS handshake with the endpoint failed: check the endpoint URL "
                + "and any proxy in between")
        case "library-unavailable":
            return Row(.failure, hint: "install the system libcurl (Debian: apt install libcurl4)")
        default:
            return Row(.failure)
        }
    }

    /// The TPM2 module's codes (a store's TPM2 slot; its errors carry no hint: the advice is here).
    static func row(_ code: TPM2Error.Code) -> Row {
        switch code {
        case .libraryMissing:
            return Row(.failure, hint: "install the tss2 libraries ('apt-get install libtss2-esys-3.0.2-0 "
                + "libtss2-tctildr0'), or open the store with another key slot")
        case .noTPM:
            return Row(.noSecretSource, hint: "name the TPM with --tpm2-device TCTI or CREDSTORE_TPM2_DEVICE, check "
                + "that you may use it (the tss group), or open the store with another key slot")
        case .lockout:
            return Row(.locked, hint: "wait for the TPM's lockout to lift (or have its owner run "
                + "'tpm2_dictionarylockout --clear-lockout'), or open the store with another key slot")
        case .pcrPolicyNotSatisfied:
            return Row(.wrongSecret, hint: "open the store with its passphrase or key file, then replace the TPM2 "
                + "slot: 'credstore keyslot add --tpm2' (with the PCRs as they are now) and "
                + "'credstore keyslot remove N'")
        case .wrongTPM:
            return Row(.wrongSecret, hint: "open the store with its passphrase or key file (a TPM2 slot opens only on "
                + "the machine whose TPM made it), then add a TPM2 slot here with 'credstore keyslot add --tpm2'")
        case .tpmFailure: return Row(.failure, hint: "open the store with another key slot")
        }
    }

    /// The rotation's codes (`credstore rotate`; its errors carry no hint: the advice is here).
    static func row(_ code: RotationError.Code, profile name: String) -> Row {
        let profile = ExportCommandLine.shellWord(name)
        switch code {
        case .profileNotFound: return Row(.notFound, hint: "check the name with 'credstore list'")
        case .temporaryKey:
            return Row(.invalidInput, hint: "rotate the long-lived key these credentials were made from")
        case .notAKeyProfile:
            return Row(.invalidInput, hint: "rotate the profile that holds the IAM user's access key (its "
                + "source_profile)")
        case .notAnIAMUser: return Row(.invalidInput, hint: "only IAM users have access keys to rotate")
        case .tooManyKeys:
            return Row(.failure, hint: "delete the user's other key (aws iam delete-access-key), or, if it is "
                + "inactive, run 'credstore rotate --profile \(profile) --delete-inactive-key'")
        case .awsRefused:
            return Row(.failure, hint: "the key needs iam:ListAccessKeys, iam:CreateAccessKey, iam:UpdateAccessKey "
                + "and iam:DeleteAccessKey on its own user; nothing else was changed")
        case .awsUnavailable:
            return Row(.serviceUnavailable, hint: "try again later: 'credstore rotate --profile \(profile)' "
                + "finishes or rolls back what was started")
        case .newKeyNotAccepted:
            return Row(.failure, hint: "check the user's keys with 'aws iam list-access-keys'; the profile keeps a "
                + "working key")
        case .rotationInProgress: return Row(.locked, hint: "wait for the other rotation, then run it again")
        case .profileChanged: return Row(.locked, hint: "run 'credstore rotate --profile \(profile)' again")
        case .journalDamaged:
            return Row(.corrupt, hint: "check the user's keys with 'aws iam list-access-keys' and remove the "
                + "credstore_rotation_* settings of profile \(name)")
        case .mfaUnavailable:
            return Row(.noSecretSource, hint: "run it on a terminal to type the MFA code")
        }
    }

    /// How the user chose a profile, in the CLI's words (`--profile`, `--profile-location`, `AWS_PROFILE`).
    static func option(for selection: CredentialLookupError.ProfileSelection) -> String {
        switch selection {
        case .profileName: return "--profile"
        case .profileLocation: return "--profile-location"
        case .profileNameAndLocation: return "--profile with --profile-location"
        case .sessionProfile: return "AWS_PROFILE"
        }
    }

    /// UnlockAgent's codes (its errors carry no hint: all advice is here); `path` is the socket, directory or store
    /// the error names.
    static func row(_ code: UnlockAgentError.Code, path: String) -> Row {
        switch code {
        case .agentAlreadyRunning:
            return Row(.locked, hint: "use it ('credstore unlock'), or stop it with 'credstore agent --stop'")
        case .socketInTheWay: return Row(.unsafePermissions, hint: "remove it")
        case .socketPathTooLong: return Row(.usage, hint: "set XDG_RUNTIME_DIR to a shorter directory")
        case .socketFailure:
            return Row(.ioError,
                       hint: "check that the agent directory is yours; 'credstore agent' recreates the socket")
        case .directoryNotCreated: return Row(.ioError, hint: "check that the parent directory exists and is yours")
        case .directoryNotInspectable: return Row(.ioError, hint: "check its permissions")
        case .notADirectory: return Row(.unsafePermissions, hint: "remove it; the agent recreates it with mode 0700")
        case .directoryNotOwned: return Row(.unsafePermissions, hint: "remove it; the agent recreates it")
        case .fallbackDirectoryNotOwned:
            return Row(.unsafePermissions,
                       hint: "set XDG_RUNTIME_DIR to a private directory, or have root remove \(path)")
        case .directoryNotPrivate: return Row(.unsafePermissions, hint: "run 'chmod 700 \(path)'")
        case .foreignAgent: return Row(.unsafePermissions, hint: "remove \(path) and start the agent again")
        case .connectionLost: return Row(.ioError, hint: "run 'credstore unlock' again")
        case .protocolViolation: return Row(.ioError, hint: "stop it with 'credstore agent --stop' and unlock again")
        case .agentDidNotStart: return Row(.failure, hint: "run 'credstore agent' in a terminal to see why")
        case .spawnFailed, .keyMemoryUnavailable: return Row(.failure)
        case .noSecretSource: return Row(.noSecretSource, hint: StoreOptions.secretOptionsHint)
        case .noKeyFile:
            return Row(.noSecretSource, hint: "pass --key-file PATH, set CREDSTORE_KEY_FILE, or provide "
                + "$CREDENTIALS_DIRECTORY/credstore.key")
        case .noInitialPassphrase:
            return Row(.noSecretSource,
                       hint: "pass --passphrase-file PATH or --passphrase-fd N, or use --key-file PATH --no-passphrase")
        case .noCurrentPassphrase:
            return Row(.noSecretSource, hint: "pass --passphrase-file PATH or --passphrase-fd N")
        case .noNewPassphrase:
            return Row(.noSecretSource, hint: "pass --new-passphrase-file PATH or --new-passphrase-fd N")
        case .passphrasesDiffer:
            return Row(.invalidInput, hint: "run the command again and type the same passphrase twice")
        case .descriptorUnreadable:
            return Row(.ioError, hint: "pass an open, readable descriptor to --passphrase-fd")
        case .passphraseTooLong: return Row(.invalidInput, hint: "pass just the passphrase")
        }
    }
}
