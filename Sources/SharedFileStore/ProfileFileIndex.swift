/// A property line and the last of its continuation lines (line indices; equal when it has none). Not stored: it is
/// derived from the lines of one section when a query or an edit needs it (`ProfileFileIndex.properties(of:lines:)`).
struct PropertyRef {
    var line: Int
    var lastLine: Int
}

/// A `[...]` section: its header line, the last line before the next header, and the previous section of the same
/// name (merging duplicates without searching).
///
/// 16 bytes (32-bit fields; a document has fewer than 2^32 lines, see `Line`): the index of a 100,000-profile file
/// is rebuilt after every edit, and no per-property table is kept (a section's properties are its lines).
struct SectionRecord {
    private static let none = UInt32.max

    var header: Int32  // index into `ProfileFile.headers`
    private var headerLine32: UInt32
    private var lastLine32: UInt32
    private var previousSameName32: UInt32

    init(header: Int32, headerLine: Int) {
        self.header = header
        headerLine32 = UInt32(headerLine)
        lastLine32 = UInt32(headerLine)
        previousSameName32 = Self.none
    }

    var headerLine: Int { Int(headerLine32) }

    var lastLine: Int {
        get { Int(lastLine32) }
        set { lastLine32 = UInt32(newValue) }
    }

    /// The previous section of the same name, or -1.
    var previousSameName: Int {
        get { previousSameName32 == Self.none ? -1 : Int(previousSameName32) }
        set { previousSameName32 = newValue < 0 ? Self.none : UInt32(newValue) }
    }
}

/// Sections of one type by name, in order of first appearance. One probe per section: the table maps a name to
/// its last section, and each section links to the previous one of the same name.
///
/// An open-addressing table with FNV-1a hashing rather than `Dictionary`: a 100,000-profile file is indexed on every
/// command, and the standard library's per-lookup seeded hasher was a tenth of the whole parse.
struct SectionChains {
    /// Names in order of first appearance.
    private(set) var order: [String] = []
    /// The last section of each name, parallel to `order`.
    private var lastSection: [UInt32] = []
    /// Indices into `order`, or -1; the count is a power of two, at most half full.
    private var slots: [Int32] = []

    mutating func reserveCapacity(_ count: Int) {
        order.reserveCapacity(count)
        lastSection.reserveCapacity(count)
        if slots.count < count * 2 { rehash(capacity: count * 2) }
    }

    /// The last section named `name`, if any.
    subscript(last name: String) -> Int? {
        guard !slots.isEmpty else { return nil }
        let slot = probe(name, hash: Self.hash(name))
        let entry = slots[slot]
        return entry >= 0 ? Int(lastSection[Int(entry)]) : nil
    }

    func contains(_ name: String) -> Bool { self[last: name] != nil }

    mutating func add(_ name: String, section: Int, sections: inout [SectionRecord]) {
        if (order.count + 1) * 2 > slots.count { rehash(capacity: max(16, slots.count * 2)) }
        let slot = probe(name, hash: Self.hash(name))
        let entry = slots[slot]
        if entry >= 0 {
            sections[section].previousSameName = Int(lastSection[Int(entry)])
            lastSection[Int(entry)] = UInt32(section)
        } else {
            slots[slot] = Int32(order.count)
            order.append(name)
            lastSection.append(UInt32(section))
        }
    }

    /// The slot holding `name`, or the empty slot where it would go.
    private func probe(_ name: String, hash: UInt64) -> Int {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 || order[Int(entry)] == name { return slot }
            slot = (slot + 1) & mask
        }
    }

    private mutating func rehash(capacity: Int) {
        var size = 16
        while size < capacity { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for (entry, name) in order.enumerated() {
            var slot = Int(truncatingIfNeeded: Self.hash(name)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }

    private static func hash(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash ^ (hash >> 29)
    }
}

/// The section structure of a document, built in one linear pass over its classified lines.
struct ProfileFileIndex {
    var sections: [SectionRecord] = []
    var profiles = SectionChains()
    var ssoSessions = SectionChains()
    var services = SectionChains()
    var others = SectionChains()
    var hasPrefixedDefault = false

    private var hasProperty = false
    private var currentPropertyHasEmptyValue = false
    /// The last line of the open section, stored into it when it closes (one write per section, not per line).
    private var currentLastLine = -1

    /// An empty index; feed it every line with `append(_:at:buffer:)`, then call `finish(headers:kind:)`.
    init(expectedSections: Int) {
        sections.reserveCapacity(expectedSections)
    }

    /// Builds the index of already classified lines, reusing `previous`'s name tables when the headers are the same.
    init(lines: [Line], headers: [SectionHeader], arena: [UInt8], kind: ProfileFileKind,
         previous: ProfileFileIndex? = nil) throws {
        self.init(expectedSections: previous?.sections.count ?? headers.count)
        try arena.withUnsafeBufferPointer { buffer in
            try lines.withUnsafeBufferPointer { lines in
                for lineIndex in lines.indices { try append(lines[lineIndex], at: lineIndex, buffer: buffer) }
            }
        }
        finish(headers: headers, kind: kind, previous: previous)
    }

    /// Adds the next line.
    ///
    /// - Throws: `SyntaxProblem` for a property or continuation before any header, a continuation with no property
    ///   above it in its section, or a sub-property line without a key or `=`.
    @inline(__always)
    mutating func append(_ line: Line, at lineIndex: Int, buffer: UnsafeBufferPointer<UInt8>) throws {
        switch line.kind {
        case .blank, .comment:
            break
        case .header(let header):
            closeLastSection()
            sections.append(SectionRecord(header: header, headerLine: lineIndex))
            hasProperty = false
        case .property(let info):
            guard !sections.isEmpty else {
                throw SyntaxProblem(line: lineIndex + 1, message:
                    "a property must come after a section header such as [default] (expected a profile definition)")
            }
            hasProperty = true
            currentPropertyHasEmptyValue = info.hasEmptyValue
        case .continuation:
            guard !sections.isEmpty else {
                throw SyntaxProblem(line: lineIndex + 1, message:
                    "an indented line must come after a section header and a property (expected a profile "
                    + "definition)")
            }
            guard hasProperty else {
                throw SyntaxProblem(line: lineIndex + 1, message:
                    "an indented line must continue a property, but none precedes it in this section "
                    + "(expected a property definition, found continuation)")
            }
            if currentPropertyHasEmptyValue {
                let text = LineClassifier.trimmed(buffer, start: line.start, end: line.contentEnd)
                try LineClassifier.checkSubProperty(UnsafeBufferPointer(rebasing: buffer[text]),
                                                    lineNumber: lineIndex + 1)
            }
        }
        currentLastLine = lineIndex
    }

    private mutating func closeLastSection() {
        guard !sections.isEmpty else { return }
        sections[sections.count - 1].lastLine = currentLastLine
    }

    /// The properties of section `section`, in file order: each property line with its continuation lines (blank
    /// and comment lines between them are skipped, as the SDKs do).
    func properties(of section: Int, lines: [Line]) -> [PropertyRef] {
        let record = sections[section]
        var result: [PropertyRef] = []
        // Within an edit the index can be the one from before it: only read it for lines the edit has not yet
        // moved (`removeProfile` takes every section's span before it deletes any).
        precondition(record.lastLine < lines.count, "the index does not match the line table")
        guard record.lastLine > record.headerLine else { return result }
        for lineIndex in record.headerLine + 1...record.lastLine {
            switch lines[lineIndex].kind {
            case .property: result.append(PropertyRef(line: lineIndex, lastLine: lineIndex))
            case .continuation where !result.isEmpty: result[result.count - 1].lastLine = lineIndex
            default: break
            }
        }
        return result
    }

    /// Links sections of the same name; call once after the last line.
    ///
    /// - Parameter previous: The index before an edit. When the edit left the sequence of headers as it was (the
    ///   common case: a key set or removed), its name tables are still right and are reused, so an edit of a large
    ///   file hashes no names.
    mutating func finish(headers: [SectionHeader], kind: ProfileFileKind, previous: ProfileFileIndex? = nil) {
        closeLastSection()
        if let previous, previous.sections.count == sections.count,
           zip(previous.sections, sections).allSatisfy({ $0.header == $1.header }) {
            for sectionIndex in sections.indices {
                sections[sectionIndex].previousSameName = previous.sections[sectionIndex].previousSameName
            }
            profiles = previous.profiles
            ssoSessions = previous.ssoSessions
            services = previous.services
            others = previous.others
            hasPrefixedDefault = previous.hasPrefixedDefault
            return
        }
        var profileCount = 0
        for header in headers where header.type == .profile { profileCount += 1 }
        profiles.reserveCapacity(profileCount)
        for sectionIndex in sections.indices {
            let header = headers[Int(sections[sectionIndex].header)]
            switch header.type {
            case .profile:
                profiles.add(header.name, section: sectionIndex, sections: &sections)
                if kind == .config && header.name == "default" && !header.isBareDefault { hasPrefixedDefault = true }
            case .ssoSession: ssoSessions.add(header.name, section: sectionIndex, sections: &sections)
            case .services: services.add(header.name, section: sectionIndex, sections: &sections)
            case .other(let type): others.add(type + " " + header.name, section: sectionIndex, sections: &sections)
            case .ignored: break
            }
        }
    }

    /// The sections named `name` in `chains`, in file order.
    func sectionIndices(in chains: SectionChains, named name: String) -> [Int] {
        var result: [Int] = []
        var previous = chains[last: name] ?? -1
        while previous >= 0 {
            result.append(previous)
            previous = sections[previous].previousSameName
        }
        return result.reversed()
    }
}
