import FcastLang
import FcastPlugins
import Foundation

/// `fcast` with no subcommand: libedit at a terminal, plain line reading otherwise.
public enum ReplSession {
    /// The history file: $FCAST_HISTORY, or ~/.fcast_history.
    public static var historyPath: String {
        ProcessInfo.processInfo.environment["FCAST_HISTORY"] ?? (NSHomeDirectory() + "/.fcast_history")
    }

    /// Runs the loop; returns whether every input succeeded.
    public static func start(interpreter: Interpreter) -> Bool {
        Interrupt.target = interpreter.interrupt
        installInterruptHandler()
        let reader: LineReader
        if isatty(0) != 0 && isatty(1) != 0,
           let editor = EditlineReader(completer: completer(for: interpreter), historyPath: historyPath) {
            reader = editor
        } else {
            reader = PlainLineReader()
        }
        return Repl(interpreter: interpreter, reader: reader).run()
    }

    public static func completer(for interpreter: Interpreter) -> Completer {
        Completer(names: { interpreter.knownNames }, registry: interpreter.registry,
                  builtinParameters: { interpreter.namedParameters(of: $0) })
    }

    /// Ctrl-C interrupts a read (el_gets returns with EINTR: the input is cleared) or asks
    /// a running grid to stop (a second Ctrl-C: at once). No SA_RESTART, so reads do return.
    static func installInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in _ = Interrupt.target?.escalate() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
