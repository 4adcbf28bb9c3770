import Foundation
import PGTestSupport
import XCTest
@testable import WenshuCore
@testable import WenshuPostgres
@testable import WenshuServer

/// The server tests' tickets (`ServerTests.store`) loaded into a database of the private test
/// cluster, read through a role that may only SELECT them. Loaded once per test process.
enum ServerPG {
    static let database = "server_tests"
    static let reader = "wenshu_server_reader"
    static let password = "srv-\(UUID().uuidString.prefix(8))"
    nonisolated(unsafe) private static var loaded: Result<PostgresURL, Error>?
    private static let lock = NSLock()

    /// The reader's address; throws XCTSkip (with the reason) when PostgreSQL is not installed.
    static func url() throws -> PostgresURL {
        lock.lock(); defer { lock.unlock() }
        if loaded == nil {
            loaded = Result {
                let cluster = try PGCluster.shared()
                try cluster.createDatabase(database)
                try PostgresLoader.load(from: ServerTests.store, to: try cluster.url(database: database))
                try cluster.createReader(reader, password: password, database: database)
                return try cluster.url(user: reader, password: password, database: database)
            }
        }
        return try loaded!.get()
    }

    /// The address as `--db` takes it, password included (what must never be printed).
    static func address(user: String = reader, password: String = password) throws -> String {
        let u = try url()
        return "postgres://\(user):\(password)@127.0.0.1:\(u.port)/\(database)?sslmode=disable"
    }

    static func engine() throws -> Engine {
        try Engine(store: try PostgresStore.connect(try url()), resources: ServerTests.resources, now: ServerTests.now)
    }
}

/// Every HTTP API test of `ServerTests`, answered from PostgreSQL. (Linux's test discovery
/// lists only methods a class declares, hence one line per inherited test;
/// `testEveryServerAndBotTestRunsOnPostgres` keeps the lists complete.)
final class PostgresServerTests: ServerTests {
    override func makeEngine() throws -> Engine { try ServerPG.engine() }
    override var placeholder: String { "$" }

    override func testAskMatchesTheEngineAndCSV() async throws { try await super.testAskMatchesTheEngineAndCSV() }
    override func testSessionsCarryContext() async throws { try await super.testSessionsCarryContext() }
    override func testAuthAndErrors() async throws { try await super.testAuthAndErrors() }
    override func testRateLimit() async throws { try await super.testRateLimit() }
    override func testScopeCannotBeEscaped() async throws { try await super.testScopeCannotBeEscaped() }
    override func testSchemaSuggestHealthMetricsAudit() async throws { try await super.testSchemaSuggestHealthMetricsAudit() }
    override func testOpenAPIMatchesRoutesAndAnswers() async throws { try await super.testOpenAPIMatchesRoutesAndAnswers() }
    override func testParallelRequestsUseSeparateConnections() async throws { try await super.testParallelRequestsUseSeparateConnections() }
}

/// Every bot test of `BotTests` (DingTalk, WeCom, Feishu), answered from PostgreSQL.
final class PostgresBotTests: BotTests {
    override func makeEngine() throws -> Engine { try ServerPG.engine() }

    override func testDingTalk() async throws { try await super.testDingTalk() }
    override func testPublishedSampleVectors() async throws { try await super.testPublishedSampleVectors() }
    override func testWeComVerificationAndEncryptedMessages() async throws { try await super.testWeComVerificationAndEncryptedMessages() }
    override func testFeishuPlainAndEncrypted() async throws { try await super.testFeishuPlainAndEncrypted() }
}

final class PostgresCoverageTests: XCTestCase {
    /// A test added to ServerTests or BotTests without its line above would run on SQLite only.
    func testEveryServerAndBotTestRunsOnPostgres() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        func names(_ file: String, _ pattern: String) throws -> Set<String> {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let re = try NSRegularExpression(pattern: pattern)
            return Set(re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
                Range(m.range(at: 1), in: text).map { String(text[$0]) } })
        }
        let here = try names("PostgresServerTests.swift", #"override func (test\w+)\(\) async throws \{ try await super\."#)
        let base = try names("ServerTests.swift", #"\n    func (test\w+)\("#).union(try names("BotTests.swift", #"\n    func (test\w+)\("#))
        XCTAssertFalse(base.isEmpty)
        XCTAssertEqual(here, base, "missing on PostgreSQL: \(base.subtracting(here).sorted())")
    }
}

/// The real `wenshu serve --db postgres://…` binary: the same answers as on the SQLite file,
/// the config's `db` key, and no password in anything it prints or logs.
final class PostgresServeTests: XCTestCase {
    static let cityToken = "city-token-0001"
    static let xihuToken = "xihu-token-0001"

    func config(_ extra: [String: Any] = [:]) -> [String: Any] {
        var c: [String: Any] = [
            "tokens": [["token": Self.cityToken, "name": "analyst", "scope": [String: Any]()],
                       ["token": Self.xihuToken, "name": "xihu", "scope": ["district": "西湖区"]]],
        ]
        for (k, v) in extra { c[k] = v }
        return c
    }

    static let questions = ["上个月各区工单量排名", "今年每个月的满意率", "近30天哪个部门承办的工单最多", "今年各渠道来源占比",
                            "列出昨天的紧急工单", "近三个月来电5次以上的来电人有几个", "本季度每周的工单量走势", "10月份供水投诉同比增长多少"]

    /// What must agree between stores: everything but the SQL text, with rates to 1e-9
    /// (PostgreSQL divides in numeric, SQLite in double).
    func comparable(_ r: RawHTTP.Reply?) -> String {
        var j = r?.json ?? [:]
        j["sql"] = nil
        j["source"] = nil
        if let rows = j["rows"] as? [[Any]] {
            j["rows"] = rows.map { row in row.map { v -> Any in
                guard let n = v as? NSNumber else { return v }
                return String(format: "%.9g", n.doubleValue)
            } }
        }
        let data = (try? JSONSerialization.data(withJSONObject: j, options: [.sortedKeys])) ?? Data()
        return "\(r?.status ?? 0) " + String(decoding: data, as: UTF8.self)
    }

    func testServeOnPostgresAnswersAsOnSQLiteAndNeverPrintsThePassword() throws {
        let address = try ServerPG.address()
        let audit = NSTemporaryDirectory() + "wenshu-pg-audit-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: audit) }
        let pg = try LiveServer(config: config(["audit_log": audit]), db: address)
        defer { pg.stop() }
        let lite = try LiveServer(config: config())
        defer { lite.stop() }
        for q in Self.questions {
            let a = pg.http.ask(q, token: Self.cityToken), b = lite.http.ask(q, token: Self.cityToken)
            XCTAssertEqual(a?.status, 200, q)
            XCTAssertEqual(comparable(a), comparable(b), q)
            XCTAssertTrue((a?.json["sql"] as? String ?? "").contains("$1") || a?.json["status"] as? String != "answered", "PostgreSQL's placeholders: \(q)")
        }
        // A scoped token stays in its scope on PostgreSQL too.
        let denied = pg.http.ask("上个月拱墅区工单量", token: Self.xihuToken)
        XCTAssertEqual(denied?.status, 403)
        XCTAssertEqual(comparable(pg.http.ask("上个月各区工单量排名", token: Self.xihuToken)), comparable(lite.http.ask("上个月各区工单量排名", token: Self.xihuToken)))
        let auth = ["Authorization": "Bearer \(Self.xihuToken)"]
        XCTAssertEqual(comparable(pg.http.request("GET", "/v1/schema", headers: auth)), comparable(lite.http.request("GET", "/v1/schema", headers: auth)))
        // The database ends every session of the role (a restart, an administrator): the
        // workers open new connections, and the next questions are answered.
        try PGCluster.shared().admin(["SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(ServerPG.reader)'"])
        for q in Self.questions.prefix(4) {
            XCTAssertEqual(comparable(pg.http.ask(q, token: Self.cityToken)), comparable(lite.http.ask(q, token: Self.cityToken)), "after the sessions ended: \(q)")
        }
        pg.stop()
        let printed = pg.stderr
        XCTAssertTrue(printed.contains("wenshu serve: store postgres://\(ServerPG.reader)@127.0.0.1:"), printed)
        XCTAssertFalse(printed.contains(ServerPG.password), "the password is never printed: \(printed)")
        let log = try String(contentsOfFile: audit, encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, Self.questions.count + 6)
        XCTAssertFalse(log.contains(ServerPG.password), "the password is never in the audit log")
    }

    func testConfigDbKeyIsUsedWithoutDbOption() throws {
        // A postgres:// address in serve.json.
        let pg = try LiveServer(config: config(["db": try ServerPG.address()]), db: nil)
        defer { pg.stop() }
        let a = pg.http.ask("上个月各区工单量排名", token: Self.cityToken)
        XCTAssertEqual(a?.json["status"] as? String, "answered")
        XCTAssertTrue(pg.stderr.contains("store postgres://\(ServerPG.reader)@"), pg.stderr)
        XCTAssertFalse(pg.stderr.contains(ServerPG.password))
        // A SQLite path in serve.json; --db, when given, wins over it.
        let lite = try LiveServer(config: config(["db": ServerTests.store]), db: nil)
        defer { lite.stop() }
        XCTAssertTrue(lite.stderr.contains("store \(ServerTests.store)"), lite.stderr)
        XCTAssertEqual(comparable(lite.http.ask("上个月各区工单量排名", token: Self.cityToken)), comparable(a))
        let both = try LiveServer(config: config(["db": "/nonexistent/wenshu.db"]), db: ServerTests.store)
        defer { both.stop() }
        XCTAssertEqual(both.http.ask("今年工单量", token: Self.cityToken)?.status, 200)
        // A db key that is not a string is a clear error at start.
        let bad = try LiveBinary.tempFile("serve.json", #"{"tokens": [{"token": "city-token-0001", "name": "a"}], "db": 5}"#)
        let r = try LiveBinary.run(["serve", "--config", bad, "--port", "0"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("db 需要"), r.err)
    }

    func testBenchOnPostgresMeasuresTheRawPath() throws {
        let questions = try LiveBinary.tempFile("questions.txt", Self.questions.joined(separator: "\n") + "\n删除所有工单\n")
        let r = try LiveBinary.run(["bench", "--db", try ServerPG.address(), "--now", "2026-11-29 10:00:00", "--repeats", "2", "--questions", questions])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("analytics cache: not available (SQLite stores only"), r.out)
        let line = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix("ask, raw path only (postgres://\(ServerPG.reader)@127.0.0.1:") }, r.out)
        XCTAssertTrue(line.contains("\(Self.questions.count) answered questions"), String(line))
        XCTAssertTrue(line.contains("0 errors") && line.contains("1 not answered"), String(line))
        XCTAssertFalse((r.out + r.err).contains(ServerPG.password))
    }

    func testRefusalsNeverPrintThePassword() throws {
        _ = try ServerPG.url()
        let cfg = try LiveBinary.tempFile("serve.json", String(decoding: try JSONSerialization.data(withJSONObject: config()), as: UTF8.self))
        // A wrong password: refused at start, the attempted password not echoed.
        let wrong = "wr0ng-\(UUID().uuidString.prefix(6))"
        let r1 = try LiveBinary.run(["serve", "--config", cfg, "--port", "0", "--db", try ServerPG.address(password: wrong)])
        XCTAssertEqual(r1.status, 1)
        XCTAssertTrue(r1.err.contains("postgres://\(ServerPG.reader)@127.0.0.1:"), r1.err)
        XCTAssertFalse((r1.out + r1.err).contains(wrong), r1.err)
        // The superuser can write the table: serve refuses to start on it.
        let r2 = try LiveBinary.run(["serve", "--config", cfg, "--port", "0", "--db", try ServerPG.address(user: PGCluster.admin, password: PGCluster.adminPassword)])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.err.contains("只读"), r2.err)
        XCTAssertFalse((r2.out + r2.err).contains(PGCluster.adminPassword), r2.err)
    }
}

/// The `db` key of serve.json, parsed.
final class ServerConfigDbTests: XCTestCase {
    func testDbKey() throws {
        let tokens: [[String: Any]] = [["token": "city-token-0001", "name": "a"]]
        XCTAssertNil(try ServerConfig.parse(["tokens": tokens]).db)
        XCTAssertEqual(try ServerConfig.parse(["tokens": tokens, "db": "postgres://r@h/db"]).db, "postgres://r@h/db")
        XCTAssertEqual(try ServerConfig.parse(["tokens": tokens, "db": "/var/lib/wenshu/t.db"]).db, "/var/lib/wenshu/t.db")
        for bad: Any in [5, "", "  ", ["x"]] {
            XCTAssertThrowsError(try ServerConfig.parse(["tokens": tokens, "db": bad]), "\(bad)")
        }
    }
}
