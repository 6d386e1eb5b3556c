import CredentialLookup

/// One place that knows how each module's public error type maps to an exit code and a hint.
enum ErrorClassification {
    static func classify(_ error: Error) -> CLIFailure? {
        if let error = error as? SecureStoreError {
            let status: ExitStatus
            switch error.code {
            case .wrongPassphrase, .wrongKeyFile: status = .wrongSecret
            case .corrupt: status = .corrupt
            case .unsupportedVersion: status = .unsupportedVersion
            case .unsafePermissions: status = .unsafePermissions
            case .locked: status = .locked
            case .profileNotFound, .notFound: status = .notFound
            case .io: status = .ioError
            case .invalidArgument: status = .invalidInput
            default: status = .failure  // alreadyExists, cryptoFailure
            }
            return CLIFailure(error.message, hint: error.hint, exitCode: status)
        }
        if let error = error as? SharedFileError {
            let status: ExitStatus
            switch error.code {
            case .malformedFile, .invalidArgument, .fileTooLarge: status = .invalidInput
            case .profileNotFound: status = .notFound
            case .locked: status = .locked
            case .permissionDenied: status = .unsafePermissions
            case .ioError: status = .ioError
            default: status = .failure
            }
            return CLIFailure(error.message, hint: error.hint, exitCode: status)
        }
        if let error = error as? CredentialLookupError {
            let status: ExitStatus
            switch error.code {
            case .profileNotFound, .profileFileMissing, .noCredentialsFound: status = .notFound
            case .invalidCredentialProcessOutput: status = .invalidInput
            case .incompleteEnvironmentCredentials: status = .usage
            default: status = .failure
            }
            return CLIFailure(error.message, hint: error.hint, exitCode: status)
        }
        return nil
    }
}
