import Foundation
import TestSupport
import TPM2
import XCTest

/// Sealing and unsealing against a real software TPM (swtpm): the same tss2 code path as a hardware TPM behind
/// /dev/tpmrm0. These never skip on CI (`MissingPeer`).
final class TPM2SealTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var tpm: SoftwareTPM!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory(prefix: "credstore-tpm2")
        tpm = try SoftwareTPM(stateDirectory: directory.file("tpm"))
    }

    override func tearDown() {
        tpm?.stop()
        tpm = nil
        directory = nil
    }

    private let secret: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xff) }

    private func seal(pcrs: [Int] = [], tcti: String? = nil) throws -> TPMSealing.SealedObject {
        try secret.withUnsafeBytes { try TPMSealing.seal($0, tcti: tcti ?? tpm.tcti, pcrs: pcrs) }
    }

    private func unseal(_ sealed: TPMSealing.SealedObject, tcti: String? = nil) throws -> [UInt8] {
        try TPMSealing.unseal(sealed, tcti: tcti ?? tpm.tcti) { Array($0) }
    }

    func testSealedSecretUnsealsOnTheSameTPM() throws {
        let sealed = try seal()
        XCTAssertEqual(try unseal(sealed), secret)
        XCTAssertTrue(sealed.pcrs.isEmpty)
        // Sealing twice gives two different objects (fresh seed values): nothing is deterministic but the SRK.
        XCTAssertNotEqual(try seal().privateArea, sealed.privateArea)
    }

    func testPCRBoundSecretUnsealsWhileThePCRsAreUnchanged() throws {
        try tpm.extendPCR(7, with: 0x11)  // swtpm's PCRs start at zero: give PCR 7 a value of its own first
        let sealed = try seal(pcrs: [7, 11])
        XCTAssertEqual(sealed.pcrs, [7, 11])
        XCTAssertEqual(sealed.pcrValues.map { $0.map { String(format: "%02x", $0) }.joined() },
                       [try tpm.readPCR(7), try tpm.readPCR(11)])
        XCTAssertEqual(try unseal(sealed), secret)
        XCTAssertEqual(try unseal(sealed), secret)
    }

    func testExtendingABoundPCRMakesUnsealRefuseNamingThatPCR() throws {
        let sealed = try seal(pcrs: [7, 11])
        try tpm.extendPCR(11)
        XCTAssertThrowsError(try unseal(sealed)) { error in
            guard let error = error as? TPM2Error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, .pcrPolicyNotSatisfied)
            XCTAssertEqual(error.boundPCRs, [7, 11])
            XCTAssertEqual(error.changedPCRs, [11])
            XCTAssertTrue(error.message.contains("PCR 11 changed"), error.message)
            XCTAssertTrue(error.message.contains("another key slot is needed"), error.message)
        }
        // A PCR the object is not bound to changes nothing.
        let unbound = try seal(pcrs: [7])
        try tpm.extendPCR(12)
        XCTAssertEqual(try unseal(unbound), secret)
    }

    func testAnotherTPMRefusesToLoadTheSealedObject() throws {
        let sealed = try seal()
        let other = try SoftwareTPM(stateDirectory: directory.file("other-tpm"))
        defer { other.stop() }
        XCTAssertThrowsError(try unseal(sealed, tcti: other.tcti)) { error in
            XCTAssertEqual((error as? TPM2Error)?.code, .wrongTPM, "\(error)")
            XCTAssertTrue("\(error)".contains("does not load under the storage root key"), "\(error)")
        }
        // A copy of the TPM's state is the same TPM.
        tpm.stop()
        let copy = directory.file("copied-tpm")
        try FileManager.default.copyItem(atPath: directory.file("tpm"), toPath: copy)
        let clone = try SoftwareTPM(stateDirectory: copy)
        defer { clone.stop() }
        XCTAssertEqual(try unseal(sealed, tcti: clone.tcti), secret)
    }

    func testNoTPMAtTheTCTIIsNamed() throws {
        let sealed = try seal()
        XCTAssertThrowsError(try unseal(sealed, tcti: "device:/dev/credstore-no-such-tpm")) { error in
            guard let error = error as? TPM2Error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, .noTPM)
            XCTAssertTrue(error.message.contains("/dev/credstore-no-such-tpm does not exist"), error.message)
        }
        let port = tpm.port
        tpm.stop()
        XCTAssertThrowsError(try unseal(sealed, tcti: "swtpm:host=127.0.0.1,port=\(port)")) { error in
            XCTAssertEqual((error as? TPM2Error)?.code, .noTPM, "\(error)")
        }
    }

    func testTransientObjectsAndSessionsAreFlushed() throws {
        let sealed = try seal(pcrs: [7])
        _ = try unseal(sealed)
        _ = try? unseal(sealed, tcti: tpm.tcti)
        try tpm.extendPCR(7)
        XCTAssertThrowsError(try unseal(sealed))
        for capability in ["handles-transient", "handles-loaded-session", "handles-saved-session"] {
            let result = try tpm.tool("tpm2_getcap", [capability])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "", capability)
        }
    }

    func testTCTIComesFromTheOptionThenTheEnvironmentThenTheKernelResourceManager() {
        XCTAssertEqual(TPMSealing.tcti(explicit: nil, environment: [:]), "device:/dev/tpmrm0")
        XCTAssertEqual(TPMSealing.tcti(explicit: nil, environment: ["CREDSTORE_TPM2_DEVICE": "swtpm:port=1"]),
                       "swtpm:port=1")
        XCTAssertEqual(TPMSealing.tcti(explicit: "/dev/tpm0", environment: ["CREDSTORE_TPM2_DEVICE": "swtpm:port=1"]),
                       "device:/dev/tpm0")
        XCTAssertEqual(TPMSealing.tcti(explicit: "", environment: [:]), "device:/dev/tpmrm0")
    }
}
