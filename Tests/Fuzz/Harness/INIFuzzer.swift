// libFuzzer harness for the AWS profile-file parser and editor (SharedFileStore), compiled by Scripts/fuzz together
// with Sources/SharedFileStore. Properties checked on every input, as either file kind:
// - parsing never crashes, hangs or reads out of bounds (ASan);
// - a file that parses serialises back byte for byte (lossless);
// - an edit either is refused or yields a file that re-parses to the intended value, with other profiles unchanged.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzINI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for kind in ProfileFileKind.allCases {
        guard let document = try? ProfileFile(parsing: bytes, kind: kind) else { continue }
        precondition(document.bytes == bytes, "parse → serialise is not the identity")
        let names = document.profileNames
        let target = names.first ?? "fuzz"
        let value = "v\(size)"
        var edited = document
        if (try? edited.setValue(value, forKey: "fuzz_key", inProfile: target)) != nil {
            let reparsed: ProfileFile
            do {
                reparsed = try ProfileFile(parsing: edited.bytes, kind: kind)
            } catch {
                preconditionFailure("an edited file does not re-parse: \(error)")
            }
            precondition(reparsed.value(forKey: "fuzz_key", inProfile: target) == .string(value),
                         "the edit is not read back")
            for name in names where name != target {
                precondition(reparsed.profile(name) == document.profile(name), "an edit changed another profile")
            }
        }
        var removed = document
        if let gone = try? removed.removeProfile(target), gone {
            let reparsed = try? ProfileFile(parsing: removed.bytes, kind: kind)
            precondition(reparsed != nil, "a file with a profile removed does not re-parse")
            precondition(reparsed?.containsProfile(target) == false, "the removed profile is still there")
        }
    }
    return 0
}
