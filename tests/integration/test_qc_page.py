"""The QC page in a real headless Chromium: scene rows, the failing scenes marked, a layout finding
outlined over the right frame, every image loaded, no request outside file://, and the page still
whole after the project folder moved."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import fh

pytestmark = pytest.mark.slow
CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FPS = 15
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Balanced(HTMLParser):
    """A strict reading: every non-void element closed, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def flawed_project(tmp_path_factory) -> Path:
    """Scene 1 with text pushed off the right edge, scene 2 that draws nothing but its title."""
    base = tmp_path_factory.mktemp("qcpage")
    script = base / "flawed.md"
    script.write_text("# Flawed\n\n## Crowded\n\nSome words about a point.\n\n- A point\n\n"
                      "## Nothing\n\nThis scene draws nothing but its title.\n")
    fh("create", "flawed", "--topic", str(script), "--projects-dir", str(base), check=False)
    project = base / "flawed"
    scene = project / "scenes" / "scene_01.py"
    marker = "            s.finish(self)\n"
    source = scene.read_text()
    assert marker in source
    scene.write_text(source.replace(marker, "            self.play(FadeIn(Text('Runs off the "
                                    "edge').to_edge(RIGHT, buff=-2)), run_time=0.3)\n" + marker, 1))
    result = fh("build", str(project), check=False)
    assert result.returncode == 1 and "qc/index.html" in result.stderr
    return project


def _browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM.is_file() and DRIVER.is_file(), \
        "Chromium and ChromeDriver are missing: `make test` installs them (chromium chromium-driver)"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                "--window-size=1280,2000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(str(DRIVER)), options=options)


def test_qc_page_shows_the_failures_on_the_frames(flawed_project, tmp_path):
    page = flawed_project / "qc" / "index.html"
    checker = Balanced()
    checker.feed(page.read_text(encoding="utf-8"))
    assert checker.doctype and not checker.errors and checker.stack == [], checker.errors
    layout = json.loads(next((flawed_project / "media" / "scenes").glob(
        "scene_01-*.layout.json")).read_text())
    finding = next(f for f in layout["findings"] if "Runs off the edge" in f["mobjects"][0])

    moved = tmp_path / "elsewhere" / "flawed"  # relative paths: the folder can move
    shutil.move(str(flawed_project), moved)
    try:
        driver = _browser(tmp_path / "profile")
        try:
            driver.get((moved / "qc" / "index.html").as_uri())
            rows = driver.execute_script(
                "return Array.from(document.querySelectorAll('section.scene')).map("
                "s => [s.dataset.scene, s.dataset.passed])")
            assert rows == [["scene_01", "false"], ["scene_02", "false"]]
            failed = driver.execute_script(
                "return Array.from(document.querySelectorAll('#scene_02 .check.fail')).map("
                "c => c.dataset.check)")
            assert "drawn_below_title" in failed
            # the finding's box sits on the frame taken where the finding happened
            boxes = driver.execute_script("""
                return Array.from(document.querySelectorAll('#scene_01 figure .finding')).map(b => {
                  const fig = b.closest('figure'), img = fig.querySelector('img');
                  const r = b.getBoundingClientRect(), i = img.getBoundingClientRect();
                  return {time: parseFloat(fig.dataset.time), title: b.title,
                          overlaps: r.left < i.right && r.right > i.left && r.top < i.bottom
                                    && r.bottom > i.top, right: r.right, imgRight: i.right};
                });""")
            ours = [b for b in boxes if "Runs off the edge" in b["title"]]
            assert ours, boxes
            assert all(abs(b["time"] - finding["time"]) <= 1.5 / FPS for b in ours)
            assert all(b["overlaps"] for b in ours)
            assert ours[0]["right"] > ours[0]["imgRight"]  # it pokes past the frame's edge
            assert driver.execute_script(
                "return document.querySelectorAll('#scene_01 .edge.right').length") >= 1
            images = driver.execute_script(
                "return Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
            assert len(images) >= 4 and all(done and width > 0 for done, width in images)
            video = driver.execute_script("const v = document.querySelector('video');"
                                          "return [v.src, v.textTracks.length]")
            assert video[0].startswith("file://") and video[0].endswith("/final_video.mp4")
            assert video[1] == 1
            shot = tmp_path / "qc.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
            requested = [json.loads(entry["message"])["message"] for entry in
                         driver.get_log("performance")]
            urls = [m["params"]["request"]["url"] for m in requested
                    if m["method"] == "Network.requestWillBeSent"]
            # chrome:// is the browser's own start page, drawn before ours: not a network request
            ours_only = [u for u in urls if not u.startswith("chrome://")]
            assert any(u.endswith("/qc/index.html") for u in ours_only), urls
            assert all(u.startswith(("file://", "data:")) for u in ours_only), ours_only
        finally:
            driver.quit()
    finally:
        shutil.move(str(moved), flawed_project)


def test_frames_are_cached_with_the_scene(flawed_project):
    frames = flawed_project / "qc" / "frames"
    before = {p: p.stat().st_mtime_ns for p in frames.rglob("*.jpg")}
    assert before
    fh("qc", str(flawed_project), "--html", check=False)
    after = {p: p.stat().st_mtime_ns for p in frames.rglob("*.jpg")}
    assert after == before  # no scene changed: no frame taken again
