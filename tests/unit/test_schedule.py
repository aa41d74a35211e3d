"""Where each step of a beat starts: on its anchor frame, spread evenly between anchors."""

from __future__ import annotations

from flaming_horse.scene_kit.schedule import start_frames


def test_no_anchors_spreads_steps_evenly_from_the_start():
    assert start_frames(90, 3, [None, None, None]) == [0, 30, 60]


def test_anchored_steps_start_on_their_frames_and_the_rest_fill_in():
    assert start_frames(100, 4, [10, None, 50, None]) == [10, 30, 50, 75]
    assert start_frames(100, 3, [None, 40, None]) == [0, 40, 70]


def test_starts_never_go_backwards_or_collide():
    starts = start_frames(30, 4, [20, 5, None, 5])
    assert starts == sorted(starts) and len(set(starts)) == 4 and starts[0] == 20


def test_anchors_past_the_end_are_clamped_into_the_beat():
    assert start_frames(40, 2, [None, 400]) == [0, 39]
