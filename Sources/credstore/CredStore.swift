import ArgumentParser
import CredentialLookup
import Glibc
import SystemLayer

/// The `credstore` command: an encrypted, per-user store for AWS-style access keys.
@main
struct CredStore: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "credstore",
        abstract: "Keep AWS access keys encrypted at rest and hand them to the AWS tools you already use.",
        discussion: """
            credstore keeps profiles in an encrypted store (AES-256-GCM under a key derived from your passphrase or \
            a key file) and also reads and edits the plain ~/.aws/credentials and ~/.aws/config files without \
            damaging them. Lookups search the encrypted store first and then the shared files, in a documented order.
            """,
        version: version,
        subcommands: CommandRegistry.all
    )

    /// Runs the command line and maps every error to an `error:` / `hint:` pair on stderr and a stable exit code.
    static func main() {
        // Before anything is parsed or read: no core dump, no ptrace by same-uid processes, and a crash that prints
        // a fixed line (not the Swift runtime's report, which shows memory at every register) and never exits 0.
        // Every command gets this, since nearly all of them can read a secret; it costs a few microseconds.
        ProcessHardening.disableCoreDumps()
        ProcessHardening.installCrashHandlers()
        StandardDescriptors.reserve()
        Warnings.install()
        do {
            // The commands that run before every AWS call skip ArgumentParser's reflection when their command line is
            // a plain one (see DirectParser); everything else, help and every error included, goes through it.
            let arguments = Array(CommandLine.arguments.dropFirst())
            if let command = DirectParser.command(for: arguments) {
                var command = command
                try command.run()
                return
            }
            if let failure = CommandLineCheck.failure(for: arguments) {
                throw SecretLookingArguments.hiding(in: failure, arguments: arguments)
            }
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CLIFailure {
            failure.report()
            Glibc.exit(failure.exitCode.rawValue)
        } catch {
            if let failure = CLIFailure(classifying: error) {
                failure.report()
                Glibc.exit(failure.exitCode.rawValue)
            }
            let code = exitCode(for: error)
            if code.isSuccess {
                exit(withError: error)  // --help and --version print to stdout and exit 0.
            }
            // ArgumentParser's own messages (validation errors included) get the same `error:` form as ours.
            var text = message(for: error)
            for prefix in ["Error: ", "error: "] where text.hasPrefix(prefix) {
                text = String(text.dropFirst(prefix.count))
            }
            // A secret pasted into argv is not echoed back (ArgumentParser quotes an unexpected argument).
            let arguments = Array(CommandLine.arguments.dropFirst())
            if let failure = CommandLineCheck.execHint(for: arguments, message: text) {
                SecretLookingArguments.hiding(in: failure, arguments: arguments).report()
                Glibc.exit(failure.exitCode.rawValue)
            }
            let failure = CLIFailure(
                text,
                hint: "Run 'credstore help' or 'credstore <command> --help' for usage.",
                exitCode: ExitStatus(rawValue: code.rawValue)
            )
            SecretLookingArguments.hiding(in: failure, arguments: arguments).report()
            Glibc.exit(failure.exitCode.rawValue)
        }
    }
}
