/// The fixed set of constructors a grammar rule may name after `->`. Rules (data) say
/// which words make a meaning; these say what the meaning is. A constructor returns nil
/// when its arguments do not make sense (月份 13, a year of 3), and then the rule does not fire.
enum RuleProductions {
    typealias Ctor = ([Sem?]) -> Sem?

    static let known: Set<String> = Set(table.keys)

    static func run(_ name: String, _ args: [Sem?]) -> Sem? { table[name]?(args) }

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
        "having_gt": { a in
            guard let n = num(a, 0), n >= 0 else { return nil }
            return .slots([.having(n, strict: true)])
        },
        "having_ge": { a in positive(num(a, 0)).map { .slots([.having($0, strict: false)]) } },
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
        // Slots
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
