import CFcastPlugin
import FcastABI
import Foundation
import Synchronization

/// A loaded plugin library. Never unloaded: Swift code cannot be safely dlclose'd, and
/// fitted models point into it.
public final class LoadedLibrary: @unchecked Sendable {
    public let path: String
    public let name: String
    public let version: String
    public let description: String
    public let abiMajor: Int
    public let abiMinor: Int
    public private(set) var algorithms: [AlgorithmHandle] = []
    /// The library's struct_size: how much of its fc_library was read.
    public let tableSize: Int
    /// The table as read, up to tableSize (later fields are NULL).
    let table: fc_library

    /// The plugin's optional table called `name` (fc_library.get_extension, ABI 1.1), or
    /// nil: a 1.0 library has none, nor has a NULL get_extension.
    public func `extension`(named name: String) -> UnsafeRawPointer? {
        guard let getExtension = table.get_extension else { return nil }
        return name.withCString { getExtension($0) }
    }

    /// `table` is the library's fc_library already read by the struct_size rule; its
    /// algorithms are read likewise here.
    init(path: String, table t: fc_library, size: Int) throws(PluginLoadFailure) {
        self.path = path
        table = t
        tableSize = size
        name = t.name.map { String(cString: $0) } ?? URL(fileURLWithPath: path).lastPathComponent
        version = t.version.map { String(cString: $0) } ?? "?"
        description = t.description.map { String(cString: $0) } ?? ""
        abiMajor = Int(t.abi_major)
        abiMinor = Int(t.abi_minor)
        let n = t.algorithms == nil ? 0 : t.n_algorithms
        for i in 0..<n {
            if let a = t.algorithms[i] {
                algorithms.append(try AlgorithmHandle(table: a, library: self, position: "algorithm \(i + 1) of \(n)"))
            }
        }
    }
}

/// A library that could not be loaded, and why.
public struct PluginLoadFailure: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// The services the host hands every plugin (fc_host). Lives for the process.
public enum HostServices {
    nonisolated(unsafe) static var logSink: @Sendable (Int32, String) -> Void = writeToStandardError

    /// Where plugins' log lines (fc_host.log, log_ctx) go: stderr, or a worker process's
    /// LOG frames to its parent. Set it before any plugin runs; it may be called from any thread.
    public static func setLogSink(_ sink: @escaping @Sendable (_ level: Int32, _ message: String) -> Void) {
        logSink = sink
    }

    /// "plugin warning: ..." on stderr: the default sink, and how a parent shows a worker's lines.
    public static let writeToStandardError: @Sendable (Int32, String) -> Void = { level, message in
        let tag = ["debug", "info", "warning", "error"][Int(max(0, min(3, level)))]
        FileHandle.standardError.write(Data("plugin \(tag): \(message)\n".utf8))
    }

    /// fc_host.context: one byte of the host's that stands for "the calling thread's call"
    /// (CancelToken.current); plugins only pass it back.
    nonisolated(unsafe) static let context = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// The call_context of a fit or predict made now: the calling thread's CancelToken,
    /// unretained (the token outlives the call), or NULL when there is none.
    static func callContext() -> UnsafeMutableRawPointer? {
        CancelToken.current.map { Unmanaged.passUnretained($0).toOpaque() }
    }

    /// The token a context passed to should_cancel_ctx designates: a call context is a
    /// CancelToken; NULL or fc_host.context mean the calling thread's current one.
    static func token(for context: UnsafeMutableRawPointer?) -> CancelToken? {
        guard let context, context != HostServices.context else { return CancelToken.current }
        return Unmanaged<CancelToken>.fromOpaque(context).takeUnretainedValue()
    }

    nonisolated(unsafe) static let table: UnsafePointer<fc_host> = {
        let p = UnsafeMutablePointer<fc_host>.allocate(capacity: 1)
        p.initialize(to: fc_host(
            struct_size: UInt32(MemoryLayout<fc_host>.size), abi_major: UInt32(FC_ABI_MAJOR),
            abi_minor: UInt32(FC_ABI_MINOR), host_version: UnsafePointer(strdup(FcastVersion.string)),
            log: { level, message in
                HostServices.logSink(level, message.map { String(cString: $0) } ?? "")
            },
            should_cancel: { CancelToken.current?.isCancelled == true ? 1 : 0 },
            context: HostServices.context,
            should_cancel_ctx: { context in HostServices.token(for: context)?.isCancelled == true ? 1 : 0 },
            log_ctx: { _, level, message in
                HostServices.logSink(level, message.map { String(cString: $0) } ?? "")
            },
            // No host extension is defined yet.
            get_extension: { _, _ in nil }))
        return UnsafePointer(p)
    }()
}

public enum FcastVersion {
    public static let string = "0.1.0"
    public static let abi = "\(FC_ABI_MAJOR).\(FC_ABI_MINOR)"
}

/// Every algorithm the host knows, from the plugin libraries it found.
public final class PluginRegistry: @unchecked Sendable {
    public private(set) var libraries: [LoadedLibrary] = []
    public private(set) var failures: [PluginLoadFailure] = []
    /// Algorithms in load order; the first library to offer a name wins.
    public private(set) var algorithms: [AlgorithmHandle] = []
    private var byName: [String: AlgorithmHandle] = [:]
    /// The folders and files `discover` looked in, for messages when nothing was found.
    public private(set) var searched: [String] = []

    public init() {}

    public func algorithm(named name: String) -> AlgorithmHandle? { byName[name] }

    /// The folders searched, in order: $FCAST_PLUGIN_PATH (colon-separated folders or
    /// files, made absolute), the folder of the real (symlink-resolved) executable, the install
    /// prefix's lib/fcast/plugins (the executable in PREFIX/bin), and the per-user
    /// ~/.local/lib/fcast/plugins. Never the working directory: a stray libfcast_*.so lying in
    /// the folder a user happens to be in must not be loaded, so the executable comes from
    /// /proc/self/exe, not from argv[0] (a bare "fcast" found on PATH would resolve against
    /// the working directory).
    public static func defaultSearchPath(environment: [String: String] = ProcessInfo.processInfo.environment,
                                         executable: URL? = runningExecutable()) -> [String] {
        var path: [String] = []
        if let env = environment["FCAST_PLUGIN_PATH"] {
            let cwd = FileManager.default.currentDirectoryPath
            path += env.split(separator: ":").map(String.init).filter { !$0.isEmpty }
                .map { $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: cwd + "/")).standardized.path }
        }
        if let exe = executable {
            let exeDir = exe.resolvingSymlinksInPath().deletingLastPathComponent()
            path.append(exeDir.path)
            path.append(exeDir.appendingPathComponent("../lib/fcast/plugins").standardized.path)
        }
        if let home = environment["HOME"] ?? Optional(NSHomeDirectory()), home.hasPrefix("/") {
            path.append(home + "/.local/lib/fcast/plugins")
        }
        return path
    }

    /// This process's executable file, symlinks resolved (/proc/self/exe on Linux); nil when
    /// it cannot be known, in which case only the other folders are searched.
    public static func runningExecutable() -> URL? {
        #if os(Linux)
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return URL(fileURLWithPath: String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        #else
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
        #endif
    }

    /// `fcast_<name>_plugin_entry` for `libfcast_<name>.so`.
    static func entrySymbol(forFile file: String) -> String? {
        guard isPluginFileName(file), let dot = file.firstIndex(of: ".") else { return nil }
        let name = file[file.index(file.startIndex, offsetBy: "libfcast_".count)..<dot]
        return name.isEmpty ? nil : "fcast_\(name)_plugin_entry"
    }

    /// A plugin file is named libfcast_<name>.so (libfcast_<name>.dylib on macOS).
    public static func isPluginFileName(_ name: String) -> Bool {
        name.hasPrefix("libfcast_") && (name.hasSuffix(".so") || name.hasSuffix(".dylib"))
    }

    /// Loads every plugin found on the search path. Folders that do not exist are skipped
    /// unless they were named explicitly (`explicit`), which is reported.
    public func discover(searchPath: [String], explicit: Set<String> = []) {
        searched += searchPath
        var seen = Set<String>()
        let fm = FileManager.default
        for entry in searchPath {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: entry, isDirectory: &isDir) else {
                if explicit.contains(entry) {
                    failures.append(PluginLoadFailure(path: entry, reason: "no such file or folder"))
                }
                continue
            }
            let files: [String]
            if isDir.boolValue {
                let names = (try? fm.contentsOfDirectory(atPath: entry)) ?? []
                files = names.filter(PluginRegistry.isPluginFileName).sorted().map { entry + "/" + $0 }
            } else {
                files = [entry]
            }
            for file in files {
                let real = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
                guard seen.insert(real).inserted else { continue }
                do { try load(path: file) } catch { failures.append(error) }
            }
        }
    }

    /// Loads one library and registers its algorithms.
    @discardableResult
    public func load(path: String) throws(PluginLoadFailure) -> LoadedLibrary {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            throw PluginLoadFailure(path: path, reason: "cannot load: \(reason)")
        }
        let named = PluginRegistry.entrySymbol(forFile: URL(fileURLWithPath: path).lastPathComponent)
        guard let sym = named.flatMap({ dlsym(handle, $0) }) ?? dlsym(handle, FC_ENTRY_SYMBOL) else {
            let names = (named.map { ["'\($0)'"] } ?? []) + ["'\(FC_ENTRY_SYMBOL)'"]
            throw PluginLoadFailure(path: path, reason: "not an fcast plugin: it exports neither \(names.joined(separator: " nor "))")
        }
        let entry = unsafeBitCast(sym, to: fc_entry_fn.self)
        guard let table = entry(UInt32(FC_ABI_MAJOR), UInt32(FC_ABI_MINOR), HostServices.table) else {
            throw PluginLoadFailure(path: path, reason: "the plugin refused to load for fcast ABI \(FcastVersion.abi) (it returned no table)")
        }
        // Read by the struct_size rule: a 1.0 library's table is shorter than ours.
        let size = ABIStruct.declaredSize(table)
        let t: fc_library = ABIStruct.read(table)
        guard ABIStruct.holds(size, \fc_library.abi_minor) else {
            throw PluginLoadFailure(path: path, reason: "its fc_library has struct_size \(size) bytes, too small to hold even the ABI version")
        }
        guard t.abi_major == UInt32(FC_ABI_MAJOR) else {
            throw PluginLoadFailure(path: path, reason: "built for fcast plugin ABI \(t.abi_major).\(t.abi_minor), but this fcast speaks ABI \(FcastVersion.abi); rebuild the plugin against this fcast's fcast_plugin.h")
        }
        guard size >= ABI10Size.library else {
            throw PluginLoadFailure(path: path, reason: "its fc_library has struct_size \(size) bytes, smaller than the ABI 1.0 size (\(ABI10Size.library) bytes)")
        }
        let library = try LoadedLibrary(path: path, table: t, size: size)
        for algorithm in library.algorithms {
            if let existing = byName[algorithm.name] {
                failures.append(PluginLoadFailure(path: path, reason: "algorithm '\(algorithm.name)' is already provided by \(existing.library.path); this one is ignored"))
                continue
            }
            byName[algorithm.name] = algorithm
            algorithms.append(algorithm)
        }
        libraries.append(library)
        return library
    }
}
