import Foundation
import XCTest

/// A software TPM 2.0 (`swtpm socket --tpm2`) on 127.0.0.1 with a state directory of its own, for the TPM2 slot's
/// tests: a real TPM behind the same tss2 code path as `/dev/tpmrm0`. It has no resource manager, so the code under
/// test must flush its transient objects (a leak shows up as TPM_RC_OBJECT_MEMORY in later tests on the same TPM).
/// Stopped by PID when `stop()` is called or the value goes away.
package final class SoftwareTPM {
    /// The TPM's state (its seeds, NV memory and PCRs live there while it runs): copy it to clone the TPM.
    package let stateDirectory: String
    /// The TPM command port; the control port is `port + 1`.
    package private(set) var port = 0
    private var process: Process?

    /// The TCTI string credstore and tpm2-tools use for it.
    package var tcti: String { "swtpm:host=127.0.0.1,port=\(port)" }

    /// Starts swtpm on `stateDirectory` (created if missing): a fresh directory is a new TPM (another machine), the
    /// same or a copied directory the same TPM.
    ///
    /// - Throws: `MissingPeer` when swtpm or tpm2-tools is not installed; an error when it does not start.
    package init(stateDirectory: String) throws {
        self.stateDirectory = stateDirectory
        for tool in ["swtpm", "tpm2_pcrextend", "tpm2_pcrread"] where ProcessRunner.which(tool) == nil {
            throw MissingPeer.error("the TPM2 slot tests", needs: "\(tool) (Debian swtpm, swtpm-tools, tpm2-tools)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var lastError = ""
        for _ in 1...5 {
            let port = Self.freePortPair()
            let process = Process()
            process.executableURL = ProcessRunner.which("swtpm")
            process.arguments = ["socket", "--tpm2", "--tpmstate", "dir=\(stateDirectory)",
                                 "--server", "type=tcp,port=\(port),bindaddr=127.0.0.1",
                                 "--ctrl", "type=tcp,port=\(port + 1),bindaddr=127.0.0.1",
                                 "--flags", "not-need-init,startup-clear"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            if Self.waitForListener(port: port, process: process) {
                self.port = port
                self.process = process
                return
            }
            process.terminate()
            process.waitUntilExit()
            lastError = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        throw MissingPeer(description: "swtpm did not start on 127.0.0.1: \(lastError)")
    }

    deinit { stop() }

    /// Stops swtpm (SIGTERM to its PID) and waits for it; the state directory stays.
    package func stop() {
        guard let process else { return }
        self.process = nil
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// Runs a tpm2-tools program against this TPM.
    package func tool(_ name: String, _ arguments: [String]) throws -> ProcessResult {
        guard let executable = ProcessRunner.which(name) else {
            throw MissingPeer.error("the TPM2 slot tests", needs: "\(name) (Debian tpm2-tools)",
                                    remedy: "run Scripts/bootstrap --test")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["TPM2TOOLS_TCTI"] = tcti
        environment["TSS2_LOG"] = "all+NONE"
        return try ProcessRunner.run(executable, arguments, environment: environment)
    }

    /// Extends SHA-256 PCR `pcr` with a digest (as a firmware or boot loader update would): its value changes.
    package func extendPCR(_ pcr: Int, with byte: UInt8 = 0xab) throws {
        let digest = String(repeating: String(byte, radix: 16), count: 32)
        let result = try tool("tpm2_pcrextend", ["\(pcr):sha256=\(digest)"])
        XCTAssertEqual(result.status, 0, "tpm2_pcrextend failed: \(result.stderr)")
    }

    /// The current SHA-256 value of `pcr`, in hex.
    package func readPCR(_ pcr: Int) throws -> String {
        let result = try tool("tpm2_pcrread", ["sha256:\(pcr)"])
        guard result.status == 0, let line = result.stdout.split(separator: "\n").last(where: { $0.contains("0x") })
        else { throw MissingPeer(description: "tpm2_pcrread failed: \(result.stderr)") }
        return String(line.split(separator: "0x").last ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// A port whose successor is free too (swtpm's control port), from the kernel's ephemeral range.
    private static func freePortPair() -> Int {
        for _ in 1...20 {
            let port = Int(boundPort(0))
            if port > 0, port < 65535, boundPort(UInt16(port + 1)) != 0 { return port }
        }
        return 20000 + Int(getpid() % 20000)
    }

    /// Binds a TCP socket to 127.0.0.1:`port` (0: any), returns the port bound (0 on failure) and closes it.
    private static func boundPort(_ port: UInt16) -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        return bound ? UInt16(bigEndian: address.sin_port) : 0
    }

    /// Waits up to 10 s until something accepts connections on `port` (or the process exits).
    private static func waitForListener(port: Int, process: Process) -> Bool {
        for _ in 1...200 {
            guard process.isRunning else { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return true }
            usleep(50_000)
        }
        return false
    }
}
