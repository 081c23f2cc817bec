/// Semantic roles: panes say what a cell *is*; a Theme decides how it looks.
public enum Role: Hashable, Sendable {
    case normal, dim, title, tableHeader, selected, border
    case ok, warn, error, accent
    case badgeOK, badgeWarn, badgeError
    case footerKey, footerText, headerBar
    /// The n-th shard's colour in distribution bars and strips (cycled by the theme).
    case shard(Int)
    /// A zone overlay in the chunk map.
    case zone(Int)
}

/// One terminal cell. A wide glyph occupies its cell and a following `continuation` cell.
public struct Cell: Hashable, Sendable {
    public var text: String        // one grapheme (or "" for a continuation cell)
    public var role: Role
    public var isContinuation: Bool { text.isEmpty }
    public init(_ text: String = " ", role: Role = .normal) { self.text = text; self.role = role }
    public static let blank = Cell()
}

/// A rectangle of cells.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height) }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    /// Shrinks by `n` cells on every side.
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }
    /// Splits off the first `n` rows (top) and the rest.
    public func splitTop(_ n: Int) -> (Rect, Rect) {
        let h = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: h), Rect(x: x, y: y + h, width: width, height: height - h))
    }
    /// Splits off the first `n` columns (left) and the rest.
    public func splitLeft(_ n: Int) -> (Rect, Rect) {
        let w = min(max(0, n), width)
        return (Rect(x: x, y: y, width: w, height: height), Rect(x: x + w, y: y, width: width - w, height: height))
    }
    public func row(_ i: Int) -> Rect { Rect(x: x, y: y + i, width: width, height: i < height ? 1 : 0) }
}

/// The screen as a grid of cells. Panes draw here; only the curses back end writes to the terminal.
/// All drawing clips to the grid and to the given area, so a pane cannot draw outside its rectangle.
public struct Grid: Hashable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }
    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { (0..<width).contains(x) && (0..<height).contains(y) ? cells[y * width + x] : .blank }
        set { if (0..<width).contains(x) && (0..<height).contains(y) { cells[y * width + x] = newValue } }
    }

    public mutating func fill(_ area: Rect, with cell: Cell = .blank) {
        for y in max(0, area.y)..<min(height, area.maxY) where area.x < area.maxX {
            for x in max(0, area.x)..<min(width, area.maxX) { self[x, y] = cell }
        }
    }

    /// Writes `text` from (x, y) with `role`, clipped to `clip` (default: the whole grid) by display width.
    /// Control characters are escaped first (SafeText rules are applied by callers for cluster data; here
    /// any remaining control character is shown as '?', never sent to the terminal). A wide glyph that
    /// would straddle the right edge is replaced by a blank. Returns the columns written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role = .normal, clip: Rect? = nil) -> Int {
        let area = clip ?? bounds
        guard y >= max(0, area.y), y < min(height, area.maxY) else { return 0 }
        let right = min(width, area.maxX)
        var col = x
        for ch in text {
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }
            if col + w > right {
                if col < right, col >= area.x { self[col, y] = Cell(" ", role: role); col += 1 }
                break
            }
            if col >= max(0, area.x) {
                let glyph = DisplayWidth.isControl(ch) ? "?" : String(ch)
                self[col, y] = Cell(glyph, role: role)
                if w == 2 { self[col + 1, y] = Cell("", role: role) }
            }
            col += w
        }
        return max(0, col - x)
    }

    /// The grid as plain text, one line per row, trailing spaces kept (golden screens).
    public var text: String {
        (0..<height).map { y in
            (0..<width).map { x -> String in cells[y * width + x].text }.joined()
        }.joined(separator: "\n")
    }

    /// Cells that differ from `old` (everything when sizes differ), for the back end to repaint.
    public func changes(since old: Grid?) -> [(x: Int, y: Int, cell: Cell)] {
        guard let old, old.width == width, old.height == height else {
            return cells.indices.map { (x: $0 % width, y: $0 / width, cell: cells[$0]) }
        }
        return cells.indices.compactMap { i in cells[i] == old.cells[i] ? nil : (x: i % width, y: i / width, cell: cells[i]) }
    }
}
