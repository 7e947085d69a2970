"""The tests, a package so that tests.support (the helpers every folder shares) imports by one name."""
