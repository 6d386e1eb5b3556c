import CredentialLookup
import FoundationEssentials
import Glibc
import SharedFileStore

/// `list --key-age`: each profile's access key with its age (the `credstore_key_created` setting that `rotate`
/// keeps from IAM's CreateDate), keys older than the threshold marked, so a user sees what a timer will rotate.
struct KeyAges {
    /// One listed key.
    struct Row {
        var name: String
        var type: StoreType
        var location: String
        var keyID: String?
        var created: Date?
        var rotationInterrupted: Bool
    }

    var rows: [Row] = []
    let threshold: Double

    /// Reads the key id and creation date of every listed profile (the store is unlocked for its profiles).
    init(rows listed: [(name: String, type: StoreType, location: String)], context: LookupContext,
         threshold: Double) throws {
        self.threshold = threshold
        for (name, type, location) in listed {
            var row = Row(name: name, type: type, location: location, keyID: nil, created: nil,
                          rotationInterrupted: false)
            let settings: [String: String]
            if type == .secureStore {
                guard let stored = try context.storeCatalog.unlockedStore().profile(named: name) else { continue }
                row.keyID = stored.accessKeyID
                settings = stored.settings
            } else {
                let catalog = context.sharedCatalogs.first { $0.storeType == type }
                guard let entry = try catalog?.profile(named: name) else { continue }
                row.keyID = entry.accessKeyID
                settings = entry.settings
            }
            row.created = settings[RotationJournal.Setting.keyCreated].flatMap(RotationDate.parse)
            row.rotationInterrupted = settings[RotationJournal.Setting.phase] != nil
            if row.keyID != nil { rows.append(row) }
        }
    }

    /// Seconds since `date` on the wall clock.
    private func age(_ date: Date) -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) - date.timeIntervalSince1970
    }

    /// Prints the table or the JSON (`{"Profiles": [{"ProfileName", "StoreTypeName", "ProfileLocation",
    /// "AccessKeyId", "KeyCreateDate", "KeyAgeDays", "OlderThanThreshold", "RotationInterrupted"}]}`).
    func print(json: Bool) {
        if json {
            Output.printJSON(["Profiles": .array(rows.map { row in
                .object([
                    "ProfileName": .string(row.name), "StoreTypeName": .string(row.type.rawValue),
                    "ProfileLocation": .string(row.location), "AccessKeyId": row.keyID.map { .string($0) } ?? .null,
                    "KeyCreateDate": row.created.map { .string(RotationDate.format($0)) } ?? .null,
                    "KeyAgeDays": row.created.map { .number(Int(age($0) / 86_400)) } ?? .null,
                    "OlderThanThreshold": row.created.map { .bool(age($0) > threshold) } ?? .null,
                    "RotationInterrupted": .bool(row.rotationInterrupted),
                ])
            })])
            return
        }
        Output.write(Output.table(
            header: ["", "ProfileName", "AccessKeyId", "KeyAge", "StoreTypeName", "ProfileLocation"],
            rows: rows.map { row in
                let old = row.created.map { age($0) > threshold } ?? false
                let shown = row.created.map { "\(Int(age($0) / 86_400))d" } ?? "unknown"
                return [old ? "!" : (row.rotationInterrupted ? "~" : ""), row.name, row.keyID ?? "",
                        shown, row.type.rawValue, row.location]
            }))
    }
}
