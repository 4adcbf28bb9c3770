import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import XCTest
@testable import WenshuCore
@testable import WenshuServer

/// 未诉先办 push: the morning warnings posted to fake DingTalk / WeCom / Feishu group robots
/// on 127.0.0.1, each checking the platform's signature the way the platform does.
final class WatchPushTests: XCTestCase {
    static let seederNow = Now("2026-11-29 10:00:00")!
    static let phone = "13812345678"
    static let dingSecret = "SECd1n6t4lk-test-secret+/="
    static let feishuSecret = "feishu-bot-secret"

    /// A small seeded 杭州 store, with the 噪声扰民 incident the seeder plants 20 days before
    /// its `now`; every ticket of that incident also carries a caller's phone number, which
    /// the pushed example must show masked.
    static let fixture: (path: String, incident: Seeder.Incident, city: CityFile) = {
        let file = NSTemporaryDirectory() + "wenshu-push-\(UUID().uuidString).db"
        let city = try! CityFile.load("hangzhou", resources: ServerTests.root)
        let seeder = Seeder(city: city, options: .init(count: 6000, seed: 7, now: seederNow))
        try! seeder.write(to: file)
        let inc = seeder.incidents.first { $0.subcategory == "噪声扰民" }!
        let db = try! Database.openForWriting(file)
        try! db.execute("""
            UPDATE tickets SET content = content || '联系电话\(phone)'
            WHERE district = '\(inc.district)' AND street = '\(inc.street)' AND subcategory = '噪声扰民'
              AND created_at >= '\(inc.first.timestamp)'
            """)
        return (file, inc, city)
    }()

    /// The morning after the incident began.
    static var pushNow: Now { Now("\(fixture.incident.first.adding(days: 1).iso) 08:00:00")! }

    // MARK: A fake robot server

    final class FakeRobots: @unchecked Sendable {
        struct Hit {
            let name: String
            let rawQuery: String
            let body: [String: Any]
            let at: Date
            /// nil: the platform has no signature for this robot.
            let signatureOK: Bool?
        }

        private var hits: [Hit] = []
        private var failFirst: [String: Int] = [:]
        private var seen: [String: Int] = [:]
        private var times: [String: [Date]] = [:]
        private let lock = NSLock()

        /// When each request arrived, failed ones included.
        func arrivalTimes(_ name: String) -> [Date] { lock.withLock { times[name] ?? [] } }

        func failFirst(_ name: String, _ n: Int) { lock.withLock { failFirst[name] = n } }
        var all: [Hit] { lock.withLock { hits } }
        func hits(_ name: String) -> [Hit] { all.filter { $0.name == name } }
        /// Every request that arrived, failed ones included.
        func arrivals(_ name: String) -> Int { lock.withLock { seen[name] ?? 0 } }

        /// Answers like the platform: 500 while told to fail, else errcode/code 0, or the
        /// platform's signature error when the signature does not verify.
        func handle(name: String, rawQuery: String, body: Data) -> (HTTPResponse.Status, String) {
            let (shouldFail, _) = lock.withLock { () -> (Bool, Int) in
                seen[name, default: 0] += 1
                times[name, default: []].append(Date())
                let left = failFirst[name] ?? 0
                if left > 0 { failFirst[name] = left - 1 }
                return (left > 0, left)
            }
            if shouldFail { return (.internalServerError, "upstream busy") }
            let obj = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            var ok: Bool? = nil
            var reply = "{\"errcode\":0,\"errmsg\":\"ok\"}"
            if name.hasPrefix("wecom"), ((obj["markdown"] as? [String: Any])?["content"] as? String ?? "").utf8.count > 4096 {
                reply = "{\"errcode\":40058,\"errmsg\":\"markdown.content exceed max length 4096\"}"
            } else if name.hasPrefix("ding") {
                ok = FakeRobots.verifyDingTalk(rawQuery: rawQuery, secret: WatchPushTests.dingSecret)
                if ok == false { reply = "{\"errcode\":310000,\"errmsg\":\"sign not match\"}" }
            } else if name.hasPrefix("feishu") {
                ok = FakeRobots.verifyFeishu(body: obj, secret: WatchPushTests.feishuSecret)
                reply = ok == true ? "{\"code\":0,\"msg\":\"success\",\"data\":{}}"
                    : "{\"code\":19021,\"msg\":\"sign match fail or timestamp is not within one hour from current time\"}"
            }
            lock.withLock { hits.append(Hit(name: name, rawQuery: rawQuery, body: obj, at: Date(), signatureOK: ok)) }
            return (.ok, reply)
        }

        static func query(_ raw: String) -> [String: String] {
            var out: [String: String] = [:]
            for pair in raw.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { out[kv[0]] = kv[1] }
            }
            return out
        }

        /// DingTalk custom robot (加签): `timestamp` in ms within an hour of now, and
        /// `sign` = urlEncode(Base64(HmacSHA256(key: secret, message: timestamp + "\n" + secret))).
        static func verifyDingTalk(rawQuery: String, secret: String) -> Bool {
            let q = query(rawQuery)
            guard q["access_token"] == "ding-token", let ts = q["timestamp"], let t = Int64(ts),
                  abs(Double(t) / 1000 - Date().timeIntervalSince1970) < 3600,
                  let rawSign = q["sign"], !rawSign.contains(where: { "+/=".contains($0) }),
                  let sign = rawSign.removingPercentEncoding else { return false }
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(ts)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
            return sign == Data(mac).base64EncodedString()
        }

        /// Feishu custom bot (签名校验): body `timestamp` in seconds within an hour of now,
        /// `sign` = Base64(HmacSHA256(key: timestamp + "\n" + secret, message: empty)).
        static func verifyFeishu(body: [String: Any], secret: String) -> Bool {
            guard let ts = body["timestamp"] as? String, let t = Int64(ts),
                  abs(Double(t) - Date().timeIntervalSince1970) < 3600, let sign = body["sign"] as? String else { return false }
            let mac = HMAC<SHA256>.authenticationCode(for: Data(), using: SymmetricKey(data: Data("\(ts)\n\(secret)".utf8)))
            return sign == Data(mac).base64EncodedString()
        }
    }

    func startFake(_ fake: FakeRobots) async throws -> (Int, Task<Void, Error>) {
        let router = Router()
        router.post("/robot/:name") { request, context in
            let b = request.body
            let body = try await b.collect(upTo: 1 << 20)
            let (status, text) = fake.handle(name: context.parameters.get("name") ?? "", rawQuery: request.uri.query ?? "",
                                             body: Data(body.readableBytesView))
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let portBox = BotTests.PortBox()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ch in portBox.set(ch.localAddress?.port ?? 0) })
        let task = Task { try await app.run() }
        for _ in 0..<250 where portBox.port == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
        XCTAssertNotEqual(portBox.port, 0, "fake robot server did not start")
        return (portBox.port, task)
    }

    final class LogBox: @unchecked Sendable {
        private var lines: [String] = []
        private let lock = NSLock()
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    func config(_ targets: [[String: Any]], state: String?, retries: Int = 3, backoff: Double = 0.05) throws -> WatchPushConfig {
        var w: [String: Any] = ["time": "07:30", "days": 1, "retries": retries, "backoff_seconds": backoff, "targets": targets]
        if let state { w["state_file"] = state }
        return try XCTUnwrap(WatchPushConfig.parse(serveConfig: ["watch": w]))
    }

    static func markdown(_ h: FakeRobots.Hit) -> String {
        if let m = h.body["markdown"] as? [String: Any] { return (m["text"] ?? m["content"]) as? String ?? "" }
        let card = h.body["card"] as? [String: Any]
        return ((card?["elements"] as? [[String: Any]])?.first?["content"] as? String) ?? ""
    }

    func warnings(_ scope: Watch.Scope?, now: Now = pushNow) throws -> [Warning] {
        let db = try Watch.open(path: WatchPushTests.fixture.path)
        return try Watch.warnings(db: db, now: now, days: 1, scope: scope, examples: 1).warnings
    }

    func place(_ w: Warning) -> String { [w.district, w.street, w.community].compactMap { $0 }.joined(separator: " ") }

    // MARK: Tests

    func testSignedScopedMarkdownToEachPlatformOnceOnly() async throws {
        let inc = WatchPushTests.fixture.incident
        let city = try warnings(nil)
        let mine = city.filter { $0.street == inc.street && $0.subcategory == "噪声扰民" }
        XCTAssertEqual(mine.count, 1, "the planted incident is on the morning list: \(city.map(place))")
        let quietDistrict = try XCTUnwrap(WatchPushTests.fixture.city.districts.map(\.name).first { d in !city.contains { $0.district == d } })

        let fake = FakeRobots()
        let (port, task) = try await startFake(fake)
        defer { task.cancel() }
        let base = "http://127.0.0.1:\(port)/robot/"
        let state = NSTemporaryDirectory() + "wenshu-push-state-\(UUID().uuidString).json"
        let cfg = try config([
            ["name": "市领导", "platform": "dingtalk", "webhook": base + "ding?access_token=ding-token", "secret": WatchPushTests.dingSecret, "scope": [String: Any]()],
            ["name": inc.district, "platform": "wecom", "webhook": base + "wecom?key=wecom-key", "scope": ["district": inc.district]],
            ["name": inc.street, "platform": "feishu", "webhook": base + "feishu", "secret": WatchPushTests.feishuSecret, "scope": ["street": inc.street]],
            ["name": quietDistrict, "platform": "wecom", "webhook": base + "wecom-quiet?key=q", "scope": ["district": quietDistrict]],
        ], state: state)
        let log = LogBox()
        let outcomes = await WatchPusher(config: cfg, dbPath: WatchPushTests.fixture.path, log: { log.add($0) }).pushOnce(now: WatchPushTests.pushNow)
        XCTAssertEqual(outcomes.map(\.target), ["市领导", inc.district, inc.street, quietDistrict])
        XCTAssertTrue(outcomes.allSatisfy { $0.error == nil }, "\(outcomes) \(log.all)")

        // Signatures, each recomputed from the platform's formula by the fake.
        let ding = fake.hits("ding"), wecom = fake.hits("wecom"), feishu = fake.hits("feishu")
        XCTAssertEqual(ding.count, 1)
        XCTAssertEqual(wecom.count, 1)
        XCTAssertEqual(feishu.count, 1)
        XCTAssertEqual(ding.first?.signatureOK, true, ding.first?.rawQuery ?? "")
        XCTAssertEqual(feishu.first?.signatureOK, true, "\(feishu.first?.body ?? [:])")
        XCTAssertEqual(ding.first?.body["msgtype"] as? String, "markdown")
        XCTAssertEqual((ding.first?.body["markdown"] as? [String: Any])?["title"] as? String, "未诉先办预警")
        XCTAssertEqual(wecom.first?.body["msgtype"] as? String, "markdown")
        XCTAssertEqual(wecom.first?.rawQuery, "key=wecom-key", "WeCom's webhook is posted as configured")
        XCTAssertEqual(feishu.first?.body["msg_type"] as? String, "interactive")

        // Scope: each group gets its own list; a group with nothing to see gets no post.
        XCTAssertEqual(fake.arrivals("wecom-quiet"), 0)
        XCTAssertEqual(outcomes[3].sent, 0)
        XCTAssertEqual(outcomes[3].attempts, 0)
        let expected: [(FakeRobots.Hit?, [Warning], Int)] = [
            (ding.first, city, 0),
            (wecom.first, try warnings(Watch.Scope(district: inc.district)), 1),
            (feishu.first, try warnings(Watch.Scope(street: inc.street)), 2),
        ]
        for (hit, list, i) in expected {
            let md = WatchPushTests.markdown(try XCTUnwrap(hit))
            XCTAssertEqual(outcomes[i].sent, list.count)
            XCTAssertTrue(md.contains("未诉先办预警（\(outcomes[i].target)）"), md)
            for w in list {
                XCTAssertTrue(md.contains("**\(place(w)) · \(w.subcategory)**：\(w.count) 件"), "\(place(w)) missing in \(md)")
                XCTAssertTrue(md.contains("追问：「\(w.question)」"), md)
                let example = try XCTUnwrap(w.examples.first?.content)
                XCTAssertTrue(md.contains(example), "example \(example) missing in \(md)")
            }
            for w in city where !list.contains(w) {
                XCTAssertFalse(md.contains("**\(place(w)) · \(w.subcategory)**"), "\(place(w)) is outside \(outcomes[i].target)'s scope")
            }
            // The incident's tickets carry a phone number: masked in the chat.
            XCTAssertTrue(md.contains("138****5678"), md)
            XCTAssertFalse(md.contains(WatchPushTests.phone), md)
        }

        // A second round (a new process, the same state file) sends nothing.
        let again = await WatchPusher(config: cfg, dbPath: WatchPushTests.fixture.path, log: { log.add($0) }).pushOnce(now: WatchPushTests.pushNow)
        XCTAssertEqual(again.map(\.sent), [0, 0, 0, 0])
        XCTAssertEqual(fake.all.count, 3)
        // The next morning the incident is still on the list, but already sent.
        let nextNow = Now("\(inc.first.adding(days: 2).iso) 08:00:00")!
        let next = try warnings(nil, now: nextNow)
        let ongoing = next.filter { $0.street == inc.street && $0.subcategory == "噪声扰民" }
        XCTAssertEqual(ongoing.count, 1, "the incident goes on: \(next.map(place))")
        let nextOut = await WatchPusher(config: cfg, dbPath: WatchPushTests.fixture.path, log: { log.add($0) }).pushOnce(now: nextNow)
        XCTAssertTrue(nextOut.allSatisfy { $0.error == nil }, "\(nextOut)")
        for h in fake.all.dropFirst(3) {
            XCTAssertFalse(WatchPushTests.markdown(h).contains("\(inc.street)") && WatchPushTests.markdown(h).contains("噪声扰民"),
                           "the incident was pushed twice: \(WatchPushTests.markdown(h))")
        }
        XCTAssertEqual(nextOut[2].sent, 0, "the street group has nothing new")
    }

    func testRetriesWithBackoffThenSucceeds() async throws {
        let inc = WatchPushTests.fixture.incident
        let fake = FakeRobots()
        let (port, task) = try await startFake(fake)
        defer { task.cancel() }
        fake.failFirst("wecom-flaky", 2)
        let cfg = try config([["name": "flaky", "platform": "wecom", "webhook": "http://127.0.0.1:\(port)/robot/wecom-flaky?key=k",
                               "scope": ["street": inc.street]]], state: nil, retries: 3, backoff: 0.1)
        let log = LogBox()
        let out = await WatchPusher(config: cfg, dbPath: WatchPushTests.fixture.path, log: { log.add($0) }).pushOnce(now: WatchPushTests.pushNow)
        XCTAssertEqual(out.first?.error, nil, log.all.joined(separator: "\n"))
        XCTAssertEqual(out.first?.attempts, 3, "two 500s, then success")
        XCTAssertEqual(fake.arrivals("wecom-flaky"), 3)
        XCTAssertEqual(fake.hits("wecom-flaky").count, 1)
        // Exponential backoff: at least 0.1 s, then 0.2 s between attempts (lower bounds only).
        let t = fake.arrivalTimes("wecom-flaky")
        if t.count == 3 {
            XCTAssertGreaterThanOrEqual(t[1].timeIntervalSince(t[0]), 0.1)
            XCTAssertGreaterThanOrEqual(t[2].timeIntervalSince(t[1]), 0.2)
        }
        XCTAssertGreaterThan(out.first?.sent ?? 0, 0)
        XCTAssertTrue(log.all.isEmpty, "a push that succeeded on retry is not an error: \(log.all)")
    }

    func testFailingRobotsAreLoggedNeverThrownAndRetriedNextRound() async throws {
        let inc = WatchPushTests.fixture.incident
        let fake = FakeRobots()
        let (port, task) = try await startFake(fake)
        defer { task.cancel() }
        fake.failFirst("wecom-down", 1000)
        let base = "http://127.0.0.1:\(port)/robot/"
        let state = NSTemporaryDirectory() + "wenshu-push-state-\(UUID().uuidString).json"
        let scope: [String: Any] = ["street": inc.street]
        let cfg = try config([
            ["name": "down", "platform": "wecom", "webhook": base + "wecom-down?key=k", "scope": scope],
            // Nothing listens on port 1: connection refused.
            ["name": "refused", "platform": "wecom", "webhook": "http://127.0.0.1:1/robot/x", "scope": scope],
            // The platform answers 200 with its signature error code.
            ["name": "wrong-secret", "platform": "dingtalk", "webhook": base + "ding?access_token=ding-token", "secret": "not-the-secret", "scope": scope],
            ["name": "fine", "platform": "feishu", "webhook": base + "feishu", "secret": WatchPushTests.feishuSecret, "scope": scope],
        ], state: state, retries: 2, backoff: 0.01)
        let log = LogBox()
        let out = await WatchPusher(config: cfg, dbPath: WatchPushTests.fixture.path, log: { log.add($0) }).pushOnce(now: WatchPushTests.pushNow)
        XCTAssertEqual(out.map(\.attempts), [3, 3, 3, 1])
        XCTAssertNotNil(out[0].error)
        XCTAssertTrue(out[0].error?.contains("500") ?? false, out[0].error ?? "")
        XCTAssertNotNil(out[1].error)
        XCTAssertTrue(out[2].error?.contains("310000") ?? false, out[2].error ?? "")
        XCTAssertNil(out[3].error)
        XCTAssertEqual(out.map(\.sent).prefix(3), [0, 0, 0])
        XCTAssertEqual(fake.arrivals("wecom-down"), 3)
        for name in ["down", "refused", "wrong-secret"] {
            XCTAssertTrue(log.all.contains { $0.hasPrefix("\(name)：推送失败（3 次）") }, "\(name) not logged: \(log.all)")
        }
        XCTAssertEqual(log.all.count, 3)
        // The endpoint is back: the next round delivers what failed, and only that.
        fake.failFirst("wecom-down", 0)
        let again = await WatchPusher(config: cfg, dbPath: WatchPushTests.fixture.path, log: { log.add($0) }).pushOnce(now: WatchPushTests.pushNow)
        XCTAssertNil(again[0].error)
        XCTAssertEqual(again[0].sent, out[3].sent)
        XCTAssertEqual(again[3].sent, 0)
        XCTAssertEqual(fake.hits("feishu").count, 1)
        XCTAssertEqual(fake.hits("wecom-down").count, 1)
    }

    /// A long list is split into messages that each fit the platform; every warning is in
    /// exactly one of them, in order, numbered on.
    func testLongListsAreSplitToFitThePlatform() throws {
        let db = try Watch.open(path: WatchPushTests.fixture.path)
        let report = try Watch.warnings(db: db, now: WatchPushTests.seederNow, days: 700, examples: 1)
        XCTAssertGreaterThanOrEqual(report.warnings.count, 5, "the seeder's planted incidents over two years")
        let whole = WatchPushMessage.messages(report, target: "市", limit: WatchPushMessage.limit(.dingtalk))
        XCTAssertEqual(whole.count, 1)
        XCTAssertEqual(whole.first?.markdown, WatchPushMessage.markdown(report, target: "市"))
        let limit = 700
        let parts = WatchPushMessage.messages(report, target: "市", limit: limit)
        XCTAssertGreaterThan(parts.count, 1)
        XCTAssertEqual(parts.flatMap(\.warnings), report.warnings)
        for (i, p) in parts.enumerated() {
            XCTAssertLessThanOrEqual(p.markdown.utf8.count, limit, p.markdown)
            XCTAssertFalse(p.warnings.isEmpty)
            XCTAssertTrue(p.markdown.hasPrefix(i == 0 ? "### 未诉先办预警（市）" : "### 未诉先办预警（市，续）"), p.markdown)
            for w in p.warnings { XCTAssertTrue(p.markdown.contains("**\(place(w)) · \(w.subcategory)**"), p.markdown) }
        }
        XCTAssertTrue(parts.last?.markdown.contains("\n\(report.warnings.count). **") ?? false, "numbering runs on across messages")
        XCTAssertEqual(WatchPushMessage.clip("北山街道", bytes: 7), "北山")
    }

    /// `digest: true`: each group also gets yesterday's figures for its scope, once a day.
    func testDigestOptIn() async throws {
        let inc = WatchPushTests.fixture.incident
        let fake = FakeRobots()
        let (port, task) = try await startFake(fake)
        defer { task.cancel() }
        var cfg = try config([["name": inc.district, "platform": "dingtalk", "webhook": "http://127.0.0.1:\(port)/robot/ding?access_token=ding-token",
                               "secret": WatchPushTests.dingSecret, "scope": ["district": inc.district]]], state: nil)
        XCTAssertFalse(cfg.digest, "off unless asked")
        cfg.digest = true
        let pusher = WatchPusher(config: cfg, dbPath: WatchPushTests.fixture.path)
        let out = await pusher.pushOnce(now: WatchPushTests.pushNow)
        XCTAssertNil(out.first?.error)
        XCTAssertEqual(out.first?.digestSent, true)
        let hits = fake.hits("ding")
        XCTAssertEqual(hits.count, 2, "the digest, then the warnings")
        XCTAssertTrue(hits.allSatisfy { $0.signatureOK == true })
        XCTAssertEqual((hits.first?.body["markdown"] as? [String: Any])?["title"] as? String, "昨日工单概况")
        let md = WatchPushTests.markdown(try XCTUnwrap(hits.first))

        // The same figures, counted here with SQL of the test's own.
        let db = try Watch.open(path: WatchPushTests.fixture.path)
        let day = WatchPushTests.pushNow.day.adding(days: -1).iso
        func count(_ extra: String) throws -> Int {
            let r = try db.query("SELECT COUNT(*) FROM tickets WHERE substr(created_at, 1, 10) = ? AND district = ? " + extra, [.text(day), .text(inc.district)])
            return Int(r.rows.first?.first?.doubleValue ?? -1)
        }
        let total = try count("")
        XCTAssertGreaterThan(total, 0)
        XCTAssertTrue(md.contains("\(day) 共受理 **\(total)** 件"), md)
        let top = try db.query("SELECT subcategory, COUNT(*) FROM tickets WHERE substr(created_at, 1, 10) = ? AND district = ? AND subcategory IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1", [.text(day), .text(inc.district)])
        let first = try XCTUnwrap(top.rows.first)
        XCTAssertTrue(md.contains("主要问题：\(first[0].stringValue ?? "?") \(Int(first[1].doubleValue ?? 0)) 件"), md)
        let sat = try count("AND satisfaction IN ('满意', '基本满意')"), rated = try count("AND satisfaction IS NOT NULL")
        let res = try count("AND resolved = 1"), resOf = try count("AND resolved IS NOT NULL")
        func rate(_ a: Int, _ b: Int) -> String { b == 0 ? "—（暂无评价）" : String(format: "%.1f%%", Double(a) * 100 / Double(b)) + "（\(b) 件有评价）" }
        XCTAssertTrue(md.contains("解决率 \(rate(res, resOf))，满意率 \(rate(sat, rated))"), md)
        XCTAssertTrue(md.contains("响应率"), "the third rate is named and explained")

        // Once a day.
        let again = await pusher.pushOnce(now: WatchPushTests.pushNow)
        XCTAssertEqual(again.first?.digestSent, false)
        XCTAssertEqual(fake.hits("ding").count, 2)
        XCTAssertTrue(try WatchPushConfig.parse(serveConfig: ["watch": ["digest": true, "targets": [[String: Any]]()]])?.digest ?? false)
    }

    /// `wenshu watch --push` (for cron): the real binary, one round, exit 1 when a target failed.
    func testWatchPushCommand() async throws {
        guard FileManager.default.isExecutableFile(atPath: LiveBinary.path) else { throw XCTSkip("wenshu binary not built") }
        let inc = WatchPushTests.fixture.incident
        let fake = FakeRobots()
        let (port, task) = try await startFake(fake)
        defer { task.cancel() }
        let state = NSTemporaryDirectory() + "wenshu-push-state-\(UUID().uuidString).json"
        func serveJSON(_ webhook: String, stateFile: String? = nil) throws -> String {
            let w: [String: Any] = ["state_file": stateFile ?? state, "retries": 1, "backoff_seconds": 0.01, "targets": [
                ["name": "街道", "platform": "feishu", "webhook": webhook, "secret": WatchPushTests.feishuSecret, "scope": ["street": inc.street]]]]
            return try LiveBinary.tempFile("serve.json", String(decoding: try JSONSerialization.data(withJSONObject: ["watch": w]), as: UTF8.self))
        }
        func run(_ cfg: String) async -> (status: Int32, signalled: Bool, out: String, err: String)? {
            // The process is waited for off the cooperative pool, which serves the fake robot.
            await withCheckedContinuation { c in
                DispatchQueue.global().async {
                    c.resume(returning: try? LiveBinary.run(["watch", "--db", WatchPushTests.fixture.path, "--now", WatchPushTests.pushNow.timestamp, "--push", "--config", cfg]))
                }
            }
        }
        let good = try serveJSON("http://127.0.0.1:\(port)/robot/feishu")
        let o1 = await run(good)
        let r1 = try XCTUnwrap(o1)
        XCTAssertEqual(r1.status, 0, r1.err)
        let n = try warnings(Watch.Scope(street: inc.street)).count
        XCTAssertGreaterThan(n, 0)
        XCTAssertEqual(r1.out, "街道：推送 \(n) 条\n")
        XCTAssertEqual(fake.hits("feishu").count, 1)
        XCTAssertEqual(fake.hits("feishu").first?.signatureOK, true)
        let o2 = await run(good)
        let r2 = try XCTUnwrap(o2)
        XCTAssertEqual(r2.status, 0)
        XCTAssertEqual(r2.out, "街道：推送 0 条\n", "already sent: the state file outlives the process")
        XCTAssertEqual(fake.hits("feishu").count, 1)
        fake.failFirst("feishu-down", 100)
        let o3 = await run(try serveJSON("http://127.0.0.1:\(port)/robot/feishu-down", stateFile: state + ".2"))
        let r3 = try XCTUnwrap(o3)
        XCTAssertEqual(r3.status, 1)
        XCTAssertFalse(r3.signalled)
        XCTAssertTrue(r3.out.contains("街道：失败（2 次）：HTTP 500"), r3.out)
        XCTAssertTrue(r3.err.contains("推送失败"), r3.err)
    }

    func testUnreadableStoreIsLoggedNotThrown() async throws {
        let cfg = try config([["name": "x", "platform": "wecom", "webhook": "http://127.0.0.1:1/x", "scope": [String: Any]()]], state: nil)
        let log = LogBox()
        let out = await WatchPusher(config: cfg, dbPath: "/nonexistent/wenshu.db", log: { log.add($0) }).pushOnce(now: WatchPushTests.pushNow)
        XCTAssertNotNil(out.first?.error)
        XCTAssertEqual(out.first?.attempts, 0)
        XCTAssertEqual(log.all.count, 1)
    }

    func testConfigIsCheckedWithClearMessages() throws {
        func err(_ w: [String: Any]) -> String {
            do { _ = try WatchPushConfig.parse(serveConfig: ["watch": w]); return "" } catch { return "\(error)" }
        }
        let t: [String: Any] = ["name": "a", "platform": "wecom", "webhook": "https://example.invalid/x"]
        XCTAssertNil(try WatchPushConfig.parse(serveConfig: [:]))
        XCTAssertTrue(err(["time": "25:00", "targets": [t]]).contains("watch.time"))
        XCTAssertTrue(err(["time": "7", "targets": [t]]).contains("watch.time"))
        XCTAssertTrue(err(["days": 0, "targets": [t]]).contains("watch.days"))
        XCTAssertTrue(err(["retries": 99, "targets": [t]]).contains("watch.retries"))
        XCTAssertTrue(err(["backoff_seconds": -1, "targets": [t]]).contains("watch.backoff_seconds"))
        XCTAssertTrue(err(["targets": [t.merging(["platform": "slack"]) { $1 }]]).contains("platform"))
        XCTAssertTrue(err(["targets": [t.merging(["webhook": "ftp://x"]) { $1 }]]).contains("webhook"))
        XCTAssertTrue(err(["targets": [t, t]]).contains("不能重复"))
        XCTAssertTrue(err(["digest": "yes", "targets": [t]]).contains("watch.digest"))
        let ok = try XCTUnwrap(WatchPushConfig.parse(serveConfig: ["watch": ["time": "06:05", "targets": [t]]]))
        XCTAssertEqual(ok.hour, 6)
        XCTAssertEqual(ok.minute, 5)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let at = cal.date(from: DateComponents(year: 2026, month: 11, day: 29, hour: 7))!
        XCTAssertEqual(ok.nextRun(after: at, calendar: cal), cal.date(from: DateComponents(year: 2026, month: 11, day: 30, hour: 6, minute: 5)))
    }
}
