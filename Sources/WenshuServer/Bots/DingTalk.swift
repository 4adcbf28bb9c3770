import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// DingTalk (钉钉) robot callback: headers `timestamp` (ms) and `sign` =
/// Base64(HMAC-SHA256(app_secret, timestamp + "\n" + app_secret)); timestamps outside the
/// window (`window_seconds`, default 300) are refused, and each (timestamp, sign) pair is
/// accepted once. The signature does NOT cover the body: within one accepted request the
/// sender id and text are taken on trust, which is why the pair is single-use and why the
/// README advises narrow `scopes`. The reply is a markdown message.
struct DingTalkBot {
    let hub: BotHub
    let replays: ReplayCache
    static let defaultWindow = 300.0

    init(hub: BotHub) {
        self.hub = hub
        let w = (hub.section("dingtalk")?["window_seconds"] as? NSNumber)?.doubleValue ?? DingTalkBot.defaultWindow
        replays = ReplayCache(window: w.isFinite && w >= 1 && w <= 3600 ? w : DingTalkBot.defaultWindow)
    }

    static func sign(timestamp: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + "\n" + secret).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    struct Message: Equatable {
        let text: String
        let chat: String
        let user: String
        let msgID: String?
    }

    /// The fields wenshu reads from a callback body; nil when it is not a JSON object.
    static func message(_ body: Data) -> Message? {
        guard let msg = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return Message(text: ((msg["text"] as? [String: Any])?["content"] as? String) ?? "",
                       chat: msg["conversationId"] as? String ?? "direct",
                       user: (msg["senderStaffId"] as? String) ?? (msg["senderId"] as? String) ?? "unknown",
                       msgID: msg["msgId"] as? String)
    }

    func handle(_ request: Request, body: ByteBuffer) async throws -> Response {
        guard let cfg = hub.section("dingtalk"), let secret = cfg["app_secret"] as? String else {
            throw APIError(status: .notFound, code: "bot_not_configured", message: "没有配置钉钉机器人。")
        }
        guard let ts = request.headers[BotHeaders.timestamp], let sign = request.headers[BotHeaders.sign] else {
            throw APIError.botForbidden("缺少 timestamp 或 sign。")
        }
        guard SignedTimestamp.fresh(ts, milliseconds: true, window: replays.window) else { throw APIError.botForbidden("timestamp 无效或已过期。") }
        guard constantTimeEqual(DingTalkBot.sign(timestamp: ts, secret: secret), sign) else { throw APIError.botForbidden("签名不正确。") }
        guard replays.firstUse(ts + "|" + sign) else { throw APIError.botForbidden("这个签名已经用过（重放）。") }
        guard let m = DingTalkBot.message(Data(body.readableBytesView)) else {
            throw APIError(status: .badRequest, code: "bad_json", message: "消息不是 JSON。")
        }
        let (text, chat, user) = (m.text, m.chat, m.user)
        let deliveryID = "dingtalk|" + (m.msgID ?? UUID().uuidString)
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
    for (p, q) in zip(x, y) { diff |= p ^ q }
    return diff == 0
}

extension APIError {
    static func botForbidden(_ m: String) -> APIError { APIError(status: .forbidden, code: "bad_signature", message: m) }
}

/// Header names used by the bots (constants, so no force-unwrap on a name at request time).
enum BotHeaders {
    static let timestamp = HTTPField.Name("timestamp") ?? .date
    static let sign = HTTPField.Name("sign") ?? .authorization
    static let larkTimestamp = HTTPField.Name("X-Lark-Request-Timestamp") ?? .date
    static let larkNonce = HTTPField.Name("X-Lark-Request-Nonce") ?? .date
    static let larkSignature = HTTPField.Name("X-Lark-Signature") ?? .authorization
}
