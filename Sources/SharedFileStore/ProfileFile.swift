/// One AWS shared credentials or config file as a lossless document.
///
/// The document keeps every byte of the input (comments, blank lines, spacing, `\r\n` line ends, a missing final
/// newline), so `bytes` of an unedited document equals the input. Queries follow the AWS SDKs' profile-file rules;
/// edits (`ProfileFile+Editing.swift`) rewrite, insert or delete only the lines they must.
public struct ProfileFile {
    /// Whether this is a credentials or a config file.
    public let kind: ProfileFileKind
    /// The file the document was read from (used in error messages), if any.
    public let path: String?

    /// The largest document (input plus the lines edits write): line records hold 32-bit offsets.
    static let maximumByteCount = Int(UInt32.max)

    /// Append-only byte arena: the original input, then the text of every line written by an edit.
    var arena: [UInt8]
    /// How many leading bytes of `arena` are the input the document was parsed from.
    let inputCount: Int
    var lines: [Line]
    var headers: [SectionHeader]
    var index: ProfileFileIndex
    /// The limit on `arena.count`: `maximumByteCount`, lower only in tests.
    let byteLimit: Int
    /// The line changes of the edit in progress, so `performEdit` can undo them without copying the line table.
    var journal: [LineChange]?
    /// Set when an edit would have grown the arena past `byteLimit` (the edit is then undone).
    var arenaIsFull = false
    /// Set when an edit wrote a line that does not classify (the edit is then undone).
    var wroteUnreadableLine = false
    /// Tells this parse from any other (copies share it), so `SharedFileEditor` can refuse a body that assigned
    /// another document to the one it was given: its input is not the file's.
    let parseID: UInt64

    /// Parses `bytes` as a file of the given kind.
    ///
    /// - Parameters:
    ///   - bytes: The file's content (UTF-8).
    ///   - kind: `.credentials` or `.config`; decides how `[...]` headers are read.
    ///   - path: The file's path, for error messages.
    /// - Throws: `SharedFileError` with code `.malformedFile`, naming the file and the 1-based line.
    public init(parsing bytes: [UInt8], kind: ProfileFileKind, path: String? = nil) throws {
        try self.init(parsing: bytes, kind: kind, path: path, byteLimit: Self.maximumByteCount)
    }

    /// Parses `bytes`, refusing documents (and later edits) beyond `byteLimit` bytes, at most `maximumByteCount`.
    init(parsing bytes: [UInt8], kind: ProfileFileKind, path: String?, byteLimit: Int) throws {
        self.byteLimit = min(byteLimit, Self.maximumByteCount)
        guard bytes.count <= self.byteLimit else {
            throw SharedFileError(.tooLarge(limit: self.byteLimit), path: path)
        }
        self.kind = kind
        self.path = path
        parseID = UInt64.random(in: UInt64.min...UInt64.max)
        self.arena = bytes
        inputCount = bytes.count
        var lines: [Line] = []
        var headers: [SectionHeader] = []
        var index = ProfileFileIndex(expectedSections: bytes.count / 200 + 1)
        do {
            try bytes.withUnsafeBufferPointer { buffer in
                try Self.scanLines(buffer, kind: kind, lines: &lines, headers: &headers, index: &index)
            }
            self.lines = lines
            self.headers = headers
            index.finish(headers: headers, kind: kind)
            self.index = index
        } catch let problem as SyntaxProblem {
            throw SharedFileError(problem, path: path)
        }
    }

    /// Splits the input into lines, classifies each and feeds the index: one linear pass (a static function with
    /// `inout` arguments, so the optimiser keeps the arrays in registers rather than in closure boxes).
    private static func scanLines(
        _ buffer: UnsafeBufferPointer<UInt8>, kind: ProfileFileKind, lines: inout [Line],
        headers: inout [SectionHeader], index: inout ProfileFileIndex
    ) throws {
        lines.reserveCapacity(buffer.count / 30 + 1)
        headers.reserveCapacity(buffer.count / 200 + 1)
        guard let base = buffer.baseAddress else { return }
        var start = 0
        var lineNumber = 1
        let count = buffer.count
        let checkUTF8 = !LineClassifier.isASCII(buffer)
        while start < count {
            var newline = count
            if let found = memchr(base + start, Int32(ASCII.newline), count - start) {
                newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            var contentEnd = newline
            var eol = 0
            if newline < count {
                eol = 1
                if contentEnd > start && buffer[contentEnd - 1] == ASCII.carriageReturn {
                    contentEnd -= 1
                    eol = 2
                }
            }
            let lineKind = try LineClassifier.classify(
                buffer, start: start, length: contentEnd - start, lineNumber: lineNumber, kind: kind,
                headers: &headers, checkUTF8: checkUTF8)
            let line = Line(start: start, length: contentEnd - start, eolLength: eol, kind: lineKind)
            try index.append(line, at: lines.count, buffer: buffer)
            lines.append(line)
            start = contentEnd + eol
            lineNumber += 1
        }
    }

    /// Parses `text` as a file of the given kind; see `init(parsing:kind:path:)` for bytes.
    ///
    /// - Throws: `SharedFileError` with code `.malformedFile`.
    public init(parsing text: String, kind: ProfileFileKind, path: String? = nil) throws {
        try self.init(parsing: Array(text.utf8), kind: kind, path: path)
    }

    /// An empty document (a file that does not exist yet).
    public init(kind: ProfileFileKind, path: String? = nil) {
        // An empty input cannot be malformed.
        self = try! ProfileFile(parsing: [UInt8](), kind: kind, path: path)
    }

    /// The document's bytes: the input, byte for byte, plus the effect of any edits.
    public var bytes: [UInt8] {
        var output = [UInt8]()
        let runs = arenaRuns
        output.reserveCapacity(runs.reduce(0) { $0 + $1.count })
        arena.withUnsafeBufferPointer { buffer in
            for run in runs { output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[run])) }
        }
        return output
    }

    /// The document's bytes as ranges of the arena, in order: runs of lines adjacent in the arena (all of an
    /// unedited input) form one range, so a one-line edit of a large file is three ranges.
    var arenaRuns: [Range<Int>] {
        var runs: [Range<Int>] = []
        var runStart = 0
        var runEnd = 0
        for line in lines {
            if line.start != runEnd {
                if runEnd > runStart { runs.append(runStart..<runEnd) }
                runStart = line.start
            }
            runEnd = line.end
        }
        if runEnd > runStart { runs.append(runStart..<runEnd) }
        return runs
    }

    /// Whether `bytes` would equal the input the document was parsed from, found without building them: runs of
    /// lines adjacent in the arena are compared with `memcmp` at their place in the input (an unedited document is
    /// one run at offset 0; a line rewritten with the same text compares equal, as it should).
    var isUnchangedFromInput: Bool {
        arena.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return true }  // nothing parsed, nothing added
            var output = 0
            var runStart = 0
            var runEnd = 0
            func runMatches() -> Bool {
                let length = runEnd - runStart
                guard length <= inputCount - output else { return false }
                if runStart != output && memcmp(base + runStart, base + output, length) != 0 { return false }
                output += length
                return true
            }
            for line in lines {
                if line.start != runEnd {
                    guard runMatches() else { return false }
                    runStart = line.start
                }
                runEnd = line.end
            }
            return runMatches() && output == inputCount
        }
    }

    /// The properties whose value is a secret: a file holding one of them must be readable by its user only.
    static let secretKeys: [[UInt8]] = [Array("aws_secret_access_key".utf8), Array("aws_session_token".utf8)]

    /// Whether any line of the document (in any section, overridden ones too) sets `aws_secret_access_key` or
    /// `aws_session_token`: one pass over the line table, reading only the first bytes of property lines.
    var holdsSecret: Bool {
        arena.withUnsafeBufferPointer { buffer in
            for line in lines {
                guard case .property = line.kind else { continue }
                for key in Self.secretKeys where line.length > key.count {
                    var matches = true
                    for offset in 0..<key.count where ASCII.lowercased(buffer[line.start + offset]) != key[offset] {
                        matches = false
                        break
                    }
                    let next = buffer[line.start + key.count]
                    if matches && (next == ASCII.equals || ASCII.isTrimmable(next)) { return true }
                }
            }
            return false
        }
    }

    /// The bytes the document was parsed from, before any edit (the arena only ever grows after them).
    var inputBytes: ArraySlice<UInt8> { arena[0..<inputCount] }

    /// The document as text (it is valid UTF-8: the parser rejects anything else).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: - Queries

    /// The profiles of the file, in order of first appearance; invalid and ignored sections are not included.
    public var profileNames: [String] { index.profiles.order }

    /// The `[sso-session NAME]` sections of a config file, in file order.
    public var ssoSessionNames: [String] { index.ssoSessions.order }

    /// The `[services NAME]` sections of a config file, in file order.
    public var servicesNames: [String] { index.services.order }

    /// Other `[TYPE NAME]` sections of a config file, as `(type, name)` in file order.
    public var otherSectionNames: [(type: String, name: String)] {
        index.others.order.map { key in
            let header = headers[Int(index.sections[index.others[last: key]!].header)]
            if case .other(let type) = header.type { return (type, header.name) }
            return ("", key)
        }
    }

    /// Whether the file defines `name` as a profile.
    public func containsProfile(_ name: String) -> Bool { index.profiles.contains(name) }

    /// The merged properties of profile `name` in this file (duplicate sections merged, last value winning, keys
    /// lower-cased), or `nil` when the file has no such profile.
    public func profile(_ name: String) -> PropertyMap<ProfileValue>? {
        properties(of: effectiveSections(ofProfile: name))
    }

    /// The value of `key` (case-insensitive) in profile `name`, or `nil`.
    public func value(forKey key: String, inProfile name: String) -> ProfileValue? {
        profile(name)?[key.lowercased()]
    }

    /// The merged properties of `[sso-session NAME]`, or `nil`.
    public func ssoSession(_ name: String) -> PropertyMap<ProfileValue>? {
        properties(of: index.sectionIndices(in: index.ssoSessions, named: name))
    }

    /// The merged properties of `[services NAME]`, or `nil`.
    public func services(_ name: String) -> PropertyMap<ProfileValue>? {
        properties(of: index.sectionIndices(in: index.services, named: name))
    }

    /// The merged properties of another `[TYPE NAME]` section, or `nil`.
    public func otherSection(type: String, name: String) -> PropertyMap<ProfileValue>? {
        properties(of: index.sectionIndices(in: index.others, named: type + " " + name))
    }

    // MARK: - Internals shared with editing

    /// The sections that define profile `name`, in file order; in a config file, bare `[default]` sections are
    /// left out when a `[profile default]` exists (the SDKs drop them, rather than merging).
    func effectiveSections(ofProfile name: String) -> [Int] {
        let all = index.sectionIndices(in: index.profiles, named: name)
        guard kind == .config, name == "default", index.hasPrefixedDefault else { return all }
        return all.filter { !headers[Int(index.sections[$0].header)].isBareDefault }
    }

    func properties(of sections: [Int]) -> PropertyMap<ProfileValue>? {
        guard !sections.isEmpty else { return nil }
        var map = PropertyMap<ProfileValue>()
        arena.withUnsafeBufferPointer { buffer in
            for sectionIndex in sections {
                for property in index.properties(of: sectionIndex, lines: lines) {
                    guard case .property(let flags) = lines[property.line].kind, flags.keyIsValid else { continue }
                    let info = layout(ofPropertyLine: property.line, buffer)
                    map[key(of: property, info, buffer)] = value(of: property, info, buffer)
                }
            }
        }
        return map
    }

    /// The offsets of a property line, recomputed from its bytes.
    func layout(ofPropertyLine lineIndex: Int, _ buffer: UnsafeBufferPointer<UInt8>) -> PropertyLine {
        let line = lines[lineIndex]
        // The line was parsed before, so it parses again.
        return (try? LineClassifier.parseProperty(buffer, start: line.start, end: line.contentEnd, lineNumber: 0))
            ?? PropertyLine(keyEnd: 0, equals: 0, valueStart: 0, valueEnd: 0, commentStart: -1, keyIsValid: false)
    }

    func key(of property: PropertyRef, _ info: PropertyLine, _ buffer: UnsafeBufferPointer<UInt8>) -> String {
        let start = lines[property.line].start
        let key = buffer[start..<start + Int(info.keyEnd)].map(ASCII.lowercased)
        return String(decoding: key, as: UTF8.self)
    }

    func value(of property: PropertyRef, _ info: PropertyLine, _ buffer: UnsafeBufferPointer<UInt8>) -> ProfileValue {
        let line = lines[property.line]
        let continuations = continuationTexts(of: property, buffer)
        if info.hasEmptyValue && !continuations.isEmpty {
            var map = PropertyMap<String>()
            for text in continuations {
                // The index checked that every sub-property line has a key and an '='.
                let split = LineClassifier.splitSubProperty(text)!
                map[String(decoding: text[split.key], as: UTF8.self)] =
                    trimmedString(UnsafeBufferPointer(rebasing: text[(split.equals + 1)...]))
            }
            return .subProperties(map)
        }
        var value = String(decoding: buffer[line.start + Int(info.valueStart)..<line.start + Int(info.valueEnd)],
                           as: UTF8.self)
        for text in continuations {
            value += "\n"
            value += String(decoding: text, as: UTF8.self)
        }
        return .string(value)
    }

    /// The trimmed texts of the continuation lines of a property (comment and blank lines in between skipped).
    func continuationTexts(
        of property: PropertyRef, _ buffer: UnsafeBufferPointer<UInt8>
    ) -> [UnsafeBufferPointer<UInt8>] {
        guard property.lastLine > property.line else { return [] }
        var texts: [UnsafeBufferPointer<UInt8>] = []
        for lineIndex in property.line + 1...property.lastLine {
            let line = lines[lineIndex]
            if case .continuation = line.kind {
                let text = LineClassifier.trimmed(buffer, start: line.start, end: line.contentEnd)
                texts.append(UnsafeBufferPointer(rebasing: buffer[text]))
            }
        }
        return texts
    }

    private func trimmedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var start = 0
        var end = bytes.count
        while start < end && ASCII.isTrimmable(bytes[start]) { start += 1 }
        while end > start && ASCII.isTrimmable(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

extension SharedFileError {
    init(_ problem: SyntaxProblem, path: String?) {
        self.init(problem.notUTF8 ? .notUTF8(line: problem.line) : .malformed(line: problem.line,
                                                                              problem: problem.message), path: path)
    }
}

import Glibc
