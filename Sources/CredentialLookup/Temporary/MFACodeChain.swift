/// Where an MFA code comes from, in order: the profile's `mfa_process` (a program printing the code, aws-vault's
/// setting, run like `credential_process`), else the interactive prompt when there is a person to ask, else a
/// failure that says how to start the session where a person can answer (`mfa-code-unavailable`). Nothing here
/// waits for input that cannot come: the program has a timeout and no stdin, the prompt only asks on a terminal.
struct MFACodeChain {
    /// The environment an `mfa_process` program runs in (the lookup's; `PATH` finds the program).
    var environment: [String: String]
    /// How long an `mfa_process` program may run.
    var timeout: Double
    /// The person at the terminal, if any.
    var prompt: MFAPrompt?

    /// A code for `request`.
    ///
    /// - Parameters:
    ///   - request: The profile and device.
    ///   - mfaProcess: The profile's `mfa_process` command line, if it has one.
    ///   - place: Where that profile lives, for messages.
    /// - Throws: `CredentialLookupError` `.mfaProcessFailed`, `.invalidMFACode` or `.mfaCodeUnavailable`.
    func code(for request: MFARequest, mfaProcess: String?, place: String) throws -> MFACode {
        if let mfaProcess, !mfaProcess.trimmingWhitespace().isEmpty {
            return try MFAProcess(environment: environment, timeout: timeout)
                .code(command: mfaProcess, profile: request.profile, place: place)
        }
        if let prompt, let code = try prompt(request) {
            return code
        }
        throw CredentialLookupError(.mfaCodeUnavailable(profile: request.profile, serial: request.serial))
    }
}
