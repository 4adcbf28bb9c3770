import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest
@testable import WenshuCore
@testable import WenshuServer

/// The real server on 127.0.0.1, called over HTTP. `PostgresServerTests` runs every test again
/// with the same tickets in PostgreSQL (it overrides `makeEngine` and `placeholder`).
class ServerTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let now = Now("2026-11-29 10:00:00")!
    static let resources: Resources = {
        setenv("XDG_CACHE_HOME", NSTemporaryDirectory() + "wenshu-test-cache", 1)
        return try! Resources.load(root: root)
    }()
    static let store: String = {
        let file = NSTemporaryDirectory() + "wenshu-server-\(UUID().uuidString).db"
        let city = try! CityFile.load("hangzhou", resources: root)
        try! Seeder(city: city, options: .init(count: 6000, seed: 5, now: now)).write(to: file)
        return file
    }()

    static let cityToken = "city-token-0001"
    static let xihuToken = "xihu-token-0001"

    /// The engine over the store under test (the server's workers share it).
    func makeEngine() throws -> Engine {
        try Engine(path: ServerTests.store, resources: ServerTests.resources, now: ServerTests.now)
    }

    /// How a bound value is written in the store's SQL dialect.
    var placeholder: String { "?" }

    func makeAPI(limits: ServerConfig.Limits = .init(), audit: String? = nil) throws -> WenshuAPI {
        let engine = try makeEngine()
        let cfg = ServerConfig(tokens: [
            .init(token: ServerTests.cityToken, name: "analyst", scope: nil),
            .init(token: ServerTests.xihuToken, name: "xihu-office", scope: Scope(level: .district, name: "西湖区")),
        ], limits: limits, auditLog: audit)
        return try WenshuAPI(engine: engine, config: cfg, now: ServerTests.now, workers: 3)
    }

    func auth(_ t: String = cityToken) -> HTTPFields { [.authorization: "Bearer \(t)", .contentType: "application/json"] }

    func json(_ b: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(b.readableBytesView))) as? [String: Any] ?? [:]
    }

    func body(_ obj: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: obj))
    }

    func testAskMatchesTheEngineAndCSV() async throws {
        let api = try makeAPI()
        let app = buildApplication(api: api, host: "127.0.0.1", port: 0)
        let engine = try makeEngine()
        var conv = Conversation()
        let direct = engine.ask("上个月各区工单量排名", conversation: &conv)
        try await app.test(.live) { client in
            XCTAssertNotNil(client.port)
            let r = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "上个月各区工单量排名"]))
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual(String(buffer: r.body), direct.json.render())
            let g = try await client.execute(uri: "/v1/ask?q=%E4%B8%8A%E4%B8%AA%E6%9C%88%E5%90%84%E5%8C%BA%E5%B7%A5%E5%8D%95%E9%87%8F%E6%8E%92%E5%90%8D", method: .get, headers: auth())
            XCTAssertEqual(String(buffer: g.body), direct.json.render())
            var h = auth()
            h[.accept] = "text/csv"
            let csv = try await client.execute(uri: "/v1/ask", method: .post, headers: h, body: body(["question": "上个月各区工单量排名"]))
            XCTAssertEqual(csv.headers[.contentType], "text/csv; charset=utf-8")
            XCTAssertEqual(String(buffer: csv.body), Render.csv(direct))
            let csv2 = try await client.execute(uri: "/v1/ask?format=csv&q=%E4%BB%8A%E5%B9%B4%E5%B7%A5%E5%8D%95%E9%87%8F", method: .get, headers: auth())
            XCTAssertTrue(String(buffer: csv2.body).hasPrefix("工单量\r\n"))
        }
    }

    func testSessionsCarryContext() async throws {
        let app = buildApplication(api: try makeAPI(), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            _ = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "本月西湖区投诉多少件", "session_id": "s1"]))
            let b = json(try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "那上个月呢", "session_id": "s1"])).body)
            XCTAssertEqual(b["interpretation"] as? String, "2026年10月 · 西湖区 · 投诉 · 工单量")
            // Another session id starts empty: with nothing to count, it asks back.
            let c = json(try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "那上个月呢", "session_id": "s2"])).body)
            XCTAssertEqual(c["status"] as? String, "clarify")
            // A request's own now pins the time.
            let d = json(try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "上个月工单量", "now": "2026-03-15 08:00:00"])).body)
            XCTAssertEqual((d["time_range"] as? [String: String])?["start"], "2026-02-01 00:00:00")
        }
    }

    func testAuthAndErrors() async throws {
        let app = buildApplication(api: try makeAPI(limits: .init(maxBodyBytes: 2000, maxQuestionChars: 50, requestsPerMinute: 1000)), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let none = try await client.execute(uri: "/v1/ask", method: .post, headers: [.contentType: "application/json"], body: body(["question": "上个月工单量"]))
            XCTAssertEqual(none.status, .unauthorized)
            XCTAssertEqual((json(none.body)["error"] as? [String: String])?["code"], "unauthorized")
            let bad = try await client.execute(uri: "/v1/ask", method: .post, headers: auth("wrong-token-123"), body: body(["question": "上个月工单量"]))
            XCTAssertEqual(bad.status, .unauthorized)
            let garbage = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: ByteBuffer(string: "{not json"))
            XCTAssertEqual(garbage.status, .badRequest)
            XCTAssertEqual((json(garbage.body)["error"] as? [String: String])?["code"], "bad_json")
            let huge = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: ByteBuffer(string: "{\"question\": \"" + String(repeating: "啊", count: 5000) + "\"}"))
            XCTAssertEqual(huge.status, .contentTooLarge)
            XCTAssertEqual((json(huge.body)["error"] as? [String: String])?["code"], "body_too_large")
            let long = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": String(repeating: "工单", count: 40)]))
            XCTAssertEqual((json(long.body)["error"] as? [String: String])?["code"], "question_too_long")
            let missing = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["q": "x"]))
            XCTAssertEqual((json(missing.body)["error"] as? [String: String])?["code"], "missing_question")
            let nowBad = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "上个月工单量", "now": "yesterday"]))
            XCTAssertEqual((json(nowBad.body)["error"] as? [String: String])?["code"], "bad_now")
            let nf = try await client.execute(uri: "/v2/nothing", method: .get, headers: auth())
            XCTAssertEqual(nf.status, .notFound)
            XCTAssertFalse(String(buffer: nf.body).contains("Swift"))
            let oos = json(try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "删除所有工单"])).body)
            XCTAssertEqual(oos["status"] as? String, "unsupported")
            XCTAssertTrue(oos["sql"] is NSNull)
        }
    }

    func testRateLimit() async throws {
        let app = buildApplication(api: try makeAPI(limits: .init(requestsPerMinute: 3)), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            var codes: [HTTPResponse.Status] = []
            for _ in 0..<5 { codes.append(try await client.execute(uri: "/v1/schema", method: .get, headers: auth()).status) }
            XCTAssertEqual(codes.filter { $0 == .ok }.count, 3)
            XCTAssertEqual(codes.last, .tooManyRequests)
            // Another token has its own budget.
            let other = try await client.execute(uri: "/v1/schema", method: .get, headers: auth(ServerTests.xihuToken))
            XCTAssertEqual(other.status, .ok)
        }
    }

    func testScopeCannotBeEscaped() async throws {
        let app = buildApplication(api: try makeAPI(), host: "127.0.0.1", port: 0)
        let engine = try makeEngine()
        let otherStreet = engine.catalog.districtsOfStreet.first { $0.value == ["拱墅区"] }!.key
        try await app.test(.live) { client in
            func ask(_ q: String, _ session: String = "x") async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(ServerTests.xihuToken), body: body(["question": q, "session_id": session]))
                return (r.status, json(r.body))
            }
            for q in ["上个月拱墅区工单量", "拱墅上个月的投诉", "\(otherStreet)今年工单量", "今年\(otherStreet.replacingOccurrences(of: "街道", with: ""))的举报有多少"] {
                let (code, a) = try await ask(q)
                XCTAssertEqual(code, .forbidden, q)
                XCTAssertEqual(a["status"] as? String, "denied", q)
                XCTAssertTrue(a["sql"] is NSNull, q)
            }
            let (_, ranking) = try await ask("上个月各区工单量排名", "f")
            XCTAssertEqual((ranking["rows"] as? [[Any]])?.compactMap { $0.first as? String }, ["西湖区"])
            let (code, follow) = try await ask("只看拱墅区", "f")
            XCTAssertEqual(code, .forbidden)
            XCTAssertEqual(follow["status"] as? String, "denied")
            let (_, total) = try await ask("全市上个月工单量", "g")
            XCTAssertTrue((total["sql"] as? String ?? "").contains("district = \(placeholder)"), "whole-city words stay inside the scope")
            let schema = json(try await client.execute(uri: "/v1/schema", method: .get, headers: auth(ServerTests.xihuToken)).body)
            let districts = ((schema["dimensions"] as? [String: Any])?["district"] as? [String: Any])?["values"] as? [[String: Any]]
            XCTAssertEqual(districts?.compactMap { $0["value"] as? String }, ["西湖区"])
        }
    }

    func testSchemaSuggestHealthMetricsAudit() async throws {
        let audit = NSTemporaryDirectory() + "wenshu-audit-\(UUID().uuidString).jsonl"
        let app = buildApplication(api: try makeAPI(audit: audit), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let s = json(try await client.execute(uri: "/v1/schema", method: .get, headers: auth()).body)
            let dims = s["dimensions"] as? [String: Any]
            XCTAssertNotNil(dims?["district"])
            XCTAssertTrue((s["metrics"] as? [[String: Any]])?.contains { $0["name"] as? String == "satisfaction_rate" } ?? false)
            XCTAssertTrue((s["time_words"] as? [String])?.contains("上个月") ?? false)
            let sug = json(try await client.execute(uri: "/v1/suggest?q=%E4%B8%8A%E4%B8%AA%E6%9C%88%E8%A5%BF", method: .get, headers: auth()).body)
            XCTAssertTrue((sug["completions"] as? [String])?.contains("上个月西湖区") ?? false, "\(sug)")
            XCTAssertFalse((sug["questions"] as? [String] ?? []).isEmpty)
            let h = try await client.execute(uri: "/healthz", method: .get)
            XCTAssertEqual(h.status, .ok)
            _ = try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "今年工单量"]))
            let m = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            XCTAssertTrue(m.contains("wenshu_http_requests_total{route=\"/v1/ask\",code=\"200\"} 1"), m)
            XCTAssertTrue(m.contains("wenshu_answers_total{status=\"answered\"} 1"), m)
            XCTAssertTrue(m.contains("wenshu_http_request_duration_seconds_count"))
        }
        let lines = try String(contentsOfFile: audit, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let rec = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(rec["token"] as? String, "analyst")
        XCTAssertEqual(rec["question"] as? String, "今年工单量")
        XCTAssertEqual(rec["status"] as? String, "answered")
        XCTAssertEqual(rec["rows"] as? Int, 1)
        XCTAssertNotNil(rec["sql"] as? String)
        XCTAssertNotNil(rec["ms"])
    }

    func testOpenAPIMatchesRoutesAndAnswers() async throws {
        // Paths in the document are exactly the registered routes, with their methods.
        let doc = OpenAPI.document
        var documented: Set<String> = []
        var path = ""
        for line in doc.split(separator: "\n") {
            if line.hasPrefix("  /") { path = String(line.dropFirst(2).dropLast()) }
            else if !path.isEmpty, line.hasPrefix("    "), !line.hasPrefix("     "), let m = ["get:", "post:"].first(where: { line.trimmingCharacters(in: .whitespaces) == $0 }) {
                documented.insert(m.dropLast().uppercased() + " " + path)
            } else if !line.hasPrefix(" ") { path = "" }
        }
        XCTAssertEqual(documented, Set(apiRoutes.map { "\($0.method) \($0.path)" }))
        // The Answer schema's required fields are what the server sends.
        let app = buildApplication(api: try makeAPI(), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let served = String(buffer: try await client.execute(uri: "/openapi.yaml", method: .get).body)
            XCTAssertEqual(served, doc)
            let a = json(try await client.execute(uri: "/v1/ask", method: .post, headers: auth(), body: body(["question": "今年工单量"])).body)
            let required = doc.split(separator: "\n").first { $0.contains("required: [question, status") }!
            let fields = required.split(separator: "[")[1].dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for f in fields { XCTAssertNotNil(a[f], f) }
        }
    }

    func testParallelRequestsUseSeparateConnections() async throws {
        let app = buildApplication(api: try makeAPI(), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let qs = ["今年工单量", "上个月各区工单量排名", "今年每个月的满意率", "近30天哪个部门承办的工单最多", "今年各渠道来源占比", "列出昨天的紧急工单"]
            try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for i in 0..<24 {
                    let q = qs[i % qs.count]
                    group.addTask {
                        let r = try await client.execute(uri: "/v1/ask", method: .post, headers: self.auth(), body: self.body(["question": q]))
                        return (q, Int(r.status.code))
                    }
                }
                for try await (q, code) in group { XCTAssertEqual(code, 200, q) }
            }
        }
    }
}
