import Foundation
import NIOCore
import PostgresNIO
import WenshuCore

/// Loads a SQLite ticket store into PostgreSQL with COPY (`wenshu seed --to`), then builds
/// the indexes the common questions use and updates the planner's statistics.
public enum PostgresLoader {
    /// How time columns are stored: `timestamp without time zone` (default) or the contract's TEXT.
    public enum TimeColumns: Sendable { case timestamp, text }

    /// The contract's table in PostgreSQL types. Text sorts byte-wise (COLLATE "C") as in
    /// SQLite, so rankings break ties in the same order on both stores.
    public static func createSQL(times: TimeColumns = .timestamp) -> String {
        let t = times == .timestamp ? "timestamp without time zone" : "text COLLATE \"C\""
        return """
        CREATE TABLE tickets (
          id           text COLLATE "C" PRIMARY KEY,
          created_at   \(t) NOT NULL,
          channel      text COLLATE "C" NOT NULL,
          kind         text COLLATE "C" NOT NULL,
          category     text COLLATE "C" NOT NULL,
          subcategory  text COLLATE "C",
          district     text COLLATE "C",
          street       text COLLATE "C",
          community    text COLLATE "C",
          address      text COLLATE "C",
          content      text COLLATE "C" NOT NULL,
          department   text COLLATE "C",
          status       text COLLATE "C" NOT NULL,
          urgent       smallint NOT NULL,
          due_at       \(t) NOT NULL,
          closed_at    \(t),
          satisfaction text COLLATE "C",
          resolved     smallint,
          caller       text COLLATE "C" NOT NULL
        )
        """
    }

    /// B-tree indexes for the filters most questions carry (time, place, category, each with
    /// time); BRIN on created_at instead of the B-tree when `brin` (tiny, for append-only tables
    /// whose physical order follows created_at).
    public static func indexSQL(brin: Bool = false) -> [String] {
        [
            brin ? "CREATE INDEX tickets_created_brin ON tickets USING brin (created_at)"
                 : "CREATE INDEX tickets_created ON tickets (created_at)",
            "CREATE INDEX tickets_district_created ON tickets (district, created_at)",
            "CREATE INDEX tickets_street_created ON tickets (street, created_at)",
            "CREATE INDEX tickets_sub_created ON tickets (subcategory, created_at)",
        ]
    }

    /// Copies every ticket of the SQLite file `from` into a new `tickets` table at `url`.
    /// Refuses when `tickets` already exists there (nothing is overwritten). Returns the count.
    @discardableResult
    public static func load(from path: String, to url: PostgresURL, times: TimeColumns = .timestamp, brin: Bool = false,
                            progress: @escaping @Sendable (Int) -> Void = { _ in }) throws -> Int {
        let source = try Database.openReadOnly(path)
        try TicketSchema.validate(source)
        let conn = try PostgresStore.open(url)
        defer { try? conn.close().wait() }
        let exists = try PostgresStore.run(conn, "SELECT to_regclass('tickets') IS NOT NULL", []).rows.first?.first
        if exists == .integer(1) {
            throw StoreError(.write, "\(url.label) 已有 tickets 表：为免覆盖数据，请换一个库或先删除它。")
        }
        let cols = TicketSchema.columns
        let cursor = try RowCursor(db: source, sql: "SELECT \(cols.joined(separator: ", ")) FROM tickets ORDER BY created_at, id")
        do {
            _ = try PostgresStore.run(conn, "BEGIN", [])
            _ = try PostgresStore.run(conn, createSQL(times: times), [])
            let count = try copy(cursor, into: conn, columns: cols, progress: progress)
            for sql in indexSQL(brin: brin) { _ = try PostgresStore.run(conn, sql, []) }
            _ = try PostgresStore.run(conn, "COMMIT", [])
            _ = try PostgresStore.run(conn, "ANALYZE tickets", [])
            return count
        } catch {
            _ = try? PostgresStore.run(conn, "ROLLBACK", [])
            if let e = error as? StoreError { throw e }
            throw StoreError(.write, "写入 \(url.label) 失败：\(PostgresStore.describe(error))")
        }
    }

    /// Streams rows through COPY … FROM STDIN in text format, about 1 MB per message.
    /// (The copy API is async; the CLI is not, so this thread waits for it.)
    static func copy(_ cursor: RowCursor, into conn: PostgresConnection, columns: [String], progress: @escaping @Sendable (Int) -> Void) throws -> Int {
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        nonisolated(unsafe) let cursor = cursor
        Task {
            do {
                var n = 0, reported = 0
                try await conn.copyFrom(table: "tickets", columns: columns, logger: PostgresStore.logger) { writer in
                    var buf = ByteBuffer()
                    while let row = try cursor.next() {
                        encode(row, into: &buf)
                        n += 1
                        if buf.readableBytes >= 1 << 20 {
                            try await writer.write(buf)
                            buf.clear()
                            if n / 100_000 != reported { reported = n / 100_000; progress(n) }
                        }
                    }
                    if buf.readableBytes > 0 { try await writer.write(buf) }
                }
                progress(n)
                outcome.set(.success(n))
            } catch {
                outcome.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return try outcome.get()
    }

    /// One row in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
    static func encode(_ row: [DBValue], into buf: inout ByteBuffer) {
        for (i, v) in row.enumerated() {
            if i > 0 { buf.writeStaticString("\t") }
            switch v {
            case .null: buf.writeStaticString("\\N")
            case .integer(let x): buf.writeString(String(x))
            case .real(let x): buf.writeString("\(x)")
            case .text(let s):
                var t = ""
                t.reserveCapacity(s.utf8.count)
                for ch in s.unicodeScalars {
                    switch ch {
                    case "\\": t += "\\\\"
                    case "\t": t += "\\t"
                    case "\n": t += "\\n"
                    case "\r": t += "\\r"
                    default: t.unicodeScalars.append(ch)
                    }
                }
                buf.writeString(t)
            }
        }
        buf.writeStaticString("\n")
    }

    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result<Int, Error> = .success(0)
        func set(_ r: Result<Int, Error>) { lock.lock(); value = r; lock.unlock() }
        func get() throws -> Int { lock.lock(); defer { lock.unlock() }; return try value.get() }
    }
}
