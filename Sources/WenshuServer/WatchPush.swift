import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOPosix
import WenshuCore

/// The `watch` section of serve.json: when to push the morning warnings, and to which
/// group robots (DingTalk custom robot, WeCom group robot, Feishu custom bot), each with
/// the scope of the group it speaks to.
///
/// ```json
/// "watch": {
///   "time": "07:30", "days": 1, "state_file": "/var/lib/wenshu/watch-sent.json",
///   "retries": 3, "backoff_seconds": 2, "digest": true,
///   "targets": [
///     {"name": "市领导", "platform": "dingtalk", "webhook": "https://oapi.dingtalk.com/robot/send?access_token=…", "secret": "SEC…", "scope": {}},
///     {"name": "西湖区", "platform": "wecom", "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…", "scope": {"district": "西湖区"}},
///     {"name": "北山街道", "platform": "feishu", "webhook": "https://open.feishu.cn/open-apis/bot/v2/hook/…", "secret": "…", "scope": {"street": "北山街道"}}
///   ]
/// }
/// ```
public struct WatchPushConfig: Sendable {
    public enum Platform: String, Sendable { case dingtalk, wecom, feishu }

    public struct Target: Sendable {
        public let name: String
        public let platform: Platform
        public let webhook: String
        public let secret: String?
        public let scope: Watch.Scope?
    }

    public var hour = 7, minute = 30
    public var days = 1
    public var stateFile: String?
    public var retries = 3
    public var backoffSeconds = 2.0
    /// Also send each group yesterday's figures (工单量, top subcategories, 解决率, 满意率).
    public var digest = false
    public var targets: [Target] = []

    /// Reads the `watch` section of a whole serve.json object; nil when there is none.
    public static func parse(serveConfig obj: [String: Any]) throws -> WatchPushConfig? {
        guard let w = obj["watch"] else { return nil }
        guard let w = w as? [String: Any] else { throw ConfigError("watch 需要是一个对象") }
        var c = WatchPushConfig()
        if let t = w["time"] {
            let parts = (t as? String ?? "").split(separator: ":").map { Int($0) }
            guard parts.count == 2, let h = parts[0], let m = parts[1], (0..<24).contains(h), (0..<60).contains(m) else {
                throw ConfigError("watch.time 需要 HH:MM，例如 07:30")
            }
            (c.hour, c.minute) = (h, m)
        }
        if let d = w["days"] {
            guard let d = d as? Int, d >= 1, d <= 31 else { throw ConfigError("watch.days 需要 1 到 31") }
            c.days = d
        }
        c.stateFile = w["state_file"] as? String
        if let r = w["retries"] {
            guard let r = r as? Int, r >= 0, r <= 10 else { throw ConfigError("watch.retries 需要 0 到 10") }
            c.retries = r
        }
        if let b = w["backoff_seconds"] {
            guard let b = b as? Double, b >= 0, b <= 600 else { throw ConfigError("watch.backoff_seconds 需要 0 到 600") }
            c.backoffSeconds = b
        }
        if let d = w["digest"] {
            guard let d = d as? Bool else { throw ConfigError("watch.digest 需要 true 或 false") }
            c.digest = d
        }
        guard let list = w["targets"] as? [[String: Any]] else { throw ConfigError("watch 需要 targets 数组") }
        for (i, t) in list.enumerated() {
            guard let name = t["name"] as? String, !name.isEmpty else { throw ConfigError("watch.targets[\(i)].name 不能为空") }
            guard let p = (t["platform"] as? String).flatMap(Platform.init(rawValue:)) else {
                throw ConfigError("watch.targets[\(i)].platform 只能是 dingtalk、wecom 或 feishu")
            }
            guard let hook = t["webhook"] as? String, hook.hasPrefix("http://") || hook.hasPrefix("https://") else {
                throw ConfigError("watch.targets[\(i)].webhook 需要 http(s) 地址")
            }
            let scope = try ServerConfig.scope(from: t["scope"])
            let watchScope: Watch.Scope?
            switch scope?.level {
            case .none: watchScope = nil
            case .some(.district): watchScope = Watch.Scope(district: scope?.name)
            case .some(.street): watchScope = Watch.Scope(street: scope?.name)
            default: throw ConfigError("watch.targets[\(i)].scope 只能是 district、street 或 {}")
            }
            c.targets.append(Target(name: name, platform: p, webhook: hook, secret: t["secret"] as? String, scope: watchScope))
        }
        if Set(c.targets.map(\.name)).count != c.targets.count { throw ConfigError("watch.targets 的 name 不能重复") }
        return c
    }

    public static func load(serveConfigPath path: String) throws -> WatchPushConfig? {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("无法读取配置文件 \(path)") }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw ConfigError("\(path) 不是 JSON 对象") }
        return try parse(serveConfig: obj)
    }

    /// The next push time after `date`, local time.
    public func nextRun(after date: Date, calendar: Calendar = .current) -> Date {
        let next = calendar.nextDate(after: date, matching: DateComponents(hour: hour, minute: minute, second: 0),
                                     matchingPolicy: .nextTime)
        return next ?? date.addingTimeInterval(86400)
    }
}

/// Builds and signs each platform's webhook request.
public enum WatchPushMessage {
    /// The warning list as chat markdown: one line per warning, with the follow-up question.
    public static func markdown(_ r: Watch.Report, target: String) -> String {
        heading(target) + body(r.summary, r.warnings, offset: 0)
    }

    static func heading(_ target: String) -> String { "### 未诉先办预警（\(target)）\n\n" }

    static func item(_ i: Int, _ w: Warning) -> String {
        let place = [w.district, w.street, w.community].compactMap { $0 }.joined(separator: " ")
        var s = "\n\(i + 1). **\(place) · \(w.subcategory)**：\(w.count) 件（预期 \(String(format: "%.1f", w.expected)) 件），\(w.since.iso) 起，\(w.firstDay.iso) 首次预警"
        if let e = w.examples.first { s += "\n   > \(e.content.replacingOccurrences(of: "\n", with: " "))" }
        s += "\n   追问：「\(w.question)」"
        return s
    }

    static func body(_ summary: String, _ list: [Warning], offset: Int) -> String {
        list.enumerated().reduce(summary + "\n") { $0 + item(offset + $1.offset, $1.element) }
    }

    /// The most UTF-8 bytes of markdown one message may carry: WeCom refuses markdown
    /// content over 4096 bytes, Feishu a request body over 20 KB; DingTalk is given the
    /// same margin as Feishu.
    public static func limit(_ p: WatchPushConfig.Platform) -> Int {
        switch p {
        case .wecom: return 4000
        case .dingtalk, .feishu: return 18000
        }
    }

    /// The report as one or more messages that each fit the platform, with the warnings
    /// each carries (so a message that got through is not sent again). Numbering runs on
    /// across messages; an item too long on its own is cut.
    public static func messages(_ r: Watch.Report, target: String, limit max: Int) -> [(markdown: String, warnings: [Warning])] {
        let full = markdown(r, target: target)
        if full.utf8.count <= max || r.warnings.isEmpty { return [(full, r.warnings)] }
        var out: [(String, [Warning])] = []
        var text = heading(target) + r.summary + "\n"
        var carried: [Warning] = []
        for (i, w) in r.warnings.enumerated() {
            var line = item(i, w)
            if line.utf8.count > max / 2 { line = clip(line, bytes: max / 2) + "…" }
            if !carried.isEmpty, text.utf8.count + line.utf8.count > max {
                out.append((text, carried))
                text = heading(target + "，续") + String(line.drop { $0 == "\n" })
                carried = [w]
                continue
            }
            text += line
            carried.append(w)
        }
        out.append((text, carried))
        return out
    }

    /// The longest prefix of whole characters within `bytes` UTF-8 bytes.
    static func clip(_ s: String, bytes: Int) -> String {
        var n = 0
        var out = ""
        for ch in s {
            n += ch.utf8.count
            if n > bytes { break }
            out.append(ch)
        }
        return out
    }

    /// DingTalk custom robot: `timestamp` (ms) and `sign` = URL-encoded
    /// Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) appended to the webhook.
    public static func dingTalkURL(_ webhook: String, secret: String?, timestampMs: Int64) -> String {
        guard let secret, !secret.isEmpty else { return webhook }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestampMs)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let sign = Data(mac).base64EncodedString().addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        return webhook + (webhook.contains("?") ? "&" : "?") + "timestamp=\(timestampMs)&sign=\(sign)"
    }

    /// Feishu custom bot: `sign` = Base64(HMAC-SHA256 keyed by timestamp + "\n" + secret, over nothing).
    public static func feishuSign(timestamp: Int64, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(), using: SymmetricKey(data: Data("\(timestamp)\n\(secret)".utf8)))
        return Data(mac).base64EncodedString()
    }

    /// URL and JSON body for one target.
    public static func request(_ t: WatchPushConfig.Target, markdown: String, title: String = "未诉先办预警", now: Date) -> (url: String, body: [String: Any]) {
        let seconds = Int64(now.timeIntervalSince1970)
        switch t.platform {
        case .dingtalk:
            return (dingTalkURL(t.webhook, secret: t.secret, timestampMs: seconds * 1000),
                    ["msgtype": "markdown", "markdown": ["title": title, "text": markdown]])
        case .wecom:
            return (t.webhook, ["msgtype": "markdown", "markdown": ["content": markdown]])
        case .feishu:
            var body: [String: Any] = ["msg_type": "interactive",
                                       "card": ["elements": [["tag": "markdown", "content": markdown]]]]
            if let s = t.secret, !s.isEmpty {
                body["timestamp"] = String(seconds)
                body["sign"] = feishuSign(timestamp: seconds, secret: s)
            }
            return (t.webhook, body)
        }
    }
}

/// The optional morning digest: the previous day's figures for a group's scope, with the
/// rates defined as in the contract (解决率 over rated tickets, 满意率 over evaluated ones).
public enum WatchDigest {
    public struct Figures: Sendable, Equatable {
        public let day: Day
        public let count: Int
        public let top: [Top]
        public let resolved: Int, resolvedOf: Int
        public let satisfied: Int, satisfiedOf: Int
        public struct Top: Sendable, Equatable { public let subcategory: String, count: Int }
    }

    /// Tickets created on `day` (before `now`, so a run with --now never reads the future).
    public static func figures(db: Database, day: Day, now: Now, scope: Watch.Scope?) throws -> Figures {
        var filter = "created_at >= ? AND created_at < ?"
        var params: [DBValue] = [.text(day.timestamp), .text(min(day.adding(days: 1).timestamp, now.timestamp))]
        if let d = scope?.district { filter += " AND district = ?"; params.append(.text(d)) }
        if let st = scope?.street { filter += " AND street = ?"; params.append(.text(st)) }
        let totals = try db.query("""
            SELECT COUNT(*), COALESCE(SUM(resolved = 1), 0), COUNT(resolved),
                   COALESCE(SUM(satisfaction IN ('满意', '基本满意')), 0), COUNT(satisfaction)
            FROM tickets WHERE \(filter)
            """, params).rows.first ?? []
        let n = totals.map { Int($0.doubleValue ?? 0) }
        guard n.count == 5 else { throw WatchPusher.PushError(description: "digest: unexpected row") }
        let top = try db.query("""
            SELECT subcategory, COUNT(*) AS n FROM tickets WHERE \(filter) AND subcategory IS NOT NULL
            GROUP BY subcategory ORDER BY n DESC, subcategory LIMIT 3
            """, params).rows.compactMap { r -> Figures.Top? in
            guard r.count == 2, let s = r[0].stringValue, let c = r[1].doubleValue else { return nil }
            return Figures.Top(subcategory: s, count: Int(c))
        }
        return Figures(day: day, count: n[0], top: top, resolved: n[1], resolvedOf: n[2], satisfied: n[3], satisfiedOf: n[4])
    }

    static func rate(_ a: Int, _ b: Int) -> String {
        b == 0 ? "—（暂无评价）" : String(format: "%.1f%%", Double(a) * 100 / Double(b)) + "（\(b) 件有评价）"
    }

    public static func markdown(_ f: Figures, target: String) -> String {
        var s = "### 昨日工单概况（\(target)）\n\n\(f.day.iso) 共受理 **\(f.count)** 件。\n"
        if !f.top.isEmpty {
            s += "\n主要问题：" + f.top.map { "\($0.subcategory) \($0.count) 件" }.joined(separator: "、") + "\n"
        }
        s += "\n解决率 \(rate(f.resolved, f.resolvedOf))，满意率 \(rate(f.satisfied, f.satisfiedOf))"
        s += "\n（响应率：工单库没有联系记录，无法计算）"
        return s
    }
}

/// Which warnings each target has already been sent, so one incident is pushed once.
/// Kept in `state_file` (JSON), written atomically; in memory only without one.
final class WatchSentState: @unchecked Sendable {
    private var sent: [String: Set<String>] = [:]
    private let path: String?
    private let lock = NSLock()

    init(path: String?) {
        self.path = path
        if let path, let data = FileManager.default.contents(atPath: path),
           let obj = try? JSONSerialization.jsonObject(with: data) as? [String: [String]] {
            sent = obj.mapValues(Set.init)
        }
    }

    static func key(_ w: Warning) -> String {
        [w.district, w.street, w.community ?? "", w.subcategory, w.firstDay.iso].joined(separator: "|")
    }

    /// One incident is one street, subcategory and first day: as it spreads or settles, the
    /// detector may report it for its street one morning and for one community the next.
    static func incident(_ key: String) -> String {
        let p = key.split(separator: "|", omittingEmptySubsequences: false)
        guard p.count == 5 else { return key }
        return [p[0], p[1], p[3], p[4]].joined(separator: "|")
    }

    func unsent(_ list: [Warning], target: String) -> [Warning] {
        lock.lock(); defer { lock.unlock() }
        let done = sent[target] ?? []
        var byIncident: [String: [String]] = [:]
        for k in done { byIncident[WatchSentState.incident(k), default: []].append(k) }
        return list.filter { w in
            let k = WatchSentState.key(w)
            if done.contains(k) { return false }
            // Two communities of one street can each have their own incident; a street-level
            // record, or a street-level warning now, is the same incident as any of them.
            let same = byIncident[WatchSentState.incident(k)] ?? []
            return !same.contains { w.community == nil || WatchSentState.community(of: $0).isEmpty }
        }
    }

    static func community(of key: String) -> Substring {
        let p = key.split(separator: "|", omittingEmptySubsequences: false)
        return p.count == 5 ? p[2] : ""
    }

    static func digestKey(_ day: Day) -> String { "digest|" + day.iso }

    func sentDigest(_ day: Day, target: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return sent[target]?.contains(WatchSentState.digestKey(day)) ?? false
    }

    func markDigest(_ day: Day, target: String, today: Day) {
        lock.lock()
        sent[target, default: []].insert(WatchSentState.digestKey(day))
        lock.unlock()
        markSent([], target: target, today: today)
    }

    /// How long a sent record is kept: longer than any incident stays on the list.
    static let keepDays = 400

    func markSent(_ list: [Warning], target: String, today: Day) {
        lock.lock(); defer { lock.unlock() }
        sent[target, default: []].formUnion(list.map(WatchSentState.key))
        let oldest = today.adding(days: -WatchSentState.keepDays).iso
        sent = sent.mapValues { $0.filter { k in (k.split(separator: "|").last.map(String.init) ?? "") >= oldest } }
        guard let path, let data = try? JSONSerialization.data(withJSONObject: sent.mapValues { $0.sorted() }, options: [.sortedKeys]) else { return }
        let tmp = path + ".\(getpid()).tmp"
        if FileManager.default.createFile(atPath: tmp, contents: data), rename(tmp, path) != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
        }
    }
}

/// Sends the warnings of a day to every configured group robot. A failed target is
/// retried with exponential backoff, then logged; it never throws into the caller.
public final class WatchPusher: @unchecked Sendable {
    public struct Outcome: Sendable {
        public let target: String
        public let sent: Int
        public let attempts: Int
        public let error: String?
        /// Whether this round sent the group its digest (only with `digest: true`).
        public var digestSent = false
    }

    let config: WatchPushConfig
    let dbPath: String
    let state: WatchSentState
    let log: @Sendable (String) -> Void

    public init(config: WatchPushConfig, dbPath: String,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("wenshu watch: \($0)\n".utf8)) }) {
        self.config = config
        self.dbPath = dbPath
        self.state = WatchSentState(path: config.stateFile)
        self.log = log
    }

    /// The store's statements run on the thread pool: under `wenshu serve` tasks run on the
    /// event loops, where a statement of a few hundred milliseconds would hold up every
    /// connection of that loop.
    private func onThreadPool<T>(_ work: @escaping () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// One push round: for each target, its scoped list minus what it already got.
    public func pushOnce(now: Now, clock: Date = Date()) async -> [Outcome] {
        let db: Database
        do { db = try Watch.open(path: dbPath) } catch {
            log("无法打开工单库：\(error)")
            return config.targets.map { Outcome(target: $0.name, sent: 0, attempts: 0, error: "\(error)") }
        }
        var outcomes: [Outcome] = []
        for t in config.targets {
            let report: Watch.Report
            let (days, scope) = (config.days, t.scope)
            do { report = try await onThreadPool { try Watch.warnings(db: db, now: now, days: days, scope: scope, examples: 1) } } catch {
                log("\(t.name)：预警计算失败：\(error)")
                outcomes.append(Outcome(target: t.name, sent: 0, attempts: 0, error: "\(error)"))
                continue
            }
            var sentCount = 0, attempts = 0
            var lastError: String?
            var digestSent = false
            let yesterday = now.day.adding(days: -1)
            if config.digest, !state.sentDigest(yesterday, target: t.name) {
                do {
                    let scope = t.scope
                    let f = try await onThreadPool { try WatchDigest.figures(db: db, day: yesterday, now: now, scope: scope) }
                    let (n, err) = await send(t, markdown: WatchDigest.markdown(f, target: t.name), title: "昨日工单概况", clock: clock)
                    attempts += n
                    if let err {
                        lastError = err
                        log("\(t.name)：概况推送失败（\(n) 次）：\(err)")
                    } else {
                        state.markDigest(yesterday, target: t.name, today: now.day)
                        digestSent = true
                    }
                } catch {
                    lastError = "\(error)"
                    log("\(t.name)：概况统计失败：\(error)")
                }
            }
            let fresh = state.unsent(report.warnings, target: t.name)
            guard !fresh.isEmpty else {
                outcomes.append(Outcome(target: t.name, sent: 0, attempts: attempts, error: lastError, digestSent: digestSent))
                continue
            }
            for (md, carried) in WatchPushMessage.messages(report.only(fresh), target: t.name, limit: WatchPushMessage.limit(t.platform)) {
                let (n, err) = await send(t, markdown: md, title: "未诉先办预警", clock: clock)
                attempts += n
                if let err {
                    lastError = err
                    log("\(t.name)：推送失败（\(n) 次）：\(err)")
                    break
                }
                state.markSent(carried, target: t.name, today: now.day)
                sentCount += carried.count
            }
            outcomes.append(Outcome(target: t.name, sent: sentCount, attempts: attempts, error: lastError, digestSent: digestSent))
        }
        return outcomes
    }

    /// The longest wait between two attempts, however the backoff is configured.
    static let maxBackoff = 300.0

    /// Posts one message with retries; the attempts made, and the last error when all failed.
    /// Each attempt is signed afresh: a platform refuses a timestamp an hour old.
    func send(_ t: WatchPushConfig.Target, markdown: String, title: String, clock: Date) async -> (Int, String?) {
        let started = Date()
        var lastError: String?
        for attempt in 0...config.retries {
            if attempt > 0 {
                let wait = min(config.backoffSeconds * pow(2, Double(attempt - 1)), WatchPusher.maxBackoff)
                try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
            let (url, body) = WatchPushMessage.request(t, markdown: markdown, title: title,
                                                      now: clock.addingTimeInterval(Date().timeIntervalSince(started)))
            do {
                try await WatchPusher.post(url, body: body)
                return (attempt + 1, nil)
            } catch {
                lastError = "\(error)"
            }
        }
        return (config.retries + 1, lastError)
    }

    struct PushError: Error, CustomStringConvertible { let description: String }

    /// A client of its own for the push, which does its own retries with backoff: with the
    /// shared client's retried connection set-up, a robot host that refuses connections
    /// would hold every attempt for the whole timeout.
    static let client: HTTPClient = {
        var c = HTTPClient.Configuration()
        c.connectionPool.retryConnectionEstablishment = false
        c.timeout = .init(connect: .seconds(10), read: .seconds(10))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: c)
    }()

    /// Posts one message; a non-2xx status or a platform error code is a failure.
    static func post(_ url: String, body: [String: Any]) async throws {
        var req = HTTPClientRequest(url: url)
        req.method = .POST
        req.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        req.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let res = try await client.execute(req, timeout: .seconds(10))
        let data = try await res.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(res.status.code)) else { throw PushError(description: "HTTP \(res.status.code)") }
        let obj = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:]
        // DingTalk and WeCom answer errcode, Feishu code / StatusCode: 0 is success.
        for k in ["errcode", "code", "StatusCode"] {
            if let c = obj[k] as? Int, c != 0 { throw PushError(description: "\(k) \(c): \(obj["errmsg"] ?? obj["msg"] ?? "")") }
        }
    }

    /// Runs forever: pushes at the configured time every day. Start it as a detached task
    /// from `serve`; it never blocks requests.
    public func runDaily(now: @escaping @Sendable () -> Now = { Now.wallClock() }) async {
        while !Task.isCancelled {
            let next = config.nextRun(after: Date())
            let wait = max(1, next.timeIntervalSinceNow)
            try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            if Task.isCancelled { return }
            let outcomes = await pushOnce(now: now())
            for o in outcomes where o.sent > 0 { log("\(o.target)：已推送 \(o.sent) 条预警") }
        }
    }
}
