import Glibc
import SystemLayer

/// What a machine-bound key-file slot mixes into its key-encryption key: this machine's id and the user's uid, so a
/// copied store and key file do not open on another machine or as another user (the DPAPI behaviour).
///
/// The value is `machine_id ‖ u32 uid`, where `machine_id` is the 32 lowercase hexadecimal characters of
/// `/etc/machine-id` (FORMAT.md, kind 3).
///
/// A value, not a process-wide setting: the store holds one (`KeySlotEnvironment.machine`), `.thisMachine` outside
/// tests; tests build their own to play "another machine" or "another user".
struct MachineBinding: Equatable, Sendable {
    /// The machine id file.
    var machineIDPath: String
    /// The uid mixed in.
    var userID: UInt32

    /// This machine (`/etc/machine-id`) and the effective user.
    static var thisMachine: MachineBinding {
        MachineBinding(machineIDPath: "/etc/machine-id", userID: UInt32(geteuid()))
    }

    /// The binding material for this machine and user.
    ///
    /// - Throws: `SecureStoreError.invalidArgument` when the machine id file is missing, unreadable or malformed.
    func material() throws -> SecretBytes {
        let path = machineIDPath
        let fd: Int32
        do {
            fd = try Syscalls.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        } catch {
            throw SecureStoreError(.invalidArgument, path: path, errno: error.rawValue,
                                   "cannot read the machine id \(path) to bind a key-file slot to this machine: "
                                   + error.description,
                                   hint: "run 'systemd-machine-id-setup' (or 'dbus-uuidgen --ensure=\(path)') as "
                                       + "root, or do not bind the slot to this machine")
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        // A failed read leaves nothing read, which the check below reports as a malformed id.
        let count = (try? buffer.withUnsafeMutableBytes { bytes in try Syscalls.read(fd, bytes) }) ?? 0
        var id = Array(buffer[0..<count])
        while let last = id.last, last == 0x0a || last == 0x20 { id.removeLast() }
        let hex = Set(Array("0123456789abcdef".utf8))
        guard id.count == 32, id.allSatisfy(hex.contains) else {
            throw SecureStoreError(.invalidArgument, path: path,
                                   "the machine id \(path) is not 32 lowercase hexadecimal characters",
                                   hint: "regenerate it with 'systemd-machine-id-setup' as root, or do not bind "
                                       + "the slot to this machine")
        }
        let uid = userID
        id += [UInt8(uid >> 24 & 0xff), UInt8(uid >> 16 & 0xff), UInt8(uid >> 8 & 0xff), UInt8(uid & 0xff)]
        return SecretBytes(id)
    }
}
