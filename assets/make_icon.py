"""Draw PySysLab's icon with pillow and write it in every size a platform wants.

The motif: a terminal window (title bar, a ``>_`` prompt) whose body holds
three coloured lanes, like the app's timeline of threads taking turns.

    python assets/make_icon.py     # rewrites the files below, next to this script

Writes ``pysyslab-<size>.png`` for each size in SIZES, ``pysyslab.ico``
(16 to 256, for Windows) and ``pysyslab.icns`` (for macOS). The generated files
are committed, so building the app does not need this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
CANVAS = 1024  # drawn once this big, then scaled down smoothly

FRAME = (31, 41, 55)         # the terminal's dark body
TITLE_BAR = (55, 65, 81)
DOTS = ((239, 68, 68), (245, 158, 11), (34, 197, 94))
PROMPT = (134, 239, 172)     # the ">_" prompt
LANES = ((96, 165, 250), (244, 114, 182), (250, 204, 21))
# For each lane, the stretches (start, end as a fraction of the width) in which
# that "thread" holds the lock: they never overlap, as in the mutex lesson.
TURNS = (((0.00, 0.22), (0.62, 0.80)),
         ((0.24, 0.42), (0.82, 1.00)),
         ((0.44, 0.60),))


def mix(a, b, share_of_a):
    """Colour ``a`` over ``b``, opaque (ImageDraw replaces pixels, it does not blend)."""
    return tuple(round(x * share_of_a + y * (1 - share_of_a)) for x, y in zip(a, b, strict=True))


def draw(size: int = CANVAS) -> Image.Image:
    """The icon as an RGBA image of ``size`` x ``size`` pixels."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 1024  # every coordinate below is on a 1024 grid

    def box(x0, y0, x1, y1):
        return [round(x0 * s), round(y0 * s), round(x1 * s), round(y1 * s)]

    # The window: a rounded square, with a lighter title bar.
    d.rounded_rectangle(box(48, 96, 976, 928), radius=round(120 * s), fill=FRAME)
    d.rounded_rectangle(box(48, 96, 976, 260), radius=round(120 * s), fill=TITLE_BAR)
    d.rectangle(box(48, 200, 976, 260), fill=FRAME)
    for i, colour in enumerate(DOTS):
        cx = 160 + i * 90
        d.ellipse(box(cx - 30, 148 - 30, cx + 30, 148 + 30), fill=colour)

    # The prompt ">_".
    width = round(56 * s)
    d.line([tuple(box(130, 330, 0, 0)[:2]), tuple(box(250, 420, 0, 0)[:2]),
            tuple(box(130, 510, 0, 0)[:2])], fill=PROMPT, width=width, joint="curve")
    d.rectangle(box(290, 482, 440, 530), fill=PROMPT)

    # Three lanes of a timeline: who holds the lock when.
    left, right = 130, 894
    for lane, (colour, turns) in enumerate(zip(LANES, TURNS, strict=True)):
        y = 610 + lane * 100
        faint = mix(colour, FRAME, 0.3)  # the lane when this thread waits
        d.rounded_rectangle(box(left, y, right, y + 56), radius=round(28 * s), fill=faint)
        for start, end in turns:
            x0 = left + start * (right - left)
            x1 = left + end * (right - left)
            d.rounded_rectangle(box(x0, y, x1, y + 56), radius=round(28 * s), fill=colour)
    return img


def render(size: int, master: Image.Image) -> Image.Image:
    return master.resize((size, size), Image.LANCZOS)


def main(out_dir: Path = HERE) -> int:
    master = draw()
    images = {size: render(size, master) for size in SIZES}
    for size, image in images.items():
        image.save(out_dir / f"pysyslab-{size}.png", optimize=True)
    images[256].save(out_dir / "pysyslab.ico", sizes=[(n, n) for n in ICO_SIZES],
                     append_images=[images[n] for n in ICO_SIZES if n != 256])
    written = [f"pysyslab-{n}.png" for n in SIZES] + ["pysyslab.ico"]
    try:  # pillow writes .icns on every platform it supports; skip quietly if not
        images[512].save(out_dir / "pysyslab.icns",
                         append_images=[images[n] for n in (16, 32, 64, 128, 256)])
        written.append("pysyslab.icns")
    except (OSError, KeyError, ValueError) as exc:
        print(f"note: no .icns written ({exc})", file=sys.stderr)
    print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
