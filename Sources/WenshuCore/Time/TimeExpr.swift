/// A year as written: relative (今年 0, 去年 -1) or absolute (2025年).
public enum YearRef: Hashable, Sendable {
    case relative(Int)
    case absolute(Int)

    func resolve(_ now: Now) -> Int {
        switch self {
        case .relative(let o): return now.day.year + o
        case .absolute(let y): return y
        }
    }
}

/// A time expression before it meets `now`. Built by the lexicon (time words) and
/// by grammar rules (composed expressions); `resolve` turns it into a range.
public indirect enum TimeExpr: Hashable, Sendable {
    case day(Int)
    case week(Int)
    case weekday(week: Int?, day: Int)
    case month(Int)
    case quarter(Int)
    case year(YearRef)
    case monthOf(YearRef?, Int)
    case quarterOf(YearRef?, Int)
    case halfOf(YearRef?, Int)
    case date(YearRef?, Int, Int)
    case holiday(YearRef?, String)
    case lastDays(Int)
    case lastMonths(Int)
    case lastYears(Int)
    case yearToDate
    case range(TimeExpr, TimeExpr)
    /// 上旬/中旬/下旬 of a month: days 1–10, 11–20, 21–end.
    case xun(TimeExpr, Int)
    /// Saturday and Sunday of an ISO week; nil = the latest weekend that has begun.
    case weekend(Int?)
    /// Day N of a month expression (本月8日, 上个月15号); nil month = the latest day N not after today.
    case dayOf(TimeExpr?, Int)
    /// 前N个月 / 前三季度 of a year (default: this year).
    case firstMonths(YearRef?, Int)
    case firstQuarters(YearRef?, Int)
    /// 近N个季度: the N calendar quarters ending with the current one.
    case lastQuarters(Int)
    /// 第N周: the N-th ISO week of a year (default: this year).
    case isoWeek(YearRef?, Int)

    /// Parses the value column of a time word in the lexicon: `month -1`, `day 0`,
    /// `weekday 3`, `weekday -1 3` (上周三), `quarter 0`, `year -1`, `ytd`, `holiday 国庆`,
    /// `half 1`, `last_days 7`, `last_months 3`.
    public init?(lexicon value: String) {
        let p = value.split(separator: " ").map(String.init)
        guard let op = p.first else { return nil }
        let nums = p.dropFirst().map { Int($0) }
        // A malformed value (day x) is a load error, never a crash.
        guard op == "holiday" || nums.allSatisfy({ $0 != nil }) else { return nil }
        let n = nums.first ?? nil
        switch (op, p.count) {
        case ("day", 2): self = .day(n!)
        case ("week", 2): self = .week(n!)
        case ("weekday", 2): self = .weekday(week: nil, day: n!)
        case ("weekday", 3): self = .weekday(week: n!, day: nums[1]!)
        case ("month", 2): self = .month(n!)
        case ("quarter", 2): self = .quarter(n!)
        case ("year", 2): self = .year(.relative(n!))
        case ("half", 2): self = .halfOf(nil, n!)
        case ("ytd", 1): self = .yearToDate
        case ("holiday", 2): self = .holiday(nil, p[1])
        case ("last_days", 2): self = .lastDays(n!)
        case ("last_months", 2): self = .lastMonths(n!)
        case ("last_years", 2): self = .lastYears(n!)
        case ("weekend", 1): self = .weekend(nil)
        case ("weekend", 2): self = .weekend(n!)
        case ("last_quarters", 2): self = .lastQuarters(n!)
        case ("first_quarters", 2): self = .firstQuarters(nil, n!)
        default: return nil
        }
    }

    /// The year written with this expression, if any.
    var year: YearRef? {
        switch self {
        case .monthOf(let y, _), .quarterOf(let y, _), .halfOf(let y, _), .date(let y, _, _), .holiday(let y, _): return y
        case .firstMonths(let y, _), .firstQuarters(let y, _), .isoWeek(let y, _): return y
        case .year(let y): return y
        default: return nil
        }
    }

    /// Names one calendar month (本月, 上个月, 3月).
    var isMonth: Bool {
        switch self {
        case .month, .monthOf: return true
        default: return false
        }
    }

    /// Whether a year can be attached (2025年 + 国庆, 今年 + 一季度).
    var takesYear: Bool {
        switch self {
        case .monthOf(nil, _), .quarterOf(nil, _), .halfOf(nil, _), .date(nil, _, _), .holiday(nil, _): return true
        case .firstMonths(nil, _), .firstQuarters(nil, _), .isoWeek(nil, _): return true
        case .dayOf(let m?, _): return m.takesYear
        case .range(let a, let b): return a.takesYear && b.takesYear
        default: return false
        }
    }

    func with(year: YearRef) -> TimeExpr? {
        switch self {
        case .monthOf(nil, let m): return .monthOf(year, m)
        case .quarterOf(nil, let q): return .quarterOf(year, q)
        case .halfOf(nil, let h): return .halfOf(year, h)
        case .date(nil, let m, let d): return .date(year, m, d)
        case .holiday(nil, let h): return .holiday(year, h)
        case .firstMonths(nil, let n): return .firstMonths(year, n)
        case .firstQuarters(nil, let n): return .firstQuarters(year, n)
        case .isoWeek(nil, let n): return .isoWeek(year, n)
        case .dayOf(let m?, let d): return m.with(year: year).map { .dayOf($0, d) }
        case .range(let a, let b):
            guard let x = a.with(year: year), let y = b.with(year: year) else { return nil }
            return .range(x, y)
        default: return nil
        }
    }

    /// The contract's section 5, relative to `now`. Nil when the expression names no real
    /// period (2月30日, a holiday the lexicon does not know for that year).
    public func resolve(_ now: Now, holidays: Holidays) -> TimeRange? {
        let today = now.day
        switch self {
        case .day(let o):
            let d = today.adding(days: o)
            return TimeRange(d, d.adding(days: 1))
        case .week(let o):
            let m = today.monday.adding(days: 7 * o)
            return TimeRange(m, m.adding(days: 7))
        case .weekday(let w, let wd):
            guard (1...7).contains(wd) else { return nil }
            var d = today.monday.adding(days: 7 * (w ?? 0) + wd - 1)
            if w == nil, d > today { d = d.adding(days: -7) }
            return TimeRange(d, d.adding(days: 1))
        case .month(let o):
            let s = today.firstOfMonth.adding(months: o)
            return TimeRange(s, s.adding(months: 1))
        case .quarter(let o):
            let q0 = Day(today.year, ((today.month - 1) / 3) * 3 + 1, 1)
            let s = q0.adding(months: 3 * o)
            return TimeRange(s, s.adding(months: 3))
        case .year(let y):
            let yy = y.resolve(now)
            return TimeRange(Day(yy, 1, 1), Day(yy + 1, 1, 1))
        case .monthOf(let y, let m):
            guard (1...12).contains(m) else { return nil }
            let yy = y?.resolve(now) ?? (m <= today.month ? today.year : today.year - 1)
            let s = Day(yy, m, 1)
            return TimeRange(s, s.adding(months: 1))
        case .quarterOf(let y, let q):
            guard (1...4).contains(q) else { return nil }
            let s = Day(y?.resolve(now) ?? today.year, (q - 1) * 3 + 1, 1)
            return TimeRange(s, s.adding(months: 3))
        case .halfOf(let y, let h):
            guard h == 1 || h == 2 else { return nil }
            let s = Day(y?.resolve(now) ?? today.year, h == 1 ? 1 : 7, 1)
            return TimeRange(s, s.adding(months: 6))
        case .date(let y, let m, let d):
            var yy = y?.resolve(now) ?? today.year
            guard Day.isValid(yy, m, d) || (y == nil && Day.isValid(yy - 1, m, d)) else { return nil }
            if y == nil, !Day.isValid(yy, m, d) || Day(yy, m, d) > today { yy -= 1 }
            guard Day.isValid(yy, m, d) else { return nil }
            let s = Day(yy, m, d)
            return TimeRange(s, s.adding(days: 1))
        case .holiday(let y, let name):
            if let y { return holidays.range(name, year: y.resolve(now)) }
            return holidays.latest(name, notAfter: today)
        case .lastDays(let n):
            guard n > 0 else { return nil }
            return TimeRange(today.adding(days: 1 - n), today.adding(days: 1))
        case .lastMonths(let n):
            guard n > 0 else { return nil }
            let next = today.firstOfMonth.adding(months: 1)
            return TimeRange(next.adding(months: -n), next)
        case .lastYears(let n):
            guard n > 0 else { return nil }
            return TimeRange(Day(today.year - n + 1, 1, 1), Day(today.year + 1, 1, 1))
        case .yearToDate:
            return TimeRange(Day(today.year, 1, 1), today.adding(days: 1))
        case .xun(let m, let part):
            guard let r = m.resolve(now, holidays: holidays), r.monthCount == 1, (1...3).contains(part) else { return nil }
            let s = r.start.adding(days: (part - 1) * 10)
            return TimeRange(s, part == 3 ? r.end : s.adding(days: 10))
        case .weekend(let w):
            var sat = today.monday.adding(days: 7 * (w ?? 0) + 5)
            if w == nil, sat > today { sat = sat.adding(days: -7) }
            return TimeRange(sat, sat.adding(days: 2))
        case .dayOf(let m, let d):
            guard (1...31).contains(d) else { return nil }
            guard let m else {
                // 15号: this month's, or last month's when the 15th is still to come.
                var first = today.firstOfMonth
                for _ in 0..<2 {
                    if Day.isValid(first.year, first.month, d), Day(first.year, first.month, d) <= today { break }
                    first = first.adding(months: -1)
                }
                guard Day.isValid(first.year, first.month, d) else { return nil }
                let s = Day(first.year, first.month, d)
                return TimeRange(s, s.adding(days: 1))
            }
            guard let r = m.resolve(now, holidays: holidays), r.monthCount == 1, Day.isValid(r.start.year, r.start.month, d) else { return nil }
            let s = Day(r.start.year, r.start.month, d)
            return TimeRange(s, s.adding(days: 1))
        case .firstMonths(let y, let n):
            guard (1...12).contains(n) else { return nil }
            let yy = y?.resolve(now) ?? today.year
            return TimeRange(Day(yy, 1, 1), Day(yy, 1, 1).adding(months: n))
        case .firstQuarters(let y, let n):
            guard (1...4).contains(n) else { return nil }
            let yy = y?.resolve(now) ?? today.year
            return TimeRange(Day(yy, 1, 1), Day(yy, 1, 1).adding(months: 3 * n))
        case .lastQuarters(let n):
            guard (1...40).contains(n) else { return nil }
            let q0 = Day(today.year, ((today.month - 1) / 3) * 3 + 1, 1)
            return TimeRange(q0.adding(months: -3 * (n - 1)), q0.adding(months: 3))
        case .isoWeek(let y, let n):
            guard (1...53).contains(n) else { return nil }
            let yy = y?.resolve(now) ?? today.year
            // ISO week 1 holds January 4th.
            let monday1 = Day(yy, 1, 4).monday
            let s = monday1.adding(days: 7 * (n - 1))
            guard n < 53 || Day(yy, 12, 28).monday >= s else { return nil }
            return TimeRange(s, s.adding(days: 7))
        case .range(let a, var b):
            // 2025年3月到5月: the end borrows the start's year.
            if b.takesYear, let y = a.year { b = b.with(year: y) ?? b }
            // 从11月2号到9号: a bare day borrows the start's month.
            if case .dayOf(nil, let dd) = b, let ra = a.resolve(now, holidays: holidays) {
                var m = ra.start.firstOfMonth
                if Day.isValid(m.year, m.month, dd), Day(m.year, m.month, dd) < ra.start { m = m.adding(months: 1) }
                guard Day.isValid(m.year, m.month, dd) else { return nil }
                let e = Day(m.year, m.month, dd)
                guard ra.start <= e else { return nil }
                return TimeRange(ra.start, e.adding(days: 1))
            }
            guard let ra = a.resolve(now, holidays: holidays), let rb = b.resolve(now, holidays: holidays) else { return nil }
            // 从11月到2月 across a year end: the start is the latest one before the end.
            var start = ra.start
            if start >= rb.end, case .monthOf(nil, _) = a { start = start.adding(months: -12) }
            guard start < rb.end else { return nil }
            return TimeRange(start, rb.end)
        }
    }
}

/// Holiday ranges from the lexicon (inclusive first and last days).
public struct Holidays: Sendable {
    var table: [String: [Int: (Day, Day)]] = [:]
    /// Holidays on the same dates every year (国庆 10-01…10-07, 元旦 01-01).
    var annual: [String: (Int, Int, Int, Int)] = [:]

    public init() {}

    public mutating func addAnnual(_ name: String, from: (Int, Int), to: (Int, Int)) {
        annual[name] = (from.0, from.1, to.0, to.1)
    }

    public mutating func add(_ name: String, year: Int, first: Day, last: Day) {
        table[name, default: [:]][year] = (first, last)
    }

    public func range(_ name: String, year: Int) -> TimeRange? {
        if let (f, l) = table[name]?[year] { return TimeRange(f, l.adding(days: 1)) }
        if let (m1, d1, m2, d2) = annual[name], Day.isValid(year, m1, d1), Day.isValid(year, m2, d2) {
            return TimeRange(Day(year, m1, d1), Day(year, m2, d2).adding(days: 1))
        }
        return nil
    }

    /// The latest occurrence that has begun by `today`.
    public func latest(_ name: String, notAfter today: Day) -> TimeRange? {
        if annual[name] != nil {
            if let r = range(name, year: today.year), r.start <= today { return r }
            return range(name, year: today.year - 1)
        }
        guard let years = table[name] else { return nil }
        let best = years.values.filter { $0.0 <= today }.max { $0.0 < $1.0 }
        return best.map { TimeRange($0.0, $0.1.adding(days: 1)) }
    }

    public var names: [String] { (Array(table.keys) + Array(annual.keys)).sorted() }
}
