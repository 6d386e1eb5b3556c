/// Which of the two AWS shared files a document is; it decides how section headers are read and written.
public enum ProfileFileKind: String, Sendable, CaseIterable {
    /// `~/.aws/credentials`: every section `[NAME]` is a profile.
    case credentials
    /// `~/.aws/config`: profiles are `[profile NAME]` (and a bare `[default]`); `[sso-session NAME]` and
    /// `[services NAME]` are separate sections.
    case config
}

/// A property value as the SDKs see it: a string, or a map of sub-properties (`s3 =` followed by indented
/// `key = value` lines).
public enum ProfileValue: Equatable, Sendable {
    /// A plain value; continuation lines are joined with `"\n"`.
    case string(String)
    /// Sub-properties in file order; keys keep their case, as in botocore.
    case subProperties(PropertyMap<String>)

    /// The string value, or `nil` for sub-properties.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The sub-properties, or `nil` for a plain value.
    public var subProperties: PropertyMap<String>? {
        if case .subProperties(let map) = self { return map }
        return nil
    }
}

/// A map that remembers the order in which keys were first inserted (file order); a later value for a key replaces
/// the earlier one in place, which is how duplicate keys and duplicate sections merge.
public struct PropertyMap<Value: Equatable & Sendable>: Equatable, Sendable, Sequence {
    /// The keys in first-insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    /// An empty map.
    public init() {}

    /// The number of keys.
    public var count: Int { keys.count }

    /// Whether the map is empty.
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`; setting `nil` removes the key.
    public subscript(key: String) -> Value? {
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
    public struct Iterator: IteratorProtocol {
        private let map: PropertyMap
        private var index = 0

        init(_ map: PropertyMap) { self.map = map }

        /// The next entry, or `nil` after the last.
        public mutating func next() -> (key: String, value: Value)? {
            guard index < map.keys.count else { return nil }
            let key = map.keys[index]
            index += 1
            return (key, map.storage[key]!)
        }
    }

    /// The entries in order.
    public func makeIterator() -> Iterator { Iterator(self) }

    /// The entries as a dictionary (order lost).
    public var dictionary: [String: Value] { storage }

    /// Order does not matter for equality: two maps are equal when they hold the same entries.
    public static func == (lhs: PropertyMap, rhs: PropertyMap) -> Bool { lhs.storage == rhs.storage }
}

/// One named section of a file (or of the merged view): its properties and where they came from.
public struct ProfileSection: Equatable, Sendable {
    /// The name: the profile name, or the name after `sso-session` / `services`.
    public var name: String
    /// The merged properties, keys lower-cased.
    public var properties: PropertyMap<ProfileValue>
    /// The files the section was read from, in search order (credentials file first).
    public var sources: [ProfileSource]

    /// The string value of `key` (lower-case), or `nil` when absent or a sub-property map.
    public func string(_ key: String) -> String? { properties[key]?.stringValue }
}

/// Where a profile (or a section) was found.
public struct ProfileSource: Equatable, Hashable, Sendable {
    /// The kind of file.
    public var kind: ProfileFileKind
    /// The file's path, when the document was read from a file.
    public var path: String?

    /// A source of the given kind and path.
    public init(kind: ProfileFileKind, path: String?) {
        self.kind = kind
        self.path = path
    }
}
