"""flaming-horse: turn a topic or a Markdown script into a narrated Manim video."""

import warnings

__version__ = "0.1.0"

# manim loads the manim-voiceover-plus plugin, which imports pkg_resources (setuptools < 81 is
# pinned for it); its deprecation warning is noise for our users.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
