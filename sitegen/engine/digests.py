"""Fast pickling of the frozen dataclasses that caches and digests are made of.

Python's dataclasses give a frozen, slotted class a `__getstate__` written in
Python that looks the fields up again for every object; digesting a page plan
pickles hundreds of thousands of such objects, and that lookup was most of
the cost of an incremental rebuild. `speed_up_pickling` replaces it with an
`operator.attrgetter` (implemented in C) over the same fields, in the same
order, so the pickled state, and every digest of it, keeps its meaning.

It also records each such class with its getter in `STATE_OF`: a digest
taken with shared objects (see engine/cache.py) writes an object of one of
them as its class's name and its state, with no further call back for the
class, its module, its name and the arguments of its constructor.
"""

from __future__ import annotations

import dataclasses
import operator
from types import ModuleType
from typing import Any, Callable

# By class: its qualified name, and what takes its fields (their tuple; the value itself for a class of one).
STATE_OF: dict[type, tuple[str, Callable[[Any], Any]]] = {}


def _make_setstate(names: tuple[str, ...]):
    def __setstate__(self, state) -> None:
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)

    return __setstate__


def speed_up_pickling(*modules: ModuleType) -> None:
    for module in modules:
        for value in list(vars(module).values()):
            if (
                isinstance(value, type)
                and dataclasses.is_dataclass(value)
                and value.__module__ == module.__name__
                and "__slots__" in vars(value)
                and value.__dataclass_params__.frozen
            ):
                names = tuple(field.name for field in dataclasses.fields(value))
                if not names:
                    continue
                getter = operator.attrgetter(*names)
                if len(names) == 1:
                    value.__getstate__ = lambda self, getter=getter: (getter(self),)
                else:
                    # A plain function, so that it binds as a method; attrgetter does the work in C.
                    value.__getstate__ = lambda self, getter=getter: getter(self)
                value.__setstate__ = _make_setstate(names)
                STATE_OF[value] = (f"{value.__module__}.{value.__qualname__}", getter)
