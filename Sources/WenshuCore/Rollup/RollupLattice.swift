/// The rollups the cache holds. Not one wide table: at a million tickets a day-grain table
/// over every dimension has about as many rows as the store. Instead a few narrow ones,
/// each with the parent levels of its finest dimension (free: a street lies in one
/// district, a subcategory in one category), each at day and month grain. The store is read
/// once (RollupScan) into every `source: nil` entry; coarser tables are summed from finer ones.
/// Row counts per table are kept in the cache (`wenshu cache --db …` prints them); the README
/// lists them for 1,000,000 tickets.
public enum RollupLattice {
    public struct Entry: Sendable {
        public let name: String
        public let dims: [String]
        /// The table it is summed from (same grain); nil = the store.
        public let source: String?
        /// Month only: at day grain these would have nearly as many rows as the store
        /// (1,000,000 tickets: scat 898k, dept 737k rows by day).
        public var monthOnly = false
        /// With monthOnly: also a day table of the recent months only (RollupScan.daysFrom):
        /// the days at the end of 今年以来 or in 近30天 without the whole history's rows.
        public var recentDays = false
    }

    public static let entries: [Entry] = [
        Entry(name: "street", dims: ["district", "street", "status", "urgent"], source: nil),
        Entry(name: "district", dims: ["district", "status", "urgent"], source: "street"),
        Entry(name: "total", dims: ["status", "urgent"], source: "district"),
        Entry(name: "community", dims: ["district", "street", "community"], source: nil),
        Entry(name: "dkc", dims: ["district", "kind", "channel", "status", "urgent"], source: nil),
        Entry(name: "dkind", dims: ["district", "kind", "status", "urgent"], source: "dkc"),
        Entry(name: "kind", dims: ["kind", "channel", "status", "urgent"], source: "dkc"),
        Entry(name: "channel", dims: ["district", "channel", "kind"], source: "dkc"),
        Entry(name: "cat", dims: ["kind", "category", "subcategory", "status", "urgent"], source: nil),
        // A category's share of all tickets names nothing else: a fifth of cat's rows.
        Entry(name: "subcat", dims: ["category", "subcategory"], source: "cat"),
        Entry(name: "scat", dims: ["district", "street", "kind", "category", "subcategory"], source: nil, monthOnly: true, recentDays: true),
        // By day for the questions of the last N days the benchmark mix asks most (a district's
        // streets by kind, a subcategory's complaints in a district, a department's tickets):
        // 1,000,000 tickets give 600k, 322k and 256k rows by day.
        Entry(name: "dcat", dims: ["district", "kind", "category", "subcategory"], source: nil),
        Entry(name: "skind", dims: ["district", "street", "kind"], source: nil),
        Entry(name: "ddept", dims: ["department", "district"], source: nil),
        Entry(name: "dept", dims: ["department", "district", "kind", "category", "subcategory"], source: nil, monthOnly: true, recentDays: true),
    ]

    /// The tables of an entry, as built: its month and year tables, and its day table unless
    /// monthOnly without recentDays. (A year table is summed from the month table: 今年 and 去年
    /// read a year's rows once instead of twelve months' rows, 40% of the benchmark mix's time.)
    static func tableNames(_ e: Entry) -> [String] {
        let coarse = [tableName(e.name, .month), tableName(e.name, .year)]
        return e.monthOnly && !e.recentDays ? coarse : [tableName(e.name, .day)] + coarse
    }

    /// The entry's day table of recent days only, if it has one.
    static func recentDayTable(_ e: Entry) -> String? {
        e.monthOnly && e.recentDays ? tableName(e.name, .day) : nil
    }

    static func tableName(_ entry: String, _ grain: RollupGrain) -> String {
        switch grain {
        case .day: return "r_\(entry)_d"
        case .month: return "r_\(entry)_m"
        case .year: return "r_\(entry)_y"
        }
    }
}
