import Foundation
import ClusterModel

/// Walks BSON bytes in place, without building Swift values: the checks, error reasons and offsets are those
/// of `BSONDecoder` (so a corrupt chunk read raw is reported exactly as when decoded), at no allocation.
/// Offsets count from the start of the buffer handed in.
struct RawBSON {
    let base: UnsafeRawPointer
    let count: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        count = bytes.count
    }

    @inline(__always) func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }
    @inline(__always) func int32(_ i: Int) -> Int32 { Int32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: Int32.self)) }
    @inline(__always) func int64(_ i: Int) -> Int64 { Int64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: Int64.self)) }

    @inline(__always) func need(_ pos: Int, _ n: Int, _ what: String) throws {
        if n < 0 || pos + n > count { throw BSONDecodeError(offset: pos, reason: "truncated \(what)") }
    }

    /// The position after the NUL ending the cstring at `pos`.
    @inline(__always) func skipCString(_ pos: Int) throws -> Int {
        var p = pos
        while p < count, byte(p) != 0 { p += 1 }
        guard p < count else { throw BSONDecodeError(offset: pos, reason: "unterminated key or cstring") }
        return p + 1
    }

    /// The position after the string (int32 length, bytes, NUL) at `pos`.
    func skipString(_ pos: Int) throws -> Int {
        try need(pos, 4, "int32")
        let len = Int(int32(pos))
        guard len >= 1 else { throw BSONDecodeError(offset: pos, reason: "invalid string length \(len)") }
        try need(pos + 4, len, "string")
        guard byte(pos + 4 + len - 1) == 0 else { throw BSONDecodeError(offset: pos, reason: "string not NUL-terminated") }
        return pos + 4 + len
    }

    /// Checks the document at `pos` and every value in it; the position after it.
    func skipDocument(_ pos: Int, depth: Int) throws -> Int {
        guard depth < 100 else { throw BSONDecodeError(offset: pos, reason: "documents nested too deeply") }
        let end = try documentEnd(pos)
        var p = pos + 4
        while p < end {
            let typeAt = p
            try need(p, 1, "byte")
            let type = byte(p)
            p = try skipCString(p + 1)
            p = try skipValue(type: type, at: p, typeAt: typeAt, depth: depth)
        }
        return try closeDocument(p, end)
    }

    /// Walks the top-level elements of the document at 0, checking each value as `BSONDecoder` does: `body` gets an
    /// element's type, where its key starts and the key's length, and where its value starts and ends; it returns
    /// false to stop early (the rest of the document is then not checked). Returns whether the walk reached the end,
    /// the document's closing checks passed.
    @inline(__always) @discardableResult
    func forEachElement(_ body: (_ type: UInt8, _ keyAt: Int, _ keyLength: Int, _ valueAt: Int, _ valueEnd: Int) throws -> Bool) throws -> Bool {
        let end = try documentEnd(0)
        var p = 4
        while p < end {
            let typeAt = p
            let type = byte(p)
            let keyAt = p + 1
            let valueAt = try skipCString(keyAt)
            p = try skipValue(type: type, at: valueAt, typeAt: typeAt, depth: 0)
            if try !body(type, keyAt, valueAt - keyAt - 1, valueAt, p) { return false }
        }
        _ = try closeDocument(p, end)
        return true
    }

    /// The position of the trailing NUL of the document starting at `pos` (its length checked).
    @inline(__always) func documentEnd(_ pos: Int) throws -> Int {
        try need(pos, 4, "int32")
        let len = Int(int32(pos))
        guard len >= 5, pos + len <= count else {
            throw BSONDecodeError(offset: pos, reason: len < 5 ? "invalid document length \(len)" : "truncated document (length \(len), \(count - pos) bytes available)")
        }
        return pos + len - 1
    }

    /// Checks that the elements ended exactly at the document's trailing NUL; the position after it.
    @inline(__always) func closeDocument(_ p: Int, _ end: Int) throws -> Int {
        guard p == end, byte(end) == 0 else {
            throw BSONDecodeError(offset: min(p, count - 1), reason: "document length does not match its contents")
        }
        return end + 1
    }

    /// The position after the value of an element of `type` starting at `pos` (nested values checked).
    func skipValue(type: UInt8, at pos: Int, typeAt: Int, depth: Int) throws -> Int {
        switch type {
        case 0x01, 0x09, 0x11, 0x12: try need(pos, 8, "int64"); return pos + 8
        case 0x02, 0x0D, 0x0E: return try skipString(pos)
        case 0x03, 0x04: return try skipDocument(pos, depth: depth + 1)
        case 0x05:
            try need(pos, 4, "int32")
            let n = Int(int32(pos))
            guard n >= 0 else { throw BSONDecodeError(offset: pos, reason: "negative binary length") }
            try need(pos + 4, 1, "byte")
            try need(pos + 5, n, "binary")
            return pos + 5 + n
        case 0x06, 0x0A, 0xFF, 0x7F: return pos
        case 0x07: try need(pos, 12, "objectId"); return pos + 12
        case 0x08:
            try need(pos, 1, "byte")
            let b = byte(pos)
            guard b <= 1 else { throw BSONDecodeError(offset: pos, reason: "invalid boolean \(b)") }
            return pos + 1
        case 0x0B: return try skipCString(try skipCString(pos))
        case 0x0C:
            let p = try skipString(pos)
            try need(p, 12, "objectId")
            return p + 12
        case 0x0F:
            try need(pos, 4, "int32")
            return try skipDocument(try skipString(pos + 4), depth: depth + 1)
        case 0x10: try need(pos, 4, "int32"); return pos + 4
        case 0x13: try need(pos, 16, "decimal128"); return pos + 16
        default:
            throw BSONDecodeError(offset: typeAt, reason: String(format: "unknown BSON type 0x%02x", type))
        }
    }

    /// Whether the key at `pos` (NUL-terminated, inside the buffer) is `key` (ASCII, without NUL).
    @inline(__always) func keyIs(_ pos: Int, _ key: StaticString) -> Bool {
        let n = key.utf8CodeUnitCount
        guard pos + n < count else { return false }
        let k = key.utf8Start
        for i in 0..<n where byte(pos + i) != k[i] { return false }
        return byte(pos + n) == 0
    }

    /// A flag as `BSONValue.truthy` reads it: false for false, null, undefined and zero numbers; true otherwise.
    func truthy(type: UInt8, at pos: Int) -> Bool {
        switch type {
        case 0x08: return byte(pos) != 0
        case 0x0A, 0x06: return false
        case 0x10: return int32(pos) != 0
        case 0x12: return int64(pos) != 0
        case 0x01: return Double(bitPattern: UInt64(bitPattern: int64(pos))) != 0
        default: return true
        }
    }

    /// One element's value decoded into Swift (for the few values a raw scan keeps: a new owner, a new shard).
    static func decodeValue(type: UInt8, _ value: UnsafeRawBufferPointer) throws -> BSONValue {
        // A one-element document `{"": value}` through the Swift decoder.
        var doc: [UInt8] = [0, 0, 0, 0, type, 0]
        doc.append(contentsOf: value)
        doc.append(0)
        let n = UInt32(doc.count)
        for k in 0..<4 { doc[k] = UInt8(truncatingIfNeeded: n >> (8 * k)) }
        guard let v = try BSONDecoder.decode(doc).elements.first?.value else {
            throw BSONDecodeError(offset: 0, reason: "empty value")
        }
        return v
    }
}
