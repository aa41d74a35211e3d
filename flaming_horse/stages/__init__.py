"""Pipeline stages, one module each: ``units(project, scenes) -> list[Unit]``."""
