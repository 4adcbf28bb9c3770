import Foundation

/// Question → answer over one opened store. Everything before `store.query` is pure.
public final class Engine: @unchecked Sendable {
    public let store: TicketStore
    /// The SQLite connection; nil when the store is another database.
    public var db: Database! { store as? Database }
    public let resources: Resources
    public let catalog: Catalog
    public let parser: QuestionParser
    public let scope: Scope?
    public let dialect: SQLDialect
    let fixedNow: Now?
    /// The analytics cache (shared by engines over one store) and this engine's own
    /// connection to it (Rollup/AnalyticsCache.swift).
    public let analytics: AnalyticsCache?
    var analyticsConnection: AnalyticsConnection?

    public static let maxQuestionLength = 200

    /// Opens `path` read-only, checks it is a ticket store and learns its values.
    public convenience init(path: String, resources: Resources, now: Now? = nil, scope: Scope? = nil, policy: SQLPolicy = .tickets,
                            analytics: AnalyticsCache.Mode? = nil) throws {
        let db = try Engine.open(path, policy: policy)
        let cache = analytics.flatMap { AnalyticsCache.open(store: path, mode: $0) }
        try self.init(db: db, resources: resources, now: now, scope: scope, analytics: cache)
    }

    public convenience init(db: Database, resources: Resources, now: Now? = nil, scope: Scope? = nil, analytics: AnalyticsCache? = nil) throws {
        try self.init(store: db, resources: resources, now: now, scope: scope, analytics: analytics)
    }

    /// An engine over any ticket store (SQLite or PostgreSQL): its dialect comes with it.
    /// The analytics cache serves SQLite stores only.
    public init(store: TicketStore, resources: Resources, now: Now? = nil, scope: Scope? = nil, analytics: AnalyticsCache? = nil) throws {
        self.store = store
        self.resources = resources
        let sqlite = store as? Database
        self.analytics = sqlite == nil ? nil : analytics
        self.catalog = try Catalog.cached(for: store, analytics: self.analytics)
        self.parser = try QuestionParser(resources: resources, catalog: catalog)
        self.scope = scope
        self.fixedNow = now
        self.dialect = store.dialect
        self.examples = Engine.makeExamples(catalog, scope: scope)
        self.suggester = Suggester(catalog: catalog, lexicon: resources.lexicon, examples: examples)
        if let scope { try check(scope) }
    }

    /// Another engine over its own connection to the same store, sharing everything
    /// learned (one per worker: a connection is never shared across threads).
    public init(sharing other: Engine, policy: SQLPolicy = .tickets) throws {
        store = try other.store.reopen(policy: policy)
        resources = other.resources
        catalog = other.catalog
        parser = other.parser
        scope = other.scope
        fixedNow = other.fixedNow
        dialect = other.dialect
        analytics = other.analytics
        examples = other.examples
        suggester = other.suggester
    }

    static func open(_ path: String, policy: SQLPolicy) throws -> Database {
        let db = try Database.openReadOnly(path)
        try TicketSchema.validate(db)
        db.install(policy: policy)
        return db
    }

    /// Fails when a scope names a place the store does not hold.
    public func check(_ scope: Scope) throws {
        if catalog.placeIndex[Lexicon.fold(scope.name)]?.contains(where: { $0.level == scope.level && $0.name == scope.name }) != true {
            throw StoreError(.denied, "数据权限 \(scope.level.rawValue)=\(scope.name) 在工单库中不存在。")
        }
    }

    public var now: Now { fixedNow ?? Now.wallClock() }

    /// Example questions drawn from the store's own places and categories (computed once,
    /// at init: engines are read from several threads).
    public let examples: [String]
    let suggester: Suggester

    static func makeExamples(_ catalog: Catalog, scope: Scope?) -> [String] {
        let d = catalog.values(.district).first.map { scope?.name ?? $0 } ?? "全市"
        let sub = catalog.values(.subcategory).first ?? "供水"
        return [
            "上个月\(d)\(sub)类投诉有多少件",
            "上个月各区工单量排名",
            "今年每个月的满意率",
            "近30天哪个部门承办的工单最多",
            "本月工单量和上月比怎么样",
        ]
    }

    /// Reads a question in its conversation without touching the store.
    public func read(_ question: String, conversation: Conversation?, now: Now, scope: Scope?? = .none) -> (Understanding, Reading) {
        let u = parser.understand(question)
        let effective: Scope? = scope ?? self.scope
        let builder = PlanBuilder(catalog: catalog, now: now, holidays: resources.lexicon.holidays, scope: effective, examples: examples, suggester: suggester)
        return (u, builder.build(u, question: question, context: conversation))
    }

    /// The suggestions that are themselves answered (at most five): a question back never
    /// offers a question that would be asked back again.
    func answerable(_ suggestions: [String], now: Now, scope: Scope??) -> [String] {
        var out: [String] = []
        for s in suggestions where !out.contains(s) {
            if case .plan = read(s, conversation: nil, now: now, scope: scope).1 { out.append(s) }
            if out.count == 5 { break }
        }
        return out
    }

    /// Answers one question; updates the conversation when the answer can be followed up.
    /// `scope` overrides the engine's own (an HTTP token's scope); `.some(nil)` means the whole city.
    public func ask(_ rawQuestion: String, conversation: inout Conversation, now explicitNow: Now? = nil, scope: Scope?? = .none) -> Answer {
        respond(rawQuestion, conversation: &conversation, now: explicitNow, scope: scope, storeReads: true)
            ?? Answer(question: rawQuestion, status: .error)
    }

    /// The answer when it needs no statement on the store itself: from the analytics cache,
    /// the result cache, or no SQL at all (a question back). nil, with the conversation
    /// untouched, when it would read the store (a list, 重复来电, 预警, a cache not ready):
    /// a server answers those on a thread where a slow statement blocks nobody else.
    public func askWithoutStore(_ rawQuestion: String, conversation: inout Conversation, now explicitNow: Now? = nil, scope: Scope?? = .none) -> Answer? {
        respond(rawQuestion, conversation: &conversation, now: explicitNow, scope: scope, storeReads: false)
    }

    /// `ask`; nil only when `storeReads` is false and the answer would read the store.
    private func respond(_ rawQuestion: String, conversation: inout Conversation, now explicitNow: Now?, scope: Scope??, storeReads: Bool) -> Answer? {
        let now = explicitNow ?? self.now
        var question = Engine.trimmed(rawQuestion)
        // A reply of just a number picks one of the last suggestions.
        if let n = Int(Normalizer.foldWidth(question)), n >= 1, n <= conversation.suggestions.count {
            question = conversation.suggestions[n - 1]
        }
        var answer = Answer(question: rawQuestion, status: .answered)
        if question.count > Engine.maxQuestionLength {
            answer.status = .unsupported
            answer.message = "问题太长（超过\(Engine.maxQuestionLength)字）。请用一句话提问。"
            answer.suggestions = examples
            conversation.suggestions = answer.suggestions
            return answer
        }
        let (u, reading) = read(question, conversation: conversation, now: now, scope: scope)
        answer.rules = u.rules
        answer.lexiconSources = u.lexiconSources
        answer.segmentation = u.segmentation
        switch reading {
        case .clarify(let msg, let sug):
            answer.status = .clarify; answer.message = msg; answer.suggestions = answerable(sug, now: now, scope: scope)
            conversation.suggestions = sug
            return answer
        case .unsupported(let msg, let sug):
            answer.status = .unsupported; answer.message = msg; answer.suggestions = sug
            conversation.suggestions = sug
            return answer
        case .denied(let msg):
            answer.status = .denied; answer.message = msg
            return answer
        case .plan(let plan, let notes) where plan.shape.isWarnings:
            guard storeReads else { return nil }
            return warningsAnswer(plan, notes: notes, answer: answer, now: now, conversation: &conversation)
        case .plan(let plan, let notes):
            let q = SQLCompiler(dialect: dialect, now: now).compile(plan)
            answer.plan = plan
            answer.now = now
            answer.interpretation = Describe.interpretation(plan, notes: notes)
            answer.timeRange = plan.time
            answer.sql = q.sql
            answer.params = q.params
            answer.columns = q.columns
            answer.kinds = q.kinds
            do {
                guard let (r, source) = try run(plan, raw: q, now: now, rowCap: plan.shape == .list ? min(plan.limit ?? 20, 1000) : nil, storeReads: storeReads) else { return nil }
                answer.source = source
                answer.rows = Masking.mask(rows: r.rows, kinds: q.kinds)
                answer.truncated = r.truncated
                answer.summary = Summary.make(plan, rows: r.rows, now: now)
                if r.truncated { answer.summary = (answer.summary ?? "") + "（结果超过\(r.rows.count)行，只显示前\(r.rows.count)行。）" }
                conversation.remember(plan, rows: answer.rows)
            } catch {
                Engine.fail(&answer, error, what: "查询失败")
            }
            return answer
        }
    }

    /// The question without white space (Unicode's, newlines included) at either end.
    /// (Foundation's trimmingCharacters goes through NSString: a tenth of a cached answer's
    /// own work.)
    static func trimmed(_ s: String) -> String {
        let u = s.unicodeScalars
        guard let first = u.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = u.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        if first == u.startIndex && u.index(after: last) == u.endIndex { return s }
        return String(u[first...last])
    }

    /// 未诉先办 asked in words: the same list as `wenshu watch`, inside the caller's scope.
    func warningsAnswer(_ plan: QueryPlan, notes: [String], answer a: Answer, now: Now, conversation: inout Conversation) -> Answer {
        var answer = a
        guard case .warnings(let days) = plan.shape else { return answer }
        var scope: Watch.Scope?
        if let s = plan.filter(.street) ?? (plan.scope?.level == .street ? plan.scope?.name : nil) {
            scope = Watch.Scope(street: s)
        } else if let d = plan.filter(.district) ?? (plan.scope?.level == .district ? plan.scope?.name : nil) {
            scope = Watch.Scope(district: d)
        }
        if plan.filter(.community) != nil || plan.scope?.level == .community {
            answer.status = .clarify
            answer.message = "预警清单按街道和社区列出，请按区县或街道来问，例如“北山街道今天有什么预警”。"
            return answer
        }
        answer.plan = plan
        answer.interpretation = Describe.interpretation(plan, notes: notes)
        // The detector reads SQLite's day labels; a PostgreSQL store answers everything else.
        guard let sqlite = store as? Database else {
            answer.status = .unsupported
            answer.message = "预警清单目前只在 SQLite 工单库上计算（wenshu watch 同）。"
            return answer
        }
        do {
            let r = try Watch.warnings(db: sqlite, now: now, days: days, scope: scope)
            answer.sql = r.sql
            answer.params = r.params
            answer.columns = r.columns
            answer.kinds = WatchRender.kinds
            answer.rows = r.rows
            answer.summary = r.summary
            answer.timeRange = TimeRange(now.day.adding(days: -days), now.day.adding(days: 1))
            conversation.remember(plan, rows: answer.rows)
        } catch {
            Engine.fail(&answer, error, what: "预警计算失败")
        }
        return answer
    }

    /// A store failure as the contract's `error` answer: the store's own message when it has one.
    static func fail(_ answer: inout Answer, _ error: Error, what: String) {
        answer.status = .error
        answer.message = (error as? StoreError)?.message ?? "\(what)：\(error)"
    }
}
