"""The package version, in a module of its own so that any layer (the engine included) can read
it without importing the rest of studio."""

__version__ = "0.1.0"
