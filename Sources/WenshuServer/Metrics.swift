import Foundation

/// Prometheus text-format counters and a latency histogram, kept in process.
final class Metrics: @unchecked Sendable {
    private struct RouteCode: Hashable, Comparable {
        let route: String
        let code: Int
        static func < (a: RouteCode, b: RouteCode) -> Bool { (a.route, a.code) < (b.route, b.code) }
    }

    enum ConnectionEvent {
        case rejected, evicted
        case timedOut(String)
    }

    private var requests: [RouteCode: Int] = [:]
    private var outcomes: [String: Int] = [:]      // answer status
    private var buckets = [Int](repeating: 0, count: Metrics.bounds.count)
    private var sum = 0.0
    private var count = 0
    private var connectionsOpen = 0
    private var connectionEvents: [String: Int] = [:]
    private var auditFailures = 0
    private var auditHealthy = true
    private var storeEvents: [String: Int] = [:]
    private var storeHealthy = true
    private var botLimited: [String: Int] = [:]
    private var exportsDropped = 0
    private let lock = NSLock()
    static let bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    func request(route: String, code: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        requests[RouteCode(route: route, code: code), default: 0] += 1
        for (i, b) in Metrics.bounds.enumerated() where seconds <= b { buckets[i] += 1 }
        sum += seconds
        count += 1
    }

    func outcome(_ status: String) {
        lock.lock(); defer { lock.unlock() }
        outcomes[status, default: 0] += 1
    }

    func openConnections(_ n: Int) {
        lock.lock(); defer { lock.unlock() }
        connectionsOpen = n
    }

    func connection(_ e: ConnectionEvent) {
        let key: String
        switch e {
        case .rejected: key = "rejected"
        case .evicted: key = "evicted_idle"
        case .timedOut(let phase): key = "timeout_\(phase)"
        }
        lock.lock(); defer { lock.unlock() }
        connectionEvents[key, default: 0] += 1
    }

    func audit(ok: Bool) {
        lock.lock(); defer { lock.unlock() }
        if !ok { auditFailures += 1 }
        auditHealthy = ok
    }

    func store(event: String, healthy: Bool) {
        lock.lock(); defer { lock.unlock() }
        storeEvents[event, default: 0] += 1
        storeHealthy = healthy
    }

    func botRateLimited(_ kind: String) {
        lock.lock(); defer { lock.unlock() }
        botLimited[kind, default: 0] += 1
    }

    func exportDropped() {
        lock.lock(); defer { lock.unlock() }
        exportsDropped += 1
    }

    func render() -> String {
        lock.lock(); defer { lock.unlock() }
        var out = "# HELP wenshu_http_requests_total HTTP requests by route and status code.\n# TYPE wenshu_http_requests_total counter\n"
        for (k, v) in requests.sorted(by: { $0.key < $1.key }) {
            out += "wenshu_http_requests_total{route=\"\(k.route)\",code=\"\(k.code)\"} \(v)\n"
        }
        out += "# HELP wenshu_answers_total Answers by status.\n# TYPE wenshu_answers_total counter\n"
        for (k, v) in outcomes.sorted(by: { $0.key < $1.key }) { out += "wenshu_answers_total{status=\"\(k)\"} \(v)\n" }
        out += "# HELP wenshu_http_request_duration_seconds Request latency.\n# TYPE wenshu_http_request_duration_seconds histogram\n"
        for (i, b) in Metrics.bounds.enumerated() { out += "wenshu_http_request_duration_seconds_bucket{le=\"\(b)\"} \(buckets[i])\n" }
        out += "wenshu_http_request_duration_seconds_bucket{le=\"+Inf\"} \(count)\n"
        out += "wenshu_http_request_duration_seconds_sum \(sum)\nwenshu_http_request_duration_seconds_count \(count)\n"
        out += "# HELP wenshu_connections_open Open HTTP connections.\n# TYPE wenshu_connections_open gauge\n"
        out += "wenshu_connections_open \(connectionsOpen)\n"
        out += "# HELP wenshu_connections_closed_total Connections refused (503), evicted while idle, or timed out.\n# TYPE wenshu_connections_closed_total counter\n"
        for (k, v) in connectionEvents.sorted(by: { $0.key < $1.key }) { out += "wenshu_connections_closed_total{reason=\"\(k)\"} \(v)\n" }
        out += "# HELP wenshu_audit_write_failures_total Audit lines that could not be written.\n# TYPE wenshu_audit_write_failures_total counter\n"
        out += "wenshu_audit_write_failures_total \(auditFailures)\n"
        out += "# HELP wenshu_audit_ok 1 when the last audit write succeeded.\n# TYPE wenshu_audit_ok gauge\n"
        out += "wenshu_audit_ok \(auditHealthy ? 1 : 0)\n"
        out += "# HELP wenshu_store_ok 1 while the store file is the one opened and present.\n# TYPE wenshu_store_ok gauge\n"
        out += "wenshu_store_ok \(storeHealthy ? 1 : 0)\n"
        out += "# HELP wenshu_store_events_total Store file replaced, reopened, missing or failing to reopen.\n# TYPE wenshu_store_events_total counter\n"
        for (k, v) in storeEvents.sorted(by: { $0.key < $1.key }) { out += "wenshu_store_events_total{event=\"\(k)\"} \(v)\n" }
        out += "# HELP wenshu_bot_rate_limited_total Bot messages refused by the per-user or per-chat limit.\n# TYPE wenshu_bot_rate_limited_total counter\n"
        for (k, v) in botLimited.sorted(by: { $0.key < $1.key }) { out += "wenshu_bot_rate_limited_total{by=\"\(k)\"} \(v)\n" }
        out += "# HELP wenshu_exports_dropped_total CSV exports dropped early by the count or size cap.\n# TYPE wenshu_exports_dropped_total counter\n"
        out += "wenshu_exports_dropped_total \(exportsDropped)\n"
        return out
    }
}
