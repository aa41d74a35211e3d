"""The sound manim muxes into a scene's render: lossless ALAC instead of AAC.

Manim 0.22 mixes a scene's sounds into a WAV file and encodes it to AAC with PyAV's native
encoder before muxing it beside the video (``scene_file_writer.convert_audio(wav, .aac, "aac")``).
That encode is the slowest step of the mux: 0.95 s of CPU for an 18.6 s scene, about a tenth of
a low-quality render once manim is imported. A build does not keep that AAC: the part stage
decodes the render's sound to pad it (ALAC), and the final video encodes it to AAC once. So the
render's sound is encoded losslessly (ALAC in an MP4 container, ~0.07 s for the same scene),
which also spares the final video one generation of lossy coding.

``lossless()`` replaces manim's converter for the AAC case only (idempotent); other conversions
(a clip read into the mix, webm's Vorbis/Opus) go to manim's own. Manim then muxes the stream as
it is (``add_stream_from_template``): the render is an MP4 with H.264 video and ALAC sound.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CODEC = "alac"


def convert_audio(input_path: Path, output_path: Any, codec_name: str) -> None:
    """Manim's ``convert_audio`` with AAC asked for: write ALAC in MP4 (whatever the name says;
    manim opens the result by probing it, not by its suffix)."""
    import av

    if codec_name != "aac" or not isinstance(output_path, (str, os.PathLike)):
        return _manim_convert(input_path, output_path, codec_name)
    with av.open(str(input_path)) as source, av.open(str(output_path), "w", format="mp4") as out:
        heard = source.streams.audio[0]
        # a WAV without a channel mask reads as "2 channels", which the encoder refuses
        layout = {1: "mono", 2: "stereo"}.get(heard.channels, heard.layout.name)
        stream = out.add_stream(CODEC, rate=heard.rate, layout=layout)
        stream.format = "s16p" if heard.format.bytes <= 2 else "s32p"  # ALAC's two: as deep
        for frame in source.decode(heard):
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _manim_convert(input_path: Path, output_path: Any, codec_name: str) -> None:
    from manim.scene import scene_file_writer

    getattr(scene_file_writer, "_fh_manim_convert_audio")(input_path, output_path, codec_name)


def lossless() -> None:
    """From now on, renders of this process carry their sound as ALAC (idempotent). A manim
    without this converter (it muxes another way) is left as it is: its renders keep AAC."""
    from manim.scene import scene_file_writer

    manims = getattr(scene_file_writer, "convert_audio", None)
    if manims is not None and manims is not convert_audio:
        scene_file_writer._fh_manim_convert_audio = manims
        scene_file_writer.convert_audio = convert_audio
