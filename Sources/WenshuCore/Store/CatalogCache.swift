import Foundation

/// Learning a store's values scans it; on a million tickets that takes seconds. The result
/// is kept in the user's cache directory, keyed by the file's path, size and modification
/// time, so the next `ask` starts at once. The store itself is never written.
enum CatalogCache {
    static var directory: URL { UserDirectories.cache }

    static let version = "1"

    /// `identity` is the store's `catalogIdentity` (for a file: path, size and mtime).
    static func key(for identity: String?) -> String? {
        guard let identity else { return nil }
        return String(stableHash("\(version)|\(identity)"), radix: 16)
    }

    static func load(for path: String?) -> Catalog? {
        guard ProcessInfo.processInfo.environment["WENSHU_NO_CACHE"] == nil, let k = key(for: path),
              let data = try? Data(contentsOf: directory.appendingPathComponent("catalog-\(k).json")) else { return nil }
        return try? JSONDecoder().decode(Catalog.self, from: data)
    }

    static func save(_ c: Catalog, for path: String?) {
        guard ProcessInfo.processInfo.environment["WENSHU_NO_CACHE"] == nil, let k = key(for: path),
              let data = try? JSONEncoder().encode(c) else { return }
        let dir = directory
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent("catalog-\(k).json.\(getpid()).tmp")
        guard (try? data.write(to: tmp)) != nil else { return }
        if rename(tmp.path, dir.appendingPathComponent("catalog-\(k).json").path) != 0 { try? FileManager.default.removeItem(at: tmp) }
    }
}

extension Catalog {
    /// The store's values, from the cache when the store has not changed since.
    /// With an up-to-date analytics cache, learning reads its rollups instead of the store.
    public static func cached(for db: TicketStore, analytics: AnalyticsCache? = nil) throws -> Catalog {
        let identity = db.catalogIdentity
        if let c = CatalogCache.load(for: identity) { return c }
        let c = try analytics.flatMap { Catalog.learn(from: $0) } ?? learn(from: db)
        CatalogCache.save(c, for: identity)
        return c
    }
}
