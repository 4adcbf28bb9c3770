import Foundation
import XCTest
@testable import WenshuCore
@testable import WenshuPostgres
import PGTestSupport

/// SQLite's guarantees in PostgreSQL's terms, against the real server.
final class PostgresSafetyTests: XCTestCase {
    func testRoleThatCanWriteIsRefused() throws {
        let s = try PostgresParityTests.stores()
        let cluster = try PGCluster.shared()
        // The superuser can write everything.
        XCTAssertThrowsError(try PostgresStore.connect(try cluster.url(database: "parity"))) { e in
            XCTAssertEqual((e as? StoreError)?.code, .denied)
            XCTAssertTrue((e as? StoreError)?.message.contains("只读") ?? false, "\(e)")
        }
        // A role granted only INSERT beside SELECT is refused too.
        try cluster.admin(["DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wenshu_writer') THEN CREATE ROLE wenshu_writer LOGIN PASSWORD 'w'; END IF; END$$"])
        try cluster.admin(["GRANT SELECT, INSERT ON tickets TO wenshu_writer"], database: "parity")
        XCTAssertThrowsError(try PostgresStore.connect(try cluster.url(user: "wenshu_writer", password: "w", database: "parity"))) { e in
            XCTAssertEqual((e as? StoreError)?.code, .denied)
        }
        // The reader is accepted.
        XCTAssertNoThrow(try PostgresStore.connect(s.pg))
    }

    func testStatementPastTheTimeCapIsCancelled() throws {
        let s = try PostgresParityTests.stores()
        var policy = SQLPolicy.tickets
        policy.timeCap = 0.3
        let store = try PostgresStore.connect(s.pg, policy: policy)
        let t0 = Date()
        XCTAssertThrowsError(try store.query("SELECT pg_sleep(5)", [], rowCap: nil)) { e in
            XCTAssertEqual((e as? StoreError)?.code, .timeout, "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 4, "cancelled by statement_timeout, not after the sleep")
        // The connection is usable afterwards (the failed transaction was rolled back).
        let r = try store.query("SELECT COUNT(*) FROM tickets", [], rowCap: nil)
        XCTAssertEqual(r.rows.first?.first, .integer(20_000))
    }

    func testTimeoutReachesTheAnswerAsError() throws {
        let s = try PostgresParityTests.stores()
        var policy = SQLPolicy.tickets
        policy.timeCap = 0.001
        let resources = try Resources.load(root: PostgresParityTests.packageRoot)
        let engine = try Engine(store: try PostgresStore.connect(s.pg), resources: resources, now: PostgresParityTests.now)
        let slow = try Engine(sharing: engine, policy: policy)
        var conv = Conversation()
        // A grouped pass over every ticket with a correlated repeat-caller condition: well over 1 ms.
        let a = slow.ask("今年每个区投诉最多的2个街道", conversation: &conv)
        XCTAssertEqual(a.status, .error, a.message ?? "")
        XCTAssertTrue(a.message?.contains("上限") ?? false, a.message ?? "")
    }

    func testWritingStatementIsRefusedByTheReadOnlyTransaction() throws {
        _ = try PostgresParityTests.stores()
        let cluster = try PGCluster.shared()
        // Even a role that could write (checks skipped) cannot, inside wenshu's transaction.
        let store = try PostgresStore.connect(try cluster.url(database: "parity"), allowWriter: true)
        XCTAssertThrowsError(try store.query("DELETE FROM tickets", [], rowCap: nil)) { e in
            XCTAssertEqual((e as? StoreError)?.code, .denied, "\(e)")
        }
        XCTAssertThrowsError(try store.query("INSERT INTO tickets (id) VALUES ($1)", [.text("x")], rowCap: nil)) { e in
            XCTAssertEqual((e as? StoreError)?.code, .denied, "\(e)")
        }
        XCTAssertEqual(try store.query("SELECT COUNT(*) FROM tickets", [], rowCap: nil).rows.first?.first, .integer(20_000))
    }

    func testLearningTheCatalogIsNotBoundByTheQuestionCap() throws {
        let s = try PostgresParityTests.stores()
        var policy = SQLPolicy.tickets
        policy.timeCap = 0.001
        let store = try PostgresStore.connect(s.pg, policy: policy)
        let places = "SELECT district, street, community, COUNT(*) FROM tickets GROUP BY district, street, community"
        XCTAssertThrowsError(try store.query(places, [], rowCap: nil), "the premise: a question's statement this size is past 1 ms") { e in
            XCTAssertEqual((e as? StoreError)?.code, .timeout, "\(e)")
        }
        let learned = try Catalog.learn(from: store)
        XCTAssertEqual(learned.total, 20_000, "learning has its own budget, as on SQLite")
        let lite = try Database.openReadOnly(s.sqlite)
        lite.install(policy: .tickets)
        XCTAssertEqual(learned.values(.district), try Catalog.learn(from: lite).values(.district))
    }

    func testSessionEndedByTheServerIsReopened() throws {
        let s = try PostgresParityTests.stores()
        let cluster = try PGCluster.shared()
        let store = try PostgresStore.connect(s.pg)
        let first = try XCTUnwrap(store.backendPID)
        XCTAssertEqual(try store.query("SELECT COUNT(*) FROM tickets", [], rowCap: nil).rows.first?.first, .integer(20_000))
        // As a restart, idle_session_timeout or an administrator would: the session ends.
        try cluster.admin(["SELECT pg_terminate_backend(\(first))"])
        for _ in 0..<100 where !store.connection.isClosed { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(try store.query("SELECT COUNT(*) FROM tickets", [], rowCap: nil).rows.first?.first, .integer(20_000),
                       "one new connection, one retry of the read-only statement")
        XCTAssertNotEqual(store.backendPID, first)
        // The new session keeps the guarantees: read-only, under the time cap.
        XCTAssertThrowsError(try store.query("DELETE FROM tickets", [], rowCap: nil)) { e in
            XCTAssertEqual((e as? StoreError)?.code, .denied, "\(e)")
        }
        // A statement that fails on a live connection is not retried: its error stands.
        XCTAssertThrowsError(try store.query("SELECT no_such_column FROM tickets", [], rowCap: nil)) { e in
            XCTAssertEqual((e as? StoreError)?.code, .notATicketStore, "\(e)")
        }
    }

    func testRowCapTruncates() throws {
        let s = try PostgresParityTests.stores()
        let store = try PostgresStore.connect(s.pg)
        let r = try store.query("SELECT id FROM tickets ORDER BY id", [], rowCap: 10)
        XCTAssertEqual(r.rows.count, 10)
        XCTAssertTrue(r.truncated)
        XCTAssertEqual(r.columns, ["id"])
    }

    func testTimestampsComeBackAsSQLiteText() throws {
        let s = try PostgresParityTests.stores()
        let store = try PostgresStore.connect(s.pg)
        let pg = try store.query("SELECT created_at, closed_at FROM tickets ORDER BY id LIMIT 50", [], rowCap: nil).rows
        let lite = try Database.openReadOnly(s.sqlite)
        lite.install(policy: .tickets)
        XCTAssertEqual(pg, try lite.query("SELECT created_at, closed_at FROM tickets ORDER BY id LIMIT 50", []).rows)
    }

    func testNotATicketStoreAndBadAddress() throws {
        let cluster = try PGCluster.shared()
        try cluster.createDatabase("empty")
        try cluster.admin(["GRANT CONNECT ON DATABASE empty TO PUBLIC"])
        XCTAssertThrowsError(try PostgresStore.connect(try cluster.url(database: "empty"))) { e in
            XCTAssertEqual((e as? StoreError)?.code, .notATicketStore, "\(e)")
        }
        XCTAssertThrowsError(try PostgresStore.connect(try cluster.url(password: "wrong", database: "postgres"))) { e in
            XCTAssertEqual((e as? StoreError)?.code, .cannotOpen, "\(e)")
            XCTAssertFalse("\(e)".contains("wrong"), "the password never appears in a message")
        }
    }

    func testPasswordFromPgpassFile() throws {
        let s = try PostgresParityTests.stores()
        let cluster = try PGCluster.shared()
        let file = NSTemporaryDirectory() + "wenshu-pgpass-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "# comment\notherhost:*:*:*:nope\n127.0.0.1:\(cluster.port):parity:wenshu_reader:r3ad-only\n".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let url = try PostgresURL(parsing: "postgres://wenshu_reader@127.0.0.1:\(cluster.port)/parity?sslmode=disable", environment: [:], pgpassFile: file)
        XCTAssertEqual(url.password, "r3ad-only")
        XCTAssertFalse(url.label.contains("r3ad"))
        XCTAssertNoThrow(try PostgresStore.connect(url))
        // A file others can read is ignored, as libpq does.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        XCTAssertNil(try PostgresURL(parsing: "postgres://wenshu_reader@127.0.0.1:\(cluster.port)/parity", environment: [:], pgpassFile: file).password)
        _ = s
    }
}

/// Address parsing needs no server.
final class PostgresURLTests: XCTestCase {
    func testURLPartsAndFallbacks() throws {
        let u = try PostgresURL(parsing: "postgresql://ana:p%40ss@db.example.gov:6543/hotline?sslmode=require", environment: [:], pgpassFile: "/nonexistent")
        XCTAssertEqual(u.user, "ana"); XCTAssertEqual(u.password, "p@ss"); XCTAssertEqual(u.host, "db.example.gov")
        XCTAssertEqual(u.port, 6543); XCTAssertEqual(u.database, "hotline"); XCTAssertEqual(u.sslMode, .require)
        XCTAssertEqual(u.label, "postgres://ana@db.example.gov:6543/hotline")
        let e = try PostgresURL(parsing: "postgres:///tickets", environment: ["PGHOST": "pg1", "PGPORT": "5433", "PGUSER": "bo", "PGPASSWORD": "env-pw"], pgpassFile: "/nonexistent")
        XCTAssertEqual(e.host, "pg1"); XCTAssertEqual(e.port, 5433); XCTAssertEqual(e.user, "bo"); XCTAssertEqual(e.password, "env-pw")
        let sock = try PostgresURL(parsing: "postgres://bo@/tickets?host=/run/postgresql", environment: [:], pgpassFile: "/nonexistent")
        XCTAssertEqual(sock.socketDirectory, "/run/postgresql")
        XCTAssertThrowsError(try PostgresURL(parsing: "postgres://h:99999/x", environment: [:]))
        XCTAssertThrowsError(try PostgresURL(parsing: "postgres://h/x?sslmode=maybe", environment: [:]))
        XCTAssertThrowsError(try PostgresURL(parsing: "mysql://h/x", environment: [:]))
    }

    func testPgpassEscapes() {
        XCTAssertEqual(PostgresURL.splitPgpass("h:5432:d:u:pa\\:ss\\\\"), ["h", "5432", "d", "u", "pa:ss\\"])
        XCTAssertEqual(PostgresURL.splitPgpass("h:5432:d:u:a:b"), ["h", "5432", "d", "u", "a:b"])
    }

    func testTimestampFormatting() {
        XCTAssertEqual(PGValue.formatTimestamp(microsSince2000: 0), "2000-01-01 00:00:00")
        // 2026-11-29 10:00:00 is 9829 days and 10 hours after 2000-01-01.
        XCTAssertEqual(PGValue.formatTimestamp(microsSince2000: (9829 * 86400 + 36000) * 1_000_000), "2026-11-29 10:00:00")
        XCTAssertEqual(PGValue.formatTimestamp(microsSince2000: -1_000_000), "1999-12-31 23:59:59")
        XCTAssertEqual(PGValue.formatDay(59), "2000-02-29")
    }
}
