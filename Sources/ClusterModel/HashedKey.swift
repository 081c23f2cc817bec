import Foundation

/// The value a hashed shard key stores for a document value, as the server computes it
/// (`BSONElementHasher::hash64` with seed 0): MD5 over the seed, the value's canonical type and its bytes
/// (numbers squashed to a 64-bit integer; embedded documents and arrays element by element with names,
/// then their end marker), the first 8 bytes of the digest read as a little-endian Int64.
/// Checked against the server's own test vectors (Tests/ClusterModelTests/HashedKeyTests.swift).
public enum HashedKey {
    public static func hash64(_ value: BSONValue) -> Int64 {
        var md5 = MD5()
        md5.update(le(Int32(0)))             // the seed
        append(value, name: nil, to: &md5)
        let digest = md5.finalize()
        return digest.prefix(8).enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * Int64($1.offset)) }
    }

    static func append(_ value: BSONValue, name: String?, to md5: inout MD5) {
        md5.update(le(value.canonicalType))
        if let name { md5.update(Array(name.utf8) + [0]) }
        switch value {
        case .document(let d):
            for e in d.elements { append(e.value, name: e.key, to: &md5) }
            md5.update(le(Int32(0)))         // the end-of-object element: its type only
        case .array(let a):
            for (i, v) in a.enumerated() { append(v, name: String(i), to: &md5) }
            md5.update(le(Int32(0)))
        case .double, .int32, .int64, .decimal128:
            md5.update(le(squashedToInt64(value)))
        default:
            // Every other type hashes its BSON value bytes: the encoder's bytes of {"": value} minus the
            // document length, the type byte, the empty name and the trailing NUL.
            let encoded = BSONEncoder.encode(["": value])
            md5.update(Array(encoded[6..<(encoded.count - 1)]))
        }
    }

    /// `safeNumberLong`: NaN is 0, out-of-range doubles clamp, fractions truncate.
    static func squashedToInt64(_ v: BSONValue) -> Int64 {
        switch v {
        case .int32(let i): return Int64(i)
        case .int64(let i): return i
        case .double(let d):
            if d.isNaN { return 0 }
            if d >= 9_223_372_036_854_775_807.0 { return .max }
            if d < -9_223_372_036_854_775_808.0 { return .min }
            return Int64(d)
        default: return 0   // decimal128: not squashed here (rare as a hashed key)
        }
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// MD5 (RFC 1321), only for computing hashed shard-key values; not for anything secret.
struct MD5 {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let s: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                      5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                      4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                      6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    private static let k: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4_294_967_296)) }

    mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        buffer += bytes
        while buffer.count >= 64 {
            block(Array(buffer[0..<64]))
            buffer.removeFirst(64)
        }
    }

    mutating func finalize() -> [UInt8] {
        let bits = length &* 8
        var pad: [UInt8] = [0x80]
        while (buffer.count + pad.count) % 64 != 56 { pad.append(0) }
        pad += withUnsafeBytes(of: bits.littleEndian) { Array($0) }
        let saved = length
        update(pad)
        length = saved
        return [state.0, state.1, state.2, state.3].flatMap { w in withUnsafeBytes(of: w.littleEndian) { Array($0) } }
    }

    private mutating func block(_ chunk: [UInt8]) {
        let m = (0..<16).map { i in (0..<4).reduce(UInt32(0)) { $0 | UInt32(chunk[i * 4 + $1]) << (8 * UInt32($1)) } }
        var (a, b, c, d) = state
        for i in 0..<64 {
            var f: UInt32, g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ Self.k[i] &+ m[g]
            a = d; d = c; c = b
            b = b &+ (f << Self.s[i] | f >> (32 - Self.s[i]))
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}

extension ShardKey {
    /// The key as chunk bounds store it: a hashed field's value replaced by its hash (MinKey/MaxKey stay,
    /// they bound the hashed space too). So a user can look a chunk up by the document's own value.
    public func storedBounds(for key: BSONDocument) -> BSONDocument {
        let hashed = Set(fields.filter { $0.direction == .hashed }.map(\.name))
        guard !hashed.isEmpty else { return key }
        return BSONDocument(key.elements.map { e in
            switch e.value {
            case .minKey, .maxKey: return e
            case _ where hashed.contains(e.key): return .init(key: e.key, value: .int64(HashedKey.hash64(e.value)))
            default: return e
            }
        })
    }
}
