import Foundation

/// A 12-byte MongoDB ObjectId.
public struct ObjectId: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]  // always 12
    public init(bytes: [UInt8]) { precondition(bytes.count == 12); self.bytes = bytes }
    public init?(hex: String) {
        guard hex.count == 24 else { return nil }
        var out: [UInt8] = []; out.reserveCapacity(12)
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let v = UInt8(String([a, b]), radix: 16) else { return nil }
            out.append(v)
        }
        self.bytes = out
    }
    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
    public var description: String { hex }
    /// Seconds since the epoch held in the first four bytes.
    public var timestamp: Date {
        let s = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Date(timeIntervalSince1970: TimeInterval(s))
    }
    public static func < (a: ObjectId, b: ObjectId) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// A BSON Timestamp: seconds and an increment. Chunk `lastmod` versions use it as (major, minor).
public struct BSONTimestamp: Hashable, Sendable, Comparable {
    public var t: UInt32
    public var i: UInt32
    public init(t: UInt32, i: UInt32) { self.t = t; self.i = i }
    public static func < (a: BSONTimestamp, b: BSONTimestamp) -> Bool { (a.t, a.i) < (b.t, b.i) }
}

/// One BSON value. Dates are milliseconds since the epoch, as on the wire.
public indirect enum BSONValue: Hashable, Sendable {
    case double(Double)
    case string(String)
    case document(BSONDocument)
    case array([BSONValue])
    case binary(subtype: UInt8, data: [UInt8])
    case undefined
    case objectId(ObjectId)
    case bool(Bool)
    case date(Int64)
    case null
    case regex(pattern: String, options: String)
    case dbPointer(ref: String, id: ObjectId)
    case javascript(String)
    case symbol(String)
    case javascriptWithScope(code: String, scope: BSONDocument)
    case int32(Int32)
    case timestamp(BSONTimestamp)
    case int64(Int64)
    case decimal128([UInt8])  // 16 bytes, little-endian as on the wire
    case minKey
    case maxKey

    // MARK: lenient accessors used by the schema decoder

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var documentValue: BSONDocument? { if case .document(let d) = self { return d }; return nil }
    public var arrayValue: [BSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var dateValue: Date? { if case .date(let ms) = self { return Date(timeIntervalSince1970: Double(ms) / 1000) }; return nil }
    public var timestampValue: BSONTimestamp? { if case .timestamp(let ts) = self { return ts }; return nil }
    public var objectIdValue: ObjectId? { if case .objectId(let o) = self { return o }; return nil }

    /// Any numeric type as Int64 (doubles truncated; non-finite or out of range → nil).
    public var int64Value: Int64? {
        switch self {
        case .int32(let v): return Int64(v)
        case .int64(let v): return v
        case .double(let d): return d.isFinite && abs(d) < 9.2e18 ? Int64(d) : nil
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int32(let v): return Double(v)
        case .int64(let v): return Double(v)
        case .double(let d): return d
        default: return nil
        }
    }
    public var isNumber: Bool { doubleValue != nil || { if case .decimal128 = self { return true }; return false }() }

    /// Truthiness the way the server reads flags such as `jumbo` or `draining`: true, or a non-zero number.
    public var truthy: Bool {
        switch self {
        case .bool(let b): return b
        case .null, .undefined: return false
        case .int32, .int64, .double: return (doubleValue ?? 0) != 0
        default: return true
        }
    }

    /// The BSON type name, for error messages ("expected string, found int32").
    public var typeName: String {
        switch self {
        case .double: return "double"
        case .string: return "string"
        case .document: return "object"
        case .array: return "array"
        case .binary: return "binData"
        case .undefined: return "undefined"
        case .objectId: return "objectId"
        case .bool: return "bool"
        case .date: return "date"
        case .null: return "null"
        case .regex: return "regex"
        case .dbPointer: return "dbPointer"
        case .javascript: return "javascript"
        case .symbol: return "symbol"
        case .javascriptWithScope: return "javascriptWithScope"
        case .int32: return "int"
        case .timestamp: return "timestamp"
        case .int64: return "long"
        case .decimal128: return "decimal"
        case .minKey: return "minKey"
        case .maxKey: return "maxKey"
        }
    }
}

/// An ordered BSON document. Keys keep their order; lookups are linear (documents here are small).
public struct BSONDocument: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Element: Hashable, Sendable {
        public var key: String
        public var value: BSONValue
        public init(key: String, value: BSONValue) { self.key = key; self.value = value }
    }
    public var elements: [Element]

    public init() { elements = [] }
    public init(_ elements: [Element]) { self.elements = elements }
    public init(_ pairs: [(String, BSONValue)]) { elements = pairs.map { Element(key: $0.0, value: $0.1) } }
    public init(dictionaryLiteral pairs: (String, BSONValue)...) { self.init(pairs) }

    public subscript(key: String) -> BSONValue? {
        get { elements.first(where: { $0.key == key })?.value }
        set {
            if let i = elements.firstIndex(where: { $0.key == key }) {
                if let v = newValue { elements[i].value = v } else { elements.remove(at: i) }
            } else if let v = newValue {
                elements.append(Element(key: key, value: v))
            }
        }
    }
    /// Follows a dotted path through embedded documents ("details.errmsg").
    public func value(at path: String) -> BSONValue? {
        // Most paths are one field: no split, no boxing of the document (chunk decoding calls this per field).
        if !path.utf8.contains(UInt8(ascii: ".")) { return self[path] }
        var current: BSONValue = .document(self)
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard case .document(let d) = current, let next = d[String(part)] else { return nil }
            current = next
        }
        return current
    }
    public var keys: [String] { elements.map(\.key) }
    public var isEmpty: Bool { elements.isEmpty }
    public var count: Int { elements.count }
    public func makeIterator() -> IndexingIterator<[Element]> { elements.makeIterator() }
}

// Literals, so filters and test documents read like the shell: ["min": ["$gt": 5]].
extension BSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral s: String) { self = .string(s) }
    /// Int32 when it fits, as the shell does; Int64 otherwise.
    public init(integerLiteral i: Int64) { self = Int32(exactly: i).map(BSONValue.int32) ?? .int64(i) }
    public init(floatLiteral d: Double) { self = .double(d) }
    public init(booleanLiteral b: Bool) { self = .bool(b) }
    public init(arrayLiteral a: BSONValue...) { self = .array(a) }
    public init(dictionaryLiteral pairs: (String, BSONValue)...) { self = .document(BSONDocument(pairs)) }
}
