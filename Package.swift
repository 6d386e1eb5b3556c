// swift-tools-version:5.10
// credstore: an encrypted, per-user credential store for AWS-style access keys.
// Module graph (docs/ARCHITECTURE.md): credstore -> {CredentialLookup, UnlockAgent}; CredentialLookup -> {SecureStore,
// SharedFileStore}; UnlockAgent -> SecureStore; SecureStore -> COpenSSL (system libcrypto); all of them -> SystemLayer
// (syscalls, EINTR, clocks, locking, spawn, the atomic write; internal: in no product's public surface). Linux only.
import PackageDescription

let package = Package(
    name: "credstore",
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
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "SystemLayer"),
        .target(name: "SecureStore", dependencies: ["COpenSSL", "SystemLayer"]),
        .target(name: "SharedFileStore", dependencies: ["SystemLayer"]),
        .target(name: "CredentialLookup", dependencies: ["SecureStore", "SharedFileStore", "SystemLayer"]),
        .target(name: "UnlockAgent", dependencies: ["SecureStore", "SystemLayer"]),
        .executableTarget(
            name: "credstore",
            dependencies: [
                "CredentialLookup",
                "UnlockAgent",
                "SystemLayer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The child process of tests that kill or crash it (not a test, so never counted as a pass).
        .executableTarget(name: "TestChild", dependencies: ["SecureStore", "SharedFileStore"], path: "Tests/TestChild"),
        .testTarget(name: "SystemLayerTests", dependencies: ["SystemLayer"]),
        .testTarget(name: "SecureStoreTests", dependencies: ["SecureStore", "SystemLayer", "TestChild"]),
        .testTarget(name: "SharedFileStoreTests", dependencies: ["SharedFileStore", "SystemLayer", "TestChild"]),
        .testTarget(name: "CredentialLookupTests", dependencies: ["CredentialLookup"]),
        .testTarget(name: "UnlockAgentTests", dependencies: ["UnlockAgent", "SecureStore"]),
        .testTarget(name: "CLITests", dependencies: ["credstore", "UnlockAgent"]),
    ]
)
