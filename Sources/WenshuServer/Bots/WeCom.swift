import Crypto
import _CryptoExtras
import Foundation
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

/// The flat `<xml><Tag>value</Tag>…</xml>` messages WeCom sends, read by a small scanner of
/// our own: Foundation's XMLParser traps on element names that are not valid UTF-8 (found by
/// the fuzz harness, on a body read before its signature can be checked) and would expand
/// entities. Children of the root element are read: text (with the five XML entities) or
/// CDATA; anything nested deeper is skipped; a malformed document gives no fields.
enum XMLFields {
    static func parse(_ data: Data) -> [String: String] {
        guard let text = String(validating: data, as: UTF8.self) else { return [:] }
        var s = Substring(text)
        func skipProlog() {
            while true {
                s = s.drop { $0.isWhitespace }
                if s.hasPrefix("<?"), let end = s.range(of: "?>") { s = s[end.upperBound...] }
                else if s.hasPrefix("<!--"), let end = s.range(of: "-->") { s = s[end.upperBound...] }
                else { return }
            }
        }
        skipProlog()
        guard s.hasPrefix("<"), let rootEnd = s.firstIndex(of: ">") else { return [:] }
        let rootName = s[s.index(after: s.startIndex)..<rootEnd].split(separator: " ").first.map(String.init) ?? ""
        guard !rootName.isEmpty, !rootName.hasPrefix("!") else { return [:] }
        s = s[s.index(after: rootEnd)...]
        var fields: [String: String] = [:]
        while true {
            s = s.drop { $0.isWhitespace }
            if s.hasPrefix("</") { return s.hasPrefix("</\(rootName)>") ? fields : [:] }
            guard s.hasPrefix("<"), !s.hasPrefix("<!"), let tagEnd = s.firstIndex(of: ">") else { return [:] }
            let name = String(s[s.index(after: s.startIndex)..<tagEnd])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return [:] }
            s = s[s.index(after: tagEnd)...]
            let close = "</\(name)>"
            guard let end = s.range(of: close) else { return [:] }
            fields[name] = value(s[..<end.lowerBound])
            s = s[end.upperBound...]
        }
    }

    /// CDATA sections taken as they are; other text with its entities decoded; tags dropped.
    static func value(_ raw: Substring) -> String {
        var out = "", rest = raw
        while !rest.isEmpty {
            if rest.hasPrefix("<![CDATA["), let end = rest.range(of: "]]>") {
                out += rest[rest.index(rest.startIndex, offsetBy: 9)..<end.lowerBound]
                rest = rest[end.upperBound...]
            } else if rest.hasPrefix("<"), let end = rest.firstIndex(of: ">") {
                rest = rest[rest.index(after: end)...]
            } else {
                let stop = rest.dropFirst().firstIndex(of: "<") ?? rest.endIndex
                out += decodeEntities(rest[..<stop])
                rest = rest[stop...]
            }
        }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func decodeEntities(_ s: Substring) -> String {
        guard s.contains("&") else { return String(s) }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func cdataSafe(_ s: String) -> String { s.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") }
}
