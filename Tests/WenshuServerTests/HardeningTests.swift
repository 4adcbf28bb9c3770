import Crypto
import Foundation
import XCTest
@testable import WenshuCore
@testable import WenshuServer
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: nothing anyone sends can stop the service. Each finding of the issue, with its
/// exact input, against the real binary (`wenshu ask`, `wenshu serve`) on 127.0.0.1.
final class HardeningTests: XCTestCase {
    static let cityToken = "city-token-0001"
    static let xihuToken = "xihu-token-0001"
    static let dingSecret = "SEC-hardening-secret"

    /// Questions whose numbers overflowed 64-bit arithmetic (the first two are the issue's).
    static let overflowQuestions = [
        "前九九九九九九九九九九九九九九九九九九九名",
        "来电超过9223372036854775807次的人有多少",
        "前99999999999999999999999999名",
        "近9223372036854775807天的工单量",
        "工单超过18446744073709551616件的街道",
        "第九九九九九九九九九九九九九九九九个街道",
        "9999999999999999999年的工单量",
        "2026年99999999999999999999月的投诉",
        "近-9223372036854775808天工单",
    ]
    static let survivable: Set<String> = ["answered", "clarify", "unsupported"]

    func config(_ extra: [String: Any] = [:], limits: [String: Any] = [:], bots: [String: Any]? = nil) -> [String: Any] {
        var c: [String: Any] = [
            "tokens": [["token": Self.cityToken, "name": "analyst", "scope": [String: Any]()],
                       ["token": Self.xihuToken, "name": "xihu", "scope": ["district": "西湖区"]]],
            "limits": limits,
            "bots": bots ?? ["dingtalk": ["app_secret": Self.dingSecret, "default_scope": [String: Any]()]],
        ]
        for (k, v) in extra { c[k] = v }
        return c
    }

    // MARK: overflow in questions

    func testOverflowQuestionsThroughAsk() throws {
        for q in Self.overflowQuestions {
            let r = try LiveBinary.run(["ask", "--db", ServerTests.store, "--now", "2026-11-29 10:00:00", "--format", "json", q])
            XCTAssertFalse(r.signalled, "ask crashed on 「\(q)」: \(r.err)")
            let a = (try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) as? [String: Any]
            XCTAssertTrue(Self.survivable.contains(a?["status"] as? String ?? "-"), "「\(q)」 → \(r.out) \(r.err)")
            XCTAssertEqual(r.status, 0, q)
        }
    }

    func testOverflowQuestionsThroughServe() throws {
        let server = try LiveServer(config: config())
        defer { server.stop() }
        for q in Self.overflowQuestions {
            for token in [Self.xihuToken, Self.cityToken] {
                let r = server.http.ask(q, token: token)
                XCTAssertNotNil(r, "no reply to 「\(q)」 — server died? \(server.stderr)")
                XCTAssertTrue(Self.survivable.contains(r?.json["status"] as? String ?? "-"), "「\(q)」 → \(r?.body ?? "nil")")
                XCTAssertTrue(server.isRunning, "server stopped on 「\(q)」")
            }
        }
        XCTAssertEqual(server.http.request("GET", "/healthz")?.status, 200)
    }

    // MARK: DingTalk

    func dingHeaders(_ ts: String) -> [String: String] {
        ["timestamp": ts, "sign": DingTalkBot.sign(timestamp: ts, secret: Self.dingSecret), "Content-Type": "application/json"]
    }

    func dingBody(_ text: String, user: String = "u1", chat: String = "c1") -> Data {
        (try? JSONSerialization.data(withJSONObject: ["msgtype": "text", "text": ["content": text], "msgId": UUID().uuidString,
                                                      "conversationId": chat, "senderStaffId": user])) ?? Data()
    }

    static func nowMs(_ offsetSeconds: Double = 0) -> String { String(Int64((Date().timeIntervalSince1970 + offsetSeconds) * 1000)) }

    func testDingTalkAbsurdTimestampsAreRefusedAndServerLives() throws {
        let server = try LiveServer(config: config())
        defer { server.stop() }
        let absurd = ["-9223372036854775808", "9223372036854775807", "-1", "0", "99999999999999999999999", "1e20", "nan", "inf",
                      "", " ", "0x10", "+1", "１７００", String(repeating: "9", count: 5000)]
        for ts in absurd {
            var h = dingHeaders(ts)
            if ts.isEmpty { h["timestamp"] = "" }
            let r = server.http.request("POST", "/bots/dingtalk", headers: h, body: dingBody("上个月工单量"))
            XCTAssertNotNil(r, "no reply for timestamp \(ts.prefix(30)) — \(server.stderr)")
            XCTAssertTrue((400..<500).contains(r?.status ?? 0), "timestamp \(ts.prefix(30)) → \(r?.status ?? 0)")
            XCTAssertTrue(server.isRunning)
        }
        let ok = server.http.request("POST", "/bots/dingtalk", headers: dingHeaders(Self.nowMs()), body: dingBody("上个月工单量"))
        XCTAssertEqual(ok?.status, 200)
    }

    func testDingTalkSignatureIsSingleUseWithinAConfigurableWindow() throws {
        let bots: [String: Any] = ["dingtalk": ["app_secret": Self.dingSecret, "window_seconds": 20,
                                                "scopes": ["xihu-user": ["district": "西湖区"]], "default_scope": ["district": "西湖区"]]]
        let server = try LiveServer(config: config(bots: bots))
        defer { server.stop() }
        let h = dingHeaders(Self.nowMs())
        let first = server.http.request("POST", "/bots/dingtalk", headers: h, body: dingBody("上个月工单量", user: "xihu-user"))
        XCTAssertEqual(first?.status, 200)
        // The captured pair with another body and another sender (a whole-city id) is refused.
        let replay = server.http.request("POST", "/bots/dingtalk", headers: h, body: dingBody("上个月拱墅区工单量", user: "someone-else"))
        XCTAssertEqual(replay?.status, 403)
        XCTAssertTrue(replay?.body.contains("重放") ?? false, replay?.body ?? "")
        // The window is the configured 20 s: 30 s old is stale, 10 s old is fine.
        XCTAssertEqual(server.http.request("POST", "/bots/dingtalk", headers: dingHeaders(Self.nowMs(-30)), body: dingBody("上个月工单量"))?.status, 403)
        XCTAssertEqual(server.http.request("POST", "/bots/dingtalk", headers: dingHeaders(Self.nowMs(-10)), body: dingBody("上个月工单量"))?.status, 200)
    }

    func testDingTalkDefaultWindowIsFiveMinutes() throws {
        let server = try LiveServer(config: config())
        defer { server.stop() }
        XCTAssertEqual(server.http.request("POST", "/bots/dingtalk", headers: dingHeaders(Self.nowMs(-400)), body: dingBody("上个月工单量"))?.status, 403)
        XCTAssertEqual(server.http.request("POST", "/bots/dingtalk", headers: dingHeaders(Self.nowMs(-200)), body: dingBody("上个月工单量"))?.status, 200)
    }

    /// Found by the fuzz harness: Foundation's XMLParser trapped on an element name that is not
    /// valid UTF-8, and WeCom bodies are parsed before their signature can be checked.
    func testWeComBodyThatIsNotUTF8IsRefusedAndServerLives() throws {
        let bots: [String: Any] = ["wecom": ["token": "QDG6eK", "encoding_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                                             "corp_id": "wx5823bf96d3bd56c7", "default_scope": [String: Any]()]]
        let server = try LiveServer(config: config(bots: bots))
        defer { server.stop() }
        let body = Data("<xml><ToUserName><![CDATA[ww]]></ToUserName><FromUse".utf8) + Data([0xF0]) + Data("Name><![CDATA[u]]></FromUserName><Encrypt>x</Encrypt></xml>".utf8)
        let ts = String(Int(Date().timeIntervalSince1970))
        let r = server.http.request("POST", "/bots/wecom?msg_signature=abc&timestamp=\(ts)&nonce=1", headers: ["Content-Type": "application/xml"], body: body)
        XCTAssertEqual(r?.status, 400)
        XCTAssertTrue(server.isRunning)
        XCTAssertEqual(XMLFields.parse(body), [:])
        XCTAssertEqual(XMLFields.parse(Data("<xml><A><![CDATA[a<b]]></A><B>x &amp; y</B><C><D>deep</D></C></xml>".utf8)), ["A": "a<b", "B": "x & y", "C": "deep"])
    }

    // MARK: Feishu with an encrypt key

    func testFeishuWithEncryptKeyRequiresFreshSignedHeaders() throws {
        let key = "hardening-encrypt-key", vt = "hardening-verification"
        let bots: [String: Any] = ["feishu": ["app_id": "cli_x", "app_secret": "s", "verification_token": vt, "encrypt_key": key,
                                              "api_base": "http://127.0.0.1:9", "default_scope": [String: Any]()]]
        let server = try LiveServer(config: config(bots: bots))
        defer { server.stop() }
        func event(_ id: String) throws -> Data {
            let inner: [String: Any] = ["schema": "2.0", "header": ["event_id": id, "event_type": "im.message.receive_v1", "token": vt],
                                        "event": ["sender": ["sender_id": ["open_id": "ou_1"]],
                                                  "message": ["message_id": "om_\(id)", "chat_id": "oc_1", "message_type": "text", "content": "{\"text\":\"上个月工单量\"}"]]]
            let enc = try FeishuBot.encrypt(try JSONSerialization.data(withJSONObject: inner), encryptKey: key, iv: Array(repeating: 3, count: 16))
            return try JSONSerialization.data(withJSONObject: ["encrypt": enc])
        }
        func signed(_ body: Data, ts: String = String(Int(Date().timeIntervalSince1970)), nonce: String = UUID().uuidString) -> [String: String] {
            ["Content-Type": "application/json", "X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce,
             "X-Lark-Signature": FeishuBot.signature(timestamp: ts, nonce: nonce, encryptKey: key, body: body)]
        }
        let b1 = try event("e1")
        // The issue's finding: headers removed → still accepted. Now refused.
        XCTAssertEqual(server.http.request("POST", "/bots/feishu", headers: ["Content-Type": "application/json"], body: b1)?.status, 403)
        var partial = signed(b1)
        partial["X-Lark-Signature"] = nil
        XCTAssertEqual(server.http.request("POST", "/bots/feishu", headers: partial, body: b1)?.status, 403)
        let stale = signed(b1, ts: String(Int(Date().timeIntervalSince1970) - 3600))
        XCTAssertEqual(server.http.request("POST", "/bots/feishu", headers: stale, body: b1)?.status, 403)
        let absurd = signed(b1, ts: "-9223372036854775808")
        XCTAssertEqual(server.http.request("POST", "/bots/feishu", headers: absurd, body: b1)?.status, 403)
        let good = signed(b1)
        XCTAssertEqual(server.http.request("POST", "/bots/feishu", headers: good, body: b1)?.status, 200)
        XCTAssertEqual(server.http.request("POST", "/bots/feishu", headers: good, body: b1)?.status, 403, "a replayed signature")
        // The URL handshake (challenge only) may come unsigned, as Feishu sends it.
        let hs = try FeishuBot.encrypt(try JSONSerialization.data(withJSONObject: ["type": "url_verification", "token": vt, "challenge": "c-123"]),
                                       encryptKey: key, iv: Array(repeating: 5, count: 16))
        let challenge = server.http.request("POST", "/bots/feishu", headers: ["Content-Type": "application/json"],
                                            body: try JSONSerialization.data(withJSONObject: ["encrypt": hs]))
        XCTAssertEqual(challenge?.json["challenge"] as? String, "c-123")
        XCTAssertTrue(server.isRunning)
    }

    // MARK: audit log

    func testAuditOnAFullDiskIsReportedNotFatal() throws {
        let server = try LiveServer(config: config(["audit_log": "/dev/full"]))
        defer { server.stop() }
        for _ in 0..<3 {
            let r = server.http.ask("上个月工单量", token: Self.cityToken)
            XCTAssertEqual(r?.status, 200, "audit_required defaults to false: answered anyway")
            XCTAssertEqual(r?.json["status"] as? String, "answered")
        }
        XCTAssertTrue(server.isRunning)
        let m = server.http.request("GET", "/metrics")?.body ?? ""
        XCTAssertTrue(m.contains("wenshu_audit_ok 0"), m)
        XCTAssertTrue(m.contains("wenshu_audit_write_failures_total 3"), m)
        XCTAssertTrue(server.stderr.contains("审计日志写入失败"), server.stderr)
        XCTAssertEqual(server.stderr.components(separatedBy: "审计日志写入失败").count - 1, 1, "reported once per change of state")
    }

    func testAuditRequiredRefusesWith503() throws {
        let server = try LiveServer(config: config(["audit_log": "/dev/full", "audit_required": true]))
        defer { server.stop() }
        let r = server.http.ask("上个月工单量", token: Self.cityToken)
        XCTAssertEqual(r?.status, 503)
        XCTAssertEqual(r?.errorCode, "audit_unavailable")
        XCTAssertFalse(r?.body.contains("\"rows\"") ?? true, "no unaudited answer")
        let missingDir = try LiveServer(config: config(["audit_log": "/nonexistent-wenshu-dir/audit.jsonl", "audit_required": true]))
        defer { missingDir.stop() }
        XCTAssertEqual(missingDir.http.ask("上个月工单量", token: Self.cityToken)?.errorCode, "audit_unavailable")
        XCTAssertTrue(missingDir.stderr.contains("无法打开审计日志"), missingDir.stderr)
    }

    func testAuditLogDeletedOrUnwritableIsReopened() async throws {
        let dir = NSTemporaryDirectory() + "wenshu-audit-\(UUID().uuidString)"
        let path = dir + "/audit.jsonl"
        let reports = Reports()
        let api = try makeAPI(audit: path, report: reports.add)
        // The directory does not exist yet: reported, still answered.
        _ = try await api.answer(question: "上个月工单量", sessionKey: nil, scope: nil, who: "t", channel: "test")
        XCTAssertTrue(reports.text.contains("无法打开审计日志"), reports.text)
        XCTAssertTrue(api.metrics.render().contains("wenshu_audit_ok 0"))
        // Once it can be written, the next question writes its line (retried, not given up).
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = try await api.answer(question: "今年工单量", sessionKey: nil, scope: nil, who: "t", channel: "test")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count, 1)
        XCTAssertTrue(api.metrics.render().contains("wenshu_audit_ok 1"))
        // Deleted under the server: noticed and recreated at the path.
        try FileManager.default.removeItem(atPath: path)
        _ = try await api.answer(question: "本月工单量", sessionKey: nil, scope: nil, who: "t", channel: "test")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains("本月工单量"))
        XCTAssertTrue(reports.text.contains("已被删除或替换"), reports.text)
    }

    // MARK: store replaced or deleted under the server

    func testStoreReplacedOrDeletedIsNoticed() async throws {
        let path = NSTemporaryDirectory() + "wenshu-watched-\(UUID().uuidString).db"
        try FileManager.default.copyItem(atPath: ServerTests.store, toPath: path)
        let reports = Reports()
        let engine = try Engine(path: path, resources: ServerTests.resources, now: ServerTests.now)
        let api = try WenshuAPI(engine: engine, config: ServerConfig(tokens: [.init(token: Self.cityToken, name: "a", scope: nil)]),
                                now: ServerTests.now, workers: 2, report: reports.add)
        func total() async throws -> Int64? {
            let a = try await api.answer(question: "近三年工单量", sessionKey: nil, scope: nil, who: "t", channel: "test")
            if case .integer(let n)? = a.rows.first?.first { return n }
            return nil
        }
        let before = try await total()
        XCTAssertNotNil(before)
        // Replace the file (a new inode at the path) with a smaller store.
        let other = NSTemporaryDirectory() + "wenshu-other-\(UUID().uuidString).db"
        let city = try CityFile.load("hangzhou", resources: ServerTests.root)
        try Seeder(city: city, options: .init(count: 500, seed: 9, now: ServerTests.now)).write(to: other)
        XCTAssertEqual(rename(other, path), 0)
        try await Task.sleep(nanoseconds: 1_200_000_000)
        let after = try await total()
        XCTAssertNotEqual(after, before)
        XCTAssertLessThanOrEqual(after ?? .max, 500)
        XCTAssertTrue(reports.text.contains("已被替换，已重新打开"), reports.text)
        XCTAssertTrue(api.metrics.render().contains("wenshu_store_events_total{event=\"reopened\"} 1"))
        // Deleted: reported, and the open connections still answer.
        try FileManager.default.removeItem(atPath: path)
        try await Task.sleep(nanoseconds: 1_200_000_000)
        let afterDelete = try await total()
        XCTAssertEqual(afterDelete, after)
        XCTAssertTrue(reports.text.contains("不见了"), reports.text)
        XCTAssertTrue(api.metrics.render().contains("wenshu_store_ok 0"))
    }

    // MARK: batch input

    func testBatchCRLFAndInvalidUTF8Lines() throws {
        var bytes = Data("{\"id\": \"a\", \"question\": \"上个月工单量\"}\r\n{\"id\": \"b\", \"question\": \"今年工单量\"}\r\n".utf8)
        bytes += Data("{\"id\": \"bad\", \"question\": \"上个月".utf8) + Data([0xFF, 0xFE]) + Data("工单量\"}\r\n".utf8)
        bytes += Data("{\"id\": \"c\", \"question\": \"本月工单量\"}\r\n".utf8)
        bytes += Data("{\"id\": \"d\", \"question\": 12}\n".utf8)
        bytes += Data("not json at all\n".utf8)
        bytes += Data("{\"id\": \"e\", \"question\": \"本月投诉多少件\"}".utf8)  // no final newline
        let file = NSTemporaryDirectory() + "wenshu-batch-\(UUID().uuidString).jsonl"
        try bytes.write(to: URL(fileURLWithPath: file))
        let r = try LiveBinary.run(["ask", "--db", ServerTests.store, "--now", "2026-11-29 10:00:00", "--format", "jsonl", "--batch", file])
        XCTAssertFalse(r.signalled)
        let lines = r.out.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        XCTAssertEqual(lines.map { $0["id"] as? String }, ["a", "b", "bad", "c", "d", nil, "e"], r.out)
        XCTAssertEqual(lines.map { $0["status"] as? String }, ["answered", "answered", "error", "answered", "error", "error", "answered"])
        XCTAssertTrue((lines[2]["message"] as? String ?? "").contains("UTF-8"))
        XCTAssertEqual(r.status, 1, "an error line makes the exit code 1, as the contract says")
    }

    // MARK: scoped metadata, health

    func testSuggestSchemaAndHealthRevealOnlyTheScope() throws {
        let server = try LiveServer(config: config())
        defer { server.stop() }
        let auth = ["Authorization": "Bearer \(Self.xihuToken)"]
        let engine = try Engine(path: ServerTests.store, resources: ServerTests.resources, now: ServerTests.now)
        let others = engine.catalog.values(.district).filter { $0 != "西湖区" }
        for d in others.prefix(4) {
            let prefix = String(d.prefix(1))
            let q = "上个月" + prefix
            let enc = q.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? q
            let s = server.http.request("GET", "/v1/suggest?q=\(enc)", headers: auth)?.json ?? [:]
            let all = ((s["completions"] as? [String]) ?? []) + ((s["questions"] as? [String]) ?? [])
            XCTAssertFalse(all.contains { $0.contains(d) }, "\(d) leaked through suggest: \(all)")
        }
        let schema = server.http.request("GET", "/v1/schema", headers: auth)?.json ?? [:]
        let dims = schema["dimensions"] as? [String: Any] ?? [:]
        func values(_ d: String) -> [String] { ((dims[d] as? [String: Any])?["values"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String } }
        let depts = Set(values("department"))
        // The departments that handle 西湖区 tickets, straight from the store.
        let inXihu = Set(try engine.db.query("SELECT DISTINCT department FROM tickets WHERE district = ? AND department IS NOT NULL", [.text("西湖区")]).rows.compactMap { r -> String? in
            if case .text(let s)? = r.first { return s }; return nil })
        XCTAssertFalse(depts.isEmpty)
        XCTAssertTrue(depts.isSubset(of: inXihu), "departments outside 西湖区: \(depts.subtracting(inXihu))")
        XCTAssertLessThan(depts.count, engine.catalog.values(.department).count, "some departments belong to other districts only")
        XCTAssertEqual(Set(values("district")), ["西湖区"])
        XCTAssertTrue(values("street").allSatisfy { engine.catalog.districtsOfStreet[$0]?.contains("西湖区") ?? false })
        let h = server.http.request("GET", "/healthz")
        XCTAssertEqual(h?.status, 200)
        XCTAssertEqual(h?.json.count, 1)
        XCTAssertEqual(h?.json["status"] as? String, "ok")
    }

    // MARK: bot rate limits, exports cap

    /// Fixed clock-minute windows: start a counting test early in a minute.
    func awaitFreshMinute() {
        let s = Int(Date().timeIntervalSince1970) % 60
        if s > 45 { Thread.sleep(forTimeInterval: Double(61 - s)) }
    }

    func testBotRateLimitsPerUserAndPerChat() throws {
        let server = try LiveServer(config: config(limits: ["bot_user_per_minute": 3, "bot_chat_per_minute": 5]))
        defer { server.stop() }
        awaitFreshMinute()
        func say(_ user: String, _ chat: String) -> String {
            let r = server.http.request("POST", "/bots/dingtalk", headers: dingHeaders(Self.nowMs()), body: dingBody("上个月工单量", user: user, chat: chat))
            return ((r?.json["markdown"] as? [String: Any])?["text"] as? String) ?? "no reply"
        }
        let u1 = (0..<4).map { _ in say("u1", "chat-a") }
        XCTAssertTrue(u1.prefix(3).allSatisfy { $0.contains("**理解**") }, "\(u1)")
        XCTAssertTrue(u1[3].contains("太频繁"), u1[3])
        // Same chat, other users: the chat allows 5 in all (3 used by u1 … its 4th was refused first by the user limit).
        let others = (0..<4).map { i in say("u\(i + 2)", "chat-a") }
        XCTAssertEqual(others.filter { $0.contains("**理解**") }.count, 2, "\(others)")
        XCTAssertTrue(others.last?.contains("这个会话提问太频繁") ?? false)
        XCTAssertTrue(say("u9", "chat-b").contains("**理解**"), "another chat has its own budget")
        let m = server.http.request("GET", "/metrics")?.body ?? ""
        XCTAssertTrue(m.contains("wenshu_bot_rate_limited_total{by=\"user\"} 1"), m)
    }

    func testExportsAreCappedOldestFirst() throws {
        var conv = Conversation()
        let engine = try Engine(path: ServerTests.store, resources: ServerTests.resources, now: ServerTests.now)
        let a = engine.ask("上个月各区工单量排名", conversation: &conv)
        XCTAssertEqual(a.status, .answered)
        let size = Render.csv(a).utf8.count
        let store = ExportStore(maxCount: 3, maxBytes: size * 10, lifetime: 3600)
        let ids = (0..<5).compactMap { _ in store.link(for: a, base: "http://x")?.split(separator: "/").last.map { String($0.dropLast(4)) } }
        XCTAssertEqual(ids.count, 5)
        XCTAssertEqual(ids.map { store.csv($0) != nil }, [false, false, true, true, true])
        let bytes = ExportStore(maxCount: 100, maxBytes: size * 2 + 1, lifetime: 3600)
        let ids2 = (0..<4).compactMap { _ in bytes.link(for: a, base: "http://x")?.split(separator: "/").last.map { String($0.dropLast(4)) } }
        XCTAssertEqual(ids2.map { bytes.csv($0) != nil }, [false, false, true, true])
        XCTAssertLessThanOrEqual(bytes.totalBytes, size * 2 + 1)
        XCTAssertNil(ExportStore(maxCount: 10, maxBytes: size - 1).link(for: a, base: "http://x"), "an export over the whole budget gets no link")
    }

    // MARK: connections and timeouts

    func testTimeoutsCloseSlowAndIdleConnections() throws {
        let server = try LiveServer(config: config(limits: ["header_seconds": 1, "body_seconds": 1, "idle_seconds": 1]))
        defer { server.stop() }
        func closedWithin(_ fd: Int32, _ seconds: Double) -> Bool {
            let start = Date()
            _ = RawHTTP.readAll(fd)  // returns at EOF (closed by the server) or after the 30 s receive timeout
            return Date().timeIntervalSince(start) < seconds
        }
        // Half a request head.
        let slowHead = RawHTTP.connect(server.port)!
        RawHTTP.send(slowHead, Array("GET /healthz HTTP/1.1\r\nHost: x\r\n".utf8))
        XCTAssertTrue(closedWithin(slowHead, 10))
        close(slowHead)
        // A head that promises a body that never comes.
        let slowBody = RawHTTP.connect(server.port)!
        RawHTTP.send(slowBody, Array("POST /v1/ask HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.cityToken)\r\nContent-Length: 100\r\n\r\n{\"q".utf8))
        XCTAssertTrue(closedWithin(slowBody, 10))
        close(slowBody)
        // A kept-alive connection after its response.
        let idle = RawHTTP.connect(server.port)!
        RawHTTP.send(idle, Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let data = RawHTTP.readAll(idle)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        close(idle)
        let m = server.http.request("GET", "/metrics")?.body ?? ""
        XCTAssertTrue(m.contains("reason=\"timeout_header\""), m)
        XCTAssertTrue(m.contains("reason=\"timeout_body\""), m)
        XCTAssertTrue(m.contains("reason=\"timeout_idle\""), m)
    }

    /// The issue's finding: 1,200 idle connections took every descriptor and every real request
    /// timed out. The server runs under `ulimit -n 1024`, as there, so without a cap it would
    /// run out of descriptors; with the default cap (1,000, lowered to 960 by the limit) the
    /// oldest idle sockets make room for new ones.
    func testTwelveHundredIdleConnectionsDoNotStopARealRequest() throws {
        let limit = FileDescriptors.raiseLimit()
        // Uses fewer sockets only where this test process may not open 1,200 (the figure is printed).
        let count = min(1200, limit - 200)
        let server = try LiveServer(config: config(), openFiles: 1024)
        defer { server.stop() }
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for _ in 0..<count {
            guard let fd = RawHTTP.connect(server.port, timeout: 5) else { break }
            fds.append(fd)
        }
        print("idle connections held: \(fds.count) (open-file limit \(limit))")
        XCTAssertEqual(fds.count, count)
        let r = server.http.ask("上个月工单量", token: Self.cityToken)
        XCTAssertEqual(r?.status, 200)
        XCTAssertEqual(r?.json["status"] as? String, "answered")
        let m = server.http.request("GET", "/metrics")?.body ?? ""
        XCTAssertTrue(m.contains("reason=\"evicted_idle\""), m)
        XCTAssertTrue(server.isRunning)
    }

    func testBusyConnectionsPastTheCapGet503() throws {
        let server = try LiveServer(config: config(limits: ["max_connections": 4, "body_seconds": 30]))
        defer { server.stop() }
        // Four connections each mid-request (head sent, body pending): all busy.
        var busy: [Int32] = []
        defer { busy.forEach { close($0) } }
        for _ in 0..<4 {
            let fd = RawHTTP.connect(server.port)!
            RawHTTP.send(fd, Array("POST /v1/ask HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.cityToken)\r\nContent-Length: 100\r\n\r\n{".utf8))
            busy.append(fd)
        }
        Thread.sleep(forTimeInterval: 0.3)
        let r = server.http.request("GET", "/healthz")
        XCTAssertEqual(r?.status, 503)
        XCTAssertEqual(r?.errorCode, "too_many_connections")
    }

    // MARK: request checks that schemathesis found

    func testMethodsAndNowAreChecked() throws {
        let server = try LiveServer(config: config())
        defer { server.stop() }
        let auth = ["Authorization": "Bearer \(Self.cityToken)", "Content-Type": "application/json"]
        let trace = server.http.request("TRACE", "/v1/ask", headers: auth)
        XCTAssertEqual(trace?.status, 405)
        XCTAssertEqual(trace?.headers["allow"], "POST, GET")
        XCTAssertEqual(server.http.request("DELETE", "/healthz")?.status, 405)
        XCTAssertEqual(server.http.request("GET", "/nothing/here")?.status, 404)
        for bad in ["2026-11-29 -1:-1", "2026-13-01", "2026-11-29 24:00:00", "99999-01-01", "2026-11-29T10:00:00", "２０２６-11-29"] {
            let r = server.http.ask("上个月工单量", token: Self.cityToken, extra: ["now": bad])
            XCTAssertEqual(r?.errorCode, "bad_now", bad)
        }
        XCTAssertEqual(server.http.ask("上个月工单量", token: Self.cityToken, extra: ["now": "2026-03-15 08:00"])?.status, 200)
        XCTAssertEqual(server.http.ask("上个月工单量", token: Self.cityToken, extra: ["format": "xml"])?.status, 400)
        XCTAssertEqual(server.http.ask("上个月工单量", token: Self.cityToken, extra: ["session_id": 5])?.status, 400)
        // Length is counted in characters (Unicode scalars), as JSON Schema's maxLength is.
        let combining = String(repeating: "e\u{301}", count: 150)  // 150 graphemes, 300 scalars
        XCTAssertEqual(server.http.ask(combining, token: Self.cityToken)?.errorCode, "question_too_long")
    }

    // MARK: helpers

    final class Reports: @unchecked Sendable {
        private var lines: [String] = []
        private let lock = NSLock()
        var add: @Sendable (String) -> Void { { [self] s in lock.lock(); lines.append(s); lock.unlock() } }
        var text: String { lock.lock(); defer { lock.unlock() }; return lines.joined(separator: "\n") }
    }

    func makeAPI(audit: String?, required: Bool = false, report: @escaping @Sendable (String) -> Void) throws -> WenshuAPI {
        let engine = try Engine(path: ServerTests.store, resources: ServerTests.resources, now: ServerTests.now)
        var cfg = ServerConfig(tokens: [.init(token: Self.cityToken, name: "a", scope: nil)], auditLog: audit)
        cfg.auditRequired = required
        return try WenshuAPI(engine: engine, config: cfg, now: ServerTests.now, workers: 2, report: report)
    }
}
