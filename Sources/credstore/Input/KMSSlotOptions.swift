import ArgumentParser
import CredentialLookup
import SecureStore

/// Options of a new AWS KMS slot (`keyslot add --kms-key ARN [--kms-region R] [--kms-profile NAME]`).
struct KMSSlotOptions: ParsableArguments {
    @Option(name: .customLong("kms-key"), help: ArgumentHelp(
        "Add a slot whose key is wrapped by this AWS KMS key (a key ARN, an alias ARN or a key id): it opens the "
            + "store without a passphrase, wherever AWS credentials from outside the store may use the key "
            + "(kms:Decrypt), and stops opening it when that access is revoked. Keep another slot to recover with.",
        valueName: "arn"))
    var kmsKey: String?

    @Option(name: .customLong("kms-region"), help: ArgumentHelp(
        "The region of the KMS key (default: the one in its ARN, else AWS_REGION/AWS_DEFAULT_REGION).",
        valueName: "region"))
    var kmsRegion: String?

    @Option(name: .customLong("kms-profile"), help: ArgumentHelp(
        "The profile of the shared AWS files (~/.aws/credentials or config) whose credentials call KMS for this "
            + "slot, kept in the slot; never a profile of this store. Default: the environment, an ECS task role or "
            + "an EC2 instance role.", valueName: "name"))
    var kmsProfile: String?

    func validate() throws {
        if kmsKey == nil && (kmsRegion != nil || kmsProfile != nil) {
            throw ValidationError("--kms-region and --kms-profile describe a KMS slot and need --kms-key ARN")
        }
        if let kmsKey, kmsKey.trimmingCharacters(in: " \t").isEmpty {
            throw ValidationError("--kms-key needs a key ARN, alias ARN or key id")
        }
    }

    /// The KMS access a new slot is made with, for the store `storeOptions` name.
    ///
    /// - Throws: `ValidationError` when no region can be found for the key.
    func access(_ storeOptions: StoreOptions) throws -> KMSKeyService? {
        guard let kmsKey else { return nil }
        let environment = storeOptions.environment
        guard let key = KMSKey.named(kmsKey, region: kmsRegion, profile: kmsProfile, environment: environment) else {
            throw ValidationError("the KMS key '\(kmsKey)' names no region: pass --kms-region R (or a key ARN)")
        }
        return KMSKeyService(storePath: storeOptions.storePath(), environment: environment, newSlotKey: key)
    }
}

extension String {
    /// `self` without leading and trailing characters of `set`.
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        return String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
