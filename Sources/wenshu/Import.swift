import ArgumentParser
import Foundation
import WenshuCore
import WenshuImport

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "把 12345 平台导出的工单表（XLSX、CSV：UTF-8 或 GB18030）导入为工单库。",
        discussion: """
        退出码：0 完成（被拒收的行列在报告里）；2 映射文件有误；3 输入文件无法读取或格式不对；4 工单库无法写入。
        出错时不会留下写了一半的库：新库先写到临时文件，追加在一个事务里完成。
        """
    )

    @Option(name: .long, help: "映射：Lexicon/imports/ 下的名字（beijing-12345、generic）或一个 YAML 文件路径。")
    var mapping: String

    @Option(name: .long, help: "输出的工单库（SQLite 文件）。")
    var out: String

    @ArgumentParser.Flag(name: .long, help: "库已存在时把新工单追加进去（按工单编号，不会重复）。")
    var append = false

    @Option(name: .long, help: "来电人哈希的盐（默认：映射里的 caller.salt，否则本用户的 $XDG_DATA_HOME/wenshu/import-salt）。")
    var salt: String?

    @Option(name: .long, help: "把 JSON 格式的导入报告写到这个文件。")
    var report: String?

    @ArgumentParser.Flag(name: .long, help: "不显示进度。")
    var quiet = false

    @Argument(help: "要导入的文件（.xlsx 或 .csv），可以多个。")
    var files: [String]

    func run() throws {
        let root = try? Resources.locate()
        do {
            let m = try Mapping.load(mapping, root: root)
            var options = Importer.Options(mapping: m, out: out, files: files)
            options.append = append
            options.salt = salt
            options.root = root
            let bar = ImportProgress(enabled: !quiet)
            let result = try Importer(options: options).run(progress: bar.update)
            bar.finish()
            print(result.text, terminator: "")
            if let report {
                do { try result.jsonData().write(to: URL(fileURLWithPath: report)) } catch {
                    FileHandle.standardError.write(Data("wenshu import: 无法写报告 \(report)：\(error.localizedDescription)\n".utf8))
                    throw ExitCode(4)
                }
            }
        } catch let e as ImportError {
            FileHandle.standardError.write(Data("wenshu import: \(e.message)\n".utf8))
            throw ExitCode(e.exitCode)
        }
    }
}

/// Progress on stderr: a bar on a terminal, a plain line every 100,000 rows otherwise.
final class ImportProgress {
    let enabled: Bool
    let tty = isatty(2) != 0
    var lastPlain = 0
    var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ rows: Int, _ file: Int, _ files: Int, _ fraction: Double?) {
        guard enabled else { return }
        let which = files > 1 ? "文件 \(file)/\(files) " : ""
        if tty {
            var line = "\r导入中 \(which)"
            if let f = fraction {
                let pct = max(0, min(100, Int(f * 100)))
                line += String(repeating: "█", count: pct / 4) + String(repeating: "░", count: 25 - pct / 4) + " \(pct)% "
            }
            FileHandle.standardError.write(Data((line + "\(rows) 行").utf8))
            shown = true
        } else if rows - lastPlain >= 100_000 {
            lastPlain = rows
            FileHandle.standardError.write(Data("导入中：\(which)已读 \(rows) 行\n".utf8))
        }
    }

    func finish() { if enabled && tty && shown { FileHandle.standardError.write(Data("\n".utf8)) } }
}
