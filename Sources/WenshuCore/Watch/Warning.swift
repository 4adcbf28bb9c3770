/// One warning on a leader's list: a place whose tickets of one subcategory jumped.
public struct Warning: Sendable, Hashable {
    public struct Example: Sendable, Hashable {
        public let id: String
        public let createdAt: String
        /// Already masked.
        public let content: String
    }

    public let place: WatchPlace
    public let subcategory: String
    /// First day of the excess.
    public let since: Day
    /// The day the warning first fired, and the last day it fired.
    public let firstDay: Day
    public let lastDay: Day
    public let count: Int
    public let expected: Double
    public let pValue: Double
    public internal(set) var question: String = ""
    public internal(set) var examples: [Example] = []

    public var district: String { place.district }
    public var street: String { place.street }
    public var community: String? { place.community }

    init(_ e: Detector.Episode, firstDay: Day? = nil, lastDay: Day? = nil, since: Day? = nil) {
        place = e.place
        subcategory = e.subcategory
        self.since = since ?? e.since
        self.firstDay = firstDay ?? e.firstDay
        self.lastDay = lastDay ?? e.lastDay
        count = e.count
        expected = e.expected
        pValue = e.pValue
    }

    /// The question that shows the rise (asked in wenshu, it draws the daily trend).
    static func question(place: WatchPlace, subcategory: String, since: Day, now: Day) -> String {
        let span = now.ordinal - since.ordinal + 1
        if span <= 31 { return "\(place.name)近\(max(7, span))天\(subcategory)类工单趋势" }
        return "\(place.name)\(since.year)年\(since.month)月\(subcategory)类工单趋势"
    }
}

/// Turns per-series episodes into the list a leader reads: a community's spike also
/// lifts its street, and one incident must appear once.
enum WarningMerger {
    static func merge(_ episodes: [Detector.Episode], communityShare: Double, maxGap: Int) -> [Warning] {
        struct Key: Hashable { let district: String, street: String, sub: String }
        var groups: [Key: (streets: [Detector.Episode], communities: [Detector.Episode])] = [:]
        for e in episodes {
            let k = Key(district: e.place.district, street: e.place.street, sub: e.subcategory)
            if e.place.community == nil { groups[k, default: ([], [])].streets.append(e) }
            else { groups[k, default: ([], [])].communities.append(e) }
        }
        func overlaps(_ a: Detector.Episode, _ b: Detector.Episode) -> Bool {
            a.since.ordinal <= b.lastDay.ordinal + maxGap && b.since.ordinal <= a.lastDay.ordinal + maxGap
        }
        var out: [Warning] = []
        for (_, g) in groups {
            var used = Set<Int>()
            for s in g.streets.sorted(by: { $0.since < $1.since }) {
                let inside = g.communities.indices.filter { !used.contains($0) && overlaps(s, g.communities[$0]) }
                used.formUnion(inside)
                let first = ([s] + inside.map { g.communities[$0] }).map(\.firstDay).min() ?? s.firstDay
                let last = ([s] + inside.map { g.communities[$0] }).map(\.lastDay).max() ?? s.lastDay
                let since = ([s] + inside.map { g.communities[$0] }).map(\.since).min() ?? s.since
                if let top = inside.map({ g.communities[$0] }).max(by: { $0.count < $1.count }),
                   Double(top.count) >= communityShare * Double(s.count) {
                    out.append(Warning(top, firstDay: first, lastDay: last, since: since))
                } else {
                    out.append(Warning(s, firstDay: first, lastDay: last, since: since))
                }
            }
            for i in g.communities.indices where !used.contains(i) { out.append(Warning(g.communities[i])) }
        }
        return out
    }
}
