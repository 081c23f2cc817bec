"""Bad input: each case checks the message and the exit status."""
import json
import re
import urllib.parse

import bson
import pytest

from conftest import free_closed_port
from dumpcount import Expected, doc_offsets

PASSWORD = "Zq9-s3cretPW-77"


def error_line(proc):
    """The one error line: stderr lines that are not warnings (or advisory notes)."""
    lines = [ln for ln in proc.stderr.splitlines()
             if ln.strip() and not ln.startswith(("warning: ", "note: "))]
    assert len(lines) == 1, f"expected one error line on stderr, got:\n{proc.stderr}"
    assert lines[0].startswith("shardscope: "), lines[0]
    return lines[0]


def assert_fails(proc):
    assert proc.returncode == 2, f"exit {proc.returncode}, stderr:\n{proc.stderr}\nstdout:\n{proc.stdout[:500]}"
    assert "Traceback" not in proc.stderr and "Fatal error" not in proc.stderr
    # Nothing else on stdout: no driver log lines, no half report (a script reading --json gets nothing, not garbage).
    assert proc.stdout == "", f"a failed run wrote to stdout: {proc.stdout[:500]!r}"
    return error_line(proc)


def test_truncated_chunks_file(dumps, shardscope, tmp_path):
    d = dumps.copy("7.0", tmp_path / "d")
    f = d / "config" / "chunks.bson"
    data = f.read_bytes()
    offsets = doc_offsets(data)
    assert len(offsets) > 10
    k = len(offsets) * 2 // 3
    start, length = offsets[k]
    f.write_bytes(data[:start + length // 2])       # cut in the middle of document k
    proc = shardscope("status", d, "--json")
    line = assert_fails(proc)
    assert "chunks.bson" in line, line
    assert re.search(rf"(?<!\d){start}(?!\d)", line), f"byte offset {start} of the cut document not named: {line}"
    assert proc.stdout.strip() == ""


def test_corrupt_document(dumps, shardscope, tmp_path):
    d = dumps.copy("7.0", tmp_path / "d")
    f = d / "config" / "chunks.bson"
    data = bytearray(f.read_bytes())
    offsets = doc_offsets(bytes(data))
    k = len(offsets) // 2
    start, length = offsets[k]
    data[start + 4] = 0x42                           # no BSON type has the code 0x42
    f.write_bytes(bytes(data))
    proc = shardscope("status", d, "--json")
    line = assert_fails(proc)
    assert "chunks.bson" in line, line
    # the offset of the corrupt document, or of the corrupt byte inside it
    assert re.search(rf"(?<!\d)({start}|{start + 4})(?!\d)", line), \
        f"neither the offset {start} of the corrupt document nor {start + 4} of the bad byte named: {line}"


def test_corrupt_length_in_small_file(dumps, shardscope, tmp_path):
    d = dumps.copy("5.0", tmp_path / "d")
    f = d / "config" / "shards.bson"
    data = bytearray(f.read_bytes())
    offsets = doc_offsets(bytes(data))
    start, _ = offsets[-1]
    data[start:start + 4] = (3).to_bytes(4, "little")  # a length no document can have
    f.write_bytes(bytes(data))
    proc = shardscope("status", d)
    line = assert_fails(proc)
    assert "shards.bson" in line and re.search(rf"(?<!\d){start}(?!\d)", line), line


def test_missing_tags_file(dumps, shardscope, tmp_path):
    d = dumps.copy("7.0", tmp_path / "d")
    exp_full = Expected(d)
    assert exp_full.tags, "the generated dump has zones: removing tags.bson must matter"
    for p in (d / "config").glob("tags.*"):
        p.unlink()
    proc = shardscope("status", d, "--json")
    assert proc.returncode == 0, proc.stderr
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning: ")]
    assert any("tags" in ln for ln in warnings), f"no warning naming tags: {proc.stderr}"
    got = json.loads(proc.stdout)
    assert any("tags" in w for w in got["warnings"])
    exp = Expected(d)
    assert sorted(c["ns"] for c in got["collections"]) == sorted(exp.per_shard)
    assert sum(c["chunks"] for c in got["collections"]) == sum(sum(v.values()) for v in exp.per_shard.values())
    assert all(c["zones"] == [] for c in got["collections"])
    assert sorted(s["id"] for s in got["shards"]) == sorted(s["_id"] for s in exp.shards)


def test_directory_without_dump(shardscope, tmp_path):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a dump\n")
    proc = shardscope("status", empty)
    line = assert_fails(proc)
    assert str(empty) in line, line
    assert re.search(r"dump|\.bson|config", line, re.I), line


def test_unreachable_server(shardscope):
    port = free_closed_port()
    proc = shardscope("status", f"mongodb://127.0.0.1:{port}", "--timeout", "2", timeout=30)
    line = assert_fails(proc)
    assert proc.elapsed < 5.5, f"took {proc.elapsed:.1f} s with --timeout 2"
    assert f"127.0.0.1:{port}" in line, line
    assert re.search(r"(?<![\d.])2(\.0+)?\s*(s\b|sec|second)|2000\s*ms", line), f"timeout not named: {line}"


def test_slow_server_times_out_naming_host_and_read(dumps, shardscope, peer_factory):
    # The peer answers the handshake at once but every read only after 8 s; LiveSource's socket
    # timeout is 6 x --timeout, so the first read gives up after 6 s (and is not retried).
    peer = peer_factory(dumps.small("7.0"), "--delay", 8)
    proc = shardscope("status", peer.uri_with(), "--timeout", "1", timeout=60)
    line = assert_fails(proc)
    assert proc.elapsed < 9, f"took {proc.elapsed:.1f} s: the socket timeout is 6 s with --timeout 1"
    assert f"127.0.0.1:{peer.port}" in line, line
    assert re.search(r"(?<![\d.])6(\.0+)?\s*(s\b|sec|second)|6000\s*ms", line), f"socket timeout not named: {line}"
    assert re.search(r"did not answer|no reply|timed out", line, re.I), f"does not say the server was too slow: {line}"
    assert "cannot reach" not in line, f"the server answered the handshake, it is reachable: {line}"
    assert "find config." in line, f"the read that timed out is not named: {line}"
    assert proc.stdout.strip() == ""


def test_slightly_slow_server_still_loads(dumps, shardscope, peer_factory):
    peer = peer_factory(dumps.small("7.0"), "--delay", 0.3)
    got, proc = shardscope.status_json(peer.uri_with(), "--timeout", "1")
    assert got["source"]["kind"] == "live"
    assert got["shards"] and got["collections"]
    assert "Fatal error" not in proc.stderr


def test_failed_login(dumps, shardscope, peer_factory):
    peer = peer_factory(dumps.small("7.0"), "--auth", f"alice:{PASSWORD}")
    proc = shardscope("status", peer.uri_with("alice:wrong-password@"), "--timeout", "5")
    line = assert_fails(proc)
    assert re.search(r"authentication failed", line, re.I), line
    assert "wrong-password" not in proc.stdout + proc.stderr
    assert any(c["command"] in ("saslStart", "authenticate") for c in peer.commands())


def test_field_of_unexpected_type(dumps, shardscope, tmp_path):
    d = dumps.copy("7.0", tmp_path / "d")
    f = d / "config" / "shards.bson"
    with open(f, "rb") as fh:
        shards = list(bson.decode_file_iter(fh))
    assert len(shards) >= 2
    bad = shards[1]["_id"]
    shards[1]["host"] = 27018                        # an int where a string belongs
    f.write_bytes(b"".join(bson.encode(s) for s in shards))
    proc = shardscope("status", d, "--json")
    assert proc.returncode == 0, proc.stderr
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning: ")]
    assert any(bad in ln and "shards" in ln for ln in warnings), f"no warning naming {bad}: {proc.stderr}"
    got = json.loads(proc.stdout)
    ids = [s["id"] for s in got["shards"]]
    assert bad not in ids
    assert sorted(ids) == sorted(s["_id"] for s in shards if s["_id"] != bad)


# ---------------------------------------------------------------- passwords

def assert_no_password(proc, secret=PASSWORD):
    for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        assert secret not in text, f"password printed on {name}"
        assert urllib.parse.quote(secret) not in text, f"password printed on {name}"


def uri_ways(uri, tmp_path):
    """The same URI given on the command line, with --uri-file and with SHARDSCOPE_URI."""
    f = tmp_path / "uri.txt"
    f.write_text(uri + "\n")
    f.chmod(0o600)
    return [
        ("argument", [uri], None),
        ("uri-file", ["--uri-file", f], None),
        ("env", [], {"SHARDSCOPE_URI": uri}),
    ]


@pytest.mark.parametrize("way", ["argument", "uri-file", "env"])
def test_password_hidden_when_unreachable(way, shardscope, tmp_path):
    port = free_closed_port()
    uri = f"mongodb://bob:{PASSWORD}@127.0.0.1:{port}/?authSource=admin"
    args, env = {w: (a, e) for w, a, e in uri_ways(uri, tmp_path)}[way]
    proc = shardscope("status", *args, "--timeout", "1", env=env, timeout=30)
    assert_fails(proc)
    assert_no_password(proc)
    assert f"127.0.0.1:{port}" in proc.stderr


@pytest.mark.parametrize("way", ["argument", "uri-file", "env"])
def test_password_hidden_on_auth_failure(way, dumps, shardscope, peer_factory, tmp_path):
    peer = peer_factory(dumps.small("7.0"), "--auth", "bob:another-password")
    uri = peer.uri_with(f"bob:{PASSWORD}@")
    args, env = {w: (a, e) for w, a, e in uri_ways(uri, tmp_path)}[way]
    proc = shardscope("status", *args, "--json", "--timeout", "5", env=env)
    line = assert_fails(proc)
    assert re.search(r"authentication failed", line, re.I), line
    assert_no_password(proc)


@pytest.mark.parametrize("way", ["argument", "uri-file", "env"])
def test_password_redacted_in_successful_run(way, dumps, shardscope, peer_factory, tmp_path):
    # PLAIN sends the password in one saslStart the peer can check (it does not do SCRAM).
    peer = peer_factory(dumps.small("7.0"), "--auth", f"bob:{PASSWORD}")
    uri = peer.uri_with(f"bob:{PASSWORD}@", "authMechanism=PLAIN&authSource=%24external")
    args, env = {w: (a, e) for w, a, e in uri_ways(uri, tmp_path)}[way]
    proc = shardscope("status", *args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert_no_password(proc)
    got = json.loads(proc.stdout)
    assert got["source"]["kind"] == "live"
    src = json.dumps(got["source"])
    assert "***" in src and "bob" in src, got["source"]
    text = shardscope("status", *args, env=env)
    assert text.returncode == 0, text.stderr
    assert_no_password(text)
