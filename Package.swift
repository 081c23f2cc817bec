// swift-tools-version:6.0
import PackageDescription

// Module boundaries (enforced by Tests/BoundaryTests.sh via `make test`):
//   only ClusterLoader imports CMongoC/CZlib; only CursesFrontEnd imports CNCursesW.
let package = Package(
    name: "shardscope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "shardscope", targets: ["shardscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CMongoC", pkgConfig: "libmongoc-1.0",
                       providers: [.apt(["libmongoc-dev", "libbson-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CNCursesW", pkgConfig: "ncursesw",
                       providers: [.apt(["libncursesw5-dev"])]),

        // Pure Swift: BSON values and codec, Extended JSON, the cluster models.
        .target(name: "ClusterModel"),
        // Sources of snapshots: live (libmongoc), mongodump directory (libbson reader), demo.
        .target(name: "ClusterLoader", dependencies: ["ClusterModel", "CMongoC", "CZlib"]),
        // Text and JSON reports (`status`).
        .target(name: "ClusterReports", dependencies: ["ClusterModel", "TermGrid"]),
        // Pure Swift cell grid, styles, themes, display width.
        .target(name: "TermGrid"),
        // Panes, AppState, key bindings: pure functions from models to grids.
        .target(name: "ClusterPanes", dependencies: ["ClusterModel", "TermGrid"]),
        // The only ncurses user: screen, keys, run loop.
        .target(name: "CursesFrontEnd", dependencies: ["CNCursesW", "TermGrid", "ClusterPanes", "ClusterModel"]),
        .executableTarget(name: "shardscope", dependencies: [
            "ClusterModel", "ClusterLoader", "ClusterReports", "ClusterPanes", "CursesFrontEnd", "TermGrid",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ClusterModelTests", dependencies: ["ClusterModel"]),
        .testTarget(name: "ClusterLoaderTests", dependencies: ["ClusterLoader", "ClusterModel"]),
        .testTarget(name: "ClusterReportsTests", dependencies: ["ClusterReports", "ClusterLoader", "ClusterModel"]),
        .testTarget(name: "TermGridTests", dependencies: ["TermGrid"]),
        .testTarget(name: "CursesFrontEndTests", dependencies: ["CursesFrontEnd", "ClusterPanes", "CNCursesW"]),
        .testTarget(name: "ClusterPanesTests", dependencies: ["ClusterPanes", "ClusterLoader", "ClusterModel", "TermGrid"],
                    exclude: ["__Snapshots__"]),
    ],
    swiftLanguageModes: [.v5]
)
