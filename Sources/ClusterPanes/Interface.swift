import Foundation
import ClusterModel
import TermGrid

/// A key press, decoded from curses by the front end (pure, so key handling is testable).
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case ctrl(Character)      // ctrl("c") …
    case resize
}

/// What the run loop must do after a key: handlers return effects, the loop acts (htop's HANDLED/BREAK_LOOP…).
public enum Effect: Hashable, Sendable {
    case quit
    case refreshNow
    case setPaused(Bool)
    /// Load a page of chunks of `ns` after `after` (nil = from the start) for the chunk map.
    case loadChunkPage(ns: String, after: BSONDocument?)
    /// Find the chunk of `ns` holding `key` (the chunk map's `/`).
    case findChunk(ns: String, key: BSONDocument)
}

/// What the background loader tells the UI.
public enum SourceEvent: Sendable {
    case loading(LoadProgress)
    case snapshot(ClusterSnapshot, receivedAt: Date)
    case failed(message: String, at: Date)
    case chunkPage(ns: String, after: BSONDocument?, chunks: [Chunk])
    case chunkFound(ns: String, key: BSONDocument, chunk: Chunk?)
    case changelog([ChangelogEntry])   // newest first, newer than what the snapshot had
    /// The `--compare` source's snapshot (loaded once), or why it could not be loaded.
    case compareSnapshot(ClusterSnapshot)
    case compareFailed(message: String)
    /// Chunk facts and shard probes for the audit, gathered on the loader thread after a snapshot.
    case audit(AuditInputs)
}

/// Presentation options fixed at start-up.
public struct UIOptions: Sendable {
    public var glyphs: Glyphs
    public var refreshSeconds: Double
    public var timeZone: TimeZone
    /// False with the monochrome theme: shard bars then use letters, since roles alone would look alike.
    public var color: Bool
    public init(glyphs: Glyphs = .unicode, refreshSeconds: Double = 2, timeZone: TimeZone = .current, color: Bool = true) {
        self.glyphs = glyphs; self.refreshSeconds = refreshSeconds; self.timeZone = timeZone; self.color = color
    }
}
