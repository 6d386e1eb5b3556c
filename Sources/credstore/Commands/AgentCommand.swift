import ArgumentParser
import CredentialLookup
import FoundationEssentials
import Glibc
import UnlockAgent

/// `credstore agent`: runs the unlock agent in the foreground, or reports on / stops the running one.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the unlock agent that keeps unlocked stores' keys in memory.",
        discussion: """
            The agent holds the data keys of stores unlocked with 'credstore unlock', so that later commands open \
            them without a passphrase and without the slow key derivation. It listens on \
            $XDG_RUNTIME_DIR/credstore/agent.sock (or /tmp/credstore-UID/agent.sock when XDG_RUNTIME_DIR is unset), \
            answers only processes of your own user, keeps keys in locked memory that is excluded from core dumps, \
            and forgets them when their timeout ends, on 'credstore lock', and when it is stopped. Usually you do \
            not run it yourself: 'credstore unlock' starts it on demand. Run it in a terminal (or a systemd user \
            service) to keep one agent for the whole session.
            """
    )

    @Flag(help: "Print the running agent's state instead of starting one.")
    var status = false

    @Flag(help: "Stop the running agent (it forgets every key first).")
    var stop = false

    @Flag(help: "With --status, print the state as JSON.")
    var json = false

    @Flag(help: .hidden)
    var onDemand = false

    var environment: [String: String] { ProcessEnvironment.current }

    func run() throws {
        let client = AgentClient(environment: environment)
        if status { return try printStatus(client) }
        if stop { return try stopAgent(client) }
        if onDemand { _ = chdir("/") }
        let server = try AgentServer(location: client.location, exitWhenEmpty: onDemand)
        server.dumpingDisabled = AgentHardening.apply()
        try server.start()
        server.stopOnSignals()
        if !onDemand {
            StandardError.write("credstore agent: listening on \(client.location.socketPath) (stop with Ctrl-C, "
                                + "SIGTERM or 'credstore agent --stop')\n")
        }
        server.run()
    }

    private func printStatus(_ client: AgentClient) throws {
        guard let state = try client.status() else {
            if json {
                Output.printJSON(["Running": .bool(false), "Socket": .string(client.location.socketPath)])
                return
            }
            throw CLIFailure("no unlock agent is running at \(client.location.socketPath)",
                             hint: "start one with 'credstore unlock' or 'credstore agent'", exitCode: .notFound)
        }
        if json {
            Output.printJSON([
                "Running": .bool(true), "Socket": .string(client.location.socketPath),
                "ProcessId": .number(Int(state.processID)), "KeysHeld": .number(state.keysHeld),
                "KeysServed": .number(state.keysServed), "MemoryLocked": .bool(state.memoryLocked),
                "DumpingDisabled": .bool(state.dumpingDisabled),
            ])
            return
        }
        Output.print("""
            Unlock agent: pid \(state.processID), socket \(client.location.socketPath)
            Keys held: \(state.keysHeld); keys served: \(state.keysServed)
            Memory locked: \(state.memoryLocked ? "yes" : "no (RLIMIT_MEMLOCK too low)"); \
            core dumps and ptrace: \(state.dumpingDisabled ? "disabled" : "not disabled")
            """)
    }

    private func stopAgent(_ client: AgentClient) throws {
        guard let state = try client.status() else {
            Output.print("No unlock agent is running; nothing to stop.")
            return
        }
        _ = try client.send(.lock(storePath: nil))
        guard kill(state.processID, SIGTERM) == 0 else {
            throw CLIFailure("cannot stop the unlock agent (pid \(state.processID)): "
                             + String(cString: strerror(errno)),
                             hint: "its keys were forgotten; stop it with 'kill \(state.processID)'")
        }
        Output.print("Stopped the unlock agent (pid \(state.processID)); it forgot every key.")
    }
}
