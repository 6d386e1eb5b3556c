import SecureStore

/// Runs a profile's `mfa_process` (a program that prints the current MFA code, e.g. from a password manager) with
/// `credential_process`'s rules, through the same `CredentialProcessRunner`: split like a POSIX shell would but no
/// shell, stdin from `/dev/null`, stdout bounded and held in wiped memory, a timeout after which it is killed, and
/// nothing secret in its arguments or environment. Its output must be exactly six digits (around white space).
struct MFAProcess {
    /// The environment the program runs in.
    var environment: [String: String]
    /// How long it may run (the lookup's `credentialProcessTimeout`).
    var timeout: Double

    /// The code the program prints.
    ///
    /// - Parameters:
    ///   - command: The `mfa_process` command line.
    ///   - profile: The profile that has it, for messages.
    ///   - place: Where that profile lives, for messages.
    /// - Throws: `CredentialLookupError` `.mfaProcessFailed` (cannot split, not found, failed, timed out, too much
    ///   output) or `.invalidMFACode` (the output is not six digits; never quoted).
    func code(command: String, profile: String, place: String) throws -> MFACode {
        var context = CredentialLookupError.ProcessContext(profile: profile, place: place)
        let arguments: [String]
        do {
            arguments = try CommandLineSplitter.split(command)
        } catch {
            throw CredentialLookupError(.invalidMFAProcessCommand(context: context, reason: "\(error)"))
        }
        guard let program = arguments.first, !program.isEmpty else {
            throw CredentialLookupError(.invalidMFAProcessCommand(context: context, reason: "it names no program"))
        }
        context.program = program
        switch CredentialProcessRunner(environment: environment, timeout: timeout).run(arguments) {
        case .failure(let failure):
            throw CredentialLookupError(.mfaProcessFailed(context: context, failure: failure))
        case .success(let stdout):
            // A code is six ASCII digits: anything longer is not one, and is not decoded further.
            guard stdout.count <= 64, let text = stdout.unsafeUTF8String(), let code = MFACode(validating: text) else {
                throw CredentialLookupError(.invalidMFACode(
                    profile: profile, reason: "its mfa_process '\(program)' did not print exactly \(MFACode.length) "
                        + "digits"))
            }
            return code
        }
    }
}
