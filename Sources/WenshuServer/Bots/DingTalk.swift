import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// DingTalk (钉钉) robot callback: headers `timestamp` (ms) and `sign` =
/// Base64(HMAC-SHA256(app_secret, timestamp + "\n" + app_secret)); stale timestamps
/// (over an hour, as DingTalk documents) are refused. The reply is a markdown message.
struct DingTalkBot {
    let hub: BotHub
    static let maxSkewMs: Int64 = 3_600_000

    static func sign(timestamp: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + "\n" + secret).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    func handle(_ request: Request, body: ByteBuffer) async throws -> Response {
        guard let cfg = hub.section("dingtalk"), let secret = cfg["app_secret"] as? String else {
            throw APIError(status: .notFound, code: "bot_not_configured", message: "没有配置钉钉机器人。")
        }
        guard let ts = request.headers[HTTPField.Name("timestamp")!], let sign = request.headers[HTTPField.Name("sign")!],
              let tsMs = Int64(ts) else { throw APIError.botForbidden("缺少 timestamp 或 sign。") }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        guard abs(nowMs - tsMs) <= DingTalkBot.maxSkewMs else { throw APIError.botForbidden("timestamp 已过期。") }
        guard constantTimeEqual(DingTalkBot.sign(timestamp: ts, secret: secret), sign) else { throw APIError.botForbidden("签名不正确。") }
        guard let msg = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw APIError(status: .badRequest, code: "bad_json", message: "消息不是 JSON。")
        }
        let text = ((msg["text"] as? [String: Any])?["content"] as? String) ?? ""
        let chat = msg["conversationId"] as? String ?? "direct"
        let user = (msg["senderStaffId"] as? String) ?? (msg["senderId"] as? String) ?? "unknown"
        let deliveryID = "dingtalk|" + ((msg["msgId"] as? String) ?? UUID().uuidString)
        let reply: String
        if let cached = hub.replay(deliveryID) {
            reply = cached
        } else {
            reply = await hub.ask(text, platform: "dingtalk", chat: chat, user: user, scopeIDs: [user, chat])
            hub.remember(deliveryID, reply)
        }
        let out: [String: Any] = ["msgtype": "markdown", "markdown": ["title": "问数", "text": reply]]
        return .json(String(decoding: try JSONSerialization.data(withJSONObject: out), as: UTF8.self))
    }
}

/// Compares secrets without an early exit.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
}

extension APIError {
    static func botForbidden(_ m: String) -> APIError { APIError(status: .forbidden, code: "bad_signature", message: m) }
}
