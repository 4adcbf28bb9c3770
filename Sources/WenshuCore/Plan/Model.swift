/// The semantic model: the business names the planner speaks in. Only the SQL
/// compiler knows which columns and expressions they stand for.

/// A dimension a question can filter on or group by.
public enum Dimension: String, CaseIterable, Hashable, Sendable, Codable, CodingKeyRepresentable {
    case district, street, community, department, channel, kind, category, subcategory, caller

    /// The column of `tickets` that holds it.
    public var column: String { rawValue }

    public var label: String {
        switch self {
        case .district: return "区县"
        case .street: return "街道"
        case .community: return "社区"
        case .department: return "承办单位"
        case .channel: return "渠道"
        case .kind: return "诉求类型"
        case .category: return "一级分类"
        case .subcategory: return "二级分类"
        case .caller: return "来电人"
        }
    }

    /// The measure word for one member ("3个区", "5个街道").
    public var unitWord: String {
        switch self {
        case .district: return "个区县"
        case .street: return "个街道"
        case .community: return "个社区"
        case .department: return "个承办单位"
        case .channel: return "个渠道"
        case .kind: return "种诉求类型"
        case .category: return "个一级分类"
        case .subcategory: return "个二级分类"
        case .caller: return "位来电人"
        }
    }

    public var isPlace: Bool { self == .district || self == .street || self == .community }

    /// District 0, street 1, community 2 (other dimensions: no depth).
    public var depth: Int {
        switch self {
        case .district: return 0
        case .street: return 1
        case .community: return 2
        default: return -1
        }
    }
}

/// What is measured. Definitions are the contract's section 4.
public enum Metric: String, CaseIterable, Hashable, Sendable {
    case count, closedCount = "closed_count", closeRate = "close_rate", onTimeRate = "ontime_rate"
    case satisfactionRate = "satisfaction_rate", dissatisfactionRate = "dissatisfaction_rate"
    case resolveRate = "resolve_rate", avgHours = "avg_hours", overdueCount = "overdue_count", overdueRate = "overdue_rate"
    /// Callers with at least `QueryPlan.callerMin` tickets in the scope (per group when grouped).
    case repeatCallers = "repeat_callers"
    /// 日均 / 月均: 工单量 over the days (months) of the range, counted up to today.
    case perDay = "per_day", perMonth = "per_month"

    /// The report row (各项指标/综合情况/主要指标), contract §9.3.
    public static let report: [Metric] = [.count, .closeRate, .onTimeRate, .satisfactionRate, .resolveRate, .avgHours, .overdueCount]

    public var label: String {
        switch self {
        case .count: return "工单量"
        case .closedCount: return "办结量"
        case .closeRate: return "办结率"
        case .onTimeRate: return "按时办结率"
        case .satisfactionRate: return "满意率"
        case .dissatisfactionRate: return "不满意率"
        case .resolveRate: return "解决率"
        case .avgHours: return "平均办理时长(小时)"
        case .overdueCount: return "超期工单数"
        case .overdueRate: return "超期率"
        case .repeatCallers: return "重复来电人数"
        case .perDay: return "日均工单量"
        case .perMonth: return "月均工单量"
        }
    }

    /// How a value of this measure is shown to people.
    public var kind: ColumnKind {
        if isRate { return .rate }
        switch self {
        case .avgHours: return .hours
        case .perDay, .perMonth: return .average
        default: return .count
        }
    }

    public var isRate: Bool {
        switch self {
        case .closeRate, .onTimeRate, .satisfactionRate, .dissatisfactionRate, .resolveRate, .overdueRate: return true
        default: return false
        }
    }

    public var isCount: Bool { self == .count || self == .closedCount || self == .overdueCount || self == .repeatCallers }

    public var definition: String {
        switch self {
        case .count: return "COUNT(*)"
        case .closedCount: return "status = '已办结' 的工单数"
        case .closeRate: return "办结量 / 工单量"
        case .onTimeRate: return "closed_at <= due_at 的办结工单 / 办结量"
        case .satisfactionRate: return "(满意 + 基本满意) / 已回访"
        case .dissatisfactionRate: return "不满意 / 已回访"
        case .resolveRate: return "resolved = 1 / 已评价"
        case .avgHours: return "已办结工单从受理到办结的平均小时数"
        case .overdueCount: return "closed_at > due_at，或未办结且 due_at < now"
        case .overdueRate: return "超期工单数 / 工单量（本项目的扩展，合同未定义）"
        case .repeatCallers: return "范围内有2件及以上工单的来电人数（分组时在组内计）"
        case .perDay: return "工单量 / 天数（未结束的时段算到今天）"
        case .perMonth: return "工单量 / 月数（未结束的时段算到本月）"
        }
    }
}

/// Yes/no conditions on a ticket named by everyday words (紧急, 没办结, 超期, 不满意…).
public enum Flag: String, CaseIterable, Hashable, Sendable {
    case urgent, open, closed, overdue, satisfied, unsatisfied, resolved, unresolved, rated
    case pending, inProgress = "in_progress"
    case workday, weekend
    /// The ticket's caller has 2 or more tickets in the same scope (重复来电的工单).
    case repeatCaller = "repeat_caller"

    public var label: String {
        switch self {
        case .urgent: return "紧急"
        case .open: return "未办结"
        case .closed: return "已办结"
        case .overdue: return "超期"
        case .satisfied: return "满意"
        case .unsatisfied: return "不满意"
        case .resolved: return "已解决"
        case .unresolved: return "未解决"
        case .rated: return "已回访"
        case .pending: return "待派单"
        case .inProgress: return "办理中"
        case .workday: return "工作日"
        case .weekend: return "周末"
        case .repeatCaller: return "重复来电"
        }
    }
}

/// Trend granularity.
public enum Grain: String, Hashable, Sendable {
    case day, week, month, quarter, year

    public var label: String {
        switch self {
        case .day: return "按日"
        case .week: return "按周"
        case .month: return "按月"
        case .quarter: return "按季度"
        case .year: return "按年"
        }
    }
}

/// Comparison baselines.
public enum CompareKind: String, Hashable, Sendable {
    case previous   // 环比
    case lastYear   // 同比 / 去年同期
}

/// One piece of meaning found in a question; the plan builder assembles them.
public enum Slot: Hashable, Sendable {
    case time(TimeExpr)
    case compareTo(TimeExpr)
    case compare(CompareKind)
    case filter(Dimension, String)
    case place(String)
    case flag(Flag)
    case metric(Metric)
    case group(Dimension)
    case grain(Grain)
    case trend
    case share
    case list
    case limit(Int)
    case order(ascending: Bool)
    case top
    case content(String)
    case callThreshold(Int, strict: Bool)
    case repeatCallers
    case countWord
    case followup
    case replace
    case rowRef(Int, Dimension?)
    case thisRef(Dimension)
    case wholeCity
    case noTime
    /// 去年同期: a comparison, or in a follow-up without 比, the same period last year.
    case samePeriodLastYear
    /// Words that ask for a comparison (比, 相比, 增长, 多了…).
    case versus
    /// 突增/预警: which groups grew most against the period before.
    case spike
    case refuse(String)
    /// Several measures at once (三率, 各项指标); `note` says what the store cannot give.
    case metrics([Metric], note: String?)
    /// A condition on a group's measure (满意率低于80%, 平均办理时长超过2天).
    case threshold(Comparison, Quantity)
    /// 排第几 / 的排名: the position of one member among its groups.
    case rankPosition
    /// 前N名和后N名 / 红黑榜.
    case topBottom(Int?)
    /// 增加最多 / 下降最多 / 增长最快: groups ordered by their change between two periods.
    case change(ChangeOrder, ascending: Bool)
    /// 占 / 在…里: conditions after it are the share's denominator.
    case shareSplit
    /// 本区 / 本渠道…: a share inside each group.
    case ownGroup
    /// 和 / 与 / 及 / 、 between two values.
    case joiner
    /// 预警 / 未诉先办: the warning list.
    case warnings
    /// 工单 / 诉求 / 件…: names the thing counted (no condition of its own).
    case subject
    /// 排名 / 排行 with no direction of its own.
    case rankWord
}

/// A comparison on a measure (contract §9.4).
public enum Comparison: String, Hashable, Sendable {
    case lt, le, gt, ge
    /// Internal: the measure has a value (NULL groups left out).
    case notNull

    public var word: String {
        switch self {
        case .notNull: return "有值"
        case .lt: return "低于"
        case .le: return "不超过"
        case .gt: return "超过"
        case .ge: return "不低于"
        }
    }
    public var sql: String {
        switch self {
        case .notNull: return "IS NOT NULL"
        case .lt: return "<"
        case .le: return "<="
        case .gt: return ">"
        case .ge: return ">="
        }
    }
}

/// A number as the question wrote it: a plain number, a ratio (80%, 八成, 三分之一) or a duration in hours.
public enum Quantity: Hashable, Sendable {
    case number(Double)
    case ratio(Double)
    case hours(Double)
}

/// How a grouped comparison is ordered.
public enum ChangeOrder: String, Hashable, Sendable {
    case delta, rate
}

/// How a column's values are shown (JSON keeps full precision whatever the kind).
public enum ColumnKind: String, Hashable, Sendable {
    case text, count, rate, hours, average, number
    /// Free text from callers (诉求内容): phone and ID numbers in it are masked.
    case content
}
