/// A half-open range of days [start, end) on `created_at`.
public struct TimeRange: Hashable, Sendable {
    public let start: Day
    public let end: Day

    public init(_ start: Day, _ end: Day) {
        self.start = start
        self.end = end
    }

    public var days: Int { end.ordinal - start.ordinal }

    /// Whole calendar months covered, when the range is month-aligned.
    public var monthCount: Int? {
        guard start.day == 1, end.day == 1 else { return nil }
        let n = (end.year * 12 + end.month) - (start.year * 12 + start.month)
        return n > 0 ? n : nil
    }

    /// 环比: the same-length period right before (calendar months shift by months).
    public var previousPeriod: TimeRange {
        if let m = monthCount { return TimeRange(start.adding(months: -m), start) }
        return TimeRange(start.adding(days: -days), start)
    }

    /// 同比 / 去年同期: the same period one year earlier.
    public var sameLastYear: TimeRange {
        TimeRange(start.adding(months: -12), end.adding(months: -12))
    }

    public func shifted(months n: Int) -> TimeRange {
        TimeRange(start.adding(months: n), end.adding(months: n))
    }

    public func overlaps(_ o: TimeRange) -> Bool { start < o.end && o.start < end }

    /// True while `now` falls inside the range: the period is still running.
    public func isPartial(at now: Now) -> Bool { start <= now.day && now.day < end }

    /// Human label: 2026年10月, 2026年第3季度, 2026年, 2026年11月28日, or a from–to span.
    public var label: String {
        if let m = monthCount {
            if m == 1 { return "\(start.year)年\(start.month)月" }
            if m == 12, start.month == 1 { return "\(start.year)年" }
            if m == 3, (start.month - 1) % 3 == 0 { return "\(start.year)年第\((start.month - 1) / 3 + 1)季度" }
            if m == 6, start.month == 1 || start.month == 7 { return "\(start.year)年\(start.month == 1 ? "上" : "下")半年" }
        }
        if days == 1 { return "\(start.year)年\(start.month)月\(start.day)日" }
        let last = end.adding(days: -1)
        return "\(start.iso)至\(last.iso)"
    }
}
