import Crypto
import _CryptoExtras
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest
@testable import WenshuCore
@testable import WenshuServer

/// Signed and encrypted webhook payloads, built per each platform's documentation, posted
/// to the running server.
/// `PostgresBotTests` runs them again with the same tickets in PostgreSQL.
class BotTests: XCTestCase {
    static let dingSecret = "SEC-dingtalk-test-secret"
    static let wecomToken = "QDG6eK"
    static let wecomKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    static let wecomCorp = "wx5823bf96d3bd56c7"
    static let feishuToken = "feishu-verification-token"
    static let feishuKey = "feishu-encrypt-key"

    /// The engine over the store under test.
    func makeEngine() throws -> Engine {
        try Engine(path: ServerTests.store, resources: ServerTests.resources, now: ServerTests.now)
    }

    func makeAPI(feishuBase: String = "http://127.0.0.1:9", encrypt: Bool = false, audit: String? = nil) throws -> WenshuAPI {
        let engine = try makeEngine()
        var feishu: [String: Any] = ["app_id": "cli_test", "app_secret": "secret", "verification_token": BotTests.feishuToken,
                                     "api_base": feishuBase, "default_scope": [String: Any]()]
        if encrypt { feishu["encrypt_key"] = BotTests.feishuKey }
        let bots: [String: Any] = [
            "dingtalk": ["app_secret": BotTests.dingSecret, "scopes": ["xihu-user": ["district": "西湖区"], "city-user": [String: Any]()]],
            "wecom": ["token": BotTests.wecomToken, "encoding_aes_key": BotTests.wecomKey, "corp_id": BotTests.wecomCorp, "default_scope": [String: Any]()],
            "feishu": feishu,
        ]
        let cfg = ServerConfig(tokens: [.init(token: "unused-token-01", name: "x", scope: nil)], auditLog: audit, publicBaseURL: "http://127.0.0.1:8080", bots: bots)
        return try WenshuAPI(engine: engine, config: cfg, now: ServerTests.now, workers: 2)
    }

    func json(_ b: ByteBuffer) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(b.readableBytesView))) as? [String: Any] ?? [:] }

    // MARK: DingTalk

    func dingHeaders(_ ts: Int64 = Int64(Date().timeIntervalSince1970 * 1000), secret: String = dingSecret) -> HTTPFields {
        // Documented: sign = Base64(HmacSHA256(secret, timestamp + "\n" + secret)).
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(ts)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return [HTTPField.Name("timestamp")!: "\(ts)", HTTPField.Name("sign")!: Data(mac).base64EncodedString(), .contentType: "application/json"]
    }

    func dingBody(_ text: String, user: String = "city-user", chat: String = "cid-1", msgId: String = UUID().uuidString) -> ByteBuffer {
        let obj: [String: Any] = ["msgtype": "text", "text": ["content": text], "msgId": msgId, "conversationId": chat,
                                  "conversationType": "2", "senderStaffId": user, "senderNick": "测试"]
        return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: obj))
    }

    func testDingTalk() async throws {
        let audit = NSTemporaryDirectory() + "wenshu-bot-audit-\(UUID().uuidString).jsonl"
        let app = buildApplication(api: try makeAPI(audit: audit), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let r = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: dingHeaders(), body: dingBody("@问数 上个月西湖区投诉多少件", msgId: "m1"))
            XCTAssertEqual(r.status, .ok)
            let md = (json(r.body)["markdown"] as? [String: Any])?["text"] as? String ?? ""
            XCTAssertEqual(json(r.body)["msgtype"] as? String, "markdown")
            XCTAssertTrue(md.contains("**理解**：2026年10月 · 西湖区 · 投诉 · 工单量"), md)
            // A retry of the same delivery gets the same reply and is not asked again.
            let again = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: dingHeaders(), body: dingBody("@问数 上个月西湖区投诉多少件", msgId: "m1"))
            XCTAssertEqual((json(again.body)["markdown"] as? [String: Any])?["text"] as? String, md)
            // Follow-up in the same chat.
            let f = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: dingHeaders(), body: dingBody("按街道分开看", msgId: "m2"))
            let fmd = (json(f.body)["markdown"] as? [String: Any])?["text"] as? String ?? ""
            XCTAssertTrue(fmd.contains("按街道") && fmd.contains("| 街道 |"), fmd)
            XCTAssertTrue(fmd.contains("/exports/"), "a CSV link when a base URL is configured")
            // Forged, stale.
            var forged = dingHeaders()
            forged[HTTPField.Name("sign")!] = "AAAA" + (forged[HTTPField.Name("sign")!] ?? "")
            let st1 = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: forged, body: dingBody("上个月工单量"))
            XCTAssertEqual(st1.status, .forbidden)
            let stale = dingHeaders(Int64(Date().timeIntervalSince1970 * 1000) - 2 * 3_600_000)
            let st2 = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: stale, body: dingBody("上个月工单量"))
            XCTAssertEqual(st2.status, .forbidden)
            let st3 = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: dingHeaders(secret: "wrong"), body: dingBody("上个月工单量"))
            XCTAssertEqual(st3.status, .forbidden)
            // Scope: a 西湖区 user cannot see 拱墅区; an unknown user is refused.
            let x = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: dingHeaders(), body: dingBody("上个月拱墅区工单量", user: "xihu-user", chat: "cid-2"))
            XCTAssertTrue(((json(x.body)["markdown"] as? [String: Any])?["text"] as? String ?? "").contains("权限限于西湖区"))
            let u = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: dingHeaders(), body: dingBody("上个月工单量", user: "stranger", chat: "cid-3"))
            XCTAssertTrue(((json(u.body)["markdown"] as? [String: Any])?["text"] as? String ?? "").contains("还没有开通"))
        }
        let lines = try String(contentsOfFile: audit, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("上个月西湖区投诉多少件") }.count, 1, "the retried delivery was answered once")
    }

    // MARK: WeCom

    /// WeCom's published sample (加解密方案说明): token, key, corp id, and a verification request.
    static let wecomSample = (sig: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", ts: "1409659589", nonce: "263014780",
                              echo: "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
                              plain: "1616140317555161061")

    func testPublishedSampleVectors() async throws {
        let c = try WeComCrypto(token: BotTests.wecomToken, encodingAESKey: BotTests.wecomKey, corpID: BotTests.wecomCorp)
        let v = BotTests.wecomSample
        XCTAssertEqual(c.signature(v.ts, v.nonce, v.echo), v.sig)
        XCTAssertEqual(try c.decrypt(v.echo), v.plain)
        // Feishu's published decryption example: key "test key" → "hello world".
        XCTAssertEqual(String(decoding: try FeishuBot.decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", encryptKey: "test key"), as: UTF8.self), "hello world")
        // The published verification request, through the running server.
        let app = buildApplication(api: try makeAPI(), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let q = "msg_signature=\(v.sig)&timestamp=\(v.ts)&nonce=\(v.nonce)&echostr=\(v.echo.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            let r = try await client.execute(uri: "/bots/wecom?" + q, method: .get)
            XCTAssertEqual(String(buffer: r.body), v.plain)
        }
    }

    func testWeComVerificationAndEncryptedMessages() async throws {
        let c = try WeComCrypto(token: BotTests.wecomToken, encodingAESKey: BotTests.wecomKey, corpID: BotTests.wecomCorp)
        // Round trip of the documented plaintext layout.
        let enc = try c.encrypt("<xml><Content>你好</Content></xml>")
        XCTAssertEqual(try c.decrypt(enc), "<xml><Content>你好</Content></xml>")
        let app = buildApplication(api: try makeAPI(), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            // URL verification with an echostr built per the documentation.
            let echo = try c.encrypt("1616140317555161061")
            let ts = String(Int(Date().timeIntervalSince1970)), nonce = "263014780"
            let sig = c.signature(ts, nonce, echo)
            let q = "msg_signature=\(sig)&timestamp=\(ts)&nonce=\(nonce)&echostr=\(echo.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            let v = try await client.execute(uri: "/bots/wecom?" + q, method: .get)
            XCTAssertEqual(String(buffer: v.body), "1616140317555161061")
            let bad = try await client.execute(uri: "/bots/wecom?" + q.replacingOccurrences(of: sig, with: String(sig.reversed())), method: .get)
            XCTAssertEqual(bad.status, .forbidden)
            // An encrypted text message and its encrypted passive reply.
            let inner = "<xml><ToUserName><![CDATA[\(BotTests.wecomCorp)]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>\(ts)</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[今年各区工单量排名]]></Content><MsgId>1234567890</MsgId><AgentID>1</AgentID></xml>"
            let encMsg = try c.encrypt(inner)
            let body = "<xml><ToUserName><![CDATA[\(BotTests.wecomCorp)]]></ToUserName><Encrypt><![CDATA[\(encMsg)]]></Encrypt><AgentID><![CDATA[1]]></AgentID></xml>"
            let msig = c.signature(ts, nonce, encMsg)
            let r = try await client.execute(uri: "/bots/wecom?msg_signature=\(msig)&timestamp=\(ts)&nonce=\(nonce)", method: .post, body: ByteBuffer(string: body))
            XCTAssertEqual(r.status, .ok)
            let outer = XMLFields.parse(Data(r.body.readableBytesView))
            let replyEnc = try XCTUnwrap(outer["Encrypt"])
            XCTAssertEqual(outer["MsgSignature"], c.signature(outer["TimeStamp"]!, outer["Nonce"]!, replyEnc))
            let reply = XMLFields.parse(Data(try c.decrypt(replyEnc).utf8))
            XCTAssertEqual(reply["ToUserName"], "zhangsan")
            XCTAssertTrue(reply["Content"]?.contains("按区县") ?? false, reply["Content"] ?? "")
            // A stale timestamp, correctly signed, is refused.
            let old = String(Int(Date().timeIntervalSince1970) - 7200)
            let staleSig = c.signature(old, nonce, encMsg)
            let stale = try await client.execute(uri: "/bots/wecom?msg_signature=\(staleSig)&timestamp=\(old)&nonce=\(nonce)", method: .post, body: ByteBuffer(string: body))
            XCTAssertEqual(stale.status, .forbidden)
            // Tampered signature.
            let t = try await client.execute(uri: "/bots/wecom?msg_signature=\(String(msig.reversed()))&timestamp=\(ts)&nonce=\(nonce)", method: .post, body: ByteBuffer(string: body))
            XCTAssertEqual(t.status, .forbidden)
        }
    }

    // MARK: Feishu

    /// A stand-in for the Feishu open API on 127.0.0.1 that records replies.
    final class FakeFeishu: @unchecked Sendable {
        var replies: [(String, String)] = []  // (message id, content)
        let lock = NSLock()
        func add(_ id: String, _ c: String) { lock.withLock { replies.append((id, c)) } }
        var all: [(String, String)] { lock.withLock { replies } }
    }

    func startFakeFeishu(_ fake: FakeFeishu) async throws -> (Int, Task<Void, Error>) {
        let router = Router()
        router.post("/open-apis/auth/v3/tenant_access_token/internal") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"code\":0,\"tenant_access_token\":\"t-test\",\"expire\":7200}")))
        }
        router.post("/open-apis/im/v1/messages/:id/reply") { request, context in
            var b = request.body
            let body = try await b.collect(upTo: 1 << 20)
            XCTAssertEqual(request.headers[.authorization], "Bearer t-test")
            let obj = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            fake.add(context.parameters.get("id") ?? "", obj["content"] as? String ?? "")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"code\":0}")))
        }
        let portBox = PortBox()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { ch in portBox.set(ch.localAddress?.port ?? 0) })
        let task = Task { try await app.run() }
        for _ in 0..<100 where portBox.port == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
        return (portBox.port, task)
    }

    final class PortBox: @unchecked Sendable {
        private var p = 0
        private let lock = NSLock()
        func set(_ v: Int) { lock.withLock { p = v } }
        var port: Int { lock.withLock { p } }
    }

    func event(_ text: String, id: String, message: String, token: String = feishuToken) -> [String: Any] {
        ["schema": "2.0",
         "header": ["event_id": id, "event_type": "im.message.receive_v1", "token": token, "create_time": "1700000000000", "app_id": "cli_test"],
         "event": ["sender": ["sender_id": ["open_id": "ou_user1"]],
                   "message": ["message_id": message, "chat_id": "oc_chat1", "chat_type": "group", "message_type": "text",
                               "content": String(decoding: try! JSONSerialization.data(withJSONObject: ["text": text]), as: UTF8.self)]]]
    }

    func waitForReplies(_ fake: FakeFeishu, _ n: Int) async throws {
        for _ in 0..<250 where fake.all.count < n { try await Task.sleep(nanoseconds: 20_000_000) }
    }

    func testFeishuPlainAndEncrypted() async throws {
        let fake = FakeFeishu()
        let (port, fakeTask) = try await startFakeFeishu(fake)
        defer { fakeTask.cancel() }
        XCTAssertNotEqual(port, 0)
        let app = buildApplication(api: try makeAPI(feishuBase: "http://127.0.0.1:\(port)"), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let challenge = try await client.execute(uri: "/bots/feishu", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["challenge": "ajls384kdjx98XX", "token": BotTests.feishuToken, "type": "url_verification"])))
            XCTAssertEqual(json(challenge.body)["challenge"] as? String, "ajls384kdjx98XX")
            let wrong = try await client.execute(uri: "/bots/feishu", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["challenge": "x", "token": "nope", "type": "url_verification"])))
            XCTAssertEqual(wrong.status, .forbidden)
            let e1 = try JSONSerialization.data(withJSONObject: event("@_user_1 上个月各区工单量排名", id: "ev1", message: "om_1"))
            let r = try await client.execute(uri: "/bots/feishu", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: e1))
            XCTAssertEqual(r.status, .ok)
            // The same event delivered again is not answered twice.
            _ = try await client.execute(uri: "/bots/feishu", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: e1))
            try await waitForReplies(fake, 1)
            let e2 = try JSONSerialization.data(withJSONObject: event("@_user_1 前三名呢", id: "ev2", message: "om_2"))
            _ = try await client.execute(uri: "/bots/feishu", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: e2))
            try await waitForReplies(fake, 2)
            let replies = fake.all
            XCTAssertEqual(replies.count, 2)
            XCTAssertEqual(replies.map(\.0), ["om_1", "om_2"])
            XCTAssertTrue(replies[0].1.contains("按区县"), replies[0].1)
            XCTAssertTrue(replies[1].1.contains("前3"), "follow-up in the same chat: \(replies[1].1)")
            let bad = try await client.execute(uri: "/bots/feishu", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: event("上个月工单量", id: "ev3", message: "om_3", token: "forged"))))
            XCTAssertEqual(bad.status, .forbidden)
        }
        // Encrypted and signed events.
        let app2 = buildApplication(api: try makeAPI(feishuBase: "http://127.0.0.1:\(port)", encrypt: true), host: "127.0.0.1", port: 0)
        try await app2.test(.live) { client in
            let plain = try JSONSerialization.data(withJSONObject: event("今年工单量", id: "ev9", message: "om_9"))
            let enc = try FeishuBot.encrypt(plain, encryptKey: BotTests.feishuKey, iv: Array(repeating: 7, count: 16))
            let body = try JSONSerialization.data(withJSONObject: ["encrypt": enc])
            let ts = String(Int(Date().timeIntervalSince1970)), nonce = "n-123"
            let sig = SHA256.hash(data: Data((ts + nonce + BotTests.feishuKey).utf8) + body).map { String(format: "%02x", $0) }.joined()
            let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("X-Lark-Request-Timestamp")!: ts,
                                       HTTPField.Name("X-Lark-Request-Nonce")!: nonce, HTTPField.Name("X-Lark-Signature")!: sig]
            let r = try await client.execute(uri: "/bots/feishu", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            XCTAssertEqual(r.status, .ok)
            try await waitForReplies(fake, 3)
            XCTAssertEqual(fake.all.last?.0, "om_9")
            var forged = headers
            forged[HTTPField.Name("X-Lark-Signature")!] = String(sig.reversed())
            let st4 = try await client.execute(uri: "/bots/feishu", method: .post, headers: forged, body: ByteBuffer(bytes: body))
            XCTAssertEqual(st4.status, .forbidden)
        }
    }
}
