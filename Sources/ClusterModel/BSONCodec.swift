import Foundation

/// A malformed BSON byte sequence; `offset` counts from the start of the buffer handed to the decoder.
public struct BSONDecodeError: Error, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public init(offset: Int, reason: String) { self.offset = offset; self.reason = reason }
    public var description: String { "\(reason) at byte \(offset)" }
}

/// Pure-Swift BSON decoding of one document. Never traps: every read is bounds-checked.
public enum BSONDecoder {
    /// Decodes exactly one document occupying all of `bytes`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> BSONDocument {
        var r = Reader(buf: bytes, pos: 0)
        let doc = try r.document(depth: 0)
        if r.pos != bytes.count {
            throw BSONDecodeError(offset: r.pos, reason: "trailing bytes after document")
        }
        return doc
    }
    public static func decode(_ bytes: [UInt8]) throws -> BSONDocument {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    struct Reader {
        let buf: UnsafeRawBufferPointer
        var pos: Int

        mutating func need(_ n: Int, _ what: String) throws {
            if n < 0 || pos + n > buf.count {
                throw BSONDecodeError(offset: pos, reason: "truncated \(what)")
            }
        }
        mutating func u8() throws -> UInt8 { try need(1, "byte"); defer { pos += 1 }; return buf[pos] }
        mutating func i32() throws -> Int32 {
            try need(4, "int32")
            var v: UInt32 = 0
            for k in 0..<4 { v |= UInt32(buf[pos + k]) << (8 * k) }
            pos += 4
            return Int32(bitPattern: v)
        }
        mutating func u64() throws -> UInt64 {
            try need(8, "int64")
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(buf[pos + k]) << (8 * k) }
            pos += 8
            return v
        }
        mutating func bytes(_ n: Int, _ what: String) throws -> [UInt8] {
            try need(n, what); defer { pos += n }
            return Array(buf[pos..<pos + n])
        }
        mutating func cstring() throws -> String {
            let start = pos
            while pos < buf.count, buf[pos] != 0 { pos += 1 }
            guard pos < buf.count else { throw BSONDecodeError(offset: start, reason: "unterminated key or cstring") }
            let s = String(decoding: buf[start..<pos], as: UTF8.self)
            pos += 1
            return s
        }
        mutating func string() throws -> String {
            let at = pos
            let len = Int(try i32())
            guard len >= 1 else { throw BSONDecodeError(offset: at, reason: "invalid string length \(len)") }
            try need(len, "string")
            guard buf[pos + len - 1] == 0 else { throw BSONDecodeError(offset: at, reason: "string not NUL-terminated") }
            let s = String(decoding: buf[pos..<pos + len - 1], as: UTF8.self)
            pos += len
            return s
        }
        mutating func document(depth: Int) throws -> BSONDocument {
            guard depth < 100 else { throw BSONDecodeError(offset: pos, reason: "documents nested too deeply") }
            let start = pos
            let len = Int(try i32())
            guard len >= 5, start + len <= buf.count else {
                throw BSONDecodeError(offset: start, reason: len < 5 ? "invalid document length \(len)" : "truncated document (length \(len), \(buf.count - start) bytes available)")
            }
            let end = start + len - 1
            var doc = BSONDocument()
            while pos < end {
                let typeAt = pos
                let type = try u8()
                let key = try cstring()
                let value = try self.value(type: type, at: typeAt, depth: depth)
                doc.elements.append(.init(key: key, value: value))
            }
            guard pos == end, buf[end] == 0 else {
                throw BSONDecodeError(offset: min(pos, buf.count - 1), reason: "document length does not match its contents")
            }
            pos = end + 1
            return doc
        }
        mutating func value(type: UInt8, at typeAt: Int, depth: Int) throws -> BSONValue {
            switch type {
            case 0x01: return .double(Double(bitPattern: try u64()))
            case 0x02: return .string(try string())
            case 0x03: return .document(try document(depth: depth + 1))
            case 0x04: return .array(try document(depth: depth + 1).elements.map(\.value))
            case 0x05:
                let n = Int(try i32())
                guard n >= 0 else { throw BSONDecodeError(offset: pos - 4, reason: "negative binary length") }
                let sub = try u8()
                return .binary(subtype: sub, data: try bytes(n, "binary"))
            case 0x06: return .undefined
            case 0x07: return .objectId(ObjectId(bytes: try bytes(12, "objectId")))
            case 0x08:
                let b = try u8()
                guard b <= 1 else { throw BSONDecodeError(offset: pos - 1, reason: "invalid boolean \(b)") }
                return .bool(b == 1)
            case 0x09: return .date(Int64(bitPattern: try u64()))
            case 0x0A: return .null
            case 0x0B: return .regex(pattern: try cstring(), options: try cstring())
            case 0x0C: return .dbPointer(ref: try string(), id: ObjectId(bytes: try bytes(12, "objectId")))
            case 0x0D: return .javascript(try string())
            case 0x0E: return .symbol(try string())
            case 0x0F:
                _ = try i32()
                return .javascriptWithScope(code: try string(), scope: try document(depth: depth + 1))
            case 0x10: return .int32(try i32())
            case 0x11:
                let v = try u64()
                return .timestamp(BSONTimestamp(t: UInt32(v >> 32), i: UInt32(v & 0xffff_ffff)))
            case 0x12: return .int64(Int64(bitPattern: try u64()))
            case 0x13: return .decimal128(try bytes(16, "decimal128"))
            case 0xFF: return .minKey
            case 0x7F: return .maxKey
            default:
                throw BSONDecodeError(offset: typeAt, reason: String(format: "unknown BSON type 0x%02x", type))
            }
        }
    }
}

/// Pure-Swift BSON encoding (used by the dump writer and tests).
public enum BSONEncoder {
    public static func encode(_ doc: BSONDocument) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        write(doc, into: &out)
        return out
    }

    static func write(_ doc: BSONDocument, into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        for e in doc.elements { writeElement(e.key, e.value, into: &out) }
        out.append(0)
        patchLength(at: start, in: &out)
    }
    static func patchLength(at start: Int, in out: inout [UInt8]) {
        let len = UInt32(out.count - start)
        for k in 0..<4 { out[start + k] = UInt8((len >> (8 * k)) & 0xff) }
    }
    static func le<T: FixedWidthInteger>(_ v: T, into out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
    static func cstring(_ s: String, into out: inout [UInt8]) {
        out.append(contentsOf: s.utf8.filter { $0 != 0 }); out.append(0)
    }
    static func string(_ s: String, into out: inout [UInt8]) {
        let u = Array(s.utf8)
        le(Int32(u.count + 1), into: &out); out.append(contentsOf: u); out.append(0)
    }
    static func writeElement(_ key: String, _ value: BSONValue, into out: inout [UInt8]) {
        let typeAt = out.count
        out.append(0)
        cstring(key, into: &out)
        let type: UInt8
        switch value {
        case .double(let d): type = 0x01; le(d.bitPattern, into: &out)
        case .string(let s): type = 0x02; string(s, into: &out)
        case .document(let d): type = 0x03; write(d, into: &out)
        case .array(let a):
            type = 0x04
            write(BSONDocument(a.enumerated().map { BSONDocument.Element(key: String($0.offset), value: $0.element) }), into: &out)
        case .binary(let sub, let data): type = 0x05; le(Int32(data.count), into: &out); out.append(sub); out.append(contentsOf: data)
        case .undefined: type = 0x06
        case .objectId(let o): type = 0x07; out.append(contentsOf: o.bytes)
        case .bool(let b): type = 0x08; out.append(b ? 1 : 0)
        case .date(let ms): type = 0x09; le(ms, into: &out)
        case .null: type = 0x0A
        case .regex(let p, let o): type = 0x0B; cstring(p, into: &out); cstring(o, into: &out)
        case .dbPointer(let ref, let id): type = 0x0C; string(ref, into: &out); out.append(contentsOf: id.bytes)
        case .javascript(let c): type = 0x0D; string(c, into: &out)
        case .symbol(let s): type = 0x0E; string(s, into: &out)
        case .javascriptWithScope(let code, let scope):
            type = 0x0F
            let start = out.count
            out.append(contentsOf: [0, 0, 0, 0]); string(code, into: &out); write(scope, into: &out)
            patchLength(at: start, in: &out)
        case .int32(let v): type = 0x10; le(v, into: &out)
        case .timestamp(let ts): type = 0x11; le(UInt64(ts.t) << 32 | UInt64(ts.i), into: &out)
        case .int64(let v): type = 0x12; le(v, into: &out)
        case .decimal128(let b): type = 0x13; out.append(contentsOf: b.count == 16 ? b : [UInt8](repeating: 0, count: 16))
        case .minKey: type = 0xFF
        case .maxKey: type = 0x7F
        }
        out[typeAt] = type
    }
}
