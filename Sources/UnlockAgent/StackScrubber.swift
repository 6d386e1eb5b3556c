import SecureStore

/// Wipes the copies of a key that handling it leaves outside the agent's own (wiped) buffers.
///
/// A copy of 32 to 256 bytes (`memmove`: a key into the vault, into a reply) passes through vector registers and
/// leaves the bytes there. Anything that later saves those registers to memory puts the key on the stack: the dynamic
/// linker's lazy binding of a function called for the first time (`_dl_runtime_resolve_xsave`), or a signal frame.
/// That is how a key the agent had forgotten was still found in its `[stack]` mapping after `lock`. So before the
/// agent waits for the next request, it zeroes the stack its requests used and sends zeros through those registers.
enum StackScrubber {
    /// How much stack below the caller is wiped, in KiB: well over what serving one request uses.
    static let depthKiB = 64

    /// Wipes `depthKiB` KiB of stack below the caller's frame, then flushes the vector registers a copy uses.
    @inline(never)
    static func scrub() {
        wipeStack(kibibytes: depthKiB)
        flushCopyRegisters()
    }

    /// One KiB per level, each on the stack (`withUnsafeTemporaryAllocation` never moves 1 KiB to the heap), each
    /// level below the last: a recursion inside the allocation's scope, so the compiler cannot fold it into a loop.
    @inline(never)
    private static func wipeStack(kibibytes: Int) {
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 16) { buffer in
            SecretBytes.wipe(buffer)
            if kibibytes > 1 { wipeStack(kibibytes: kibibytes - 1) }
        }
    }

    /// Copies zeros with the same `memmove` that copied the key, at sizes that load each of its vector registers
    /// (two for 32–64 bytes, four up to 128, eight up to 256), so none still holds key bytes.
    @inline(never)
    private static func flushCopyRegisters() {
        withUnsafeTemporaryAllocation(byteCount: 512, alignment: 32) { buffer in
            SecretBytes.wipe(buffer)
            let source = buffer.baseAddress!, target = buffer.baseAddress! + 256
            for size in [32, 64, 128, 256] { target.copyMemory(from: source, byteCount: size) }
        }
    }
}
