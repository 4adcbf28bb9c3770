import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Every open connection, so that idle sockets can never starve real requests: past the cap a
/// new connection first closes the longest-idle one (no request in flight), and only when every
/// connection is busy does it get a 503.
final class ConnectionGate: @unchecked Sendable {
    enum Admission { case admitted, rejected }

    private struct Entry {
        let channel: any Channel
        var busy: Bool
        var idleSince: UInt64
    }

    private var open: [ObjectIdentifier: Entry] = [:]
    private let lock = NSLock()
    let limits: ServerConfig.Limits
    let metrics: Metrics

    /// The configured cap, lowered when needed so that the cap is reached before the process
    /// runs out of descriptors (64 are kept for the store, the log and accepting).
    let maxConnections: Int

    init(limits: ServerConfig.Limits, metrics: Metrics) {
        self.limits = limits
        self.metrics = metrics
        let files = FileDescriptors.raiseLimit()
        maxConnections = min(limits.maxConnections, max(16, files > 128 ? files - 64 : files / 2))
    }

    func admit(_ channel: any Channel) -> Admission {
        var victim: (any Channel)?
        lock.lock()
        if open.count >= maxConnections {
            let idle = open.filter { !$0.value.busy }.min { $0.value.idleSince < $1.value.idleSince }
            if let idle {
                open[idle.key] = nil
                victim = idle.value.channel
            } else {
                lock.unlock()
                metrics.connection(.rejected)
                return .rejected
            }
        }
        open[ObjectIdentifier(channel)] = Entry(channel: channel, busy: false, idleSince: DispatchTime.now().uptimeNanoseconds)
        let count = open.count
        lock.unlock()
        if let victim {
            metrics.connection(.evicted)
            victim.close(promise: nil)
        }
        metrics.openConnections(count)
        return .admitted
    }

    func setBusy(_ channel: any Channel, _ busy: Bool) {
        lock.lock(); defer { lock.unlock() }
        guard var e = open[ObjectIdentifier(channel)] else { return }
        e.busy = busy
        if !busy { e.idleSince = DispatchTime.now().uptimeNanoseconds }
        open[ObjectIdentifier(channel)] = e
    }

    func remove(_ channel: any Channel) {
        lock.lock()
        open[ObjectIdentifier(channel)] = nil
        let count = open.count
        lock.unlock()
        metrics.openConnections(count)
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return open.count }
}

/// Per connection: admission through the gate, and deadlines for each phase of a request —
/// the head must arrive within `header_seconds` of connecting, the body within `body_seconds`
/// of the head, and a kept-alive connection may wait `idle_seconds` for its next request.
/// A connection that misses a deadline is closed (a slow client cannot hold a socket forever).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase { case waitingHead, readingBody, responding, refused }

    private let gate: ConnectionGate
    private var phase = Phase.waitingHead
    private var admitted = false
    private var served = 0
    private var deadline: Scheduled<Void>?

    init(gate: ConnectionGate) { self.gate = gate }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if admitted { gate.remove(context.channel) }
        admitted = false
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        if admitted { gate.remove(context.channel) }
        admitted = false
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !admitted, phase != .refused else { return }
        switch gate.admit(context.channel) {
        case .admitted:
            admitted = true
            arm(context, seconds: gate.limits.headerSeconds, reason: "header")
        case .rejected:
            phase = .refused
            let body = APIError(status: .serviceUnavailable, code: "too_many_connections", message: "连接数已满，请稍后再试。").body
            var head = HTTPResponse(status: .serviceUnavailable)
            head.headerFields[.contentType] = "application/json; charset=utf-8"
            head.headerFields[.contentLength] = String(body.utf8.count)
            head.headerFields[.connection] = "close"
            head.headerFields[.retryAfter] = "1"
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(ByteBuffer(string: body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func arm(_ context: ChannelHandlerContext, seconds: Double, reason: String) {
        deadline?.cancel()
        let metrics = gate.metrics
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            metrics.connection(.timedOut(reason))
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .refused { return }  // a refused connection's request is never handled
        switch unwrapInboundIn(data) {
        case .head:
            phase = .readingBody
            gate.setBusy(context.channel, true)
            arm(context, seconds: gate.limits.bodySeconds, reason: "body")
        case .body:
            break
        case .end:
            if phase == .readingBody {
                phase = .responding
                deadline?.cancel()
                deadline = nil
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), phase != .refused {
            served += 1
            // A response can also end before the request body did (a 401 or 413 sent early).
            if phase == .responding || phase == .readingBody {
                phase = .waitingHead
                gate.setBusy(context.channel, false)
                arm(context, seconds: gate.limits.idleSeconds, reason: "idle")
            }
        }
        context.write(data, promise: promise)
    }
}

/// The soft limit on open files, raised to the hard limit: every connection is a descriptor,
/// and the connection cap is kept below what the process may open.
enum FileDescriptors {
    @discardableResult
    static func raiseLimit() -> Int {
        var r = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 else { return 1024 }
        if r.rlim_cur < r.rlim_max {
            var raised = r
            raised.rlim_cur = r.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { r = raised }
        }
        return r.rlim_cur > UInt64(Int.max) ? Int.max : Int(r.rlim_cur)
    }
}
