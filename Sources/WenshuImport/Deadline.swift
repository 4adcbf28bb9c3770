import Foundation
import WenshuCore

/// Working days: Monday to Friday, less the holiday calendar (`Lexicon/holidays.tsv` and the
/// mapping's `extra_holidays`), plus the makeup working days (调休) the mapping lists.
struct WorkCalendar {
    private var dated: Set<Int> = []
    private var fixed: [(from: Int, to: Int)] = []  // month*100+day, inclusive
    private let workdays: Set<Int>

    init(holidayFile: URL?, extra: Set<Day>, workdays: Set<Day>) {
        self.workdays = Set(workdays.map(\.ordinal))
        dated = Set(extra.map(\.ordinal))
        guard let holidayFile, let text = try? String(contentsOf: holidayFile, encoding: .utf8) else { return }
        // Lines: name, year or *, first day, last day. Lines of another shape are not holidays.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 4 else { continue }
            if f[1] == "*" {
                let md = [f[2], f[3]].map { $0.split(separator: "-").compactMap { Int($0) } }
                guard md[0].count == 2, md[1].count == 2 else { continue }
                fixed.append((md[0][0] * 100 + md[0][1], md[1][0] * 100 + md[1][1]))
            } else if let a = Day(parsing: f[2]), let b = Day(parsing: f[3]), b.ordinal - a.ordinal < 60 {
                for o in a.ordinal...max(a.ordinal, b.ordinal) { dated.insert(o) }
            }
        }
    }

    func isWorking(_ d: Day) -> Bool {
        if workdays.contains(d.ordinal) { return true }
        if d.weekday >= 6 || dated.contains(d.ordinal) { return false }
        let md = d.month * 100 + d.day
        return !fixed.contains { md >= $0.from && md <= $0.to }
    }

    /// The n-th working day after `d` (n = 0: `d` itself).
    func adding(workingDays n: Int, to d: Day) -> Day {
        var day = d
        var left = n
        while left > 0 {
            day = day.adding(days: 1)
            if isWorking(day) { left -= 1 }
        }
        return day
    }
}

/// `due_at` for exports without a deadline column: the first matching rule gives hours
/// (calendar time from receipt) or working days (the n-th working day after the day of
/// receipt, at the receipt's time of day).
struct DeadlineDeriver {
    let rules: [DeadlineRule]
    let calendar: WorkCalendar

    func due(created: String, urgent: Int, kind: String, category: String) -> String? {
        guard let day = Day(parsing: created), created.utf8.count == 19 else { return nil }
        let clock = String(created.suffix(8))
        for r in rules {
            if let u = r.urgent, u != urgent { continue }
            if let k = r.kinds, !k.contains(kind) { continue }
            if let c = r.categories, !c.contains(category) { continue }
            if let h = r.hours {
                let parts = clock.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                let secs = parts[0] * 3600 + parts[1] * 60 + parts[2] + h * 3600
                let d = day.adding(days: secs / 86400)
                let s = secs % 86400
                return DateParser.stamp(d.year, d.month, d.day, s / 3600, (s / 60) % 60, s % 60)
            }
            return calendar.adding(workingDays: r.workingDays ?? 0, to: day).iso + " " + clock
        }
        return nil
    }
}
