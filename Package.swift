// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "wenshu",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wenshu", targets: ["wenshu"]),
        .library(name: "WenshuCore", targets: ["WenshuCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPCRE2", path: "Sources/CPCRE2", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", providers: [.apt(["libedit-dev"])]),
        .target(name: "WenshuCore", dependencies: ["CSQLite", "CPCRE2"]),
        .target(
            name: "WenshuServer",
            dependencies: [
                "WenshuCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        .target(
            name: "WenshuImport",
            dependencies: [
                "WenshuCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WenshuPostgres",
            dependencies: [
                "WenshuCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "wenshu",
            dependencies: [
                "WenshuCore",
                "WenshuServer",
                "WenshuImport",
                "WenshuPostgres",
                "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "WenshuCoreTests",
            dependencies: ["WenshuCore", "WenshuImport", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // The private PostgreSQL cluster the PostgreSQL and server tests share (test code only).
        .target(name: "PGTestSupport", dependencies: ["WenshuPostgres", "WenshuCore"], path: "Tests/PGTestSupport"),
        .testTarget(name: "WenshuPostgresTests", dependencies: ["WenshuPostgres", "WenshuCore", "PGTestSupport"]),
        .testTarget(
            name: "WenshuServerTests",
            dependencies: [
                "WenshuServer",
                "WenshuCore",
                "WenshuPostgres",
                "PGTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
