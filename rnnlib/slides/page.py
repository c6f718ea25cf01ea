"""The hand-out page: one self-contained HTML file per deck, with its styles and its few lines of script inline.

The slides are laid out on a 1280x720 stage that is scaled to the browser window. A slide whose content is
taller than the stage is shrunk to fit (down to 60%; below that it scrolls inside the slide). Keys:
→ / Space / PageDown next (a fragment first), ← / Shift+Space / PageUp back, Home / End, `n` speaker notes.
The slide number is kept in the address (#7), so a reload stays on the slide. Maths is typeset by the MathJax
copy in `mathjax/` beside the deck; without it the page still works and shows the TeX.
Without JavaScript the page is a plain document: every slide one after the other, notes left out.
"""
from __future__ import annotations

import html

from .cells import pygments_css, render_cell

__all__ = ["MATHJAX_CONFIG", "render_deck"]

MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full"

CSS = """
html, body { margin: 0; background: #fff; color: #1b1b1b; }
body { font: 24px/1.4 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
#stage { position: relative; }
.slide { border-bottom: 2px solid #ccc; padding: 24px 56px; }
.slide > .notes, #help, footer { display: none; }
html.deck, html.deck body { height: 100%; overflow: hidden; background: #2b2b2b; }
html.deck #stage { position: absolute; left: 50%; top: 50%; width: 1280px; height: 720px; background: #fff;
  transform-origin: center center; overflow: hidden; }
html.deck .slide { position: absolute; inset: 0 0 44px 0; padding: 0; border: 0; visibility: hidden; }
html.deck .slide.current { visibility: visible; }
html.deck .body { position: absolute; inset: 20px 56px 8px 56px; overflow: hidden; }
html.deck .body.scroll { overflow-y: auto; }
html.deck .step.hidden { visibility: hidden; }
html.deck.show-notes .body { bottom: 34%; }
html.deck .slide > .notes { display: block; position: absolute; left: 0; right: 0; bottom: 0; height: 33%;
  overflow-y: auto; box-sizing: border-box; padding: 8px 56px; background: #fff8dc; border-top: 2px solid #d8c27a;
  font-size: 20px; visibility: hidden; }
html.deck.show-notes .slide.current > .notes { visibility: visible; }
.notes-label { font-size: 15px; font-weight: bold; color: #8a6d00; margin: 0; text-transform: uppercase; }
html.deck footer { display: flex; position: absolute; left: 0; right: 0; bottom: 0; height: 44px; align-items: center;
  gap: 16px; padding: 0 20px; box-sizing: border-box; border-top: 1px solid #ddd; font-size: 16px; color: #555; }
footer .title { flex: 1; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
footer button { font: inherit; background: none; border: 1px solid #bbb; border-radius: 4px; padding: 1px 10px; cursor: pointer; }
#counter { min-width: 80px; text-align: right; font-variant-numeric: tabular-nums; }
h1 { font-size: 40px; margin: 0 0 16px; } h2 { font-size: 33px; margin: 0 0 14px; }
h3 { font-size: 28px; margin: 0 0 12px; } h4, h5, h6 { font-size: 24px; margin: 0 0 10px; }
p, ul, ol, blockquote, table { margin: 0 0 12px; }
blockquote { border-left: 5px solid #9ab; padding: 2px 0 2px 16px; color: #333; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 3px 10px; }
th { background: #f2f2f2; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code { font-size: 0.85em; background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
pre { font-size: 18px; line-height: 1.3; margin: 0 0 10px; white-space: pre; overflow-x: auto; }
pre code { background: none; padding: 0; font-size: inherit; }
.cell { margin: 0 0 10px; }
.cell.code .input .highlight { background: #f5f7fa; border-left: 4px solid #7aa7d8; padding: 6px 10px; }
.cell.code .input pre { margin: 0; }
.markdown .highlight { background: #f5f7fa; padding: 6px 10px; margin: 0 0 10px; }
.output { margin: 4px 0 8px; }
pre.output { padding: 2px 10px; }
pre.stderr { background: #fdecea; }
pre.error { background: #fdecea; color: #7a1010; }
.output.image img { display: block; max-width: 100%; max-height: 440px; height: auto; width: auto; margin: 0 auto; }
.markdown img { max-width: 100%; max-height: 440px; }
.widget { border: 2px dashed #7aa7d8; border-radius: 6px; padding: 6px 12px; }
.widget-note { margin: 0 0 4px; font-size: 18px; color: #1f4e79; }
.widget-note::before { content: "\\25B6  "; }
.widget-text { white-space: pre-wrap; margin: 0; }
.offline-img { font-style: italic; color: #666; }
#help { position: absolute; right: 20px; bottom: 54px; background: #333; color: #fff; font-size: 16px;
  padding: 10px 16px; border-radius: 6px; line-height: 1.6; }
html.deck.show-help #help { display: block; }
"""

SCRIPT = """
(function () {
  var root = document.documentElement, stage = document.getElementById('stage');
  var slides = Array.prototype.slice.call(document.querySelectorAll('section.slide'));
  var counter = document.getElementById('counter');
  var cur = 0, step = 0;
  root.classList.add('deck');
  function steps(s) { return s.querySelectorAll('.step').length; }
  function fit(s) {
    var body = s.querySelector('.body'), box = s.querySelector('.fit');
    box.style.zoom = 1; body.classList.remove('scroll');
    var h = box.scrollHeight, w = box.scrollWidth;
    box.querySelectorAll('pre').forEach(function (p) { w = Math.max(w, box.scrollWidth + p.scrollWidth - p.clientWidth); });
    var z = Math.min(1, body.clientHeight / h, body.clientWidth / w);  // a long printed line shrinks the slide, never wraps
    if (z < 0.6) { z = 0.6; body.classList.add('scroll'); }
    box.style.zoom = z; s.dataset.zoom = z.toFixed(3);
  }
  function fitAll() { slides.forEach(fit); root.dataset.fitted = 'yes'; }
  function resize() {
    var k = Math.min(window.innerWidth / 1280, window.innerHeight / 720);
    stage.style.transform = 'translate(-50%, -50%) scale(' + k + ')';
  }
  function show(i, st) {
    i = Math.max(0, Math.min(slides.length - 1, i));
    var s = slides[i], n = steps(s);
    st = st < 0 ? n - 1 : Math.max(0, Math.min(n - 1, st));
    slides.forEach(function (t, k) { t.classList.toggle('current', k === i); });
    s.querySelectorAll('.step').forEach(function (e, k) { e.classList.toggle('hidden', k > st); });
    cur = i; step = st;
    counter.textContent = (i + 1) + ' / ' + slides.length;
    root.dataset.slide = i + 1; root.dataset.step = st;
    if (history.replaceState) history.replaceState(null, '', '#' + (i + 1));
  }
  function next() { if (step < steps(slides[cur]) - 1) show(cur, step + 1); else if (cur < slides.length - 1) show(cur + 1, 0); }
  function prev() { if (step > 0) show(cur, step - 1); else if (cur > 0) show(cur - 1, -1); }
  function toggle(name) { root.classList.toggle(name); if (name === 'show-notes') fitAll(); }
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'PageDown' || (k === ' ' && !e.shiftKey)) next();
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'PageUp' || (k === ' ' && e.shiftKey)) prev();
    else if (k === 'Home') show(0, 0);
    else if (k === 'End') show(slides.length - 1, -1);
    else if (k === 'n' || k === 'N') toggle('show-notes');
    else if (k === '?' || k === 'h') toggle('show-help');
    else return;
    e.preventDefault();
  });
  document.getElementById('prev').addEventListener('click', prev);
  document.getElementById('next').addEventListener('click', next);
  document.getElementById('notes-button').addEventListener('click', function () { toggle('show-notes'); });
  window.addEventListener('resize', resize);
  resize();
  var start = parseInt((location.hash || '#1').slice(1), 10);
  show(isNaN(start) ? 0 : start - 1, 0);
  fitAll();
  window.addEventListener('load', fitAll);
  if (window.MathJax && MathJax.Hub) MathJax.Hub.Queue(fitAll, function () { root.dataset.maths = 'done'; });
  else root.dataset.maths = 'none';
})();
"""

MATHJAX_SETUP = """MathJax.Hub.Config({
  messageStyle: "none", showMathMenu: false, menuSettings: {zoom: "None"},
  tex2jax: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true},
  MMLorHTML: {prefer: {MSIE: "HTML", Firefox: "HTML", Opera: "HTML", Chrome: "HTML", Safari: "HTML", other: "HTML"}},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: false},
               styles: {"@font-face": {"font-family": "MathJax_Blank", src: "local('MathJax Blank, not installed')"}}},
  "fast-preview": {disabled: true}
});"""

HELP = ("<b>→</b> Space PageDown: next &nbsp; <b>←</b> Shift+Space PageUp: back<br>"
        "<b>Home</b> / <b>End</b>: first / last slide &nbsp; <b>n</b>: speaker notes &nbsp; <b>?</b>: this help")


def _slide_html(number, slide, folder, language):
    steps = "".join(
        f'<div class="step" data-step="{k}">{"".join(render_cell(c, folder, language) for c in cells)}</div>'
        for k, cells in enumerate(slide.steps))
    notes = "".join(render_cell(c, folder, language) for c in slide.notes) or "<p>No speaker notes for this slide.</p>"
    sub = " sub" if slide.sub else ""
    return (f'<section class="slide{sub}" id="slide-{number}" data-cell="{slide.first_cell}"'
            f' data-notes="{len(slide.notes)}"><div class="body"><div class="fit">{steps}</div></div>'
            f'<aside class="notes"><p class="notes-label">Speaker notes</p>{notes}</aside></section>')


def render_deck(deck, mathjax_url="mathjax/MathJax.js"):
    """The whole page of `deck` (a rnnlib.slides.deck.Deck) as one HTML string; `mathjax_url` is where the
    page finds MathJax.js, relative to the page (None: no maths typesetting)."""
    language = deck.notebook.get("metadata", {}).get("language_info", {}).get("pygments_lexer") or "ipython3"
    folder = deck.path.parent
    slides = "\n".join(_slide_html(i, s, folder, language) for i, s in enumerate(deck.slides, start=1))
    title = html.escape(deck.title)
    maths = "" if mathjax_url is None else (
        f'<script type="text/x-mathjax-config">{MATHJAX_SETUP}</script>\n'
        f'<script src="{html.escape(mathjax_url)}?config={MATHJAX_CONFIG}"></script>\n')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="python -m rnnlib.slides handout">
<title>{title}</title>
<style>{CSS}{pygments_css()}</style>
{maths}</head>
<body>
<div id="stage">
<main id="slides">
{slides}
</main>
<div id="help">{HELP}</div>
<footer><span class="title">{title} · {html.escape(deck.path.name)}</span>
<button id="notes-button" title="speaker notes (n)">notes</button>
<button id="prev" title="back (←)">‹</button><button id="next" title="next (→ or Space)">›</button>
<span id="counter">1 / {len(deck.slides)}</span></footer>
</div>
<script>{SCRIPT}</script>
</body>
</html>
"""
