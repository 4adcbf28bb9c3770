import AsyncHTTPClient
import Crypto
import _CryptoExtras
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Feishu (飞书) event subscription: `url_verification` challenge, the verification token,
/// an optional encrypt key (AES-256-CBC, key = SHA-256 of the encrypt key, IV = the first 16
/// bytes of the payload; requests then carry X-Lark-Signature = SHA-256 hex of timestamp +
/// nonce + encrypt key + body), `im.message.receive_v1` events. Replies go through the
/// message reply API at the configured `api_base`, after the event is acknowledged.
struct FeishuBot {
    let hub: BotHub
    let client: FeishuClient
    let replays: ReplayCache

    init(hub: BotHub, client: FeishuClient) {
        self.hub = hub
        self.client = client
        let w = (hub.section("feishu")?["window_seconds"] as? NSNumber)?.doubleValue ?? DingTalkBot.defaultWindow
        replays = ReplayCache(window: w.isFinite && w >= 1 && w <= 3600 ? w : DingTalkBot.defaultWindow)
    }

    static func decrypt(_ base64: String, encryptKey: String) throws -> Data {
        guard let data = Data(base64Encoded: base64), data.count > 16 else { throw WeComError.badCiphertext }
        let key = SymmetricKey(data: SHA256.hash(data: Data(encryptKey.utf8)))
        return try AES._CBC.decrypt(data.dropFirst(16), using: key, iv: try AES._CBC.IV(ivBytes: data.prefix(16)))
    }

    static func encrypt(_ plain: Data, encryptKey: String, iv: [UInt8]) throws -> String {
        let key = SymmetricKey(data: SHA256.hash(data: Data(encryptKey.utf8)))
        let c = try AES._CBC.encrypt(plain, using: key, iv: try AES._CBC.IV(ivBytes: iv))
        return (Data(iv) + c).base64EncodedString()
    }

    static func signature(timestamp: String, nonce: String, encryptKey: String, body: Data) -> String {
        SHA256.hash(data: Data((timestamp + nonce + encryptKey).utf8) + body).map { String(format: "%02x", $0) }.joined()
    }

    struct Message: Equatable {
        let deliveryID: String
        let messageID: String
        let chat: String
        let user: String
        let text: String
    }

    /// The message of an `im.message.receive_v1` event (decrypted); nil for other events.
    static func message(_ obj: [String: Any]) -> Message? {
        let header = obj["header"] as? [String: Any] ?? [:]
        guard header["event_type"] as? String == "im.message.receive_v1",
              let event = obj["event"] as? [String: Any], let message = event["message"] as? [String: Any],
              let messageID = message["message_id"] as? String else { return nil }
        var text = ""
        if message["message_type"] as? String == "text", let content = message["content"] as? String,
           let c = try? JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any] {
            text = c["text"] as? String ?? ""
        }
        return Message(deliveryID: "feishu|" + ((header["event_id"] as? String) ?? messageID), messageID: messageID,
                       chat: message["chat_id"] as? String ?? messageID,
                       user: ((event["sender"] as? [String: Any])?["sender_id"] as? [String: Any])?["open_id"] as? String ?? "unknown",
                       text: text)
    }

    func handle(_ request: Request, body: ByteBuffer) async throws -> Response {
        guard let cfg = hub.section("feishu"), let verification = cfg["verification_token"] as? String else {
            throw APIError(status: .notFound, code: "bot_not_configured", message: "没有配置飞书机器人。")
        }
        let raw = Data(body.readableBytesView)
        guard var obj = try? JSONSerialization.jsonObject(with: raw) as? [String: Any] else {
            throw APIError(status: .badRequest, code: "bad_json", message: "事件不是 JSON。")
        }
        if let key = cfg["encrypt_key"] as? String, !key.isEmpty {
            guard let enc = obj["encrypt"] as? String, let plain = try? FeishuBot.decrypt(enc, encryptKey: key),
                  let inner = try? JSONSerialization.jsonObject(with: plain) as? [String: Any] else {
                throw APIError.botForbidden("事件无法解密。")
            }
            // With an encrypt key every event must be signed, fresh and new. Only the
            // url_verification handshake (which returns the challenge and nothing else) may
            // come unsigned, as Feishu sends it when the URL is first saved.
            let ts = request.headers[BotHeaders.larkTimestamp], nonce = request.headers[BotHeaders.larkNonce]
            let sig = request.headers[BotHeaders.larkSignature]
            if ts == nil, nonce == nil, sig == nil, inner["type"] as? String == "url_verification" {
                // handshake
            } else {
                guard let ts, let nonce, let sig else { throw APIError.botForbidden("缺少 X-Lark-Signature / X-Lark-Request-Timestamp / X-Lark-Request-Nonce。") }
                guard SignedTimestamp.fresh(ts, milliseconds: false, window: replays.window) else { throw APIError.botForbidden("timestamp 无效或已过期。") }
                guard constantTimeEqual(FeishuBot.signature(timestamp: ts, nonce: nonce, encryptKey: key, body: raw), sig) else {
                    throw APIError.botForbidden("签名不正确。")
                }
                guard replays.firstUse(ts + "|" + nonce + "|" + sig) else { throw APIError.botForbidden("这个签名已经用过（重放）。") }
            }
            obj = inner
        }
        if obj["type"] as? String == "url_verification" {
            guard constantTimeEqual(obj["token"] as? String ?? "", verification) else { throw APIError.botForbidden("verification token 不正确。") }
            return .json(String(decoding: try JSONSerialization.data(withJSONObject: ["challenge": obj["challenge"] ?? ""]), as: UTF8.self))
        }
        guard constantTimeEqual((obj["header"] as? [String: Any])?["token"] as? String ?? "", verification) else {
            throw APIError.botForbidden("verification token 不正确。")
        }
        guard let e = FeishuBot.message(obj) else { return .json("{}") }
        if hub.replay(e.deliveryID) != nil { return .json("{}") }  // a retry: already answered
        hub.remember(e.deliveryID, "")
        let (messageID, chat, user, text) = (e.messageID, e.chat, e.user, e.text)
        let hub = self.hub, client = self.client
        Task {
            let reply = await hub.ask(text, platform: "feishu", chat: chat, user: user, scopeIDs: [user, chat])
            try? await client.reply(messageID: messageID, markdown: reply, config: cfg)
        }
        return .json("{}")
    }
}

/// Calls the Feishu open API: a tenant access token (cached), then the reply endpoint.
final class FeishuClient: @unchecked Sendable {
    private var token: (String, Date)?
    private let lock = NSLock()

    func accessToken(_ cfg: [String: Any]) async throws -> String {
        if let t = lock.withLock({ token.flatMap { $0.1 > Date() ? $0.0 : nil } }) { return t }
        let base = (cfg["api_base"] as? String ?? "https://open.feishu.cn").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let body: [String: Any] = ["app_id": cfg["app_id"] as? String ?? "", "app_secret": cfg["app_secret"] as? String ?? ""]
        let res = try await post(base + "/open-apis/auth/v3/tenant_access_token/internal", body: body, bearer: nil)
        guard let t = res["tenant_access_token"] as? String else { throw ConfigError("飞书 tenant_access_token 获取失败：\(res)") }
        let expire = res["expire"] as? Double ?? 7200
        lock.withLock { token = (t, Date().addingTimeInterval(expire - 60)) }
        return t
    }

    func reply(messageID: String, markdown: String, config cfg: [String: Any]) async throws {
        let t = try await accessToken(cfg)
        let base = (cfg["api_base"] as? String ?? "https://open.feishu.cn").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let card: [String: Any] = ["elements": [["tag": "markdown", "content": markdown]]]
        let content = String(decoding: try JSONSerialization.data(withJSONObject: card), as: UTF8.self)
        _ = try await post(base + "/open-apis/im/v1/messages/\(messageID)/reply", body: ["msg_type": "interactive", "content": content], bearer: t)
    }

    private func post(_ url: String, body: [String: Any], bearer: String?) async throws -> [String: Any] {
        var req = HTTPClientRequest(url: url)
        req.method = .POST
        req.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        if let bearer { req.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        req.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
        let data = try await res.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:]
    }
}
