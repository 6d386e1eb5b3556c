import CredentialLookup

/// One place that knows how each module's public error type maps to an exit code and a hint.
enum ErrorClassification {
    static func classify(_ error: Error) -> CLIFailure? {
        if let error = error as? SharedFileError {
            let status: ExitStatus
            switch error.code {
            case .malformedFile, .invalidArgument: status = .invalidInput
            case .profileNotFound: status = .notFound
            case .locked: status = .locked
            case .permissionDenied: status = .unsafePermissions
            case .ioError: status = .ioError
            default: status = .failure
            }
            return CLIFailure(error.message, hint: error.hint, exitCode: status)
        }
        return nil
    }
}
