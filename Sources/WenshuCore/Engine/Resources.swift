import Foundation

/// The data files wenshu runs on: `Lexicon/` and `Grammars/`, loaded once.
public struct Resources: Sendable {
    public let lexicon: Lexicon
    public let grammar: Grammar
    public let root: URL

    /// Finds the data directory: `$WENSHU_HOME`, then upwards from the executable (a
    /// source checkout's `.build/…/wenshu`), then upwards from the working directory,
    /// then `/usr/local/share/wenshu`.
    public static func locate() throws -> URL {
        var candidates: [URL] = []
        if let home = ProcessInfo.processInfo.environment["WENSHU_HOME"] { candidates.append(URL(fileURLWithPath: home)) }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        var dir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? exe.path).deletingLastPathComponent()
        for _ in 0..<6 { candidates.append(dir); dir = dir.deletingLastPathComponent() }
        var cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<4 { candidates.append(cwd); cwd = cwd.deletingLastPathComponent() }
        candidates.append(URL(fileURLWithPath: "/usr/local/share/wenshu"))
        for c in candidates {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: c.appendingPathComponent("Grammars").path, isDirectory: &isDir), isDir.boolValue,
               FileManager.default.fileExists(atPath: c.appendingPathComponent("Lexicon").path) {
                return c
            }
        }
        throw GrammarError("找不到 Grammars/ 与 Lexicon/ 数据目录。请设置 WENSHU_HOME 指向 wenshu 源码目录。")
    }

    public static func load(root: URL? = nil) throws -> Resources {
        let r = try root ?? locate()
        return Resources(
            lexicon: try Lexicon.load(directory: r.appendingPathComponent("Lexicon")),
            grammar: try Grammar.load(directory: r.appendingPathComponent("Grammars")),
            root: r
        )
    }
}
