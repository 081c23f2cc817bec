"""A detached tmux session on a private socket, for driving the TUI as a user would.

Used by the end-to-end tests (tests/test_tui_*.py) and by scripts/screenshots.py.
"""
import os
import shlex
import subprocess
import time


class Tmux:
    """One tmux server (socket `name`) with one session running an interactive shell."""

    PROMPT = "READY$ "
    live = set()   # servers started and not yet killed (the test suite kills any left at the end)

    def __init__(self, name=None, width=80, height=24, env=None):
        self.name = name or f"shardscope-test-{os.getpid()}-{time.monotonic_ns() % 100000}"
        self.target = "ui"
        # A plain bash with a fixed prompt, so a test can tell when the shell is back.
        base = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "tmux-256color", "PS1": self.PROMPT,
                "HOME": os.environ.get("HOME", "/tmp"), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "MONGOC_DISABLE_SHM": "1"}   # no /dev/shm/mongoc-<pid> left behind by a killed app (see conftest)
        base.update(env or {})
        assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in base.items())
        shell = f"env -i {assigns} bash --norc --noprofile -i"
        self.socket_path = None
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", self.target, "-x", str(width), "-y", str(height), shell)
        Tmux.live.add(self)
        try:
            self.socket_path = self._tmux("display-message", "-p", "#{socket_path}").strip()
            self._tmux("set-option", "-g", "status", "off")          # the pane is the whole window
            self._tmux("set-option", "-g", "default-terminal", "tmux-256color")
            self._tmux("set-option", "-g", "escape-time", "0")       # Esc reaches the app at once
            self.wait_for(lambda s: self.PROMPT.strip() in s, timeout=10)
        except BaseException:
            self.kill()
            raise

    def _tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.name, *args], check=check, capture_output=True, text=True).stdout

    def run(self, command):
        """Types `command` into the shell and presses Enter."""
        self._tmux("send-keys", "-t", self.target, "-l", command)
        self._tmux("send-keys", "-t", self.target, "Enter")

    def keys(self, *keys):
        """tmux key names: "q", "Enter", "Escape", "Tab", "BTab", "C-c", "Down", "NPage" …"""
        for k in keys:
            self._tmux("send-keys", "-t", self.target, k)

    def type(self, text):
        self._tmux("send-keys", "-t", self.target, "-l", text)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", self.target]
        if escapes:
            args.insert(1, "-e")
        return self._tmux(*args)

    def wait_for(self, predicate, timeout=10.0, escapes=False, interval=0.05):
        """Polls the screen until `predicate(text)` holds (or a plain string appears); returns the screen."""
        test = (lambda s: predicate in s) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen(escapes)
            if test(s):
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {predicate!r}; screen:\n{s}")
            time.sleep(interval)

    def resize(self, width, height):
        self._tmux("resize-window", "-t", self.target, "-x", str(width), "-y", str(height))

    def size(self):
        w, h = self._tmux("display-message", "-p", "-t", self.target, "#{pane_width} #{pane_height}").split()
        return int(w), int(h)

    def shell_pid(self):
        return int(self._tmux("display-message", "-p", "-t", self.target, "#{pane_pid}").strip())

    def app_pid(self):
        """The pid of the program running in the shell (the shell's child), or None."""
        out = subprocess.run(["pgrep", "-P", str(self.shell_pid())], capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else None

    def kill(self):
        Tmux.live.discard(self)
        self._tmux("kill-server", check=False)
        if self.socket_path and os.path.exists(self.socket_path):
            os.unlink(self.socket_path)   # tmux leaves it behind when killed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
