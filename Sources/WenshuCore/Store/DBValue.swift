/// One cell of a result row, as SQLite typed it.
public enum DBValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return s
        }
    }

    /// Numeric view used by summaries and comparisons.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .text(let s) = self { return s }
        return nil
    }
}
