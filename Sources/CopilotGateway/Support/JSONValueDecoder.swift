/// Decodes a `Decodable` type from a `JSONValue` tree that `JSONTreeParser` read: how request bodies
/// become the dialects' wire types. A `JSONValue` member (a tool's schema, `tool_choice`) is the
/// subtree itself, taken whole without reading it again. Its errors are `DecodingError`s with the
/// same kinds and coding paths `JSONDecoder` gives, so a body's problem is worded the same way.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let path: DecodingPath

    init(_ value: JSONValue, path: DecodingPath = .root) {
        self.value = value
        self.path = path
    }

    var codingPath: [any CodingKey] { path.keys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// `type` read from `value`.
    static func decode<Value: Decodable>(_ type: Value.Type, from value: JSONValue) throws -> Value {
        try Value(from: JSONValueDecoder(value))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSONValue].self, container: true) }
        return KeyedDecodingContainer(JSONValueKeyedContainer<Key>(members: members, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([JSONValue].self, container: true) }
        return JSONValueUnkeyedContainer(elements: elements, path: path)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// The value is not a `type`: `valueNotFound` when it is null, as `JSONDecoder` says it.
    func mismatch(_ type: Any.Type, container: Bool = false) -> DecodingError {
        if value == .null {
            let what = container ? "Cannot get decoding container -- found null value instead" : "Expected \(type) value but found null instead."
            return .valueNotFound(type, .init(codingPath: codingPath, debugDescription: what))
        }
        return .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "Expected to decode \(type) but found \(value.kindName) instead."))
    }
}

extension JSONValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(type) }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw mismatch(type) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let number) = value else { throw mismatch(type) }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float {
        guard case .number(let number) = value else { throw mismatch(type) }
        return Float(number)
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    /// A number that is a whole `Integer`, as `JSONDecoder` reads one.
    private func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) throws -> Integer {
        guard case .number(let number) = value else { throw mismatch(type) }
        guard let exact = Integer(exactly: number) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(number.formatted) is not a whole number that fits in \(type)"))
        }
        return exact
    }
}

/// Where a value stands in the decoded document, as a list that grows by one link per container
/// (building `codingPath` walks it, which only an error does).
indirect enum DecodingPath: Sendable {
    case root
    case member(String, DecodingPath)
    case element(Int, DecodingPath)

    var keys: [any CodingKey] {
        var keys: [any CodingKey] = []
        var link = self
        while true {
            switch link {
            case .root: return keys.reversed()
            case .member(let name, let parent):
                keys.append(PathKey(stringValue: name))
                link = parent
            case .element(let index, let parent):
                keys.append(PathKey(intValue: index))
                link = parent
            }
        }
    }
}

/// A member name or an array index in a `DecodingPath`.
struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

extension Double {
    /// The number as JSON would write it (`3`, `1.5`, `1e+20`).
    fileprivate var formatted: String {
        rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}

extension JSONValue {
    /// How `DecodingError`s name the kind of this value.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "a string"
        case .array: "an array"
        case .object: "a dictionary"
        }
    }
}
