import Foundation
import ArgumentParser
import ClusterLoader

extension DemoCluster.Shape: ExpressibleByArgument {}

struct DemoDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-dump",
        abstract: "Write the demo cluster as a mongodump of the config database")

    @Argument(help: "Output directory; the dump goes to DIR/config/ as mongodump lays it out.")
    var directory: String

    @Option(help: "Seed of the simulated cluster (same seed, same bytes).")
    var seed: UInt64 = 1

    @Option(help: "Server version whose config schema to write: 4.4, 5.0, 7.0 or 8.0.")
    var shape: DemoCluster.Shape = .v7_0

    @Option(help: "Total chunks (default: the demo's natural size, \(DemoCluster.naturalChunks)).")
    var chunks: Int?

    @Flag(help: "Gzip every file, as mongodump --gzip does.")
    var gzip = false

    @Option(help: "Simulate this many seconds of splits and migrations before writing.")
    var advance: Double = 0

    func validate() throws {
        if let n = chunks, n < 60 { throw ValidationError("--chunks must be at least 60") }
        if advance < 0 { throw ValidationError("--advance must not be negative") }
    }

    func run() throws {
        var demo = DemoCluster(seed: seed, shape: shape, totalChunks: chunks)
        if advance > 0 { demo.advance(by: advance) }
        let writer = try DumpWriter(directory: URL(fileURLWithPath: directory), gzip: gzip, uuidSeed: seed)
        let counts = try writer.write(demo)
        print("wrote \(counts["chunks"] ?? 0) chunks, \(counts["collections"] ?? 0) collections, "
              + "\(counts["changelog"] ?? 0) changelog entries to \(writer.configDirectory.path)"
              + " (demo seed \(seed), shape \(shape.rawValue)\(gzip ? ", gzip" : ""))")
    }
}
