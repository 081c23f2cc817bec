import Foundation

/// A JSON value with ordered object keys, so reports print fields in a stable, documented order.
public indirect enum JSONValue: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public init(stringLiteral s: String) { self = .string(s) }
    public init(integerLiteral i: Int64) { self = .int(i) }
    public init(booleanLiteral b: Bool) { self = .bool(b) }
    public init(arrayLiteral a: JSONValue...) { self = .array(a) }
    public init(dictionaryLiteral pairs: (String, JSONValue)...) { self = .object(pairs) }
    public static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    public static func optional(_ i: Int64?) -> JSONValue { i.map(JSONValue.int) ?? .null }
    public static func optional(_ i: Int?) -> JSONValue { i.map { JSONValue.int(Int64($0)) } ?? .null }
    public static func optional(_ b: Bool?) -> JSONValue { b.map(JSONValue.bool) ?? .null }

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first(where: { $0.0 == key })?.1 }
        return nil
    }

    /// Serialises; `indent` > 0 pretty-prints with that many spaces a level.
    public func serialized(indent: Int = 2) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    func write(into out: inout String, indent: Int, level: Int) {
        let nl = indent > 0 ? "\n" : ""
        let pad = { (l: Int) in String(repeating: " ", count: indent * l) }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if !d.isFinite { out += "null" }
            else if d == d.rounded(), abs(d) < 1e15 { out += String(format: "%.1f", d) }
            else { out += "\(d)" }
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "[" + nl
            for (k, v) in a.enumerated() {
                out += pad(level + 1)
                v.write(into: &out, indent: indent, level: level + 1)
                out += (k < a.count - 1 ? "," : "") + nl
            }
            out += pad(level) + "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{" + nl
            for (k, (key, v)) in pairs.enumerated() {
                out += pad(level + 1)
                JSONValue.quote(key, into: &out)
                out += indent > 0 ? ": " : ":"
                v.write(into: &out, indent: indent, level: level + 1)
                out += (k < pairs.count - 1 ? "," : "") + nl
            }
            out += pad(level) + "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7f || (0x80...0x9f).contains(u.value)
                        || u.value == 0x2028 || u.value == 0x2029:
                out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}

extension BSONValue {
    /// Relaxed Extended JSON v2 (https://github.com/mongodb/specifications: extended-json.md).
    public var relaxedExtendedJSON: JSONValue {
        switch self {
        case .double(let d):
            if d.isNaN { return ["$numberDouble": "NaN"] }
            if d.isInfinite { return ["$numberDouble": .string(d > 0 ? "Infinity" : "-Infinity")] }
            return .double(d)
        case .string(let s): return .string(s)
        case .document(let d): return d.relaxedExtendedJSON
        case .array(let a): return .array(a.map(\.relaxedExtendedJSON))
        case .binary(let sub, let data):
            return ["$binary": ["base64": .string(Data(data).base64EncodedString()), "subType": .string(String(format: "%02x", sub))]]
        case .undefined: return ["$undefined": true]
        case .objectId(let o): return ["$oid": .string(o.hex)]
        case .bool(let b): return .bool(b)
        case .date(let ms):
            if ms >= 0 && ms <= 253_402_300_799_999 {
                return ["$date": .string(ISO8601.string(millis: ms))]
            }
            return ["$date": ["$numberLong": .string(String(ms))]]
        case .null: return .null
        case .regex(let p, let o): return ["$regularExpression": ["pattern": .string(p), "options": .string(o)]]
        case .dbPointer(let ref, let id): return ["$dbPointer": ["$ref": .string(ref), "$id": ["$oid": .string(id.hex)]]]
        case .javascript(let c): return ["$code": .string(c)]
        case .symbol(let s): return ["$symbol": .string(s)]
        case .javascriptWithScope(let c, let s): return ["$code": .string(c), "$scope": s.relaxedExtendedJSON]
        case .int32(let i): return .int(Int64(i))
        case .timestamp(let ts): return ["$timestamp": ["t": .int(Int64(ts.t)), "i": .int(Int64(ts.i))]]
        case .int64(let i): return .int(i)
        case .decimal128(let b): return ["$numberDecimal": .string(Decimal128Text.string(b))]
        case .minKey: return ["$minKey": 1]
        case .maxKey: return ["$maxKey": 1]
        }
    }
}

extension BSONDocument {
    public var relaxedExtendedJSON: JSONValue { .object(elements.map { ($0.key, $0.value.relaxedExtendedJSON) }) }
}

/// Dates as ISO-8601 in UTC with milliseconds ("2026-11-20T14:03:00.000Z").
public enum ISO8601 {
    public static func string(millis: Int64) -> String {
        // Floor division in integers: exact for every Int64 (a Double quotient rounds near Int64.min/max and overflows).
        var secs = millis / 1000, ms = millis % 1000
        if ms < 0 { secs -= 1; ms += 1000 }
        var t = time_t(secs)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tmv.tm_year) + 1900, Int(tmv.tm_mon) + 1,
                      Int(tmv.tm_mday), Int(tmv.tm_hour), Int(tmv.tm_min), Int(tmv.tm_sec), Int(ms))
    }
    public static func string(_ date: Date) -> String { string(millis: millis(date)) }

    /// A date as milliseconds since the epoch, rounded to the nearest: the one Date → epoch-millis conversion.
    /// Never traps: a date beyond Int64 milliseconds (a BSON date near Int64.max read back through a Double) clamps to
    /// Int64.min/max, and a NaN date gives 0 (the epoch).
    public static func millis(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        if ms.isNaN { return 0 }
        return Int64(exactly: ms) ?? (ms > 0 ? .max : .min)
    }
}

/// Decimal128 to text for display only (exact for the common finite case; NaN/Infinity named).
enum Decimal128Text {
    static func string(_ b: [UInt8]) -> String {
        guard b.count == 16 else { return "NaN" }
        var lo: UInt64 = 0, hi: UInt64 = 0
        for k in 0..<8 { lo |= UInt64(b[k]) << (8 * k); hi |= UInt64(b[8 + k]) << (8 * k) }
        let negative = hi >> 63 == 1
        let comb = (hi >> 58) & 0x1f
        if comb == 0x1f { return "NaN" }
        if comb == 0x1e { return negative ? "-Infinity" : "Infinity" }
        var exponent: Int
        var coeffHi: UInt64
        if (hi >> 61) & 0x3 == 0x3 { exponent = Int((hi >> 47) & 0x3fff); coeffHi = 0 }  // non-canonical: value 0
        else { exponent = Int((hi >> 49) & 0x3fff); coeffHi = hi & 0x1_ffff_ffff_ffff }
        exponent -= 6176
        // 113-bit coefficient to decimal digits by repeated division.
        var parts = [coeffHi, lo]
        var digits = ""
        repeat {
            var rem: UInt64 = 0
            var next: [UInt64] = []
            for p in parts {
                let (q1, r1) = (rem << 32 | p >> 32).quotientAndRemainder(dividingBy: 10)
                let (q2, r2) = (r1 << 32 | (p & 0xffff_ffff)).quotientAndRemainder(dividingBy: 10)
                next.append(q1 << 32 | q2); rem = r2
            }
            digits = String(rem) + digits
            parts = next
        } while parts.contains(where: { $0 != 0 })
        var s: String
        if exponent == 0 { s = digits }
        else if exponent < 0, -exponent < digits.count + 6 {
            let point = digits.count + exponent
            s = point > 0 ? String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
                          : "0." + String(repeating: "0", count: -point) + digits
        } else { s = digits + "E" + (exponent > 0 ? "+" : "") + String(exponent) }
        return (negative ? "-" : "") + s
    }
}
