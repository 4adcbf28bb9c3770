import Foundation

/// A city for the demo generator: `Lexicon/cities/NAME.json`. Districts carry a volume
/// weight and a type (core | suburb | county), streets and their communities, and road names.
public struct CityFile: Decodable, Sendable {
    public struct Street: Decodable, Sendable {
        public let name: String
        public let communities: [String]
    }
    public struct District: Decodable, Sendable {
        public let name: String
        public let weight: Double
        public let type: String
        public let roads: [String]
        public let streets: [Street]
    }
    public let city: String
    public let short: String
    public let id_prefix: String
    public let city_departments: [String: DepartmentName]
    public let districts: [District]

    /// A department entry is one name or a list of alternatives (several carriers).
    public enum DepartmentName: Decodable, Sendable {
        case one(String), many([String])
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
        }
        var names: [String] {
            switch self {
            case .one(let s): return [s]
            case .many(let a): return a
            }
        }
    }

    func department(_ key: String) -> [String] { city_departments[key]?.names ?? ["\(city)\(key)"] }

    /// Loads a city by name (`hangzhou`) from `Lexicon/cities/`, or from a file path.
    public static func load(_ nameOrPath: String, resources root: URL) throws -> CityFile {
        let path = nameOrPath.hasSuffix(".json") ? URL(fileURLWithPath: nameOrPath)
            : root.appendingPathComponent("Lexicon/cities/\(nameOrPath).json")
        guard let data = FileManager.default.contents(atPath: path.path) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Lexicon/cities").path)) ?? []
            throw GrammarError("找不到城市文件 \(path.path)。可用：\(known.map { $0.replacingOccurrences(of: ".json", with: "") }.sorted().joined(separator: ", "))")
        }
        do { return try JSONDecoder().decode(CityFile.self, from: data) } catch {
            throw GrammarError("城市文件 \(path.path) 格式不对：\(error)")
        }
    }
}
