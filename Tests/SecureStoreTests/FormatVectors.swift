import Foundation
@testable import SecureStore

/// The reader rules of FORMAT.md as test vectors (`Tests/Vectors/format-rules.json`): one small store per rule, forged
/// byte by byte from FORMAT.md with fixed keys, salts and nonces (so the file is the same on every run), and the
/// outcome every reader must reach. `FormatRulesTests` checks the file is current and runs credstore and
/// `Scripts/reference-decrypt.py` over it.
enum FormatVectors {
    /// The key file of every key-file vector: the worked example's `000102…1f`.
    static let keyFile: [UInt8] = Array(0..<32)
    /// The passphrase of every passphrase vector.
    static let passphrase = "format rules passphrase"

    /// How a vector's store is unlocked.
    enum Unlock: String { case keyFile = "key-file", passphrase }

    /// What a reader must reach: these profiles (in file order), or an error class.
    enum Outcome {
        case profiles([JSONValue])
        case error(SecureStoreError.Code)
    }

    struct Vector {
        var name: String
        var rule: String
        var unlock: Unlock
        var store: [UInt8]
        var outcome: Outcome
    }

    /// A passphrase file's bytes and the passphrase they give (`nil`: refused).
    struct PassphraseFileCase {
        var file: [UInt8]
        var passphrase: [UInt8]?
    }

    static let passphraseFiles: [PassphraseFileCase] = [
        .init(file: Array("pw\n".utf8), passphrase: Array("pw".utf8)),
        .init(file: Array("pw\r\n".utf8), passphrase: Array("pw".utf8)),
        .init(file: Array("pw".utf8), passphrase: Array("pw".utf8)),
        .init(file: Array("pw\n\n".utf8), passphrase: Array("pw\n".utf8)),
        .init(file: Array("pw\r".utf8), passphrase: Array("pw\r".utf8)),
        .init(file: Array("pw\r\n\r\n".utf8), passphrase: Array("pw\r\n".utf8)),
        .init(file: Array(" pw \n".utf8), passphrase: Array(" pw ".utf8)),
        .init(file: Array("cafe\u{0301}\n".utf8), passphrase: Array("caf\u{00E9}".utf8)),
        .init(file: Array("\n".utf8), passphrase: nil),
        .init(file: Array("\r\n".utf8), passphrase: nil),
    ]

    // MARK: - The vectors

    static func all() throws -> [Vector] {
        let nfc = "caf\u{00E9}", nfd = "cafe\u{0301}"
        let region = field(5, setting("region", "us-east-1"))
        var vectors: [Vector] = []
        func add(_ name: String, _ rule: String, _ unlock: Unlock = .keyFile, slots: [Slot] = [.keyFile],
                 records: [Record], dropLastRecord: Bool = false, staleAuthenticator: Bool = false,
                 _ outcome: Outcome) throws {
            let forge = Forge(name)
            vectors.append(Vector(name: name, rule: rule, unlock: unlock,
                                  store: try forge.store(slots: slots, records: records, dropLastRecord: dropLastRecord,
                                                         staleAuthenticator: staleAuthenticator),
                                  outcome: outcome))
        }
        let plain = Record("default", [region])
        try add("baseline", "a key-file slot and one profile: opens", records: [plain],
                .profiles([profile("default", settings: [("region", "us-east-1")])]))

        // Key slots.
        try add("unknown-slot-kind-after-an-opening-slot", "Key slots: a slot of an unknown kind (9) makes the file "
                + "corrupt, even after a slot that opens", slots: [.keyFile, .unknown(9)], records: [plain],
                .error(.corrupt))
        try add("unknown-slot-kind-0-first", "Key slots: kind 0 is unknown too: corrupt",
                slots: [.unknown(0), .keyFile], records: [plain], .error(.corrupt))
        try add("scrypt-bounds-of-an-untried-slot", "Passphrase slot: bounds are checked only for slots tried; a key "
                + "file never tries the log_n 30 passphrase slot", slots: [.passphrase(logN: 30), .keyFile],
                records: [plain], .profiles([profile("default", settings: [("region", "us-east-1")])]))
        try add("scrypt-floor-when-tried", "Passphrase slot: log_n 16 is below the floor 17: corrupt when tried",
                .passphrase, slots: [.keyFile, .passphrase(logN: 16)], records: [plain], .error(.corrupt))
        try add("scrypt-ceiling-when-tried", "Passphrase slot: log_n 21 is above the ceiling 20: corrupt when tried",
                .passphrase, slots: [.passphrase(logN: 21)], records: [plain], .error(.corrupt))
        try add("scrypt-r-when-tried", "Passphrase slot: r 16 (only 8 is allowed): corrupt when tried",
                .passphrase, slots: [.passphrase(logN: 17, r: 16)], records: [plain], .error(.corrupt))
        try add("scrypt-later-slot-not-tried", "Passphrase slot: slot 0 opens, so the out-of-bounds slot 1 is never "
                + "tried: opens", .passphrase, slots: [.passphrase(logN: 17, opens: true), .passphrase(logN: 21)],
                records: [plain], .profiles([profile("default", settings: [("region", "us-east-1")])]))
        try add("scrypt-stops-at-first-out-of-bounds", "Passphrase slot: slot 0 is out of bounds and is tried first: "
                + "corrupt, and slot 1 (which would open) is not tried", .passphrase,
                slots: [.passphrase(logN: 21), .passphrase(logN: 17, opens: true)], records: [plain],
                .error(.corrupt))

        // Names.
        try add("names-canonically-equivalent", "Records: \(nfc.debugDescription) in NFC and in NFD are one name "
                + "twice: corrupt", records: [Record(nfc, []), Record(nfd, [])], .error(.corrupt))
        try add("name-in-nfd-kept", "Records: a name in NFD is valid and read with its stored bytes",
                records: [Record(nfd, [])], .profiles([profile(nfd)]))
        try add("name-c1-control", "Records: U+0085 (C1, category Cc) is a control character: corrupt",
                records: [Record("a\u{85}b", [])], .error(.corrupt))
        try add("name-del", "Records: U+007F (DEL, category Cc) is a control character: corrupt",
                records: [Record("a\u{7F}", [])], .error(.corrupt))
        try add("name-tab", "Records: U+0009 (tab) is a control character: corrupt",
                records: [Record("a\tb", [])], .error(.corrupt))
        try add("name-format-characters", "Records: U+200B and U+202E (category Cf) are not control characters: opens",
                records: [Record("a\u{200B}b\u{202E}c", [])], .profiles([profile("a\u{200B}b\u{202E}c")]))
        try add("name-not-utf8", "Records: a name that is not UTF-8: corrupt",
                records: [Record(bytes: [0x66, 0xff], [])], .error(.corrupt))
        try add("name-257-bytes", "Records: a name of 257 bytes: corrupt",
                records: [Record(String(repeating: "n", count: 257), [])], .error(.corrupt))

        // Record plaintext.
        try add("settings-unsorted", "Record plaintext: 'written sorted' binds writers only; settings z, a: opens",
                records: [Record("default", [field(5, setting("zone", "z")), field(5, setting("alpha", "a"))])],
                .profiles([profile("default", settings: [("alpha", "a"), ("zone", "z")])]))
        try add("setting-keys-canonically-equivalent", "Record plaintext: setting keys \("r\u{00E9}gion") in NFC and "
                + "NFD are one key twice: corrupt",
                records: [Record("default", [field(5, setting("r\u{00E9}gion", "a")),
                                             field(5, setting("re\u{0301}gion", "b"))])], .error(.corrupt))
        try add("secret-not-utf8", "Record plaintext: type 2 is bytes; ff fe 41 is not corrupt",
                records: [Record("default", [], secret: [0xff, 0xfe, 0x41])],
                .profiles([profile("default", secret: [0xff, 0xfe, 0x41])]))
        try add("session-token-not-utf8", "Record plaintext: type 3 is bytes; c3 28 is not corrupt",
                records: [Record("default", [field(3, [0xc3, 0x28])])],
                .profiles([profile("default", token: [0xc3, 0x28])]))
        try add("empty-session-token", "Record plaintext: an empty session token is valid (it means no token)",
                records: [Record("default", [field(3, [])])], .profiles([profile("default", token: [])]))
        try add("empty-setting-value", "Record plaintext: an empty setting value is valid",
                records: [Record("default", [field(5, setting("region", ""))])],
                .profiles([profile("default", settings: [("region", "")])]))
        try add("access-key-id-not-utf8", "Record plaintext: type 1 must be UTF-8: corrupt",
                records: [Record("default", [], accessKeyID: [0x41, 0xff])], .error(.corrupt))
        try add("setting-value-not-utf8", "Record plaintext: a setting value must be UTF-8: corrupt",
                records: [Record("default", [field(5, [0, 1, 0x6b, 0xff])])], .error(.corrupt))
        try add("empty-secret", "Record plaintext: an empty secret access key: corrupt",
                records: [Record("default", [], secret: [])], .error(.corrupt))
        try add("fields-out-of-order", "Record plaintext: the session token (3) before the secret (2): corrupt",
                records: [Record(fields: [field(1, Array(Fixtures.accessKeyID.utf8)), field(3, Array("t".utf8)),
                                          field(2, Array(Fixtures.secretAccessKey.utf8))])], .error(.corrupt))
        try add("expiration-7-bytes", "Record plaintext: an expiration must be 8 bytes: corrupt",
                records: [Record("default", [field(4, [0, 0, 0, 0, 0, 0, 1])])], .error(.corrupt))
        try add("expiration", "Record plaintext: an expiration, i64 milliseconds",
                records: [Record("default", [field(4, [0, 0, 0x01, 0xa3, 0x18, 0x5c, 0x50, 0x00])])],
                .profiles([profile("default", expiration: 0x01a3_185c_5000)]))

        // What the authenticator and the record AAD catch.
        try add("dropped-last-record-authenticator-redone", "File authenticator: record 1 of 2 dropped and the "
                + "authenticator redone under the data key; record 0's AAD holds count 2: corrupt when record 0 is "
                + "decrypted", records: [plain, Record("second", [])], dropLastRecord: true, .error(.corrupt))
        try add("dropped-only-record", "File authenticator: the only record dropped (count 0, checksum redone): "
                + "only the authenticator catches it: corrupt", records: [plain], dropLastRecord: true,
                staleAuthenticator: true, .error(.corrupt))
        return vectors
    }

    // MARK: - Building blocks

    static func field(_ type: UInt8, _ value: [UInt8]) -> (UInt8, [UInt8]) { (type, value) }

    static func setting(_ key: String, _ value: String) -> [UInt8] {
        var writer = ByteWriter()
        writer.u16(UInt16(key.utf8.count))
        writer.raw(key.utf8)
        writer.raw(value.utf8)
        return writer.bytes
    }

    /// The expected profile, in the shape `reference-decrypt.py` prints.
    static func profile(_ name: String, accessKeyID: String = Fixtures.accessKeyID,
                        secret: [UInt8] = Array(Fixtures.secretAccessKey.utf8), token: [UInt8]? = nil,
                        expiration: Int64? = nil, settings: [(String, String)] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(name)), ("access_key_id", .string(accessKeyID)),
                                              text("secret_access_key", secret)]
        if let token { members.append(text("session_token", token)) }
        if let expiration { members.append(("expiration_ms", .integer(expiration))) }
        members.append(("settings", .object(settings.map { ($0.0, .string($0.1)) })))
        return .object(members)
    }

    /// A bytes field: text when it is UTF-8, else hex under `<key>_hex` (as the reference prints it).
    static func text(_ key: String, _ bytes: [UInt8]) -> (String, JSONValue) {
        if let text = String(validating: bytes, as: UTF8.self) { return (key, .string(text)) }
        return (key + "_hex", .string(hex(bytes)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    enum Slot {
        case keyFile
        /// A passphrase slot; only one that `opens` wraps the data key under the vector passphrase (and costs scrypt).
        case passphrase(logN: UInt8, r: UInt32 = 8, opens: Bool = false)
        case unknown(UInt8)
    }

    struct Record {
        var name: [UInt8]
        var fields: [(UInt8, [UInt8])]

        /// The example key pair (or the given bytes) followed by `extra` fields.
        init(_ name: String, _ extra: [(UInt8, [UInt8])], accessKeyID: [UInt8] = Array(Fixtures.accessKeyID.utf8),
             secret: [UInt8] = Array(Fixtures.secretAccessKey.utf8)) {
            self.init(bytes: Array(name.utf8), extra, accessKeyID: accessKeyID, secret: secret)
        }

        init(bytes name: [UInt8], _ extra: [(UInt8, [UInt8])],
             accessKeyID: [UInt8] = Array(Fixtures.accessKeyID.utf8),
             secret: [UInt8] = Array(Fixtures.secretAccessKey.utf8)) {
            self.name = name
            fields = [(1, accessKeyID), (2, secret)] + extra
        }

        /// A `default` record of exactly these fields.
        init(fields: [(UInt8, [UInt8])]) {
            name = Array("default".utf8)
            self.fields = fields
        }

        var plaintext: [UInt8] {
            var writer = ByteWriter()
            for (type, value) in fields {
                writer.u8(type)
                writer.u32(UInt32(value.count))
                writer.raw(value)
            }
            return writer.bytes
        }
    }

    /// Forges one store: every key, salt and nonce comes from SHA-256 of the vector's name, so the bytes never change.
    struct Forge {
        let seed: String

        init(_ seed: String) { self.seed = seed }

        func bytes(_ label: String, _ count: Int) throws -> [UInt8] {
            var out: [UInt8] = []
            var block = 0
            while out.count < count {
                out += try SHA256Digest.hash(Array("credstore format vector \(seed) \(label) \(block)".utf8))
                block += 1
            }
            return Array(out.prefix(count))
        }

        func store(slots: [Slot], records: [Record], dropLastRecord: Bool, staleAuthenticator: Bool) throws -> [UInt8] {
            let dataKey = SecretBytes(try bytes("data key", 32))
            let storeID = try bytes("store id", 16)
            let saveSalt = try bytes("save salt", 32)
            var header = ByteWriter()
            header.raw(StoreFormat.magic)
            header.u16(1)
            header.raw(storeID)
            header.u8(UInt8(slots.count))
            for (index, slot) in slots.enumerated() {
                header.raw(try slotBytes(slot, index: index, storeID: storeID, dataKey: dataKey))
            }
            header.raw(saveSalt)
            let recordKey = try KDF.hkdfSHA256(key: dataKey, salt: saveSalt, info: Array("credstore/v1 records".utf8),
                                               length: 32)
            let sealed = try records.enumerated().map { index, record -> [UInt8] in
                var aad = ByteWriter()
                aad.raw("credstore/v1 record".utf8)
                aad.u16(1)
                aad.raw(storeID)
                aad.raw(saveSalt)
                aad.u32(UInt32(records.count))
                aad.u32(UInt32(index))
                aad.u16(UInt16(record.name.count))
                aad.raw(record.name)
                let nonce = try bytes("record nonce \(index)", 12)
                let box = try AESGCM.seal(key: recordKey, nonce: nonce, plaintext: SecretBytes(record.plaintext),
                                          aad: aad.bytes)
                var writer = ByteWriter()
                writer.u16(UInt16(record.name.count))
                writer.raw(record.name)
                writer.raw(nonce)
                writer.u32(UInt32(box.count))
                writer.raw(box)
                return writer.bytes
            }
            func covered(_ kept: [[UInt8]]) -> [UInt8] {
                var writer = header
                writer.u32(UInt32(kept.count))
                for record in kept { writer.raw(record) }
                return writer.bytes
            }
            let written = dropLastRecord ? Array(sealed.dropLast()) : sealed
            let authKey = try KDF.hkdfSHA256(key: dataKey, salt: saveSalt,
                                             info: Array("credstore/v1 file authenticator".utf8), length: 32)
            let authNonce = try bytes("authenticator nonce", 12)
            let tag = try AESGCM.seal(key: authKey, nonce: authNonce, plaintext: SecretBytes(zeroedCount: 0),
                                      aad: covered(staleAuthenticator ? sealed : written))
            var file = covered(written) + authNonce + tag
            file += try SHA256Digest.hash(file)
            return file
        }

        private func slotBytes(_ slot: Slot, index: Int, storeID: [UInt8], dataKey: SecretBytes) throws -> [UInt8] {
            var parameters = ByteWriter()
            let kind: UInt8
            var kek: SecretBytes?
            switch slot {
            case .keyFile:
                kind = 2
                let salt = try bytes("slot \(index) salt", 32)
                parameters.raw(salt)
                kek = try KDF.hkdfSHA256(key: SecretBytes(keyFile), salt: salt,
                                         info: Array("credstore/v1 key-file slot".utf8), length: 32)
            case let .passphrase(logN, r, opens):
                kind = 1
                let salt = try bytes("slot \(index) salt", 32)
                parameters.u8(logN)
                parameters.u32(r)
                parameters.u32(1)
                parameters.u8(UInt8(salt.count))
                parameters.raw(salt)
                if opens {
                    kek = try KDF.scrypt(password: SecretBytes(utf8: passphrase),
                                         salt: Array("credstore/v1 passphrase slot".utf8) + salt,
                                         n: UInt64(1) << UInt64(logN), r: r, p: 1, length: 32)
                }
            case let .unknown(byte):
                kind = byte
                parameters.raw(try bytes("slot \(index) salt", 32))
                kek = try KDF.hkdfSHA256(key: SecretBytes(keyFile), salt: parameters.bytes,
                                         info: Array("credstore/v1 key-file slot".utf8), length: 32)
            }
            let nonce = try bytes("slot \(index) nonce", 12)
            var aad = ByteWriter()
            aad.raw("credstore/v1 slot".utf8)
            aad.u16(1)
            aad.raw(storeID)
            aad.u8(kind)
            aad.u8(0)
            aad.raw(parameters.bytes)
            // A slot that must not open gets 48 bytes that unwrap under no key.
            let wrapped = try kek.map { try AESGCM.seal(key: $0, nonce: nonce, plaintext: dataKey, aad: aad.bytes) }
                ?? bytes("slot \(index) garbage", 48)
            let body = parameters.bytes + nonce + wrapped
            var writer = ByteWriter()
            writer.u8(kind)
            writer.u8(0)
            writer.u16(UInt16(body.count))
            writer.raw(body)
            return writer.bytes
        }
    }

    // MARK: - The file

    /// The vectors file, as the test suite writes it (deterministic, one vector per few lines, `\u` escapes for
    /// every non-ASCII or control character so the bytes of each name are visible).
    static func document() throws -> String {
        let about = quote("FORMAT.md reader rules, one store each. Unlock with key_file (hex, 32 bytes) or "
                          + "passphrase as 'unlock' says; a reader must reach 'expect': the profiles in file order, "
                          + "or the error. passphrase_files: file bytes and the passphrase they give (null: refused). "
                          + "Generated by Tests/SecureStoreTests/FormatVectors.swift.")
        var lines = ["{",
                     "  \"about\": \(about),",
                     "  \"key_file\": \"\(hex(keyFile))\",",
                     "  \"passphrase\": \(quote(passphrase)),",
                     "  \"vectors\": ["]
        let vectors = try all()
        for (index, vector) in vectors.enumerated() {
            let expect: String
            switch vector.outcome {
            case let .profiles(profiles): expect = JSONValue.object([("profiles", .array(profiles))]).encoded
            case let .error(code): expect = JSONValue.object([("error", .string(code.rawValue))]).encoded
            }
            lines.append("    {\"name\": \(quote(vector.name)), \"unlock\": \"\(vector.unlock.rawValue)\",")
            lines.append("     \"rule\": \(quote(vector.rule)),")
            lines.append("     \"expect\": \(expect),")
            lines.append("     \"store\": \"\(hex(vector.store))\"}" + (index == vectors.count - 1 ? "" : ","))
        }
        lines.append("  ],")
        lines.append("  \"passphrase_files\": [")
        for (index, item) in passphraseFiles.enumerated() {
            let given = item.passphrase.map { "\"\(hex($0))\"" } ?? "null"
            lines.append("    {\"file\": \"\(hex(item.file))\", \"passphrase\": \(given)}"
                         + (index == passphraseFiles.count - 1 ? "" : ","))
        }
        lines.append("  ]")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func quote(_ text: String) -> String {
        JSONValue.string(text).encoded
    }
}

/// A JSON value with ordered members, so the vectors file is written the same way every time, and compared by the
/// exact code points of every string (two canonically equivalent names are different strings here).
indirect enum JSONValue {
    case string(String)
    case integer(Int64)
    case array([JSONValue])
    case object([(String, JSONValue)])
    case null

    var encoded: String {
        switch self {
        case let .string(text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case " "..."~": out.unicodeScalars.append(scalar)
                default:
                    for unit in String(scalar).utf16 { out += String(format: "\\u%04x", unit) }
                }
            }
            return out + "\""
        case let .integer(value): return String(value)
        case let .array(items): return "[" + items.map(\.encoded).joined(separator: ", ") + "]"
        case let .object(members):
            return "{" + members.map { JSONValue.string($0.0).encoded + ": " + $0.1.encoded }.joined(separator: ", ")
                + "}"
        case .null: return "null"
        }
    }

    /// A form for comparing: object members sorted by key bytes, strings as their UTF-8 bytes.
    var comparable: String {
        switch self {
        case let .string(text): return "s" + FormatVectors.hex(Array(text.utf8))
        case let .integer(value): return "i\(value)"
        case let .array(items): return "[" + items.map(\.comparable).joined(separator: ",") + "]"
        case let .object(members):
            let sorted = members.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            return "{" + sorted.map { FormatVectors.hex(Array($0.0.utf8)) + ":" + $0.1.comparable }
                .joined(separator: ",") + "}"
        case .null: return "null"
        }
    }

    /// The value `JSONSerialization` parsed. Objects keep no order (`comparable` sorts them anyway).
    init(parsed: Any) {
        switch parsed {
        case let text as String: self = .string(text)
        case let number as NSNumber: self = .integer(number.int64Value)
        case let items as [Any]: self = .array(items.map(JSONValue.init(parsed:)))
        case let members as [String: Any]: self = .object(members.map { ($0.key, JSONValue(parsed: $0.value)) })
        default: self = .null
        }
    }
}
