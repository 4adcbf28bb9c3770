/// The result of reading a question in its conversation.
public enum Reading: Sendable {
    case plan(QueryPlan, notes: [String])
    case clarify(String, suggestions: [String])
    case unsupported(String, suggestions: [String])
    case denied(String)
}

/// What a conversation remembers between turns.
public struct Conversation: Sendable {
    public var plan: QueryPlan?
    public var rows: [[DBValue]] = []
    /// Complete questions offered by the last clarify/unsupported answer (a reply of "2" picks one).
    public var suggestions: [String] = []
    public init() {}

    /// An answer that can be followed up: its plan and rows become the context.
    mutating func remember(_ plan: QueryPlan, rows: [[DBValue]]) {
        self.plan = plan
        self.rows = rows
        suggestions = []
    }
}

/// Slots + conversation + store knowledge → a checked plan, or a question back.
struct PlanBuilder {
    let catalog: Catalog
    let now: Now
    let holidays: Holidays
    let scope: Scope?
    let examples: [String]
    let suggester: Suggester
    /// SQL keywords that make unknown Latin text a typed statement.
    static let sqlWords = ["select", "drop", "delete", "update", "insert", "union", "alter", "create"]

    func build(_ u: Understanding, question: String, context: Conversation?) -> Reading {
        var d = Draft(u.slots)
        // A greeting beside a real question is politeness, not the question.
        if d.refusals.contains("greeting"), d.refusals.count == 1, !d.isEmpty { d.refusals = [] }
        if let why = d.refusals.first { return refuse(why) }
        // SQL typed as a question reads as unknown Latin words: refuse it as SQL, not ask back.
        if u.unknown.contains(where: { w in PlanBuilder.sqlWords.contains { w.lowercased().contains($0) } }) { return refuse("sql") }
        if d.isEmpty {
            // Nothing understood at all (唱首歌吧): out of scope, not a question back.
            if !u.unknown.isEmpty {
                return .unsupported("没有看懂“\(suggester.unknownRuns(u).joined(separator: "”“"))”。我可以回答 12345 工单的数量、排名、趋势、同比环比、占比、办结率和满意率等问题。", suggestions: examples)
            }
            // 「怎么样」 alone: a question, but about nothing named.
            if d.versus || d.subject { return suggester.nothingCounted(d, understood: "") }
            return .unsupported("这个问题里没有可以查询的内容。我可以回答 12345 工单的数量、排名、趋势、同比环比、占比、办结率和满意率等问题。", suggestions: examples)
        }
        // §9.1: a word nobody understood is never dropped from an answer.
        if !u.unknown.isEmpty { return suggester.unknownWords(u, question: question, understood: understood(d)) }

        // 「来电5次以上的来电人有几个」: the callers are what is counted, not a grouping.
        if d.callThreshold != nil || d.repeatCallers, d.limit == nil, !d.top { d.groups.removeAll { $0 == .caller } }
        // 「满意率低于80%的街道有哪些」: 有哪些 names the groups, not a ticket list.
        if d.list, !d.groups.isEmpty { d.list = false }
        let followup = context?.plan != nil && d.isFollowupShaped
        if !followup, d.countWord, !d.subject, d.metrics.isEmpty, d.filters.isEmpty, d.places.isEmpty, d.flags.isEmpty, d.content.isEmpty,
           !d.asksShape, !d.list, !d.share, !d.repeatCallers, d.thresholds.isEmpty {
            // A bare 「多少」「上个月多少」: nothing to count was named.
            return suggester.nothingCounted(d, understood: understood(d))
        }
        // 「各区各街道…」 without a top N: the finer grouping is the one listed.
        if d.groups.count >= 2, d.limit == nil, !d.top, let last = d.groups.last { d.groups = [last] }
        // 「倒数3名是哪些」 after a ranking asks for rows of the ranking.
        if d.list, followup, context?.plan?.shape.groupDimension != nil, d.rowRef == nil, d.limit != nil || d.top || d.ascending != nil { d.list = false }
        if !followup, !d.asksMeasure, !d.asksShape, d.content.isEmpty, d.filters.isEmpty, d.flags.isEmpty || d.versus {
            // 「西湖区怎么样」「上个月多少」: nothing to count was named.
            return suggester.nothingCounted(d, understood: understood(d))
        }
        var plan = followup ? context!.plan! : QueryPlan()
        plan.notes = []
        // 去年同期: "和去年同期比" compares; a bare "去年同期呢" in a follow-up moves the time.
        var shiftToLastYear = false
        if d.samePeriod, d.compare == nil {
            if followup, !d.versus, plan.time != nil, d.time == nil { shiftToLastYear = true } else { d.compare = .lastYear }
        }
        plan.scope = scope

        // Places: several of one level are one IN filter; two levels joined by 和 are ambiguous.
        var resolved: [(key: String, place: Catalog.Place, at: Int)] = []
        for (i, c) in d.conditions.enumerated() {
            guard case .place(let key) = c else { continue }
            switch resolvePlace(key) {
            case .success(let p): if !resolved.contains(where: { $0.place == p }) { resolved.append((key, p, i)) }
            case .failure(let r): return r.reading
            }
        }
        for a in resolved {
            for b in resolved where b.at > a.at && b.place.level != a.place.level && d.joined(a.at, b.at) {
                return .clarify("“\(a.place.name)”和“\(b.place.name)”不是同一级地点，要分开看还是只看其中一个？",
                                suggestions: [question.replacingOccurrences(of: b.key, with: "").replacingOccurrences(of: "和", with: ""),
                                              question.replacingOccurrences(of: a.key, with: "").replacingOccurrences(of: "和", with: "")])
            }
        }
        // 「上城区湖墅街道」: a place inside another must really lie inside it, or the answer is a silent 0.
        for a in resolved {
            for b in resolved where b.place.level.depth > a.place.level.depth && !catalog.place(b.place, isWithin: a.place) {
                if resolved.contains(where: { $0.place.level == a.place.level && $0.place != a.place }) { continue }
                return .clarify("\(b.place.name)不在\(a.place.name)。您想看哪一个？",
                                suggestions: [question.replacingOccurrences(of: a.key, with: ""), question.replacingOccurrences(of: b.key, with: "")])
            }
        }
        if d.wholeCity || !resolved.isEmpty {
            for lvl in [Dimension.district, .street, .community] { plan.removeFilter(lvl) }
        }
        for lvl in [Dimension.district, .street, .community] {
            let names = resolved.filter { $0.place.level == lvl }.map(\.place.name)
            if !names.isEmpty { plan.setFilter(lvl, names) }
        }
        // One name, several parents (two streets called 城关镇): ask which, unless a parent was given.
        for r in resolved where r.place.level != .district && plan.values(.district).isEmpty {
            let p = r.place
            let parents = (p.level == .street ? catalog.districtsOfStreet[p.name] : catalog.districtsOfCommunity[p.name]) ?? []
            if parents.count > 1 {
                let sorted = parents.sorted()
                return .clarify("“\(p.name)”在\(sorted.joined(separator: "、"))都有，您指的是哪一个？",
                                suggestions: sorted.map { question.replacingOccurrences(of: r.key, with: $0 + r.key) })
            }
        }
        // 「只看西湖区」 on a ranking by district drills down a level instead of leaving one row.
        if followup, d.groups.isEmpty, let g = plan.shape.groupDimension, resolved.count == 1, let p = resolved.first?.place, p.level == g {
            if let child: Dimension = p.level == .district ? .street : (p.level == .street ? .community : nil) {
                plan.shape = plan.shape.regrouped(child)
                plan.limit = nil
                plan.namedOrder = false
            }
        }
        // Drill into a row of the last answer.
        if let (n, _) = d.rowRef, let ctx = context, let last = ctx.plan, last.shape.isWarnings {
            // 「第一个」 after a warning list: that place and subcategory, day by day for two weeks.
            guard n >= 1, n <= ctx.rows.count, ctx.rows[n - 1].count >= 4 else {
                return .clarify("上一个回答只有 \(ctx.rows.count) 条预警，没有第 \(n) 条。", suggestions: [])
            }
            let r = ctx.rows[n - 1]
            var p = QueryPlan()
            p.scope = scope
            if let v = r[0].stringValue { p.setFilter(.district, v) }
            if let v = r[1].stringValue { p.setFilter(.street, v) }
            if let v = r[2].stringValue { p.setFilter(.community, v) }
            if let v = r[3].stringValue { p.setFilter(.subcategory, v) }
            p.time = TimeExpr.lastDays(14).resolve(now, holidays: holidays)
            p.timeExpr = .lastDays(14)
            p.shape = d.list ? .list : .trend(.day)
            p.limit = d.list ? 20 : nil
            return scoped(p)
        }
        if let (n, dim) = d.rowRef {
            guard let ctx = context, let last = ctx.plan, let lastDim = last.shape.groupDimension,
                  dim == nil || dim == lastDim else {
                return .clarify("请先问一个分组排名的问题，再说“第几个”或“这个…”。", suggestions: examples)
            }
            guard n >= 1, n <= ctx.rows.count, let v = ctx.rows[n - 1].first?.stringValue else {
                return .clarify("上一个回答只有 \(context?.rows.count ?? 0) 行，没有第 \(n) 个。", suggestions: [])
            }
            plan.setFilter(lastDim, v)
            if !d.list, d.groups.isEmpty { plan.shape = .value }
            plan.limit = nil
            plan.ascending = false
            plan.having = []
            plan.namedOrder = false
        }
        // Values of one dimension: several named together are one IN filter.
        var named: [Dimension: [String]] = [:]
        var namedDims: [Dimension] = []
        for (dim, v) in d.filters {
            if named[dim] == nil { namedDims.append(dim) }
            if named[dim]?.contains(v) != true { named[dim, default: []].append(v) }
        }
        for dim in namedDims {
            let vs = named[dim] ?? []
            if followup, vs.count == 1, let v = vs.first {
                // A follow-up's new category replaces a carried-over one that contradicts it.
                if dim == .subcategory, let cat = plan.filter(.category), let parent = catalog.subcategoryParent[v], parent != cat { plan.removeFilter(.category) }
                if dim == .category, let sub = plan.filter(.subcategory), catalog.subcategoryParent[sub] != v { plan.removeFilter(.subcategory) }
            }
            plan.setFilter(dim, vs)
        }
        for f in d.flags where !plan.flags.contains(f) { plan.flags.append(f) }
        for c in d.content where !plan.content.contains(c) { plan.content.append(c) }
        let listed = plan.filters.filter { $0.values.count > 1 }.map(\.dimension)
        if listed.count > 1 {
            return .clarify("一次只能按一个维度列出多个值（\(listed.map(\.label).joined(separator: "、"))都给了多个）。请分开问。", suggestions: [])
        }

        // Time.
        if d.noTime, d.time == nil { plan.time = nil; plan.timeExpr = nil }
        if let t = d.time {
            guard let r = t.resolve(now, holidays: holidays) else {
                return .clarify("这个时间没有看懂（或日期不存在、节假日日期未收录）。请换一种说法，例如“上个月”“2025年3月”“近30天”。", suggestions: examples)
            }
            plan.time = r
            plan.timeExpr = t
        }
        if shiftToLastYear, let t = plan.time {
            plan.time = t.sameLastYear
            plan.timeExpr = nil
        }

        // Measures: named ones replace the conversation's.
        if !d.metrics.isEmpty {
            var ms: [Metric] = []
            for m in d.metrics where !ms.contains(m) { ms.append(m) }
            // 月均工单量: the average is of the count, not beside it.
            if ms.contains(.perDay) || ms.contains(.perMonth) { ms.removeAll { $0 == .count } }
            if ms.count == 1, let m = ms.first, m == .closedCount || m == .overdueCount {
                // Alone, 办结量 and 超期工单数 are the count under that condition.
                ms = [.count]
                let f: Flag = m == .closedCount ? .closed : .overdue
                if !plan.flags.contains(f) { plan.flags.append(f) }
            }
            plan.measures = ms
            plan.having = []
        } else if !followup {
            plan.measures = [.count]
        }
        plan.notes += d.metricNotes
        if d.repeatCallers || d.callThreshold != nil {
            if d.list {
                if !plan.flags.contains(.repeatCaller) { plan.flags.append(.repeatCaller) }
            } else if !(d.callThreshold != nil && (d.limit != nil || d.top)) {
                plan.measures = [.repeatCallers]
            }
            if let (n, strict) = d.callThreshold {
                let (m, overflow) = n.addingReportingOverflow(strict ? 1 : 0)
                guard !overflow, m >= 1 else { return .clarify("来电次数“\(n)”超出范围。", suggestions: []) }
                plan.callerMin = m
            }
        }
        if plan.measures.contains(.repeatCallers), plan.measures.count > 1 {
            return .clarify("重复来电人数需要单独查询，请分开问。", suggestions: ["\(plan.time?.label ?? "今年")重复来电人数", question.replacingOccurrences(of: "重复来电人数", with: "")])
        }
        if plan.measures.contains(.perDay) || plan.measures.contains(.perMonth) {
            guard let t = plan.time else {
                return .clarify("日均、月均要按哪段时间算？例如“今年日均工单量”“近30天日均投诉量”。", suggestions: ["今年日均工单量", "近30天日均工单量", "今年月均工单量"])
            }
            let endDay = min(t.end, now.day.adding(days: 1))
            if plan.measures.contains(.perDay) { plan.divisor = max(1, endDay.ordinal - t.start.ordinal) }
            if plan.measures.contains(.perMonth) {
                let lastMonth = endDay.adding(days: -1)
                plan.divisor = max(1, (lastMonth.year - t.start.year) * 12 + lastMonth.month - t.start.month + 1)
            }
            if plan.measures.contains(.perDay), plan.measures.contains(.perMonth) {
                return .clarify("日均和月均请分开问。", suggestions: [])
            }
        }

        // Layout.
        let group = d.groups.first
        let lastGroup = followup ? plan.shape.groupDimension : nil
        plan.rankOf = nil
        if d.warnings {
            // 今天有什么预警 / 最近有哪些异常 / 未诉先办: the detector's list (today and yesterday by default).
            var days = 1
            if let t = plan.time {
                guard t.end <= now.day.adding(days: 1), t.end >= now.day else {
                    return .clarify("预警只看最近的日子，例如“今天有什么预警”“近7天有哪些预警”。", suggestions: ["今天有什么预警", "近7天有哪些预警"])
                }
                days = max(1, min(Watch.maxDays, now.day.ordinal - t.start.ordinal))
            }
            if !plan.filters.filter({ !$0.dimension.isPlace }).isEmpty || !plan.flags.isEmpty || !plan.content.isEmpty {
                return .clarify("预警清单按地点和二级分类列出，不能再按其他条件筛选。要看全部预警吗？", suggestions: ["今天有什么预警", "近7天有哪些预警"])
            }
            plan.shape = .warnings(days: days)
            plan.time = TimeRange(now.day.adding(days: -days), now.day.adding(days: 1))
            plan.measures = [.count]
            plan.limit = nil
            return scoped(plan)
        }
        if d.spike {
            // 突增/预警: each group this period against the period before, largest growth first.
            if plan.time == nil {
                plan.time = TimeExpr.lastDays(7).resolve(now, holidays: holidays)
                plan.timeExpr = .lastDays(7)
            }
            let g = group ?? (plan.filter(.street) != nil ? Dimension.community : .street)
            plan.shape = .groupCompare(g, d.compare ?? .previous)
            plan.change = .delta
            plan.ascending = false
            plan.limit = d.limit ?? (d.top ? 1 : 10)
        } else if d.list {
            let wasList = followup && plan.shape == .list
            plan.shape = .list
            plan.limit = d.limit ?? (wasList ? plan.limit : nil) ?? 20
        } else if d.callThreshold != nil || d.repeatCallers, d.limit != nil || d.top, group == nil || group == .caller {
            // 来电超过3次的人前十名: rank the callers themselves.
            plan.shape = .group(.caller)
            plan.measures = [.count]
            plan.limit = d.limit ?? 1
        } else if let (order, asc) = d.change {
            guard let g = group ?? lastGroup else {
                return .clarify("要看哪一类对象的变化？例如“上周工单量增加最多的3个区”。", suggestions: ["上周工单量增加最多的3个区", "本月和上月相比工单量下降最多的5个街道"])
            }
            plan.shape = .groupCompare(g, d.compare ?? .previous)
            let keepLimit = followup && plan.change != nil ? plan.limit : nil
            plan.change = order
            plan.ascending = asc
            plan.limit = d.limit ?? keepLimit ?? (d.top ? 1 : nil)
        } else if let spec = d.compare {
            if let g = group ?? lastGroup { plan.shape = .groupCompare(g, spec) } else { plan.shape = .compare(spec) }
            plan.change = nil
            plan.limit = d.limit
            if plan.measures.count > 1 {
                return .clarify("对比一次只能看一个指标：\(plan.measures.map(\.label).joined(separator: "、"))，先看哪一个？",
                                suggestions: plan.measures.map { m in question.replacingOccurrences(of: "和", with: "").isEmpty ? m.label : "\(plan.time?.label ?? "")\(m.label)环比" })
            }
        } else if d.share {
            switch shareLayout(&d, &plan, group: group ?? lastGroup, resolved: resolved) {
            case .some(let r): return r
            case .none: break
            }
        } else if d.rankPosition || (d.rankWord && !followup && d.limit == nil && !d.top && rankMember(d, plan, group: group) != nil) {
            // 「西湖区投诉量在各区中排第几」: the member is the single value of the ranked dimension.
            let g = rankMember(d, plan, group: group) ?? group
            guard let g, let member = plan.filter(g) else {
                return .clarify("想看谁的排名？例如“本月西湖区工单量在各区中排第几”。", suggestions: ["本月西湖区工单量在各区中排第几"])
            }
            plan.removeFilter(g)
            plan.rankOf = member
            plan.shape = .rankPosition(g)
            plan.limit = nil
        } else if let tb = d.topBottom {
            guard let g = group ?? lastGroup else {
                return .clarify("红黑榜要按什么排？例如“今年各区解决率前3名和后3名”。", suggestions: ["今年各区解决率前3名和后3名", "上个月各街道满意率红黑榜"])
            }
            plan.shape = .topBottom(g)
            plan.limit = tb ?? 5
        } else if d.groups.count >= 2, d.limit != nil || d.top {
            // 每个区投诉最多的3个街道.
            plan.shape = .topPerGroup(d.groups[0], d.groups[1])
            plan.limit = d.limit ?? 1
        } else if let g = d.grain ?? (d.trend ? autoGrain(plan.time) : nil) {
            if d.top || d.limit != nil || (d.ascending != nil && !d.trend) {
                plan.shape = .periodRank(g)
                plan.limit = d.limit ?? (d.top ? 1 : nil)
            } else {
                plan.shape = .trend(g)
                plan.limit = nil
            }
        } else if let g = group {
            // 「按街道分开看」 keeps the last answer's layout over the new grouping.
            if followup, plan.shape.groupDimension != nil, !d.top, d.limit == nil { plan.shape = plan.shape.regrouped(g) } else { plan.shape = .group(g) }
            plan.limit = d.limit ?? (d.top ? 1 : nil)
        } else if let dim = listed.first, !followup || named[dim] != nil {
            // 西湖区和拱墅区的投诉量: one row per named value, in the order named.
            plan.shape = .group(dim)
            plan.limit = nil
        } else if followup {
            if d.limit != nil || d.top { plan.limit = d.limit ?? 1 }
        } else {
            plan.shape = .value
            plan.limit = nil
        }
        if case .group(let g) = plan.shape, plan.values(g).count > 1 {
            plan.namedOrder = d.ascending == nil && !d.top && d.limit == nil && group == nil
        } else {
            plan.namedOrder = false
        }
        if case .groupCompare = plan.shape {} else if !d.spike { plan.change = nil }

        // Conditions on measures.
        if !d.thresholds.isEmpty {
            guard plan.shape.groupDimension != nil || plan.shape.isPeriodRanking else {
                let c = d.thresholds[0]
                return .clarify("“\(c.0.word)\(describe(c.1))”要按什么来看？例如“满意率低于80%的街道”“投诉超过100件的社区”。",
                                suggestions: ["今年满意率低于80%的街道", "上个月投诉超过100件的社区"])
            }
            var hs: [QueryPlan.Having] = []
            for (cmp, q) in d.thresholds {
                switch having(plan.metric, cmp, q) {
                case .success(let h): hs.append(h)
                case .failure(let r): return r.reading
                }
            }
            plan.having = hs
            if d.ascending == nil, let first = hs.first {
                plan.ascending = first.comparison == .lt || first.comparison == .le
            }
        }

        // Order.
        if let asc = d.ascending {
            plan.ascending = asc
            plan.explicitOrder = true
        } else if !followup || group != nil {
            if d.thresholds.isEmpty, d.change == nil { plan.ascending = false }
            plan.explicitOrder = false
        }
        // 最低的N个 / 倒数N名: groups without a value are left out (§9.5).
        if plan.ascending, plan.limit != nil, case .group = plan.shape, !plan.metric.isCount,
           !plan.having.contains(where: { $0.comparison == .notNull }) {
            plan.having.append(QueryPlan.Having(metric: plan.metric, comparison: .notNull, value: 0))
        }
        if case .value = plan.shape, d.top || d.limit != nil || d.rankWord, !followup {
            return .clarify("想按什么排名？例如“各区”“哪个街道”“前五个部门”。", suggestions: ["上个月各区工单量排名", "今年投诉最多的前五个街道", "近30天哪个部门承办的工单最多"])
        }
        if plan.measures.count > 1 {
            switch plan.shape {
            case .value, .group, .trend: break
            default:
                return .clarify("这种问法一次只能看一个指标，先看哪一个？", suggestions: plan.measures.map { m in "\(plan.time?.label ?? "今年")\(m.label)" })
            }
        }

        // Comparison period.
        switch plan.shape {
        case .compare(let spec), .groupCompare(_, let spec):
            guard let cur = plan.time else {
                return .clarify("要和哪个时间段比较？请说明时间，例如“上个月工单量环比”“今年以来投诉和去年同期比”。", suggestions: [
                    "上个月工单量环比", "本月工单量和上月比", "今年以来工单量同比",
                ])
            }
            guard let prev = previous(cur, spec) else {
                return .clarify("比较的时间没有看懂，请换一种说法。", suggestions: examples)
            }
            plan.previous = prev
        default:
            plan.previous = nil
        }

        return scoped(plan)
    }

    /// The plan, or `denied` when it names a place outside the caller's scope.
    private func scoped(_ plan: QueryPlan) -> Reading {
        if let scope {
            let s = Catalog.Place(level: scope.level, name: scope.name)
            for lvl in [Dimension.district, .street, .community] {
                for v in plan.values(lvl) + (plan.shape.groupDimension == lvl ? [plan.rankOf].compactMap { $0 } : []) {
                    let p = Catalog.Place(level: lvl, name: v)
                    if !catalog.place(p, isWithin: s) && !catalog.place(s, isWithin: p) {
                        return .denied("您的数据权限限于\(scope.name)，不能查看\(v)的数据。")
                    }
                }
            }
        }
        return .plan(plan, notes: plan.notes)
    }

    /// The dimension whose one named member a 排第几 / 的排名 question ranks: the grouping asked,
    /// else the single place named, else the last single-valued filter.
    private func rankMember(_ d: Draft, _ plan: QueryPlan, group: Dimension?) -> Dimension? {
        if let g = group { return plan.filter(g) != nil ? g : nil }
        for lvl in [Dimension.community, .street, .district] where plan.filter(lvl) != nil && d.places.count == 1 { return lvl }
        return nil
    }

    /// Share layouts: inside each group (占本区的比例), by a dimension, or of one condition in a scope
    /// (A占B的比例: the conditions after 占/在 are the denominator).
    private func shareLayout(_ d: inout Draft, _ plan: inout QueryPlan, group: Dimension?, resolved: [(key: String, place: Catalog.Place, at: Int)]) -> Reading? {
        func target(_ c: Draft.Condition) -> QueryPlan.ShareTarget? {
            switch c {
            case .filter(let dim, let v): return .filter(dim, v)
            case .flag(let f): return .flag(f)
            case .place(let key): return resolved.first { $0.key == key }.map { .filter($0.place.level, $0.place.name) }
            case .split, .joiner: return nil
            }
        }
        let conds = d.conditions
        let split = conds.firstIndex { if case .split = $0 { return true }; return false }
        let before = Array(conds.prefix(split ?? d.conditionsBeforeShare ?? conds.count)).compactMap(target)
        let after = split.map { Array(conds[($0 + 1)...]).compactMap(target) } ?? []
        plan.ascending = d.ascending ?? false
        plan.limit = d.limit ?? (d.top ? 1 : nil)
        if d.ownGroup, let g = group {
            // 各区投诉占本区工单的比例.
            let num = before.filter { if case .filter(let dim, _) = $0 { return dim != g }; return true }
            guard !num.isEmpty else { return .clarify("想看哪一部分在各组里的占比？例如“各区投诉占本区工单的比例”。", suggestions: ["今年各区投诉占本区工单的比例"]) }
            remove(num, from: &plan)
            plan.shareOf = num
            plan.shape = .shareWithin(g)
            return nil
        }
        if let g = group, split == nil || before.isEmpty {
            plan.shape = .share(g)
            plan.shareOf = []
            return nil
        }
        // The numerator: what stands before 占 and is not also the denominator; places
        // before 占 stay the scope unless nothing else is named.
        var num = before.filter { !after.contains($0) }
        let nonPlace = num.filter { if case .filter(let dim, _) = $0 { return !dim.isPlace }; return true }
        if split != nil, !nonPlace.isEmpty { num = nonPlace }
        if split == nil, let last = num.last { num = [last] }
        guard !num.isEmpty else {
            return .clarify("想看哪一部分的占比？例如“上个月投诉占全部工单的比例”或“今年各区工单占比”。", suggestions: ["上个月投诉占全部工单的比例", "今年各区工单占比"])
        }
        remove(num, from: &plan)
        plan.shareOf = num
        plan.shape = group.map { .shareWithin($0) } ?? .share(nil)
        return nil
    }

    private func remove(_ targets: [QueryPlan.ShareTarget], from plan: inout QueryPlan) {
        for t in targets {
            switch t {
            case .filter(let dim, let v):
                let rest = plan.values(dim).filter { $0 != v }
                if rest.isEmpty { plan.removeFilter(dim) } else { plan.setFilter(dim, rest) }
            case .flag(let f): plan.flags.removeAll { $0 == f }
            }
        }
    }

    /// A threshold on the measure, in the measure's own unit (§9.4).
    private func having(_ m: Metric, _ c: Comparison, _ q: Quantity) -> Result<QueryPlan.Having, Refusal> {
        func ok(_ v: Double) -> Result<QueryPlan.Having, Refusal> { .success(QueryPlan.Having(metric: m, comparison: c, value: v)) }
        func ask(_ msg: String) -> Result<QueryPlan.Having, Refusal> { .failure(Refusal(reading: .clarify(msg, suggestions: []))) }
        switch (m.kind, q) {
        case (.rate, .ratio(let r)) where r >= 0 && r <= 1: return ok(r)
        case (.rate, .number(let n)) where n >= 0 && n <= 1: return ok(n)
        case (.rate, .number(let n)) where n > 1 && n <= 100: return ok(n / 100)  // 满意率低于80 = 80%
        case (.rate, .ratio), (.rate, .number): return ask("比率的界限要在0到100%之间，请换一个数字。")
        case (.hours, .hours(let h)): return ok(h)
        case (.hours, .number(let n)): return ask("“\(Describe.integer(n))”是天还是小时？例如“超过2天”或“超过48小时”。")
        case (.count, .number(let n)), (.average, .number(let n)): return ok(n)
        default: return ask("“\(c.word)\(describe(q))”和\(m.label)对不上，请换一种说法。")
        }
    }

    private func describe(_ q: Quantity) -> String {
        switch q {
        case .number(let n): return Describe.integer(n)
        case .ratio(let r): return Describe.percent(r)
        case .hours(let h): return Describe.integer(h) + "小时"
        }
    }

    /// What was understood, in words, for a question back.
    private func understood(_ d: Draft) -> String {
        var parts: [String] = []
        if let t = d.time, let r = t.resolve(now, holidays: holidays) { parts.append(r.label) }
        parts += d.places + d.filters.map(\.1) + d.flags.map(\.label)
        parts += d.metrics.map(\.label)
        parts += d.groups.map { "按\($0.label)" }
        return parts.joined(separator: "、")
    }

    private func refuse(_ why: String) -> Reading {
        switch why {
        case "write": return .unsupported("wenshu 只能查询工单数据，不能删除、修改或新增工单。", suggestions: examples)
        case "action": return .unsupported("wenshu 只读取工单数据，不能替您回电话、派单、催办或发送数据。可以问数量、排名和明细：", suggestions: examples)
        case "forecast": return .unsupported("wenshu 只回答已经发生的工单数据，不做预测。可以看看历史趋势：", suggestions: ["近12个月每个月的工单量", "今年每个月的供暖投诉", "去年同期工单量"])
        case "privacy": return .denied("为保护来电人隐私，wenshu 不提供来电人的姓名、电话、身份证号或住址；来电人只以匿名编号出现。")
        case "unofficial_time": return .clarify("“暑假”“寒假”这类时段没有统一的日期，请直接说日期范围，例如“7月1日到8月31日”。", suggestions: ["今年7月到8月的工单量", "今年7月1日到8月31日学校管理的投诉有多少"])
        case "sql": return .unsupported("请直接用中文提问，wenshu 不执行用户输入的 SQL。", suggestions: examples)
        case "greeting": return .unsupported("您好！我是 wenshu（问数），可以用中文查询 12345 热线工单数据。试试下面的问题：", suggestions: examples)
        default: return .unsupported("这个问题超出了 12345 工单数据的范围。", suggestions: examples)
        }
    }

    private func autoGrain(_ t: TimeRange?) -> Grain {
        guard let t else { return .month }
        if t.days <= 31 { return .day }
        if t.days <= 120 { return .week }
        return .month
    }

    private func previous(_ cur: TimeRange, _ spec: CompareSpec) -> TimeRange? {
        switch spec {
        case .previous: return cur.previousPeriod
        case .lastYear: return cur.sameLastYear
        case .to(let expr):
            if case .year(.relative(-1)) = expr { return cur.sameLastYear }
            guard let r = expr.resolve(now, holidays: holidays) else { return nil }
            if r.overlaps(cur) {
                if case .year = expr { return cur.sameLastYear }
                return cur.previousPeriod
            }
            return r
        }
    }

    struct Refusal: Error { let reading: Reading }

    private func resolvePlace(_ key: String) -> Result<Catalog.Place, Refusal> {
        let candidates = catalog.placeIndex[Lexicon.fold(key)] ?? []
        let order: [Dimension] = [.district, .street, .community]
        guard let top = order.first(where: { lvl in candidates.contains { $0.level == lvl } }) else {
            return .failure(Refusal(reading: suggester.unknownPlace(key)))
        }
        let same = candidates.filter { $0.level == top }
        if same.count > 1 {
            let names = same.map(\.name).sorted()
            return .failure(Refusal(reading: .clarify("“\(key)”有\(names.count)个同名地点：\(names.joined(separator: "、"))。您指的是哪一个？",
                                                     suggestions: names.map { "上个月\($0)工单量" })))
        }
        return .success(same[0])
    }
}

extension Shape {
    /// The same layout over another dimension (drill-down, 换成按街道).
    func regrouped(_ d: Dimension) -> Shape {
        switch self {
        case .group: return .group(d)
        case .groupCompare(_, let spec): return .groupCompare(d, spec)
        case .share(.some): return .share(d)
        case .shareWithin: return .shareWithin(d)
        case .rankPosition: return .rankPosition(d)
        case .topBottom: return .topBottom(d)
        case .topPerGroup(let o, _): return .topPerGroup(o, d)
        default: return self
        }
    }

    var isPeriodRanking: Bool { if case .periodRank = self { return true }; return false }
}
