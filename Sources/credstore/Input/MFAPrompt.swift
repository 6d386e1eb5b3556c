import CredentialLookup
import Glibc

/// The MFA code prompt on the controlling terminal: echo stays on (a one-time code is not worth hiding and is easier
/// to type seen), the answer is checked before anything is sent (exactly six digits, spaces around it ignored) and
/// asked again up to `attempts` times. With no terminal it returns `nil` at once, so a `credential_process` call from
/// an IDE or cron fails with a hint instead of waiting for input that cannot come.
enum MFAPromptInput {
    /// How many answers are read before giving up.
    static let attempts = 3
    /// The longest answer kept; longer lines are read to their end and refused.
    static let maximumAnswer = 64

    /// Asks for the code of `request`'s device; `nil` when there is no terminal.
    ///
    /// - Throws: `CLIFailure` (exit 65) after `attempts` answers that are not six digits, or (exit 83) when the
    ///   terminal reached end of file.
    static func prompt(_ request: MFARequest) throws -> MFACode? {
        guard let fd = TerminalLine.openTerminal() else { return nil }
        defer { close(fd) }
        for attempt in 1...attempts {
            TerminalLine.show("MFA code for profile '\(request.profile)' (\(request.serial)): ", on: fd)
            let line = TerminalLine.read(from: fd, limit: maximumAnswer)
            if !line.isTooLong, let text = line.bytes.unsafeUTF8String(), let code = MFACode(validating: text) {
                return code
            }
            if line.reachedEnd && line.bytes.isEmpty {
                TerminalLine.show("\n", on: fd)
                throw CLIFailure("no MFA code was typed (the terminal reached end of input); nothing was sent",
                                 hint: "run the command again and type the 6 digits the device shows",
                                 exitCode: .noSecretSource)
            }
            TerminalLine.show(attempt < attempts ? "That is not a 6-digit code; try again.\n"
                                                 : "That is not a 6-digit code.\n", on: fd)
        }
        throw CLIFailure("no valid MFA code after \(attempts) tries; nothing was sent to AWS",
                         hint: "type the 6 digits the device shows now", exitCode: .invalidInput)
    }
}
