"""A small generic registry: names to objects, explicit registration, helpful lookups."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from studio.engine.errors import UnknownNameError

T = TypeVar("T")


def suggest(name: str, choices: list[str]) -> str:
    """' (did you mean "x"?)' or '' for an unknown name."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


#: loaders handed in by name of registry (`what`) before or after the registry exists; see
#: `add_builtin_loader`
_BUILTIN_LOADERS: dict[str, list[Callable[[], None]]] = {}


def add_builtin_loader(what: str, loader: Callable[[], None]) -> None:
    """Have the registries of `what` ("step", ...) call `loader` on their first lookup.

    This is how an application registers its builtin entries (studio's `__init__` hands in a
    loader that imports `studio.steps`) without the engine importing the application, and
    without importing the registry's module (and what it needs) just to do so."""
    loaders = _BUILTIN_LOADERS.setdefault(what, [])
    if loader not in loaders:
        loaders.append(loader)


class Registry(Generic[T]):
    """Maps names to objects. `what` names the kind of thing in error messages."""

    def __init__(self, what: str):
        self.what = what
        self._items: dict[str, T] = {}
        self._loaders: list[Callable[[], None]] = []
        self._called: list[Callable[[], None]] = []

    def add_loader(self, loader: Callable[[], None]) -> None:
        """Register a callable that imports the modules which register builtin entries."""
        self._loaders.append(loader)

    def _ensure_loaded(self) -> None:
        for loader in (*self._loaders, *_BUILTIN_LOADERS.get(self.what, ())):
            if loader not in self._called:
                self._called.append(loader)  # before calling: a loader may look names up
                loader()

    def register(self, name: str, item: T, *, replace: bool = False) -> T:
        if name in self._items and not replace and self._items[name] is not item:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        self._ensure_loaded()
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(
                f"unknown {self.what} {name!r}{suggest(name, list(self._items))}; "
                f"known: {', '.join(sorted(self._items)) or 'none'}"
            ) from None

    def __contains__(self, name: object) -> bool:
        self._ensure_loaded()
        return name in self._items

    def names(self) -> list[str]:
        self._ensure_loaded()
        return sorted(self._items)

    def items(self) -> Iterator[tuple[str, T]]:
        self._ensure_loaded()
        yield from sorted(self._items.items())
