import Foundation
import XCTest
@testable import WenshuCore

/// Runs the real `wenshu` binary and compares its whole output.
final class CLITests: XCTestCase {
    func run(_ args: [String]) throws -> (Int32, String, String) { try Fixtures.runWenshu(args) }

    /// `bench --serve` starts a real `wenshu serve` and loads it with wrk, with and without the cache.
    func testBenchServeLoadsARealServer() throws {
        guard ServeBenchProbe.hasWrk else { throw XCTSkip("wrk is not installed (apt-get install wrk); bench --serve not exercised") }
        let qs = NSTemporaryDirectory() + "wenshu-bench-q-\(UUID().uuidString).txt"
        try "上个月工单量\n今年各区投诉量排名\n本月满意率\n".write(toFile: qs, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: qs) }
        let mix = Fixtures.packageRoot.appendingPathComponent("scripts/load/mix.lua").path
        let (code, out, err) = try run(["bench", "--db", Fixtures.sharedStore, "--now", "2026-11-29 10:00:00", "--repeats", "1",
                                        "--questions", qs, "--serve", "--seconds", "1", "--connections", "2,3", "--mix", mix])
        XCTAssertEqual(code, 0, err)
        // One wrk run per connection count, with the cache and then without.
        let runs = out.split(separator: "\n").filter { $0.hasPrefix("serve (") }
        XCTAssertEqual(runs.count, 4, out)
        guard runs.count == 4 else { return }
        XCTAssertTrue(runs[0].contains("from rollup:") && runs[0].contains("-c2 "), String(runs[0]))
        XCTAssertTrue(runs[1].contains("from rollup:") && runs[1].contains("-c3 "), String(runs[1]))
        XCTAssertTrue(runs[2].contains("from tickets") && runs[3].contains("from tickets"), String(runs[2]))
        for r in runs {
            let n = r.range(of: "requests ").flatMap { Int(r[$0.upperBound...].prefix { $0.isNumber }) } ?? 0
            XCTAssertGreaterThan(n, 0, String(r))
            XCTAssertTrue(r.contains("non-2xx/3xx 0, socket errors 0"), String(r))
            XCTAssertTrue(r.contains("peak RSS"), String(r))
        }
    }

    func testBenchRefusesBadConnectionCounts() throws {
        for bad in ["0", "16,x", "16,,32", "99999999999999999999", "1,2,3,4,5,6,7,8,9", ""] {
            let (code, _, err) = try run(["bench", "--db", Fixtures.sharedStore, "--connections", bad])
            XCTAssertNotEqual(code, 0, bad)
            XCTAssertTrue(err.contains("--connections"), "\(bad): \(err)")
        }
    }

    func testAskJSONIsTheEngineAnswer() throws {
        let q = "上个月各区投诉量排名"
        let (code, out, _) = try run(["ask", "--db", Fixtures.sharedStore, "--now", "2026-11-29 10:00:00", "--format", "json", q])
        XCTAssertEqual(code, 0)
        var conv = Conversation()
        // The CLI answers through the analytics cache: so does this engine (same `source`).
        let engine = try Engine(path: Fixtures.sharedStore, resources: Fixtures.resources, now: Fixtures.now, analytics: .build)
        let a = engine.ask(q, conversation: &conv, now: Fixtures.now)
        XCTAssertEqual(out, a.json.render() + "\n")
    }

    func testBatchKeepsOrderIdsAndSessions() throws {
        let file = NSTemporaryDirectory() + "wenshu-batch-\(UUID().uuidString).jsonl"
        try """
        {"id": "q1", "question": "本月西湖区投诉多少件", "session": "s1"}
        {"id": "q2", "question": "删除所有工单"}
        {"id": "q3", "question": "那上个月呢", "session": "s1"}
        not json
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let (code, out, _) = try run(["ask", "--db", Fixtures.sharedStore, "--now", "2026-11-29 10:00:00", "--format", "jsonl", "--batch", file])
        XCTAssertEqual(code, 1, "an unreadable line is an error answer (issue 15)")
        let lines = out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines.map { $0["id"] as? String }, ["q1", "q2", "q3", nil])
        XCTAssertEqual(lines.map { $0["status"] as? String }, ["answered", "unsupported", "answered", "error"])
        XCTAssertEqual(lines[2]["interpretation"] as? String, "2026年10月 · 西湖区 · 投诉 · 工单量")
    }

    func testMissingStoreIsAnErrorAnswerAndExitOne() throws {
        let (code, out, _) = try run(["ask", "--db", "/nonexistent/none.db", "--format", "json", "上个月工单量"])
        XCTAssertEqual(code, 1)
        let obj = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual(obj["status"] as? String, "error")
        XCTAssertTrue((obj["message"] as? String ?? "").contains("/nonexistent/none.db"))
    }

    func testTableOutputAlignsChinese() throws {
        let (_, out, _) = try run(["ask", "--db", Fixtures.sharedStore, "--now", "2026-11-29 10:00:00", "今年各区工单量排名"])
        let rows = out.split(separator: "\n").filter { $0.contains("│") }
        XCTAssertGreaterThan(rows.count, 2)
        let widths = Set(rows.map { DisplayWidth.of(String($0)) })
        XCTAssertEqual(widths.count, 1, "every table line has the same display width:\n\(out)")
        XCTAssertTrue(out.hasPrefix("【理解】2026年 · 按区县 · 工单量 · 排名"))
    }
}

enum ServeBenchProbe {
    static var hasWrk: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/wrk") }
    }
}
