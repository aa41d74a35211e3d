"""scene_kit: every builder keeps its mobjects inside the frame and its text readable."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from manim import Code, Mobject, config, tempconfig
from manim.utils.tex_file_writing import tex_to_svg_file

from flaming_horse import scene_kit as kit
from flaming_horse.scene_kit import palette

FORTY_WORDS = " ".join(
    "this bullet point keeps going with ordinary words so that it needs several lines "
    "on screen and must wrap rather than shrink into tiny unreadable letters for anyone who "
    "watches the finished video on a small laptop screen at home today".split()[:40])
DERIVATION = [r"(a + b)^2 = (a + b)(a + b)", r"= a(a + b) + b(a + b)", r"= a^2 + ab + ba + b^2",
              r"= a^2 + 2ab + b^2", r"\int_0^1 x^2 \, dx = \left[ \frac{x^3}{3} \right]_0^1",
              r"= \frac{1}{3}", r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2}",
              r"e^{i\pi} + 1 = 0", r"\frac{d}{dx} \sin x = \cos x",
              r"\lim_{h \to 0} \frac{f(x + h) - f(x)}{h} = f'(x)",
              r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}",
              r"\nabla \cdot \mathbf{E} = \frac{\rho}{\varepsilon_0}"]
THIRTY_LINES = "\n".join(
    f"def step_{i}(values, scale=2):\n    return [v * scale + {i} for v in values]"
    for i in range(15))


@pytest.fixture(autouse=True, scope="module")
def media_dir(tmp_path_factory):
    """Keep manim's text and TeX caches out of the working directory."""
    with tempconfig({"media_dir": str(tmp_path_factory.mktemp("media"))}):
        yield


def _boxes_inside(mob: Mobject, box: kit.Box) -> None:
    assert box.contains(mob), f"{type(mob).__name__} leaves {box}"
    for part in mob.get_family():
        if part.has_points():
            assert box.contains(part), f"{type(part).__name__} leaves {box}"


def _readable(mob: Mobject, minimum: float = palette.MIN_FONT_SIZE) -> int:
    sizes = [s for s in map(kit.effective_font_size, mob.get_family()) if s is not None]
    assert sizes, "no kit text found"
    assert min(sizes) >= minimum - 0.01, f"text shrunk to {min(sizes):.1f} < {minimum}"
    return len(sizes)


def _frame_minus_margin() -> kit.Box:
    w, h = config.frame_width / 2 - kit.MARGIN, config.frame_height / 2 - kit.MARGIN
    return kit.Box(-w, w, -h, h)


def test_areas_are_inside_the_frame_minus_margin():
    frame, body, header = _frame_minus_margin(), kit.body_area(), kit.header_area()
    assert kit.safe_area() == frame
    assert body.top < header.bottom and frame.top == header.top and body.bottom == frame.bottom
    assert body.width == pytest.approx(config.frame_width - 2 * kit.MARGIN)


def test_tex_template_compiles_with_article_class():
    template = kit.tex_template()
    assert r"{article}" in template.documentclass and "standalone" not in template.body
    svg = tex_to_svg_file(r"a^2 + b^2 = c^2 \\ \frac{1}{2} \sqrt{x} \mathbb{R}",
                          environment="align*", tex_template=template)
    assert Path(svg).is_file() and Path(svg).stat().st_size > 0
    maths = kit.equation(r"c = \sqrt{a^2 + b^2}")
    assert maths.has_points() or any(p.has_points() for p in maths.get_family())


def test_configure_sets_background_font_and_tex(tmp_path):
    with tempconfig({"media_dir": str(tmp_path)}):
        kit.configure()
        assert str(config.background_color).upper() == palette.BACKGROUND.upper()
        assert "article" in config.tex_template.documentclass


def test_project_dir_is_two_levels_up(tmp_path):
    scene = tmp_path / "proj" / "scenes" / "scene_01.py"
    assert kit.project_dir(str(scene)) == (tmp_path / "proj").resolve()


def test_scene_title_stays_in_its_band():
    for title in ("Short", "A very long scene title " * 6):
        header = kit.scene_title(title)
        _boxes_inside(header, kit.header_area())
        _readable(header)


def test_three_line_title_card_fits():
    card = kit.title_card("The Pythagorean theorem and its surprisingly many consequences in "
                          "plane geometry and beyond", "Three sides, one relation, many uses")
    _boxes_inside(card, kit.body_area())
    _readable(card)
    assert card.title.height > 1.5  # it wrapped onto several big lines instead of shrinking


def test_forty_word_bullet_wraps_and_fits():
    assert len(FORTY_WORDS.split()) == 40
    bullets = kit.bullet_list([FORTY_WORDS, "A short point", FORTY_WORDS[:120], "Last"])
    _boxes_inside(bullets, kit.body_area())
    _readable(bullets)
    assert len(bullets.rows) == 4
    first = bullets.rows[0][1]
    assert len(first) >= 3, "the long bullet should be several lines"
    tops = [row.get_top()[1] for row in bullets.rows]
    assert tops == sorted(tops, reverse=True), "rows go down the screen in order"


def test_twelve_step_derivation_each_step_fits_at_one_scale():
    steps = kit.equation_steps(DERIVATION)
    assert len(steps) == 12
    sizes = {round(kit.effective_font_size(m), 3) for m in steps}
    assert len(sizes) == 1, "all steps share one scale so glyphs do not jump"
    for m in steps:
        _boxes_inside(m, kit.body_area())
        _readable(m)


def test_thirty_line_code_pages_fit_and_stay_readable():
    pages = kit.code_pages(THIRTY_LINES, "python")
    assert len(pages) == 2
    for page in pages:
        assert isinstance(page, Code)
        _boxes_inside(page, kit.body_area())
        _readable(page, palette.MIN_CODE_SIZE)
    assert pages[0].get_corner([-1, 1, 0]) == pytest.approx(pages[1].get_corner([-1, 1, 0]))
    _boxes_inside(kit.code_listing(THIRTY_LINES, "python"), kit.body_area())
    _boxes_inside(kit.code_pages("x = 1", "no-such-language")[0], kit.body_area())


def test_long_comparison_rows_fit():
    long_row = "a comparison row that goes on for quite a while to force the column to wrap"
    comp = kit.comparison("Classical mechanics", "Quantum mechanics",
                          [long_row, "Deterministic", long_row], [long_row, "Probabilistic"])
    _boxes_inside(comp, kit.body_area())
    _readable(comp)
    assert comp.left.get_right()[0] <= comp.divider.get_x() <= comp.right.get_left()[0]
    assert len(comp.left) == 4 and len(comp.right) == 3  # heading + rows


def test_recap_card_fits_with_long_items():
    card = kit.recap([FORTY_WORDS, "c is the side opposite the right angle", "3, 4, 5"])
    _boxes_inside(card, kit.body_area())
    _readable(card)
    assert len(card.items) == 3
    assert card.card.width >= card.items.width and card.card.height >= card.items.height


@pytest.mark.parametrize("function, x_range, y_range", [
    ("tan(x)", (-5, 5), (-4, 4)),
    ("exp(x)", (-2, 8), (0, 10)),
    ("log(x)", (-1, 10), (-3, 3)),
    ("100 + x", (0, 1), (0, 1)),  # entirely outside the ranges
])
def test_function_plot_clips_to_its_axes(function, x_range, y_range):
    plot = kit.function_plot(function, x_range, y_range, r"y = f(x)")
    _boxes_inside(plot, kit.body_area())
    _readable(plot, palette.LABEL_SIZE)
    (left, bottom, _), (right, top, _) = (plot.axes.c2p(x_range[0], y_range[0]),
                                          plot.axes.c2p(x_range[1], y_range[1]))
    plot_area = kit.Box(left - 0.01, right + 0.01, bottom - 0.01, top + 0.01)
    for piece in plot.graph:
        assert plot_area.contains(piece)


def test_make_function_evaluates_safely():
    f = kit.make_function("sin(x) * x / 2 + e ** 0 - pi * 0 + sqrt(abs(x))")
    x = np.linspace(-3, 3, 7)
    assert f(x) == pytest.approx(np.sin(x) * x / 2 + 1 + np.sqrt(np.abs(x)))
    assert kit.make_function("3")(x) == pytest.approx(np.full(7, 3.0))
    for bad in ("__import__('os')", "x.real", "open('f')", "x ^ 2", "[x][0]", "sin(x, x)",
                "'a'", "lambda: 1", "(1).__class__"):
        with pytest.raises(ValueError):
            kit.make_function(bad)


def _frames_of_play(run_time: float, fps: float) -> int:
    return len(np.arange(0, max(run_time, 1 / fps), 1 / fps))  # manim's play()


def _frames_of_wait(duration: float, fps: float) -> int:
    return int(duration / (1 / fps))  # manim's static wait()


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_timing_fills_the_beat_in_whole_frames(fps):
    with tempconfig({"frame_rate": fps}):
        for duration in (0.9, 1.37, 2.5, 4.04, 7.77, 12.3):
            for steps in range(0, 13):
                t = kit.timing(duration, steps)
                assert t.run > 0 and t.pause > 0 and t.rest > 0
                frames = (steps * _frames_of_play(t.run, fps)
                          + max(steps - 1, 0) * _frames_of_wait(t.pause, fps)
                          + _frames_of_wait(t.rest, fps))
                assert frames == t.frames
                if math.floor(duration * fps) >= 2 * steps:
                    assert frames <= duration * fps + 1e-6, (duration, steps)


def test_split_frames_spreads_steps_evenly():
    run, pause, rest = kit.split_frames(120, 4, share=0.4, max_run_frames=15)
    assert (run, pause) == (12, 18) and 4 * run + 3 * pause + rest == 120
    assert kit.split_frames(50, 0) == (0, 0, 50)
    assert kit.split_frames(3, 5) == (1, 1, 1)  # too short: the beat runs over
