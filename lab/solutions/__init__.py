"""Reference solutions, one module per part, with the same names as the exercises they answer."""
