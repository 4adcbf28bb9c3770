/// Decides whether a plan can be answered exactly from one rollup of the analytics cache,
/// and which: the smallest table that holds every dimension the plan filters or groups
/// on, at a grain that divides every range it reads (shared/design/query-plan.md,
/// "Pre-aggregations"). 超期 (depends on `now`) and flags that are a part (满意的, 已解决…)
/// are answered over a view of the table (a CTE, `RollupView`); anything else — text, lists,
/// callers — goes to the raw SQL.
public enum RollupRouter {
    /// Flags that are conditions on a rollup's own columns (status, urgent, the day).
    static let cellFlags: [Flag: String?] = [
        .urgent: "urgent", .open: "status", .closed: "status", .pending: "status", .inProgress: "status",
        .workday: nil, .weekend: nil,
    ]
    /// Flags a share may count from a part column when they are its only condition.
    static let tallyFlags: [Flag: Tally] = [
        .closed: .closed, .satisfied: .satisfied, .unsatisfied: .unsatisfied, .rated: .rated,
        .resolved: .resolvedYes, .unresolved: .resolvedNo,
    ]

    /// What a plan needs from a rollup, or nil when no rollup can answer it.
    struct Needs: Equatable {
        var dims: Set<String> = []
        var dayGrain = false
        /// Only the range's ends are not on a 1st: months can come from a month table and the
        /// days at either end from the day table of the same entry (`split`).
        var dayEnds = false
        /// Periods by month or quarter (a trend, a ranking of months): no year table.
        var monthGrain = false
        var view: RollupView?
    }

    /// Measures that, under a flag, count tickets and nothing else (`tally(nil)`).
    static func countsOnly(_ plan: QueryPlan) -> Bool {
        plan.measures.allSatisfy { m in
            m == .count || m == .perDay || m == .perMonth || (plan.measures.count == 1 && (m == .closedCount || m == .overdueCount))
        }
    }

    static func needs(_ plan: QueryPlan, now: Now) -> Needs? {
        if plan.shape == .list || !plan.content.isEmpty { return nil }
        if plan.measures.contains(.repeatCallers) { return nil }
        var n = Needs()
        // One flag that is a part (or 超期): the view of the tickets with it.
        let partFlags = plan.flags.filter { cellFlags[$0] == nil && ($0 == .overdue || tallyFlags[$0] != nil) }
        if let f = partFlags.first {
            guard partFlags.count == 1, countsOnly(plan) else { return nil }
            // A share's numerator of one part would need that part under the flag too.
            if case .share(nil) = plan.shape, plan.shareOf.count == 1, case .flag(let g) = plan.shareOf[0], tallyFlags[g] != nil { return nil }
            if case .shareWithin = plan.shape, plan.shareOf.count == 1, case .flag(let g) = plan.shareOf[0], tallyFlags[g] != nil { return nil }
            n.view = .flagged(f)
        } else if plan.measures.contains(where: { $0 == .overdueCount || $0 == .overdueRate }) {
            n.view = .overdueMeasured
        }
        func dim(_ d: Dimension) -> Bool {
            if d == .caller { return false }
            n.dims.insert(d.column)
            return true
        }
        func cell(_ f: Flag) -> Bool {
            if case .flagged(let g)? = n.view, g == f { return true }
            guard let col = cellFlags[f] else { return false }
            if let col { n.dims.insert(col) } else { n.dayGrain = true }
            return true
        }
        for f in plan.flags where !cell(f) { return nil }
        for f in plan.filters where !f.values.isEmpty && !dim(f.dimension) { return nil }
        if let s = plan.scope, !dim(s.level) { return nil }
        if let d = plan.shape.groupDimension, !dim(d) { return nil }
        if case .topPerGroup(let outer, _) = plan.shape, !dim(outer) { return nil }
        switch plan.shape {
        case .share(nil), .shareWithin:
            let single: Bool = { if plan.shareOf.count == 1, case .flag(let f) = plan.shareOf[0], tallyFlags[f] != nil { return true }; return false }()
            if !single {
                for t in plan.shareOf {
                    switch t {
                    case .filter(let d, _): if !dim(d) { return nil }
                    // (Not the flag a view holds: its condition names columns the view has not.)
                    case .flag(let f): if n.view != nil && cellFlags[f] == nil || !cell(f) { return nil }
                    }
                }
            }
        default: break
        }
        switch plan.shape {
        case .trend(let g), .periodRank(let g):
            if g == .day || g == .week { n.dayGrain = true }
            if g == .month || g == .quarter { n.monthGrain = true }
        case .compare, .groupCompare: if plan.time == nil || plan.previous == nil { n.dayGrain = true }
        default: break
        }
        for r in [plan.time, plan.previous].compactMap({ $0 }) where r.start.day != 1 || r.end.day != 1 { n.dayEnds = true }
        if n.dayEnds, pieces(plan) == nil { n.dayGrain = true }
        return n
    }

    /// The smallest table that answers the plan exactly.
    public static func table(for plan: QueryPlan, now: Now, among tables: [RollupTable], storeEnd: String? = nil) -> RollupTable? {
        source(for: extended(plan, storeEnd: storeEnd), now: now, among: tables)?.table
    }

    /// The plan with each range's end moved to the next 1st when no ticket of the store is at or
    /// after that end (`storeEnd`, the largest text created_at, is before it): the same tickets,
    /// so 今年以来 or 本月 read whole months, not the days of the month so far. Only where rows are
    /// read from is decided on it; the statement keeps the plan's own range.
    /// A range from a 1 January (今年, 今年以来) is moved to the next 1 January, so it reads the
    /// year's row.
    static func extended(_ plan: QueryPlan, storeEnd: String?) -> QueryPlan {
        guard let storeEnd else { return plan }
        func extend(_ r: TimeRange?) -> TimeRange? {
            guard let r, storeEnd.utf8.lexicographicallyPrecedes(r.end.timestamp.utf8) else { return r }
            if r.start.isNewYear, !r.end.isNewYear { return TimeRange(r.start, Day(r.end.year, 1, 1).adding(months: 12)) }
            guard r.end.day != 1 else { return r }
            return TimeRange(r.start, Day(r.end.year, r.end.month, 1).adding(months: 1))
        }
        var p = plan
        p.time = extend(plan.time)
        p.previous = extend(plan.previous)
        return p
    }

    /// The table, and the month table to read whole months from when the range only ends off a 1st.
    static func source(for plan: QueryPlan, now: Now, among tables: [RollupTable]) -> (table: RollupTable, months: RollupTable?)? {
        needs(plan, now: now).flatMap { source(for: plan, needs: $0, among: tables) }
    }

    static func source(for plan: QueryPlan, needs n: Needs, among tables: [RollupTable]) -> (table: RollupTable, months: RollupTable?)? {
        let fit = tables.filter { n.dims.isSubset(of: $0.dimSet) }
        if n.dayEnds && !n.dayGrain {
            // A day table with its month table (same dimensions): the fewest day rows.
            let ps = pieces(plan)
            let pairs = fit.filter { $0.grain == .day && covers($0, plan, pieces: ps) }.compactMap { d in
                fit.first { $0.grain == .month && $0.dims == d.dims }.map { (d, $0) }
            }
            if let best = pairs.min(by: { $0.0.rowsRead(days: 1) < $1.0.rowsRead(days: 1) }) { return (best.0, best.1) }
            return nil
        }
        let days = plan.time.map { $0.end.ordinal - $0.start.ordinal }
        let years = yearsOnly(plan, needs: n)
        return fit.filter { (!n.dayGrain || $0.grain == .day) && ($0.grain != .year || years) && covers($0, plan, pieces: nil) }
            .min { $0.rowsRead(days: days) < $1.rowsRead(days: days) }.map { ($0, nil) }
    }

    /// Whether a year table answers the plan: every range it reads runs from a 1 January to a
    /// 1 January (or all time), nothing groups by a finer period, and no view reads the open
    /// tickets (which are kept by day and month).
    static func yearsOnly(_ plan: QueryPlan, needs n: Needs) -> Bool {
        if n.dayGrain || n.monthGrain || n.dayEnds { return false }
        switch n.view {
        case .flagged(.overdue)?, .overdueMeasured?: return false
        default: break
        }
        return [plan.time, plan.previous].allSatisfy { r in r.map { $0.start.isNewYear && $0.end.isNewYear } ?? true }
    }

    /// Whether table t holds every day the plan reads from it: all of its ranges, or with
    /// `pieces` (whole months read from the month table) the days at the ends of each range.
    static func covers(_ t: RollupTable, _ plan: QueryPlan, pieces: [Piece]?) -> Bool {
        guard t.grain == .day, let from = t.daysFrom else { return true }
        guard let r = plan.time else { return false }
        var starts: [Day]
        if let pieces {
            starts = pieces.flatMap { p -> [Day] in
                guard let w = p.months else { return [p.range.start] }
                return [p.range.start < w.start ? p.range.start : nil, w.end < p.range.end ? w.end : nil].compactMap { $0 }
            }
        } else {
            starts = [r.start]
            if let p = plan.previous { starts.append(p.start) }
        }
        return starts.allSatisfy { $0.timestamp >= from }
    }

    /// A range the plan reads, and the whole months inside it (nil: none, every day of it
    /// comes from the day table).
    struct Piece: Equatable {
        let range: TimeRange
        let months: TimeRange?
    }

    /// The plan's ranges split into whole months and the days at their ends, when at least
    /// one whole month is in them: the range of most shapes, or both periods of a comparison
    /// when they do not overlap (a row read for both would be summed twice).
    static func pieces(_ plan: QueryPlan) -> [Piece]? {
        guard let t = plan.time else { return nil }
        var ranges = [t]
        switch plan.shape {
        case .compare, .groupCompare:
            guard let p = plan.previous, p.end <= t.start || t.end <= p.start else { return nil }
            ranges.append(p)
        default: break
        }
        let out = ranges.map { r -> Piece in
            let first = r.start.day == 1 ? r.start : Day(r.start.year, r.start.month, 1).adding(months: 1)
            let last = Day(r.end.year, r.end.month, 1)
            return Piece(range: r, months: first < last ? TimeRange(first, last) : nil)
        }
        return out.contains { $0.months != nil } ? out : nil
    }

    /// The plan compiled over the chosen table, or nil for the raw path.
    public static func compile(_ plan: QueryPlan, now: Now, dialect: SQLDialect, among tables: [RollupTable], storeEnd: String? = nil) -> (RollupTable, CompiledQuery)? {
        let routed = extended(plan, storeEnd: storeEnd)
        guard let n = needs(routed, now: now), let (t, months) = source(for: routed, needs: n, among: tables) else { return nil }
        var c = SQLCompiler(dialect: dialect, now: now)
        let ps = months == nil ? nil : pieces(routed)
        if n.view == nil && ps == nil {
            c.rollup = t
            return (t, c.compile(plan))
        }
        var view = RollupTable(name: viewName, dims: t.dims, grain: t.grain, rows: t.rows)
        view.view = n.view
        c.rollup = view
        let q = c.compile(plan)
        // The view carries only the columns the statement names: SQLite copies every column of
        // every row through a compound subquery, and the unused ones cost more than the sums.
        let used = identifiers(in: q.sql)
        let dims = t.dims.filter(used.contains)
        let values = RollupTable.valueColumns.filter { col in used.contains(col) || n.view.map { reads($0, col) } ?? false }
        let cols = (["created_at"] + dims + values).joined(separator: ", ")
        // The rows read: the table, or whole months from the month table and the days at either
        // end from the day table, each part a range of its primary key (an OR of two ranges
        // would be read as one range over every day between them). The plan's own range
        // still applies on top.
        // Columns named, never *: the tables also hold their row numbers, which no answer reads.
        var from = Fragment(t.name)
        if let m = months, let ps {
            var parts: [Fragment] = []
            func read(_ table: String, _ a: Day, _ b: Day) {
                if a < b { parts.append(Fragment("SELECT \(cols) FROM \(table) WHERE created_at >= \u{1} AND created_at < \u{1}", [.text(a.timestamp), .text(b.timestamp)])) }
            }
            for p in ps {
                if let w = p.months {
                    read(m.name, w.start, w.end)
                    read(t.name, p.range.start, w.start)
                    read(t.name, w.end, p.range.end)
                } else {
                    read(t.name, p.range.start, p.range.end)
                }
            }
            from = Fragment("(") + parts.dropFirst().reduce(parts[0]) { $0 + Fragment(" UNION ALL ") + $1 } + Fragment(")")
        }
        // (The cache is SQLite: positional placeholders, the view's parameters first.)
        var b = SQLBuilder(dialect: dialect)
        b.append(n.view.map { definition(of: $0, dims: dims, values: values, grain: t.grain, from: from, now: now) }
                 ?? Fragment("WITH \(viewName) AS (SELECT \(cols) FROM ") + from + Fragment(")"))
        let w = (sql: b.sql, params: b.params)
        // The statement may already start with its own WITH: the view joins that list.
        let sql = q.sql.hasPrefix("WITH ") ? w.sql + ", " + q.sql.dropFirst(5) : w.sql + " " + q.sql
        return (t, CompiledQuery(sql: sql, params: w.params + q.params, columns: q.columns, kinds: q.kinds))
    }

    /// The identifiers of a statement the compiler wrote (its values are all parameters, so
    /// no literal can hide or fake a column name).
    static func identifiers(in sql: String) -> Set<String> {
        var out: Set<String> = []
        var start: String.UTF8View.Index?
        let u = sql.utf8
        for i in u.indices {
            let b = u[i]
            let inWord = b == UInt8(ascii: "_") || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
                || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            if inWord {
                if start == nil { start = i }
            } else if let s = start {
                out.insert(String(sql[s..<i]))
                start = nil
            }
        }
        if let s = start { out.insert(String(sql[s...])) }
        return out
    }

    /// Whether a view's definition reads a part column of the table under it.
    static func reads(_ v: RollupView, _ column: String) -> Bool {
        switch v {
        case .flagged(.overdue): return column == RollupTable.lateColumn
        case .flagged(let f): return tallyFlags[f].flatMap(RollupTable.column) == column
        case .overdueMeasured: return column == RollupTable.lateColumn
        }
    }

    static let viewName = "r_view"

    /// `WITH r_view AS (…)`: the rows a view holds, from the rows `from` of a table of this
    /// grain (and the open tickets), with the dimension and part columns the statement reads.
    static func definition(of v: RollupView, dims: [String], values: [String], grain: RollupGrain, from: Fragment, now: Now) -> Fragment {
        let keys = (["created_at"] + dims).joined(separator: ", ")
        // The open tickets at the table's grain.
        let openKeys = ([grain == .day ? "created_at" : "month AS created_at"] + dims).joined(separator: ", ")
        let c = RollupTable.countColumn
        switch v {
        case .flagged(.overdue):
            // Closed late, plus open past due at `now`; rows without such a ticket left out,
            // so that a group exists exactly when it has one.
            return Fragment("WITH \(viewName) AS (SELECT \(keys), \(RollupTable.lateColumn) AS \(c) FROM ") + from
                + Fragment(" AS s WHERE \(RollupTable.lateColumn) > 0 UNION ALL SELECT \(openKeys), \(c) FROM \(OpenTickets.name) WHERE due_at < \u{1})", [.text(now.timestamp)])
        case .flagged(let f):
            let col = tallyFlags[f].flatMap(RollupTable.column) ?? "NULL"
            return Fragment("WITH \(viewName) AS (SELECT \(keys), \(col) AS \(c) FROM ") + from + Fragment(" AS s WHERE \(col) > 0)")
        case .overdueMeasured:
            // Open tickets add to the 超期 count only; NULL elsewhere, which SUM skips.
            let parts = values.filter { $0 != RollupTable.lateColumn }
            let open = parts.map { "NULL AS \($0)" } + ["(due_at < \u{1}) * \(c)"]
            return Fragment("WITH \(viewName) AS (SELECT \((["created_at"] + dims + parts).joined(separator: ", ")), \(RollupTable.lateColumn) AS \(RollupTable.overdueColumn) FROM ") + from
                + Fragment(" AS s UNION ALL SELECT \(openKeys), \(open.joined(separator: ", ")) FROM \(OpenTickets.name))", [.text(now.timestamp)])
        }
    }
}
