import ArgumentParser
import ClusterLoader
import ClusterModel
import Dispatch
import Foundation

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Capture a cluster's config metadata into a directory that every shardscope command (and mongorestore) reads.",
        discussion: """
        Writes DIR/config/<collection>.bson and <collection>.metadata.json exactly as `mongodump --db config` would, for every config collection shardscope reads (shards, databases, collections, all chunks, tags, mongos, settings, version, changelog, actionlog, migrations), plus DIR/shardscope.json: the capture time by the server's clock, the server version, and the answers of buildInfo, balancerStatus, getDefaultRWConcern and $shardedDataDistribution, which are in no collection. `shardscope DIR` and `status DIR` then show what a live load showed, dated at the capture.

        Read-only: find/getMore/killCursors, listCollections, listIndexes and the read commands above. Chunks are streamed to the file as they arrive, never held in memory.

        The snapshot is written into a temporary directory beside DIR (DIR.tmp-XXXXXX), flushed to disk and renamed to DIR at the end: a failed or interrupted snapshot (Ctrl-C, SIGTERM, SIGHUP) removes it and leaves nothing that looks complete. DIR must not exist or be empty, unless --force replaces it. The URI is recorded with its password removed.

        A source is required (SOURCE, --uri-file or SHARDSCOPE_URI: there is no fallback to the demo). It may also be a mongodump directory or `demo`: they are copied into the same layout. Every changelog and actionlog entry is captured, whatever --changelog says.

        Exit status: 0 on success, 2 when the source cannot be read or DIR cannot be written (one line says why), 130/143/129 when interrupted (SIGINT/SIGTERM/SIGHUP), 64 for a usage error.

        Examples:
          shardscope snapshot --uri-file prod.uri --out ./snap-2026-11-21
          SHARDSCOPE_URI=mongodb://mongos:27017 shardscope snapshot --out ./snap --gzip
          shardscope status ./snap-2026-11-21 --json
        """)

    @OptionGroup var options: SourceOptions
    @Option(help: ArgumentHelp("Directory to create (must not exist, or be empty).", valueName: "DIR"))
    var out: String
    @Flag(help: "Gzip every file (.bson.gz, .metadata.json.gz), as mongodump --gzip does.") var gzip = false
    @Flag(help: "No progress on stderr, no summary on stdout.") var quiet = false
    @Flag(help: "Replace DIR if it exists and is not empty.") var force = false

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
        // Unlike the other commands, no silent fallback to the demo: a forgotten SHARDSCOPE_URI must not yield a demo capture.
        let env = ProcessInfo.processInfo.environment["SHARDSCOPE_URI"] ?? ""
        guard options.source != nil || options.uriFile != nil || !env.isEmpty else {
            throw ValidationError("snapshot needs a SOURCE: a mongodb:// URI (or --uri-file, or SHARDSCOPE_URI), a dump directory, or demo")
        }
    }

    func run() throws {
        try runReportingErrors(options) {
            let (spec, _) = try options.resolvedSpec()
            let target = try SnapshotTarget(path: out, force: force)
            let guardian = SnapshotInterruptGuard(temporary: target.temporary)
            var finished = false
            defer { if !finished { guardian.abandon() } }

            let progress = SnapshotProgress(enabled: !quiet && isatty(STDERR_FILENO) == 1)
            let started = Date()
            var writer = try DumpWriter(directory: target.temporary, gzip: gzip)
            writer.syncFiles = true
            var notes: [String] = []
            let report: (ExportProgress) -> Void = { p in
                guardian.checkpoint()
                progress.update(p)
            }
            var sidecar: SnapshotSidecar
            if spec == "demo" {
                let demo = DemoCluster(seed: options.seed, shape: options.demoShape)
                sidecar = try writer.export(demo, display: "demo (seed \(options.seed))", progress: report)
            } else if spec.hasPrefix("mongodb://") || spec.hasPrefix("mongodb+srv://") {
                let source = try options.makeSource(evolving: false)
                guard let live = source as? LiveSource else { throw CLIError("'\(Redact.uri(spec))' is not a live source") }
                sidecar = try live.export(to: writer, notes: &notes, progress: report)
            } else {
                guard let dump = try options.makeSource(evolving: false) as? DumpSource else {
                    throw CLIError("'\(spec)' is not demo, a mongodb:// URI, or an existing mongodump directory")
                }
                sidecar = try dump.export(to: writer, progress: report)
            }
            progress.finish()
            sidecar.notes += notes
            guardian.checkpoint()
            try writer.write(sidecar: sidecar)
            try target.commit(guardian)
            finished = true

            for n in notes { FileHandle.standardError.write(Data("note: \(SafeText.escaped(n))\n".utf8)) }
            if !quiet {
                let docs = sidecar.collections.reduce(0) { $0 + $1.documents }
                let chunks = sidecar.collections.first { $0.name == "chunks" }?.documents ?? 0
                let seconds = Date().timeIntervalSince(started)
                print("snapshot written to \(SafeText.escaped(target.final.path)): \(sidecar.collections.count) collections, "
                      + "\(docs.formatted()) documents (\(chunks.formatted()) chunks)\(gzip ? ", gzip" : "") in \(String(format: "%.1f", seconds)) s")
            }
        }
    }
}

/// Where a snapshot goes: a temporary sibling of DIR, renamed to DIR once complete.
struct SnapshotTarget {
    let final: URL
    let temporary: URL
    let force: Bool

    init(path: String, force: Bool) throws {
        let fm = FileManager.default
        final = URL(fileURLWithPath: path).standardizedFileURL
        self.force = force
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: final.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw CLIError("--out \(path) exists and is not a directory") }
            let entries = (try? fm.contentsOfDirectory(atPath: final.path)) ?? []
            if !entries.isEmpty && !force {
                throw CLIError("--out \(path) already exists and is not empty; choose a new directory or pass --force to replace it")
            }
        }
        let parent = final.deletingLastPathComponent()
        do { try fm.createDirectory(at: parent, withIntermediateDirectories: true) }
        catch { throw CLIError("cannot create \(parent.path): \(error.localizedDescription)") }
        var template = Array((final.path + ".tmp-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CLIError("cannot create a temporary directory beside \(final.path): \(String(cString: strerror(errno)))")
        }
        temporary = URL(fileURLWithPath: String(cString: made))
        // mkdtemp makes it 0700; DIR gets the mode a plain mkdir would give it.
        let mask = umask(0o022); umask(mask)
        chmod(temporary.path, 0o777 & ~mask)
    }

    /// Flushes the directory entries and renames the temporary directory to DIR (an existing DIR moved aside
    /// first with --force, and removed once the new one is in place). Holds the interrupt guard's lock, so an
    /// interrupt sees either no DIR yet (and cleans up) or the finished one.
    func commit(_ guardian: SnapshotInterruptGuard) throws {
        try guardian.whileCommitting {
            fsyncDirectory(temporary.appendingPathComponent("config"))
            fsyncDirectory(temporary)
            let fm = FileManager.default
            var aside: URL?
            if rename(temporary.path, final.path) != 0 {
                let err = errno
                guard force, err == ENOTEMPTY || err == EEXIST else {
                    throw CLIError("cannot rename \(temporary.path) to \(final.path): \(String(cString: strerror(err)))")
                }
                let old = URL(fileURLWithPath: final.path + ".old-\(getpid())")
                guard rename(final.path, old.path) == 0 else {
                    throw CLIError("cannot move the existing \(final.path) aside: \(String(cString: strerror(errno)))")
                }
                guard rename(temporary.path, final.path) == 0 else {
                    let e = errno
                    _ = rename(old.path, final.path)
                    throw CLIError("cannot rename \(temporary.path) to \(final.path): \(String(cString: strerror(e)))")
                }
                aside = old
            }
            fsyncDirectory(final.deletingLastPathComponent())
            if let aside { try? fm.removeItem(at: aside) }
        }
    }
}

func fsyncDirectory(_ url: URL) {
    let fd = open(url.path, O_RDONLY | O_DIRECTORY)
    if fd >= 0 { _ = fsync(fd); close(fd) }
}

/// Removes the temporary directory when the snapshot fails or is interrupted. SIGINT/SIGTERM/SIGHUP are handled on a
/// dispatch queue (not in a signal handler): it takes the lock, removes the temporary directory unless the
/// rename already happened, and exits 130/143/129 at once, even while the main thread waits on the network.
final class SnapshotInterruptGuard: @unchecked Sendable {
    private let temporary: URL
    private let lock = NSLock()
    private var state: State = .writing
    private enum State { case writing, interrupted, committed, abandoned }
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "shardscope.snapshot.signals")

    init(temporary: URL) {
        self.temporary = temporary
        for (sig, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGHUP, Int32(129))] {   // SIGHUP: the ssh session dropped
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler { [weak self] in self?.interrupted(status: status) }
            s.resume()
            sources.append(s)
        }
    }

    private func interrupted(status: Int32) {
        lock.lock()
        if state == .writing {
            state = .interrupted
            removeTemporary()
            FileHandle.standardError.write(Data("\r\u{1b}[Kshardscope: snapshot interrupted; nothing was written (removed \(SafeText.escaped(temporary.path)))\n".utf8))
        }
        _exit(status)
    }

    /// Called between documents: once interrupted, the main thread stops here (the signal queue is exiting).
    func checkpoint() {
        lock.lock()
        let s = state
        lock.unlock()
        if s == .interrupted { while true { pause() } }
    }

    func whileCommitting(_ body: () throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        guard state == .writing else { while true { pause() } }
        try body()
        state = .committed
    }

    /// The snapshot failed: remove the temporary directory (the error is reported by the caller).
    func abandon() {
        lock.lock()
        defer { lock.unlock() }
        guard state == .writing else { return }
        state = .abandoned
        removeTemporary()
    }

    private func removeTemporary() {
        for _ in 0..<3 {
            if (try? FileManager.default.removeItem(at: temporary)) != nil || !FileManager.default.fileExists(atPath: temporary.path) { return }
        }
    }
}

/// One progress line on stderr: collection, documents written, rate; redrawn at most 10 times a second.
final class SnapshotProgress {
    let enabled: Bool
    private var last = Date.distantPast
    private var collectionStarted = Date()
    private var shown = false
    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: ExportProgress) {
        guard enabled else { return }
        if p.documents == 0 && !p.done { collectionStarted = Date() }
        let now = Date()
        guard p.done || now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        let elapsed = max(now.timeIntervalSince(collectionStarted), 0.001)
        let rate = Int(Double(p.documents) / elapsed)
        var text = "config.\(p.collection): \(p.documents.formatted()) document\(p.documents == 1 ? "" : "s")"
        if p.bytes >= 1_048_576 { text += ", \(String(format: "%.1f", Double(p.bytes) / 1_048_576)) MB" }
        else if p.bytes > 0 { text += ", \((p.bytes + 1023) / 1024) KB" }
        if p.documents > 0 { text += ", \(rate.formatted())/s" }
        // A finished collection keeps its line; the one being written is redrawn in place.
        FileHandle.standardError.write(Data("\r\u{1b}[K\(text)\(p.done ? "\n" : "")".utf8))
        shown = !p.done
    }

    func finish() { if shown { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)); shown = false } }
}
