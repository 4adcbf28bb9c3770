/// How the current period is compared.
public enum CompareSpec: Hashable, Sendable {
    case previous
    case lastYear
    case to(TimeExpr)
}

/// The answer's shape (contract section 7).
public enum Shape: Hashable, Sendable {
    case value
    case group(Dimension)
    case trend(Grain)
    /// Periods ranked by value (今年工单量最多的月份).
    case periodRank(Grain)
    case compare(CompareSpec)
    case groupCompare(Dimension, CompareSpec)
    case share(Dimension?)
    case list
    case repeatCallers(min: Int)
}

/// A data scope (HTTP token, bot user, `--scope`): ANDed into every statement.
public struct Scope: Hashable, Sendable {
    public let level: Dimension
    public let name: String

    public init(level: Dimension, name: String) {
        self.level = level
        self.name = name
    }

    /// Parses `district=西湖区` or `street=北山街道`.
    public init?(parsing s: String) {
        let p = s.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard p.count == 2, let d = Dimension(rawValue: p[0]), d.isPlace, !p[1].isEmpty else { return nil }
        self.init(level: d, name: p[1])
    }
}

/// A validated query: what to measure, over which tickets, in which shape.
/// Everything the compiler needs and nothing SQL-specific.
public struct QueryPlan: Hashable, Sendable {
    public var time: TimeRange?
    public var timeExpr: TimeExpr?
    /// Equality filters, in the order the question gave them.
    public var filters: [(Dimension, String)] = []
    public var flags: [Flag] = []
    public var content: [String] = []
    public var metric: Metric = .count
    public var shape: Shape = .value
    /// For a one-group share: the condition whose share of the scope is asked.
    public var shareOf: ShareTarget?
    public var ascending = false
    public var limit: Int?
    public var scope: Scope?
    /// The comparison period, resolved.
    public var previous: TimeRange?
    public var strictThreshold = false
    /// Rank a grouped comparison by its growth (突增/预警) instead of the current value.
    public var byGrowth = false
    /// A ranking keeps only groups whose value is above (or at least) this.
    public var having: Having?

    public struct Having: Hashable, Sendable {
        public let value: Int
        public let strict: Bool
    }

    public init() {}

    public enum ShareTarget: Hashable, Sendable {
        case filter(Dimension, String)
        case flag(Flag)
    }

    public func filter(_ d: Dimension) -> String? { filters.first { $0.0 == d }?.1 }

    public mutating func setFilter(_ d: Dimension, _ v: String) {
        if let i = filters.firstIndex(where: { $0.0 == d }) { filters[i].1 = v } else { filters.append((d, v)) }
    }

    public mutating func removeFilter(_ d: Dimension) { filters.removeAll { $0.0 == d } }

    public static func == (a: QueryPlan, b: QueryPlan) -> Bool {
        a.time == b.time && a.filters.map { "\($0.0.rawValue)=\($0.1)" } == b.filters.map { "\($0.0.rawValue)=\($0.1)" }
            && a.flags == b.flags && a.content == b.content && a.metric == b.metric && a.shape == b.shape
            && a.shareOf == b.shareOf && a.ascending == b.ascending && a.limit == b.limit && a.previous == b.previous
            && a.strictThreshold == b.strictThreshold && a.scope == b.scope && a.byGrowth == b.byGrowth && a.having == b.having
    }

    public func hash(into h: inout Hasher) {
        h.combine(time); h.combine(metric); h.combine(shape); h.combine(limit)
        for f in filters { h.combine(f.0); h.combine(f.1) }
    }
}
