import Crypto
import _CryptoExtras
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import NIOCore

/// WeCom (企业微信) callback, the documented "加解密方案": msg_signature = SHA1 of the sorted
/// token, timestamp, nonce and ciphertext; AES-256-CBC with key = Base64(EncodingAESKey + "="),
/// IV = the key's first 16 bytes, PKCS#7 padding to 32 bytes; plaintext = 16 random bytes,
/// a 4-byte big-endian length, the message, the corp id.
struct WeComCrypto {
    let token: String
    let key: SymmetricKey
    let iv: Data
    let corpID: String

    init(token: String, encodingAESKey: String, corpID: String) throws {
        guard encodingAESKey.count == 43, let raw = Data(base64Encoded: encodingAESKey + "="), raw.count == 32 else {
            throw ConfigError("wecom.encoding_aes_key 需要 43 个字符")
        }
        self.token = token
        key = SymmetricKey(data: raw)
        iv = raw.prefix(16)
        self.corpID = corpID
    }

    func signature(_ timestamp: String, _ nonce: String, _ encrypted: String) -> String {
        let joined = [token, timestamp, nonce, encrypted].sorted().joined()
        return Insecure.SHA1.hash(data: Data(joined.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func decrypt(_ base64: String) throws -> String {
        guard let data = Data(base64Encoded: base64), data.count % 32 == 0 || data.count % 16 == 0 else { throw WeComError.badCiphertext }
        let plain = try AES._CBC.decrypt(data, using: key, iv: try AES._CBC.IV(ivBytes: iv), noPadding: true)
        guard let pad = plain.last, pad >= 1, pad <= 32, plain.count >= 20 + Int(pad) else { throw WeComError.badCiphertext }
        let body = plain.dropLast(Int(pad))
        let lenBytes = Array(body.dropFirst(16).prefix(4))
        guard lenBytes.count == 4 else { throw WeComError.badCiphertext }
        let len = lenBytes.reduce(0) { $0 << 8 | Int($1) }  // 4 bytes: at most 2^32 - 1
        guard body.count >= 20 + len else { throw WeComError.badCiphertext }
        let msg = body.dropFirst(20).prefix(len)
        let receiver = String(decoding: body.dropFirst(20 + len), as: UTF8.self)
        guard receiver == corpID else { throw WeComError.wrongReceiver }
        return String(decoding: msg, as: UTF8.self)
    }

    func encrypt(_ message: String, random: [UInt8]? = nil) throws -> String {
        let msg = Array(message.utf8)
        var plain = random ?? (0..<16).map { _ in UInt8.random(in: 0...255) }
        plain += [UInt8(msg.count >> 24 & 0xFF), UInt8(msg.count >> 16 & 0xFF), UInt8(msg.count >> 8 & 0xFF), UInt8(msg.count & 0xFF)]
        plain += msg + Array(corpID.utf8)
        let pad = 32 - plain.count % 32
        plain += [UInt8](repeating: UInt8(pad), count: pad)
        return try AES._CBC.encrypt(plain, using: key, iv: try AES._CBC.IV(ivBytes: iv), noPadding: true).base64EncodedString()
    }
}

enum WeComError: Error { case badCiphertext, wrongReceiver }

struct WeComBot {
    let hub: BotHub

    func crypto() throws -> WeComCrypto {
        guard let cfg = hub.section("wecom"), let token = cfg["token"] as? String, let key = cfg["encoding_aes_key"] as? String,
              let corp = cfg["corp_id"] as? String else {
            throw APIError(status: .notFound, code: "bot_not_configured", message: "没有配置企业微信机器人。")
        }
        return try WeComCrypto(token: token, encodingAESKey: key, corpID: corp)
    }

    /// URL verification: decrypt `echostr` and return it as plain text.
    func verify(_ request: Request) throws -> Response {
        let c = try crypto()
        let q = request.uri.queryParameters
        guard let sig = q["msg_signature"].map(String.init), let ts = q["timestamp"].map(String.init),
              let nonce = q["nonce"].map(String.init), let echo = q["echostr"].map(String.init) else {
            throw APIError(status: .badRequest, code: "bad_request", message: "缺少 msg_signature/timestamp/nonce/echostr。")
        }
        guard constantTimeEqual(c.signature(ts, nonce, echo), sig) else { throw APIError.botForbidden("签名不正确。") }
        guard let plain = try? c.decrypt(echo) else { throw APIError.botForbidden("echostr 无法解密。") }
        return .text(plain, type: "text/plain; charset=utf-8")
    }

    func handle(_ request: Request, body: ByteBuffer) async throws -> Response {
        let c = try crypto()
        let q = request.uri.queryParameters
        guard let sig = q["msg_signature"].map(String.init), let ts = q["timestamp"].map(String.init),
              let nonce = q["nonce"].map(String.init) else {
            throw APIError(status: .badRequest, code: "bad_request", message: "缺少 msg_signature/timestamp/nonce。")
        }
        guard SignedTimestamp.fresh(ts, milliseconds: false, window: 3600) else { throw APIError.botForbidden("timestamp 无效或已过期。") }
        let outer = XMLFields.parse(Data(body.readableBytesView))
        guard let encrypted = outer["Encrypt"] else { throw APIError(status: .badRequest, code: "bad_xml", message: "没有 Encrypt 字段。") }
        guard constantTimeEqual(c.signature(ts, nonce, encrypted), sig) else { throw APIError.botForbidden("签名不正确。") }
        guard let inner = try? c.decrypt(encrypted) else { throw APIError.botForbidden("消息无法解密。") }
        let msg = XMLFields.parse(Data(inner.utf8))
        let user = msg["FromUserName"] ?? "unknown"
        let deliveryID = "wecom|" + (msg["MsgId"] ?? UUID().uuidString)
        let text: String
        if let cached = hub.replay(deliveryID) {
            text = cached
        } else if msg["MsgType"] == "text" {
            text = await hub.ask(msg["Content"] ?? "", platform: "wecom", chat: user, user: user, scopeIDs: [user])
            hub.remember(deliveryID, text)
        } else {
            return .text("success", type: "text/plain")
        }
        let now = String(Int(Date().timeIntervalSince1970))
        let replyNonce = String(UInt32.random(in: 100_000...UInt32.max))
        let plainReply = "<xml><ToUserName><![CDATA[\(user)]]></ToUserName><FromUserName><![CDATA[\(c.corpID)]]></FromUserName><CreateTime>\(now)</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\(XMLFields.cdataSafe(text))]]></Content></xml>"
        let enc = try c.encrypt(plainReply)
        let xml = "<xml><Encrypt><![CDATA[\(enc)]]></Encrypt><MsgSignature><![CDATA[\(c.signature(now, replyNonce, enc))]]></MsgSignature><TimeStamp>\(now)</TimeStamp><Nonce><![CDATA[\(replyNonce)]]></Nonce></xml>"
        return .text(xml, type: "application/xml; charset=utf-8")
    }
}

/// The flat `<xml><Tag>value</Tag>…</xml>` messages WeCom sends, read with Foundation's XMLParser.
final class XMLFields: NSObject, XMLParserDelegate {
    private var fields: [String: String] = [:]
    private var current = ""
    private var depth = 0

    static func parse(_ data: Data) -> [String: String] {
        let p = XMLParser(data: data)
        let d = XMLFields()
        p.delegate = d
        p.shouldResolveExternalEntities = false
        guard p.parse() else { return [:] }
        return d.fields
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        depth += 1
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, foundCDATA block: Data) { current += String(decoding: block, as: UTF8.self) }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if depth == 2 { fields[name] = current.trimmingCharacters(in: .whitespacesAndNewlines) }
        depth -= 1
        current = ""
    }

    static func cdataSafe(_ s: String) -> String { s.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") }
}
