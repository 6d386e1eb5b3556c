import Foundation
import TestSupport
import XCTest
@testable import SharedFileStore

/// botocore (the AWS CLI's parser and credential resolver) reads back exactly what SharedFileStore wrote.
final class BotocoreInteropTests: XCTestCase {
    private let accessKey = "AKIAIOSFODNN7EXAMPLE"
    private let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    private func python() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("python3")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            let check = Process()
            check.executableURL = candidate
            check.arguments = ["-c", "import botocore"]
            check.standardOutput = FileHandle.nullDevice
            check.standardError = FileHandle.nullDevice
            try check.run()
            check.waitUntilExit()
            guard check.terminationStatus == 0 else { break }
            return candidate
        }
        throw MissingPeer.error("the botocore read-back tests", needs: "python3 with botocore (not found on PATH)",
                                remedy: "run Scripts/bootstrap --test (it installs python3 and botocore)")
    }

    /// Runs Scripts/botocore-readback.py on the two files and returns its JSON.
    private func botocoreView(credentials: String, config: String, home: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = try python()
        process.arguments = [TestPaths.packageRoot.appendingPathComponent("Scripts/botocore-readback.py").path]
        process.environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": home,
            "LANG": "C.UTF-8",
            "AWS_SHARED_CREDENTIALS_FILE": credentials,
            "AWS_CONFIG_FILE": config,
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            // botocore is there (python() checked): a failing read-back is a finding, not a missing peer.
            throw MissingPeer(description: "botocore-readback.py failed (\(process.terminationStatus)):\n\(errorText)")
        }
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testBotocoreReadsBackWhatSharedFileStoreWrote() throws {
        let temporary = try TemporaryDirectory()
        // Hand-written files with comments, blank lines, CRLF and sections SharedFileStore does not edit; only
        // syntax on which botocore's configparser and the SDK rules agree (no inline comments, no duplicates).
        let credentials = try temporary.write("""
            # my keys\r
            [old-name]\r
            aws_access_key_id = AKIAOLD\r
            aws_secret_access_key = oldsecret\r
            \r
            ; a profile to delete\r
            [doomed]\r
            aws_access_key_id = AKIADOOMED\r

            """, to: "home/.aws/credentials")
        let config = try temporary.write("""
            [default]
            region = us-east-1

            # SSO
            [sso-session corp]
            sso_region = us-east-1
            sso_start_url = https://example.awsapps.com/start

            [profile sso-user]
            sso_session = corp
            s3 =
              addressing_style = path

            """, to: "home/.aws/config")

        try SharedFileEditor.edit(path: credentials, kind: .credentials) { document in
            try document.setValue(accessKey, forKey: "aws_access_key_id", inProfile: "default")
            try document.setValue(secretKey, forKey: "aws_secret_access_key", inProfile: "default")
            try document.setValue("FwoGZXIvYXdzEXAMPLE/token+with=signs", forKey: "aws_session_token",
                                  inProfile: "default")
            try document.renameProfile("old-name", to: "renamed")
            try document.setValue(secretKey, forKey: "aws_secret_access_key", inProfile: "renamed")
            try document.removeProfile("doomed")
            try document.setValue(accessKey, forKey: "aws_access_key_id", inProfile: "team/ci@prod:1+x.y%z")
            try document.setValue(secretKey, forKey: "aws_secret_access_key", inProfile: "team/ci@prod:1+x.y%z")
        }
        try SharedFileEditor.edit(path: config, kind: .config) { document in
            try document.setValue("eu-west-1", forKey: "region", inProfile: "default")
            try document.setValue("json", forKey: "output", inProfile: "default")
            try document.setSubValue("s3v4", forKey: "s3", subKey: "signature_version", inProfile: "sso-user")
            try document.setSubValue("virtual", forKey: "s3", subKey: "addressing_style", inProfile: "sso-user")
            try document.setValue("unicode ✓ value=with#hash;semi", forKey: "note", inProfile: "renamed")
            try document.setValue("", forKey: "empty", inProfile: "renamed")
            try document.setValue("eu-central-1", forKey: "region", inProfile: "team/ci@prod:1+x.y%z")
            try document.setSubValue("https://s3.example.com", forKey: "s3", subKey: "endpoint_url",
                                     inProfile: "team/ci@prod:1+x.y%z")
            try document.removeValue(forKey: "sso_session", inProfile: "sso-user")
            try document.setValue("corp", forKey: "sso_session", inProfile: "sso-user")
        }

        let ours = try SharedProfiles(credentialsPath: credentials, configPath: config)
        let theirs = try botocoreView(credentials: credentials, config: config, home: temporary.file("home"))

        var ourProfiles: [String: Tree] = [:]
        for profile in ours.profiles { ourProfiles[profile.name] = Tree(profile.properties) }
        XCTAssertEqual(Tree.map(ourProfiles), Tree(json: theirs["profiles"]!))
        XCTAssertEqual(Set(ourProfiles.keys), ["default", "renamed", "team/ci@prod:1+x.y%z", "sso-user"])
        var ourSessions: [String: Tree] = [:]
        for session in ours.ssoSessions { ourSessions[session.name] = Tree(session.properties) }
        XCTAssertEqual(Tree.map(ourSessions), Tree(json: theirs["sso_sessions"]!))

        // botocore's credential resolver returns the keys we wrote, value for value.
        let resolved = theirs["credentials"] as! [String: Any]
        for name in ["default", "renamed", "team/ci@prod:1+x.y%z"] {
            let profile = ours.profile(name)!
            let credentials = resolved[name] as? [String: Any]
            XCTAssertEqual(credentials?["access_key"] as? String, profile.string("aws_access_key_id"), name)
            XCTAssertEqual(credentials?["secret_key"] as? String, profile.string("aws_secret_access_key"), name)
            XCTAssertEqual(credentials?["token"] as? String, profile.string("aws_session_token"), name)
        }
        XCTAssertEqual((resolved["default"] as? [String: Any])?["secret_key"] as? String, secretKey)
        // The hand-written comments survive.
        let credentialsText = try temporary.read("home/.aws/credentials")
        XCTAssertTrue(credentialsText.hasPrefix("# my keys\r\n[renamed]\r\n"), credentialsText)
        XCTAssertTrue(try temporary.read("home/.aws/config").contains("\n# SSO\n[sso-session corp]\n"))
    }
}
