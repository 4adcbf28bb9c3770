import Foundation

/// Where wenshu keeps per-user files: data (demo store, chat history) and cache (learned catalogs).
public enum UserDirectories {
    /// `$XDG_DATA_HOME/wenshu`, default `~/.local/share/wenshu`.
    public static var data: URL { base("XDG_DATA_HOME", ".local/share") }
    /// `$XDG_CACHE_HOME/wenshu`, default `~/.cache/wenshu`.
    public static var cache: URL { base("XDG_CACHE_HOME", ".cache") }

    private static func base(_ variable: String, _ fallback: String) -> URL {
        let env = ProcessInfo.processInfo.environment
        let root = env[variable].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(fallback)
        return root.appendingPathComponent("wenshu")
    }
}
