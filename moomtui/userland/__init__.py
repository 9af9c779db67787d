"""The programs simulated tasks run, by name."""

from .base import Param, Program, ProgramArgError
from .programs import (
    Batch,
    Cache,
    Database,
    ForkBomb,
    Hog,
    Idle,
    Init,
    Leak,
    Prefork,
    Threaded,
    ThreadWorker,
)

PROGRAMS: dict[str, type[Program]] = {
    cls.name: cls
    for cls in (
        Init,
        Idle,
        Hog,
        Leak,
        Batch,
        Database,
        Prefork,
        ForkBomb,
        Threaded,
        ThreadWorker,
        Cache,
    )
}

__all__ = ["PROGRAMS", "Param", "Program", "ProgramArgError"]
