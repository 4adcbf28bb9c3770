import Foundation

/// Prometheus text-format counters and a latency histogram, kept in process.
final class Metrics: @unchecked Sendable {
    private var requests: [String: Int] = [:]      // "route|code"
    private var outcomes: [String: Int] = [:]      // answer status
    private var buckets = [Int](repeating: 0, count: Metrics.bounds.count)
    private var sum = 0.0
    private var count = 0
    private let lock = NSLock()
    static let bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    func request(route: String, code: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        requests["\(route)|\(code)", default: 0] += 1
        for (i, b) in Metrics.bounds.enumerated() where seconds <= b { buckets[i] += 1 }
        sum += seconds
        count += 1
    }

    func outcome(_ status: String) {
        lock.lock(); defer { lock.unlock() }
        outcomes[status, default: 0] += 1
    }

    func render() -> String {
        lock.lock(); defer { lock.unlock() }
        var out = "# HELP wenshu_http_requests_total HTTP requests by route and status code.\n# TYPE wenshu_http_requests_total counter\n"
        for (k, v) in requests.sorted(by: { $0.key < $1.key }) {
            let p = k.split(separator: "|")
            out += "wenshu_http_requests_total{route=\"\(p[0])\",code=\"\(p[1])\"} \(v)\n"
        }
        out += "# HELP wenshu_answers_total Answers by status.\n# TYPE wenshu_answers_total counter\n"
        for (k, v) in outcomes.sorted(by: { $0.key < $1.key }) { out += "wenshu_answers_total{status=\"\(k)\"} \(v)\n" }
        out += "# HELP wenshu_http_request_duration_seconds Request latency.\n# TYPE wenshu_http_request_duration_seconds histogram\n"
        for (i, b) in Metrics.bounds.enumerated() { out += "wenshu_http_request_duration_seconds_bucket{le=\"\(b)\"} \(buckets[i])\n" }
        out += "wenshu_http_request_duration_seconds_bucket{le=\"+Inf\"} \(count)\n"
        out += "wenshu_http_request_duration_seconds_sum \(sum)\nwenshu_http_request_duration_seconds_count \(count)\n"
        return out
    }
}
