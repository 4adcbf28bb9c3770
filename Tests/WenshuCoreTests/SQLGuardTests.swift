import XCTest
@testable import WenshuCore

/// The validator refuses what generated SQL must never do.
final class SQLGuardTests: XCTestCase {
    func db() throws -> Database { try Fixtures.engine().db }

    func assertRefused(_ sql: String, _ code: StoreError.Code, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertThrowsError(try db().query(sql, []), sql, file: file, line: line) { e in
            XCTAssertEqual((e as? StoreError)?.code, code, "\(sql): \(e)", file: file, line: line)
        }
    }

    func testRefusesWrites() throws {
        try assertRefused("DELETE FROM tickets", .denied)
        try assertRefused("UPDATE tickets SET status = 'x'", .denied)
        try assertRefused("DROP TABLE tickets", .denied)
        try assertRefused("INSERT INTO tickets(id) VALUES ('x')", .denied)
        try assertRefused("ATTACH DATABASE '/tmp/x.db' AS x", .denied)
        try assertRefused("PRAGMA writable_schema = 1", .denied)
    }

    func testRefusesUnknownTablesColumnsFunctions() throws {
        try assertRefused("SELECT * FROM sqlite_master", .denied)
        try assertRefused("SELECT load_extension('x')", .denied)
        try assertRefused("SELECT randomblob(10)", .denied)
    }

    func testRefusesSecondStatement() throws {
        try assertRefused("SELECT COUNT(*) FROM tickets; DELETE FROM tickets", .denied)
    }

    func testParameterCountMustMatch() throws {
        XCTAssertThrowsError(try db().query("SELECT COUNT(*) FROM tickets WHERE district = ?", []))
    }

    func testRowCap() throws {
        let r = try db().query("SELECT id FROM tickets", [], rowCap: 7)
        XCTAssertEqual(r.rows.count, 7)
        XCTAssertTrue(r.truncated)
    }

    func testTimeCapInterrupts() throws {
        let path = Fixtures.sharedStore
        let db = try Database.openReadOnly(path)
        var policy = SQLPolicy.tickets
        policy.timeCap = 0.05
        db.install(policy: policy)
        // A deliberately huge cross join; the progress handler must stop it.
        XCTAssertThrowsError(try db.query("SELECT COUNT(*) FROM tickets a, tickets b, tickets c", [])) { e in
            XCTAssertEqual((e as? StoreError)?.code, .timeout)
        }
    }

    func testInterruptCancelsARunningQuery() throws {
        // What Ctrl-C in the chat does: another thread interrupts the connection.
        let db = try Database.openReadOnly(Fixtures.sharedStore)
        db.install(policy: .tickets)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { db.interrupt() }
        XCTAssertThrowsError(try db.query("SELECT COUNT(*) FROM tickets a, tickets b, tickets c", [])) { e in
            XCTAssertEqual((e as? StoreError)?.code, .cancelled)
        }
        XCTAssertEqual(try db.query("SELECT COUNT(*) FROM tickets", []).rows.count, 1, "the connection still works")
    }

    func testAPreparedStatementIsReusedWithItsChecks() throws {
        let db = try Database.openReadOnly(Fixtures.sharedStore)
        db.install(policy: .tickets)
        let sql = "SELECT COUNT(*) FROM tickets WHERE district = ?"
        let all = try db.query("SELECT district, COUNT(*) FROM tickets WHERE district IS NOT NULL GROUP BY district", []).rows
        XCTAssertGreaterThan(all.count, 2)
        // The same text with other values: each answer its own, from the one prepared statement.
        for r in all + all.reversed() {
            XCTAssertEqual(try db.query(sql, [r[0]]).rows, [[r[1]]])
        }
        XCTAssertEqual(db.statements.count, 2)
        // Still checked on reuse: the parameter count, and a statement stopped by the row cap
        // leaves nothing half-read behind.
        XCTAssertThrowsError(try db.query(sql, []))
        XCTAssertEqual(try db.query("SELECT id FROM tickets", [], rowCap: 3).rows.count, 3)
        XCTAssertEqual(try db.query("SELECT id FROM tickets", [], rowCap: 5).rows.count, 5)
        // A refused statement is never kept; a stricter guard forgets what the old one allowed.
        XCTAssertThrowsError(try db.query("SELECT * FROM sqlite_master", []))
        XCTAssertNil(db.statements["SELECT * FROM sqlite_master"])
        var strict = SQLPolicy.tickets
        strict.tables = ["tickets": ["id"]]
        db.install(policy: strict)
        XCTAssertThrowsError(try db.query(sql, [all[0][0]])) { e in XCTAssertEqual((e as? StoreError)?.code, .denied) }
        XCTAssertEqual(try db.query("SELECT COUNT(id) FROM tickets", []).rows.count, 1)
    }

    func testReadOnlyConnectionCannotWriteEvenWithoutGuard() throws {
        let db = try Database.openReadOnly(Fixtures.sharedStore)
        XCTAssertThrowsError(try db.execute("DELETE FROM tickets"))
    }
}
