import Foundation
import CZlib
import ClusterModel

/// Where each collection's chunk documents sit in chunks.bson, gathered during the snapshot's one raw scan
/// (8 bytes a chunk: offset and length packed), so chunk pages are read on demand instead of holding chunks.
///
/// On the first page of a collection, its chunk documents are read in file order (large reads spanning the
/// collection's documents, skipping gaps of more than 1 MiB), their `min` decoded and sorted; later pages
/// binary-search those mins and read just the page's documents. A walk over every collection's chunks thus
/// reads chunks.bson about once more in total, not once per collection. Only the most recently used sorted
/// collections are kept (memory stays bounded by the largest collection's mins, not the dump's chunks).
///
/// A `.gz` chunks file cannot be read at an offset: on the first page request it is inflated once into an
/// unlinked temporary file (as large as the uncompressed chunks.bson, gone when the source is), and pages
/// are read from that.
final class ChunkFileIndex {
    let path: String
    let compressed: Bool
    /// Per owner id (see `ChunkTally.owner(_:)`): offset (low 40 bits) | length (high 24 bits, 0 = longer).
    @exclusivity(unchecked) private var locations: [[UInt64]] = []
    private var ownerIds: [ChunkKeying: [Int]] = [:]
    /// The file as it was when scanned: a page read from a file changed since then re-scans it.
    private let stamp: FileStamp?

    private var fd: Int32 = -1
    private var sorted: [(key: ChunkKeying, entries: SortedChunks)] = []
    static let keepSorted = 2
    static let window = 1 << 20

    struct FileStamp: Equatable {
        var size: Int64; var modified: Date
        init?(_ path: String) {
            guard let a = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (a[.size] as? NSNumber)?.int64Value, let m = a[.modificationDate] as? Date else { return nil }
            self.size = size; modified = m
        }
    }

    /// One collection's chunks ordered by `min`: their mins (decoded), and where each document is.
    struct SortedChunks {
        var mins: [BSONDocument] = []
        var locations: [UInt64] = []
    }

    init(path: String) {
        self.path = path
        compressed = path.hasSuffix(".gz")
        stamp = FileStamp(path)
    }
    deinit { if fd >= 0 { close(fd) } }

    /// Notes one chunk document of owner `owner` (ids dense from 0) at `offset`, `length` bytes long.
    @inline(__always) func record(owner: Int, offset: Int64, length: Int) {
        while locations.count <= owner { locations.append([]) }
        locations[owner].append(UInt64(offset) | (length < 1 << 24 ? UInt64(length) << 40 : 0))
    }
    /// Ties owner ids to the collections they name (after the scan).
    func finish(_ tally: ChunkTally) {
        for id in 0..<tally.ownerCount { ownerIds[tally.owner(id), default: []].append(id) }
    }

    /// Builds the index of the chunks file by one raw scan (when no snapshot scan did).
    static func scan(path: String) throws -> ChunkFileIndex {
        let index = ChunkFileIndex(path: path)
        var tally = ChunkTally()
        try BSONFileReader(path: path).forEachRaw { bytes, offset in
            if let id = try tally.add(raw: bytes) { index.record(owner: id, offset: offset, length: bytes.count) }
        }
        index.finish(tally)
        return index
    }

    /// Whether the file still is the one scanned.
    var isCurrent: Bool { stamp != nil && FileStamp(path) == stamp }

    // MARK: pages

    func chunks(of keying: ChunkKeying, after: BSONDocument?, limit: Int) throws -> [Chunk] {
        let s = try sortedChunks(keying)
        var i = after.map { a in Self.firstIndex(s.mins) { BSONDocument.compareKeys($0, a) > 0 } } ?? 0
        var out: [Chunk] = []
        // The page's documents read in file order (one read per window), then put back in `min` order; a chunk
        // that does not decode is left out, and the next ones read in its place.
        while out.count < limit, i < s.locations.count {
            let page = i..<min(s.locations.count, i + (limit - out.count))
            let byOffset = page.sorted { Self.offset(s.locations[$0]) < Self.offset(s.locations[$1]) }
            var decoded = [Chunk?](repeating: nil, count: page.count)
            try readInFileOrder(byOffset.map { s.locations[$0] }) { bytes, k in
                decoded[byOffset[k] - page.lowerBound] = try? ChunkDecoder.decode(try BSONDecoder.decode(bytes))
            }
            out.append(contentsOf: decoded.compactMap { $0 })
            i = page.upperBound
        }
        return out
    }

    func chunk(of keying: ChunkKeying, containing key: BSONDocument) throws -> Chunk? {
        let s = try sortedChunks(keying)
        let i = Self.firstIndex(s.mins) { BSONDocument.compareKeys($0, key) > 0 } - 1
        guard i >= 0, let c = try chunk(at: s.locations[i]), c.contains(key) else { return nil }
        return c
    }

    static func firstIndex(_ mins: [BSONDocument], where pred: (BSONDocument) -> Bool) -> Int {
        var lo = 0, hi = mins.count
        while lo < hi { let mid = (lo + hi) / 2; if pred(mins[mid]) { hi = mid } else { lo = mid + 1 } }
        return lo
    }

    /// Chunks per collection held sorted right now (for tests: memory stays bounded).
    var sortedCollections: Int { sorted.count }

    private func sortedChunks(_ keying: ChunkKeying) throws -> SortedChunks {
        if let i = sorted.firstIndex(where: { $0.key == keying }) {
            let hit = sorted.remove(at: i)
            sorted.append(hit)
            return hit.entries
        }
        var locs = (ownerIds[keying] ?? []).flatMap { locations[$0] }
        locs.sort { ($0 & 0xff_ffff_ffff) < ($1 & 0xff_ffff_ffff) }
        var entries: [(min: BSONDocument, loc: UInt64)] = []
        entries.reserveCapacity(locs.count)
        try readInFileOrder(locs) { doc, k in
            if let min = try Self.minKey(of: doc) { entries.append((min, locs[k])) }
        }
        // Stable, and linear on the usual input: a dump lists a collection's chunks in key order.
        entries.sort { BSONDocument.compareKeys($0.min, $1.min) < 0 }
        let s = SortedChunks(mins: entries.map(\.min), locations: entries.map(\.loc))
        sorted.append((keying, s))
        if sorted.count > Self.keepSorted { sorted.removeFirst() }
        return s
    }

    /// The `min` document of a chunk document (nil when missing or not a document: such a chunk is not paged).
    static func minKey(of doc: UnsafeRawBufferPointer) throws -> BSONDocument? {
        let r = RawBSON(doc)
        var min: BSONDocument?
        try r.forEachElement { type, keyAt, keyLength, valueAt, valueEnd in
            guard keyLength == 3, r.keyIs(keyAt, "min") else { return true }
            if type == 0x03 { min = try BSONDecoder.decode(UnsafeRawBufferPointer(start: r.base + valueAt, count: valueEnd - valueAt)) }
            return false
        }
        return min
    }

    // MARK: reading

    private static func offset(_ loc: UInt64) -> Int64 { Int64(loc & 0xff_ffff_ffff) }
    private static func length(_ loc: UInt64) -> Int { Int(loc >> 40) }

    /// Calls `body` with each located document and its index in `locs` (sorted by offset): one read per window
    /// of up to 1 MiB.
    private func readInFileOrder(_ locs: [UInt64], _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        let fd = try descriptor()
        var buffer = [UInt8](repeating: 0, count: Self.window)
        var i = 0
        while i < locs.count {
            let start = Self.offset(locs[i])
            // The window: from this document to the last one that fits in 1 MiB (at least this one).
            var j = i, spanEnd = start
            while j < locs.count {
                let end = Self.offset(locs[j]) + Int64(try fullLength(fd, locs[j]))
                if j > i, end - start > Int64(Self.window) { break }
                spanEnd = max(spanEnd, end); j += 1
            }
            let span = Int(spanEnd - start)
            if buffer.count < span { buffer = [UInt8](repeating: 0, count: span) }
            try buffer.withUnsafeMutableBytes { buf in
                try readFully(fd, buf.baseAddress!, span, at: start)
                for k in i..<j {
                    let at = Int(Self.offset(locs[k]) - start)
                    let len = try fullLength(fd, locs[k])
                    guard at + len <= span else { throw stale(Self.offset(locs[k])) }
                    try decodeErrors(at: Self.offset(locs[k])) { try body(UnsafeRawBufferPointer(rebasing: buf[at..<at + len]), k) }
                }
            }
            i = j
        }
    }

    private func chunk(at loc: UInt64) throws -> Chunk? {
        let fd = try descriptor()
        let offset = Self.offset(loc)
        let len = try fullLength(fd, loc)
        var bytes = [UInt8](repeating: 0, count: len)
        try bytes.withUnsafeMutableBytes { try readFully(fd, $0.baseAddress!, len, at: offset) }
        let doc = try decodeErrors(at: offset) { try BSONDecoder.decode(bytes) }
        return try? ChunkDecoder.decode(doc)
    }

    /// A document's length: from the index, or (16 MiB and more) from its length prefix.
    private func fullLength(_ fd: Int32, _ loc: UInt64) throws -> Int {
        if Self.length(loc) > 0 { return Self.length(loc) }
        var prefix: Int32 = 0
        try readFully(fd, &prefix, 4, at: Self.offset(loc))
        let len = Int(Int32(littleEndian: prefix))
        guard len >= 5, len <= BSONFileReader.maxDocument else { throw stale(Self.offset(loc)) }
        return len
    }

    private func decodeErrors<R>(at offset: Int64, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as BSONDecodeError {
            throw LoaderError.corruptFile(path: path, offset: offset + Int64(e.offset), reason: e.reason, compressed: compressed)
        }
    }

    private func stale(_ offset: Int64) -> LoaderError {
        .corruptFile(path: path, offset: offset, reason: "the file changed since it was scanned; reload", compressed: compressed)
    }

    private func readFully(_ fd: Int32, _ dest: UnsafeMutableRawPointer, _ count: Int, at offset: Int64) throws {
        var done = 0
        while done < count {
            let n = pread(fd, dest + done, count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw LoaderError.io(path: path, reason: "read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { throw stale(offset + Int64(done)) }
            done += n
        }
    }

    /// A descriptor that reads the uncompressed chunk stream at any offset: the file itself, or for a `.gz`
    /// file an unlinked temporary copy inflated once.
    private func descriptor() throws -> Int32 {
        if fd >= 0 { return fd }
        guard compressed else {
            fd = open(path, O_RDONLY)
            if fd < 0 { throw LoaderError.io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
            return fd
        }
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(dir)/shardscope-chunks-XXXXXX".utf8CString)
        let tmp = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard tmp >= 0 else { throw LoaderError.io(path: dir, reason: "cannot create a temporary file to page \(path): \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        guard let gz = gzopen(path, "rb") else {
            close(tmp)
            throw LoaderError.io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { gzclose(gz) }
        gzbuffer(gz, 1 << 18)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.window, alignment: 16)
        defer { buffer.deallocate() }
        var inflated: Int64 = 0
        while true {
            let n = gzread(gz, buffer, UInt32(Self.window))
            // A gzip error or a stream cut short (even at a document boundary) is the file's fault, not a change.
            if let problem = gzReadProblem(gz, n, compressed: true) {
                close(tmp)
                throw LoaderError.corruptFile(path: path, offset: inflated, reason: problem, compressed: true)
            }
            if n == 0 { break }
            inflated += Int64(n)
            var done = 0
            while done < Int(n) {
                let w = write(tmp, buffer + done, Int(n) - done)
                if w < 0, errno == EINTR { continue }
                if w <= 0 { close(tmp); throw LoaderError.io(path: dir, reason: "cannot write a temporary copy of \(path): \(String(cString: strerror(errno)))") }
                done += w
            }
        }
        fd = tmp
        return fd
    }
}
