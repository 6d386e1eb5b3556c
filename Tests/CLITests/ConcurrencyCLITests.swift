import Foundation
import TestSupport
import XCTest

/// 16 processes × 50 edits each through the real binary, to the encrypted store (key-file slot) and to a shared
/// credentials file at once: every command exits 0 or 75 ("locked", after its bounded wait), and the final store
/// and file hold every edit that succeeded — no update is lost.
final class ConcurrencyCLITests: XCTestCase {
    private static let workers = 16
    private static let editsPerWorker = 50

    func testSixteenProcessesTimesFiftyEditsLoseNothing() throws {
        let home = try TemporaryHome()
        let key = home.path + "/store.key"
        XCTAssertEqual(try CLI.run(["init", "--key-file", key, "--no-passphrase"], environment: home.environment)
            .status, 0)
        let shared = try home.write("# shared by 16 editors\n[keep]\nregion = eu-west-1\n", to: ".aws/credentials")
        let secretFile = try home.write("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", to: "secret-input")
        // Each worker is a shell loop: even edits go to the store, odd ones to the shared file; it logs each status.
        let script = """
            for i in $(seq 1 \(Self.editsPerWorker)); do
              if [ $((i % 2)) -eq 0 ]; then
                "$CREDSTORE" set --profile "w$W-$i" --access-key AKIAIOSFODNN7EXAMPLE --key-file "$KEY" \
                  < "$SECRET_FILE" > /dev/null 2>> "$LOG.err"
              else
                "$CREDSTORE" set --profile "w$W-$i" --access-key AKIAIOSFODNN7EXAMPLE --profile-location "$SHARED" \
                  < "$SECRET_FILE" > /dev/null 2>> "$LOG.err"
              fi
              echo "$i $?"
            done > "$LOG"
            """
        let started = Date()
        let processes = try (0..<Self.workers).map { worker -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script]
            process.environment = home.environment.merging([
                "CREDSTORE": CLI.executable.path, "W": String(worker), "KEY": key, "SHARED": shared,
                "SECRET_FILE": secretFile, "LOG": home.path + "/worker-\(worker).log",
            ]) { $1 }
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        let elapsed = Date().timeIntervalSince(started)

        var succeeded: Set<String> = []
        var locked = 0
        for worker in 0..<Self.workers {
            let log = try home.read("worker-\(worker).log").split(separator: "\n")
            XCTAssertEqual(log.count, Self.editsPerWorker, "worker \(worker) finished every edit")
            for line in log {
                let fields = line.split(separator: " ")
                let status = Int32(fields[1])!
                XCTAssertTrue(status == 0 || status == 75, "worker \(worker) edit \(fields[0]) exited \(status): "
                              + ((try? home.read("worker-\(worker).log.err")) ?? ""))
                if status == 0 { succeeded.insert("w\(worker)-\(fields[0])") }
                if status == 75 { locked += 1 }
            }
        }
        let list = try CLI.run(["list", "--json"], environment: home.environment.merging(
            ["AWS_SHARED_CREDENTIALS_FILE": shared]) { $1 })
        XCTAssertEqual(list.status, 0, list.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        let rows = object?["Profiles"] as? [[String: Any]] ?? []
        let inStore = Set(rows.filter { $0["StoreTypeName"] as? String == "SecureStore" }
            .compactMap { $0["ProfileName"] as? String })
        let inFile = Set(rows.filter { $0["StoreTypeName"] as? String == "SharedCredentialsFile" }
            .compactMap { $0["ProfileName"] as? String })
        let wantStore = succeeded.filter { Int($0.split(separator: "-")[1])! % 2 == 0 }
        let wantFile = succeeded.subtracting(wantStore)
        XCTAssertEqual(inStore, wantStore, "every successful store edit is in the store, and nothing else")
        XCTAssertEqual(inFile, wantFile.union(["keep"]), "every successful file edit is in the file")
        XCTAssertTrue(try home.read(".aws/credentials").hasPrefix("# shared by 16 editors\n[keep]\n"))
        // The store as a whole still authenticates and decrypts.
        if let any = wantStore.first {
            let get = try CLI.run(["get", "--profile", any, "--key-file", key], environment: home.environment)
            XCTAssertEqual(get.status, 0, get.stderr)
        }
        print("concurrency: \(Self.workers)×\(Self.editsPerWorker) edits in \(String(format: "%.1f", elapsed)) s, "
              + "\(succeeded.count) succeeded, \(locked) gave up with exit 75")
    }
}
