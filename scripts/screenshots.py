#!/usr/bin/env python3
"""Screenshots of every pane, from a real tmux session of `shardscope demo`.

    SHARDSCOPE_BIN=.build/release/shardscope python3 scripts/screenshots.py [--out screenshots]

Each screen is captured with its escapes (`tmux capture-pane -e -p`), interpreted by pyte and drawn
to PNG with Pillow in DejaVu Sans Mono (apt: fonts-dejavu-core; pip: scripts/requirements-screenshots.txt).
"""
import argparse
import os
import pathlib
import sys
import time

import pyte
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from tmux_session import Tmux  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
FONT_DIR = pathlib.Path("/usr/share/fonts/truetype/dejavu")

# xterm's palette for the 8 basic colours (and their bright forms), on a dark background.
PALETTE = {
    "black": (0, 0, 0), "red": (205, 49, 49), "green": (13, 188, 121), "brown": (229, 229, 16),
    "yellow": (229, 229, 16), "blue": (36, 114, 200), "magenta": (188, 63, 188), "cyan": (17, 168, 205),
    "white": (229, 229, 229),
    "brightblack": (102, 102, 102), "brightred": (241, 76, 76), "brightgreen": (35, 209, 139),
    "brightyellow": (245, 245, 67), "brightbrown": (245, 245, 67), "brightblue": (59, 142, 234),
    "brightmagenta": (214, 112, 214), "brightcyan": (41, 184, 219), "brightwhite": (255, 255, 255),
}
DEFAULT_FG = (204, 204, 204)
DEFAULT_BG = (24, 24, 24)


def color(name, default):
    if name == "default":
        return default
    if name in PALETTE:
        return PALETTE[name]
    try:  # pyte gives 256-colour and true colours as hex
        return tuple(int(name[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return default


def render_png(ansi_text, width, height, path, size=15):
    """Interprets captured text with SGR escapes and draws it as a PNG."""
    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    lines = ansi_text.rstrip("\n").split("\n")[:height]
    stream.feed("\r\n".join(lines))

    regular = ImageFont.truetype(str(FONT_DIR / "DejaVuSansMono.ttf"), size)
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSansMono-Bold.ttf"), size)
    cw = round(regular.getlength("M"))
    ascent, descent = regular.getmetrics()
    ch = ascent + descent + 2
    pad = 8
    img = Image.new("RGB", (width * cw + 2 * pad, height * ch + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    for y in range(height):
        row = screen.buffer[y]
        for x in range(width):
            c = row[x]
            fg = color(c.fg, DEFAULT_FG)
            bg = color(c.bg, DEFAULT_BG)
            if c.reverse:
                fg, bg = bg, fg
            px, py = pad + x * cw, pad + y * ch
            wide = x + 1 < width and row[x + 1].data == ""
            cells = 2 if wide else 1
            if bg != DEFAULT_BG:
                draw.rectangle([px, py, px + cells * cw - 1, py + ch - 1], fill=bg)
            if c.data.strip():
                draw.text((px, py + 1), c.data, font=bold if c.bold else regular, fill=fg)
            if c.underscore:
                draw.line([px, py + ch - 2, px + cells * cw - 1, py + ch - 2], fill=fg)
    img.save(path)


def settle(tmux, quiet=0.6, timeout=8):
    """Waits until the screen has not changed for `quiet` seconds (the demo moves, so give up after `timeout`)."""
    last, since = None, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = tmux.screen()
        if s != last:
            last, since = s, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.1)


def shoot(tmux, out, name, width, height):
    settle(tmux)
    path = out / f"{name}.png"
    render_png(tmux.screen(escapes=True), width, height, path)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    ap.add_argument("--bin", default=os.environ.get("SHARDSCOPE_BIN", str(ROOT / ".build/release/shardscope")))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cmd = f"{args.bin} demo --seed 7"

    with Tmux(name=f"shardscope-shots-{os.getpid()}", width=132, height=43) as tmux:
        tmux.run(cmd)
        tmux.wait_for(lambda s: "loading" not in s and "READY$" not in s, timeout=20)
        time.sleep(4)  # let the demo cluster move a little: changelog entries, a migration or two
        panes = ["overview", "shards", "collections", "chunkmap", "balancer", "changelog", "mongos", "zones", "health"]
        for i, name in enumerate(panes, start=1):
            if name == "chunkmap":
                tmux.keys("3", "Down", "Down", "Enter")  # open the chunk map from a collection
            else:
                tmux.keys(str(i))
            shoot(tmux, out, name, 132, 43)
        tmux.keys("1", "?")
        shoot(tmux, out, "help", 132, 43)
        tmux.keys("q")

    with Tmux(name=f"shardscope-shots-{os.getpid()}-small", width=80, height=24) as tmux:
        tmux.run(cmd)
        tmux.wait_for(lambda s: "loading" not in s and "READY$" not in s, timeout=20)
        time.sleep(2)
        tmux.keys("3")
        shoot(tmux, out, "collections-80x24", 80, 24)
        tmux.keys("q")


if __name__ == "__main__":
    main()
