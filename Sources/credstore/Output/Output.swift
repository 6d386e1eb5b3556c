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

/// Writes command output to stdout, unbuffered, so nothing is lost at `exec` or `exit`.
enum Output {
    /// Writes `text` and a newline to stdout.
    static func print(_ text: String) {
        write(text + "\n")
    }

    /// Writes a JSON object and a newline to stdout.
    static func printJSON(_ members: [String: JSONValue]) {
        write(JSONValue.object(members).serialized() + "\n")
    }

    /// Writes `text` to stdout as is.
    static func write(_ text: String) {
        FileDescriptorWriter.write(text, to: 1)
    }

    /// Renders rows as a plain-text table with a header, columns padded to the widest cell.
    static func table(header: [String], rows: [[String]]) -> String {
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
}

/// Unbuffered writes of a whole string to a file descriptor (interrupted writes are retried by SystemLayer).
enum FileDescriptorWriter {
    static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        _ = try? bytes.withUnsafeBytes { buffer in try Syscalls.writeAll(descriptor, buffer) }
    }
}
