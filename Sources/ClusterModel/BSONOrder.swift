import Foundation

/// BSON's cross-type sort order, as the server compares shard-key values
/// (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/).
extension BSONValue {
    /// The server's canonical type number (`canonicalizeBSONType`): values of different types order by it,
    /// and hashed shard keys hash it. Numbers share one, as do strings and symbols.
    var canonicalType: Int32 {
        switch self {
        case .minKey: return -1
        case .undefined: return 0
        case .null: return 5
        case .double, .int32, .int64, .decimal128: return 10
        case .string, .symbol: return 15
        case .document: return 20
        case .array: return 25
        case .binary: return 30
        case .objectId: return 35
        case .bool: return 40
        case .date: return 45
        case .timestamp: return 47
        case .regex: return 50
        case .dbPointer: return 55
        case .javascript: return 60
        case .javascriptWithScope: return 65
        case .maxKey: return 127
        }
    }

    /// Three-way comparison in BSON order: -1, 0 or 1.
    public static func compare(_ a: BSONValue, _ b: BSONValue) -> Int {
        let ra = a.canonicalType, rb = b.canonicalType
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.string(let x), .string(let y)), (.symbol(let x), .string(let y)),
             (.string(let x), .symbol(let y)), (.symbol(let x), .symbol(let y)):
            return x == y ? 0 : (Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : 1)
        case (.document(let x), .document(let y)): return BSONDocument.compare(x, y)
        case (.array(let x), .array(let y)):
            for (u, v) in zip(x, y) { let c = compare(u, v); if c != 0 { return c } }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.binary(let s1, let d1), .binary(let s2, let d2)):
            if d1.count != d2.count { return d1.count < d2.count ? -1 : 1 }
            if s1 != s2 { return s1 < s2 ? -1 : 1 }
            return d1 == d2 ? 0 : (d1.lexicographicallyPrecedes(d2) ? -1 : 1)
        case (.objectId(let x), .objectId(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.date(let x), .date(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.timestamp(let x), .timestamp(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.int64(let x), .int64(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.int32(let x), .int32(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        default:
            if let x = a.doubleValue, let y = b.doubleValue {
                if x.isNaN || y.isNaN { return x.isNaN == y.isNaN ? 0 : (x.isNaN ? -1 : 1) }
                return x == y ? 0 : (x < y ? -1 : 1)
            }
            return 0
        }
    }
}

extension BSONDocument {
    /// Compares documents field by field (type, then name, then value), as the server orders embedded documents.
    public static func compare(_ a: BSONDocument, _ b: BSONDocument) -> Int {
        for (x, y) in zip(a.elements, b.elements) {
            if x.value.canonicalType != y.value.canonicalType { return x.value.canonicalType < y.value.canonicalType ? -1 : 1 }
            if x.key != y.key { return Array(x.key.utf8).lexicographicallyPrecedes(Array(y.key.utf8)) ? -1 : 1 }
            let c = BSONValue.compare(x.value, y.value)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Compares two shard-key bounds by value only, field by field in key order (field names ignored).
    public static func compareKeys(_ a: BSONDocument, _ b: BSONDocument) -> Int {
        for (x, y) in zip(a.elements, b.elements) {
            let c = BSONValue.compare(x.value, y.value)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
