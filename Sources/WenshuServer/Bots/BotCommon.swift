import Foundation
import WenshuCore

/// What all three platforms share: who may see what, one conversation per chat, replies
/// rendered for a chat window, and duplicate deliveries answered once.
final class BotHub: @unchecked Sendable {
    let api: WenshuAPI
    private var seen: [String: (String, Date)] = [:]   // delivery id → reply
    private var seenOrder: [String] = []
    private let lock = NSLock()
    let exports: ExportStore
    let perUser: MinuteCounter
    let perChat: MinuteCounter
    static let maxRemembered = 5000

    init(api: WenshuAPI) {
        self.api = api
        let l = api.config.limits
        exports = ExportStore(maxCount: l.exports, maxBytes: l.exportBytes, lifetime: l.exportMinutes * 60, metrics: api.metrics)
        perUser = MinuteCounter(perMinute: l.botUserPerMinute)
        perChat = MinuteCounter(perMinute: l.botChatPerMinute)
    }

    /// Platform section of the `bots` config.
    func section(_ name: String) -> [String: Any]? { api.config.bots[name] as? [String: Any] }

    /// The scope for a platform user or chat: `scopes[id]`, else `default_scope`, else refused.
    func scope(platform: String, ids: [String]) -> (allowed: Bool, scope: Scope?) {
        guard let cfg = section(platform) else { return (false, nil) }
        // An empty object is the whole city; a malformed one refuses rather than widening.
        func read(_ obj: Any) -> (Bool, Scope?) {
            do { return (true, try ServerConfig.scope(from: obj)) } catch { return (false, nil) }
        }
        let scopes = cfg["scopes"] as? [String: Any] ?? [:]
        for id in ids where !id.isEmpty {
            if let s = scopes[id] { return read(s) }
        }
        if let d = cfg["default_scope"] { return read(d) }
        return (false, nil)
    }

    /// A reply already made for this delivery, if the platform is retrying.
    func replay(_ id: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        return seen[id]?.0
    }

    func remember(_ id: String, _ reply: String) {
        lock.lock(); defer { lock.unlock() }
        if seen[id] == nil { seenOrder.append(id) }
        seen[id] = (reply, Date())
        // Bounded whatever the traffic: the oldest deliveries are forgotten first.
        if seenOrder.count > BotHub.maxRemembered {
            let drop = seenOrder.count - BotHub.maxRemembered
            for old in seenOrder.prefix(drop) { seen[old] = nil }
            seenOrder.removeFirst(drop)
        }
    }

    /// Asks on behalf of a chat and renders the answer as markdown.
    func ask(_ text: String, platform: String, chat: String, user: String, scopeIDs: [String]) async -> String {
        let question = BotText.stripMentions(text)
        if question.isEmpty { return "您好，我是问数。请直接提问，例如：上个月各区工单量排名" }
        let (allowed, scope) = self.scope(platform: platform, ids: scopeIDs)
        guard allowed else { return "抱歉，您（\(user)）还没有开通问数的数据权限，请联系管理员。" }
        guard perUser.allow(platform + "|" + user) else {
            api.metrics.botRateLimited("user")
            return "您提问太频繁了，请一分钟后再试。"
        }
        guard perChat.allow(platform + "|" + chat) else {
            api.metrics.botRateLimited("chat")
            return "这个会话提问太频繁了，请一分钟后再试。"
        }
        do {
            let a = try await api.answer(question: question, sessionKey: "\(platform)|\(chat)", scope: scope, who: "\(platform):\(user)", channel: platform)
            return BotText.markdown(a, exportURL: exports.link(for: a, base: api.config.publicBaseURL))
        } catch let e as APIError {
            return e.message
        } catch {
            return "查询失败，请稍后再试。"
        }
    }
}

/// Chat-window text: mentions out, answers in.
enum BotText {
    static func stripMentions(_ s: String) -> String {
        var out = s.replacingOccurrences(of: "@_user_\\d+", with: "", options: .regularExpression)
        out = out.replacingOccurrences(of: "@\\S+\\s", with: "", options: .regularExpression)
        out = out.replacingOccurrences(of: "^@\\S+$", with: "", options: .regularExpression)
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Interpretation, summary, the top rows as a markdown table, and a CSV link.
    static func markdown(_ a: Answer, exportURL: String?, maxRows: Int = 10) -> String {
        switch a.status {
        case .answered:
            var out = "**理解**：\(a.interpretation ?? "")\n\n\(a.summary ?? "")"
            if a.rows.count > 1 || a.columns.count > 1 {
                out += "\n\n| " + a.columns.joined(separator: " | ") + " |\n|" + String(repeating: " --- |", count: a.columns.count)
                for r in a.rows.prefix(maxRows) {
                    out += "\n| " + r.enumerated().map { cell($0.element, kind: $0.offset < a.kinds.count ? a.kinds[$0.offset] : nil) }.joined(separator: " | ") + " |"
                }
                if a.rows.count > maxRows { out += "\n\n… 共 \(a.rows.count) 行" }
            }
            if let exportURL { out += "\n\n[下载完整 CSV](\(exportURL))" }
            return out
        default:
            var out = a.message ?? ""
            for (i, s) in a.suggestions.enumerated() { out += "\n\(i + 1). \(s)" }
            if !a.suggestions.isEmpty { out += "\n\n回复编号即可选择。" }
            return out
        }
    }

    /// A cell as people read it: rates as percentages, hours rounded (see Render.cellText).
    static func cell(_ v: DBValue, kind: ColumnKind? = nil) -> String {
        let s: String
        switch (v, kind) {
        case (_, .some(let k)) where k != .text && k != .content && k != .count: s = Render.cellText(v, kind: k)
        case (.real(let d), _): s = String(format: "%.4g", d)
        default: s = Render.cellText(v)
        }
        return s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

/// Full results behind unguessable, expiring links (GET /exports/ID.csv), so a chat reply
/// can offer the whole table without handing out an API token. Bounded in count, in bytes
/// and in age; past a cap the oldest exports are dropped first.
final class ExportStore: @unchecked Sendable {
    private var items: [String: (csv: String, at: Date)] = [:]
    private var order: [String] = []
    private var bytes = 0
    private let lock = NSLock()
    let maxCount: Int
    let maxBytes: Int
    let lifetime: TimeInterval
    let metrics: Metrics?

    init(maxCount: Int = 200, maxBytes: Int = 64 << 20, lifetime: TimeInterval = 3600, metrics: Metrics? = nil) {
        self.maxCount = maxCount
        self.maxBytes = maxBytes
        self.lifetime = lifetime
        self.metrics = metrics
    }

    func link(for a: Answer, base: String?) -> String? {
        guard let base, a.status == .answered, !a.rows.isEmpty, maxCount > 0 else { return nil }
        let csv = Render.csv(a)
        let size = csv.utf8.count
        guard size <= maxBytes else { return nil }  // one export larger than the whole budget: no link
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        lock.lock(); defer { lock.unlock() }
        let cutoff = Date().addingTimeInterval(-lifetime)
        while let first = order.first, let item = items[first], item.at <= cutoff { dropFirst() }
        while !order.isEmpty, order.count + 1 > maxCount || bytes + size > maxBytes {
            dropFirst()
            metrics?.exportDropped()
        }
        items[id] = (csv, Date())
        order.append(id)
        bytes += size
        return base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/exports/\(id).csv"
    }

    private func dropFirst() {
        let id = order.removeFirst()
        if let item = items.removeValue(forKey: id) { bytes -= item.csv.utf8.count }
    }

    func csv(_ id: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        guard let item = items[id], Date().timeIntervalSince(item.at) < lifetime else { return nil }
        return item.csv
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return items.count }
    var totalBytes: Int { lock.lock(); defer { lock.unlock() }; return bytes }
}
