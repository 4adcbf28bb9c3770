/// Query plan → one SQL statement with bound parameters. The only place that knows
/// columns and expressions; every user value becomes a parameter.
public struct SQLCompiler: Sendable {
    public let dialect: SQLDialect
    public let now: Now

    public init(dialect: SQLDialect = SQLiteDialect(), now: Now) {
        self.dialect = dialect
        self.now = now
    }

    static let closed: DBValue = .text("已办结")

    public func compile(_ plan: QueryPlan) -> CompiledQuery {
        var b = SQLBuilder(dialect: dialect)
        var columns: [String] = []
        let v = plan.metric.label
        switch plan.shape {
        case .value:
            b.append(Fragment("SELECT ") + measure(plan.metric) + Fragment(" FROM tickets"))
            b.append(whereClause(conditions(plan)))
            columns = [v]
        case .group(let d):
            var conds = conditions(plan) + [Fragment("\(d.column) IS NOT NULL")]
            if plan.metric == .avgHours { conds.append(Fragment("status = \(P)", [SQLCompiler.closed])) }
            b.append(Fragment("SELECT \(d.column), ") + measure(plan.metric) + Fragment(" AS v FROM tickets"))
            b.append(whereClause(conds))
            b.raw(" GROUP BY \(d.column)")
            if let h = plan.having {
                b.raw(h.strict ? " HAVING v > " : " HAVING v >= ")
                b.bind(.integer(Int64(h.value)))
            }
            b.raw(" ORDER BY \(order(plan, "v", d.column))")
            limit(&b, plan.limit)
            columns = [d.label, v]
        case .trend(let g):
            b.append(Fragment("SELECT \(dialect.periodLabel(g, of: "created_at")) AS p, ") + measure(plan.metric) + Fragment(" AS v FROM tickets"))
            b.append(whereClause(conditions(plan)))
            b.raw(" GROUP BY p ORDER BY p")
            columns = ["时间", v]
        case .periodRank(let g):
            b.append(Fragment("SELECT \(dialect.periodLabel(g, of: "created_at")) AS p, ") + measure(plan.metric) + Fragment(" AS v FROM tickets"))
            b.append(whereClause(conditions(plan)))
            b.raw(" GROUP BY p ORDER BY \(order(plan, "v", "p"))")
            limit(&b, plan.limit)
            columns = ["时间", v]
        case .compare:
            let prev = plan.previous ?? plan.time!
            var cur = Fragment("WITH x AS (SELECT (SELECT ") + measure(plan.metric) + Fragment(" FROM tickets")
            cur = cur + whereClause(conditions(plan)) + Fragment(") AS cur, (SELECT ") + measure(plan.metric) + Fragment(" FROM tickets")
            cur = cur + whereClause(conditions(plan, period: .range(prev))) + Fragment(") AS prev) ")
            b.append(cur)
            b.raw("SELECT cur, prev, cur - prev AS delta, CASE WHEN prev = 0 THEN NULL ELSE \(dialect.real("(cur - prev)")) / prev END AS change_rate FROM x")
            columns = ["本期", "上期", "变化", "变化率"]
        case .groupCompare(let d, _):
            let cur = plan.time!, prev = plan.previous!
            let inCur = timeCondition(cur), inPrev = timeCondition(prev)
            var conds = conditions(plan, period: .none) + [Fragment("\(d.column) IS NOT NULL")]
            conds.insert(Fragment("((") + inCur + Fragment(") OR (") + inPrev + Fragment("))"), at: 0)
            b.append(Fragment("SELECT g, cur, prev, cur - prev AS delta, CASE WHEN prev = 0 THEN NULL ELSE \(dialect.real("(cur - prev)")) / prev END AS change_rate FROM (SELECT \(d.column) AS g, ")
                     + measure(plan.metric, within: inCur) + Fragment(" AS cur, ") + measure(plan.metric, within: inPrev) + Fragment(" AS prev FROM tickets"))
            b.append(whereClause(conds))
            b.raw(" GROUP BY \(d.column)) ORDER BY " + (plan.byGrowth ? "delta DESC, g" : order(plan, "cur", "g")))
            limit(&b, plan.limit)
            columns = [d.label, "本期", "上期", "变化", "变化率"]
        case .share(let d?):
            let base = conditions(plan)
            b.append(Fragment("SELECT \(d.column), COUNT(*) AS n, \(dialect.real("COUNT(*)")) / (SELECT COUNT(*) FROM tickets") + whereClause(base) + Fragment(") AS share FROM tickets"))
            b.append(whereClause(base + [Fragment("\(d.column) IS NOT NULL")]))
            b.raw(" GROUP BY \(d.column) ORDER BY \(order(plan, "n", d.column))")
            limit(&b, plan.limit)
            columns = [d.label, "数量", "占比"]
        case .share(nil):
            let t = plan.shareOf.map(shareCondition) ?? Fragment("1")
            b.append(Fragment("SELECT \(P) AS name, COALESCE(SUM(", [.text(plan.shareOf.map(shareLabel) ?? "")]) + t + Fragment("), 0) AS n, SUM(") + t + Fragment(") * 1.0 / NULLIF(COUNT(*), 0) AS share FROM tickets"))
            b.append(whereClause(conditions(plan)))
            columns = ["名称", "数量", "占比"]
        case .list:
            b.raw("SELECT id, created_at, district, street, kind, subcategory, status, content FROM tickets")
            b.append(whereClause(conditions(plan)))
            b.raw(" ORDER BY created_at DESC, id DESC")
            limit(&b, min(plan.limit ?? 20, 1000))
            columns = ["工单编号", "受理时间", "区县", "街道", "诉求类型", "二级分类", "状态", "诉求内容"]
        case .repeatCallers(let n):
            b.raw("SELECT COUNT(*) AS n FROM (SELECT caller FROM tickets")
            b.append(whereClause(conditions(plan)))
            b.raw(" GROUP BY caller HAVING COUNT(*) >= ")
            b.bind(.integer(Int64(n)))
            b.raw(")")
            columns = ["来电人数"]
        }
        return CompiledQuery(sql: b.sql, params: b.params, columns: columns)
    }

    private func limit(_ b: inout SQLBuilder, _ n: Int?) {
        guard let n else { return }
        b.raw(" LIMIT ")
        b.bind(.integer(Int64(n)))
    }

    private func order(_ plan: QueryPlan, _ v: String, _ name: String) -> String {
        plan.ascending ? "\(v) IS NULL, \(v) ASC, \(name)" : "\(v) DESC, \(name)"
    }

    private func whereClause(_ conds: [Fragment]) -> Fragment {
        guard let first = conds.first else { return Fragment("") }
        return conds.dropFirst().reduce(Fragment(" WHERE ") + first) { $0 && $1 }
    }

    func timeCondition(_ t: TimeRange) -> Fragment {
        Fragment("created_at >= \(P) AND created_at < \(P)", [.text(t.start.timestamp), .text(t.end.timestamp)])
    }

    /// WHERE conditions of a plan: time, scope, filters, flags, content.
    enum Period { case plan, none, range(TimeRange) }

    func conditions(_ plan: QueryPlan, period: Period = .plan) -> [Fragment] {
        var c: [Fragment] = []
        switch period {
        case .plan: if let t = plan.time { c.append(timeCondition(t)) }
        case .range(let t): c.append(timeCondition(t))
        case .none: break
        }
        if let s = plan.scope { c.append(Fragment("\(s.level.column) = \(P)", [.text(s.name)])) }
        for (d, v) in plan.filters { c.append(Fragment("\(d.column) = \(P)", [.text(v)])) }
        for f in plan.flags { c.append(flagCondition(f)) }
        for w in plan.content { c.append(Fragment("content LIKE \(P) ESCAPE '\\'", [.text("%" + escapeLike(w) + "%")])) }
        return c
    }

    func flagCondition(_ f: Flag) -> Fragment {
        switch f {
        case .urgent: return Fragment("urgent = 1")
        case .open: return Fragment("status <> \(P)", [SQLCompiler.closed])
        case .closed: return Fragment("status = \(P)", [SQLCompiler.closed])
        case .overdue:
            return Fragment("((closed_at IS NOT NULL AND closed_at > due_at) OR (closed_at IS NULL AND due_at < \(P)))", [.text(now.timestamp)])
        case .satisfied: return Fragment("satisfaction IN (\(P), \(P))", [.text("满意"), .text("基本满意")])
        case .unsatisfied: return Fragment("satisfaction = \(P)", [.text("不满意")])
        case .resolved: return Fragment("resolved = 1")
        case .unresolved: return Fragment("resolved = 0")
        case .rated: return Fragment("satisfaction IS NOT NULL")
        case .pending: return Fragment("status = \(P)", [.text("待派单")])
        case .inProgress: return Fragment("status = \(P)", [.text("办理中")])
        case .workday: return Fragment("strftime('%w', created_at) NOT IN ('0', '6')")
        case .weekend: return Fragment("strftime('%w', created_at) IN ('0', '6')")
        }
    }

    private func shareCondition(_ t: QueryPlan.ShareTarget) -> Fragment {
        switch t {
        case .filter(let d, let v): return Fragment("\(d.column) = \(P)", [.text(v)])
        case .flag(let f): return flagCondition(f)
        }
    }

    private func shareLabel(_ t: QueryPlan.ShareTarget) -> String {
        switch t {
        case .filter(_, let v): return v
        case .flag(let f): return f.label
        }
    }

    private func escapeLike(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// A metric as an aggregate; `within` restricts it to rows matching a predicate
    /// (used to compute two periods in one grouped pass).
    func measure(_ m: Metric, within p: Fragment? = nil) -> Fragment {
        func count(_ cond: Fragment?) -> Fragment {
            switch (p, cond) {
            case (nil, nil): return Fragment("COUNT(*)")
            case (nil, let c?): return Fragment("SUM(") + c + Fragment(")")
            case (let p?, nil): return Fragment("SUM(") + p + Fragment(")")
            case (let p?, let c?): return Fragment("SUM((") + p + Fragment(") AND (") + c + Fragment("))")
            }
        }
        func rate(_ num: Fragment, _ den: Fragment?) -> Fragment {
            count(num) + Fragment(" * 1.0 / NULLIF(") + count(den) + Fragment(", 0)")
        }
        switch m {
        case .count, .closedCount, .overdueCount: return count(nil)
        case .closeRate: return rate(Fragment("status = \(P)", [SQLCompiler.closed]), nil)
        case .onTimeRate: return rate(Fragment("status = \(P) AND closed_at <= due_at", [SQLCompiler.closed]), Fragment("status = \(P)", [SQLCompiler.closed]))
        case .satisfactionRate: return rate(flagCondition(.satisfied), flagCondition(.rated))
        case .dissatisfactionRate: return rate(flagCondition(.unsatisfied), flagCondition(.rated))
        case .resolveRate: return rate(Fragment("resolved = 1"), Fragment("resolved IS NOT NULL"))
        case .overdueRate: return rate(flagCondition(.overdue), nil)
        case .avgHours:
            var cond = Fragment("status = \(P)", [SQLCompiler.closed])
            if let p { cond = Fragment("(") + p + Fragment(") AND ") + cond }
            return Fragment("AVG(CASE WHEN ") + cond + Fragment(" THEN \(dialect.hoursBetween("created_at", "closed_at")) END)")
        }
    }
}

extension Fragment {
    static func + (a: Fragment, b: Fragment) -> Fragment { Fragment(a.sql + b.sql, a.params + b.params) }
}
