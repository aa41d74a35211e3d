"""Voice backends, one module each. Import them through ``flaming_horse_voice.factory``."""
