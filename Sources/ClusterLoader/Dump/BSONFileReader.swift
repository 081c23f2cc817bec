import Foundation
import CMongoC
import CZlib
import ClusterModel

/// Streams the documents of one mongodump file (`.bson`, or `.bson.gz` from `mongodump --gzip`) through
/// libbson's reader, fed from a 1 MiB buffer (libbson's own file reader reads in ~880-byte pieces).
/// Plain files also go through zlib's gzread, which passes non-gzip data through unchanged.
/// Offsets in errors count bytes of the (uncompressed) document stream.
final class BSONFileReader {
    let path: String
    let compressed: Bool
    let fileSize: Int64?

    private let file: gzFile
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
    private var bufferStart = 0, bufferEnd = 0
    private var delivered: Int64 = 0            // bytes handed to libbson so far
    private var readError: String?

    init(path: String) throws {
        self.path = path
        compressed = path.hasSuffix(".gz")
        fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        guard let f = gzopen(path, "rb") else {
            throw LoaderError.io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        file = f
        gzbuffer(file, 1 << 17)
    }
    deinit {
        gzclose(file)
        buffer.deallocate()
    }

    /// Bytes of the file consumed so far (compressed bytes for .gz), for progress against `fileSize`.
    var bytesRead: Int64 { Int64(gzoffset(file)) }

    /// Calls `body` with each document in file order. Throws `LoaderError.corruptFile` at the first bad document.
    func forEach(_ body: (BSONDocument) throws -> Void) throws {
        let handle = Unmanaged.passUnretained(self).toOpaque()
        guard let reader = bson_reader_new_from_handle(handle, { ctx, dest, count in
            Unmanaged<BSONFileReader>.fromOpaque(ctx!).takeUnretainedValue().fill(dest!, count)
        }, nil) else { throw LoaderError.io(path: path, reason: "cannot create a BSON reader") }
        defer { bson_reader_destroy(reader) }

        while true {
            let offset = Int64(bson_reader_tell(reader))
            var eof = false
            guard let doc = bson_reader_read(reader, &eof) else {
                // libbson reports a file that ends inside a document as EOF too: compare with what it was given.
                if eof && readError == nil && offset == delivered { return }
                let reason = readError ?? (offset == delivered ? "invalid document"
                    : eof ? "file ends inside a document (\(delivered - offset) of its bytes present)" : "invalid document length")
                throw LoaderError.corruptFile(path: path, offset: offset, reason: reason, compressed: compressed)
            }
            let decoded: BSONDocument
            do { decoded = try BSONDocument(bson: doc) } catch let e as BSONDecodeError {
                throw LoaderError.corruptFile(path: path, offset: offset + Int64(e.offset), reason: e.reason, compressed: compressed)
            }
            try body(decoded)
        }
    }

    /// The read callback: copies from the 1 MiB buffer, refilling it with one large gzread.
    private func fill(_ dest: UnsafeMutableRawPointer, _ count: Int) -> Int {
        if bufferStart == bufferEnd {
            let n = gzread(file, buffer, UInt32(1 << 20))
            if n < 0 {
                var code: Int32 = 0
                readError = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                return -1
            }
            // A gzip stream cut short reads as a clean end in gzread; zlib flags it on the next call.
            if n == 0, compressed {
                var code: Int32 = 0
                let msg = gzerror(file, &code)
                if code != Z_OK, code != Z_STREAM_END { readError = msg.map { String(cString: $0) } ?? "gzip error"; return -1 }
            }
            bufferStart = 0; bufferEnd = Int(n)
            if n == 0 { return 0 }
        }
        let k = min(count, bufferEnd - bufferStart)
        dest.copyMemory(from: buffer + bufferStart, byteCount: k)
        bufferStart += k
        delivered += Int64(k)
        return k
    }
}
