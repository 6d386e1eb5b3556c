import ArgumentParser
import CredentialLookup
import Glibc
import SecureStore
import UnlockAgent

/// `credstore unlock`: unlocks the store once and hands its key to the unlock agent for a while.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Unlock the store once and let the agent keep it unlocked for a while.",
        discussion: """
            Opens the store with the usual secret sources (key file, $CREDENTIALS_DIRECTORY/credstore.key, \
            passphrase file or descriptor, or a prompt on the terminal), starts the unlock agent if it is not \
            running, and gives it the store's data key for --timeout. Until then, every command that unlocks this \
            store asks the agent first: no passphrase and no key derivation. 'credstore lock' ends it early.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp(
        "How long the agent keeps the store unlocked: seconds, or a number with s, m, h or d (at most 7d).",
        valueName: "duration"))
    var timeout = "15m"

    @Flag(name: .customLong("json"), help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard AgentTimeout.seconds(timeout) != nil else {
            throw ValidationError("--timeout must be a duration such as 90s, 15m, 2h or 1d, between 1s and 7d")
        }
    }

    func run() throws {
        let seconds = AgentTimeout.seconds(timeout) ?? AgentTimeout.defaultSeconds
        let unlocker = storeOptions.unlocker()
        let path = unlocker.storePath
        _ = try EncryptedStore.profileNames(at: path)  // fail on a missing or broken store before asking anything
        // The agent is not asked here: unlocking must prove knowledge of a real secret. A typo at the prompt is asked
        // for again, as for every other command.
        let store = try unlocker.open(askingAgent: false)
        guard let canonical = AgentClient.canonicalPath(path) else {
            throw CLIFailure("cannot resolve the store path \(path)", exitCode: .ioError)
        }
        let client = AgentClient(environment: storeOptions.environment)
        _ = try client.ensureRunning(arguments: ["agent", "--on-demand"])
        let reply = try client.send(.add(storePath: canonical, key: store.agentDataKey(),
                                         timeoutSeconds: UInt32(seconds)))
        switch reply?.status {
        case .ok?:
            if json {
                Output.printJSON(["Store": .string(canonical), "TimeoutSeconds": .number(seconds),
                                  "Socket": .string(client.location.socketPath)])
                return
            }
            Output.print("Unlocked \(canonical) for \(AgentTimeout.describe(seconds)) (agent socket "
                  + "\(client.location.socketPath)). Run 'credstore lock' to lock it sooner.")
        case .full?:
            throw CLIFailure("the unlock agent already holds keys for \(AgentKeyVault.capacity) stores",
                             hint: "run 'credstore lock' to forget them, then unlock again")
        default:
            throw CLIFailure("the unlock agent at \(client.location.socketPath) refused the key",
                             hint: "stop it with 'credstore agent --stop' and unlock again", exitCode: .ioError)
        }
    }
}
