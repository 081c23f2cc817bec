"""Shared fixtures for shardscope's end-to-end tests.

* `shardscope` — runs the binary ($SHARDSCOPE_BIN, else the newer of
  .build/debug/shardscope and .build/release/shardscope).
* `dumps` — mongodump-style directories written by `shardscope demo-dump` (small
  ones in the 4.4, 5.0, 7.0 and 8.0 shapes, and a large 7.0 one), generated once a session.
* `peer_factory` — starts scripts/testpeer.py (a fake mongos) over a dump on a
  free port and stops it afterwards, also when the test fails.
* `live_target` — the peer always; a real cluster too when SHARDSCOPE_TEST_URI is set.
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PEER = ROOT / "scripts" / "testpeer.py"
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

SMALL_SHAPES = ["4.4", "5.0", "7.0", "8.0"]
SMALL_CHUNKS = 600
LARGE_CHUNKS = 20000
SEED = 7


def find_binary():
    env = os.environ.get("SHARDSCOPE_BIN")
    if env:
        return pathlib.Path(env)
    cands = [ROOT / ".build" / "debug" / "shardscope", ROOT / ".build" / "release" / "shardscope"]
    cands = [c for c in cands if c.exists()]
    if not cands:
        return None
    return max(cands, key=lambda p: p.stat().st_mtime)


class Runner:
    def __init__(self, binary):
        self.binary = binary

    def __call__(self, *args, env=None, timeout=120, input=None):
        full_env = dict(os.environ)
        full_env.pop("SHARDSCOPE_URI", None)
        full_env.setdefault("NO_COLOR", "1")
        # libmongoc's automatic init creates /dev/shm/mongoc-<pid> (O_EXCL); one left by a SIGKILLed run whose pid
        # comes round again makes it print "Falling back to malloc for counters" on stderr. Tests do not need counters.
        full_env.setdefault("MONGOC_DISABLE_SHM", "1")
        if env:
            full_env.update(env)
        start = time.monotonic()
        proc = subprocess.run([str(self.binary), *map(str, args)], capture_output=True, text=True,
                              env=full_env, timeout=timeout, input=input, cwd=str(ROOT))
        proc.elapsed = time.monotonic() - start
        return proc

    def status_json(self, source, *extra, env=None):
        proc = self("status", *([source] if source is not None else []), "--json", *extra, env=env)
        assert proc.returncode == 0, f"status --json {source} exited {proc.returncode}\nstderr:\n{proc.stderr}"
        try:
            return json.loads(proc.stdout), proc
        except json.JSONDecodeError as e:
            raise AssertionError(f"status --json did not print one JSON document ({e}):\n{proc.stdout[:2000]}")


@pytest.fixture(scope="session")
def shardscope():
    binary = find_binary()
    if binary is None or not binary.exists():
        pytest.fail("shardscope binary not found: build it (swift build) or set SHARDSCOPE_BIN", pytrace=False)
    return Runner(binary)


def generate_dump(runner, outdir, shape, chunks, seed=SEED):
    proc = runner("demo-dump", outdir, "--seed", seed, "--shape", shape, "--chunks", chunks, timeout=300)
    assert proc.returncode == 0, f"demo-dump --shape {shape} --chunks {chunks} failed ({proc.returncode}):\n{proc.stderr}"
    assert (pathlib.Path(outdir) / "config" / "chunks.bson").exists() or \
        (pathlib.Path(outdir) / "config" / "chunks.bson.gz").exists(), f"demo-dump wrote no config/chunks.bson in {outdir}"
    return pathlib.Path(outdir)


class Dumps:
    """Lazily generated dumps, one per (shape, chunks), shared by the session."""

    def __init__(self, runner, base):
        self.runner, self.base, self.made = runner, base, {}

    def get(self, shape="7.0", chunks=SMALL_CHUNKS):
        key = (shape, chunks)
        if key not in self.made:
            out = self.base / f"dump-{shape}-{chunks}"
            self.made[key] = generate_dump(self.runner, out, shape, chunks)
        return self.made[key]

    def small(self, shape):
        return self.get(shape, SMALL_CHUNKS)

    def large(self):
        return self.get("7.0", LARGE_CHUNKS)

    def copy(self, shape, dest):
        """A private copy of a small dump that a test may damage."""
        src = self.small(shape)
        shutil.copytree(src, dest)
        return pathlib.Path(dest)


@pytest.fixture(scope="session")
def dumps(shardscope, tmp_path_factory):
    return Dumps(shardscope, tmp_path_factory.mktemp("dumps"))


class Peer:
    def __init__(self, dump, workdir, *extra):
        self.dump = pathlib.Path(dump)
        workdir.mkdir(parents=True, exist_ok=True)
        self.port_file = workdir / "port"
        self.log_file = workdir / "commands.jsonl"
        self.stderr_file = workdir / "peer.stderr"
        self.extra = extra
        cmd = [sys.executable, str(PEER), "--dump", str(dump), "--port", "0",
               "--port-file", str(self.port_file), "--log", str(self.log_file), *map(str, extra)]
        self._err = open(self.stderr_file, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err)
        STARTED_PEERS.append(self)
        try:
            deadline = time.monotonic() + 60
            while not self.port_file.exists():
                if self.proc.poll() is not None:
                    raise AssertionError(f"test peer exited {self.proc.returncode}:\n{self.stderr_file.read_text()}")
                if time.monotonic() > deadline:
                    raise AssertionError("test peer did not start within 60 s")
                time.sleep(0.05)
            self.port = int(self.port_file.read_text().strip())
        except BaseException:
            self.stop()
            raise
        self.uri = f"mongodb://127.0.0.1:{self.port}/?serverSelectionTimeoutMS=10000"

    def uri_with(self, userinfo="", query=""):
        q = "?" + query if query else ""
        return f"mongodb://{userinfo}127.0.0.1:{self.port}/{q}"

    def commands(self):
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text().splitlines() if line.strip()]

    def clear_log(self):
        self.log_file.write_text("")

    def stop(self):
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            self._err.close()
        return self.proc.returncode


# Every peer started in this session, so that none outlives it (see stop_leftovers).
STARTED_PEERS = []


@pytest.fixture
def peer_factory(tmp_path):
    peers = []

    def start(dump, *extra):
        p = Peer(dump, tmp_path / f"peer{len(peers)}", *extra)
        peers.append(p)
        return p

    yield start
    errors = []
    for p in peers:                       # every one, even if stopping another failed
        try:
            p.stop()
        except Exception as e:            # pragma: no cover - reported below
            errors.append(e)
    if errors:
        raise errors[0]


@pytest.fixture(scope="session", autouse=True)
def stop_leftovers():
    """Belt and braces: at the end of the session no test peer or tmux server of ours is left running."""
    yield
    for p in STARTED_PEERS:
        if p.proc.poll() is None:
            p.stop()
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from tmux_session import Tmux
    except ImportError:
        return
    for t in list(Tmux.live):
        t.kill()


@pytest.fixture(params=["peer", "real"])
def live_target(request, dumps, peer_factory):
    """A live source: ("peer", uri, peer, dump) or ("real", uri, None, None)."""
    if request.param == "real":
        uri = os.environ.get("SHARDSCOPE_TEST_URI")
        if not uri:
            pytest.skip("SHARDSCOPE_TEST_URI not set")
        return ("real", uri, None, None)
    dump = dumps.small("7.0")
    peer = peer_factory(dump)
    return ("peer", peer.uri, peer, dump)


def free_closed_port():
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
