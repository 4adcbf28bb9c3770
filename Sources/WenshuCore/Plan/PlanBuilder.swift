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
}

/// Slots + conversation + store knowledge → a checked plan, or a question back.
struct PlanBuilder {
    let catalog: Catalog
    let now: Now
    let holidays: Holidays
    let scope: Scope?
    let examples: [String]

    func build(_ u: Understanding, question: String, context: Conversation?) -> Reading {
        var d = Draft(u.slots)
        if let why = d.refusals.first { return refuse(why) }
        let chars = u.tokens.reduce(0) { $0 + $1.surface.count }
        let unknownChars = u.unknown.reduce(0) { $0 + $1.count }
        if d.isEmpty {
            let msg = unknownChars > 0 ? "没有看懂“\(u.unknown.joined())”。" : "这个问题里没有可以查询的内容。"
            return .unsupported(msg + "我可以回答 12345 工单的数量、排名、趋势、同比环比、占比、办结率和满意率等问题。", suggestions: examples)
        }
        if unknownChars >= 4 || (unknownChars >= 2 && unknownChars * 10 > chars * 3) {
            return .unsupported("有些词没有看懂：\(u.unknown.joined(separator: "、"))。请换一种说法，或参考下面的问题。", suggestions: examples)
        }
        var notes: [String] = []
        if !u.unknown.isEmpty { notes.append("未识别：\(u.unknown.joined(separator: "、"))") }

        let followup = context?.plan != nil && d.isFollowupShaped
        var plan = followup ? context!.plan! : QueryPlan()
        // 去年同期: "和去年同期比" compares; a bare "去年同期呢" in a follow-up moves the time.
        var shiftToLastYear = false
        if d.samePeriod, d.compare == nil {
            if followup, !d.versus, plan.time != nil, d.time == nil { shiftToLastYear = true } else { d.compare = .lastYear }
        }
        plan.scope = scope

        // Places.
        var resolvedPlaces: [String: Catalog.Place] = [:]
        if d.wholeCity || !d.places.isEmpty {
            for lvl in [Dimension.district, .street, .community] { plan.removeFilter(lvl) }
        }
        for key in d.places {
            switch resolvePlace(key) {
            case .success(let p):
                // Two places of one level (西湖区和拱墅区) cannot both be a filter: ask, rather than drop one.
                if let other = resolvedPlaces.values.first(where: { $0.level == p.level && $0.name != p.name }) {
                    let both = [other.name, p.name]
                    return .clarify("一次只能看一个\(p.level.label)：\(both.joined(separator: "还是"))？也可以问“各\(p.level == .district ? "区" : p.level.label)…排名”对比它们。",
                                    suggestions: both.map { name in question.replacingOccurrences(of: other.name, with: name).replacingOccurrences(of: "和" + p.name, with: "").replacingOccurrences(of: "和" + key, with: "") })
                }
                resolvedPlaces[key] = p
                plan.setFilter(p.level, p.name)
            case .failure(let r): return r.reading
            }
        }
        // One name, several parents (two streets called 城关镇): ask which, unless a parent was given.
        for (key, p) in resolvedPlaces where p.level != .district && plan.filter(.district) == nil {
            let parents = (p.level == .street ? catalog.districtsOfStreet[p.name] : catalog.districtsOfCommunity[p.name]) ?? []
            if parents.count > 1 {
                let sorted = parents.sorted()
                return .clarify("“\(p.name)”在\(sorted.joined(separator: "、"))都有，您指的是哪一个？",
                                suggestions: sorted.map { d in question.replacingOccurrences(of: key, with: d + key) })
            }
        }
        // 「只看西湖区」 on a ranking by district drills down a level instead of leaving one row.
        if followup, d.groups.isEmpty, let g = plan.shape.groupDimension, let p = resolvedPlaces.values.first(where: { $0.level == g }) {
            let child: Dimension? = p.level == .district ? .street : (p.level == .street ? .community : nil)
            if let child {
                switch plan.shape {
                case .group: plan.shape = .group(child)
                case .groupCompare(_, let spec): plan.shape = .groupCompare(child, spec)
                case .share: plan.shape = .share(child)
                default: break
                }
                plan.limit = nil
            }
        }
        // Drill into a row of the last answer.
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
        }
        // Two values of one dimension (投诉和咨询) cannot both be an equality filter: ask which,
        // or offer the breakdown by that dimension.
        for (i, (dim, v)) in d.filters.enumerated() {
            if let (_, w) = d.filters[..<i].first(where: { $0.0 == dim && $0.1 != v }) {
                let drop = { (x: String) in question.replacingOccurrences(of: "和" + x, with: "").replacingOccurrences(of: x + "和", with: "") }
                return .clarify("一次只能看一个\(dim.label)：\(w)还是\(v)？也可以按\(dim.label)分开看。",
                                suggestions: [drop(v), drop(w)])
            }
        }
        for (dim, v) in d.filters {
            // A follow-up's new category replaces a carried-over one that contradicts it.
            if followup, dim == .subcategory, let cat = plan.filter(.category), let parent = catalog.subcategoryParent[v], parent != cat {
                plan.removeFilter(.category)
            }
            if followup, dim == .category, let sub = plan.filter(.subcategory), catalog.subcategoryParent[sub] != v {
                plan.removeFilter(.subcategory)
            }
            plan.setFilter(dim, v)
        }
        for f in d.flags where !plan.flags.contains(f) { plan.flags.append(f) }
        for c in d.content where !plan.content.contains(c) { plan.content.append(c) }

        // Time.
        if d.noTime, d.time == nil { plan.time = nil; plan.timeExpr = nil }
        if let t = d.time {
            guard let r = t.resolve(now, holidays: holidays) else {
                return .clarify("这个时间没有看懂（或日期不存在）。请换一种说法，例如“上个月”“2025年3月”“近30天”。", suggestions: examples)
            }
            plan.time = r
            plan.timeExpr = t
        }

        if shiftToLastYear, let t = plan.time {
            plan.time = t.sameLastYear
            plan.timeExpr = nil
        }

        // Measure.
        if let m = d.metric {
            switch m {
            case .closedCount: plan.metric = .count; if !plan.flags.contains(.closed) { plan.flags.append(.closed) }
            case .overdueCount: plan.metric = .count; if !plan.flags.contains(.overdue) { plan.flags.append(.overdue) }
            default: plan.metric = m
            }
        }

        // Shape.
        let group = d.groups.first
        if d.having != nil, group != nil, d.list { d.list = false }
        if d.spike {
            // 突增/预警: each group this period against the period before, largest growth first.
            if plan.time == nil {
                plan.time = TimeExpr.lastDays(7).resolve(now, holidays: holidays)
                plan.timeExpr = .lastDays(7)
            }
            let g = group ?? (plan.filter(.street) != nil ? Dimension.community : .street)
            plan.shape = .groupCompare(g, d.compare ?? .previous)
            plan.byGrowth = true
            plan.limit = d.limit ?? (d.top ? 1 : 10)
        } else if d.list {
            let wasList = followup && plan.shape == .list
            plan.shape = .list
            plan.limit = d.limit ?? (wasList ? plan.limit : nil) ?? 20
        } else if (d.threshold != nil || d.repeatCallers) && (d.limit != nil || d.top) {
            // 一人多诉前十名: rank the callers themselves.
            plan.shape = .group(.caller)
            plan.limit = d.limit ?? 1
        } else if d.threshold != nil || d.repeatCallers {
            let (n, strict) = d.threshold ?? (2, false)
            plan.shape = .repeatCallers(min: strict ? n + 1 : n)
            plan.strictThreshold = strict
            plan.limit = nil
        } else if let spec = d.compare {
            if let g = group ?? (followup ? plan.shape.groupDimension : nil) { plan.shape = .groupCompare(g, spec) } else { plan.shape = .compare(spec) }
            plan.limit = d.limit
        } else if d.share {
            let g = group ?? (followup ? plan.shape.groupDimension : nil)
            plan.shape = .share(g)
            plan.ascending = d.ascending ?? false
            if g == nil {
                guard let target = shareTarget(d, resolvedPlaces) else {
                    return .clarify("想看哪一部分的占比？例如“上个月投诉占全部工单的比例”或“今年各区工单占比”。", suggestions: examples)
                }
                plan.shareOf = target
                switch target {
                case .filter(let dim, _): plan.removeFilter(dim)
                case .flag(let f): plan.flags.removeAll { $0 == f }
                }
            }
            plan.limit = d.limit ?? (d.top ? 1 : nil)
        } else if let g = d.grain ?? (d.trend ? autoGrain(plan.time) : nil) {
            if d.top || d.limit != nil || (d.ascending != nil && !d.trend) {
                plan.shape = .periodRank(g)
                plan.limit = d.limit ?? (d.top ? 1 : nil)
            } else {
                plan.shape = .trend(g)
                plan.limit = nil
            }
        } else if let g = group {
            if g == .caller, d.threshold == nil { plan.shape = .group(.caller) } else { plan.shape = .group(g) }
            plan.limit = d.limit ?? (d.top ? 1 : nil)
        } else if followup {
            if d.limit != nil || d.top { plan.limit = d.limit ?? 1 }
        } else {
            plan.shape = .value
            plan.limit = nil
        }
        if let (n, strict) = d.having {
            guard plan.shape.groupDimension != nil else {
                return .clarify("“超过\(n)件”要按什么来看？例如“投诉超过\(n)件的街道有哪些”。", suggestions: ["今年投诉超过\(n)件的街道有哪些", "上个月工单超过\(n)件的社区"])
            }
            plan.having = QueryPlan.Having(value: n, strict: strict)
        }
        if let asc = d.ascending { plan.ascending = asc } else if !followup || group != nil { plan.ascending = false }
        if case .value = plan.shape, d.top || d.limit != nil, !followup {
            return .clarify("想按什么排名？例如“各区”“哪个街道”“前五个部门”。", suggestions: rankingSuggestions(u))
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

        // Scope.
        if let scope {
            for lvl in [Dimension.district, .street, .community] {
                guard let v = plan.filter(lvl) else { continue }
                let p = Catalog.Place(level: lvl, name: v)
                let s = Catalog.Place(level: scope.level, name: scope.name)
                if !catalog.place(p, isWithin: s) && !catalog.place(s, isWithin: p) {
                    return .denied("您的数据权限限于\(scope.name)，不能查看\(v)的数据。")
                }
            }
        }
        return .plan(plan, notes: notes)
    }

    private func refuse(_ why: String) -> Reading {
        switch why {
        case "write": return .unsupported("wenshu 只能查询工单数据，不能删除、修改或新增工单。", suggestions: examples)
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

    private func shareTarget(_ d: Draft, _ places: [String: Catalog.Place]) -> QueryPlan.ShareTarget? {
        func target(_ c: Draft.Condition) -> QueryPlan.ShareTarget? {
            switch c {
            case .filter(let dim, let v): return .filter(dim, v)
            case .flag(let f): return .flag(f)
            case .place(let key): return places[key].map { .filter($0.level, $0.name) }
            }
        }
        let before = d.conditions.prefix(d.conditionsBeforeShare ?? d.conditions.count)
        if let last = before.last { return target(last) }
        return d.conditions.first.flatMap(target)
    }

    private func rankingSuggestions(_ u: Understanding) -> [String] {
        ["上个月各区工单量排名", "今年投诉最多的前五个街道", "近30天哪个部门承办的工单最多"]
    }

    struct Refusal: Error { let reading: Reading }

    private func resolvePlace(_ key: String) -> Result<Catalog.Place, Refusal> {
        let candidates = catalog.placeIndex[Lexicon.fold(key)] ?? []
        guard !candidates.isEmpty else {
            return .failure(Refusal(reading: .clarify("工单库里没有“\(key)”这个地点。", suggestions: Array(catalog.values(.district).prefix(3)).map { "上个月\($0)工单量" })))
        }
        let order: [Dimension] = [.district, .street, .community]
        let top = order.first { lvl in candidates.contains { $0.level == lvl } }!
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
    /// The dimension rows are grouped by, if any.
    public var groupDimension: Dimension? {
        switch self {
        case .group(let d), .groupCompare(let d, _): return d
        case .share(let d): return d
        default: return nil
        }
    }
}
