import io

from rnnlib.progress import progress, progress_disabled


def test_progress_bar_respects_tqdm_disable(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert progress_disabled() and progress(range(3)).disable
    monkeypatch.setenv("TQDM_DISABLE", "0")
    assert not progress_disabled()
    assert progress(range(3), enabled=False).disable
    monkeypatch.delenv("TQDM_DISABLE")
    bar = progress(range(3), file=io.StringIO())
    assert not bar.disable and list(bar) == [0, 1, 2]
