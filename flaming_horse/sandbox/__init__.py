"""The box that untrusted code runs in: scene files and dry runs written by a language model.

- ``box``: the filesystem, network and environment a boxed process sees (bubblewrap);
- ``limits``: CPU, memory, file size, processes and wall time, with the whole group killed;
- ``landlock``: narrows one process's writes to its own folder (inside a shared box);
- ``run``: runs a command boxed and limited, its output into a capped log.

The static gates of the LLM author are a lint that helps the model; this is the boundary.
Imports only the standard library and ``flaming_horse.errors``.
"""
