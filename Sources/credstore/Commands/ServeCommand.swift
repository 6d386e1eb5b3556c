import ArgumentParser
import CredentialLookup
import CredentialServer
import FoundationEssentials
import Glibc
import SystemLayer

/// `credstore serve`: a local credential endpoint in the foreground, for a container or a systemd unit.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a profile's credentials from a local endpoint until interrupted.",
        discussion: """
            Starts an endpoint on 127.0.0.1 (a random port and path, a fresh random token) in the ECS \
            container-credentials protocol that every AWS SDK and the AWS CLI read, and serves the profile's \
            credentials to clients that send the token, resolving the profile again on every request. Without \
            --env-file it prints the two variables a client needs, AWS_CONTAINER_CREDENTIALS_FULL_URI and \
            AWS_CONTAINER_AUTHORIZATION_TOKEN, as NAME=value lines on standard output; with --env-file it writes them \
            to a new file of mode 0600 instead (refusing one that exists) and removes it when it stops. It runs until \
            SIGINT, SIGTERM or SIGHUP, then closes the port.

            Example: credstore serve --profile prod --env-file "$XDG_RUNTIME_DIR/credstore-prod.env"
            Then:    docker run --network host --env-file "$XDG_RUNTIME_DIR/credstore-prod.env" IMAGE aws s3 ls
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var profile: ProfileOptions

    @Option(name: .customLong("env-file"), help: ArgumentHelp(
        "Write the endpoint's URI and token to this new file (mode 0600, NAME=value lines, for docker run "
            + "--env-file, systemd's EnvironmentFile= or 'set -a; . FILE') instead of standard output; it is removed "
            + "when serve stops.", valueName: "path"),
        completion: .file())
    var envFile: String?

    /// The signals that stop the endpoint.
    static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    func run() throws {
        try CredentialProcessLoopGuard.enter(profile: profile.profile, storePath: store.storePath())
        let source = try EndpointCredentialSource(store: store, request: profile.request)
        var signals = sigset_t()
        sigemptyset(&signals)
        for signalNumber in Self.stopSignals { sigaddset(&signals, signalNumber) }
        // Before the endpoint's threads start, so that they inherit the mask and the signals come to sigwait below.
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let server = try CredentialServer(provider: source.provider)
        defer { server.stop() }
        let lines = "AWS_CONTAINER_CREDENTIALS_FULL_URI=\(server.uri)\n"
            + "AWS_CONTAINER_AUTHORIZATION_TOKEN=\(server.authorizationTokenText)\n"
        let profileName = source.initial.origin.profileName ?? profile.profile ?? "default"
        var written: EnvironmentFile?
        if let envFile {
            let path = PathExpansion.expand(envFile)
            written = try EnvironmentFile.create(at: path, contents: lines)
            StandardError.line("credstore: serving profile '\(profileName)' at \(server.uri); the URI and token "
                                   + "are in \(path) until serve stops")
        } else {
            Output.write(lines)
            StandardError.line("credstore: serving profile '\(profileName)' at \(server.uri) until interrupted")
        }
        var received: Int32 = 0
        while sigwait(&signals, &received) != 0 {}
        server.stop()
        written?.remove()
    }
}

/// The `--env-file` of `serve`: created exclusively with mode 0600, removed at the end only if it is still the file
/// that was created (same device and inode), so a file someone put in its place is left alone.
struct EnvironmentFile {
    let path: String
    let device: UInt64
    let inode: UInt64

    /// Creates `path` (which must not exist; a symbolic link there is not followed) holding `contents`.
    ///
    /// - Throws: `CLIFailure` (exit 74) naming the path and the reason.
    static func create(at path: String, contents: String) throws -> EnvironmentFile {
        let fd: Int32
        do {
            fd = try Syscalls.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        } catch {
            throw CLIFailure("cannot create the environment file \(path): "
                                 + String(cString: strerror(error.rawValue)),
                             hint: error == .fileExists ? "remove it (a stale file of an earlier serve?) or name "
                                 + "a new path" : "check that the directory exists and is writable",
                             exitCode: .ioError)
        }
        do {
            defer { try? Syscalls.close(fd) }
            try Syscalls.fchmod(fd, 0o600)  // whatever the umask
            var bytes = Array(contents.utf8)
            defer { Syscalls.wipe(&bytes) }
            try bytes.withUnsafeBytes { try Syscalls.writeAll(fd, $0) }
            let status = try Syscalls.fstat(fd)
            return EnvironmentFile(path: path, device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        } catch {
            _ = try? Syscalls.unlink(path)
            throw CLIFailure("cannot write the environment file \(path): "
                                 + String(cString: strerror((error as? Errno)?.rawValue ?? EIO)),
                             exitCode: .ioError)
        }
    }

    /// Removes the file if it is still the one created.
    func remove() {
        guard let status = try? Syscalls.lstat(path), UInt64(status.st_dev) == device,
              UInt64(status.st_ino) == inode else { return }
        _ = try? Syscalls.unlink(path)
    }
}
