/// The parts of SQL that differ between engines. SQLite today; a PostgreSQL dialect
/// for province-scale stores is a new conformance, not a rewrite of the compiler.
public protocol SQLDialect: Sendable {
    /// The placeholder for the n-th (1-based) bound parameter.
    func placeholder(_ n: Int) -> String
    /// A period label for trends: 'YYYY-MM-DD', ISO week's Monday, 'YYYY-MM', 'YYYY'.
    func periodLabel(_ grain: Grain, of column: String) -> String
    /// Hours from one timestamp column to another.
    func hoursBetween(_ from: String, _ to: String) -> String
    /// Turns an integer expression into a floating one for division.
    func real(_ expr: String) -> String
    /// Window functions and NULL ordering: requirements (with standard defaults below) so that
    /// a dialect's own spelling is used even through `any SQLDialect`.
    // Defaults below suit SQLite; a dialect overrides what its engine spells differently.
    func rank(orderBy: String) -> String
    func rowNumber(partitionBy: String?, orderBy: String) -> String
    func totalRows() -> String
    func ascNullsLast(_ e: String) -> String
    func descNullsLast(_ e: String) -> String
    func desc(_ e: String) -> String
    func countIf(_ predicate: String) -> String
    func dayOfWeek(_ c: String) -> String
    func selectedText(_ placeholder: String) -> String
    var havingByAlias: Bool { get }
    /// The one byte every placeholder is, when they are all the same (nil: numbered ones).
    var placeholderByte: UInt8? { get }
}

public struct SQLiteDialect: SQLDialect {
    public init() {}
    public func placeholder(_ n: Int) -> String { "?" }
    public var placeholderByte: UInt8? { UInt8(ascii: "?") }
    public func periodLabel(_ grain: Grain, of c: String) -> String {
        switch grain {
        case .day: return "substr(\(c), 1, 10)"
        case .week: return "date(\(c), 'weekday 0', '-6 days')"
        case .month: return "substr(\(c), 1, 7)"
        case .quarter: return "substr(\(c), 1, 4) || '-Q' || ((substr(\(c), 6, 2) + 2) / 3)"
        case .year: return "substr(\(c), 1, 4)"
        }
    }
    public func hoursBetween(_ a: String, _ b: String) -> String { "(julianday(\(b)) - julianday(\(a))) * 24" }
    public func real(_ e: String) -> String { "\(e) * 1.0" }
}

/// Window functions and ordering pieces; the SQL standard spells them the same in
/// SQLite (3.25+) and PostgreSQL, so a dialect may keep these defaults.
extension SQLDialect {
    public var placeholderByte: UInt8? { nil }
    /// `RANK() OVER (ORDER BY …)`: ties share the better rank.
    public func rank(orderBy: String) -> String { "RANK() OVER (ORDER BY \(orderBy))" }
    /// `ROW_NUMBER() OVER ([PARTITION BY …] ORDER BY …)`.
    public func rowNumber(partitionBy: String?, orderBy: String) -> String {
        "ROW_NUMBER() OVER (\(partitionBy.map { "PARTITION BY \($0) " } ?? "")ORDER BY \(orderBy))"
    }
    public func rowNumber(orderBy: String) -> String { rowNumber(partitionBy: nil, orderBy: orderBy) }
    /// The number of rows of the whole result, on each row.
    public func totalRows() -> String { "COUNT(*) OVER ()" }
    /// Ascending order with NULLs after every value.
    public func ascNullsLast(_ e: String) -> String { "\(e) IS NULL, \(e) ASC" }
    /// Descending order with NULLs after every value.
    public func descNullsLast(_ e: String) -> String { "\(e) IS NULL, \(e) DESC" }
    /// Plain descending order of an output column, NULLs last (SQLite sorts NULL lowest).
    public func desc(_ e: String) -> String { "\(e) DESC" }
    /// How many rows match a predicate. SQLite sums booleans as 0/1 (NULL stays NULL).
    public func countIf(_ predicate: String) -> String { "SUM(\(predicate))" }
    /// The day of the week of a timestamp, comparable with '0' (Sunday) … '6'.
    public func dayOfWeek(_ c: String) -> String { "strftime('%w', \(c))" }
    /// A bound text value that is itself a result column (its type cannot be inferred).
    public func selectedText(_ placeholder: String) -> String { placeholder }
    /// Whether HAVING may name a result column by its alias (SQLite yes, PostgreSQL no).
    public var havingByAlias: Bool { true }
}
