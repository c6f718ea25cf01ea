"""One notebook cell as HTML for the hand-out: markdown rendered (maths left for MathJax), code highlighted,
and the outputs the notebook stores, pictures embedded as data URIs.

A widget cannot run without a kernel: the hand-out shows the text form the notebook stores for it and says,
on the slide, that it is live in JupyterLab.
"""
from __future__ import annotations

import base64
import html
import re

__all__ = ["WIDGET_NOTE", "render_cell", "render_markdown", "pygments_css"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_TEXT = re.compile(r"^\[interactive widget:")  # the course's widgets store this text form
WIDGET_NOTE = "Live in JupyterLab: open the notebook, run its cells and move the controls. Here: its stored text."
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
REMOTE_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']\s*(?:https?:)?//[^>]*>", re.IGNORECASE)
ALT = re.compile(r"\balt\s*=\s*[\"']([^\"']*)[\"']", re.IGNORECASE)
IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif")


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value or "")


def _offline_images(fragment):
    """Replace every <img> that would load from the network by its alt text: the hand-out opens offline."""
    def replace(m):
        alt = ALT.search(m.group(0))
        label = html.escape(alt.group(1)) if alt and alt.group(1) else "picture"
        return f'<span class="offline-img">[{label}: an online picture, not part of the offline hand-out]</span>'
    return REMOTE_IMG.sub(replace, fragment)


def render_markdown(source, folder="", attachments=None):
    """Markdown to HTML (nbconvert's renderer: $...$ and $$...$$ pass through untouched for MathJax); local
    pictures and cell attachments are embedded, online ones replaced by their alt text."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, embed_images=True, exclude_anchor_links=True, path=str(folder),
                               attachments=attachments or {})
    return _offline_images(MarkdownWithMath(renderer=renderer).render(source))


def pygments_css():
    """The CSS of the code colours (Pygments' default style), for the `.highlight` class."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


def _highlight(source, language):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        lexer = get_lexer_by_name("python")
    return highlight(source, lexer, HtmlFormatter(style="default", cssclass="highlight"))


def _pre(text, cls):
    return f'<pre class="{cls}">{html.escape(ANSI.sub("", text))}</pre>'


def render_output(out, folder=""):
    """One stored output as HTML ("" for an output a static page cannot show)."""
    kind = out.get("output_type")
    if kind == "stream":
        return _pre(_text(out.get("text")), f"output stream {out.get('name', 'stdout')}")
    if kind == "error":
        return _pre("\n".join(_text(line) for line in out.get("traceback", [])) or
                    f"{out.get('ename')}: {out.get('evalue')}", "output error")
    data = out.get("data", {})
    plain = _text(data.get("text/plain"))
    if WIDGET_MIME in data or WIDGET_TEXT.match(plain):
        return (f'<div class="output widget"><p class="widget-note">{html.escape(WIDGET_NOTE)}</p>'
                f'{_pre(plain or "[interactive widget]", "widget-text")}</div>')
    for mime in IMAGE_MIMES:
        if mime in data:
            width = (out.get("metadata", {}).get(mime) or {}).get("width")
            style = f' style="width:{int(width)}px"' if isinstance(width, (int, float)) else ""
            payload = _text(data[mime]).replace("\n", "")
            return f'<div class="output image"><img alt="figure" src="data:{mime};base64,{payload}"{style}></div>'
    if "image/svg+xml" in data:
        payload = base64.b64encode(_text(data["image/svg+xml"]).encode("utf-8")).decode("ascii")
        return f'<div class="output image"><img alt="figure" src="data:image/svg+xml;base64,{payload}"></div>'
    if "text/html" in data:
        return f'<div class="output html">{_offline_images(_text(data["text/html"]))}</div>'
    if "text/markdown" in data:
        return f'<div class="output markdown">{render_markdown(_text(data["text/markdown"]), folder)}</div>'
    if "text/latex" in data:
        return f'<div class="output latex">{html.escape(_text(data["text/latex"]))}</div>'
    if plain:
        return _pre(plain, "output result")
    return ""


def render_cell(cell, folder="", language="ipython3"):
    """One cell as an HTML <div>: markdown rendered, or code (unless its input is hidden) with its outputs."""
    source = _text(cell.get("source"))
    hidden = cell.get("metadata", {}).get("jupyter", {})
    if cell.get("cell_type") == "markdown":
        body = render_markdown(source, folder, cell.get("attachments"))
        return f'<div class="cell markdown">{body}</div>'
    if cell.get("cell_type") == "raw":
        return f'<div class="cell raw">{_pre(source, "raw")}</div>'
    parts = []
    if source.strip() and not hidden.get("source_hidden"):
        parts.append(f'<div class="input">{_highlight(source, language)}</div>')
    if not hidden.get("outputs_hidden"):
        parts += [rendered for rendered in (render_output(out, folder) for out in cell.get("outputs", [])) if rendered]
    return f'<div class="cell code">{"".join(parts)}</div>'
