"""The smallest text a figure draws, recorded in its PNG, so a test can tell whether it is legible where it is shown.

A slide shows a picture scaled to fit; whether its labels are legible there depends on the smallest text
drawn and on that scale. save_png (and so every figure a notebook shows, see plotting.notebook_setup, and
every widget picture, see widgets.render_png) writes the smallest font size it drew, in the PNG's own
pixels, into a tEXt chunk; tests/test_slides.py reads it back with smallest_text_px and multiplies it by
the size at which the slide shows the picture.
"""
from __future__ import annotations

import struct
import zlib
from contextlib import contextmanager

__all__ = ["TEXT_SIZE_KEY", "save_png", "smallest_text_px"]

TEXT_SIZE_KEY = "rnnlib smallest text"


@contextmanager
def _drawn_texts():
    """Collect every matplotlib Text that is drawn (visible, not empty) while the block runs."""
    from matplotlib.text import Text

    drawn, original = [], Text.draw

    def draw(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return original(self, renderer)

    Text.draw = draw
    try:
        yield drawn
    finally:
        Text.draw = original


def _with_text_chunk(png, key, value):
    """The PNG bytes with a tEXt chunk (key, value) inserted before its IEND chunk."""
    body = key.encode("latin-1") + b"\0" + value.encode("latin-1", "replace")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def smallest_text_px(png):
    """The smallest text size recorded by save_png in these PNG bytes (its own pixels): inf if the picture
    has no text, None if it carries no record."""
    pos = 8
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"tEXt":
            key, _, value = png[pos + 8:pos + 8 + length].partition(b"\0")
            if key.decode("latin-1") == TEXT_SIZE_KEY:
                return float("inf") if value == b"no text" else float(value.split(b" ", 1)[0])
        pos += 12 + length
    return None


def save_png(fig, dpi, **savefig_kwargs):
    """fig as PNG bytes at dpi, recording the smallest text it draws (TEXT_SIZE_KEY: "<px> px = <pt> pt at
    <dpi> dpi: '<text>'", px in the PNG's own pixels). The picture itself is exactly fig.savefig's."""
    import io

    buffer = io.BytesIO()
    with _drawn_texts() as drawn:
        fig.savefig(buffer, format="png", dpi=dpi, **savefig_kwargs)
    if not drawn:
        return _with_text_chunk(buffer.getvalue(), TEXT_SIZE_KEY, "no text")
    small = min(drawn, key=lambda t: t.get_fontsize())
    pt, label = small.get_fontsize(), " ".join(small.get_text().split())[:40]
    return _with_text_chunk(buffer.getvalue(), TEXT_SIZE_KEY, f"{pt * dpi / 72:.2f} px = {pt:g} pt at {dpi:g} dpi: {label!r}")
