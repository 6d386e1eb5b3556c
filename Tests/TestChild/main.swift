// The child process of tests that must kill or crash a process: SIGKILL during saves
// (CrashConsistencyStoreTests) and a precondition failure in the shared-file editor
// (SharedFileEditorReassignmentTests). It is an executable, not a test method, so a normal test run neither runs
// it nor counts it as a pass.
//
//   TestChild crash-store OPERATION DIRECTORY START   loops over one kind of store mutation from step START + 1,
//                                                      appending each completed step to DIRECTORY/progress
//   TestChild reassign-shared-file PATH               assigns another document in an editor body (must trap)
//   TestChild crash-sessions STORE KEYFILE STEP#N      saves a session to STORE's session cache and kills itself
//                                                      with SIGKILL at the N-th atomic-write step STEP
#if DEBUG
import Foundation
@testable import SecureStore
@testable import SharedFileStore
import SystemLayer

/// Loops over one kind of store mutation (set/remove, passwd, rotate, slots) until killed.
func crashStore(operation: String, directory: String, start: Int) throws {
    let keepSecret = SecretBytes(utf8: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    func passphrase(_ step: Int) -> SecretBytes { SecretBytes(utf8: "passphrase number \(step)") }
    // The same cheap scrypt cost as the tests' Fixtures.cheap.
    let policy = ScryptPolicy(writeLogN: 10, minimumLogN: 10, maximumLogN: 20)
    let key = try KeyFile.read(at: directory + "/store.key")
    let other = try KeyFile.read(at: directory + "/other.key")
    let store = try EncryptedStore.open(at: directory + "/store", with: .keyFile(key), policy: policy)
    let progress = open(directory + "/progress", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard progress >= 0 else { throw POSIXError(.EIO) }
    for step in (start + 1)... {
        switch operation {
        case "set":
            if step % 3 == 0 {
                try store.remove(named: "p")
            } else {
                try store.set(StoredProfile(name: "p", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                            secretAccessKey: keepSecret, settings: ["seq": "\(step)"]))
            }
        case "passwd":
            try store.changePassphrase(from: passphrase(step - 1), to: passphrase(step))
        case "rotate":
            try store.rotateDataKey(otherSecrets: [.passphrase(passphrase(0)), .keyFile(other)])
        case "slots":
            if step % 2 == 1 { try store.addSlot(.keyFile(other)) } else { try store.removeSlot(at: 2) }
        default:
            FileHandle.standardError.write(Data("TestChild: unknown operation \(operation)\n".utf8))
            exit(64)
        }
        let line = Array("\(step)\n".utf8)
        _ = line.withUnsafeBytes { write(progress, $0.baseAddress!, $0.count) }
    }
}

/// Saves one session and is killed (SIGKILL, through the atomic write's fault seam) at `spec`, e.g. `rename#1`.
func crashSessions(storePath: String, keyFile: String, spec: String) throws {
    let store = try EncryptedStore.open(at: storePath, with: .keyFile(try KeyFile.read(at: keyFile)))
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    AtomicWriteFaultInjection.at(spec) {
        kill(getpid(), SIGKILL)
        return nil
    }
    try SessionCache(store: store, now: { start }).store(CachedSession(
        kind: .plainSession, profile: "killed", accessKeyID: "ASIAKILLEDEXAMPLE001",
        secretAccessKey: SecretBytes(utf8: "killedSecretEXAMPLEKEYkilledSecretEXAMPL"),
        sessionToken: SecretBytes(utf8: "killedTokenEXAMPLE"), expiration: start.addingTimeInterval(3600),
        created: start))
    FileHandle.standardError.write(Data("TestChild: the kill point \(spec) was never reached\n".utf8))
    exit(2)
}

/// A body that assigns another document: `SharedFileEditor` must stop the process before writing anything.
func reassignSharedFile(path: String) throws {
    try SharedFileEditor.edit(path: path, kind: .credentials) { document in
        document = try ProfileFile(parsing: "[other]\nk = 2\n", kind: .credentials, path: path)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch (arguments.first, arguments.count) {
    case ("crash-store", 4):
        try crashStore(operation: arguments[1], directory: arguments[2], start: Int(arguments[3]) ?? 0)
    case ("crash-sessions", 4):
        try crashSessions(storePath: arguments[1], keyFile: arguments[2], spec: arguments[3])
    case ("reassign-shared-file", 2):
        try reassignSharedFile(path: arguments[1])
    default:
        FileHandle.standardError.write(Data("usage: TestChild crash-store OP DIR START | reassign-shared-file PATH\n"
                                                .utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("TestChild: \(error)\n".utf8))
    exit(1)
}
#else
import Glibc
print("TestChild runs in debug builds only (it uses test seams)")
exit(64)
#endif
