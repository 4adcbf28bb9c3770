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
        /// Open connections; past it the longest-idle connection is closed, or a 503 when all are busy.
        public var maxConnections = 1000
        /// Seconds to receive a request head after connecting; a request body after its head;
        /// the next request on a kept-alive connection.
        public var headerSeconds = 10.0
        public var bodySeconds = 30.0
        public var idleSeconds = 60.0
        /// Bot messages per platform user, and per chat, in any clock minute.
        public var botUserPerMinute = 20
        public var botChatPerMinute = 60
        /// Pending CSV exports behind bot replies: how many, how many bytes in all, how long.
        public var exports = 200
        public var exportBytes = 64 * 1024 * 1024
        public var exportMinutes = 60.0

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
    /// With `true`, a question whose audit line cannot be written gets 503 instead of an answer.
    public var auditRequired = false
    public var publicBaseURL: String?
    /// The raw `bots` object, for the bot endpoints.
    public var bots: [String: Any]
    /// The store when `--db` is not given: a SQLite path or a `postgres://` address.
    public var db: String?

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
            // Every number is checked against a sane range: a typo is a clear error at start,
            // never an overflow or a server that cannot answer.
            func int(_ key: String, _ range: ClosedRange<Int>, _ into: inout Int) throws {
                guard let raw = l[key] else { return }
                guard let n = raw as? NSNumber, let v = Int(exactly: n.doubleValue), range.contains(v) else {
                    throw ConfigError("limits.\(key) 需要 \(range.lowerBound)…\(range.upperBound) 之间的整数")
                }
                into = v
            }
            func seconds(_ key: String, _ range: ClosedRange<Double>, _ into: inout Double) throws {
                guard let raw = l[key] else { return }
                guard let n = raw as? NSNumber, n.doubleValue.isFinite, range.contains(n.doubleValue) else {
                    throw ConfigError("limits.\(key) 需要 \(range.lowerBound)…\(range.upperBound) 之间的数")
                }
                into = n.doubleValue
            }
            try int("max_body_bytes", 64...(64 << 20), &limits.maxBodyBytes)
            try int("max_question_chars", 1...10_000, &limits.maxQuestionChars)
            try int("requests_per_minute", 1...1_000_000, &limits.requestsPerMinute)
            try seconds("query_seconds", 0.01...3600, &limits.querySeconds)
            try int("sessions", 1...1_000_000, &limits.sessions)
            try seconds("session_minutes", 0.01...10_080, &limits.sessionMinutes)
            try int("max_connections", 1...1_000_000, &limits.maxConnections)
            try seconds("header_seconds", 0.1...3600, &limits.headerSeconds)
            try seconds("body_seconds", 0.1...3600, &limits.bodySeconds)
            try seconds("idle_seconds", 0.1...86_400, &limits.idleSeconds)
            try int("bot_user_per_minute", 1...1_000_000, &limits.botUserPerMinute)
            try int("bot_chat_per_minute", 1...1_000_000, &limits.botChatPerMinute)
            try int("exports", 0...1_000_000, &limits.exports)
            try int("export_bytes", 0...(1 << 34), &limits.exportBytes)
            try seconds("export_minutes", 0.01...10_080, &limits.exportMinutes)
        }
        var auditRequired = false
        if let v = obj["audit_required"] {
            guard let b = v as? Bool else { throw ConfigError("audit_required 需要 true 或 false") }
            auditRequired = b
        }
        var cfg = ServerConfig(tokens: tokens, limits: limits, auditLog: obj["audit_log"] as? String,
                               publicBaseURL: obj["public_base_url"] as? String, bots: obj["bots"] as? [String: Any] ?? [:])
        cfg.auditRequired = auditRequired
        if let v = obj["db"] {
            guard let d = v as? String, !d.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ConfigError("db 需要一个 SQLite 文件路径或 postgres://… 地址")
            }
            cfg.db = d
        }
        return cfg
    }
}
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
