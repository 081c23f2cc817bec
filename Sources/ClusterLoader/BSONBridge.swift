import Foundation
import CMongoC
import ClusterModel

// libbson ↔ Swift values. `bson_t *` imports as OpaquePointer (the struct is 128-byte aligned); no pointer
// leaves the loader: documents cross as BSONDocument copies.

extension BSONDocument {
    /// Copies a libbson document into Swift through the pure-Swift decoder.
    init(bson: OpaquePointer) throws {
        guard let data = bson_get_data(bson) else { throw BSONDecodeError(offset: 0, reason: "null document") }
        let length = Self.lengthPrefix(UnsafeRawPointer(data))
        self = try BSONDecoder.decode(UnsafeRawBufferPointer(start: data, count: length))
    }
    /// A BSON document starts with its total length (little-endian int32).
    static func lengthPrefix(_ p: UnsafeRawPointer) -> Int {
        Int(Int32(littleEndian: p.loadUnaligned(as: Int32.self)))
    }
}

/// Lends `body` a `bson_t` built from `doc`, destroyed when `body` returns. The pointer is handed out only
/// inside the closure, so it cannot outlive its document (a temporary's pointer can be freed before a C call
/// reads it). libmongoc copies what it keeps (a cursor copies its filter, options and pipeline).
func withBSON<R>(_ doc: BSONDocument, _ body: (OpaquePointer) throws -> R) rethrows -> R {
    let bytes = BSONEncoder.encode(doc)
    // The encoder always produces a well-formed length prefix, so libbson accepts it.
    let bson = bytes.withUnsafeBufferPointer { bson_new_from_data($0.baseAddress, $0.count) }!
    defer { bson_destroy(bson) }
    return try body(bson)
}

/// Caller-owned storage for a `bson_t` out-parameter (a command reply): libmongoc initialises it in place.
final class BSONReply {
    private let storage = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
    private let pointer: OpaquePointer
    init() {
        pointer = OpaquePointer(storage)
        bson_init(pointer)
    }
    func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(pointer) }
    }
    deinit {
        bson_destroy(pointer)   // frees the data buffer; the struct itself is ours
        storage.deallocate()
    }
}

extension bson_error_t {
    var text: String {
        var m = message
        return withUnsafeBytes(of: &m) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
