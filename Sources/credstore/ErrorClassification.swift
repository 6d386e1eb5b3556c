import CredentialLookup

/// One place that knows how each module's public error type maps to an exit code and a hint.
enum ErrorClassification {
    static func classify(_ error: Error) -> CLIFailure? {
        nil
    }
}
