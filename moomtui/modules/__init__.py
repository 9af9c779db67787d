"""The loadable OOM policies, one file each, named like the seed's objects."""

from ..kernel.module import KernelModule

REGISTRY: dict[str, type[KernelModule]] = {}
