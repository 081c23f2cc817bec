import Foundation
import CZlib
import ClusterModel

/// Streams the documents of one mongodump file (`.bson`, or `.bson.gz` from `mongodump --gzip`) through one
/// large buffer (1 MiB, grown only for a document larger than that): zlib's gzread fills it with one call
/// (inflating straight into it for `.gz`; plain files pass through unchanged), and documents are handed out
/// in place, without a copy per document. Offsets in errors count bytes of the (uncompressed) document stream.
final class BSONFileReader {
    let path: String
    let compressed: Bool
    let fileSize: Int64?

    /// Larger than any document a server stores (16 MiB, plus mongodump's 16 KiB of slack for the oplog).
    static let maxDocument = 48 << 20
    static let bufferSize = 1 << 20

    private let file: gzFile
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var readError: String?

    init(path: String) throws {
        self.path = path
        compressed = path.hasSuffix(".gz")
        fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        guard let f = gzopen(path, "rb") else {
            throw LoaderError.io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        file = f
        gzbuffer(file, 1 << 18)
        capacity = Self.bufferSize
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }
    deinit {
        gzclose(file)
        buffer.deallocate()
    }

    /// Bytes of the file consumed so far (compressed bytes for .gz), for progress against `fileSize`.
    var bytesRead: Int64 { Int64(gzoffset(file)) }

    /// Calls `body` with each document in file order, decoded into Swift.
    /// Throws `LoaderError.corruptFile` at the first bad document.
    func forEach(_ body: (BSONDocument) throws -> Void) throws {
        try forEachRaw { bytes, _ in try body(try BSONDecoder.decode(bytes)) }
    }

    /// Calls `body` with the bytes of each document (its length prefix checked against the file) and the
    /// document's offset in the stream. The bytes are lent for the call only. A `BSONDecodeError` thrown by
    /// `body` becomes `LoaderError.corruptFile` at the document's offset plus the error's.
    func forEachRaw(_ body: (UnsafeRawBufferPointer, Int64) throws -> Void) throws {
        var start = 0, end = 0          // unread bytes: buffer[start..<end]
        var base: Int64 = 0             // stream offset of buffer[0]
        var atEOF = false
        while true {
            let available = end - start
            var need = 4
            if available >= 4 {
                let length = Int(Int32(littleEndian: (buffer + start).loadUnaligned(as: Int32.self)))
                guard length >= 5, length <= Self.maxDocument else {
                    throw corrupt(base + Int64(start), "invalid document length \(length)")
                }
                if available >= length {
                    let offset = base + Int64(start)
                    do { try body(UnsafeRawBufferPointer(start: buffer + start, count: length), offset) } catch let e as BSONDecodeError {
                        throw corrupt(offset + Int64(e.offset), e.reason)
                    }
                    start += length
                    continue
                }
                need = length
            }
            if atEOF {
                if available == 0 { return }
                throw corrupt(base + Int64(start), "file ends inside a document (\(available) of its bytes present)")
            }
            // Make room for `need` bytes: move the partial document to the front, grow for an outsized one.
            if start > 0 {
                if available > 0 { buffer.copyMemory(from: buffer + start, byteCount: available) }
                base += Int64(start); end = available; start = 0
            }
            if need > capacity {
                let grown = UnsafeMutableRawPointer.allocate(byteCount: need, alignment: 16)
                grown.copyMemory(from: buffer, byteCount: end)
                buffer.deallocate()
                buffer = grown; capacity = need
            }
            let n = fill(buffer + end, capacity - end)
            if n < 0 { throw corrupt(base + Int64(start), readError ?? "read error") }
            if n == 0 { atEOF = true }
            end += n
        }
    }

    private func corrupt(_ offset: Int64, _ reason: String) -> LoaderError {
        .corruptFile(path: path, offset: offset, reason: reason, compressed: compressed)
    }

    /// One large gzread into `dest`: the bytes read, 0 at the end of the stream, -1 on an error (in `readError`).
    private func fill(_ dest: UnsafeMutableRawPointer, _ count: Int) -> Int {
        let n = gzread(file, dest, UInt32(min(count, Int(Int32.max))))
        if let problem = gzReadProblem(file, n, compressed: compressed) { readError = problem; return -1 }
        return Int(max(n, 0))
    }
}

/// What went wrong with a `gzread` that returned `n`, nil when nothing did. A gzip stream cut short (even at a
/// document or deflate block boundary, or inside its trailer) reads as a clean end (0) in gzread; zlib flags it in
/// its error state (`Z_BUF_ERROR`, "unexpected end of file"), so every end of a compressed stream is checked there.
func gzReadProblem(_ file: gzFile, _ n: Int32, compressed: Bool) -> String? {
    var code: Int32 = 0
    if n < 0 {
        return gzerror(file, &code).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "read error"
    }
    guard n == 0, compressed else { return nil }
    let msg = gzerror(file, &code)
    guard code != Z_OK, code != Z_STREAM_END else { return nil }
    let text = msg.map { String(cString: $0) } ?? ""
    return "gzip stream truncated or corrupt" + (text.isEmpty ? "" : " (\(text))")
}
