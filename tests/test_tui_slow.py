"""A slow server must never block keys: the test peer delays every reply by 4 s while we type."""
import time

from test_tui_tmux import PANES, Tmux, live_tui_on_peer, pane_title, shell_back, tui, wait_pane  # noqa: F401  (tui is a fixture)

DELAY = 4


def answered_within(t, key, check, limit=1.0):
    """Sends `key` and returns how long the screen took to satisfy `check` (fails past `limit` + slack)."""
    start = time.monotonic()
    t.keys(key)
    t.wait_for(check, timeout=limit + 2)
    took = time.monotonic() - start
    assert took <= limit, f"key {key!r} answered after {took:.2f}s while a load was pending"
    return took


def footer(s):
    return s.splitlines()[-1]


def test_keys_answered_while_first_load_hangs(tui, dumps, peer_factory):
    peer = peer_factory(dumps.small("7.0"), "--delay", DELAY)
    t = tui(peer.uri, "--refresh", "1", ready="shardscope")
    # Nothing loaded yet: the first reply is still seconds away.
    s = t.wait_for(lambda s: "loading" in s.splitlines()[0])
    assert "shard0" not in s
    answered_within(t, "?", lambda s: "show or close this help" in s)
    answered_within(t, "Escape", lambda s: "show or close this help" not in s)
    answered_within(t, "6", lambda s: "f follow" in footer(s))       # the footer follows the pane
    answered_within(t, "2", lambda s: "f follow" not in footer(s) and "s sort" in footer(s))
    # Quitting does not wait for the stuck load.
    start = time.monotonic()
    t.keys("q")
    status, _ = shell_back(t, timeout=5)
    assert status == 0 and time.monotonic() - start < 2


def test_keys_answered_while_refresh_hangs(tui, dumps, peer_factory):
    dump = dumps.small("7.0")
    fast = peer_factory(dump)
    port = fast.port
    t = live_tui_on_peer(tui, fast)

    fast.stop()
    slow = peer_factory(dump, "--port", port, "--delay", DELAY)
    # Wait until a refresh is in flight on the slow peer (it has received a command it has not answered).
    deadline = time.monotonic() + 30
    while not any(c.get("command") not in ("isMaster", "ismaster", "hello", "ping", "saslStart", "saslContinue")
                  for c in slow.commands()):
        assert time.monotonic() < deadline, "the TUI never asked the slow peer anything"
        time.sleep(0.1)

    for key, title in [("2", "Shards"), ("3", "Collections"), ("6", "Changelog"), ("1", "Overview")]:
        answered_within(t, key, lambda s, title=title: pane_title(s).startswith(title))
    answered_within(t, "j", lambda s: True)
    # Still the last good snapshot on screen, the header tells its age.
    assert "shard0" in wait_pane(t, "2", "Shards")

    start = time.monotonic()
    t.keys("q")
    status, _ = shell_back(t, timeout=5)
    assert status == 0 and time.monotonic() - start < 2
