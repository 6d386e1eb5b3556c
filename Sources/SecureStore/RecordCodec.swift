import FoundationEssentials

/// The plaintext of one record: a sequence of fields `type u8 ‖ length u32 ‖ value`, in a fixed order (FORMAT.md).
///
/// Encoding and decoding work on `SecretBytes` so the secret fields never pass through an unwipeable buffer.
enum RecordCodec {
    static func encode(_ profile: StoredProfile) throws -> SecretBytes {
        var fields: [(UInt8, SecretBytes)] = [
            (StoreFormat.Field.accessKeyID, SecretBytes(utf8: profile.accessKeyID)),
            (StoreFormat.Field.secretAccessKey, profile.secretAccessKey),
        ]
        if let token = profile.sessionToken { fields.append((StoreFormat.Field.sessionToken, token)) }
        if let expiration = profile.expiration {
            var writer = ByteWriter()
            writer.u64(UInt64(bitPattern: Int64((expiration.timeIntervalSince1970 * 1000).rounded())))
            fields.append((StoreFormat.Field.expiration, SecretBytes(writer.bytes)))
        }
        for key in profile.settings.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let keyBytes = Array(key.utf8)
            var writer = ByteWriter()
            writer.u16(UInt16(keyBytes.count))
            writer.raw(keyBytes)
            writer.raw(profile.settings[key]!.utf8)
            fields.append((StoreFormat.Field.setting, SecretBytes(writer.bytes)))
        }
        let total = fields.reduce(0) { $0 + 5 + $1.1.count }
        var output = SecretBytes(zeroedCount: total)
        output.withUnsafeMutableBytes { out in
            var offset = 0
            for (type, value) in fields {
                out[offset] = type
                for shift in 0..<4 {
                    out[offset + 1 + shift] = UInt8((UInt32(value.count) >> ((3 - shift) * 8)) & 0xff)
                }
                offset += 5
                value.withUnsafeBytes { source in
                    if source.count > 0 {
                        (out.baseAddress! + offset).copyMemory(from: source.baseAddress!, byteCount: source.count)
                    }
                }
                offset += value.count
            }
        }
        return output
    }

    /// The profile in `plaintext`, or `nil` if it breaks any rule of the field layout.
    static func decode(_ plaintext: SecretBytes, name: String) -> StoredProfile? {
        plaintext.withUnsafeBytes { bytes -> StoredProfile? in
            var reader = ByteReader(bytes)
            var accessKeyID: String?
            var secret: SecretBytes?
            var token: SecretBytes?
            var expiration: Date?
            var settings: [String: String] = [:]
            var lastType: UInt8 = 0
            while reader.remaining > 0 {
                guard let type = try? reader.u8(), let length = try? reader.u32(), Int(length) <= reader.remaining
                else { return nil }
                // Fields come in increasing type order; only settings repeat.
                guard type > lastType || (type == StoreFormat.Field.setting && lastType == type) else { return nil }
                lastType = type
                switch type {
                case StoreFormat.Field.accessKeyID:
                    guard let raw = try? reader.take(Int(length)), let text = String(validating: raw, as: UTF8.self),
                          !text.isEmpty
                    else { return nil }
                    accessKeyID = text
                case StoreFormat.Field.secretAccessKey:
                    secret = try? reader.takeSecret(Int(length))
                case StoreFormat.Field.sessionToken:
                    token = try? reader.takeSecret(Int(length))
                case StoreFormat.Field.expiration:
                    guard length == 8, let millis = try? reader.u64() else { return nil }
                    expiration = Date(timeIntervalSince1970: Double(Int64(bitPattern: millis)) / 1000)
                case StoreFormat.Field.setting:
                    guard let keyLength = try? reader.u16(), Int(keyLength) + 2 <= Int(length), keyLength > 0,
                          let keyRaw = try? reader.take(Int(keyLength)),
                          let valueRaw = try? reader.take(Int(length) - 2 - Int(keyLength)),
                          let key = String(validating: keyRaw, as: UTF8.self),
                          let value = String(validating: valueRaw, as: UTF8.self),
                          settings.updateValue(value, forKey: key) == nil
                    else { return nil }
                default:
                    return nil
                }
            }
            guard let accessKeyID, let secret, !secret.isEmpty else { return nil }
            return StoredProfile(name: name, accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: token,
                                 expiration: expiration, settings: settings)
        }
    }
}

/// The rules for profile names in the store: 1–256 UTF-8 bytes, no control characters (spaces are fine: the
/// PowerShell store's `AWS PS Default` has them).
enum ProfileName {
    static func isValid(_ name: String) -> Bool {
        let count = name.utf8.count
        guard count >= 1, count <= StoreFormat.maximumNameBytes else { return false }
        // Printable ASCII needs no Unicode property lookup; parsing a store checks every name.
        if name.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) { return true }
        return !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    static func check(_ name: String) throws {
        guard isValid(name) else {
            throw SecureStoreError(.invalidArgument, "the profile name \(name.debugDescription) is not acceptable",
                                   hint: "use 1 to 256 bytes of text without control characters")
        }
    }
}
