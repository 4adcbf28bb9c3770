import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import WenshuCore

/// The HTTP API: the state shared by all requests, and the work behind each route.
/// Routes are registered in `buildApplication`; this type holds no HTTP framework types
/// beyond requests and responses.
public final class WenshuAPI: @unchecked Sendable {
    let pool: EnginePool
    let config: ServerConfig
    let sessions: SessionStore
    let limiter: RateLimiter
    let audit: AuditLog
    let metrics = Metrics()
    let now: Now?
    let tokens: [String: ServerConfig.Token]

    public init(engine: Engine, config: ServerConfig, now: Now?, workers: Int = System.coreCount * 2) throws {
        var policy = SQLPolicy.tickets
        policy.timeCap = config.limits.querySeconds
        for t in config.tokens { if let s = t.scope { try engine.check(s) } }
        pool = try EnginePool(first: try Engine(sharing: engine, policy: policy), size: workers, policy: policy)
        self.config = config
        sessions = SessionStore(capacity: config.limits.sessions, maxAge: config.limits.sessionMinutes * 60)
        limiter = RateLimiter(perMinute: config.limits.requestsPerMinute)
        audit = try AuditLog(path: config.auditLog)
        self.now = now
        tokens = Dictionary(uniqueKeysWithValues: config.tokens.map { ($0.token, $0) })
    }

    /// The token named by `Authorization: Bearer …`, or 401.
    func authenticate(_ request: Request) throws -> ServerConfig.Token {
        guard let h = request.headers[.authorization], h.hasPrefix("Bearer ") else { throw APIError.unauthorized }
        guard let t = tokens[String(h.dropFirst(7)).trimmingCharacters(in: .whitespaces)] else { throw APIError.unauthorized }
        guard limiter.allow(t.name) else { throw APIError.rateLimited }
        return t
    }

    /// Answers on a worker thread with a borrowed connection; keeps the session's context.
    public func answer(question: String, sessionKey: String?, scope: Scope?, who: String, channel: String, now override: Now? = nil) async throws -> Answer {
        guard question.count <= config.limits.maxQuestionChars else { throw APIError.questionTooLong(config.limits.maxQuestionChars) }
        let started = DispatchTime.now().uptimeNanoseconds
        let a: Answer = try await NIOThreadPool.singleton.runIfActive { [self] in
            var conv = sessionKey.map { sessions.get($0) } ?? Conversation()
            let a = pool.with { $0.ask(question, conversation: &conv, now: override ?? now, scope: .some(scope)) }
            if let k = sessionKey { sessions.put(k, conv) }
            return a
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        audit.record(token: who, channel: channel, question: question, answer: a, milliseconds: ms)
        metrics.outcome(a.status.rawValue)
        return a
    }

    var engine: Engine { pool.first }
}

extension Response {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
