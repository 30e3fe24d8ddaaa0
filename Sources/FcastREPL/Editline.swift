import CEditline
import FcastPlugins
import Foundation

/// Line editing with libedit: emacs keys, ^R reverse search, a bounded history file, and
/// tab completion through a `Completer`.
public final class EditlineReader: LineReader {
    private let el: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String
    private let completer: Completer
    private var prompt: [CChar] = []
    public static let primaryPrompt = "fc> "
    public static let continuationPrompt = "..> "
    public static let historySize: Int32 = 1000

    public var isInteractive: Bool { true }

    public init?(completer: Completer, historyPath: String) {
        guard let el = fc_el_init("fcast"), let h = history_init() else { return nil }
        self.el = el
        self.history = h
        self.historyPath = historyPath
        self.completer = completer
        fc_history_setsize(h, EditlineReader.historySize)
        fc_history_setunique(h, 1)
        fc_history_load(h, historyPath)
        fc_el_set_history(el, h)
        fc_el_set_editor(el, "emacs")
        fc_el_set_signal(el, 1)  // libedit restores the terminal around signals
        fc_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        fc_el_set_prompt(el) { el in
            guard let el, let data = fc_el_get_clientdata(el) else { return nil }
            let reader = Unmanaged<EditlineReader>.fromOpaque(data).takeUnretainedValue()
            return reader.prompt.withUnsafeMutableBufferPointer { $0.baseAddress }
        }
        fc_el_add_function(el, "fcast-complete", "complete names, parameters and paths") { el, _ in
            guard let el, let data = fc_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<EditlineReader>.fromOpaque(data).takeUnretainedValue().complete()
        }
        fc_el_bind(el, "^I", "fcast-complete")
        fc_el_bind(el, "^R", "em-inc-search-prev")
        fc_el_source_defaults(el)  // the user's ~/.editrc, if any
    }

    deinit {
        el_end(el)
        history_end(history)
    }

    public func readLine(continuation: Bool) -> LineInput {
        prompt = Array((continuation ? EditlineReader.continuationPrompt : EditlineReader.primaryPrompt).utf8CString)
        var count: Int32 = 0
        errno = 0
        guard let line = el_gets(el, &count) else {
            if count < 0 && errno == EINTR {
                el_reset(el)
                FileHandle.standardOutput.write(Data("\n".utf8))
                return .interrupted
            }
            FileHandle.standardOutput.write(Data("\n".utf8))
            return .endOfInput
        }
        var text = String(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        return .line(text)
    }

    public func addHistory(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        fc_history_enter(history, line)
        fc_history_save(history, historyPath)
    }

    /// Tab: insert the completion's common part; list the candidates when there are several.
    private func complete() -> UInt8 {
        guard let info = el_line(el)?.pointee else { return UInt8(CC_ERROR) }
        let length = info.cursor - info.buffer
        let before = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(info.buffer).assumingMemoryBound(to: UInt8.self),
                                                          count: length), as: UTF8.self)
        let result = completer.complete(before)
        if result.candidates.isEmpty { return UInt8(CC_REFRESH_BEEP) }
        if !result.insertion.isEmpty {
            el_insertstr(el, result.insertion)
            return UInt8(CC_REFRESH)
        }
        if result.candidates.count > 1 {
            FileHandle.standardOutput.write(Data(("\n" + Completer.columns(result.candidates) + "\n").utf8))
            return UInt8(CC_REDISPLAY)
        }
        return UInt8(CC_REFRESH)
    }
}
