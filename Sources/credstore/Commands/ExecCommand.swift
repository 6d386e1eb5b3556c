import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc

/// `credstore exec`: runs a command with a profile's credentials in its environment (like aws-vault exec).
struct ExecCommand: ParsableCommand {
    /// Set in the child's environment to the profile it runs as, so a nested `exec` can notice.
    static let nestingVariable = "CREDSTORE_EXEC_PROFILE"
    /// Variables that name credstore's secret sources (or a profile) and never reach the child.
    static let removedVariables = [
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "CREDSTORE_KEY_FILE", "CREDSTORE_PASSPHRASE_FILE",
        "CREDENTIALS_DIRECTORY", CredentialProcessLoopGuard.variable,
    ]

    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command with a profile's credentials in its environment.",
        discussion: """
            Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (when present), \
            AWS_CREDENTIAL_EXPIRATION (when known) and AWS_REGION/AWS_DEFAULT_REGION (when known), removes \
            AWS_PROFILE and credstore's secret-source variables (CREDSTORE_KEY_FILE, CREDSTORE_PASSPHRASE_FILE, \
            CREDENTIALS_DIRECTORY), and replaces itself with the command, so signals and the exit status are the \
            command's own. Running inside another 'credstore exec' for a different profile is refused unless \
            --allow-nested is given.

            Example: credstore exec --profile prod -- aws sts get-caller-identity
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var profile: ProfileOptions

    @Flag(name: .customLong("allow-nested"), help: "Allow running inside another 'credstore exec' for a different profile.")
    var allowNested = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp(
        "The command to run and its arguments, after '--'.", valueName: "command"))
    var command: [String] = []

    func run() throws {
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        guard let program = arguments.first, !program.isEmpty else {
            throw CLIFailure("no command given", hint: "credstore exec --profile NAME -- COMMAND [ARGS...]",
                             exitCode: .usage)
        }
        let environment = ProcessInfo.processInfo.environment
        let wanted = profile.profile ?? environment["AWS_PROFILE"] ?? "default"
        if let outer = environment[Self.nestingVariable], outer != wanted, !allowNested {
            throw CLIFailure("already running inside 'credstore exec' for profile '\(outer)'; refusing to nest '\(wanted)'",
                             hint: "leave the outer shell, or pass --allow-nested", exitCode: .usage)
        }
        try CredentialProcessLoopGuard.enter(profile: profile.profile, storePath: store.storePath())
        let resolution = try LookupContext(store: store).resolve(profile.request)
        let exported = try ExportedCredentials(resolution)
        var child = environment
        for name in Self.removedVariables { child.removeValue(forKey: name) }
        child["AWS_ACCESS_KEY_ID"] = exported.accessKeyID
        child["AWS_SECRET_ACCESS_KEY"] = exported.secretAccessKey
        if let token = exported.sessionToken { child["AWS_SESSION_TOKEN"] = token }
        if let expiration = exported.expiration { child["AWS_CREDENTIAL_EXPIRATION"] = expiration }
        if let region = exported.region {
            child["AWS_REGION"] = region
            child["AWS_DEFAULT_REGION"] = region
        }
        child[Self.nestingVariable] = resolution.origin.profileName ?? wanted
        try Self.replaceProcess(with: arguments, environment: child)
    }

    /// `execve` after a PATH search in the child's PATH: the command replaces credstore, keeping its PID, so
    /// signals and the exit status pass through.
    static func replaceProcess(with arguments: [String], environment: [String: String]) throws -> Never {
        let program = arguments[0]
        var candidates: [String] = []
        if program.contains("/") {
            candidates = [program]
        } else {
            let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            candidates = searchPath.split(separator: ":", omittingEmptySubsequences: false).map {
                ($0.isEmpty ? "." : String($0)) + "/" + program
            }
        }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var failure = ENOENT
        for candidate in candidates where access(candidate, X_OK) == 0 {
            execve(candidate, argv, envp)
            failure = errno
        }
        // Still here: nothing could be run. Wipe the copies of the secrets before reporting.
        for pointer in envp { if let pointer { memset(pointer, 0, strlen(pointer)); free(pointer) } }
        for pointer in argv { free(pointer) }
        throw CLIFailure("cannot run '\(program)': \(String(cString: strerror(failure)))",
                         hint: failure == ENOENT ? "check the command name and PATH" : nil,
                         exitCode: ExitStatus(rawValue: failure == ENOENT ? 127 : 126))
    }
}
