import Foundation
import ClusterModel

/// A field of a config document that is missing or has a type the loader cannot read.
public struct DocumentFieldError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var found: String      // BSON type name, or "missing"
    public var expected: String
    public init(field: String, found: String, expected: String) { self.field = field; self.found = found; self.expected = expected }
    public var description: String {
        found == "missing" ? "field '\(field)' is missing, expected \(expected)" : "field '\(field)' is \(found), expected \(expected)"
    }
}

/// Typed reads of one document's fields. `required` fields throw when missing; optional ones return nil when
/// missing or null; both throw on a value of another type. Numbers of any width are accepted for numbers.
struct DocumentReader {
    let doc: BSONDocument
    init(_ doc: BSONDocument) { self.doc = doc }

    private func read<T>(_ path: String, _ expected: String, required: Bool, _ get: (BSONValue) -> T?) throws -> T? {
        guard let v = doc.value(at: path), v != .null, v != .undefined else {
            if required { throw DocumentFieldError(field: path, found: "missing", expected: expected) }
            return nil
        }
        guard let t = get(v) else { throw DocumentFieldError(field: path, found: v.typeName, expected: expected) }
        return t
    }

    func string(_ k: String) throws -> String { try read(k, "string", required: true) { $0.stringValue }! }
    func document(_ k: String) throws -> BSONDocument { try read(k, "object", required: true) { $0.documentValue }! }
    func date(_ k: String) throws -> Date { try read(k, "date", required: true) { $0.dateValue }! }

    func optString(_ k: String) throws -> String? { try read(k, "string", required: false) { $0.stringValue } }
    func optDocument(_ k: String) throws -> BSONDocument? { try read(k, "object", required: false) { $0.documentValue } }
    func optDate(_ k: String) throws -> Date? { try read(k, "date", required: false) { $0.dateValue } }
    func optInt(_ k: String) throws -> Int64? { try read(k, "number", required: false) { $0.int64Value } }
    func optTimestamp(_ k: String) throws -> BSONTimestamp? { try read(k, "timestamp", required: false) { $0.timestampValue } }
    /// A flag as the server reads it: a bool or a number (non-zero = true).
    func optFlag(_ k: String) throws -> Bool? {
        try read(k, "bool", required: false) { v in v.boolValue ?? (v.doubleValue.map { $0 != 0 }) }
    }
    func flag(_ k: String, default d: Bool = false) throws -> Bool { try optFlag(k) ?? d }
    func optStrings(_ k: String) throws -> [String]? {
        try read(k, "array of strings", required: false) { v in
            guard let a = v.arrayValue else { return nil }
            let s = a.compactMap(\.stringValue)
            return s.count == a.count ? s : nil
        }
    }
    /// `_id` shown the way a warning names a document: `{_id: "s1"}`.
    var idText: String {
        guard let id = doc["_id"] else { return "(no _id)" }
        return "{_id: \(id.relaxedExtendedJSON.serialized(indent: 0))}"
    }
}
