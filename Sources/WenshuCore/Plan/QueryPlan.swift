/// How the current period is compared.
public enum CompareSpec: Hashable, Sendable {
    case previous
    case lastYear
    case to(TimeExpr)
}

/// The answer's layout (contract sections 7 and 9). Measures, filters, conditions on
/// measures, order and limit are separate members of the plan; the layout says only how
/// rows are formed.
public enum Shape: Hashable, Sendable {
    case value
    case group(Dimension)
    case trend(Grain)
    /// Periods ranked by value (今年工单量最多的月份).
    case periodRank(Grain)
    case compare(CompareSpec)
    /// Each group in two periods: `[name, current, previous, delta, change_rate]`.
    case groupCompare(Dimension, CompareSpec)
    case share(Dimension?)
    /// The share of `shareOf` inside each group: `[name, count of A, count of group, share]`.
    case shareWithin(Dimension)
    case list
    /// One member's position among its groups: `[name, value, rank, groups]`.
    case rankPosition(Dimension)
    /// The N highest then the N lowest, with a 榜 column.
    case topBottom(Dimension)
    /// Top N of the inner dimension inside each outer group: `[outer, inner, value]`.
    case topPerGroup(Dimension, Dimension)
    /// 未诉先办: the detector's warnings of the last `days` days (README, 未诉先办).
    case warnings(days: Int)
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

/// A validated query as a structured analytics query (see shared/design/query-plan.md):
/// measures, filters, time and comparison, grouping, conditions on measures, order, limit.
/// Nothing SQL-specific: the compiler alone knows columns.
public struct QueryPlan: Hashable, Sendable {
    public var time: TimeRange?
    public var timeExpr: TimeExpr?
    /// Filters on dimensions in the order the question gave them; several values = IN.
    public var filters: [Filter] = []
    public var flags: [Flag] = []
    public var content: [String] = []
    /// What is measured, in the order asked; the first one orders rankings.
    public var measures: [Metric] = [.count]
    public var shape: Shape = .value
    /// For a share: the conditions whose share of the scope (or of each group) is asked.
    public var shareOf: [ShareTarget] = []
    public var ascending = false
    /// The order was said in words (从低到高, 最少, 倒数), not defaulted.
    public var explicitOrder = false
    public var limit: Int?
    public var scope: Scope?
    /// The comparison period, resolved.
    public var previous: TimeRange?
    /// A grouped comparison ordered by its change instead of the current value.
    public var change: ChangeOrder?
    /// Conditions on measures (HAVING).
    public var having: [Having] = []
    /// Rows of an IN filter come in the order the values were named.
    public var namedOrder = false
    /// For `.rankPosition`: the member whose rank is asked.
    public var rankOf: String?
    /// 重复来电: a caller counts with at least this many tickets.
    public var callerMin = 2
    /// Days (months) 日均 (月均) divides by.
    public var divisor: Int?
    /// Things the answer should say that the SQL cannot (响应率 not in the store).
    public var notes: [String] = []

    public struct Filter: Hashable, Sendable {
        public let dimension: Dimension
        public var values: [String]
    }

    public struct Having: Hashable, Sendable {
        public let metric: Metric
        public let comparison: Comparison
        public let value: Double
    }

    public enum ShareTarget: Hashable, Sendable {
        case filter(Dimension, String)
        case flag(Flag)
    }

    public init() {}

    /// The first measure: the one rankings and summaries lead with.
    public var metric: Metric {
        get { measures.first ?? .count }
        set { measures = [newValue] }
    }

    /// The single value of a dimension's filter (nil when absent or several).
    public func filter(_ d: Dimension) -> String? {
        guard let f = filters.first(where: { $0.dimension == d }), f.values.count == 1 else { return nil }
        return f.values[0]
    }

    public func values(_ d: Dimension) -> [String] { filters.first { $0.dimension == d }?.values ?? [] }

    public mutating func setFilter(_ d: Dimension, _ v: String) { setFilter(d, [v]) }

    public mutating func setFilter(_ d: Dimension, _ vs: [String]) {
        if let i = filters.firstIndex(where: { $0.dimension == d }) { filters[i].values = vs } else { filters.append(Filter(dimension: d, values: vs)) }
    }

    public mutating func removeFilter(_ d: Dimension) { filters.removeAll { $0.dimension == d } }
}

extension Shape {
    public var isWarnings: Bool { if case .warnings = self { return true }; return false }

    /// The dimension rows are grouped by, if any.
    public var groupDimension: Dimension? {
        switch self {
        case .group(let d), .groupCompare(let d, _), .shareWithin(let d), .rankPosition(let d), .topBottom(let d): return d
        case .topPerGroup(_, let d): return d
        case .share(let d): return d
        default: return nil
        }
    }
}
