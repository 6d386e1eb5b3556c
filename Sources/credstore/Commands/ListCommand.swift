import ArgumentParser
import CredentialLookup

/// `credstore list`: every profile in every store (the `Get-AWSCredential -ListProfileDetail` of credstore).
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every profile in the encrypted store and the shared files.",
        discussion: """
            Each profile is listed with its store (SecureStore, SharedCredentialsFile or SharedConfigFile) and \
            location. A name present in several stores is listed once per store; the copy that the search order \
            would pick for --profile NAME is marked with '*' (JSON: "Selected": true). Listing never needs the \
            passphrase: profile names are stored in the clear.
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(name: .customLong("json"), help: "Print the profiles as JSON.")
    var json = false

    @Flag(name: .customLong("names"), help: ArgumentHelp(
        "Print only the profile names, each once, one per line, in search order (for scripts and shell completion)."))
    var names = false

    func validate() throws {
        if json && names { throw ValidationError("--names and --json cannot be combined; use one of them.") }
    }

    func run() throws {
        let context = LookupContext(store: store)
        if names {
            for name in try Self.profileNames(in: context) { Output.print(name) }
            return
        }
        let rows = try Self.rows(in: context)
        var picked = Set<String>()
        let selected = rows.map { picked.insert($0.name).inserted }
        if json {
            let profiles: [JSONValue] = rows.enumerated().map { index, row in
                .object([
                    "ProfileName": .string(row.name), "StoreTypeName": .string(row.type.rawValue),
                    "ProfileLocation": .string(row.location), "Selected": .bool(selected[index]),
                ])
            }
            Output.printJSON(["profiles": .array(profiles)])
            return
        }
        guard !rows.isEmpty else {
            Output.print("No profiles. Add one with: credstore set --profile NAME --access-key ID")
            return
        }
        Output.write(Output.table(
            header: ["", "ProfileName", "StoreTypeName", "ProfileLocation"],
            rows: rows.enumerated().map { index, row in
                [selected[index] ? "*" : "", row.name, row.type.rawValue, row.location]
            }))
    }

    /// Every profile of every store in search order: the encrypted store (names are stored in the clear, so nothing
    /// is unlocked), then the shared credentials and config files.
    private static func rows(in context: LookupContext) throws -> [(name: String, type: StoreType, location: String)] {
        var rows: [(name: String, type: StoreType, location: String)] = []
        for name in try context.storeCatalog.profileNames() {
            rows.append((name, .secureStore, context.storeCatalog.location))
        }
        for catalog in context.sharedCatalogs {
            for name in try catalog.profileNames() { rows.append((name, catalog.storeType, catalog.location)) }
        }
        return rows
    }

    /// The names `list --names` prints: each name once, where the search order first finds it.
    static func profileNames(in context: LookupContext) throws -> [String] {
        var seen = Set<String>()
        return try rows(in: context).map(\.name).filter { seen.insert($0).inserted }
    }

    /// Shell completion for `--profile`: the names `list --names` prints for the default store (CREDSTORE_STORE, else
    /// the XDG location). It runs on every Tab, so it must never prompt or print: the store is not unlocked, and any
    /// failure (an unreadable store, a malformed shared file) completes nothing.
    static func completionCandidates() -> [String] {
        guard let store = try? StoreOptions.parse([]) else { return [] }
        return (try? profileNames(in: LookupContext(store: store))) ?? []
    }
}
