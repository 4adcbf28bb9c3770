/// The slots of one question, sorted by kind, before they meet a conversation.
struct Draft {
    var time: TimeExpr?
    var noTime = false
    var compare: CompareSpec?
    var filters: [(Dimension, String)] = []
    var places: [String] = []
    var flags: [Flag] = []
    var metric: Metric?
    var groups: [Dimension] = []
    var grain: Grain?
    var trend = false
    var share = false
    var list = false
    var limit: Int?
    var ascending: Bool?
    var top = false
    var content: [String] = []
    var threshold: (Int, Bool)?
    var repeatCallers = false
    var countWord = false
    var followup = false
    var replace = false
    var rowRef: (Int, Dimension?)?
    var wholeCity = false
    var samePeriod = false
    var versus = false
    var spike = false
    var having: (Int, Bool)?
    var refusals: [String] = []
    /// Conditions in question order, and how many came before the share word (占比 of what).
    enum Condition { case filter(Dimension, String), place(String), flag(Flag) }
    var conditions: [Condition] = []
    var conditionsBeforeShare: Int?

    init(_ slots: [Slot]) {
        for s in slots {
            switch s {
            case .time(let t): if time == nil { time = t } else if compare == nil { compare = .to(t) }
            case .compareTo(let t): compare = .to(t)
            case .compare(let k): compare = k == .previous ? .previous : .lastYear
            case .filter(let d, let v): filters.append((d, v)); conditions.append(.filter(d, v))
            case .place(let p): places.append(p); conditions.append(.place(p))
            case .flag(let f): flags.append(f); conditions.append(.flag(f))
            case .metric(let m): metric = m
            case .group(let d): if !groups.contains(d) { groups.append(d) }
            case .grain(let g): grain = g
            case .trend: trend = true
            case .share: share = true; if conditionsBeforeShare == nil { conditionsBeforeShare = conditions.count }
            case .list: list = true
            case .limit(let n): limit = n
            case .order(let asc): ascending = asc
            case .top: top = true
            case .content(let c): if !content.contains(c) { content.append(c) }
            case .callThreshold(let n, let strict): threshold = (n, strict)
            case .repeatCallers: repeatCallers = true
            case .countWord: countWord = true
            case .followup: followup = true
            case .replace: replace = true
            case .rowRef(let n, let d): rowRef = (n, d)
            case .thisRef(let d): rowRef = (1, d)
            case .wholeCity: wholeCity = true
            case .noTime: noTime = true
            case .samePeriodLastYear: samePeriod = true
            case .versus: versus = true
            case .spike: spike = true
            case .having(let n, let strict): having = (n, strict)
            case .refuse(let why): refusals.append(why)
            }
        }
    }

    var asksMeasure: Bool {
        metric != nil || countWord || list || share || repeatCallers || threshold != nil || spike
    }

    var isFollowupShaped: Bool {
        followup || replace || rowRef != nil || (time == nil && !asksMeasure && content.isEmpty)
    }

    var isEmpty: Bool {
        time == nil && compare == nil && filters.isEmpty && places.isEmpty && flags.isEmpty && metric == nil
            && groups.isEmpty && grain == nil && !trend && !share && !list && limit == nil && !top && content.isEmpty
            && threshold == nil && !repeatCallers && !countWord && rowRef == nil && ascending == nil && !samePeriod && !spike && having == nil
    }
}
