import Glibc
import SecureStore

/// The agent's key memory: one anonymous page, locked into RAM with `mlock` where the limit allows (so keys are never
/// swapped out) and excluded from core dumps (`MADV_DONTDUMP`), holding up to `capacity` 32-byte data keys. A key is
/// wiped with `OPENSSL_cleanse` (through `SecretBytes.wipe`) the moment it is forgotten.
package final class AgentKeyVault {
    /// How many stores' keys the agent holds at most.
    package static let capacity = 64

    private let region: UnsafeMutableRawBufferPointer
    private var used = [Bool](repeating: false, count: capacity)
    /// Whether `mlock` succeeded (it can fail under a low `RLIMIT_MEMLOCK`; the agent then runs without it).
    let isMemoryLocked: Bool

    init() throws {
        let size = max(Int(sysconf(Int32(_SC_PAGESIZE))), Self.capacity * AgentProtocol.keySize)
        guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED
        else {
            let number = errno
            throw UnlockAgentError(.keyMemoryUnavailable, errno: number,
                                   "cannot allocate the agent's key memory: \(String(cString: strerror(number)))")
        }
        region = UnsafeMutableRawBufferPointer(start: base, count: size)
        isMemoryLocked = mlock(base, size) == 0
        _ = madvise(base, size, MADV_DONTDUMP)
    }

    deinit {
        wipeAll()
        if isMemoryLocked { munlock(region.baseAddress, region.count) }
        munmap(region.baseAddress, region.count)
    }

    var count: Int { used.filter { $0 }.count }

    /// Copies `key` into a free slot; `nil` when the vault is full.
    func store(_ key: SecretBytes) -> Int? {
        guard key.count == AgentProtocol.keySize, let slot = used.firstIndex(of: false) else { return nil }
        key.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(rebasing: region[range(slot)]).copyMemory(from: source)
        }
        used[slot] = true
        return slot
    }

    /// A copy of the key in `slot`, for one reply.
    func key(at slot: Int) -> SecretBytes {
        SecretBytes(UnsafeRawBufferPointer(rebasing: region[range(slot)]))
    }

    /// Wipes the key in `slot`.
    func forget(_ slot: Int) {
        SecretBytes.wipe(UnsafeMutableRawBufferPointer(rebasing: region[range(slot)]))
        used[slot] = false
    }

    /// Wipes every key.
    func wipeAll() {
        SecretBytes.wipe(region)
        used = [Bool](repeating: false, count: Self.capacity)
    }

    private func range(_ slot: Int) -> Range<Int> {
        slot * AgentProtocol.keySize..<(slot + 1) * AgentProtocol.keySize
    }
}
