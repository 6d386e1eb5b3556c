import ArgumentParser
import TestSupport
import XCTest

@testable import credstore

/// `DirectParser` must build exactly the command ArgumentParser builds, or decline.
final class DirectParserTests: XCTestCase {
    /// A value for each option, valid for its type; `--format` cycles through its cases.
    private static let sampleValues: [String: [String]] = [
        "store": ["/tmp/credstore-test/store"],
        "key-file": ["/tmp/credstore-test/key file"],
        "passphrase-file": ["relative/passphrase"],
        "passphrase-fd": ["3", "0"],
        "tpm2-device": ["swtpm:host=127.0.0.1,port=2321"],
        "profile": ["p9", "AWS PS Default", "name=with=equals"],
        "profile-location": ["~/shared/credentials"],
        "region": ["eu-west-1"],
        "format": ["credential-process", "env", "json"],
    ]

    /// The commands, and what follows their options (`exec`: `--` and a command whose own options look like ours).
    private static let commands: [(names: [String], spec: DirectArguments.Spec, suffixes: [[String]])] = [
        (["export"], ExportCommand.direct, [[]]),
        (["get", "resolve"], GetCommand.direct, [[]]),
        (["exec"], ExecCommand.direct, [["--", "aws", "sts", "get-caller-identity", "--profile", "-x", "--"],
                                        ["--", "env"], ["--"]]),
    ]

    private func dumped(_ command: ParsableCommand) -> String {
        var text = ""
        dump(command, to: &text)
        return text
    }

    /// No option, each option alone, every pair, and all of them, in both spellings, with rotating values and in two
    /// orders: the direct parse must accept the line and equal ArgumentParser's, property by property (so defaults
    /// and unset properties are compared too). All 2^n subsets would take half a minute in a debug build.
    func testPlainLinesMatchArgumentParser() throws {
        var checked = 0
        for (names, spec, suffixes) in Self.commands {
            let longNames = spec.options.sorted() + spec.flags.sorted()
            var subsets: [[String]] = [[], longNames]
            for (first, name) in longNames.enumerated() {
                subsets.append([name])
                subsets += longNames[(first + 1)...].map { [name, $0] }
            }
            for (index, subset) in subsets.enumerated() {
                var tokens: [[String]] = []
                for (position, name) in subset.enumerated() {
                    if spec.flags.contains(name) {
                        tokens.append(["--\(name)"])
                        continue
                    }
                    let choices = Self.sampleValues[name] ?? []
                    XCTAssertFalse(choices.isEmpty, "no sample value for --\(name)")
                    let value = choices.isEmpty ? "x" : choices[(index + position) % choices.count]
                    tokens.append((index + position) % 2 == 0 ? ["--\(name)=\(value)"] : ["--\(name)", value])
                }
                for order in [tokens, tokens.reversed()] {
                    let arguments = [names[index % names.count]] + order.flatMap { $0 }
                        + suffixes[index % suffixes.count]
                    guard let direct = DirectParser.command(for: arguments) else {
                        XCTFail("declined a plain command line: \(arguments)")
                        continue
                    }
                    let parsed = try CredStore.parseAsRoot(arguments)
                    XCTAssertTrue(type(of: direct) == type(of: parsed), "\(arguments)")
                    XCTAssertEqual(dumped(direct), dumped(parsed), "\(arguments)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 150)
    }

    /// `-p NAME` (issue 14: short for `--profile`) takes the fast path too, and builds ArgumentParser's command.
    func testShortProfileMatchesArgumentParser() throws {
        for arguments in [["get", "-p", "p9"], ["export", "--format", "json", "-p", "AWS PS Default"],
                          ["exec", "-p", "p9", "--region", "eu-west-1", "--", "env"]] {
            let direct = try XCTUnwrap(DirectParser.command(for: arguments), "\(arguments)")
            XCTAssertEqual(dumped(direct), dumped(try CredStore.parseAsRoot(arguments)), "\(arguments)")
        }
        for arguments in [["get", "-p=p9"], ["get", "-pp9"], ["get", "-p", "p", "--profile", "q"]] {
            XCTAssertNil(DirectParser.command(for: arguments), "\(arguments)")
        }
    }

    /// Every option the direct parser knows must be one ArgumentParser accepts for that command (a renamed option
    /// would otherwise keep working on the fast path only).
    func testEveryDirectNameIsAnArgumentParserName() throws {
        for (names, spec, suffixes) in Self.commands {
            for option in spec.options {
                let value = Self.sampleValues[option]?.first ?? "x"
                XCTAssertNoThrow(try CredStore.parseAsRoot([names[0], "--\(option)", value] + suffixes[0]),
                                 "--\(option)")
            }
            for flag in spec.flags {
                XCTAssertNoThrow(try CredStore.parseAsRoot([names[0], "--\(flag)"] + suffixes[0]), "--\(flag)")
            }
        }
    }

    /// Lines outside the subset are left to ArgumentParser, which prints the help or the error users know.
    func testDeclinesWhatItDoesNotHandle() {
        let declined: [[String]] = [
            [],
            ["--version"],
            ["--help"],
            ["help", "get"],
            ["list"],
            ["set", "--profile", "p"],
            ["keyslot", "list"],
            ["get", "--help"],
            ["get", "-h"],
            ["export", "--help"],
            ["get", "--profile"],
            ["get", "--profile", "--json"],
            ["get", "--profile", "-x"],
            ["get", "--profile="],
            ["get", "--profile", ""],
            ["get", "--profile", "a", "--profile", "b"],
            ["get", "--profile=a", "--profile", "b"],
            ["get", "--json", "--json"],
            ["get", "--json=true"],
            ["get", "--format", "json"],
            ["get", "--show-secrets"],
            ["get", "p9"],
            ["get", "--", "--profile", "p"],
            ["get", "-"],
            ["get", "--"],
            ["export", "--json"],
            ["export", "--format", "yaml"],
            ["export", "--format", "JSON"],
            ["export", "--passphrase-fd", "three"],
            ["export", "--passphrase-fd", "99999999999"],
            ["export", "--profile", "p", "--generate-completion-script", "bash"],
            ["export", "--experimental-dump-help"],
            ["Export", "--profile", "p"],
            ["export", "--profile", "p", "--", "x"],
            ["exec", "--profile", "p"],
            ["exec", "aws", "s3", "ls"],
            ["exec", "--profile", "p", "aws"],
            ["exec", "--format", "env", "--", "aws"],
            ["exec", "--help"],
            ["exec", "-h", "--", "aws"],
        ]
        for arguments in declined {
            XCTAssertNil(DirectParser.command(for: arguments), "\(arguments)")
        }
    }

    /// The binary takes the direct path for a plain `get` and answers as ArgumentParser's path does, including when
    /// the same line is made to fall back (a repeated option ArgumentParser accepts: the last one wins).
    func testBinaryAnswersTheSameOnBothPaths() throws {
        let home = try TemporaryHome()
        let credentials = try home.write("""
            [p1]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            region = eu-west-1

            """, to: "shared/credentials")
        let direct = try CLI.run(["get", "--profile-location", credentials, "--profile", "p1", "--json"],
                                 environment: home.environment)
        let fallback = try CLI.run(
            ["get", "--profile-location", credentials, "--profile", "nope", "--profile", "p1", "--json"],
            environment: home.environment)
        XCTAssertEqual(direct.status, 0, direct.stderr)
        XCTAssertEqual(fallback.status, 0, fallback.stderr)
        XCTAssertEqual(direct.stdout, fallback.stdout)
        XCTAssertTrue(direct.stdout.contains("AKIAIOSFODNN7EXAMPLE"))
    }
}
