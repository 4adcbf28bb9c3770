/// The contract's `tickets` table: the only table wenshu reads.
public enum TicketSchema {
    public static let columns = [
        "id", "created_at", "channel", "kind", "category", "subcategory", "district", "street",
        "community", "address", "content", "department", "status", "urgent", "due_at", "closed_at",
        "satisfaction", "resolved", "caller",
    ]

    public static let createSQL = """
    CREATE TABLE tickets (
      id           TEXT PRIMARY KEY,
      created_at   TEXT NOT NULL,
      channel      TEXT NOT NULL,
      kind         TEXT NOT NULL,
      category     TEXT NOT NULL,
      subcategory  TEXT,
      district     TEXT,
      street       TEXT,
      community    TEXT,
      address      TEXT,
      content      TEXT NOT NULL,
      department   TEXT,
      status       TEXT NOT NULL,
      urgent       INTEGER NOT NULL,
      due_at       TEXT NOT NULL,
      closed_at    TEXT,
      satisfaction TEXT,
      resolved     INTEGER,
      caller       TEXT NOT NULL
    )
    """

    /// Indexes that wenshu's own stores carry (never required of a store opened with --db).
    public static let indexSQL = [
        "CREATE INDEX IF NOT EXISTS idx_tickets_created ON tickets(created_at)",
        "CREATE INDEX IF NOT EXISTS idx_tickets_district_created ON tickets(district, created_at)",
        "CREATE INDEX IF NOT EXISTS idx_tickets_street_created ON tickets(street, created_at)",
        "CREATE INDEX IF NOT EXISTS idx_tickets_sub_created ON tickets(subcategory, created_at)",
    ]

    /// Checks that a store has the contract's table and columns.
    public static func validate(_ db: Database) throws {
        let have = Set(db.columns(of: "tickets"))
        if have.isEmpty {
            throw StoreError(.notATicketStore, "\(db.path) 不是工单库：没有 tickets 表。请检查 --db 路径，或用 `wenshu seed` 生成演示库。")
        }
        let missing = columns.filter { !have.contains($0) }
        if !missing.isEmpty {
            throw StoreError(.notATicketStore, "\(db.path) 不是合同规定的工单库：tickets 表缺少列 \(missing.joined(separator: ", "))。")
        }
    }
}
