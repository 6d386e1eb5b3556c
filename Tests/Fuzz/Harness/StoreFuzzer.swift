// libFuzzer harness for the store file parser (SecureStore), compiled by Scripts/fuzz together with
// Sources/SecureStore and linked with libcrypto. Every input goes through the whole untrusted path: the format
// parser, then (when it parses) an unlock attempt with a fixed key file (32 bytes of 0x42), which runs the bounds
// checks, HKDF, GCM, the authenticator and the record decoder. The key-file seeds in Tests/Fuzz/Corpus/store were made
// with that key, so mutations of them reach the record decoder. No input may crash, hang or allocate without bound.
// The same input is also read as a session cache file (the store's sibling, FORMAT.md *Session cache*) under that
// key, and as a decrypted session list, so the cache's parser and its plaintext decoder are fuzzed too.

private let fuzzKey = SecretBytes(Array(repeating: 0x42, count: 32))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStore(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let image = try? StoreImage.parse(bytes, path: "fuzz") else { return 0 }
    _ = image.records.map(\.name)
    for (index, slot) in image.slots.enumerated() {
        let context = KeySlotEnvironment.standard.context(storeID: image.storeID, slotIndex: index, path: "fuzz")
        if let key = try? slot.unwrap(.keyFile(fuzzKey), in: context),
           let authentic = try? image.isAuthentic(dataKey: key), authentic {
            // The store's own read path: every record decrypted, verified and decoded as `profile(named:)` would.
            guard let recordKey = try? StoreImage.recordKey(dataKey: key, saveSalt: image.saveSalt) else { continue }
            var records = RecordList(sealedIn: image, recordKey: recordKey, path: "fuzz")
            for index in 0..<records.count { _ = try? records.profile(at: index) }
        }
    }
    fuzzSessionCache(bytes)
    return 0
}

/// The session cache's file parser (the store id taken from the input, so mutations of a cache reach the tag check)
/// and its plaintext decoder (only a key holder could make such a plaintext, but it must not crash either).
private func fuzzSessionCache(_ bytes: [UInt8]) {
    let storeID = bytes.count >= 26 ? Array(bytes[10..<26]) : []
    _ = try? SessionCacheFormat.decode(bytes, storeID: storeID, dataKey: fuzzKey)
    _ = SessionCacheFormat.decodePlaintext(SecretBytes(bytes))
}
