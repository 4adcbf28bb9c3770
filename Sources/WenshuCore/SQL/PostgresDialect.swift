/// PostgreSQL (and its compatible engines: openGauss, KingbaseES, PolarDB, Citus…).
///
/// Time columns may be `timestamp without time zone` (what `wenshu seed --to` creates) or the
/// contract's TEXT: every time function casts its column with `::timestamp` (a no-op on a
/// timestamp), and bound values are sent untyped, so `created_at >= $1` takes the column's type.
/// Ordering mimics SQLite, where NULL is the lowest value: `DESC` puts NULLs last and `ASC`
/// first, so both stores list the same rows in the same order.
public struct PostgresDialect: SQLDialect {
    public init() {}

    public func placeholder(_ n: Int) -> String { "$\(n)" }

    public func periodLabel(_ grain: Grain, of c: String) -> String {
        let t = "(\(c))::timestamp"
        switch grain {
        case .day: return "to_char(\(t), 'YYYY-MM-DD')"
        // date_trunc('week') is the ISO week's Monday, as SQLite's 'weekday 0', '-6 days'.
        case .week: return "to_char(date_trunc('week', \(t)), 'YYYY-MM-DD')"
        case .month: return "to_char(\(t), 'YYYY-MM')"
        case .quarter: return "to_char(\(t), 'YYYY-\"Q\"Q')"
        case .year: return "to_char(\(t), 'YYYY')"
        }
    }

    public func hoursBetween(_ a: String, _ b: String) -> String {
        "EXTRACT(EPOCH FROM ((\(b))::timestamp - (\(a))::timestamp))::double precision / 3600"
    }

    public func real(_ e: String) -> String { "(\(e))::double precision" }

    /// A boolean cast to int keeps NULL as NULL, so the sum is SQLite's SUM(bool) exactly.
    public func countIf(_ predicate: String) -> String { "SUM((\(predicate))::int)" }

    public func dayOfWeek(_ c: String) -> String { "EXTRACT(DOW FROM (\(c))::timestamp)" }

    public func selectedText(_ placeholder: String) -> String { "\(placeholder)::text" }

    public var havingByAlias: Bool { false }

    public func ascNullsLast(_ e: String) -> String { "\(e) ASC NULLS LAST" }
    public func descNullsLast(_ e: String) -> String { "\(e) DESC NULLS LAST" }
    public func desc(_ e: String) -> String { "\(e) DESC NULLS LAST" }

    public func rank(orderBy: String) -> String { "RANK() OVER (ORDER BY \(sqliteNulls(orderBy)))" }

    public func rowNumber(partitionBy: String?, orderBy: String) -> String {
        "ROW_NUMBER() OVER (\(partitionBy.map { "PARTITION BY \($0) " } ?? "")ORDER BY \(sqliteNulls(orderBy)))"
    }

    /// `v DESC, name` → `v DESC NULLS LAST, name NULLS FIRST`: SQLite's placement of NULLs.
    func sqliteNulls(_ orderBy: String) -> String {
        orderBy.split(separator: ",").map { item -> String in
            let t = item.trimmingCharacters(in: .whitespaces)
            return t.uppercased().hasSuffix(" DESC") ? t + " NULLS LAST" : t + " NULLS FIRST"
        }.joined(separator: ", ")
    }
}
