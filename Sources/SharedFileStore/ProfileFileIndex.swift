/// A property line and the last of its continuation lines (line indices; equal when it has none).
struct PropertyRef {
    var line: Int
    var lastLine: Int
}

/// A `[...]` section: its header line, its properties (a range of `ProfileFileIndex.properties`), the last line
/// before the next header, and the next section of the same name (merging duplicates without searching).
struct SectionRecord {
    var header: Int  // index into `ProfileFile.headers`
    var headerLine: Int
    var lastLine: Int
    var properties: Range<Int>
    var nextSameName: Int
}

/// Sections of one type by name, in order of first appearance.
struct SectionChains {
    var first: [String: Int] = [:]
    var last: [String: Int] = [:]
    var order: [String] = []

    mutating func add(_ name: String, section: Int, sections: inout [SectionRecord]) {
        if let previous = last[name] {
            sections[previous].nextSameName = section
        } else {
            first[name] = section
            order.append(name)
        }
        last[name] = section
    }
}

/// The section structure of a document, built in one linear pass over its classified lines.
struct ProfileFileIndex {
    var sections: [SectionRecord] = []
    var properties: [PropertyRef] = []
    var profiles = SectionChains()
    var ssoSessions = SectionChains()
    var services = SectionChains()
    var others = SectionChains()
    var hasPrefixedDefault = false

    private var currentProperty = -1
    private var currentPropertyHasEmptyValue = false

    /// An empty index; feed it every line with `append(_:at:buffer:)`, then call `finish(headers:kind:)`.
    init(expectedLines: Int, expectedSections: Int) {
        sections.reserveCapacity(expectedSections)
        properties.reserveCapacity(expectedLines)
    }

    /// Builds the index of already classified lines.
    init(lines: [Line], headers: [SectionHeader], arena: [UInt8], kind: ProfileFileKind) throws {
        self.init(expectedLines: lines.count, expectedSections: headers.count)
        try arena.withUnsafeBufferPointer { buffer in
            for (lineIndex, line) in lines.enumerated() { try append(line, at: lineIndex, buffer: buffer) }
        }
        finish(headers: headers, kind: kind)
    }

    /// Adds the next line.
    ///
    /// - Throws: `SyntaxProblem` for a property or continuation before any header, a continuation with no property
    ///   above it in its section, or a sub-property line without a key or `=`.
    mutating func append(_ line: Line, at lineIndex: Int, buffer: UnsafeBufferPointer<UInt8>) throws {
        switch line.kind {
        case .blank, .comment:
            if !sections.isEmpty { sections[sections.count - 1].lastLine = lineIndex }
        case .header(let header):
            closeLastSection()
            sections.append(SectionRecord(header: header, headerLine: lineIndex, lastLine: lineIndex,
                                          properties: properties.count..<properties.count, nextSameName: -1))
            currentProperty = -1
        case .property(let info):
            guard !sections.isEmpty else {
                throw SyntaxProblem(line: lineIndex + 1, message:
                    "a property must come after a section header such as [default] (expected a profile definition)")
            }
            properties.append(PropertyRef(line: lineIndex, lastLine: lineIndex))
            currentProperty = properties.count - 1
            currentPropertyHasEmptyValue = info.hasEmptyValue
            sections[sections.count - 1].lastLine = lineIndex
        case .continuation(let start, let end):
            guard !sections.isEmpty else {
                throw SyntaxProblem(line: lineIndex + 1, message:
                    "an indented line must come after a section header and a property (expected a profile "
                    + "definition)")
            }
            guard currentProperty >= 0 else {
                throw SyntaxProblem(line: lineIndex + 1, message:
                    "an indented line must continue a property, but none precedes it in this section "
                    + "(expected a property definition, found continuation)")
            }
            if currentPropertyHasEmptyValue {
                try LineClassifier.checkSubProperty(
                    UnsafeBufferPointer(rebasing: buffer[line.start + Int(start)..<line.start + Int(end)]),
                    lineNumber: lineIndex + 1)
            }
            properties[currentProperty].lastLine = lineIndex
            sections[sections.count - 1].lastLine = lineIndex
        }
    }

    private mutating func closeLastSection() {
        guard !sections.isEmpty else { return }
        let last = sections.count - 1
        sections[last].properties = sections[last].properties.lowerBound..<properties.count
    }

    /// Links sections of the same name; call once after the last line.
    mutating func finish(headers: [SectionHeader], kind: ProfileFileKind) {
        closeLastSection()
        for sectionIndex in sections.indices {
            let header = headers[sections[sectionIndex].header]
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
        var next = chains.first[name] ?? -1
        while next >= 0 {
            result.append(next)
            next = sections[next].nextSameName
        }
        return result
    }
}
