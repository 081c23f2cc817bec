import ArgumentParser
import ClusterLoader
import ClusterModel
import ClusterReports
import Foundation

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between two states of a cluster: A (before) and B (after).",
        discussion: """
        A and B are each a mongodb:// URI, a mongodump directory (or a `shardscope snapshot`), or the demo: `demo` (--seed), `demo:SEED`, or `demo:SEED@SECONDS` (the demo SEED after SECONDS of simulated splits, merges and migrations).

        Reports shards added, removed or changed (host, draining, zones); databases and their primaries; collections sharded, dropped, re-keyed or re-created; chunks (and data, where both have it) per shard per collection; chunk ranges that moved, were split or merged (walked page by page, never all in memory); zones and zone ranges; balancer, chunk-size, autosplit and automerge settings; mongos added, removed or upgraded.

        Exit status: 0 when the two are equal, 1 when they differ, 2 when a source cannot be read, 64 for a usage error.

        Examples:
          shardscope diff ./capture-2026-10 ./capture-2026-11
          shardscope diff ./capture-2026-10 --uri-file prod.uri --json | jq .distribution
          shardscope diff demo:1 demo:1@3600 --limit 3
        """)

    @Argument(help: ArgumentHelp("The earlier state: demo[:SEED[@SECONDS]], a mongodb:// URI, or a dump directory.", valueName: "A"))
    var a: String
    @Argument(help: ArgumentHelp("The later state (same forms as A). Default: --uri-file, else $SHARDSCOPE_URI.", valueName: "B"))
    var b: String?

    @Option(name: .customLong("uri-file"), help: ArgumentHelp("Read B's connection URI from this file (keeps a password out of `ps`).", valueName: "PATH"))
    var uriFile: String?
    @Flag(help: "Print one JSON document instead of text.") var json = false
    @Option(help: ArgumentHelp("Examples of each kind of chunk change to show per collection (the counts are always complete).", valueName: "N"))
    var limit: Int = 10
    @Flag(name: .customLong("no-ranges"), help: "Compare chunk counts only: skip the range-by-range walk (moved/split/merged), which reads every chunk of both sides.")
    var noRanges = false
    @Option(help: ArgumentHelp("auto, always or never. NO_COLOR in the environment also turns colour off.", valueName: "WHEN"))
    var color: String = "auto"
    @OptionGroup var reading: ReadingOptions

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must not be negative") }
        guard ["auto", "always", "never"].contains(color) else { throw ValidationError("--color must be auto, always or never") }
        if b == nil, uriFile == nil, (ProcessInfo.processInfo.environment["SHARDSCOPE_URI"] ?? "").isEmpty {
            throw ValidationError("diff needs two sources: A and B (or B from --uri-file or SHARDSCOPE_URI)")
        }
        if b != nil, uriFile != nil { throw ValidationError("give B either as an argument or with --uri-file, not both") }
        for spec in [a, b].compactMap({ $0 }) where spec.hasPrefix("demo:") || spec.hasPrefix("demo@") {
            guard DemoSpec(spec) != nil else { throw ValidationError("'\(spec)': write demo:SEED or demo:SEED@SECONDS (e.g. demo:7@3600)") }
        }
    }

    func run() throws {
        let colorOn = color == "always" || (color == "auto" && isatty(STDOUT_FILENO) == 1
                                            && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty)
        var secrets: [String] = []
        do {
            let specB = try resolvedB()
            secrets = [a, specB].compactMap(Redact.password(in:))
            let options = SourceOpening(timeout: reading.timeout, seed: reading.seed, demoShape: reading.demoShape)
            let (diff, snapA, snapB) = try compareSources(a, specB, opening: options, limit: limit, ranges: !noRanges)
            if json {
                print(DiffJSON.document(diff, a: snapA, b: snapB, limit: limit, rangesCompared: !noRanges).serialized())
            } else {
                print(DiffText.render(diff, a: snapA, b: snapB, color: colorOn, timeZone: reading.timeZone, rangesCompared: !noRanges), terminator: "")
            }
            if !diff.isEmpty { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            let message = Redact.text(String(describing: error), secrets: secrets)
            FileHandle.standardError.write(Data("shardscope: \(SafeText.escaped(message))\n".utf8))
            throw ExitCode(2)
        }
    }

    func resolvedB() throws -> String {
        if let b { return b }
        if let uriFile { return try readURIFile(uriFile) }
        return ProcessInfo.processInfo.environment["SHARDSCOPE_URI"] ?? ""
    }
}

/// Loads A and B, diffs them and walks the chunk ranges of the collections both have with the same key
/// (unless `ranges` is false). Progress goes to stderr on a terminal. Shared by `diff` and by `ui --compare`
/// without a terminal.
func compareSources(_ specA: String, _ specB: String, opening: SourceOpening, limit: Int, ranges: Bool) throws
    -> (ClusterDiff, ClusterSnapshot, ClusterSnapshot) {
    let sourceA = try opening.open(specA), sourceB = try opening.open(specB)
    let snapA = try loadSnapshot(sourceA), snapB = try loadSnapshot(sourceB)
    printWarnings(snapA); printWarnings(snapB)
    var diff = ClusterDiff(snapA, snapB)
    let progress = isatty(STDERR_FILENO) == 1
    for (ca, cb) in ranges ? ClusterDiff.walkable(snapA, snapB) : [] {
        if progress { FileHandle.standardError.write(Data("\r\u{1b}[Kcomparing chunk ranges of \(SafeText.escaped(ca.ns))…".utf8)) }
        diff.chunkChanges[ca.ns] = try ChunkPaging.compare(sourceA, ca, sourceB, cb, limit: limit)
    }
    if progress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
    return (diff, snapA, snapB)
}

/// `demo`, `demo:SEED`, `demo:SEED@SECONDS`, `demo@SECONDS`: a demo cluster at a moment of its simulation.
struct DemoSpec {
    var seed: UInt64?
    var advance: Double
    init?(_ spec: String) {
        guard spec == "demo" || spec.hasPrefix("demo:") || spec.hasPrefix("demo@") else { return nil }
        var rest = Substring(spec.dropFirst(4))
        var advance = 0.0
        if let at = rest.firstIndex(of: "@") {
            guard let s = Double(rest[rest.index(after: at)...]), s >= 0, s.isFinite, s <= 30 * 86400 else { return nil }
            advance = s
            rest = rest[..<at]
        }
        if rest.hasPrefix(":") {
            guard let n = UInt64(rest.dropFirst()) else { return nil }
            seed = n
        } else if !rest.isEmpty { return nil }
        self.advance = advance
    }
}

/// Opens a source from its spec as the other commands do (demo, URI, dump directory), plus the demo at a moment.
struct SourceOpening {
    var timeout: Double = 5
    var seed: UInt64 = 1
    var demoShape: DemoCluster.Shape = .v7_0
    var changelog = 200

    func open(_ spec: String) throws -> MetadataSource {
        if let demo = DemoSpec(spec) {
            let seed = demo.seed ?? self.seed
            var cluster = DemoCluster(seed: seed, shape: demoShape)
            if demo.advance > 0 { cluster.advance(by: demo.advance) }
            let display = "demo (seed \(seed)" + (demo.advance > 0 ? ", +\(Int(demo.advance)) s)" : ")")
            return DemoSource(cluster: cluster, display: display, options: LoadOptions(changelogLimit: changelog, timeout: timeout))
        }
        var options = try SourceOptions.parse([])
        options.source = spec
        options.timeout = timeout
        options.seed = seed
        options.demoShape = demoShape
        options.changelog = changelog
        return try options.makeSource(evolving: false)
    }
}

/// The paging glue for `ChunkWalk`: each side's chunks fetched a page at a time through
/// `MetadataSource.chunks(of:after:limit:)`, so only two pages are held at once.
enum ChunkPaging {
    static let pageSize = 2000

    final class Pager {
        let source: MetadataSource, collection: ShardedCollection
        var page: [Chunk] = [], index = 0, done = false
        init(_ source: MetadataSource, _ collection: ShardedCollection) { self.source = source; self.collection = collection }
        func next() throws -> Chunk? {
            if index == page.count {
                if done { return nil }
                let after = page.last?.min
                page = try source.chunks(of: collection, after: after, limit: ChunkPaging.pageSize)
                index = 0
                if page.count < ChunkPaging.pageSize { done = true }
                if page.isEmpty { return nil }
                // Pages must move forward, or a source that ignored `after` would loop for ever.
                if let after, BSONDocument.compareKeys(page[0].min, after) <= 0 {
                    throw CLIError("chunks of \(collection.ns) came back out of order from \(source.info.display) (a page did not start after \(after.relaxedExtendedJSON.serialized(indent: 0)))")
                }
            }
            defer { index += 1 }
            return page[index]
        }
    }

    static func compare(_ a: MetadataSource, _ ca: ShardedCollection, _ b: MetadataSource, _ cb: ShardedCollection, limit: Int) throws -> ChunkChanges {
        let pa = Pager(a, ca), pb = Pager(b, cb)
        return try ChunkWalk.compare(limit: limit, a: pa.next, b: pb.next)
    }
}
