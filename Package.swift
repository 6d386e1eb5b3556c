// swift-tools-version:5.10
// credstore: an encrypted, per-user credential store for AWS-style access keys.
// Module graph (DESIGN.md): credstore -> CredentialLookup -> {SecureStore -> COpenSSL, SharedFileStore};
// credstore -> UnlockAgent -> SecureStore.
import PackageDescription

let package = Package(
    name: "credstore",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "credstore", targets: ["credstore"]),
        .library(name: "CredentialLookup", targets: ["CredentialLookup"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(name: "SecureStore", dependencies: ["COpenSSL"]),
        .target(name: "SharedFileStore"),
        .target(name: "CredentialLookup", dependencies: ["SecureStore", "SharedFileStore"]),
        .target(name: "UnlockAgent", dependencies: ["SecureStore"]),
        .executableTarget(
            name: "credstore",
            dependencies: [
                "CredentialLookup",
                "UnlockAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The child process of tests that kill or crash it (not a test, so never counted as a pass).
        .executableTarget(name: "TestChild", dependencies: ["SecureStore", "SharedFileStore"], path: "Tests/TestChild"),
        .testTarget(name: "SecureStoreTests", dependencies: ["SecureStore", "TestChild"]),
        .testTarget(name: "SharedFileStoreTests", dependencies: ["SharedFileStore", "TestChild"]),
        .testTarget(name: "CredentialLookupTests", dependencies: ["CredentialLookup"]),
        .testTarget(name: "UnlockAgentTests", dependencies: ["UnlockAgent", "SecureStore"]),
        .testTarget(name: "CLITests", dependencies: ["credstore", "UnlockAgent"]),
    ]
)
