"""The QC page: qc/index.html, a contact sheet per scene with the problems drawn on the frames."""
