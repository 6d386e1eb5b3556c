import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import UnlockAgent

/// `credstore lock`: makes the unlock agent forget keys.
struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Make the unlock agent forget the keys it holds.",
        discussion: """
            Without options, the agent forgets every key it holds; with --store (or CREDSTORE_STORE), only that \
            store's. Later commands ask for the passphrase or key file again. Nothing is written to disk.
            """
    )

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "Forget only the key of this store file.", valueName: "path"))
    var store: String?

    @Flag(name: .customLong("json"), help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let environment = ProcessEnvironment.current
        let client = AgentClient(environment: environment)
        var target: String?
        if let explicit = store ?? environment["CREDSTORE_STORE"], !explicit.isEmpty {
            guard let canonical = AgentClient.canonicalPath(explicit) else {
                throw CLIFailure("there is no store at \(explicit)", hint: "check the path", exitCode: .notFound)
            }
            target = canonical
        }
        guard let reply = try client.send(.lock(storePath: target)) else {
            if json {
                Output.printJSON(["AgentRunning": .bool(false), "KeysForgotten": .number(0),
                                  "Store": target.map { .string($0) } ?? .null])
                return
            }
            Output.print("No unlock agent is running; nothing to forget.")
            return
        }
        guard reply.status == .ok else {
            throw CLIFailure("the unlock agent at \(client.location.socketPath) refused to lock",
                             hint: "stop it with 'credstore agent --stop'", exitCode: .ioError)
        }
        let count = reply.forgotten ?? 0
        if json {
            Output.printJSON(["AgentRunning": .bool(true), "KeysForgotten": .number(count),
                              "Store": target.map { .string($0) } ?? .null])
            return
        }
        Output.print("The unlock agent forgot \(count) key\(count == 1 ? "" : "s").")
    }
}
