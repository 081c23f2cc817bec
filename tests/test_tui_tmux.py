"""End to end: `shardscope` in a detached tmux session, driven by keys, judged by what a user sees.

Each test starts its own tmux server on a private socket (shardscope-test-<pid>-…) and kills it
afterwards. Screens are polled with a deadline, never read after a fixed sleep.
"""
import os
import pathlib
import re
import shlex
import signal
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
from tmux_session import Tmux  # noqa: E402

PANES = {"1": "Overview", "2": "Shards", "3": "Collections", "4": "Chunk map",
         "5": "Balancer", "6": "Changelog", "7": "Mongos", "8": "Zones", "9": "Health"}
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


@pytest.fixture
def tui(shardscope):
    """Opens `shardscope ARGS` in a fresh tmux of the given size; yields the session."""
    sessions = []

    def start(*args, width=80, height=24, env=None, ready="shardscope"):
        t = Tmux(width=width, height=height, env=env)
        sessions.append(t)
        t.run(" ".join(shlex.quote(str(a)) for a in [shardscope.binary, *args]) + "; echo EXIT=$?")
        t.wait_for(lambda s: ready in s and Tmux.PROMPT not in s.splitlines()[0], timeout=20)
        return t

    yield start
    for t in sessions:
        try:
            pid = t.app_pid()
            if pid:
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, ValueError, OSError):
            pass   # the app (or the whole tmux server) is already gone
        finally:
            t.kill()


def body(screen):
    return screen.splitlines()[2:-1]


def pane_title(screen):
    """The first line of the pane area (below the header and the tab line)."""
    lines = screen.splitlines()
    return lines[2] if len(lines) > 2 else ""


def wait_pane(t, key, title, timeout=5):
    t.keys(key)
    return t.wait_for(lambda s: pane_title(s).startswith(title), timeout=timeout)


def shell_back(t, timeout=5):
    """Waits for the shell: the program printed EXIT=<status> and the prompt is back. Returns the status."""
    s = t.wait_for(lambda s: re.search(r"^EXIT=\d+$", s, re.M) and s.rstrip().endswith(Tmux.PROMPT.strip()),
                   timeout=timeout)
    return int(re.search(r"^EXIT=(\d+)$", s, re.M).group(1)), s


def assert_terminal_sane(t):
    """The tty is back in cooked mode with echo, and output starts at column 0 again."""
    t.run("clear; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo|icrnl|onlcr|opost)' | tr '\\n' ' '; echo; tput cols")
    s = t.wait_for(lambda s: "icanon" in s and re.search(r"^\d+$", s, re.M), timeout=5)
    line = next(l for l in s.splitlines() if "icanon" in l)
    assert line.split() == ["icrnl", "opost", "onlcr", "icanon", "echo"], line


@pytest.mark.parametrize("size", [(80, 24), (132, 43)])
def test_every_pane_help_and_quit(tui, size):
    w, h = size
    t = tui("demo", width=w, height=h, ready="Overview")
    s = t.wait_for("shard0", timeout=10)
    lines = s.splitlines()
    assert len(lines) == h and all(len(l) <= w for l in lines)
    assert "demo (seed" in lines[0]
    assert "1 Overview" in lines[1] and "8 Zones" in lines[1]
    assert "q quit" in lines[-1]

    for key, title in PANES.items():
        s = wait_pane(t, key, title)
        if key == "2":
            assert re.search(r"^\s*shard0\s", s, re.M), s

    t.keys("Tab")
    t.wait_for(lambda s: pane_title(s).startswith("Overview"))   # wraps from 9 to 1
    t.keys("BTab")
    t.wait_for(lambda s: pane_title(s).startswith("Health"))

    t.keys("?")
    s = t.wait_for("show or close this help")
    assert "Help" in s and "quit" in s
    t.keys("Escape")
    t.wait_for(lambda s: "show or close this help" not in s and pane_title(s).startswith("Health"))

    t.keys("q")
    status, s = shell_back(t)
    assert status == 0
    assert "Overview" not in s and "shard0" not in s, s
    assert_terminal_sane(t)


def test_changelog_moves_while_following(tui):
    t = tui("demo", "--refresh", "1", ready="Overview")
    s = wait_pane(t, "6", "Changelog")
    assert "following" in pane_title(s)
    assert body(s)[1].split()[:2] == ["time", "what"]
    first = body(s)[2]
    # The demo cluster keeps splitting and migrating: a newer entry takes the top row.
    s = t.wait_for(lambda s: pane_title(s).startswith("Changelog") and body(s)[2] != first, timeout=30)
    assert re.match(r"\s*\d\d-\d\d \d\d:\d\d:\d\d \S", body(s)[2]), body(s)[2]


def test_filter_collections(tui):
    t = tui("demo", ready="Overview")
    s = wait_pane(t, "3", "Collections")
    assert "iot.events" in s and "shop.orders" in s
    t.keys("/")
    t.type("shop")
    t.keys("Enter")
    s = t.wait_for(lambda s: "iot.events" not in s and "shop.orders" in s)
    assert "shop.users" in s
    t.keys("Escape")
    t.wait_for("iot.events")


def test_resize_redraws_and_too_small(tui):
    t = tui("demo", ready="Overview")
    wait_pane(t, "2", "Shards")
    t.resize(60, 20)
    # Redrawn for the new width, not just clipped by tmux: the header's right-hand item ends at column 60.
    s = t.wait_for(lambda s: re.search(r"sim \d\d:\d\d:\d\d$", s.splitlines()[0]) and pane_title(s).startswith("Shards"),
                   timeout=5)
    lines = s.splitlines()
    assert len(lines) == 20 and all(len(l) <= 60 for l in lines)
    assert lines[-1].startswith(" ? help") and "1 Overview" not in lines[1]   # tabs shortened to fit
    # Nothing of the old frame remains.
    assert sum(1 for l in lines if "? help" in l) == 1 and sum(1 for l in lines if "shard0" in l) == 1

    t.resize(30, 8)
    s = t.wait_for("terminal too small", timeout=5)
    assert "shard0" not in s and "Overview" not in s

    t.resize(132, 43)
    s = t.wait_for(lambda s: re.search(r"sim \d\d:\d\d:\d\d$", s.splitlines()[0]) and pane_title(s).startswith("Shards"),
                   timeout=5)
    assert len(s.splitlines()) == 43 and len(s.splitlines()[0]) > 120
    assert "terminal too small" not in s


@pytest.mark.parametrize("how", ["C-c", "SIGTERM", "SIGHUP"])
def test_signals_restore_the_terminal(tui, how):
    t = tui("demo", ready="Overview")
    t.wait_for("shard0")
    if how == "C-c":
        t.keys("C-c")
    else:
        os.kill(t.app_pid(), getattr(signal, how))
    status, s = shell_back(t)
    assert status == 128 + {"C-c": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP}[how]
    assert "shard0" not in s
    assert_terminal_sane(t)


def sgr_params(screen):
    out = set()
    for m in SGR.finditer(screen):
        params = m.group(1).replace(":", ";").split(";") if m.group(1) else ["0"]
        out.update(int(p) for p in params if p)
    return out


def colour_codes(params):
    return {p for p in params if 30 <= p <= 38 or 40 <= p <= 48 or 90 <= p <= 97 or 100 <= p <= 107}


@pytest.mark.parametrize("mode", ["NO_COLOR", "--color never"])
def test_monochrome(tui, mode):
    if mode == "NO_COLOR":
        t = tui("demo", env={"NO_COLOR": "1"}, ready="Overview")
    else:
        t = tui("demo", "--color", "never", ready="Overview")
    t.wait_for("shard0")
    for key, title in [("1", "Overview"), ("3", "Collections"), ("6", "Changelog")]:
        wait_pane(t, key, title)
        params = sgr_params(t.screen(escapes=True))
        assert not colour_codes(params), f"colour escapes in monochrome: {sorted(params)}"
        assert params & {1, 7}, "expected bold or reverse for the header, tabs and footer"


def test_colour_by_default(tui):
    """The counterpart of the monochrome check: without NO_COLOR the same screens do use colour."""
    t = tui("demo", env={"NO_COLOR": ""}, ready="Overview")
    t.wait_for("shard0")
    assert colour_codes(sgr_params(t.screen(escapes=True)))


def live_tui_on_peer(tui, peer):
    """The TUI on a live test peer, refreshing every second, once its first snapshot is on screen."""
    t = tui(peer.uri, "--refresh", "1", ready="shardscope")
    t.wait_for(lambda s: "live ·" in s.splitlines()[0] and "shard0" in s, timeout=30)
    return t


def test_live_peer_outage_and_recovery(tui, dumps, peer_factory):
    dump = dumps.small("7.0")
    peer = peer_factory(dump)
    port = peer.port
    t = live_tui_on_peer(tui, peer)

    peer.stop()
    s = t.wait_for(lambda s: "stale: server unreachable" in s.splitlines()[0], timeout=30)
    assert "shard0" in s          # the last snapshot stays on screen
    wait_pane(t, "2", "Shards")   # and keys are still answered

    peer_factory(dump, "--port", port)
    t.wait_for(lambda s: "live ·" in s.splitlines()[0] and "unreachable" not in s, timeout=40)
    t.keys("q")
    assert shell_back(t)[0] == 0


def test_ascii_when_locale_is_not_utf8(tui):
    t = tui("demo", env={"LANG": "C", "LC_ALL": "C"}, ready="Overview")
    for key, title in [("1", "Overview"), ("3", "Collections"), ("6", "Changelog")]:
        s = wait_pane(t, key, title)
        assert s.isascii(), [l for l in s.splitlines() if not l.isascii()][:3]
    assert "#" in wait_pane(t, "1", "Overview")   # bars drawn with ASCII blocks
