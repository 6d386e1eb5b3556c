// swift-tools-version:5.10
// credstore: an encrypted, per-user credential store for AWS-style access keys.
// Module graph (DESIGN.md): credstore -> CredentialLookup -> {SecureStore -> COpenSSL, SharedFileStore}, all of them
// -> SystemLayer (syscalls, EINTR, clocks, locking, the atomic write; internal: in no product's public surface).
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
        .target(name: "SystemLayer"),
        .target(name: "SecureStore", dependencies: ["COpenSSL", "SystemLayer"]),
        .target(name: "SharedFileStore", dependencies: ["SystemLayer"]),
        .target(name: "CredentialLookup", dependencies: ["SecureStore", "SharedFileStore", "SystemLayer"]),
        .executableTarget(
            name: "credstore",
            dependencies: [
                "CredentialLookup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The child process of tests that kill or crash it (not a test, so never counted as a pass).
        .executableTarget(name: "TestChild", dependencies: ["SecureStore", "SharedFileStore"], path: "Tests/TestChild"),
        .testTarget(name: "SystemLayerTests", dependencies: ["SystemLayer"]),
        .testTarget(name: "SecureStoreTests", dependencies: ["SecureStore", "SystemLayer", "TestChild"]),
        .testTarget(name: "SharedFileStoreTests", dependencies: ["SharedFileStore", "SystemLayer", "TestChild"]),
        .testTarget(name: "CredentialLookupTests", dependencies: ["CredentialLookup"]),
        .testTarget(name: "CLITests", dependencies: ["credstore"]),
    ]
)
