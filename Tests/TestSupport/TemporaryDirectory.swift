import Foundation

/// A private (0700) temporary directory, removed with everything in it when the value goes away. Every test that
/// touches files works in one, never in the real HOME or `~/.aws`.
package final class TemporaryDirectory {
    /// The directory.
    package let url: URL
    /// The directory's path.
    package var path: String { url.path }

    /// Creates a new, empty directory under `$TMPDIR` named `prefix-UUID`.
    package init(prefix: String = "credstore-test") throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The path of `name` (which may contain slashes) inside the directory.
    package func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name`, creating parent directories, with exactly `mode` (private unless asked: as the AWS
    /// CLI creates its files, and credstore refuses to write a secret into a file others can read). Returns the path.
    @discardableResult
    package func write(_ text: String, to name: String, mode: mode_t = 0o600) throws -> String {
        try write(Array(text.utf8), to: name, mode: mode)
    }

    /// Writes `bytes` to `name`, creating parent directories, with exactly `mode`. Returns the path.
    @discardableResult
    package func write(_ bytes: [UInt8], to name: String, mode: mode_t = 0o600) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: Int(mode)], ofItemAtPath: file.path)
        return file.path
    }

    /// Reads `name` as UTF-8.
    package func read(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: url.appendingPathComponent(name)), as: UTF8.self)
    }

    /// Writes an executable (0755) `/bin/sh` script `name` running `body`; returns its path.
    @discardableResult
    package func script(_ name: String, _ body: String) throws -> String {
        try write("#!/bin/sh\n" + body + "\n", to: name, mode: 0o755)
    }
}

/// A temporary HOME for one test: a `TemporaryDirectory` plus the environment a program run in it sees, so nothing
/// reads or writes the real HOME, `~/.aws` or store.
package final class TemporaryHome {
    /// The directory that is HOME; removed with the value.
    package let directory: TemporaryDirectory
    /// The HOME directory.
    package var url: URL { directory.url }
    /// The HOME directory's path.
    package var path: String { directory.path }

    /// Creates an empty HOME.
    package init() throws {
        directory = try TemporaryDirectory(prefix: "credstore-home")
    }

    /// The environment a child sees: PATH, HOME and XDG dirs inside the temporary HOME, no instance metadata, and
    /// nothing from AWS_* or CREDSTORE_* of the parent.
    package var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": path,
            "XDG_DATA_HOME": path + "/.local/share",
            "XDG_CONFIG_HOME": path + "/.config",
            "XDG_RUNTIME_DIR": path + "/run",
            "LANG": "C.UTF-8",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    /// Writes `contents` to `relativePath` under HOME, creating parent directories, with exactly `mode` (private
    /// unless asked, as the AWS CLI creates its files). Returns the full path.
    @discardableResult
    package func write(_ contents: String, to relativePath: String, mode: mode_t = 0o600) throws -> String {
        try directory.write(contents, to: relativePath, mode: mode)
    }

    /// Reads `relativePath` under HOME as UTF-8.
    package func read(_ relativePath: String) throws -> String {
        try directory.read(relativePath)
    }
}
