/// The additive parts every contract measure is built from. A rate is one part over
/// another, an average a sum over a count: summing parts over a rollup's rows gives the
/// same number as counting tickets. 超期 depends on `now` and has no part.
enum Tally: CaseIterable, Hashable, Sendable {
    case closed, onTime, satisfied, unsatisfied, rated, resolvedYes, resolvedNo, resolvedKnown, overdue
}

/// How coarse a rollup's time column is: a day rollup answers any range (ranges are whole
/// days); a month rollup answers ranges from a 1st to a 1st and trends by month or coarser;
/// a year rollup answers ranges from a 1 January to a 1 January (今年, 去年, all time) and
/// trends by year.
public enum RollupGrain: String, Sendable, Hashable {
    case day, month, year
}

/// One table of the analytics cache: `created_at` (the day or month, as a timestamp at its
/// start), dimension columns, and one column per additive part. A cell may be held by more
/// than one row (tickets folded in later add rows): every statement sums over rows.
public struct RollupTable: Sendable, Hashable {
    public let name: String
    public let dims: [String]
    public let grain: RollupGrain
    public let rows: Int
    /// Set on the views the router writes over a table (RollupRouter.view): what its rows hold.
    var view: RollupView?
    /// A day table of recent days only: it holds every ticket whose day (as text) is at or
    /// after this timestamp, and none before. nil: every day.
    public var daysFrom: String?
    /// How many days (months) hold rows: with `rows`, how many rows a range of them reads.
    public var periods = 0

    /// The same, for the router's subset tests.
    let dimSet: Set<String>

    public init(name: String, dims: [String], grain: RollupGrain, rows: Int) {
        self.name = name
        self.dims = dims
        self.dimSet = Set(dims)
        self.grain = grain
        self.rows = rows
    }

    /// About how many rows a range of `days` days reads (every row when nil: all time).
    func rowsRead(days: Int?) -> Double {
        guard let days, periods > 0 else { return Double(rows) }
        let perPeriod = Double(rows) / Double(periods)
        switch grain {
        case .day: return perPeriod * max(1, Double(days))
        case .month: return perPeriod * max(1, Double(days) / 30.4)
        case .year: return perPeriod * max(1, Double(days) / 365.2)
        }
    }

    /// The compiler leaves out a flag the view's rows already satisfy.
    func absorbs(_ f: Flag) -> Bool {
        if case .flagged(let g)? = view { return g == f }
        return false
    }

    /// The part columns: the count of tickets, then one count per tally (none for overdue),
    /// then the closed tickets' summed hours and how many of them have hours.
    static let countColumn = "c_all"
    static let partColumns: [(Tally, String)] = [
        (.closed, "c_closed"), (.onTime, "c_ontime"), (.satisfied, "c_sat"), (.unsatisfied, "c_unsat"), (.rated, "c_rated"),
        (.resolvedYes, "c_res_yes"), (.resolvedNo, "c_res_no"), (.resolvedKnown, "c_res_known"),
    ]
    static let hoursSum = "h_sum", hoursCount = "h_n"
    /// Closed late (closed_at > due_at): the half of 超期 that does not depend on `now`.
    /// The other half, open tickets past due at `now`, comes from the open-tickets table.
    static let lateColumn = "c_late"
    /// The 超期 count of a view that joins the open-tickets table.
    static let overdueColumn = "c_over"
    static var valueColumns: [String] { [countColumn] + partColumns.map(\.1) + [hoursSum, hoursCount, lateColumn] }

    static func column(_ t: Tally) -> String? { partColumns.first { $0.0 == t }?.1 }

    /// The column of a part on this table (or view), "NULL" when it has none.
    func partColumn(_ t: Tally) -> String {
        if t == .overdue { return view == .overdueMeasured ? RollupTable.overdueColumn : "NULL" }
        return RollupTable.column(t) ?? "NULL"
    }

    /// Every column of the table, for the SQL guard's policy.
    var columns: [String] { ["created_at"] + dims + RollupTable.valueColumns }

    /// COUNT(*) / SUM(condition) / SUM(period) / SUM(period AND condition) of the raw SQL,
    /// with the same NULL behaviour: a cell's part is NULL exactly when every ticket's
    /// condition was NULL, and SUM skips NULLs the same way at both levels.
    func tally(_ t: Tally?, within p: Fragment?) -> Fragment {
        let col = t.map { partColumn($0) } ?? RollupTable.countColumn
        guard let p else { return t == nil ? Fragment("COALESCE(SUM(\(col)), 0)") : Fragment("SUM(\(col))") }
        // Outside the period a ticket counts 0 (not NULL), whatever its condition.
        return Fragment("SUM(CASE WHEN ") + p + Fragment(" THEN \(col) ELSE 0 END)")
    }

    /// AVG(hours) over closed tickets = summed hours / tickets with hours.
    func averageHours(within p: Fragment?) -> Fragment {
        guard let p else { return Fragment("SUM(\(RollupTable.hoursSum)) / NULLIF(SUM(\(RollupTable.hoursCount)), 0)") }
        return Fragment("SUM(CASE WHEN ") + p + Fragment(" THEN \(RollupTable.hoursSum) END) / NULLIF(SUM(CASE WHEN ") + p
            + Fragment(" THEN \(RollupTable.hoursCount) END), 0)")
    }

    /// A share's numerator: one measured flag alone sums its part; conditions on the
    /// table's own columns weight each row by its ticket count (a NULL condition stays NULL).
    func shareSum(_ ts: [QueryPlan.ShareTarget], condition: Fragment) -> Fragment {
        if ts.count == 1, case .flag(let f) = ts[0], let t = RollupRouter.tallyFlags[f] {
            return Fragment("SUM(\(partColumn(t)))")
        }
        return Fragment("SUM((") + condition + Fragment(") * \(RollupTable.countColumn))")
    }
}

/// What the rows of a router's view (a CTE over one rollup table) hold.
enum RollupView: Sendable, Hashable {
    /// Only tickets with this flag: `c_all` counts them, no other part is there.
    case flagged(Flag)
    /// Every part, plus `c_over`: closed late from the table, open past due from the open table.
    case overdueMeasured
}

/// The open tickets (closed_at IS NULL), one row each: all that 超期 needs besides the closed
/// late ones, kept small (1,000,000 seeded tickets: 7,787 rows) and compared with `now` at
/// answer time.
enum OpenTickets {
    static let name = "r_open"
    static let dims = ["district", "street", "community", "kind", "channel", "category", "subcategory", "department", "status", "urgent"]
    /// `created_at` is the day (as in the day tables), `month` the month (as in the month tables).
    static var columns: [String] { ["created_at", "month"] + dims + ["due_at", RollupTable.countColumn] }
}
