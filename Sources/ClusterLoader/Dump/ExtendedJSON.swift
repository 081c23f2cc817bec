import Foundation
import ClusterModel

/// Canonical Extended JSON v2 (mongodb/specifications extended-json.md) out, canonical or relaxed in: the
/// format of mongodump's `<coll>.metadata.json` and of a snapshot's `shardscope.json`. Canonical keeps every
/// BSON type (int32 vs int64 vs double, dates as milliseconds), so a document survives the round trip exactly.
public enum ExtendedJSON {
    // MARK: out

    public static func canonical(_ v: BSONValue) -> JSONValue {
        switch v {
        case .double(let d):
            let text: String
            if d.isNaN { text = "NaN" } else if d.isInfinite { text = d > 0 ? "Infinity" : "-Infinity" } else { text = "\(d)" }
            return ["$numberDouble": .string(text)]
        case .string(let s): return .string(s)
        case .document(let d): return canonical(d)
        case .array(let a): return .array(a.map(canonical))
        case .binary(let sub, let data):
            return ["$binary": ["base64": .string(Data(data).base64EncodedString()), "subType": .string(String(format: "%02x", sub))]]
        case .undefined: return ["$undefined": true]
        case .objectId(let o): return ["$oid": .string(o.hex)]
        case .bool(let b): return .bool(b)
        case .date(let ms): return ["$date": ["$numberLong": .string(String(ms))]]
        case .null: return .null
        case .regex(let p, let o): return ["$regularExpression": ["pattern": .string(p), "options": .string(o)]]
        case .dbPointer(let ref, let id): return ["$dbPointer": ["$ref": .string(ref), "$id": ["$oid": .string(id.hex)]]]
        case .javascript(let c): return ["$code": .string(c)]
        case .symbol(let s): return ["$symbol": .string(s)]
        case .javascriptWithScope(let c, let s): return ["$code": .string(c), "$scope": canonical(s)]
        case .int32(let i): return ["$numberInt": .string(String(i))]
        case .timestamp(let ts): return ["$timestamp": ["t": .int(Int64(ts.t)), "i": .int(Int64(ts.i))]]
        case .int64(let i): return ["$numberLong": .string(String(i))]
        case .decimal128: return v.relaxedExtendedJSON          // {"$numberDecimal": "…"} (read back: not supported)
        case .minKey: return ["$minKey": 1]
        case .maxKey: return ["$maxKey": 1]
        }
    }

    public static func canonical(_ d: BSONDocument) -> JSONValue { .object(d.elements.map { ($0.key, canonical($0.value)) }) }

    // MARK: in

    public struct ParseError: Error, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Parses JSON text, keeping object keys in order and telling integers (no fraction, no exponent) from doubles.
    public static func parse(_ text: String) throws -> JSONValue {
        var p = Parser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.bytes.count else { throw ParseError(offset: p.i, reason: "trailing characters") }
        return v
    }

    /// The BSON value an Extended JSON value (canonical or relaxed) stands for.
    public static func bson(_ j: JSONValue) throws -> BSONValue {
        switch j {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return Int32(exactly: i).map(BSONValue.int32) ?? .int64(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let a): return .array(try a.map(bson))
        case .object(let pairs):
            if let special = try wrapper(pairs) { return special }
            return .document(try document(j))
        }
    }

    /// An Extended JSON object as a document.
    public static func document(_ j: JSONValue) throws -> BSONDocument {
        guard case .object(let pairs) = j else { throw ParseError(offset: 0, reason: "expected an object") }
        return BSONDocument(try pairs.map { BSONDocument.Element(key: $0.0, value: try bson($0.1)) })
    }

    private static func wrapper(_ pairs: [(String, JSONValue)]) throws -> BSONValue? {
        guard let (key, v) = pairs.first, key.hasPrefix("$") else { return nil }
        let bad = { ParseError(offset: 0, reason: "malformed \(key)") }
        func str(_ j: JSONValue?) throws -> String { if case .string(let s)? = j { return s }; throw bad() }
        func int(_ j: JSONValue?) throws -> Int64 { if case .int(let i)? = j { return i }; throw bad() }
        switch (key, pairs.count) {
        case ("$numberInt", 1): guard let i = Int32(try str(v)) else { throw bad() }; return .int32(i)
        case ("$numberLong", 1): guard let i = Int64(try str(v)) else { throw bad() }; return .int64(i)
        case ("$numberDouble", 1):
            switch try str(v) {
            case "NaN": return .double(.nan)
            case "Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            case let s: guard let d = Double(s) else { throw bad() }; return .double(d)
            }
        case ("$oid", 1):
            guard let o = ObjectId(hex: try str(v)) else { throw bad() }
            return .objectId(o)
        case ("$date", 1):
            switch v {
            case .object(let inner): return .date(try int64(inner.first { $0.0 == "$numberLong" }?.1, bad))
            case .int(let ms): return .date(ms)
            case .string(let s): guard let ms = parseISODate(s) else { throw bad() }; return .date(ms)
            default: throw bad()
            }
        case ("$timestamp", 1):
            guard case .object(let tp) = v, let t = UInt32(exactly: try int(tp.first { $0.0 == "t" }?.1)),
                  let i = UInt32(exactly: try int(tp.first { $0.0 == "i" }?.1)) else { throw bad() }
            return .timestamp(BSONTimestamp(t: t, i: i))
        case ("$binary", 1):
            guard case .object(let bp) = v, let data = Data(base64Encoded: try str(bp.first { $0.0 == "base64" }?.1)),
                  let sub = UInt8(try str(bp.first { $0.0 == "subType" }?.1), radix: 16) else { throw bad() }
            return .binary(subtype: sub, data: Array(data))
        case ("$minKey", 1): return .minKey
        case ("$maxKey", 1): return .maxKey
        case ("$undefined", 1): return .undefined
        case ("$symbol", 1): return .symbol(try str(v))
        case ("$code", 1): return .javascript(try str(v))
        case ("$code", 2):
            guard pairs[1].0 == "$scope" else { return nil }
            return .javascriptWithScope(code: try str(v), scope: try document(pairs[1].1))
        case ("$regularExpression", 1):
            guard case .object(let rp) = v else { throw bad() }
            return .regex(pattern: try str(rp.first { $0.0 == "pattern" }?.1), options: try str(rp.first { $0.0 == "options" }?.1))
        case ("$dbPointer", 1):
            guard case .object(let dp) = v, case .object(let idp)? = dp.first(where: { $0.0 == "$id" })?.1,
                  let o = ObjectId(hex: try str(idp.first { $0.0 == "$oid" }?.1)) else { throw bad() }
            return .dbPointer(ref: try str(dp.first { $0.0 == "$ref" }?.1), id: o)
        case ("$numberDecimal", 1): throw ParseError(offset: 0, reason: "$numberDecimal is not supported here")
        default: return nil   // an ordinary document whose first key starts with '$' (e.g. an operator)
        }
    }

    private static func int64(_ j: JSONValue?, _ bad: () -> ParseError) throws -> Int64 {
        if case .string(let s)? = j, let i = Int64(s) { return i }
        throw bad()
    }

    /// "2026-11-20T22:40:00.000Z" (or with an offset, fraction optional) → milliseconds since 1970.
    static func parseISODate(_ s: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return ISO8601.millis(d) }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s).map(ISO8601.millis)
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) { i += 1 } }
        func fail(_ r: String) -> ParseError { ParseError(offset: i, reason: r) }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < 200 else { throw fail("nested too deeply") }
            guard i < bytes.count else { throw fail("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1; skipSpace()
                var pairs: [(String, JSONValue)] = []
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let k = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1; skipSpace()
                    pairs.append((k, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1; skipSpace()
                var items: [JSONValue] = []
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("unexpected character") }
            i += w.count
        }

        mutating func number() throws -> JSONValue {
            let start = i
            var isDouble = false
            while i < bytes.count {
                let c = bytes[i]
                if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { i += 1 }
                else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isDouble = true; i += 1 }
                else { break }
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            guard !text.isEmpty else { throw fail("unexpected character") }
            if !isDouble, let v = Int64(text) { return .int(v) }
            guard let d = Double(text) else { i = start; throw fail("bad number '\(text)'") }
            return .double(d)
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
                throw fail("bad \\u escape")
            }
            i += 4
            return v
        }

        mutating func string() throws -> String {
            i += 1   // opening quote
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail("unterminated string") }
                let c = bytes[i]; i += 1
                switch c {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { throw fail("unterminated string") }
                    let e = bytes[i]; i += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "u"):
                        var u = try hex4()
                        if (0xd800..<0xdc00).contains(u), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            i += 2
                            let lo = try hex4()
                            guard (0xdc00..<0xe000).contains(lo) else { throw fail("bad surrogate pair") }
                            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00)
                        }
                        out += Array(String(Unicode.Scalar(u).map(Character.init) ?? "\u{fffd}").utf8)
                    default: out.append(e)   // \" \\ \/
                    }
                default:
                    guard c >= 0x20 else { throw fail("control character in string") }
                    out.append(c)
                }
            }
        }
    }
}
