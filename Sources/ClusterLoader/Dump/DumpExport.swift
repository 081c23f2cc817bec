import Foundation
import CZlib
import ClusterModel

extension DumpSource {
    /// Copies this dump into `writer`'s layout byte for byte (each document's length checked, re-compressed or
    /// not as the writer is), with its metadata files and, when it has one, its `shardscope.json` (updated with
    /// the new counts). A collection file the dump lacks is not written, so the copy loads with the same warnings.
    public func export(to writer: DumpWriter, progress: ((ExportProgress) -> Void)?) throws -> SnapshotSidecar {
        var ignored: [String] = []
        var sidecar = SnapshotSidecar.load(forDumpIn: directory, warnings: &ignored)
            ?? SnapshotSidecar(capturedAt: nil, source: [("kind", "dump"), ("path", directory.path)])
        sidecar.collections = []
        for (name, _) in Self.collections {
            guard let path = Self.file(for: name, in: directory) else { continue }
            progress?(ExportProgress(collection: name, documents: 0, bytes: 0, done: false))
            let file = try writer.copy(collection: name, from: path) { n in
                progress?(ExportProgress(collection: name, documents: n, bytes: 0, done: false))
            }
            if let meta = ["\(name).metadata.json", "\(name).metadata.json.gz"].map({ directory.appendingPathComponent($0).path })
                .first(where: { FileManager.default.fileExists(atPath: $0) }) {
                try writer.copyMetadata(collection: name, from: meta)
            } else {
                try writer.writeMetadata(collection: name, metadata: .init(indexes: [DumpWriter.CollectionMetadata.idIndex], uuid: nil))
            }
            sidecar.collections.append((name, file.documents, file.bytes))
            progress?(ExportProgress(collection: name, documents: file.documents, bytes: file.bytes, done: true))
        }
        return sidecar
    }
}

extension DumpWriter {
    /// Writes the demo as a snapshot: its collections, and a sidecar dated at the simulated clock.
    public func export(_ demo: DemoCluster, display: String, progress: ((ExportProgress) -> Void)?) throws -> SnapshotSidecar {
        var sidecar = SnapshotSidecar(capturedAt: demo.now, source: [("kind", "demo"), ("name", display)])
        let counts = try write(demo) { name, n, done in progress?(ExportProgress(collection: name, documents: n, bytes: 0, done: done)) }
        sidecar.collections = DemoCluster.collectionNames.map { ($0, counts[$0] ?? 0, 0) }
        return sidecar
    }

    /// Copies a `<coll>.metadata.json[.gz]` (decompressed, and compressed again when this writer gzips).
    func copyMetadata(collection: String, from source: String) throws {
        guard let input = gzopen(source, "rb") else {
            throw LoaderError.io(path: source, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { gzclose(input) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(input, $0.baseAddress, UInt32($0.count)) }
            if let problem = gzReadProblem(input, n, compressed: source.hasSuffix(".gz")) {
                throw LoaderError.io(path: source, reason: "read failed: \(problem) after \(bytes.count) bytes")
            }
            if n == 0 { break }
            bytes += chunk[0..<Int(n)]
        }
        let out = try Output(path: path(collection + ".metadata.json"), gzip: gzip, sync: syncFiles)
        try out.write(bytes)
        try out.close()
    }
}
