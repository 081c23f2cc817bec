import ArgumentParser
import ClusterLoader
import ClusterModel
import ClusterPanes
import ClusterReports
import CursesFrontEnd
import Foundation
import TermGrid

@main
struct Shardscope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shardscope",
        abstract: "A read-only view of a MongoDB sharded cluster's metadata: shards, collections, chunks, zones, balancer, mongos, changelog.",
        discussion: """
        SOURCE is one of:
          demo          a built-in simulated cluster (the default)
          mongodb://…   a live cluster: a mongos, or the config server replica set;
          mongodb+srv://…  TLS, auth and every other option go in the URI
          DIR           a `mongodump --db config` directory (config/ or its parent),
                        or a `shardscope snapshot` directory
          demo:SEED@SECONDS  the demo with another seed, SECONDS into its simulation

        Keep a password out of `ps`: put the URI in a file (--uri-file PATH) or in SHARDSCOPE_URI. shardscope only reads: the built-in clusterMonitor role, or read on the config database, is enough.

        Examples:
          shardscope                       the TUI on $SHARDSCOPE_URI, else the demo
          shardscope --uri-file prod.uri   the TUI on a live cluster
          shardscope status ./dump --json | jq '.collections[] | {ns, chunksByShard}'
          shardscope audit ./dump --fail-on warning   what is wrong; exit 1 if any
          shardscope snapshot --uri-file prod.uri --out ./nov   capture for offline use
          shardscope diff ./oct ./nov      what changed between two captures
          shardscope ./nov --compare ./oct the TUI with per-collection deltas
          shardscope demo-dump ./d --chunks 100000   write the demo as a mongodump
        """,
        version: shardscopeVersion,
        subcommands: [UICommand.self, StatusCommand.self, SnapshotCommand.self, AuditCommand.self, DiffCommand.self, DemoDumpCommand.self, BenchRenderCommand.self],
        defaultSubcommand: UICommand.self
    )
}

/// How to reach a live server, which demo to build, and the time zone to show times in: shared by every
/// command that reads a source (`diff` reads two).
struct ReadingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Live cluster: how long to wait for a server to connect; a read with no reply gives up after 6 × this.", valueName: "SECONDS"))
    var timeout: Double = 5

    @Option(help: "Seed of the demo cluster (the same seed gives the same cluster) for a plain `demo`.")
    var seed: UInt64 = 1

    @Option(name: .customLong("demo-shape"), help: ArgumentHelp("Config schema the demo imitates: 4.4, 5.0, 7.0 or 8.0.", valueName: "VERSION"))
    var demoShape: DemoCluster.Shape = .v7_0

    @Option(name: .customLong("time-zone"), help: ArgumentHelp("Time zone of the config primary, for the balancer window and the times shown (IANA name, e.g. Europe/Paris). Default: local.", valueName: "TZ"))
    var timeZoneName: String?

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
        if let name = timeZoneName, TimeZone(identifier: name) == nil { throw ValidationError("unknown time zone '\(name)' (use an IANA name such as UTC or Europe/Paris)") }
    }

    var timeZone: TimeZone { timeZoneName.flatMap(TimeZone.init(identifier:)) ?? .current }
}

/// Where to read from, shared by every command.
struct SourceOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("demo, a mongodb:// or mongodb+srv:// URI, or a mongodump directory. Default: $SHARDSCOPE_URI, else demo.",
                                 valueName: "SOURCE"))
    var source: String?

    @Option(name: .customLong("uri-file"), help: ArgumentHelp("Read the connection URI from this file (keeps a password out of `ps`).", valueName: "PATH"))
    var uriFile: String?

    @Option(help: ArgumentHelp("How many of the newest changelog entries to load.", valueName: "N"))
    var changelog: Int = 200

    @OptionGroup var reading: ReadingOptions

    func validate() throws {
        guard changelog >= 0 else { throw ValidationError("--changelog must not be negative") }
    }

    var timeout: Double { get { reading.timeout } set { reading.timeout = newValue } }
    var seed: UInt64 { get { reading.seed } set { reading.seed = newValue } }
    var demoShape: DemoCluster.Shape { get { reading.demoShape } set { reading.demoShape = newValue } }
    var timeZone: TimeZone { reading.timeZone }

    var loadOptions: LoadOptions { LoadOptions(changelogLimit: changelog, timeout: timeout) }

    /// The URI or path the user meant, and the password to scrub from any message.
    func resolvedSpec() throws -> (spec: String, secret: String?) {
        if let uriFile {
            let uri = try readURIFile(uriFile)
            return (uri, Redact.password(in: uri))
        }
        if let source { return (source, Redact.password(in: source)) }
        if let env = ProcessInfo.processInfo.environment["SHARDSCOPE_URI"], !env.isEmpty { return (env, Redact.password(in: env)) }
        return ("demo", nil)
    }

    func makeSource(evolving: Bool) throws -> MetadataSource {
        let (spec, _) = try resolvedSpec()
        if spec == "demo" {
            return DemoSource(seed: seed, shape: demoShape, evolving: evolving)
        }
        if DemoSpec(spec) != nil {   // demo:SEED[@SECONDS]: the demo frozen at that moment of its simulation
            return try SourceOpening(timeout: timeout, seed: seed, demoShape: demoShape, changelog: changelog).open(spec)
        }
        if spec.hasPrefix("mongodb://") || spec.hasPrefix("mongodb+srv://") {
            if source != nil, Redact.password(in: spec) != nil {
                FileHandle.standardError.write(Data("note: a password on the command line is visible in `ps`; prefer --uri-file or SHARDSCOPE_URI\n".utf8))
            }
            return try LiveSource(uri: spec, options: loadOptions)
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: spec, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("'\(spec)' is not demo, a mongodb:// URI, or an existing mongodump directory")
        }
        return try DumpSource(path: spec, options: loadOptions)
    }
}

/// The connection URI kept in a file (`--uri-file`), so that a password stays out of `ps`.
func readURIFile(_ path: String) throws -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw CLIError("cannot read --uri-file \(path): no such file or not readable")
    }
    let uri = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://") else {
        throw CLIError("--uri-file \(path) does not hold a mongodb:// or mongodb+srv:// URI")
    }
    return uri
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs `body`, turning any error into one `shardscope: …` line (password scrubbed) and exit status 2.
func runReportingErrors(_ options: SourceOptions, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        let secret = (try? options.resolvedSpec().secret) ?? nil
        let message = Redact.text(String(describing: error), secrets: secret.map { [$0] } ?? [])
        FileHandle.standardError.write(Data("shardscope: \(SafeText.escaped(message))\n".utf8))
        throw ExitCode(2)
    }
}

/// Loads one snapshot, showing progress on stderr when it is a terminal.
func loadSnapshot(_ source: MetadataSource) throws -> ClusterSnapshot {
    let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
    defer { progress.finish() }
    let snapshot = try source.snapshot(progress: progress.update)
    return snapshot
}

/// A one-line progress indicator on stderr, redrawn at most 10 times a second.
final class ProgressLine {
    let enabled: Bool
    var last = Date.distantPast
    var shown = false
    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: LoadProgress) {
        guard enabled, Date().timeIntervalSince(last) > 0.1 else { return }
        last = Date()
        let text: String
        switch p {
        case .reading(let what): text = "reading \(what)…"
        case .chunks(let n, let read, let total):
            var t = "reading chunks… \(n.formatted()) scanned"
            if let read, let total, total > 0 { t += " (\(read / 1_000_000) of \(total / 1_000_000) MB, \(read * 100 / total)%)" }
            text = t
        }
        FileHandle.standardError.write(Data("\r\u{1b}[K\(text)".utf8))
        shown = true
    }
    func finish() { if shown { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) } }
}

func printWarnings(_ s: ClusterSnapshot) {
    for w in s.warnings { FileHandle.standardError.write(Data("warning: \(SafeText.escaped(w))\n".utf8)) }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the whole picture once, as aligned text or (--json) one JSON document.",
        discussion: """
        Text lists every shard, mongos, database and sharded collection with its chunks per shard, however many there are.

        --json prints one document whose keys are stable for scripts: clusterId, source, shards, databases, collections (ns, key, unique, chunks, chunksByShard, jumbo, zones), balancer (enabled, mode, running, activeWindow, chunkSizeMB), mongos (host, version, pingAgeSeconds, stale), changelog (newest first) and warnings.

        Exit status: 0 on success (warnings go to stderr), 2 when the source cannot be read (one line says what and where), 64 for a usage error.

        Examples:
          shardscope status ./dump
          shardscope status --uri-file prod.uri --json > layout.json
          shardscope status mongodb://mongos-1:27017 --time-zone Europe/Paris
        """)

    @OptionGroup var options: SourceOptions
    @Flag(help: "Print one JSON document instead of text.") var json = false

    func run() throws {
        try runReportingErrors(options) {
            let snapshot = try loadSnapshot(try options.makeSource(evolving: false))
            printWarnings(snapshot)
            if json {
                print(StatusJSON.document(snapshot, timeZone: options.timeZone).serialized())
            } else {
                print(StatusText.render(snapshot, timeZone: options.timeZone), terminator: "")
            }
        }
    }
}

struct UICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the terminal UI (the default command). Without a terminal, prints `status` instead.",
        discussion: "Keys: 1–9 or Tab switch panes, ↑↓/j k move, Enter drills in, Esc goes back, / filters, s sorts, r refreshes, p pauses, ? help, q quits.")

    @OptionGroup var options: SourceOptions
    @Option(help: ArgumentHelp("Seconds between refreshes of a live source or the demo.", valueName: "SECONDS"))
    var refresh: Double = 2
    @Option(help: ArgumentHelp("auto, always or never. NO_COLOR in the environment also turns colour off.", valueName: "WHEN"))
    var color: String = "auto"
    @Flag(help: "Draw with ASCII only (automatic when the locale is not UTF-8).") var ascii = false
    @Flag(name: .customLong("probe-shards"), help: "Live only: probe each shard's replica-set members (hello, replSetGetStatus) for the Health pane.")
    var probeShards = false
    @Option(help: ArgumentHelp("A second source (dump, URI or demo:SEED@SECONDS) to compare with: the Collections pane shows each collection's chunk deltas against it (key c toggles them).", valueName: "BASELINE"))
    var compare: String?

    func validate() throws {
        guard refresh >= 0.2 else { throw ValidationError("--refresh must be at least 0.2 seconds") }
        guard ColorMode(rawValue: color) != nil else { throw ValidationError("--color must be auto, always or never") }
    }

    func run() throws {
        try runReportingErrors(options) {
            guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
                // No terminal: behave like `status` so pipes and scripts still get the picture
                // (with --compare, the comparison: `diff BASELINE SOURCE` as text).
                if let compare {
                    let opening = SourceOpening(timeout: options.timeout, seed: options.seed, demoShape: options.demoShape, changelog: options.changelog)
                    do {
                        let (d, base, snap) = try compareSources(compare, try options.resolvedSpec().spec, opening: opening, limit: 10, ranges: true)
                        print(DiffText.render(d, a: base, b: snap, color: false, timeZone: options.timeZone), terminator: "")
                    } catch {
                        throw CLIError(Redact.text(String(describing: error), secrets: [Redact.password(in: compare)].compactMap { $0 }))
                    }
                    return
                }
                let snapshot = try loadSnapshot(try options.makeSource(evolving: false))
                printWarnings(snapshot)
                print(StatusText.render(snapshot, timeZone: options.timeZone), terminator: "")
                return
            }
            let source = try options.makeSource(evolving: true)
            let ui = UIOptions(glyphs: ascii ? .ascii : .unicode, refreshSeconds: refresh, timeZone: options.timeZone)
            let compareSource = try compare.map { spec -> MetadataSource in
                do { return try SourceOpening(timeout: options.timeout, seed: options.seed, demoShape: options.demoShape).open(spec) }
                catch { throw CLIError("--compare: " + Redact.text(String(describing: error), secrets: [Redact.password(in: spec)].compactMap { $0 })) }
            }
            var probe: ((ClusterSnapshot) -> [ReplicaSetProbe])?
            if probeShards {
                guard source.info.kind == .live else { throw CLIError("--probe-shards needs a live cluster (a mongodb:// URI)") }
                let prober = try ShardProbe(uri: try options.resolvedSpec().spec, timeout: options.timeout)
                probe = { snap in prober.probeCluster(snap.shards) }
            }
            let status = TerminalUI.run(source: source, options: ui, color: ColorMode(rawValue: color)!, load: options.loadOptions, probe: probe, compare: compareSource)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
