"""The command line as a script or a newcomer meets it: no terminal, --help, usage errors, the demo default."""


def test_without_a_terminal_the_ui_prints_status(shardscope, dumps):
    # stdout is a pipe here, so `shardscope SOURCE` must print the status report, not fail or draw.
    for source in ("demo", dumps.small("7.0")):
        ui = shardscope(source)
        status = shardscope("status", source)
        assert ui.returncode == 0, ui.stderr
        assert ui.stdout == status.stdout and ui.stdout.startswith("shardscope status · ")
        assert "\x1b" not in ui.stdout


def test_demo_is_the_default_source(shardscope):
    bare, _ = shardscope.status_json(None)
    demo, _ = shardscope.status_json("demo")
    assert bare["source"] == demo["source"] == {"kind": "demo", "name": "demo (seed 1)"}
    assert bare == demo


def test_demo_seed_changes_the_cluster_deterministically(shardscope):
    a1, _ = shardscope.status_json("demo", "--seed", "3")
    a2, _ = shardscope.status_json("demo", "--seed", "3")
    b, _ = shardscope.status_json("demo", "--seed", "4")
    assert a1 == a2
    assert a1["clusterId"] != b["clusterId"]


def test_help_teaches_sources_privileges_and_json(shardscope):
    top = shardscope("--help")
    assert top.returncode == 0
    for text in ("mongodb+srv://", "mongodump --db config", "--uri-file", "SHARDSCOPE_URI", "clusterMonitor", "status"):
        assert text in top.stdout, f"--help does not mention {text}"
    status = shardscope("status", "--help")
    for key in ("chunksByShard", "pingAgeSeconds", "--json", "--timeout", "Exit status"):
        assert key in status.stdout, f"status --help does not mention {key}"


def test_usage_errors_exit_64_with_a_hint(shardscope):
    for args in (("status", "demo", "--timeout", "-1"), ("status", "demo", "--demo-shape", "3.2"),
                 ("status", "demo", "--time-zone", "Mars/Olympus"), ("ui", "demo", "--color", "sometimes")):
        proc = shardscope(*args)
        assert proc.returncode == 64, f"{args}: exit {proc.returncode}"
        assert "Error:" in proc.stderr and proc.stdout == ""


def test_time_zone_decides_whether_now_is_inside_the_window(shardscope):
    # The demo's clock is 22:40 UTC and its window 22:00-06:00 in the config primary's time zone.
    utc, _ = shardscope.status_json("demo", "--time-zone", "UTC")
    tokyo, _ = shardscope.status_json("demo", "--time-zone", "Asia/Tokyo")      # 07:40 there
    assert utc["balancer"]["insideWindow"] is True
    assert tokyo["balancer"]["insideWindow"] is False
    text = shardscope("status", "demo", "--time-zone", "Asia/Tokyo").stdout
    assert "now outside, Asia/Tokyo time" in text
