import Foundation
import CNCursesW

/// Signal handling: the handlers only record the signal; the run loop (which wakes at least every
/// 100 ms) notices and restores the terminal. Installed before curses starts, so ncurses leaves
/// SIGINT/SIGTERM to us; SIGWINCH stays with ncurses (KEY_RESIZE).
enum Signals {
    static let quitting: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    static let crashing: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]

    static func install() {
        caughtSignal = 0
        for sig in quitting {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in caughtSignal = sig }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0          // no SA_RESTART: a blocked read returns EINTR and the loop wakes
            sigaction(sig, &action, nil)
        }
        signal(SIGPIPE, SIG_IGN)
        // On a crash (a Swift trap included) restore the terminal first, then let the previous handler
        // (the default, or Swift's backtracer) run when the faulting instruction runs again.
        for sig in crashing {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                if cursesActive { cursesActive = false; endwin() }
                sigaction(sig, previousCrashActions + Int(sig), nil)
                if sig == SIGABRT { raise(sig) }
            }
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, previousCrashActions + Int(sig))
        }
    }

    /// The signal that asked us to quit, if any.
    static var pending: Int32? { caughtSignal == 0 ? nil : caughtSignal }
}

// Plain globals (not lazily initialised) so a signal handler may touch them.
nonisolated(unsafe) var caughtSignal: Int32 = 0
nonisolated(unsafe) var cursesActive = false
nonisolated(unsafe) let previousCrashActions: UnsafeMutablePointer<sigaction> = {
    let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    p.initialize(repeating: sigaction(), count: 65)
    return p
}()
