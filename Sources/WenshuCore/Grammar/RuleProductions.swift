/// The fixed set of constructors a grammar rule may name after `->`. Rules (data) say
/// which words make a meaning; these say what the meaning is. A constructor returns nil
/// when its arguments do not make sense (月份 13, a year of 3), and then the rule does not fire.
enum RuleProductions {
    typealias Ctor = @Sendable ([Sem?]) -> Sem?

    static let known: Set<String> = Set(table.keys)

    static func run(_ name: String, _ args: [Sem?]) -> Sem? { table[name]?(args) }

    /// The constructor of this name (looked up once per rule, not per match).
    static func ctor(named name: String) -> Ctor? { table[name] }

    private static func num(_ a: [Sem?], _ i: Int) -> Int? { i < a.count ? a[i]?.number : nil }
    private static func time(_ a: [Sem?], _ i: Int) -> TimeExpr? { i < a.count ? a[i]?.timeExpr : nil }
    private static func dim(_ a: [Sem?], _ i: Int) -> Dimension? {
        guard i < a.count, let t = a[i]?.text else { return nil }
        return Dimension(rawValue: t)
    }
    private static func i(_ a: [Sem?], _ k: Int) -> Bool { k < a.count && a[k] != nil }

    private static func positive(_ n: Int?, max: Int = 100_000) -> Int? {
        guard let n, n > 0, n <= max else { return nil }
        return n
    }

    private static let table: [String: Ctor] = [
        // Time
        "year_abs": { a in
            guard var y = num(a, 0) else { return nil }
            if (10...99).contains(y) { y += 2000 }  // 24年 = 2024
            guard (1990...2100).contains(y) else { return nil }
            return .time(.year(.absolute(y)))
        },
        "month_span": { a in
            guard let x = num(a, 0), let y = num(a, 1), (1...12).contains(x), (1...12).contains(y), x <= y else { return nil }
            return .time(.range(.monthOf(nil, x), .monthOf(nil, y)))
        },
        "xun": { a in
            guard let t = time(a, 0), let n = num(a, 1) else { return nil }
            return .time(.xun(t, n))
        },
        "month_of": { a in
            guard let m = num(a, 0), (1...12).contains(m) else { return nil }
            return .time(.monthOf(nil, m))
        },
        "date": { a in
            guard let m = num(a, 0), let d = num(a, 1), (1...12).contains(m), (1...31).contains(d) else { return nil }
            return .time(.date(nil, m, d))
        },
        "quarter_of": { a in
            guard let q = num(a, 0), (1...4).contains(q) else { return nil }
            return .time(.quarterOf(nil, q))
        },
        "last_days": { a in positive(num(a, 0), max: 3650).map { .time(.lastDays($0)) } },
        "last_weeks": { a in positive(num(a, 0), max: 520).map { .time(.lastDays($0 * 7)) } },
        "last_months": { a in positive(num(a, 0), max: 240).map { .time(.lastMonths($0)) } },
        "last_years": { a in positive(num(a, 0), max: 30).map { .time(.lastYears($0)) } },
        "weekday": { a in
            guard let d = num(a, 0), (1...7).contains(d) else { return nil }
            return .time(.weekday(week: nil, day: d))
        },
        "weekday_in": { a in
            guard let w = num(a, 0), let d = num(a, 1), (1...7).contains(d) else { return nil }
            return .time(.weekday(week: w, day: d))
        },
        "with_year": { a in
            guard case .year(let y)? = time(a, 0), let t = time(a, 1), t.takesYear else { return nil }
            return t.with(year: y).map { .time($0) }
        },
        "range": { a in
            guard let x = time(a, 0), let y = time(a, 1) else { return nil }
            return .time(.range(x, y))
        },
        "day_of": { a in
            guard let d = num(a, 1), (1...31).contains(d) else { return nil }
            if let m = time(a, 0) {
                guard m.isMonth else { return nil }
                return .time(.dayOf(m, d))
            }
            return .time(.dayOf(nil, d))
        },
        "date_span": { a in
            // 3月5-10日: one month, two days.
            guard let m = num(a, 0), let d1 = num(a, 1), let d2 = num(a, 2), (1...12).contains(m), (1...31).contains(d1), (1...31).contains(d2), d1 <= d2 else { return nil }
            return .time(.range(.date(nil, m, d1), .date(nil, m, d2)))
        },
        "to_now": { a in time(a, 0).map { .time(.range($0, .day(0))) } },
        "first_months": { a in
            guard let n = num(a, 0), (1...12).contains(n) else { return nil }
            return .time(.firstMonths(nil, n))
        },
        "first_quarters": { a in
            guard let n = num(a, 0), (1...4).contains(n) else { return nil }
            return .time(.firstQuarters(nil, n))
        },
        "last_quarters": { a in positive(num(a, 0), max: 40).map { .time(.lastQuarters($0)) } },
        "iso_week": { a in
            guard let n = num(a, 0), (1...53).contains(n) else { return nil }
            return .time(.isoWeek(nil, n))
        },
        // Quantities (thresholds, §9.4)
        "ratio_pct": { a in
            guard let n = num(a, 0), n <= 100 else { return nil }
            return .quantity(.ratio(Double(n) / 100))
        },
        "ratio_cheng": { a in
            // 八成 = 0.8, 八成五 = 0.85
            guard let n = num(a, 0), (0...10).contains(n) else { return nil }
            var r = Double(n) / 10
            if i(a, 1) { guard let m = num(a, 1), (0...9).contains(m) else { return nil }; r += Double(m) / 100 }
            return .quantity(.ratio(r))
        },
        "ratio_frac": { a in
            // 三分之一: the denominator comes first.
            guard let den = num(a, 0), let n = num(a, 1), den > 0, den <= 1000, n <= den else { return nil }
            return .quantity(.ratio(Double(n) / Double(den)))
        },
        "hours": { a in
            guard let n = num(a, 0), n <= 100_000, let per = num(a, 1) else { return nil }
            return .quantity(.hours(Double(n) * Double(per)))
        },
        "quantity": { a in num(a, 0).map { .quantity(.number(Double($0))) } },
        "threshold": { a in
            guard let c = a.first??.text.flatMap(Comparison.init(rawValue:)), c != .notNull, let q = i(a, 1) ? a[1]?.quantity : nil else { return nil }
            return .slots([.threshold(c, q)])
        },
        // Slots
        "bottom": { a in positive(num(a, 0), max: 1000).map { .slots([.limit($0), .order(ascending: true)]) } },
        "top_limit": { a in
            guard let n = positive(num(a, 1), max: 1000) else { return nil }
            var s: [Slot] = [.top, .limit(n)]
            if let t = a.first??.text, t != "-" { s.append(.order(ascending: t == "asc")) }
            return .slots(s)
        },
        "top_limit_group": { a in
            guard let n = positive(num(a, 1), max: 1000), let d = dim(a, 2) else { return nil }
            var s: [Slot] = [.top, .limit(n), .group(d)]
            if let t = a.first??.text, t != "-" { s.append(.order(ascending: t == "asc")) }
            return .slots(s)
        },
        "refuse": { a in a.first??.text.map { .slots([.refuse($0)]) } },
        "top_bottom": { a in positive(num(a, 0), max: 500).map { .slots([.topBottom($0)]) } },
        "limit": { a in positive(num(a, 0), max: 1000).map { .slots([.limit($0)]) } },
        "list_limit": { a in positive(num(a, 0), max: 1000).map { .slots([.list, .limit($0)]) } },
        "group": { a in dim(a, 0).map { .slots([.group($0)]) } },
        "which": { a in dim(a, 0).map { .slots([.group($0), .top]) } },
        "which_period": { a in
            guard i(a, 0) else { return nil }
            guard let g = a[0]?.text.flatMap(Grain.init(rawValue:)) else { return nil }
            return .slots([.grain(g), .top])
        },
        "which_many": { a in dim(a, 0).map { .slots([.group($0)]) } },
        "limit_group": { a in
            guard let n = positive(num(a, 0), max: 1000), let d = dim(a, 1) else { return nil }
            return .slots([.limit(n), .group(d)])
        },
        "row_ref": { a in positive(num(a, 0), max: 1000).map { .slots([.rowRef($0, dim(a, 1))]) } },
        "this_ref": { a in dim(a, 0).map { .slots([.thisRef($0)]) } },
        "threshold_ge": { a in positive(num(a, 0)).map { .slots([.callThreshold($0, strict: false)]) } },
        "threshold_gt": { a in
            guard let n = num(a, 0), n >= 0 else { return nil }
            return .slots([.callThreshold(n, strict: true)])
        },
        "compare_to": { a in time(a, 0).map { .slots([.compareTo($0)]) } },
    ]
}
