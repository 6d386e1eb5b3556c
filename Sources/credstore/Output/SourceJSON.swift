import CredentialLookup

/// The one JSON shape of "where the credentials came from", shared by `get --json` and `export --format json`.
enum SourceJSON {
    /// `{"Step", "StoreTypeName", "ProfileLocation", "ProfileName", "Description"}`, plus `ProfileStoreTypeName` for
    /// credentials from a `credential_process` (the store that holds the profile naming the program). `Description`
    /// is the same sentence the text output prints: for people, not a stable value.
    static func object(_ origin: CredentialOrigin) -> JSONValue {
        var source: [String: JSONValue] = [
            "Step": .string(origin.step.name),
            "StoreTypeName": .string(origin.storeType.rawValue),
            "ProfileLocation": origin.location.map { .string($0) } ?? .null,
            "ProfileName": origin.profileName.map { .string($0) } ?? .null,
            "Description": .string(origin.description),
        ]
        if let holder = origin.profileStoreType { source["ProfileStoreTypeName"] = .string(holder.rawValue) }
        return .object(source)
    }
}
