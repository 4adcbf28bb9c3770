import Foundation
import XCTest
@testable import WenshuCore

/// Contract §9.2: phone and ID numbers inside `content` never leave unmasked, through every
/// channel this target can reach (engine rows, `wenshu ask` JSON/CSV/table, `wenshu chat`
/// piped with `\export`). The store is a real SQLite file whose tickets hold the numbers.
final class MaskingTests: XCTestCase {
    /// (id, content as stored, content as it must be shown)
    static let tickets: [(String, String, String)] = [
        ("M001", "手机13812345678停水", "手机138****5678停水"),
        ("M002", "座机0571-86012345", "座机0571-8*****45"),
        ("M003", "座机057186012345", "座机0571-8*****45"),
        ("M004", "身份证330106199001011234", "身份证330106********1234"),
        ("M005", "证件33010619900101123X", "证件330106********123X"),
        ("M006", "打13912345678或0571-86012345", "打139****5678或0571-8*****45"),
        ("M007", "北京010-62345678来电", "北京010-6*****78来电"),
        // Numbers that are not phones or IDs stay as they are.
        ("M008", "12345热线说3天内修好", "12345热线说3天内修好"),
        ("M009", "2026年11月3日停水100户", "2026年11月3日停水100户"),
    ]

    /// The raw numbers that must never appear in any output.
    static let secrets = ["13812345678", "0571-86012345", "057186012345", "86012345", "330106199001011234",
                          "33010619900101123X", "13912345678", "62345678"]

    static let store: String = {
        let file = NSTemporaryDirectory() + "wenshu-mask-\(UUID().uuidString).db"
        do {
            let db = try Database.openForWriting(file)
            try db.execute(TicketSchema.createSQL)
            var sql = "BEGIN;"
            for (i, t) in tickets.enumerated() {
                let created = String(format: "2026-11-%02d 09:00:00", 10 + i)
                sql += "INSERT INTO tickets VALUES ('\(t.0)', '\(created)', '电话', '投诉', '公用事业', '供水', '西湖区', '北山街道', '北山社区', '某小区1幢', '\(t.1)', '市水务集团', '办理中', 0, '2026-12-20 18:00:00', NULL, NULL, NULL, 'C\(i)');"
            }
            try db.execute(sql + "COMMIT;")
        } catch {
            XCTFail("cannot write the masking store: \(error)")
        }
        return file
    }()

    static let question = "列出本月的工单"
    let nowArg = "2026-11-29 10:00:00"

    func assertNoSecrets(_ text: String, _ channel: String, file: StaticString = #filePath, line: UInt = #line) {
        for s in MaskingTests.secrets { XCTAssertFalse(text.contains(s), "\(channel) shows \(s):\n\(text)", file: file, line: line) }
    }

    func assertMaskedForms(_ text: String, _ channel: String, file: StaticString = #filePath, line: UInt = #line) {
        for (_, _, shown) in MaskingTests.tickets { XCTAssertTrue(text.contains(shown), "\(channel) lacks \(shown):\n\(text)", file: file, line: line) }
    }

    func testTheMaskingFunction() {
        for (_, raw, shown) in MaskingTests.tickets { XCTAssertEqual(Masking.mask(raw), shown, raw) }
        XCTAssertEqual(Masking.mask("13812345678"), "138****5678")
        XCTAssertEqual(Masking.mask("0571-86012345"), "0571-8*****45")
        XCTAssertEqual(Masking.mask("057186012345"), "0571-8*****45")
        XCTAssertEqual(Masking.mask("330106199001011234"), "330106********1234")
        XCTAssertEqual(Masking.mask(""), "")
        // Masking twice changes nothing more (rows may pass through two channels).
        for (_, raw, _) in MaskingTests.tickets { XCTAssertEqual(Masking.mask(Masking.mask(raw)), Masking.mask(raw)) }
    }

    func testEngineRowsAreMasked() throws {
        let e = try Engine(path: MaskingTests.store, resources: Fixtures.resources, now: Fixtures.now)
        var c = Conversation()
        let a = e.ask(MaskingTests.question, conversation: &c, now: Fixtures.now)
        XCTAssertEqual(a.status, .answered, a.message ?? "")
        XCTAssertEqual(a.rows.count, MaskingTests.tickets.count)
        let byId = Dictionary(uniqueKeysWithValues: a.rows.map { ($0[0].description, $0[7].description) })
        for (id, _, shown) in MaskingTests.tickets { XCTAssertEqual(byId[id], shown, id) }
        // Other columns are untouched: the created_at and place columns are as stored.
        let stored = try Fixtures.oracle(MaskingTests.store, "SELECT id, created_at, district, street FROM tickets ORDER BY created_at DESC, id DESC")
        XCTAssertEqual(a.rows.map { Array($0.prefix(4)) }, stored)
        // The conversation keeps masked rows too (follow-ups and exports read them).
        assertNoSecrets(c.rows.flatMap { $0.map(\.description) }.joined(separator: "\n"), "conversation rows")
        assertNoSecrets(a.json.render(), "engine JSON")
        assertNoSecrets(Render.csv(a), "engine CSV")
        assertNoSecrets(Render.table(a), "engine table")
        assertNoSecrets(a.summary ?? "", "summary")
    }

    func testAskJSON() throws {
        let (code, out, _) = try Fixtures.runWenshu(["ask", "--db", MaskingTests.store, "--now", nowArg, "--format", "json", MaskingTests.question])
        XCTAssertEqual(code, 0)
        assertNoSecrets(out, "ask --format json")
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(obj["rows"] as? [[Any]])
        let contents = Set(rows.compactMap { $0.count > 7 ? $0[7] as? String : nil })
        XCTAssertEqual(contents, Set(MaskingTests.tickets.map(\.2)))
    }

    func testAskJSONL() throws {
        let file = NSTemporaryDirectory() + "wenshu-mask-batch-\(UUID().uuidString).jsonl"
        try "{\"id\": \"m1\", \"question\": \"\(MaskingTests.question)\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (code, out, _) = try Fixtures.runWenshu(["ask", "--db", MaskingTests.store, "--now", nowArg, "--format", "jsonl", "--batch", file])
        XCTAssertEqual(code, 0)
        assertNoSecrets(out, "ask --format jsonl --batch")
        assertMaskedForms(out, "ask --format jsonl --batch")
    }

    func testAskCSV() throws {
        let (code, out, _) = try Fixtures.runWenshu(["ask", "--db", MaskingTests.store, "--now", nowArg, "--format", "csv", MaskingTests.question])
        XCTAssertEqual(code, 0)
        assertNoSecrets(out, "ask --format csv")
        assertMaskedForms(out, "ask --format csv")
        XCTAssertTrue(out.hasPrefix("工单编号,"), out)
    }

    func testAskTable() throws {
        let (code, out, _) = try Fixtures.runWenshu(["ask", "--db", MaskingTests.store, "--now", nowArg, MaskingTests.question])
        XCTAssertEqual(code, 0)
        assertNoSecrets(out, "ask table")
        assertMaskedForms(out, "ask table")
    }

    func testChatPipedAndExport() throws {
        let dir = NSTemporaryDirectory() + "wenshu-mask-chat-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let csv = dir + "/out.csv"
        let (code, out, _) = try Fixtures.runWenshu(["chat", "--db", MaskingTests.store, "--now", nowArg],
                                                    stdin: "\(MaskingTests.question)\n\\export \(csv)\n\\quit\n")
        XCTAssertEqual(code, 0)
        // The chat trims wide cells to the terminal; what it shows is masked before trimming.
        assertNoSecrets(out, "chat")
        for shown in ["138****5678", "0571-8*****45", "139****5678", "010-6*****78", "330106****"] {
            XCTAssertTrue(out.contains(shown), "chat lacks \(shown):\n\(out)")
        }
        let exported = try String(contentsOfFile: csv, encoding: .utf8)
        assertNoSecrets(exported, "chat \\export")
        assertMaskedForms(exported, "chat \\export")
        XCTAssertEqual(exported.split(separator: "\r\n").count, MaskingTests.tickets.count + 1, exported)
    }
}
