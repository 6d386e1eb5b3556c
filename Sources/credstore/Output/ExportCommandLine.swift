import CredentialLookup
import Glibc
import SecureStore

/// The `credential_process` command line that `migrate --rewire-config` writes into the config file: this binary's
/// `export --profile NAME --format credential-process`, and how a rerun recognises an earlier one.
enum ExportCommandLine {
    /// The command line that runs `executable export --profile NAME --format credential-process` (with `--store`
    /// when the store is not the default one), quoted for botocore's and credstore's POSIX word splitting.
    ///
    /// - Parameters:
    ///   - executable: The absolute path of the credstore binary.
    ///   - profile: The profile name.
    ///   - store: The store path, when it must be named explicitly.
    static func command(executable: String, profile: String, store: String? = nil) -> String {
        var words = [executable, "export"]
        if let store { words += ["--store", store] }
        words += ["--profile", profile, "--format", "credential-process"]
        return words.map(shellWord).joined(separator: " ")
    }

    /// Whether `command` is credstore's export of `profile` from the store at `storePath` (any binary path; read
    /// by `ExportInvocation`, the one reader of such lines), so a rerun may update it. A line exporting from another
    /// store is someone else's and stays.
    ///
    /// - Parameters:
    ///   - command: An existing `credential_process` value.
    ///   - profile: The profile it belongs to.
    ///   - storePath: The store being migrated into.
    ///   - environment: The environment, for the default store path (a line without `--store` reads that one).
    static func isExport(_ command: String, forProfile profile: String, storePath: String,
                         environment: [String: String]) -> Bool {
        ExportInvocation(commandLine: command)?.exports(profile: profile, fromStore: storePath,
                                                        defaultStorePath: defaultStorePath(environment)) ?? false
    }

    /// The store a `credstore export` without `--store` reads: `CREDSTORE_STORE` is left out, since the AWS tools
    /// that run the line may not have it.
    static func defaultStorePath(_ environment: [String: String]) -> String {
        var environment = environment
        environment["CREDSTORE_STORE"] = nil
        return StoreLocation.resolve(explicit: nil, environment: environment)
    }

    static func shellWord(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./%@:+=,")
        if !word.isEmpty, word.allSatisfy({ safe.contains($0) }) { return word }
        return ShellQuoting.quote(word)
    }

    /// Whether `executable` lives in a build directory (`.build/`, SwiftPM's) or a temporary one (`/tmp`, `/var/tmp`,
    /// `/dev/shm`, `$TMPDIR`): a `credential_process` naming it breaks after a clean or a reboot.
    static func isTransient(_ executable: String, environment: [String: String]) -> Bool {
        var roots = ["/tmp/", "/var/tmp/", "/dev/shm/"]
        if let temporary = environment["TMPDIR"], temporary.hasPrefix("/"), temporary.count > 1 {
            roots.append(temporary.hasSuffix("/") ? temporary : temporary + "/")
        }
        return executable.contains("/.build/") || roots.contains { executable.hasPrefix($0) }
    }

    /// The absolute path of the running binary: `/proc/self/exe`, else argv[0] made absolute.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let argument = CommandLine.arguments.first ?? "credstore"
        if argument.hasPrefix("/") { return argument }
        guard let directory = getcwd(nil, 0) else { return argument }
        defer { free(directory) }
        return String(cString: directory) + "/" + argument
    }
}
