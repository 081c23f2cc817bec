/// Box-drawing and bar glyphs: Unicode when the locale is UTF-8, ASCII otherwise (or with --ascii).
public struct Glyphs: Hashable, Sendable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public var teeLeft, teeRight: String
    public var fullBlock: String
    /// Eighth blocks for fractional bar ends, index 0 = empty … 8 = full.
    public var partialBlocks: [String]
    public var upArrow, downArrow, bullet, ellipsis: String

    public static let unicode = Glyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
                                       bottomRight: "┘", teeLeft: "├", teeRight: "┤", fullBlock: "█",
                                       partialBlocks: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
                                       upArrow: "▲", downArrow: "▼", bullet: "●", ellipsis: "…")
    public static let ascii = Glyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
                                     bottomRight: "+", teeLeft: "+", teeRight: "+", fullBlock: "#",
                                     partialBlocks: [" ", " ", " ", " ", "#", "#", "#", "#", "#"],
                                     upArrow: "^", downArrow: "v", bullet: "*", ellipsis: "~")
}
