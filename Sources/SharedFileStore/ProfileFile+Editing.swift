import SystemLayer

// Edits of a `ProfileFile`. Each edit changes only the lines it must (a one-key change is a one-line diff), writes
// new lines with the file's own line ending, and is checked: every new line must classify as the parser would read
// it, the index must rebuild, and the result must read back as intended; otherwise the document is left unchanged and
// the edit throws.

/// The lines of a section an edit deletes: its header and its last property line (the header when it has none).
struct SectionSpan {
    var headerLine: Int
    var lastPropertyLine: Int
}

/// One change to a document's line table, as `performEdit` journals it to undo a failed edit.
enum LineChange {
    case replaced(Int, Line)
    case inserted(Int)
    case removed(Int, [Line])
}

extension ProfileFile {
    // MARK: - Profiles

    /// Adds an empty profile at the end of the file (`[NAME]` in credentials, `[profile NAME]` in config, `[default]`
    /// for `default`).
    ///
    /// - Returns: `false` when the profile already exists (nothing changes).
    /// - Throws: `SharedFileError` `.invalidArgument` for an invalid name.
    @discardableResult
    public mutating func addProfile(_ name: String) throws -> Bool {
        try validateProfileName(name)
        guard !containsProfile(name) else { return false }
        try performEdit({ document in
            document.appendSectionHeader(name)
        }, check: { $0.containsProfile(name) })
        return true
    }

    /// Removes every section of profile `name` (in a config file both `[default]` and `[profile default]`), with the
    /// comments inside it; comments after its last property are kept, as they usually introduce the next section.
    ///
    /// - Returns: `false` when there is no such profile.
    @discardableResult
    public mutating func removeProfile(_ name: String) throws -> Bool {
        // The spans come from the index before the edit, all taken before the first deletion: deleting a section
        // can drop the blank lines that end the one before it, so that index does not hold in between.
        let spans = index.sectionIndices(in: index.profiles, named: name).map { span(ofSection: $0) }
        guard !spans.isEmpty else { return false }
        try performEdit({ document in
            for span in spans.reversed() { document.deleteSection(span) }
        }, check: { !$0.containsProfile(name) })
        return true
    }

    /// Renames profile `old` to `new`, rewriting only its header lines (comments after `]` are kept).
    ///
    /// Every section of `old` is renamed, including a bare `[default]` that a config file's `[profile default]`
    /// shadows: left behind, it would become profile `default` again.
    ///
    /// - Throws: `SharedFileError` `.profileNotFound`, `.profileExists`, or `.invalidArgument` for an invalid name or
    ///   when a shadowed `[default]` holds settings that renaming would merge into `new`.
    public mutating func renameProfile(_ old: String, to new: String) throws {
        try validateProfileName(new)
        guard containsProfile(old) else { throw SharedFileError(.profileNotFound(old), path: path) }
        guard old != new else { return }
        guard !containsProfile(new) else { throw SharedFileError(.profileExists(new), path: path) }
        let before = profile(old)
        let sections = index.sectionIndices(in: index.profiles, named: old)
        if sections.count != effectiveSections(ofProfile: old).count && properties(of: sections) != before {
            throw SharedFileError(.invalidArgument(
                "the profile '\(old)' has a bare [default] section that [profile default] hides and whose settings "
                + "renaming would merge into '\(new)': merge it into [profile default] or delete it, then rename"),
                path: path)
        }
        try performEdit({ document in
            for section in sections {
                let record = document.index.sections[section]
                let line = document.lines[record.headerLine]
                let header = document.headers[Int(record.header)]
                let prefix = document.kind == .config && new != "default" ? "[profile " : "["
                var content = Array((prefix + new + "]").utf8)
                content += document.arena[line.start + Int(header.closeBracket) + 1..<line.contentEnd]
                document.replaceLine(record.headerLine, with: content)
            }
        }, check: { !$0.containsProfile(old) && $0.profile(new) == before })
    }

    // MARK: - Properties

    /// Sets `key = value` in profile `name`, creating the profile if needed.
    ///
    /// An existing key (case-insensitive; the last definition, which is the one the SDKs read) keeps its line,
    /// spacing and inline comment, and only its value changes; its continuation or sub-property lines go. A new key
    /// goes after the last property of the profile's last section.
    ///
    /// - Throws: `SharedFileError` `.invalidArgument` for a name, key or value that would corrupt the file or read
    ///   back differently (the value itself is never quoted in the message).
    public mutating func setValue(_ value: String, forKey key: String, inProfile name: String) throws {
        try validateProfileName(name)
        try validateKey(key, what: "property key")
        try validateValue(value)
        let lowerKey = key.lowercased()
        try performEdit({ document in
            let sectionIndex = document.ensureProfileSection(name)
            guard sectionIndex >= 0 else { return }  // no header: `performEdit` undoes the edit and throws
            if let property = document.lastProperty(matching: lowerKey, inProfile: name) {
                document.replaceValue(of: property, with: Array(value.utf8))
                document.deleteContinuations(of: property)
            } else {
                document.insertLine(Array("\(lowerKey) = \(value)".utf8),
                                    after: document.insertionAnchor(inSection: sectionIndex))
            }
        }, check: { $0.value(forKey: lowerKey, inProfile: name) == .string(value) })
    }

    /// Removes `key` (case-insensitive, every definition of it) from profile `name`, including definitions the SDKs
    /// do not read (in a config file, those of a bare `[default]` shadowed by `[profile default]`): removing a secret
    /// must not leave a copy of it on disk.
    ///
    /// - Returns: `false` when the profile or the key does not exist.
    @discardableResult
    public mutating func removeValue(forKey key: String, inProfile name: String) throws -> Bool {
        let lowerKey = key.lowercased()
        let doomed = properties(matching: lowerKey, inProfile: name, includingShadowed: true)
        guard !doomed.isEmpty else { return false }
        try performEdit({ document in
            var lineIndices: [Int] = []
            for property in doomed {
                lineIndices.append(property.line)
                lineIndices += document.continuationLines(of: property)
            }
            document.deleteLines(lineIndices)
        }, check: { $0.properties(matching: lowerKey, inProfile: name, includingShadowed: true).isEmpty })
        return true
    }

    /// Sets the sub-property `subKey = value` under `key` (`key =` followed by indented lines) in profile `name`,
    /// creating the profile and the key if needed. A plain value of `key` is replaced by the sub-property block.
    ///
    /// - Throws: `SharedFileError` `.invalidArgument` for an invalid name, key, sub-key or value.
    public mutating func setSubValue(
        _ value: String, forKey key: String, subKey: String, inProfile name: String
    ) throws {
        try validateProfileName(name)
        try validateKey(key, what: "property key")
        try validateKey(subKey, what: "sub-property key")
        try validateValue(value)
        let lowerKey = key.lowercased()
        let subLine = Array("\(subKey) = \(value)".utf8)
        try performEdit({ document in
            let sectionIndex = document.ensureProfileSection(name)
            guard sectionIndex >= 0 else { return }  // no header: `performEdit` undoes the edit and throws
            guard let property = document.lastProperty(matching: lowerKey, inProfile: name) else {
                let anchor = document.insertionAnchor(inSection: sectionIndex)
                document.insertLine(Array("\(lowerKey) =".utf8), after: anchor)
                document.insertLine(Array("  ".utf8) + subLine, after: anchor + 1)
                return
            }
            guard case .property(let info) = document.lines[property.line].kind else { return }
            if !info.hasEmptyValue {
                document.replaceValue(of: property, with: [])
                document.deleteContinuations(of: property)
                document.insertLine(Array("  ".utf8) + subLine, after: property.line)
                return
            }
            let continuations = document.continuationLines(of: property)
            let indent = continuations.first.map { document.indentation(ofLine: $0) } ?? Array("  ".utf8)
            if let existing = continuations.last(where: { document.subKey(ofLine: $0) == subKey }) {
                document.replaceLine(existing, with: indent + subLine)
            } else {
                document.insertLine(indent + subLine, after: property.lastLine)
            }
        }, check: { $0.value(forKey: lowerKey, inProfile: name)?.subProperties?[subKey] == value })
    }

    /// Removes the sub-property `subKey` (case-sensitive, as botocore reads it) under `key` in profile `name`; the
    /// `key =` line goes too when no sub-property is left under it, and so do the key's earlier definitions, which
    /// would otherwise become its value again.
    ///
    /// - Returns: `false` when there was nothing to remove.
    @discardableResult
    public mutating func removeSubValue(forKey key: String, subKey: String, inProfile name: String) throws -> Bool {
        let lowerKey = key.lowercased()
        let definitions = properties(matching: lowerKey, inProfile: name)
        var doomed: [Int] = []
        var lastDefinitionGoes = false
        for (position, property) in definitions.enumerated() {
            guard case .property(let info) = lines[property.line].kind, info.hasEmptyValue else { continue }
            let continuations = continuationLines(of: property)
            let matching = continuations.filter { self.subKey(ofLine: $0) == subKey }
            doomed += matching
            if !matching.isEmpty && matching.count == continuations.count {
                doomed.append(property.line)
                if position == definitions.count - 1 { lastDefinitionGoes = true }
            }
        }
        guard !doomed.isEmpty else { return false }
        if lastDefinitionGoes {
            for property in definitions.dropLast() { doomed += [property.line] + continuationLines(of: property) }
        }
        var expected = value(forKey: lowerKey, inProfile: name)
        if case .subProperties(var map) = expected {
            map[subKey] = nil
            expected = map.isEmpty ? nil : .subProperties(map)
        }
        try performEdit({ document in
            document.deleteLines(doomed)
        }, check: { $0.value(forKey: lowerKey, inProfile: name) == expected })
        return true
    }

    // MARK: - Validation

    func validateProfileName(_ name: String) throws {
        let bytes = Array(name.utf8)
        let valid = bytes.withUnsafeBufferPointer { LineClassifier.isValidName($0) }
        guard valid else {
            throw SharedFileError(.invalidArgument(
                "the profile name \(quoted(name)) is not valid: use 1 or more letters, digits and - _ / . % @ : +"),
                path: path)
        }
        if kind == .credentials && name == "DEFAULT" {
            // Python's configparser (botocore, the AWS CLI) reads [DEFAULT] as defaults for every other section.
            throw SharedFileError(.invalidArgument(
                "the profile name 'DEFAULT' is refused in a credentials file: botocore and the AWS CLI would apply "
                + "its keys to every other profile"), path: path)
        }
    }

    func validateKey(_ key: String, what: String) throws {
        // ':' is refused although the SDKs accept it: Python's configparser (botocore) splits a line at ':' too.
        let valid = !key.isEmpty && key.utf8.allSatisfy { ASCII.isProfileNameByte($0) && $0 != UInt8(ascii: ":") }
        guard valid else {
            throw SharedFileError(.invalidArgument(
                "the \(what) \(quoted(key)) is not valid: use 1 or more letters, digits and - _ / . % @ +"),
                path: path)
        }
    }

    func validateValue(_ value: String) throws {
        func refuse(_ reason: String) -> SharedFileError {
            SharedFileError(.invalidArgument("the value is refused: \(reason)"), path: path)
        }
        let scalars = value.unicodeScalars
        if let first = scalars.first, let last = scalars.last,
           first.properties.isWhitespace || last.properties.isWhitespace {
            throw refuse("it starts or ends with whitespace, which the SDKs would trim")
        }
        var previousIsSpace = true
        for scalar in scalars {
            switch scalar.value {
            case 0x00...0x1F, 0x7F, 0x85, 0x2028, 0x2029:
                throw refuse("it contains a line break or control character")
            case 0x23, 0x3B:
                if previousIsSpace {
                    throw refuse("a '#' or ';' at its start or after a space would be read as a comment")
                }
                previousIsSpace = false
            default:
                previousIsSpace = scalar.properties.isWhitespace
            }
        }
    }

    private func quoted(_ text: String) -> String {
        "'" + TerminalText.escaped(String(String.UnicodeScalarView(text.unicodeScalars.prefix(80)))) + "'"
    }

    // MARK: - Line surgery

    /// Runs `edit` and keeps it only if every line it wrote classifies, the index rebuilds and `check` holds;
    /// otherwise the document is as before.
    ///
    /// The edit runs in place and is undone from a journal of the lines it changed, by cutting the headers table and
    /// the arena back to their old lengths (both are append-only): keeping a copy of the line table made the edit's
    /// first change copy all of it (11 MB for a 100,000-profile file), and editing a copy of the document copied
    /// the whole arena.
    mutating func performEdit(_ edit: (inout ProfileFile) -> Void, check: (ProfileFile) -> Bool) throws {
        let saved = (index: index, headerCount: headers.count, arenaCount: arena.count)
        journal = []
        arenaIsFull = false
        wroteUnreadableLine = false
        edit(&self)
        func undo() {
            for change in (journal ?? []).reversed() {
                switch change {
                case .replaced(let lineIndex, let old): lines[lineIndex] = old
                case .inserted(let lineIndex): lines.remove(at: lineIndex)
                case .removed(let lineIndex, let old): lines.insert(contentsOf: old, at: lineIndex)
                }
            }
            journal = nil
            arenaIsFull = false
            wroteUnreadableLine = false
            headers.removeSubrange(saved.headerCount...)
            index = saved.index
            arena.removeSubrange(saved.arenaCount...)
        }
        if arenaIsFull {
            undo()
            throw SharedFileError(.tooLarge(limit: byteLimit), path: path)
        }
        if wroteUnreadableLine {
            undo()
            throw SharedFileError(.invalidArgument(
                "the edit would write a line the file's readers could not parse, so it was not made"), path: path)
        }
        do {
            index = try ProfileFileIndex(lines: lines, headers: headers, arena: arena, kind: kind,
                                         previous: saved.index)
        } catch {
            undo()
            throw SharedFileError(.invalidArgument(
                "the edit would make the file unreadable, so it was not made"), path: path)
        }
        guard check(self) else {
            undo()
            throw SharedFileError(.invalidArgument(
                "the edit would not read back as written, so it was not made"), path: path)
        }
        journal = nil
    }

    // Every change of `lines` goes through these three, which journal it for `performEdit`'s undo.

    mutating func setLine(_ lineIndex: Int, to line: Line) {
        journal?.append(.replaced(lineIndex, lines[lineIndex]))
        lines[lineIndex] = line
    }

    mutating func insertLine(_ line: Line, at lineIndex: Int) {
        journal?.append(.inserted(lineIndex))
        lines.insert(line, at: lineIndex)
    }

    mutating func removeLines(_ range: ClosedRange<Int>) {
        journal?.append(.removed(range.lowerBound, Array(lines[range])))
        lines.removeSubrange(range)
    }

    /// The line ending new lines get: that of the first line that has one, else `\n`.
    var preferredLineEnding: [UInt8] {
        for line in lines where line.eolLength > 0 {
            return Array(arena[line.contentEnd..<line.end])
        }
        return [ASCII.newline]
    }

    /// Appends `content` plus `eol` to the arena and classifies it as a line.
    ///
    /// When the arena would grow past `byteLimit`, nothing is appended, `arenaIsFull` is set and a blank line is
    /// returned; `performEdit` then undoes the edit and throws `.fileTooLarge`. When the line does not classify,
    /// `wroteUnreadableLine` is set; `performEdit` then undoes the edit and throws `.invalidArgument`.
    mutating func makeLine(_ content: [UInt8], eol: [UInt8]) -> Line {
        let start = arena.count
        guard !arenaIsFull, content.count + eol.count <= byteLimit - start else {
            arenaIsFull = true
            return Line(start: 0, length: 0, eolLength: 0, kind: .blank)
        }
        arena += content
        arena += eol
        let kind = arena.withUnsafeBufferPointer { buffer in
            // Edits only build lines from validated parts, so this is a guard: the line's kind is what the rebuilt
            // index trusts, and the bytes are written whatever kind it is stored as.
            try? LineClassifier.classify(buffer, start: start, length: content.count, lineNumber: 0, kind: self.kind,
                                         headers: &headers)
        }
        if kind == nil { wroteUnreadableLine = true }
        return Line(start: start, length: content.count, eolLength: eol.count, kind: kind ?? .comment)
    }

    mutating func replaceLine(_ lineIndex: Int, with content: [UInt8]) {
        let old = lines[lineIndex]
        let eol = Array(arena[old.contentEnd..<old.end])
        setLine(lineIndex, to: makeLine(content, eol: eol))
    }

    /// Inserts a line after `anchor` (-1 for the top), giving the anchor a line ending if it was the unterminated
    /// last line.
    mutating func insertLine(_ content: [UInt8], after anchor: Int) {
        let eol = preferredLineEnding
        if anchor >= 0 && lines[anchor].eolLength == 0 {
            let old = lines[anchor]
            setLine(anchor, to: makeLine(Array(arena[old.start..<old.contentEnd]), eol: eol))
        }
        insertLine(makeLine(content, eol: eol), at: anchor + 1)
    }

    mutating func deleteLines(_ lineIndices: [Int]) {
        for lineIndex in Set(lineIndices).sorted(by: >) { removeLines(lineIndex...lineIndex) }
    }

    mutating func appendSectionHeader(_ name: String) {
        if let last = lines.last, case .blank = last.kind {} else if !lines.isEmpty {
            insertLine([], after: lines.count - 1)
        }
        let header = kind == .config && name != "default" ? "[profile \(name)]" : "[\(name)]"
        insertLine(Array(header.utf8), after: lines.count - 1)
    }

    /// The last effective section of profile `name`, appending a header first when there is none. Only for use inside
    /// `performEdit`: it rebuilds the index after appending.
    ///
    /// - Returns: The section, or -1 when the header was not appended (it would not fit under `byteLimit`: see
    ///   `arenaIsFull`) or the index did not rebuild with it; `performEdit` then undoes the edit and throws.
    mutating func ensureProfileSection(_ name: String) -> Int {
        if let last = effectiveSections(ofProfile: name).last { return last }
        appendSectionHeader(name)
        if let rebuilt = try? ProfileFileIndex(lines: lines, headers: headers, arena: arena, kind: kind) {
            index = rebuilt
        }
        return effectiveSections(ofProfile: name).last ?? -1
    }

    /// The line after which a new property of the section goes: its last property (or continuation), else the header.
    func insertionAnchor(inSection section: Int) -> Int {
        guard let lastProperty = index.properties(of: section, lines: lines).last else {
            return index.sections[section].headerLine
        }
        return lastProperty.lastLine
    }

    /// Every value `key` (case-insensitive) has in profile `name`, in file order: the definitions later ones override
    /// and, in a config file, those of a bare `[default]` that `[profile default]` hides. `removeValue` deletes all of
    /// them, so a caller that must not lose a value it did not read (such as `credstore migrate`) checks them all.
    public func definitions(ofKey key: String, inProfile name: String) -> [ProfileValue] {
        let matches = properties(matching: key.lowercased(), inProfile: name, includingShadowed: true)
        return arena.withUnsafeBufferPointer { buffer in
            matches.map { value(of: $0, layout(ofPropertyLine: $0.line, buffer), buffer) }
        }
    }

    /// Every valid definition of `lowerKey` in the effective sections of profile `name` (with `includingShadowed`,
    /// in all its sections, the bare `[default]` ones a config file's `[profile default]` hides too), in file order.
    func properties(matching lowerKey: String, inProfile name: String,
                    includingShadowed: Bool = false) -> [PropertyRef] {
        let wanted = Array(lowerKey.utf8)
        let sections = includingShadowed
            ? index.sectionIndices(in: index.profiles, named: name) : effectiveSections(ofProfile: name)
        var result: [PropertyRef] = []
        arena.withUnsafeBufferPointer { buffer in
            for section in sections {
                for property in index.properties(of: section, lines: lines) {
                    guard case .property(let flags) = lines[property.line].kind, flags.keyIsValid,
                          Int(layout(ofPropertyLine: property.line, buffer).keyEnd) == wanted.count else { continue }
                    let start = lines[property.line].start
                    var equal = true
                    for offset in 0..<wanted.count where ASCII.lowercased(buffer[start + offset]) != wanted[offset] {
                        equal = false
                        break
                    }
                    if equal { result.append(property) }
                }
            }
        }
        return result
    }

    func lastProperty(matching lowerKey: String, inProfile name: String) -> PropertyRef? {
        properties(matching: lowerKey, inProfile: name).last
    }

    func continuationLines(of property: PropertyRef) -> [Int] {
        guard property.lastLine > property.line else { return [] }
        return (property.line + 1...property.lastLine).filter {
            if case .continuation = lines[$0].kind { return true }
            return false
        }
    }

    mutating func deleteContinuations(of property: PropertyRef) {
        deleteLines(continuationLines(of: property))
    }

    /// Rewrites the value of a property line, keeping the key, the spacing around `=` and an inline comment.
    mutating func replaceValue(of property: PropertyRef, with value: [UInt8]) {
        let line = lines[property.line]
        guard case .property = line.kind else { return }
        let info = arena.withUnsafeBufferPointer { layout(ofPropertyLine: property.line, $0) }
        let base = line.start
        var content: [UInt8]
        if !info.hasEmptyValue && !value.isEmpty {
            content = Array(arena[base..<base + Int(info.valueStart)]) + value
            content += arena[base + Int(info.valueEnd)..<line.contentEnd]
        } else {
            content = Array(arena[base...base + Int(info.equals)])
            if !value.isEmpty { content += [ASCII.space] + value }
            if info.commentStart >= 0 {
                content += [ASCII.space] + arena[base + Int(info.commentStart)..<line.contentEnd]
            }
        }
        setLine(property.line, to: makeLine(content, eol: Array(arena[line.contentEnd..<line.end])))
    }

    func indentation(ofLine lineIndex: Int) -> [UInt8] {
        let line = lines[lineIndex]
        guard case .continuation = line.kind else { return Array("  ".utf8) }
        let text = arena.withUnsafeBufferPointer { LineClassifier.trimmed($0, start: line.start, end: line.contentEnd) }
        return Array(arena[line.start..<text.lowerBound])
    }

    /// The trimmed key of a sub-property line, or `nil` when it has no `=`.
    func subKey(ofLine lineIndex: Int) -> String? {
        let line = lines[lineIndex]
        guard case .continuation = line.kind else { return nil }
        return arena.withUnsafeBufferPointer { buffer in
            let text = UnsafeBufferPointer(rebasing: buffer[LineClassifier.trimmed(buffer, start: line.start,
                                                                                   end: line.contentEnd)])
            return LineClassifier.splitSubProperty(text).map { String(decoding: text[$0.key], as: UTF8.self) }
        }
    }

    /// The header line of a section and its last property line (the header line when it has no property).
    func span(ofSection section: Int) -> SectionSpan {
        let headerLine = index.sections[section].headerLine
        return SectionSpan(headerLine: headerLine,
                           lastPropertyLine: index.properties(of: section, lines: lines).last?.lastLine ?? headerLine)
    }

    /// Deletes a section's header and its lines up to its last property; trailing comments (which usually belong to
    /// the next section) stay. Blank lines are tidied so that no double gap is left behind.
    ///
    /// - Parameter span: The section's lines, as `span(ofSection:)` gave them before the edit changed any line at or
    ///   before them.
    mutating func deleteSection(_ span: SectionSpan) {
        var last = span.lastPropertyLine
        var first = span.headerLine
        func isBlank(_ lineIndex: Int) -> Bool {
            if case .blank = lines[lineIndex].kind { return true }
            return false
        }
        var followingBlanks = 0
        while last + followingBlanks + 1 < lines.count && isBlank(last + followingBlanks + 1) { followingBlanks += 1 }
        if last + followingBlanks + 1 == lines.count {
            // The section ends the file: drop the gap before it too, so the file does not end in blank lines.
            last += followingBlanks
            while first > 0 && isBlank(first - 1) { first -= 1 }
        } else if first == 0 || isBlank(first - 1) {
            last += followingBlanks
        }
        removeLines(first...last)
    }
}
