import Foundation
import TestSupport
import XCTest

/// Issue 14 item 1: the scheduled-task recipes of README.md and Scripts/examples/ work as written, under cron's own
/// environment (`env -i PATH=/usr/bin:/bin`, HOME, no terminal). The commands are extracted verbatim from the
/// documents; the only rewrites are the binary's path prefix `/usr/bin/credstore` → the binary just built (so the
/// test needs no installation and never touches /usr/bin) and the example job `/usr/local/bin/nightly-backup` → a
/// stand-in script that checks it got the stored key. `Scripts/package-test` runs the installed crontab line too.
final class RecipeCLITests: XCTestCase {
    private static let keyID = "AKIAIOSFODNN7EXAMPLE"
    private static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private static let installed = "/usr/bin/credstore"
    private static let exampleJob = "/usr/local/bin/nightly-backup"

    private var home: TemporaryHome!
    private var job: String!

    override func setUpWithError() throws {
        home = try TemporaryHome()
        // The stand-in for the backup program: it records (without printing anything secret) that it ran with the
        // stored key pair and without credstore's own secret-source variables.
        job = try home.write("""
            #!/bin/sh
            [ "$AWS_ACCESS_KEY_ID" = \(Self.keyID) ] && [ "$AWS_SECRET_ACCESS_KEY" = '\(Self.secret)' ] \\
                && [ -z "${CREDSTORE_KEY_FILE:-}" ] && echo ran >>"$HOME/job.ran"

            """, to: "bin/nightly-backup")
        chmod(job, 0o755)
    }

    override func tearDown() { home = nil }

    private static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: NewcomerCLITests.repository.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The fenced code blocks of `markdown` in `language`, in order.
    private static func blocks(_ language: String, in markdown: String) -> [[String]] {
        var result: [[String]] = []
        var current: [String]?
        for line in markdown.components(separatedBy: "\n") {
            if current == nil, line == "```" + language {
                current = []
            } else if current != nil, line == "```" {
                result.append(current!)
                current = nil
            } else {
                current?.append(line)
            }
        }
        return result
    }

    /// A command line as documented, without its trailing `# comment`.
    private static func command(_ line: String) -> String {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let comment = trimmed.range(of: "   #") ?? trimmed.range(of: "  #") else { return trimmed }
        return trimmed[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
    }

    /// Fails when `line` runs credstore by a bare name (cron's PATH would not find /usr/local/bin, say).
    private func assertAbsolute(_ line: String, _ origin: String, file: StaticString = #filePath,
                                line number: UInt = #line) {
        let bare = line.range(of: #"(^|[\s=;|&(])credstore\s"#, options: .regularExpression)
        XCTAssertNil(bare, "\(origin) runs credstore by a bare name: \(line)", file: file, line: number)
        XCTAssertTrue(line.contains(Self.installed), "\(origin) does not name \(Self.installed): \(line)",
                      file: file, line: number)
    }

    /// Runs `line` as cron would: `/bin/sh -c` in an empty environment with cron's PATH, no terminal (setsid).
    private func runAsCron(_ line: String, extra: [String] = [], stdin: String? = nil) throws -> CLIResult {
        let rewritten = line.replacingOccurrences(of: Self.installed, with: CLI.executable.path)
            .replacingOccurrences(of: Self.exampleJob, with: job)
        let environment = ["PATH=/usr/bin:/bin", "HOME=" + home.path, "SHELL=/bin/sh", "LANG=C.UTF-8",
                           "AWS_EC2_METADATA_DISABLED=true"] + extra
        return try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                  ["-i"] + environment + ["/usr/bin/setsid", "-w", "/bin/sh", "-c", rewritten],
                                  environment: [:], stdin: stdin.map { Data($0.utf8) })
    }

    /// The five time fields of a crontab line taken off: the command cron hands to /bin/sh.
    private static func cronCommand(_ line: String) -> String {
        var rest = Substring(line)
        for _ in 0..<5 {
            rest = rest.drop { $0 == " " || $0 == "\t" }.drop { $0 != " " && $0 != "\t" }
        }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// Runs the set-up commands, then the cron line and the credential_process line, all from one document.
    private func runRecipe(setup: [String], cron: String, credentialProcess: String, origin: String) throws {
        XCTAssertEqual(setup.count, 2, "\(origin): the one-time set-up is init and set")
        for line in setup + [cron, credentialProcess] { assertAbsolute(line, origin) }
        for line in setup {
            // `set` reads the secret from stdin when there is no terminal, as cron's environment has none.
            let result = try runAsCron(line, stdin: Self.secret + "\n")
            XCTAssertEqual(result.status, 0, "\(origin): \(line)\n\(result.stderr)")
        }
        let ran = try runAsCron(Self.cronCommand(cron))
        XCTAssertEqual(ran.status, 0, "\(origin): \(cron)\n\(ran.stderr)")
        XCTAssertEqual(try home.read("job.ran"), "ran\n", "\(origin): the job did not get the stored key")

        let process = try runAsCron(credentialProcess,
                                    extra: ["CREDSTORE_KEY_FILE=" + home.path + "/.config/credstore/store.key"])
        XCTAssertEqual(process.status, 0, "\(origin): \(credentialProcess)\n\(process.stderr)")
        let reply = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(process.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(reply["Version"] as? Int, 1)
        XCTAssertEqual(reply["AccessKeyId"] as? String, Self.keyID)
    }

    func testCrontabExampleWorksVerbatimUnderCron() throws {
        let example = try Self.text("Scripts/examples/crontab.example").components(separatedBy: "\n")
        let setup = example.compactMap { line -> String? in
            guard line.hasPrefix("#   "), line.contains("credstore init") || line.contains("credstore set") else {
                return nil
            }
            return Self.command(String(line.dropFirst()))
        }
        let cron = try XCTUnwrap(example.first { $0.first.map { $0.isNumber || $0 == "*" } == true })
        let process = try XCTUnwrap(example.compactMap { line -> String? in
            guard let range = line.range(of: "credential_process = ") else { return nil }
            return String(line[range.upperBound...])
        }.first)
        try runRecipe(setup: setup, cron: cron, credentialProcess: process, origin: "crontab.example")
    }

    func testReadmeScheduledTaskRecipeWorksVerbatimUnderCron() throws {
        let readme = try Self.text("README.md")
        let section = try XCTUnwrap(readme.components(separatedBy: "\n## ").first { $0.hasPrefix("Scheduled tasks") })
        let setup = try XCTUnwrap(Self.blocks("sh", in: section).first).map(Self.command).filter { !$0.isEmpty }
        let cron = try XCTUnwrap(Self.blocks("cron", in: section).first?.first)
        let process = try XCTUnwrap(section.range(of: "`credential_process = ").map { range in
            String(section[range.upperBound...].prefix { $0 != "`" })
        })
        try runRecipe(setup: setup, cron: cron, credentialProcess: process, origin: "README Scheduled tasks")

        // The credential_process line of "Using the store from the AWS CLI and SDKs" names the binary the same way.
        for block in Self.blocks("ini", in: readme) {
            for line in block where line.hasPrefix("credential_process") || line.hasPrefix("ExecStart") {
                assertAbsolute(line, "README.md")
            }
        }
    }

    /// The systemd units start credstore by its absolute path, and the service's ExecStart works with the key file
    /// handed over in $CREDENTIALS_DIRECTORY.
    func testSystemdUnitsUseTheAbsolutePath() throws {
        for unit in ["credstore-agent.service", "nightly-backup.service", "credstore-ecs@.service"] {
            let text = try Self.text("Scripts/examples/systemd/" + unit)
            let lines = text.components(separatedBy: "\n").filter {
                $0.hasPrefix("ExecStart=") || ($0.hasPrefix("#") && $0.contains("credstore init"))
            }
            XCTAssertFalse(lines.isEmpty, unit)
            for line in lines { assertAbsolute(line, unit) }
        }
    }
}

/// Issue 14, "done when": README's *Using it* session works as shown. Each `$ ` line of its console block runs in
/// `/bin/sh` in a temporary HOME (the `export` lines carry over), with `credstore` found on PATH as the built binary;
/// the output must match the block line by line (`/home/me` is the HOME, `…` stands for any text). The prompt line
/// (no terminal here: the secret is piped on stdin, as the block says) and the `aws` call (it needs AWS) are skipped.
final class ReadmeSessionTests: XCTestCase {
    func testUsingItRunsAsShown() throws {
        let home = try TemporaryHome()
        let bin = home.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/credstore", withDestinationPath: CLI.executable.path)
        // What the listing in the block shows was there before: a plaintext [prod] (the same key pair) and [default].
        try home.write("""
            [prod]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            [default]
            aws_access_key_id = AKIAI44QH8DHBEXAMPLE
            aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY

            """, to: ".aws/credentials")

        let readme = try String(contentsOf: NewcomerCLITests.repository.appendingPathComponent("README.md"),
                                encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "\n## ").first { $0.hasPrefix("Using it") })
        let block = try XCTUnwrap(section.components(separatedBy: "```console\n").dropFirst().first?
            .components(separatedBy: "\n```").first)
        var steps: [(command: String, expected: [String])] = []
        for line in block.components(separatedBy: "\n") {
            if line.hasPrefix("$ ") {
                steps.append((String(line.dropFirst(2)), []))
            } else if !steps.isEmpty {
                steps[steps.count - 1].expected.append(line)
            }
        }
        XCTAssertGreaterThan(steps.count, 10)

        var exports: [String] = []
        var lastStatus: Int32 = 0
        for (command, expected) in steps {
            if command.hasPrefix("export ") {
                exports.append(command)
                continue
            }
            if command == "echo $?" {
                XCTAssertEqual(expected, [String(lastStatus)], "the status README shows")
                continue
            }
            if command.contains(" -- aws ") { continue }
            let script = (exports + [command]).joined(separator: "\n")
            let result = try CLI.runProcess(
                URL(fileURLWithPath: "/usr/bin/setsid"), ["-w", "/bin/sh", "-c", script],
                environment: home.environment.merging(["PATH": bin + ":/usr/bin:/bin"]) { $1 },
                stdin: Data("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".utf8))
            lastStatus = result.status
            let shown = expected.filter { !$0.contains("# typed without echo") }
            let actual = (result.stdout + result.stderr).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init).filter { !$0.isEmpty }
            XCTAssertEqual(actual.count, shown.count, "$ \(command)\n\(actual.joined(separator: "\n"))")
            for (want, got) in zip(shown, actual) {
                let pieces = want.components(separatedBy: "…").map { piece in
                    piece.components(separatedBy: "/home/me").map(NSRegularExpression.escapedPattern(for:))
                        .joined(separator: NSRegularExpression.escapedPattern(for: home.path))
                }
                let pattern = "^" + pieces.joined(separator: ".*") + "$"
                XCTAssertNotNil(got.range(of: pattern, options: .regularExpression),
                                "$ \(command)\n  README: \(want)\n  actual: \(got)")
            }
        }
    }
}
