import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import WenshuCore

/// The HTTP API: the state shared by all requests, and the work behind each route.
/// Routes are registered in `buildApplication`; this type holds no HTTP framework types
/// beyond requests and responses.
public final class WenshuAPI: @unchecked Sendable {
    private var currentPool: EnginePool
    private let poolLock = NSLock()
    let config: ServerConfig
    let sessions: SessionStore
    let limiter: RateLimiter
    let audit: AuditLog
    let metrics = Metrics()
    let now: Now?
    let tokens: [String: ServerConfig.Token]
    /// Watches a SQLite store's file (a server database has no file to watch).
    let store: StoreWatcher?
    private let policy: SQLPolicy
    private let workers: Int
    let gate: ConnectionGate
    let report: @Sendable (String) -> Void
    /// Departments that handle tickets inside each scope, learned on first use.
    private var scopedDepartments: [String: [String]] = [:]

    public init(engine: Engine, config: ServerConfig, now: Now?, workers: Int = System.coreCount * 2,
                report: @escaping @Sendable (String) -> Void = WenshuAPI.reportToStderr) throws {
        var policy = SQLPolicy.tickets
        policy.timeCap = config.limits.querySeconds
        for t in config.tokens { if let s = t.scope { try engine.check(s) } }
        currentPool = try EnginePool(first: try Engine(sharing: engine, policy: policy), size: workers, policy: policy)
        self.policy = policy
        self.workers = workers
        self.config = config
        self.report = report
        sessions = SessionStore(capacity: config.limits.sessions, maxAge: config.limits.sessionMinutes * 60)
        limiter = RateLimiter(perMinute: config.limits.requestsPerMinute)
        audit = AuditLog(path: config.auditLog, metrics: metrics, report: report)
        self.now = now
        tokens = Dictionary(uniqueKeysWithValues: config.tokens.map { ($0.token, $0) })
        store = (engine.store as? Database).map { StoreWatcher(path: $0.path) }
        gate = ConnectionGate(limits: config.limits, metrics: metrics)
    }

    /// Where operational problems (audit log, store file) are reported by default.
    public static let reportToStderr: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("wenshu serve: \($0)\n".utf8)) }

    var pool: EnginePool { poolLock.lock(); defer { poolLock.unlock() }; return currentPool }

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
        if config.auditRequired, !audit.canOpen { throw APIError.auditUnavailable }
        let started = DispatchTime.now().uptimeNanoseconds
        let a: Answer
        if let quick = answerQuickly(question: question, sessionKey: sessionKey, scope: scope, now: override) {
            a = quick
        } else {
            a = try await NIOThreadPool.singleton.runIfActive { [self] in
                watchStore()
                var conv = sessionKey.map { sessions.get($0) } ?? Conversation()
                let a = pool.with { $0.ask(question, conversation: &conv, now: override ?? now, scope: .some(scope)) }
                if let k = sessionKey { sessions.put(k, conv) }
                return a
            }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds &- started) / 1e6
        let written = audit.record(token: who, channel: channel, question: question, answer: a, milliseconds: ms)
        // An unaudited answer is withheld when the configuration says audit is required.
        if !written, config.auditRequired { throw APIError.auditUnavailable }
        metrics.outcome(a.status.rawValue)
        return a
    }

    /// The answer on the calling thread (the connection's event loop) when no statement on
    /// the store is needed and an engine is free: most answers come from the analytics cache
    /// in well under a millisecond, and handing each to another thread and back cost a
    /// quarter of a request's CPU. nil: answer on the thread pool (a slow statement there
    /// blocks no other connection), as must the look at the store file when it is due.
    private func answerQuickly(question: String, sessionKey: String?, scope: Scope?, now override: Now?) -> Answer? {
        if store?.isDue == true { return nil }
        var conv = sessionKey.map { sessions.get($0) } ?? Conversation()
        let answered: Answer?? = pool.withFree { $0.askWithoutStore(question, conversation: &conv, now: override ?? now, scope: .some(scope)) }
        guard let a = answered ?? nil else { return nil }
        if let k = sessionKey { sessions.put(k, conv) }
        return a
    }

    /// Looks at the store file (at most once a second): a replaced file is reopened (new
    /// connections, a freshly learned catalog); a deleted or unreadable one is reported.
    func watchStore() {
        guard let store else { return }
        switch store.check() {
        case .none:
            return
        case .modified:
            metrics.store(event: "modified", healthy: true)
        case .missing:
            metrics.store(event: "missing", healthy: false)
            report("工单库 \(store.path) 不见了（被删除或移走）；继续用已打开的数据回答，文件恢复后自动重新打开。")
        case .replaced:
            let old = pool.first
            do {
                let fresh = try Engine(path: store.path, resources: old.resources, now: now, policy: policy)
                for t in config.tokens { if let s = t.scope { try fresh.check(s) } }
                let newPool = try EnginePool(first: fresh, size: workers, policy: policy)
                poolLock.lock()
                currentPool = newPool
                scopedDepartments = [:]
                poolLock.unlock()
                metrics.store(event: "reopened", healthy: true)
                report("工单库 \(store.path) 已被替换，已重新打开。")
            } catch {
                metrics.store(event: "reopen_failed", healthy: false)
                report("工单库 \(store.path) 已被替换，但新文件无法打开（\(error)）；继续用原来的数据回答。")
            }
        }
    }

    /// Departments with tickets inside a scope (so a scoped token's schema lists only its own).
    func departments(within scope: Scope) -> [String] {
        let key = scope.level.rawValue + "=" + scope.name
        poolLock.lock()
        if let d = scopedDepartments[key] { poolLock.unlock(); return d }
        poolLock.unlock()
        let column = scope.level.column
        let found: [String] = pool.with { e in
            let sql = "SELECT DISTINCT department FROM tickets WHERE \(column) = \(e.store.dialect.placeholder(1)) AND department IS NOT NULL ORDER BY department"
            guard let r = try? e.store.query(sql, [.text(scope.name)], rowCap: nil) else { return [] }
            return r.rows.compactMap { row in row.first.flatMap { if case .text(let s) = $0 { return s } else { return nil } } }
        }
        poolLock.lock()
        scopedDepartments[key] = found
        poolLock.unlock()
        return found
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
