/// Query plan → one SQL statement with bound parameters. The only place that knows
/// columns and expressions; every user value becomes a parameter.
public struct SQLCompiler: Sendable {
    public let dialect: SQLDialect
    public let now: Now
    /// When set, aggregates read a rollup table of the analytics cache instead of `tickets`:
    /// the same statement, with each measure summed from its additive parts (Rollup/).
    var rollup: RollupTable?

    public init(dialect: SQLDialect = SQLiteDialect(), now: Now) {
        self.dialect = dialect
        self.now = now
    }

    static let closed: DBValue = .text("已办结")

    public func compile(_ plan: QueryPlan) -> CompiledQuery {
        var b = SQLBuilder(dialect: dialect)
        var columns: [String] = []
        var kinds: [ColumnKind] = []
        let measureCols = plan.measures.map(\.label)
        let measureKinds = plan.measures.map(\.kind)
        switch plan.shape {
        case .value:
            if plan.metric == .repeatCallers {
                b.append(repeatCallerCount(plan, key: nil))
            } else {
                b.append(Fragment("SELECT ") + measureList(plan) + Fragment(" FROM ") + Fragment(table) + whereClause(conditions(plan)))
            }
            columns = measureCols; kinds = measureKinds
        case .group(let d):
            let g = grouped(plan, keys: [d.column])
            b.append(g.fragment)
            b.raw(" ORDER BY ")
            if plan.namedOrder, plan.values(d).count > 1 {
                b.append(namedOrder(d, plan.values(d)))
            } else {
                b.raw(order(plan, "v", d.column))
            }
            limit(&b, plan.limit)
            columns = [d.label] + measureCols + g.extraColumns; kinds = [.text] + measureKinds + g.extraKinds
        case .trend(let g), .periodRank(let g):
            let label = dialect.periodLabel(g, of: "created_at")
            if plan.metric == .repeatCallers {
                b.append(repeatCallerCount(plan, key: label))
            } else {
                b.append(Fragment("SELECT \(label) AS g, ") + measureList(plan) + Fragment(" FROM ") + Fragment(table) + whereClause(conditions(plan)))
                b.raw(" GROUP BY g")
            }
            if case .periodRank = plan.shape {
                b.raw(" ORDER BY \(order(plan, "v", "g"))")
                limit(&b, plan.limit)
            } else {
                b.raw(" ORDER BY g")
            }
            columns = ["时间"] + measureCols; kinds = [.text] + measureKinds
        case .compare:
            let prev = plan.previous ?? plan.time ?? TimeRange(now.day, now.day.adding(days: 1))
            let m = plan.metric
            var cur = Fragment("WITH x AS (SELECT (SELECT ") + measure(m, plan) + Fragment(" FROM ") + Fragment(table)
            cur = cur + whereClause(conditions(plan)) + Fragment(") AS cur, (SELECT ") + measure(m, plan) + Fragment(" FROM ") + Fragment(table)
            cur = cur + whereClause(conditions(plan, period: .range(prev))) + Fragment(") AS prev) ")
            b.append(cur)
            b.raw("SELECT cur, prev, cur - prev AS delta, CASE WHEN prev = 0 THEN NULL ELSE \(dialect.real("(cur - prev)")) / prev END AS change_rate FROM x")
            columns = ["本期", "上期", "变化", "变化率"]; kinds = [m.kind, m.kind, m.kind, .rate]
        case .groupCompare(let d, _):
            let m = plan.metric
            let cur = plan.time ?? TimeRange(now.day, now.day.adding(days: 1)), prev = plan.previous ?? cur
            let inCur = timeCondition(cur), inPrev = timeCondition(prev)
            var conds = conditions(plan, period: .none) + [Fragment("\(d.column) IS NOT NULL")]
            conds.insert(Fragment("((") + inCur + Fragment(") OR (") + inPrev + Fragment("))"), at: 0)
            b.append(Fragment("SELECT g, cur, prev, cur - prev AS delta, CASE WHEN prev = 0 THEN NULL ELSE \(dialect.real("(cur - prev)")) / prev END AS change_rate FROM (SELECT \(d.column) AS g, ")
                     + measure(m, plan, within: inCur) + Fragment(" AS cur, ") + measure(m, plan, within: inPrev) + Fragment(" AS prev FROM \(table)"))
            b.append(whereClause(conds))
            b.raw(" GROUP BY \(d.column)) AS t ORDER BY ")
            if let c = plan.change {
                let col = c == .delta ? "delta" : "change_rate"
                b.raw((plan.ascending ? dialect.ascNullsLast(col) : dialect.descNullsLast(col)) + ", g")
            } else {
                b.raw(order(plan, "cur", "g"))
            }
            limit(&b, plan.limit)
            columns = [d.label, "本期", "上期", "变化", "变化率"]; kinds = [.text, m.kind, m.kind, m.kind, .rate]
        case .share(let d?):
            let base = conditions(plan)
            let all = tally(nil)
            b.append(Fragment("SELECT \(d.column), ") + all + Fragment(" AS n, ") + Fragment(dialect.real(all.sql), all.params) + Fragment(" / (SELECT ") + all + Fragment(" FROM ") + Fragment(table) + whereClause(base) + Fragment(") AS share FROM \(table)"))
            b.append(whereClause(base + [Fragment("\(d.column) IS NOT NULL")]))
            b.raw(" GROUP BY \(d.column) ORDER BY \(order(plan, "n", d.column))")
            limit(&b, plan.limit)
            columns = [d.label, "数量", "占比"]; kinds = [.text, .count, .rate]
        case .share(nil):
            let t = shareSum(plan.shareOf)
            b.append(Fragment("SELECT \(dialect.selectedText(P)) AS name, COALESCE(", [.text(shareLabel(plan.shareOf))]) + t + Fragment(", 0) AS n, ") + t
                     + Fragment(" * 1.0 / NULLIF(") + tally(nil) + Fragment(", 0) AS share FROM \(table)"))
            b.append(whereClause(conditions(plan)))
            columns = ["名称", "数量", "占比"]; kinds = [.text, .count, .rate]
        case .shareWithin(let d):
            let t = shareSum(plan.shareOf)
            b.append(Fragment("SELECT \(d.column), COALESCE(") + t + Fragment(", 0) AS a, ") + tally(nil) + Fragment(" AS n, ") + t
                     + Fragment(" * 1.0 / ") + tally(nil) + Fragment(" AS share FROM \(table)"))
            b.append(whereClause(conditions(plan) + [Fragment("\(d.column) IS NOT NULL")]))
            b.raw(" GROUP BY \(d.column) ORDER BY \(order(plan, "share", d.column))")
            limit(&b, plan.limit)
            columns = [d.label, shareLabel(plan.shareOf), "\(d.label)工单量", "占比"]; kinds = [.text, .count, .count, .rate]
        case .list:
            b.raw("SELECT id, created_at, district, street, kind, subcategory, status, content FROM tickets")
            b.append(whereClause(conditions(plan)))
            b.raw(" ORDER BY created_at DESC, id DESC")
            limit(&b, min(plan.limit ?? 20, 1000))
            columns = ["工单编号", "受理时间", "区县", "街道", "诉求类型", "二级分类", "状态", "诉求内容"]
            kinds = Array(repeating: .text, count: columns.count - 1) + [.content]
        case .rankPosition(let d):
            // Groups without a value (a rate with no rated ticket) take no place in the ranking.
            var p = plan
            p.having.append(QueryPlan.Having(metric: plan.metric, comparison: .notNull, value: 0))
            let g = grouped(p, keys: [d.column])
            b.append(Fragment("WITH g AS (") + g.fragment + Fragment("), r AS (SELECT \(d.column), v, \(dialect.rank(orderBy: "v DESC")) AS rk, \(dialect.totalRows()) AS n FROM g) "))
            b.raw("SELECT \(d.column), v, rk, n FROM r WHERE \(d.column) = ")
            b.bind(plan.rankOf ?? "")
            columns = [d.label, plan.metric.label, "排名", "参与排名数"]; kinds = [.text, plan.metric.kind, .count, .count]
        case .topBottom(let d):
            let n = plan.limit ?? 5
            var p = plan
            p.having.append(QueryPlan.Having(metric: plan.metric, comparison: .notNull, value: 0))
            let g = grouped(p, keys: [d.column])
            let c = d.column
            b.append(Fragment("WITH g AS (") + g.fragment + Fragment("), r AS (SELECT \(c), v, \(dialect.rowNumber(partitionBy: nil, orderBy: "v DESC, \(c)")) AS a, \(dialect.rowNumber(partitionBy: nil, orderBy: "v ASC, \(c)")) AS b FROM g) "))
            b.append(Fragment("SELECT \(c), v, board FROM (SELECT \(c), v, \(dialect.selectedText(P)) AS board, 0 AS s, a AS k FROM r WHERE a <= \u{1} UNION ALL SELECT \(c), v, \(dialect.selectedText(P)) AS board, 1 AS s, b AS k FROM r WHERE b <= \u{1}) AS t ORDER BY s, k",
                              [.text("前\(n)"), .integer(Int64(n)), .text("后\(n)"), .integer(Int64(n))]))
            columns = [d.label, plan.metric.label, "榜"]; kinds = [.text, plan.metric.kind, .text]
        case .warnings:
            // Answered by the detector (Watch), never by one statement over the plan.
            b.raw("SELECT 0 WHERE 0")
        case .topPerGroup(let outer, let inner):
            let n = plan.limit ?? 3
            let g = grouped(plan, keys: [outer.column, inner.column])
            let o = outer.column, i = inner.column
            let ord = plan.ascending ? "v ASC, \(i)" : "v DESC, \(i)"
            b.append(Fragment("WITH g AS (") + g.fragment + Fragment("), r AS (SELECT \(o), \(i), v, \(dialect.rowNumber(partitionBy: o, orderBy: ord)) AS rn FROM g) "))
            b.append(Fragment("SELECT \(o), \(i), v FROM r WHERE rn <= \u{1} ORDER BY \(o), rn", [.integer(Int64(n))]))
            columns = [outer.label, inner.label, plan.metric.label]; kinds = [.text, .text, plan.metric.kind]
        }
        return CompiledQuery(sql: b.sql, params: b.params, columns: columns, kinds: kinds)
    }

    /// `SELECT keys, measures FROM tickets WHERE … GROUP BY keys HAVING …`: the grouped core
    /// every ranking-like layout wraps. The first measure is `v`, the others `v2`, `v3`…
    private func grouped(_ plan: QueryPlan, keys: [String]) -> (fragment: Fragment, extraColumns: [String], extraKinds: [ColumnKind]) {
        let keyList = keys.count == 1 ? keys[0] : keys.joined(separator: ", ")
        var conds = conditions(plan) + keys.map { Fragment("\($0) IS NOT NULL") }
        if plan.metric == .repeatCallers {
            var f = Fragment("SELECT \(keyList), COUNT(*) AS v FROM (SELECT \(keyList), caller FROM tickets") + whereClause(conds)
            f = f + Fragment(" GROUP BY \(keyList), caller HAVING COUNT(*) >= \u{1}", [.integer(Int64(plan.callerMin))]) + Fragment(") AS c GROUP BY \(keyList)")
            return (f + havingClause(plan), [], [])
        }
        // One average measure alone ranks only the groups that have closed tickets.
        // (A rollup keeps every group and drops those without a closed ticket in HAVING.)
        var groupConds: [Fragment] = []
        if plan.measures == [.avgHours] {
            if rollup == nil { conds.append(Fragment("status = \u{1}", [SQLCompiler.closed])) } else { groupConds.append(tally(.closed) + Fragment(" > 0")) }
        }
        var f = Fragment("SELECT ") + Fragment(keyList) + Fragment(", ") + measureList(plan)
        var extra: [String] = [], extraKinds: [ColumnKind] = []
        // A single rate also shows its denominator, so a rate from three ratings is seen as such.
        if plan.measures.count == 1, let den = denominator(plan.metric) {
            f = f + Fragment(", ") + den + Fragment(" AS base")
            extra = [denominatorLabel(plan.metric)]; extraKinds = [.count]
        }
        f = f + Fragment(" FROM ") + Fragment(table) + whereClause(conds) + Fragment(" GROUP BY ") + Fragment(keyList) + havingClause(plan, groupConds)
        return (f, extra, extraKinds)
    }

    /// Callers with at least `callerMin` tickets, counted overall (key nil) or per key.
    private func repeatCallerCount(_ plan: QueryPlan, key: String?) -> Fragment {
        let min = Fragment(" HAVING COUNT(*) >= \u{1}", [.integer(Int64(plan.callerMin))])
        guard let key else {
            return Fragment("SELECT COUNT(*) AS v FROM (SELECT caller FROM tickets") + whereClause(conditions(plan)) + Fragment(" GROUP BY caller") + min + Fragment(") AS c")
        }
        return Fragment("SELECT g, COUNT(*) AS v FROM (SELECT \(key) AS g, caller FROM tickets") + whereClause(conditions(plan))
            + Fragment(" GROUP BY g, caller") + min + Fragment(") AS c GROUP BY g")
    }

    private func measureList(_ plan: QueryPlan) -> Fragment {
        var f = Fragment("")
        for (i, m) in plan.measures.enumerated() {
            if i > 0 { f = f + Fragment(", ") }
            f = f + measure(m, plan) + Fragment(i == 0 ? " AS v" : " AS v\(i + 1)")
        }
        return f
    }

    private func havingClause(_ plan: QueryPlan, _ extra: [Fragment] = []) -> Fragment {
        var parts: [Fragment] = extra
        for h in plan.having {
            let index = plan.measures.firstIndex(of: h.metric)
            let alias = index.map { $0 == 0 ? "v" : "v\($0 + 1)" } ?? "v"
            // Where HAVING cannot name the alias, it repeats the measure the alias stands for.
            let subject = dialect.havingByAlias ? Fragment(alias)
                : (plan.metric == .repeatCallers ? Fragment("COUNT(*)") : measure(index.map { plan.measures[$0] } ?? plan.metric, plan))
            if h.comparison == .notNull { parts.append(subject + Fragment(" IS NOT NULL")); continue }
            let value: DBValue = h.metric.isCount && h.value == h.value.rounded() && abs(h.value) < 1e15 ? .integer(Int64(h.value)) : .real(h.value)
            parts.append(subject + Fragment(" \(h.comparison.sql) \u{1}", [value]))
        }
        guard let first = parts.first else { return Fragment("") }
        return parts.dropFirst().reduce(Fragment(" HAVING ") + first) { $0 && $1 }
    }

    private func namedOrder(_ d: Dimension, _ values: [String]) -> Fragment {
        var f = Fragment("CASE \(d.column)")
        for (i, v) in values.enumerated() { f = f + Fragment(" WHEN \u{1} THEN \(i + 1)", [.text(v)]) }
        return f + Fragment(" END")
    }

    private func limit(_ b: inout SQLBuilder, _ n: Int?) {
        guard let n else { return }
        b.raw(" LIMIT ")
        b.bind(.integer(Int64(n)))
    }

    private func order(_ plan: QueryPlan, _ v: String, _ name: String) -> String {
        plan.ascending ? "\(dialect.ascNullsLast(v)), \(name)" : "\(dialect.desc(v)), \(name)"
    }

    private func whereClause(_ conds: [Fragment]) -> Fragment {
        guard let first = conds.first else { return Fragment("") }
        return conds.dropFirst().reduce(Fragment(" WHERE ") + first) { $0 && $1 }
    }

    func timeCondition(_ t: TimeRange) -> Fragment {
        Fragment("created_at >= \u{1} AND created_at < \u{1}", [.text(t.start.timestamp), .text(t.end.timestamp)])
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
        if let s = plan.scope { c.append(Fragment(s.level.equalsParameter, [.text(s.name)])) }
        for f in plan.filters where !f.values.isEmpty {
            if f.values.count == 1 {
                c.append(Fragment(f.dimension.equalsParameter, [.text(f.values[0])]))
            } else {
                c.append(Fragment("\(f.dimension.column) IN (\(f.values.map { _ in P }.joined(separator: ", ")))", f.values.map { .text($0) }))
            }
        }
        // (A rollup view of the tickets with a flag already holds only those.)
        for f in plan.flags where f != .repeatCaller && rollup?.absorbs(f) != true { c.append(flagCondition(f)) }
        for w in plan.content { c.append(Fragment("content LIKE \u{1} ESCAPE '\\'", [.text("%" + escapeLike(w) + "%")])) }
        if plan.flags.contains(.repeatCaller) {
            // The caller has enough tickets under every other condition of the question.
            var inner = plan
            inner.flags.removeAll { $0 == .repeatCaller }
            let sub = Fragment("caller IN (SELECT caller FROM tickets") + whereClause(conditions(inner, period: period))
                + Fragment(" GROUP BY caller HAVING COUNT(*) >= \u{1})", [.integer(Int64(plan.callerMin))])
            c.append(sub)
        }
        return c
    }

    func flagCondition(_ f: Flag) -> Fragment {
        switch f {
        case .urgent: return Fragment("urgent = 1")
        case .open: return Fragment("status <> \u{1}", [SQLCompiler.closed])
        case .closed: return Fragment("status = \u{1}", [SQLCompiler.closed])
        case .overdue:
            return Fragment("((closed_at IS NOT NULL AND closed_at > due_at) OR (closed_at IS NULL AND due_at < \u{1}))", [.text(now.timestamp)])
        case .satisfied: return Fragment("satisfaction IN (\u{1}, \u{1})", [.text("满意"), .text("基本满意")])
        case .unsatisfied: return Fragment("satisfaction = \u{1}", [.text("不满意")])
        case .resolved: return Fragment("resolved = 1")
        case .unresolved: return Fragment("resolved = 0")
        case .rated: return Fragment("satisfaction IS NOT NULL")
        case .pending: return Fragment("status = \u{1}", [.text("待派单")])
        case .inProgress: return Fragment("status = \u{1}", [.text("办理中")])
        case .workday: return Fragment("\(dialect.dayOfWeek("created_at")) NOT IN ('0', '6')")
        case .weekend: return Fragment("\(dialect.dayOfWeek("created_at")) IN ('0', '6')")
        case .repeatCaller: return Fragment("1 = 1")
        }
    }

    func shareCondition(_ ts: [QueryPlan.ShareTarget]) -> Fragment {
        let parts = ts.map { t -> Fragment in
            switch t {
            case .filter(let d, let v): return Fragment("\(d.column) = \u{1}", [.text(v)])
            case .flag(let f): return flagCondition(f)
            }
        }
        guard let first = parts.first else { return Fragment("1") }
        if parts.count == 1 { return first }
        return parts.dropFirst().reduce(Fragment("(") + first) { $0 && $1 } + Fragment(")")
    }

    /// Rows matching a predicate, spelled by the dialect (the predicate's parameters kept in order).
    private func countIf(_ predicate: Fragment) -> Fragment {
        Fragment(dialect.countIf(predicate.sql), predicate.params)
    }

    private func shareLabel(_ ts: [QueryPlan.ShareTarget]) -> String {
        ts.map { t -> String in
            switch t {
            case .filter(_, let v): return v
            case .flag(let f): return f.label
            }
        }.joined()
    }

    private func escapeLike(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// The denominator of a rate, as an additive count.
    private func denominator(_ m: Metric) -> Fragment? {
        switch m {
        case .closeRate, .overdueRate: return tally(nil)
        case .onTimeRate: return tally(.closed)
        case .satisfactionRate, .dissatisfactionRate: return tally(.rated)
        case .resolveRate: return tally(.resolvedKnown)
        default: return nil
        }
    }

    private func denominatorLabel(_ m: Metric) -> String {
        switch m {
        case .onTimeRate: return "办结量"
        case .satisfactionRate, .dissatisfactionRate: return "已回访数"
        case .resolveRate: return "已评价数"
        default: return "工单量"
        }
    }

    /// A metric as an aggregate; `within` restricts it to rows matching a predicate
    /// (used to compute two periods in one grouped pass).
    func measure(_ m: Metric, _ plan: QueryPlan, within p: Fragment? = nil) -> Fragment {
        func count(_ t: Tally?) -> Fragment { tally(t, within: p) }
        func rate(_ num: Tally, _ den: Tally?) -> Fragment {
            count(num) + Fragment(" * 1.0 / NULLIF(") + count(den) + Fragment(", 0)")
        }
        let alone = plan.measures.count == 1
        switch m {
        case .count, .repeatCallers: return count(nil)
        // Alone, 办结量/超期工单数 are a count under a flag (the plan adds it); beside other measures, a sum.
        case .closedCount: return alone ? count(nil) : count(.closed)
        case .overdueCount: return alone ? count(nil) : count(.overdue)
        case .perDay, .perMonth:
            return count(nil) + Fragment(" * 1.0 / \u{1}", [.integer(Int64(max(1, plan.divisor ?? 1)))])
        case .closeRate: return rate(.closed, nil)
        case .onTimeRate: return rate(.onTime, .closed)
        case .satisfactionRate: return rate(.satisfied, .rated)
        case .dissatisfactionRate: return rate(.unsatisfied, .rated)
        case .resolveRate: return rate(.resolvedYes, .resolvedKnown)
        case .overdueRate: return rate(.overdue, nil)
        case .avgHours:
            if let r = rollup { return r.averageHours(within: p) }
            var cond = Fragment("status = \u{1}", [SQLCompiler.closed])
            if let p { cond = Fragment("(") + p + Fragment(") AND ") + cond }
            return Fragment("AVG(CASE WHEN ") + cond + Fragment(" THEN \(dialect.hoursBetween("created_at", "closed_at")) END)")
        }
    }

    /// The table aggregates read.
    var table: String { rollup?.name ?? "tickets" }

    /// The row condition of an additive part of a measure, on `tickets`.
    func tallyCondition(_ t: Tally) -> Fragment {
        switch t {
        case .closed: return Fragment("status = \u{1}", [SQLCompiler.closed])
        case .onTime: return Fragment("status = \u{1} AND closed_at <= due_at", [SQLCompiler.closed])
        case .satisfied: return flagCondition(.satisfied)
        case .unsatisfied: return flagCondition(.unsatisfied)
        case .rated: return flagCondition(.rated)
        case .resolvedYes: return Fragment("resolved = 1")
        case .resolvedNo: return Fragment("resolved = 0")
        case .resolvedKnown: return Fragment("resolved IS NOT NULL")
        case .overdue: return flagCondition(.overdue)
        }
    }

    /// How many tickets (matching `t`, and `p` when given): COUNT(*) or SUM(condition) on
    /// `tickets`, the summed part on a rollup.
    func tally(_ t: Tally?, within p: Fragment? = nil) -> Fragment {
        if let r = rollup { return r.tally(t, within: p) }
        switch (p, t.map(tallyCondition)) {
        case (nil, nil): return Fragment("COUNT(*)")
        case (nil, let c?): return countIf(c)
        case (let p?, nil): return countIf(p)
        case (let p?, let c?): return countIf(Fragment("(") + p + Fragment(") AND (") + c + Fragment(")"))
        }
    }

    /// The numerator of a share: SUM(condition) on `tickets`.
    func shareSum(_ ts: [QueryPlan.ShareTarget]) -> Fragment {
        if let r = rollup { return r.shareSum(ts, condition: shareCondition(ts)) }
        return countIf(shareCondition(ts))
    }
}

extension Dimension {
    /// `column = ?` as a literal: conditions are made for every statement, and an
    /// interpolation builds its string each time.
    var equalsParameter: String {
        switch self {
        case .district: return "district = \u{1}"
        case .street: return "street = \u{1}"
        case .community: return "community = \u{1}"
        case .department: return "department = \u{1}"
        case .channel: return "channel = \u{1}"
        case .kind: return "kind = \u{1}"
        case .category: return "category = \u{1}"
        case .subcategory: return "subcategory = \u{1}"
        case .caller: return "caller = \u{1}"
        }
    }
}
