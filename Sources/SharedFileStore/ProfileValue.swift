/// Which of the two AWS shared files a document is; it decides how section headers are read and written.
package enum ProfileFileKind: String, Sendable, CaseIterable {
    /// `~/.aws/credentials`: every section `[NAME]` is a profile.
    case credentials
    /// `~/.aws/config`: profiles are `[profile NAME]` (and a bare `[default]`); `[sso-session NAME]` and
    /// `[services NAME]` are separate sections.
    case config
}

/// A property value as the SDKs see it: a string, or a map of sub-properties (`s3 =` followed by indented
/// `key = value` lines).
package enum ProfileValue: Equatable, Sendable {
    /// A plain value; continuation lines are joined with `"\n"`.
    case string(String)
    /// Sub-properties in file order; keys keep their case, as in botocore.
    case subProperties(PropertyMap<String>)

    /// The string value, or `nil` for sub-properties.
    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The sub-properties, or `nil` for a plain value.
    package var subProperties: PropertyMap<String>? {
        if case .subProperties(let map) = self { return map }
        return nil
    }
}

/// A map that remembers the order in which keys were first inserted (file order); a later value for a key replaces
/// the earlier one in place, which is how duplicate keys and duplicate sections merge.
package struct PropertyMap<Value: Equatable & Sendable>: Equatable, Sendable, Sequence {
    /// The keys in first-insertion order.
    package private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    /// An empty map.
    package init() {}

    /// The number of keys.
    package var count: Int { keys.count }

    /// Whether the map is empty.
    package var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`; setting `nil` removes the key.
    package subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Iterates the entries in key order.
    package struct Iterator: IteratorProtocol {
        private let map: PropertyMap
        private var index = 0

        init(_ map: PropertyMap) { self.map = map }

        /// The next entry, or `nil` after the last.
        package mutating func next() -> (key: String, value: Value)? {
            guard index < map.keys.count else { return nil }
            let key = map.keys[index]
            index += 1
            return (key, map.storage[key]!)
        }
    }

    /// The entries in order.
    package func makeIterator() -> Iterator { Iterator(self) }

    /// The entries as a dictionary (order lost).
    package var dictionary: [String: Value] { storage }

    /// Order does not matter for equality: two maps are equal when they hold the same entries.
    package static func == (lhs: PropertyMap, rhs: PropertyMap) -> Bool { lhs.storage == rhs.storage }
}

/// One named section of a file (or of the merged view): its properties and where they came from.
package struct ProfileSection: Equatable, Sendable {
    /// The name: the profile name, or the name after `sso-session` / `services`.
    package var name: String
    /// The merged properties, keys lower-cased.
    package var properties: PropertyMap<ProfileValue>
    /// The files the section was read from, in search order (credentials file first).
    package var sources: [ProfileSource]

    /// The string value of `key` (lower-case), or `nil` when absent or a sub-property map.
    package func string(_ key: String) -> String? { properties[key]?.stringValue }
}

/// Where a profile (or a section) was found.
package struct ProfileSource: Equatable, Hashable, Sendable {
    /// The kind of file.
    package var kind: ProfileFileKind
    /// The file's path, when the document was read from a file.
    package var path: String?

    /// A source of the given kind and path.
    package init(kind: ProfileFileKind, path: String?) {
        self.kind = kind
        self.path = path
    }
}
