"""Module boundaries from DESIGN.md: only ClusterLoader touches libmongoc/zlib, only CursesFrontEnd touches ncurses."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
OWNERS = {"CMongoC": {"ClusterLoader"}, "CZlib": {"ClusterLoader"}, "CNCursesW": {"CursesFrontEnd"}}


def imports():
    for path in (ROOT / "Sources").rglob("*.swift"):
        target = path.relative_to(ROOT / "Sources").parts[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:@\w+\s+)*import\s+(?:\w+\s+)?(\w+)", line)
            if m:
                yield target, m.group(1), path


def test_c_modules_imported_only_by_their_owner():
    seen = {name: set() for name in OWNERS}
    for target, module, path in imports():
        if module in OWNERS:
            seen[module].add(target)
            assert target in OWNERS[module], f"{path} imports {module}, which only {OWNERS[module]} may import"
    # The check must see real imports, or it proves nothing.
    assert seen["CMongoC"] == {"ClusterLoader"}
    assert seen["CNCursesW"] == {"CursesFrontEnd"}
