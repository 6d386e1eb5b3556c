import Foundation
import TestSupport
import XCTest

/// The README's "Using credstore from Swift" example, compiled and run as a library user would: its first ```swift
/// block becomes the `main.swift` of a separate package that depends on this one by path (product
/// `CredentialLookup`), and it must print the access key id of a profile from a store opened with a key file.
final class LibraryUsageTests: XCTestCase {
    /// The repository root: this file is `Tests/CLITests/LibraryUsageTests.swift`.
    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The first ```swift block after the "Using credstore from Swift" heading, exactly as written.
    static func readmeExample() throws -> String {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let heading = try XCTUnwrap(readme.range(of: "\n## Using credstore from Swift\n"),
                                    "README.md has no 'Using credstore from Swift' section")
        let rest = readme[heading.upperBound...]
        let open = try XCTUnwrap(rest.range(of: "```swift\n"), "the section has no ```swift block")
        let close = try XCTUnwrap(rest[open.upperBound...].range(of: "\n```\n"), "the ```swift block is not closed")
        return String(rest[open.upperBound..<close.lowerBound]) + "\n"
    }

    func testTheREADMEExampleBuildsAgainstTheLibraryAndPrintsTheAccessKeyID() throws {
        guard let swift = CLI.which("swift") else {
            throw MissingPeer.error("the README library example test", needs: "the swift toolchain (not found on PATH)",
                                    remedy: "put swift on PATH")
        }
        let example = try Self.readmeExample()
        XCTAssertTrue(example.contains("import CredentialLookup"), example)

        // The separate package, in a temporary directory (removed with `work`).
        let work = try TemporaryHome()
        let root = Self.repositoryRoot.path
        try work.write("""
            // swift-tools-version:5.10
            import PackageDescription

            let package = Package(
                name: "show-key-id",
                dependencies: [.package(path: \(Self.swiftLiteral(root)))],
                targets: [
                    .executableTarget(
                        name: "show-key-id",
                        dependencies: [.product(name: "CredentialLookup", package: "\(Self.packageIdentity(root))")]
                    ),
                ]
            )

            """, to: "show-key-id/Package.swift")
        try work.write(example, to: "show-key-id/Sources/show-key-id/main.swift")
        // The same dependency versions as this package, so the build resolves from the local cache.
        let resolved = Self.repositoryRoot.appendingPathComponent("Package.resolved")
        if let pins = try? String(contentsOf: resolved, encoding: .utf8) {
            try work.write(pins, to: "show-key-id/Package.resolved")
        }
        let packageDirectory = work.path + "/show-key-id"
        let build = try CLI.runProcess(swift, ["build", "--package-path", packageDirectory,
                                              "--scratch-path", packageDirectory + "/.build"],
                                       environment: ProcessInfo.processInfo.environment)
        XCTAssertEqual(build.status, 0, "the README example does not build:\n\(build.stdout)\n\(build.stderr)")
        guard build.status == 0 else { return }
        let binary = URL(fileURLWithPath: packageDirectory + "/.build/debug/show-key-id")

        // A store created by the built credstore with a key file, holding one profile.
        let home = try TemporaryHome()
        let key = home.path + "/store.key"
        let initialized = try CLI.run(["init", "--key-file", key, "--no-passphrase"], environment: home.environment)
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        let stored = try CLI.run(["set", "--profile", "prod", "--access-key", "AKIAIOSFODNN7EXAMPLE",
                                  "--key-file", key],
                                 environment: home.environment, stdin: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
        XCTAssertEqual(stored.status, 0, stored.stderr)

        let run = try CLI.runProcess(binary, ["prod", key], environment: home.environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "AKIAIOSFODNN7EXAMPLE\n", run.stderr)
        XCTAssertFalse(run.stdout.contains("EXAMPLEKEY") || run.stderr.contains("EXAMPLEKEY"), "a secret was printed")

        // Without the key file and with nobody to ask, it fails with the library's error, not a prompt or a hang.
        let locked = try CLI.runProcess(binary, ["prod"], environment: home.environment)
        XCTAssertEqual(locked.status, 1, locked.stdout)
        XCTAssertTrue(locked.stderr.contains("show-key-id:"), locked.stderr)
        XCTAssertEqual(locked.stdout, "")
    }

    /// `path` as a Swift string literal.
    private static func swiftLiteral(_ path: String) -> String {
        "\"" + path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The identity SwiftPM gives a path dependency: the last path component, lowercased.
    private static func packageIdentity(_ path: String) -> String {
        URL(fileURLWithPath: path).lastPathComponent.lowercased()
    }
}
