import ArgumentParser
import CredentialLookup
import CredentialServer
import FoundationEssentials
import Glibc
import SystemLayer

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
            --allow-nested is given. With --passphrase-fd 0 (or 1 or 2), the command gets /dev/null in place of \
            that descriptor (unless it is a terminal), so it cannot read the passphrase again.

            With --ecs-server, no credential enters the command's environment: credstore starts a local endpoint \
            on 127.0.0.1 (a random port and path, a fresh random token) in the ECS container-credentials protocol \
            that every AWS SDK and the AWS CLI read, sets AWS_CONTAINER_CREDENTIALS_FULL_URI and \
            AWS_CONTAINER_AUTHORIZATION_TOKEN, removes AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN \
            and AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, and runs the command as its child: the endpoint answers \
            while the command runs (each request resolves the profile again) and closes when it exits; signals sent \
            to credstore are forwarded, and the command's exit status is credstore's.

            Example: credstore exec --profile prod -- aws sts get-caller-identity
            Example: credstore exec --ecs-server --profile prod -- terraform apply
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var profile: ProfileOptions

    @Flag(name: .customLong("allow-nested"),
          help: "Allow running inside another 'credstore exec' for a different profile.")
    var allowNested = false

    @Flag(name: .customLong("ecs-server"),
          help: "Serve the credentials from a local endpoint instead of putting them in the command's environment.")
    var ecsServer = false

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
        let environment = ProcessEnvironment.current
        let wanted = profile.profile ?? environment["AWS_PROFILE"] ?? "default"
        if let outer = environment[Self.nestingVariable], outer != wanted, !allowNested {
            throw CLIFailure("already running inside 'credstore exec' for profile '\(outer)'; refusing to nest "
                                 + "'\(wanted)'",
                             hint: "leave the outer shell, or pass --allow-nested", exitCode: .usage)
        }
        try CredentialProcessLoopGuard.enter(profile: profile.profile, storePath: store.storePath())
        if ecsServer { try runWithEndpoint(arguments, wanted: wanted) }
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
        if let fd = store.passphraseFD, (0...2).contains(fd) { try Self.withholdPassphraseDescriptor(fd) }
        try Self.replaceProcess(with: arguments, environment: child)
    }

    /// Variables that point an SDK at another endpoint or carry one's token; `--ecs-server` replaces them all.
    static let containerVariables = [
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    ]

    /// `--ecs-server`: resolve once (failing as plain `exec` fails), start the endpoint, run the command as a child
    /// with the endpoint's URI and token and no key in its environment, stop the endpoint when it ends.
    private func runWithEndpoint(_ arguments: [String], wanted: String) throws -> Never {
        let source = try EndpointCredentialSource(store: store, request: profile.request)
        var child = ProcessEnvironment.current
        for name in Self.removedVariables + Self.containerVariables { child.removeValue(forKey: name) }
        if let region = source.initial.region {
            child["AWS_REGION"] = region
            child["AWS_DEFAULT_REGION"] = region
        }
        child[Self.nestingVariable] = source.initial.origin.profileName ?? wanted
        // Before the endpoint's threads start, so that they inherit the mask and never take these signals.
        SupervisedCommand.blockSignals()
        let server = try CredentialServer(provider: source.provider)
        child["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.uri
        child["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = server.authorizationTokenText
        do {
            if let fd = store.passphraseFD, (0...2).contains(fd) { try Self.withholdPassphraseDescriptor(fd) }
            try SupervisedCommand.run(arguments, environment: child) { server.stop() }
        } catch {
            server.stop()
            throw error
        }
    }

    /// Puts `/dev/null` in place of a passphrase descriptor the command would otherwise inherit (0, 1 or 2; higher
    /// ones are close-on-exec): from a file it could seek back or reopen `/proc/self/fd/N` and read the passphrase,
    /// and from a pipe it could read a passphrase that was never consumed (the agent or a key file opened the store).
    /// A terminal is left alone: what was typed cannot be read again.
    static func withholdPassphraseDescriptor(_ fd: Int32) throws {
        guard isatty(fd) != 1 else { return }
        do {
            let null = try Syscalls.open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { try? Syscalls.close(null) }
            _ = try Syscalls.retryingInterrupts { dup2(null, fd) }
        } catch {
            throw CLIFailure("cannot replace the passphrase descriptor \(fd) before running the command: "
                                 + String(cString: strerror(error.rawValue)),
                             hint: "pass the passphrase with --passphrase-file or on a descriptor above 2",
                             exitCode: .ioError)
        }
    }

    /// `execve` after a PATH search in the child's PATH, as `execvp` searches: the command replaces credstore,
    /// keeping its PID, so signals and the exit status pass through. A candidate that exists but cannot be run
    /// (`EACCES`: not executable, a directory) does not end the search, but is what is reported when nothing runs:
    /// "Permission denied", exit 126; nothing found at all is exit 127.
    static func replaceProcess(with arguments: [String], environment: [String: String]) throws -> Never {
        let program = arguments[0]
        let candidates = ExecutableSearch.candidates(for: program,
                                                     searchPath: ExecutableSearch.searchPath(in: environment))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        ProcessHardening.restoreCoreLimitForExec()  // the command runs under the user's own core-file limit
        // As execvp: these mean "not here", and the search goes on; any other error ends it with that error.
        let notHere = [ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT]
        var lastError = ENOENT
        var sawPermissionDenied = false
        for candidate in candidates {
            execve(candidate, argv, envp)
            lastError = errno
            if lastError == EACCES { sawPermissionDenied = true }
            guard lastError == EACCES || notHere.contains(lastError) else { break }
        }
        let failure = sawPermissionDenied && notHere.contains(lastError) ? EACCES : lastError
        ProcessHardening.disableCoreDumps()
        // Still here: nothing could be run. Wipe the copies of the secrets before reporting.
        for pointer in envp { if let pointer { memset(pointer, 0, strlen(pointer)); free(pointer) } }
        for pointer in argv { free(pointer) }
        throw CLIFailure("cannot run '\(program)': \(String(cString: strerror(failure)))",
                         hint: failure == ENOENT ? "check the command name and PATH"
                             : failure == EACCES ? "check that '\(program)' is an executable file (chmod +x)" : nil,
                         exitCode: ExitStatus(rawValue: failure == ENOENT ? 127 : 126))
    }
}
