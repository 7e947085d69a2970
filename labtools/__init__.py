"""Tools around the course: the environment doctor, the transfer benchmark and the rules they share.

Importable with the standard library alone on the host (Python >= 3.10: HOST_PYTHON_MIN in labtools/defaults.env);
installed in the image too.
"""
