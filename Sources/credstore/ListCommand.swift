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

    func run() throws {
        let context = LookupContext(store: store)
        var rows: [(name: String, type: StoreType, location: String)] = []
        for name in try context.storeCatalog.profileNames() {
            rows.append((name, .secureStore, context.storeCatalog.location))
        }
        for catalog in context.sharedCatalogs {
            for name in try catalog.profileNames() { rows.append((name, catalog.storeType, catalog.location)) }
        }
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
}
