/// Decides whether a plan can be answered exactly from one rollup of the analytics cache,
/// and which: the smallest table that holds every dimension the plan filters or groups
/// on, at a grain that divides every range it reads (shared/design/query-plan.md,
/// "Pre-aggregations"). Anything else — text, lists, callers, 超期 (depends on `now`) —
/// goes to the raw SQL.
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
    }

    static func needs(_ plan: QueryPlan, now: Now) -> Needs? {
        if plan.shape == .list || !plan.content.isEmpty { return nil }
        if plan.measures.contains(where: { $0 == .overdueCount || $0 == .overdueRate || $0 == .repeatCallers }) { return nil }
        var n = Needs()
        func dim(_ d: Dimension) -> Bool {
            if d == .caller { return false }
            n.dims.insert(d.column)
            return true
        }
        func cell(_ f: Flag) -> Bool {
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
                    case .flag(let f): if !cell(f) { return nil }
                    }
                }
            }
        default: break
        }
        switch plan.shape {
        case .trend(let g), .periodRank(let g): if g == .day || g == .week { n.dayGrain = true }
        case .compare, .groupCompare: if plan.time == nil || plan.previous == nil { n.dayGrain = true }
        default: break
        }
        for r in [plan.time, plan.previous].compactMap({ $0 }) where r.start.day != 1 || r.end.day != 1 { n.dayGrain = true }
        return n
    }

    /// The smallest table that answers the plan exactly.
    public static func table(for plan: QueryPlan, now: Now, among tables: [RollupTable]) -> RollupTable? {
        guard let n = needs(plan, now: now) else { return nil }
        return tables.filter { t in
            (!n.dayGrain || t.grain == .day) && n.dims.isSubset(of: Set(t.dims))
        }.min { $0.rows < $1.rows }
    }

    /// The plan compiled over the chosen table, or nil for the raw path.
    public static func compile(_ plan: QueryPlan, now: Now, dialect: SQLDialect, among tables: [RollupTable]) -> (RollupTable, CompiledQuery)? {
        guard let t = table(for: plan, now: now, among: tables) else { return nil }
        var c = SQLCompiler(dialect: dialect, now: now)
        c.rollup = t
        return (t, c.compile(plan))
    }
}
