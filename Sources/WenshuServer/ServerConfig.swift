import Foundation
import WenshuCore

/// `wenshu serve --config FILE`: tokens with their data scopes, limits, and (for the bots)
/// a `bots` section read by the bot endpoints.
public struct ServerConfig: @unchecked Sendable {
    public struct Token: Sendable {
        public let token: String
        public let name: String
        public let scope: Scope?
        public init(token: String, name: String, scope: Scope?) {
            self.token = token
            self.name = name
            self.scope = scope
        }
    }

    public struct Limits: Sendable {
        public var maxBodyBytes = 16 * 1024
        public var maxQuestionChars = 200
        public var requestsPerMinute = 120
        public var querySeconds = 10.0
        public var sessions = 1000
        public var sessionMinutes = 30.0

        public init(maxBodyBytes: Int = 16 * 1024, maxQuestionChars: Int = 200, requestsPerMinute: Int = 120,
                    querySeconds: Double = 10, sessions: Int = 1000, sessionMinutes: Double = 30) {
            self.maxBodyBytes = maxBodyBytes
            self.maxQuestionChars = maxQuestionChars
            self.requestsPerMinute = requestsPerMinute
            self.querySeconds = querySeconds
            self.sessions = sessions
            self.sessionMinutes = sessionMinutes
        }
    }

    public var tokens: [Token]
    public var limits = Limits()
    public var auditLog: String?
    public var publicBaseURL: String?
    /// The raw `bots` object, for the bot endpoints.
    public var bots: [String: Any]

    public init(tokens: [Token], limits: Limits = Limits(), auditLog: String? = nil, publicBaseURL: String? = nil, bots: [String: Any] = [:]) {
        self.tokens = tokens
        self.limits = limits
        self.auditLog = auditLog
        self.publicBaseURL = publicBaseURL
        self.bots = bots
    }

    /// Parses a scope object `{"district": "西湖区"}` / `{"street": "北山街道"}`; empty = whole city.
    public static func scope(from obj: Any?) throws -> Scope? {
        guard let dict = obj as? [String: Any], !dict.isEmpty else { return nil }
        if let s = dict["street"] as? String, !s.isEmpty { return Scope(level: .street, name: s) }
        if let d = dict["district"] as? String, !d.isEmpty { return Scope(level: .district, name: d) }
        if let c = dict["community"] as? String, !c.isEmpty { return Scope(level: .community, name: c) }
        throw ConfigError("scope 只能是 {\"district\": …}、{\"street\": …} 或 {}")
    }

    public static func load(_ path: String) throws -> ServerConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("无法读取配置文件 \(path)") }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw ConfigError("\(path) 不是 JSON 对象") }
        return try parse(obj)
    }

    public static func parse(_ obj: [String: Any]) throws -> ServerConfig {
        guard let list = obj["tokens"] as? [[String: Any]] else { throw ConfigError("配置需要 tokens 数组") }
        var tokens: [Token] = []
        for (i, t) in list.enumerated() {
            guard let token = t["token"] as? String, token.count >= 8 else { throw ConfigError("tokens[\(i)].token 需要至少 8 个字符") }
            guard let name = t["name"] as? String, !name.isEmpty else { throw ConfigError("tokens[\(i)].name 不能为空") }
            tokens.append(Token(token: token, name: name, scope: try scope(from: t["scope"])))
        }
        if Set(tokens.map(\.token)).count != tokens.count { throw ConfigError("tokens 里有重复的 token") }
        var limits = Limits()
        if let l = obj["limits"] as? [String: Any] {
            if let v = l["max_body_bytes"] as? Int { limits.maxBodyBytes = v }
            if let v = l["max_question_chars"] as? Int { limits.maxQuestionChars = v }
            if let v = l["requests_per_minute"] as? Int { limits.requestsPerMinute = v }
            if let v = l["query_seconds"] as? Double { limits.querySeconds = v }
            if let v = l["sessions"] as? Int { limits.sessions = v }
            if let v = l["session_minutes"] as? Double { limits.sessionMinutes = v }
        }
        return ServerConfig(tokens: tokens, limits: limits, auditLog: obj["audit_log"] as? String,
                            publicBaseURL: obj["public_base_url"] as? String, bots: obj["bots"] as? [String: Any] ?? [:])
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
