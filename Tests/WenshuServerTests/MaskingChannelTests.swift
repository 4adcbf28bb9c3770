import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest
@testable import WenshuCore
@testable import WenshuServer

/// Contract §9.2 on the server's channels: HTTP JSON, HTTP CSV, a DingTalk bot reply and the
/// CSV export link it carries never show a phone or ID number that a ticket's text holds.
final class MaskingChannelTests: XCTestCase {
    static let secrets = ["13812345678", "0571-86012345", "057186012345", "330106199001011234", "33010619900101123X"]
    static let shown = ["138****5678", "0571-8*****45", "330106********1234", "330106********123X"]

    static let store: String = {
        let file = NSTemporaryDirectory() + "wenshu-mask-server-\(UUID().uuidString).db"
        let contents = ["手机13812345678停水", "座机0571-86012345", "座机057186012345", "身份证330106199001011234", "证件33010619900101123X"]
        do {
            let db = try Database.openForWriting(file)
            try db.execute(TicketSchema.createSQL)
            var sql = "BEGIN;"
            for (i, c) in contents.enumerated() {
                sql += "INSERT INTO tickets VALUES ('S00\(i)', '2026-11-1\(i) 09:00:00', '电话', '投诉', '公用事业', '供水', '西湖区', '北山街道', '北山社区', NULL, '\(c)', '市水务集团', '办理中', 0, '2026-12-20 18:00:00', NULL, NULL, NULL, 'C\(i)');"
            }
            try db.execute(sql + "COMMIT;")
        } catch {
            XCTFail("cannot write the store: \(error)")
        }
        return file
    }()

    static let dingSecret = "SEC-masking-test"

    func makeAPI() throws -> WenshuAPI {
        let engine = try Engine(path: MaskingChannelTests.store, resources: ServerTests.resources, now: ServerTests.now)
        let bots: [String: Any] = ["dingtalk": ["app_secret": MaskingChannelTests.dingSecret, "default_scope": [String: Any]()]]
        let cfg = ServerConfig(tokens: [.init(token: "mask-token-0001", name: "analyst", scope: nil)],
                               publicBaseURL: "http://127.0.0.1:8080", bots: bots)
        return try WenshuAPI(engine: engine, config: cfg, now: ServerTests.now, workers: 2)
    }

    func check(_ text: String, _ channel: String, file: StaticString = #filePath, line: UInt = #line) {
        for s in MaskingChannelTests.secrets { XCTAssertFalse(text.contains(s), "\(channel) shows \(s):\n\(text)", file: file, line: line) }
        for s in MaskingChannelTests.shown { XCTAssertTrue(text.contains(s), "\(channel) lacks \(s):\n\(text)", file: file, line: line) }
    }

    func testHTTPAndBotOutputsAreMasked() async throws {
        let app = buildApplication(api: try makeAPI(), host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let headers: HTTPFields = [.authorization: "Bearer mask-token-0001", .contentType: "application/json"]
            let q = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["question": "列出本月的工单"]))
            let j = try await client.execute(uri: "/v1/ask", method: .post, headers: headers, body: q)
            XCTAssertEqual(j.status, .ok)
            check(String(buffer: j.body), "HTTP JSON")

            var csvHeaders = headers
            csvHeaders[.accept] = "text/csv"
            let c = try await client.execute(uri: "/v1/ask", method: .post, headers: csvHeaders, body: q)
            check(String(buffer: c.body), "HTTP CSV")

            // A DingTalk message, signed as documented; its reply and the export behind its link.
            let ts = Int64(Date().timeIntervalSince1970 * 1000)
            let secret = MaskingChannelTests.dingSecret
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(ts)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
            let ding: HTTPFields = [HTTPField.Name("timestamp")!: "\(ts)", HTTPField.Name("sign")!: Data(mac).base64EncodedString(),
                                    .contentType: "application/json"]
            let msg: [String: Any] = ["msgtype": "text", "text": ["content": "列出本月的工单"], "msgId": UUID().uuidString,
                                      "conversationId": "cid-mask", "conversationType": "2", "senderStaffId": "u1", "senderNick": "测试"]
            let b = try await client.execute(uri: "/bots/dingtalk", method: .post, headers: ding,
                                             body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: msg)))
            XCTAssertEqual(b.status, .ok)
            let obj = (try? JSONSerialization.jsonObject(with: Data(b.body.readableBytesView))) as? [String: Any]
            let reply = (obj?["markdown"] as? [String: Any])?["text"] as? String ?? ""
            for s in MaskingChannelTests.secrets { XCTAssertFalse(reply.contains(s), "bot reply shows \(s): \(reply)") }
            // The markdown table trims long cells; the export carries the whole text.
            guard let range = reply.range(of: #"/exports/[A-Za-z0-9_-]+\.csv"#, options: .regularExpression) else {
                return XCTFail("the bot reply has no export link: \(reply)")
            }
            check(reply, "bot markdown")
            let e = try await client.execute(uri: String(reply[range]), method: .get)
            XCTAssertEqual(e.status, .ok)
            check(String(buffer: e.body), "bot CSV export")
        }
    }
}
