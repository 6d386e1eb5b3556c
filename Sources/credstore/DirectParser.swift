import ArgumentParser

/// Parses the plain command lines of the commands that run before every AWS call — `export` (as a
/// `credential_process`), `exec` and `get` — without ArgumentParser's command tree.
///
/// ArgumentParser discovers a command's options by reflection (`Mirror`, generic metadata, protocol-conformance scans
/// of the whole binary) on every run: ~2.5 ms of a ~7 ms lookup, more than the lookup itself. This parser accepts only
/// a strict subset of what ArgumentParser accepts: the subcommand name first, then the command's long options, each
/// at most once, as `--name value` or `--name=value` (and `-p value` for `--profile`), and its flags (for `exec`,
/// then `--` and the command to run, which is taken as it is). Values are converted with the same
/// `ExpressibleByArgument` initializers ArgumentParser uses, and stored through the property wrappers' own setters.
/// Anything else — help, `--version`, short or unknown options, a repeated option, a value that looks like an option
/// or is empty, a value the type rejects, a failed `validate()` — returns `nil`, and the caller parses with
/// ArgumentParser, so every message and every error reads exactly as before. `DirectParserTests` checks that both
/// parsers build identical commands for no option, each option alone, every pair and all of them, so an option added
/// to one of these commands without a line here fails a test rather than a user.
enum DirectParser {
    /// The command `arguments` (without the program name) describe, or `nil` when ArgumentParser must parse them.
    static func command(for arguments: [String]) -> ParsableCommand? {
        guard let name = arguments.first else { return nil }
        do {
            var command: ParsableCommand
            if names(of: ExportCommand.self).contains(name) {
                command = try ExportCommand(direct: DirectArguments(arguments.dropFirst(), spec: ExportCommand.direct))
            } else if names(of: GetCommand.self).contains(name) {
                command = try GetCommand(direct: DirectArguments(arguments.dropFirst(), spec: GetCommand.direct))
            } else if names(of: ExecCommand.self).contains(name) {
                command = try ExecCommand(direct: DirectArguments(arguments.dropFirst(), spec: ExecCommand.direct))
            } else {
                return nil
            }
            try command.validate()
            return command
        } catch {
            return nil
        }
    }

    /// The name and aliases a subcommand is invoked by.
    private static func names(of command: ParsableCommand.Type) -> [String] {
        [command.configuration.commandName].compactMap { $0 } + command.configuration.aliases
    }
}

/// The long options of one command line, split into values and flags. Its initializer and accessors throw
/// `DirectArguments.NotDirect` for anything outside the subset `DirectParser` handles.
struct DirectArguments {
    /// The command line is not one `DirectParser` handles; ArgumentParser will parse it.
    struct NotDirect: Error {}

    /// The long names (without `--`) a command accepts, split into options that take one value and flags, and
    /// whether a `--` may end them, followed by arguments that are not the command's own.
    struct Spec {
        let options: Set<String>
        let flags: Set<String>
        var takesArgumentsAfterTerminator = false
    }

    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    /// Everything after `--`, unparsed; `nil` when there was no `--`.
    private(set) var afterTerminator: [String]?

    /// Splits `tokens` by `spec`.
    /// - Throws: `NotDirect` for a token that is not one of `spec`'s long names, a repeated name, a missing, empty or
    ///   option-like value, a flag given a value, or a `--` the command does not take.
    init(_ tokens: ArraySlice<String>, spec: Spec) throws {
        var remaining = tokens[...]
        while let token = remaining.popFirst() {
            if token == "--" {
                guard spec.takesArgumentsAfterTerminator else { throw NotDirect() }
                afterTerminator = Array(remaining)
                return
            }
            // `-p` is the one short option these commands have (`--profile`); `-pNAME` and `-p=NAME` are left to
            // ArgumentParser.
            let isShortProfile = token == "-p" && spec.options.contains("profile")
            guard token.hasPrefix("--") || isShortProfile else { throw NotDirect() }
            var name = isShortProfile ? "profile" : String(token.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard values[name] == nil, !flags.contains(name) else { throw NotDirect() }
            if spec.flags.contains(name) {
                guard inlineValue == nil else { throw NotDirect() }
                flags.insert(name)
                continue
            }
            guard spec.options.contains(name), let value = inlineValue ?? remaining.popFirst() else {
                throw NotDirect()
            }
            // ArgumentParser reads a value that starts with "-" as the next option; an empty one is left to it too.
            guard !value.isEmpty, !value.hasPrefix("-") else { throw NotDirect() }
            values[name] = value
        }
    }

    /// The value of `--name`, converted as ArgumentParser converts it, or `nil` when absent.
    /// - Throws: `NotDirect` when the type rejects the value.
    func value<Value: ExpressibleByArgument>(_ name: String, as type: Value.Type = Value.self) throws -> Value? {
        guard let text = values[name] else { return nil }
        guard let value = Value(argument: text) else { throw NotDirect() }
        return value
    }

    /// Whether the flag `--name` was given.
    func flag(_ name: String) -> Bool {
        flags.contains(name)
    }
}

// Each initializer below sets every property of its type: a property left unset would still be an ArgumentParser
// definition, and reading it would trap. DirectParserTests compares the results with ArgumentParser's.

extension StoreOptions {
    static let direct = DirectArguments.Spec(options: ["store", "key-file", "passphrase-file", "passphrase-fd",
                                                       "tpm2-device"], flags: [])

    init(direct arguments: DirectArguments) throws {
        self.init()
        store = try arguments.value("store")
        keyFile = try arguments.value("key-file")
        passphraseFile = try arguments.value("passphrase-file")
        passphraseFD = try arguments.value("passphrase-fd")
        tpm2Device = try arguments.value("tpm2-device")
    }
}

extension ProfileOptions {
    static let direct = DirectArguments.Spec(options: ["profile", "profile-location", "region"],
                                             flags: ["no-session"])

    init(direct arguments: DirectArguments) throws {
        self.init()
        profile = try arguments.value("profile")
        profileLocation = try arguments.value("profile-location")
        region = try arguments.value("region")
        noSession = arguments.flag("no-session")
    }
}

extension ExportCommand {
    static let direct = DirectArguments.Spec(
        options: StoreOptions.direct.options.union(ProfileOptions.direct.options).union(["format"]),
        flags: ProfileOptions.direct.flags)

    init(direct arguments: DirectArguments) throws {
        self.init()
        store = try StoreOptions(direct: arguments)
        profile = try ProfileOptions(direct: arguments)
        format = try arguments.value("format") ?? .credentialProcess
    }
}

extension GetCommand {
    static let direct = DirectArguments.Spec(
        options: StoreOptions.direct.options.union(ProfileOptions.direct.options),
        flags: ProfileOptions.direct.flags.union(["json", "show-secret"]))

    init(direct arguments: DirectArguments) throws {
        self.init()
        store = try StoreOptions(direct: arguments)
        profile = try ProfileOptions(direct: arguments)
        json = arguments.flag("json")
        showSecret = arguments.flag("show-secret")
    }
}

extension ExecCommand {
    static let direct = DirectArguments.Spec(
        options: StoreOptions.direct.options.union(ProfileOptions.direct.options),
        flags: ProfileOptions.direct.flags.union(["allow-nested", "ecs-server"]),
        takesArgumentsAfterTerminator: true)

    /// - Throws: `DirectArguments.NotDirect` without `--`: ArgumentParser then says what is missing.
    init(direct arguments: DirectArguments) throws {
        guard let command = arguments.afterTerminator else { throw DirectArguments.NotDirect() }
        self.init()
        store = try StoreOptions(direct: arguments)
        profile = try ProfileOptions(direct: arguments)
        allowNested = arguments.flag("allow-nested")
        ecsServer = arguments.flag("ecs-server")
        self.command = command
    }
}
