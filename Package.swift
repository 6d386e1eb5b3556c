// swift-tools-version:5.10
// credstore: an encrypted, per-user credential store for AWS-style access keys.
// Module graph (docs/ARCHITECTURE.md is the authoritative map): credstore -> {CredentialServer, CredentialLookup,
// UnlockAgent, SharedFileStore, SecureStore}; CredentialServer (the local credential endpoint) -> {CredentialLookup,
// SecureStore, CMicroHTTPD (libmicrohttpd by dlopen)}; CredentialLookup (front door `CredentialSearch`) -> {AWSAPI,
// HTTPClient, UnlockAgent, SharedFileStore, SecureStore, TPM2}; UnlockAgent -> SecureStore; AWSAPI (SigV4, STS/IAM/KMS)
// -> {HTTPClient, SecureStore}; HTTPClient -> {CCurl (libcurl by dlopen), SecureStore}; SecureStore -> {COpenSSL
// (system libcrypto), TPM2}; TPM2 -> CTSS2 (tss2 by dlopen); every Swift module but CredentialServer -> SystemLayer
// (syscalls, EINTR, clocks, locking, spawn, the atomic write; in no product's public surface). Linux only.
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
        // The tss2 C library (tpm2-tss): its headers only; the functions are loaded with dlopen at first use.
        .target(name: "CTSS2"),
        // Sealing a key to a TPM 2.0 (tss2-esys through CTSS2).
        .target(name: "TPM2", dependencies: ["CTSS2", "SystemLayer"]),
        .target(name: "SecureStore", dependencies: ["COpenSSL", "SystemLayer", "TPM2"]),
        .target(name: "SharedFileStore", dependencies: ["SystemLayer"]),
        .target(name: "CredentialLookup",
                dependencies: ["AWSAPI", "HTTPClient", "SecureStore", "SharedFileStore", "TPM2", "UnlockAgent",
                               "SystemLayer"]),
        .target(name: "UnlockAgent", dependencies: ["SecureStore", "SystemLayer"]),
        // HTTP requests (the transport protocol; the system libcurl, loaded with dlopen at first use).
        .target(name: "HTTPClient", dependencies: ["CCurl", "SecureStore", "SystemLayer"]),
        // The system libcurl's header and typed wrappers over dlopen/dlsym: no link-time dependency, so a command
        // that never sends a request never maps libcurl (Debian libcurl4-openssl-dev to build, libcurl4 to run).
        .target(name: "CCurl"),
        // The system GNU libmicrohttpd, loaded with dlopen when an endpoint starts (C shim: typed wrappers).
        .target(name: "CMicroHTTPD"),
        // The local ECS container-credentials endpoint (`exec --ecs-server`, `serve`).
        .target(name: "CredentialServer", dependencies: ["CMicroHTTPD", "CredentialLookup", "SecureStore"]),
        // Signed AWS requests: SigV4, the query and JSON protocols, STS/IAM/KMS clients over any HTTPTransport.
        .target(name: "AWSAPI", dependencies: ["HTTPClient", "SecureStore", "SystemLayer"]),
        .executableTarget(
            name: "credstore",
            dependencies: [
                "CredentialLookup",
                "CredentialServer",
                "SecureStore",
                "SharedFileStore",
                "SystemLayer",
                "UnlockAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The child process of tests that kill or crash it (not a test, so never counted as a pass).
        .executableTarget(name: "TestChild", dependencies: ["SecureStore", "SharedFileStore"], path: "Tests/TestChild"),
        // What the test targets share: temporary HOME and directories, the example keys, a process runner, the
        // conformance-suite paths and the MissingPeer skip (a library target: test targets cannot share files).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SystemLayerTests", dependencies: ["SystemLayer", "TestSupport"]),
        .testTarget(name: "TPM2Tests", dependencies: ["TPM2", "TestSupport"]),
        .testTarget(name: "SecureStoreTests",
                    dependencies: ["SecureStore", "SystemLayer", "TestChild", "TestSupport"]),
        .testTarget(name: "SharedFileStoreTests",
                    dependencies: ["SharedFileStore", "SystemLayer", "TestChild", "TestSupport"]),
        .testTarget(name: "CredentialLookupTests",
                    dependencies: ["AWSAPI", "CredentialLookup", "HTTPClient", "SecureStore", "SharedFileStore",
                                   "SystemLayer", "TestSupport"]),
        .testTarget(name: "UnlockAgentTests", dependencies: ["UnlockAgent", "SecureStore", "TestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "SecureStore", "TestSupport"]),
        .testTarget(name: "CredentialServerTests",
                    dependencies: ["CredentialServer", "CredentialLookup", "SecureStore", "TestSupport"]),
        .testTarget(name: "AWSAPITests",
                    dependencies: ["AWSAPI", "HTTPClient", "SecureStore", "SystemLayer", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["credstore", "UnlockAgent", "TestSupport"]),
    ]
)
