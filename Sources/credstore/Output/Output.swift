import Glibc
import SystemLayer

/// A JSON value for `--json` output: written by hand so the output is stable (sorted keys, no `\/` escapes).
indirect enum JSONValue {
    case string(String)
    case number(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value as pretty-printed JSON with sorted keys.
    func serialized(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .string(let text): return JSONValue.quote(text)
        case .number(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { pad + $0.serialized(indent: indent + 1) }.joined(separator: ",\n")
                + "\n\(closing)]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n" + members.keys.sorted().map { key in
                pad + JSONValue.quote(key) + ": " + members[key]!.serialized(indent: indent + 1)
            }.joined(separator: ",\n") + "\n\(closing)}"
        }
    }

    /// A JSON string literal for `text` (RFC 8259 escapes); the common case needs no escaping and no scalar walk.
    static func quote(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// All command output goes through here: to stdout, unbuffered (nothing is lost at `exec` or `exit`), every write
/// checked. A write that fails (a full disk, a closed stdout, a reader gone) ends the command with exit 74 and a
/// message on stderr: a script must never take an empty or cut-off `export` for success.
enum Output {
    /// Writes human-readable `text` and a newline to stdout, each of its lines with every control character escaped
    /// (`TerminalText`): such text may quote names and values from files, servers or the command line.
    static func print(_ text: String) {
        write(text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { TerminalText.escaped(String($0)) }.joined(separator: "\n") + "\n")
    }

    /// Writes a JSON object and a newline to stdout (JSON escaping applies; no terminal escaping).
    static func printJSON(_ members: [String: JSONValue]) {
        write(JSONValue.object(members).serialized() + "\n")
    }

    /// Writes `text` to stdout as is: for machine formats with their own quoting, and for text already escaped.
    static func write(_ text: String) {
        do {
            try FileDescriptorWriter.write(text, to: 1)
        } catch {
            failed(error)
        }
    }

    /// Renders rows as a plain-text table with a header, columns padded to the widest cell. Every cell is escaped
    /// (`TerminalText`) before it is measured.
    static func table(header: [String], rows: [[String]]) -> String {
        let rows = rows.map { $0.map(TerminalText.escaped) }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// Ends the command after a failed write to stdout: exit 74, with a message on stderr if stderr still works.
    private static func failed(_ error: Errno) -> Never {
        CLIFailure("could not write the output to standard output: \(error)",
                   hint: "check where standard output goes (a full disk, a closed descriptor or a reader that exited); "
                       + "any change the command made before its output is kept",
                   exitCode: .ioError).report()
        Glibc.exit(ExitStatus.ioError.rawValue)
    }
}

/// Unbuffered, EINTR-safe writes of a whole string to a file descriptor (SystemLayer's `Syscalls.write`).
enum FileDescriptorWriter {
    /// Writes all of `text` to `descriptor`.
    ///
    /// - Throws: `Errno` when a write fails (`EPIPE`, `ENOSPC`, `EBADF`, …).
    static func write(_ text: String, to descriptor: Int32) throws(Errno) {
        var text = text
        var failure: Errno?
        text.withUTF8 { bytes in
            do {
                try Syscalls.writeAll(descriptor, UnsafeRawBufferPointer(bytes))
            } catch {
                failure = error as? Errno ?? Errno(rawValue: EIO)
            }
        }
        if let failure { throw failure }
    }
}

/// Keeps descriptors 0, 1 and 2 taken for the whole run.
enum StandardDescriptors {
    /// Puts `/dev/null` on any of descriptors 0–2 that is closed (`credstore export >&-`), opened for the other
    /// direction, so that no file the command opens later (the store, its lock, a temporary file) becomes its
    /// stdout or stderr, and a write to a closed stdout still fails (`EBADF`, exit 74) instead of vanishing.
    static func reserve() {
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            // open(2) returns the lowest free descriptor, which is this one (the lower ones are open by now).
            let opened = open("/dev/null", (descriptor == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC)
            if opened >= 0 && opened != descriptor { close(opened) }
        }
    }
}
