import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import WenshuCore

/// A PostgreSQL ticket store over one connection, with SQLite's guarantees in PostgreSQL's
/// terms: every statement runs alone in a READ ONLY transaction under `SET LOCAL
/// statement_timeout`, results stop at the row cap, and the store refuses a role that can
/// write `tickets` (the database itself then enforces read-only, whatever reaches it).
///
/// The engine is synchronous (as SQLite is), so calls block on futures of a private event loop
/// group; they must not be made from one of its loops (they never are: nothing else uses it).
public final class PostgresStore: TicketStore, @unchecked Sendable {
    public let url: PostgresURL
    public let policy: SQLPolicy
    /// Replaced when the server ends the session (see `query`); only under `lock`.
    private(set) var connection: PostgresConnection
    private var pid: Int32?
    /// One statement at a time on a connection; the server gives each worker its own store.
    private let lock = NSLock()
    private let pidLock = NSLock()
    var backendPID: Int32? {
        get { pidLock.lock(); defer { pidLock.unlock() }; return pid }
        set { pidLock.lock(); pid = newValue; pidLock.unlock() }
    }

    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let logger = Logger(label: "wenshu.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    nonisolated(unsafe) static var nextID = 0

    public var dialect: SQLDialect { PostgresDialect() }
    public var label: String { url.label }

    /// Opens a connection and checks the store: the contract's `tickets` table, and (unless
    /// `allowWriter`, used only by `wenshu seed --to`) a role that cannot change it.
    public static func connect(_ url: PostgresURL, policy: SQLPolicy = .tickets, allowWriter: Bool = false) throws -> PostgresStore {
        let conn = try open(url)
        do {
            let store = PostgresStore(url: url, policy: policy, connection: conn)
            if !allowWriter {
                try store.validate()
                try store.refuseWriter()
            }
            return store
        } catch {
            try? conn.close().wait()
            throw error
        }
    }

    private init(url: PostgresURL, policy: SQLPolicy, connection: PostgresConnection) {
        self.url = url
        self.policy = policy
        self.connection = connection
        self.pid = PostgresStore.backendPID(of: connection)
    }

    static func backendPID(of c: PostgresConnection) -> Int32? {
        let pid = try? PostgresStore.run(c, "SELECT pg_backend_pid()", []).rows.first?.first
        if case .integer(let p)? = pid { return Int32(truncatingIfNeeded: p) }
        return nil
    }

    deinit { try? connection.close().wait() }

    static func open(_ url: PostgresURL) throws -> PostgresConnection {
        var cfg: PostgresConnection.Configuration
        if let dir = url.socketDirectory {
            cfg = .init(unixSocketPath: (dir as NSString).appendingPathComponent(".s.PGSQL.\(url.port)"),
                        username: url.user, password: url.password, database: url.database)
        } else {
            cfg = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: try tls(url.sslMode))
        }
        cfg.options.connectTimeout = .seconds(10)
        cfg.options.additionalStartupParameters = [("application_name", "wenshu")]
        nextID += 1
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: cfg, id: nextID, logger: logger).wait()
        } catch {
            throw StoreError(.cannotOpen, "无法连接 PostgreSQL 工单库 \(url.label)：\(PostgresStore.describe(error))")
        }
    }

    static func tls(_ mode: PostgresURL.SSLMode) throws -> PostgresConnection.Configuration.TLS {
        var c = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return .disable
        case .allow, .prefer:
            c.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: c))
        case .require:
            c.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: c))
        case .verifyCA:
            c.certificateVerification = .noHostnameVerification
            return .require(try NIOSSLContext(configuration: c))
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: c))
        }
    }

    public func reopen(policy: SQLPolicy) throws -> TicketStore {
        // Already checked once; a second connection of the same role gets the same answers.
        PostgresStore(url: url, policy: policy, connection: try PostgresStore.open(url))
    }

    /// The contract's table with every column.
    func validate() throws {
        let r = try PostgresStore.run(connection, """
            SELECT column_name::text FROM information_schema.columns
            WHERE table_name = 'tickets' AND table_schema = ANY (current_schemas(false))
            """, [])
        let have = Set(r.rows.compactMap { $0.first?.stringValue })
        if have.isEmpty {
            throw StoreError(.notATicketStore, "\(label) 不是工单库：没有 tickets 表（或当前角色看不到它）。")
        }
        let missing = TicketSchema.columns.filter { !have.contains($0) }
        if !missing.isEmpty {
            throw StoreError(.notATicketStore, "\(label) 不是合同规定的工单库：tickets 表缺少列 \(missing.joined(separator: ", "))。")
        }
    }

    /// wenshu answers questions with a role that can only read: one that can write is refused.
    func refuseWriter() throws {
        let r = try PostgresStore.run(connection, """
            SELECT current_user::text, has_table_privilege(current_user, 'tickets', 'INSERT, UPDATE, DELETE, TRUNCATE'),
                   has_table_privilege(current_user, 'tickets', 'SELECT')
            """, [])
        guard let row = r.rows.first, row.count == 3 else { throw StoreError(.cannotOpen, "无法检查 \(label) 的权限。") }
        let role = row[0].stringValue ?? url.user
        if row[1] != .integer(0) {
            throw StoreError(.denied, "角色 \(role) 可以写入 tickets 表：问数只用只读角色连接（只授予 SELECT），以免任何语句改动数据。请按 README「PostgreSQL」一节创建只读角色。")
        }
        if row[2] != .integer(1) {
            throw StoreError(.denied, "角色 \(role) 不能读取 tickets 表：请授予 SELECT 权限。")
        }
    }

    public var catalogIdentity: String? {
        // Changes when rows are written (statistics counters) or the table is rewritten.
        let r = try? PostgresStore.run(connection, """
            SELECT current_database()::text, c.oid::bigint, pg_relation_filenode(c.oid)::bigint,
                   COALESCE(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, -1)::bigint, pg_relation_size(c.oid)::bigint
            FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
            WHERE c.oid = 'tickets'::regclass
            """, [])
        guard let row = r?.rows.first else { return nil }
        return "postgres|\(url.host)|\(url.socketDirectory ?? "")|\(url.port)|" + row.map(\.description).joined(separator: "|")
    }

    public func query(_ sql: String, _ params: [DBValue], rowCap: Int?) throws -> (columns: [String], rows: [[DBValue]], truncated: Bool) {
        lock.lock()
        defer { lock.unlock() }
        do {
            return try guarded(sql, params, rowCap: rowCap)
        } catch let e where connection.isClosed || PostgresStore.sessionEnded(e) {
            // The server ended the session (a restart, idle_session_timeout, pg_terminate_backend,
            // a dropped network path). Without this, a long-running `serve` would answer `error`
            // on that worker until restarted. Every statement is read-only, so one new
            // connection and one retry are safe; if that fails too, the first error stands.
            guard let fresh = try? PostgresStore.open(url) else { throw map(e, sql: sql) }
            try? connection.close().wait()
            connection = fresh
            backendPID = PostgresStore.backendPID(of: fresh)
            do { return try guarded(sql, params, rowCap: rowCap) } catch { throw map(error, sql: sql) }
        } catch {
            throw map(error, sql: sql)
        }
    }

    /// Errors that mean the connection is gone (not that the statement failed).
    static func sessionEnded(_ error: Error) -> Bool {
        if error is ConnectionLost { return true }
        guard let p = error as? PSQLError else { return false }
        if let state = p.serverInfo?[.sqlState] { return ["57P01", "57P02", "57P03", "08000", "08003", "08006"].contains(state) }
        return [.serverClosedConnection, .connectionError, .uncleanShutdown].contains(p.code)
    }

    /// The statement alone in a read-only transaction under the time cap; errors unmapped.
    private func guarded(_ sql: String, _ params: [DBValue], rowCap: Int?) throws -> (columns: [String], rows: [[DBValue]], truncated: Bool) {
        // PostgresNIO drops a statement written to a closed channel without failing its
        // future, so a closed connection is never used, and no wait is unbounded: the server
        // cancels at the time cap, so no reply long after it means the session is gone.
        if connection.isClosed { throw ConnectionLost() }
        let ms = max(1, Int(policy.timeCap * 1000))
        let limit = policy.timeCap + 15
        do {
            _ = try PostgresStore.run(connection, "BEGIN TRANSACTION READ ONLY", [], limit: limit)
            _ = try PostgresStore.run(connection, "SET LOCAL statement_timeout = \(ms)", [], limit: limit)
        } catch {
            if !connection.isClosed { _ = try? PostgresStore.run(connection, "ROLLBACK", [], limit: limit) }
            throw error
        }
        defer { if !connection.isClosed { _ = try? PostgresStore.run(connection, "ROLLBACK", [], limit: limit) } }
        return try PostgresStore.run(connection, sql, params, rowCap: rowCap ?? policy.rowCap, limit: limit)
    }

    /// Cancels the running statement through a second connection (not from a signal handler).
    public func interrupt() {
        guard let pid = backendPID, let c = try? PostgresStore.open(url) else { return }
        _ = try? PostgresStore.run(c, "SELECT pg_cancel_backend($1)", [.integer(Int64(pid))])
        try? c.close().wait()
    }

    /// Runs one statement outside any guard (checks, transaction control, seeding). With a
    /// `limit` (seconds), a reply that does not come by then closes the connection and
    /// throws `ConnectionLost`; without one (loading, index builds) the wait is unbounded.
    static func run(_ c: PostgresConnection, _ sql: String, _ params: [DBValue], rowCap: Int = .max, limit: Double? = nil) throws -> (columns: [String], rows: [[DBValue]], truncated: Bool) {
        var binds = PostgresBindings(capacity: params.count)
        for p in params {
            switch p {
            case .null: binds.appendNull()
            case .integer(let i): binds.append(Untyped(String(i)))
            case .real(let d): binds.append(Untyped("\(d)"))
            case .text(let s): binds.append(Untyped(s))
            }
        }
        let box = Collector(cap: rowCap)
        let future = c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) { row in box.add(row) }
        if let limit {
            let replied = DispatchSemaphore(value: 0)
            future.whenComplete { _ in replied.signal() }
            if replied.wait(timeout: .now() + limit) == .timedOut {
                c.close().whenComplete { _ in }
                throw ConnectionLost()
            }
        }
        _ = try future.wait()
        return box.result()
    }

    func map(_ error: Error, sql: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let p = error as? PSQLError, let info = p.serverInfo {
            let state = info[.sqlState] ?? "", msg = info[.message] ?? ""
            switch state {
            case "57014" where msg.contains("statement timeout"):
                return StoreError(.timeout, "查询超过 \(Int(policy.timeCap)) 秒上限，已中止。请缩小时间范围或条件后再试。", sql: sql)
            case "57014": return StoreError(.cancelled, "查询已取消。", sql: sql)
            case "42P01", "42703": return StoreError(.notATicketStore, "这不是一个工单库：\(msg)。", sql: sql)
            case "25006", "42501": return StoreError(.denied, "SQL 校验未通过：\(msg)", sql: sql)
            default: return StoreError(.step, "查询失败：\(msg)（SQLSTATE \(state)）", sql: sql)
            }
        }
        return StoreError(.step, "查询失败：\(PostgresStore.describe(error))", sql: sql)
    }

    /// A connection or server error in words, without the connection's configuration.
    static func describe(_ error: Error) -> String {
        if let p = error as? PSQLError {
            if let info = p.serverInfo { return (info[.message] ?? "") + ((info[.sqlState]).map { "（SQLSTATE \($0)）" } ?? "") }
            if let u = p.underlying { return "\(u)" }
            return "\(p.code)"
        }
        return "\(error)"
    }
}

/// The connection is closed, or gave no reply long past the time cap.
struct ConnectionLost: Error, CustomStringConvertible {
    var description: String { "与 PostgreSQL 的连接已断开" }
}

/// A value sent as text with no declared type, so the server infers it from where it is
/// used (`created_at >= $1` makes it a timestamp, `LIMIT $1` a bigint): SQLite's loose typing.
struct Untyped: PostgresDynamicTypeEncodable {
    let text: String
    init(_ text: String) { self.text = text }
    var psqlType: PostgresDataType { PostgresDataType(0) }
    var psqlFormat: PostgresFormat { .text }
    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}

/// Collects rows on the event loop up to the cap.
final class Collector: @unchecked Sendable {
    let cap: Int
    private let lock = NSLock()
    private var columns: [String] = []
    private var rows: [[DBValue]] = []
    private var truncated = false
    init(cap: Int) { self.cap = cap }

    func add(_ row: PostgresRow) {
        lock.lock(); defer { lock.unlock() }
        if rows.count >= cap { truncated = true; return }
        var out: [DBValue] = []
        var names: [String] = []
        for cell in row {
            out.append(PGValue.decode(cell))
            if columns.isEmpty { names.append(cell.columnName) }
        }
        if columns.isEmpty { columns = names }
        rows.append(out)
    }

    func result() -> (columns: [String], rows: [[DBValue]], truncated: Bool) {
        lock.lock(); defer { lock.unlock() }
        return (columns, rows, truncated)
    }
}
