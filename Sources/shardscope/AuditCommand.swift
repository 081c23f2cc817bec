import ArgumentParser
import ClusterLoader
import ClusterModel
import ClusterReports
import Foundation

/// `--fail-on`: the severities a CI run can fail on.
enum FailLevel: String, ExpressibleByArgument, CaseIterable {
    case warning, error
    var severity: Finding.Severity { self == .warning ? .warning : .error }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the cluster's layout and health and print what is wrong, with advice; the exit status suits cron and CI.",
        discussion: """
        Checks distribution (chunk counts against the pre-6.0.3 thresholds, data size where $shardedDataDistribution answers), jumbo chunks with their ranges, zones (overlaps, gaps, zones without shards, chunks on a shard outside their zone), the balancer (stopped, window, collections not balanced, failed rounds, failed migrations in the last 24 h), shards (draining, not a replica set), routers (not pinging for 5 min, mixed versions) and the default write concern. With --probe-shards (live only) it also connects to the members of each shard and of the config servers (getShardMap, then hello and replSetGetStatus: nothing else) for primaries, member states, lag and voting members. Failed migrations are counted over the changelog of the 24 h before the snapshot (up to 10,000 entries), whatever --changelog says. Checks that need a live server say "not checked" on a dump or the demo.

        --json prints {findings: [{id, severity, subject: {kind, name}, message, advice, data}]} (plus source, asOf and counts).

        Exit status: 0 when no finding reaches --fail-on (default error), 1 when one does, 2 when the source cannot be read, 64 for a usage error.

        Examples:
          shardscope audit ./dump
          shardscope audit --uri-file prod.uri --probe-shards --fail-on warning
          shardscope audit demo --json | jq '.findings[] | select(.severity == "error")'
        """)

    @OptionGroup var options: SourceOptions
    @Flag(help: "Print one JSON document instead of text.") var json = false
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when a finding is at least this severe: warning or error.", valueName: "LEVEL"))
    var failOn: FailLevel = .error
    @Flag(name: .customLong("probe-shards"), help: "Live only: connect to the members of each shard and of the config servers (hello, replSetGetStatus) to check resilience.")
    var probeShards = false

    func run() throws {
        var status: Int32 = 0
        try runReportingErrors(options) {
            let source = try options.makeSource(evolving: false)
            if probeShards, source.info.kind != .live {
                throw CLIError("--probe-shards needs a live cluster (a mongodb:// URI), not \(source.info.kind.rawValue == "dump" ? "a dump" : "the demo")")
            }
            let snapshot = try loadSnapshot(source)
            printWarnings(snapshot)
            let facts = try ChunkFacts.gather(from: source, snapshot: snapshot)
            var probes: [ReplicaSetProbe]?
            if probeShards {
                let (spec, _) = try options.resolvedSpec()
                probes = try ShardProbe(uri: spec, timeout: options.timeout).probeCluster(snapshot.shards)
            }
            let recent = try AuditInputs.recentChangelog(from: source, snapshot: snapshot)
            let findings = Audit.run(snapshot, AuditInputs(chunks: facts, probes: probes, timeZone: options.timeZone, recentChangelog: recent))
            if json {
                print(AuditReport.json(findings, snapshot).serialized())
            } else {
                print(AuditReport.text(findings, snapshot, failOn: failOn.severity), terminator: "")
            }
            status = AuditReport.exitStatus(findings, failOn: failOn.severity)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
