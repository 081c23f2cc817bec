"""The Changelog pane tails a live server between full snapshots.

The TUI runs with `--refresh 30` against the test peer; a new changelog document is
appended on the peer (through its --watch-dir) and must reach the Changelog pane within
a few seconds -- by a `find` on config.changelog with `time > newest seen`, not by a
snapshot. While paused (`p`) nothing is asked and nothing appears.
"""
import datetime
import os
import time

import bson

from test_tui_tmux import pane_title, shell_back, tui, wait_pane  # noqa: F401  (tui is a fixture)

HANDSHAKE = {"hello", "isMaster", "ismaster"}
TAIL_COMMANDS = {"find", "getMore", "killCursors"}


def newest_changelog_time(dump):
    with open(dump / "config" / "changelog.bson", "rb") as f:
        times = [d["time"] for d in bson.decode_file_iter(f) if isinstance(d.get("time"), datetime.datetime)]
    assert times, "the generated dump has no changelog"
    return max(times)


def drop_changelog_entry(watch_dir, marker, when):
    """Appends one changelog document on the peer (written under another name, then renamed)."""
    doc = {"_id": f"tail-{marker}", "server": "tailhost:27018", "clientAddr": "127.0.0.1:5555",
           "time": when, "what": "split", "ns": f"tail.{marker}",
           "details": {"note": f"marker {marker}"}}
    tmp = watch_dir / "changelog.tmp"
    tmp.write_bytes(bson.encode(doc))
    os.replace(tmp, watch_dir / "changelog.bson")


def tail_commands(commands):
    return [c for c in commands if c["command"] not in HANDSHAKE]


def test_changelog_tail_between_snapshots(tui, dumps, peer_factory, tmp_path):
    dump = dumps.small("7.0")
    watch = tmp_path / "watch"
    peer = peer_factory(dump, "--watch-dir", watch)
    t = tui(peer.uri, "--refresh", "30", width=132, height=43, ready="shardscope")
    t.wait_for(lambda s: "live ·" in s.splitlines()[0] and "shard0" in s, timeout=30)
    s = wait_pane(t, "6", "Changelog")
    assert "following" in pane_title(s)
    started = time.monotonic()
    newest = newest_changelog_time(dump)

    peer.clear_log()   # the first snapshot is done: from here on only the tail asks
    drop_changelog_entry(watch, "one", newest + datetime.timedelta(minutes=1))
    written = time.monotonic()
    s = t.wait_for(lambda s: "tail.one" in s, timeout=10)
    took = time.monotonic() - written
    assert took < 8, f"the new changelog entry took {took:.1f} s to appear with --refresh 30"
    row = next(ln for ln in s.splitlines() if "tail.one" in ln)
    assert "split" in row and "tailhost" in row, row
    rows = [ln for ln in s.splitlines()[4:] if ln.strip()]
    assert "tail.one" in rows[0], "following: the new entry is the top row\n" + s

    cmds = tail_commands(peer.commands())
    assert cmds, "nothing asked of the peer between snapshots"
    assert {c["command"] for c in cmds} <= TAIL_COMMANDS, f"the tail sent more than find/getMore/killCursors: {cmds}"
    finds = [c for c in cmds if c["command"] == "find"]
    assert finds and all(c.get("collection") == "changelog" for c in finds), finds
    assert all(c.get("filter") == {"time": ["$gt"]} for c in finds), finds
    assert time.monotonic() - started < 30, "too slow to tell the tail from the next snapshot"

    # Paused: no polls, no new rows; resuming catches up.
    t.keys("p")
    t.wait_for(lambda s: "paused · live" in s.splitlines()[0], timeout=5)
    time.sleep(1.5)           # a poll in flight when `p` was pressed may still finish
    peer.clear_log()
    drop_changelog_entry(watch, "two", newest + datetime.timedelta(minutes=2))
    time.sleep(3)
    assert "tail.two" not in t.screen()
    assert not tail_commands(peer.commands()), f"asked the peer while paused: {peer.commands()}"
    t.keys("p")
    s = t.wait_for(lambda s: "tail.two" in s, timeout=8)
    assert "paused" not in s.splitlines()[0]

    t.keys("q")
    assert shell_back(t)[0] == 0
