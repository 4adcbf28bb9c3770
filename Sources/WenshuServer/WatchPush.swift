import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import WenshuCore

/// The `watch` section of serve.json: when to push the morning warnings, and to which
/// group robots (DingTalk custom robot, WeCom group robot, Feishu custom bot), each with
/// the scope of the group it speaks to.
///
/// ```json
/// "watch": {
///   "time": "07:30", "days": 1, "state_file": "/var/lib/wenshu/watch-sent.json",
///   "retries": 3, "backoff_seconds": 2,
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
        var s = "### 未诉先办预警（\(target)）\n\n" + r.summary + "\n"
        for (i, w) in r.warnings.enumerated() {
            let place = [w.district, w.street, w.community].compactMap { $0 }.joined(separator: " ")
            s += "\n\(i + 1). **\(place) · \(w.subcategory)**：\(w.count) 件（预期 \(String(format: "%.1f", w.expected)) 件），\(w.since.iso) 起，\(w.firstDay.iso) 首次预警"
            if let e = w.examples.first { s += "\n   > \(e.content.replacingOccurrences(of: "\n", with: " "))" }
            s += "\n   追问：「\(w.question)」"
        }
        return s
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
    public static func request(_ t: WatchPushConfig.Target, markdown: String, now: Date) -> (url: String, body: [String: Any]) {
        let seconds = Int64(now.timeIntervalSince1970)
        switch t.platform {
        case .dingtalk:
            return (dingTalkURL(t.webhook, secret: t.secret, timestampMs: seconds * 1000),
                    ["msgtype": "markdown", "markdown": ["title": "未诉先办预警", "text": markdown]])
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

    func unsent(_ list: [Warning], target: String) -> [Warning] {
        lock.lock(); defer { lock.unlock() }
        let done = sent[target] ?? []
        return list.filter { !done.contains(WatchSentState.key($0)) }
    }

    func markSent(_ list: [Warning], target: String) {
        lock.lock(); defer { lock.unlock() }
        sent[target, default: []].formUnion(list.map(WatchSentState.key))
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
            do { report = try Watch.warnings(db: db, now: now, days: config.days, scope: t.scope, examples: 1) } catch {
                log("\(t.name)：预警计算失败：\(error)")
                outcomes.append(Outcome(target: t.name, sent: 0, attempts: 0, error: "\(error)"))
                continue
            }
            let fresh = state.unsent(report.warnings, target: t.name)
            guard !fresh.isEmpty else {
                outcomes.append(Outcome(target: t.name, sent: 0, attempts: 0, error: nil))
                continue
            }
            let shown = report.only(fresh)
            let md = WatchPushMessage.markdown(shown, target: t.name)
            var attempts = 0
            var lastError: String?
            while attempts <= config.retries {
                if attempts > 0 {
                    let wait = config.backoffSeconds * pow(2, Double(attempts - 1))
                    try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                }
                attempts += 1
                let (url, body) = WatchPushMessage.request(t, markdown: md, now: clock)
                do {
                    try await WatchPusher.post(url, body: body)
                    lastError = nil
                    break
                } catch {
                    lastError = "\(error)"
                }
            }
            if let lastError {
                log("\(t.name)：推送失败（\(attempts) 次）：\(lastError)")
            } else {
                state.markSent(fresh, target: t.name)
            }
            outcomes.append(Outcome(target: t.name, sent: lastError == nil ? fresh.count : 0, attempts: attempts, error: lastError))
        }
        return outcomes
    }

    struct PushError: Error, CustomStringConvertible { let description: String }

    /// Posts one message; a non-2xx status or a platform error code is a failure.
    static func post(_ url: String, body: [String: Any]) async throws {
        var req = HTTPClientRequest(url: url)
        req.method = .POST
        req.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        req.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
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
