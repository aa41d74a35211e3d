"""Hearing what was said: every clip transcribed offline by a small speech recogniser
(faster-whisper), compared with the narration it was meant to speak, and its words timed from the
transcript for backends that cannot time them exactly.

``settings`` reads ``[voice.verify]``; ``recogniser`` loads the model and transcribes; ``compare``
normalises and aligns texts and says what differs; ``sound`` finds audio no word covers; ``align``
turns a transcript into narration word timings; ``ear`` ties them together with a transcript cache
beside each clip; ``reference`` checks a voice-cloning reference against its transcript.
"""
