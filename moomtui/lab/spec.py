"""A sweep: presets × policy configurations × parameter and sysctl grids × seeds → jobs.

A sweep file is data from anyone (docs/lab.md): read bounded (1 MiB, :mod:`moomtui.userfiles`),
every list bounded, every value checked, and the expansion bounded (:data:`MAX_RUNS`). It
runs no code — except the policy files it names, which a local user's ``insmod ./x.py``
would run anyway (docs/threat-model.md); they are read here, once, and travel to the
workers as text.

A *configuration* is a policy (``none``, a module, modules joined by ``+``, a policy file)
with one value for each of its modules' swept parameters and each swept sysctl. Every job
carries all it needs as plain data — the preset's text, the overrides that make it this
configuration, the policy files' text, the seed, the length — so any process on any
machine runs it the same (:mod:`.runner`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..kernel.kconfig import KCONFIG_OPTIONS
from ..kernel.units import UnitError, parse_duration, parse_integer
from ..modules.plugins import is_policy_file
from ..presets import PresetError, PresetSource, Scenario, read_preset
from ..presets.quoting import BARE_KEY, clip, one_line
from ..toml_scan import TomlError, loads_toml
from ..userfiles import (
    MAX_FILE,
    UserFileError,
    read_user_file,
    read_user_text,
)

MAX_PRESETS = 64
MAX_POLICIES = 64
MAX_VALUES = 256
"""Values one swept parameter or sysctl may take."""
MAX_SEEDS = 100_000
MAX_RUNS = 1_000_000
"""Runs one sweep may expand to."""
MAX_CONFIGS = 10_000
"""Configurations (policy × grid) one sweep may have: each is checked before any run."""
SEED_MAX = (1 << 63) - 1
KEYS = ("name", "presets", "policies", "seeds", "length", "baseline", "params", "sysctl")


class SpecError(Exception):
    """A bad sweep file or argument: the message is one line, ``FILE: key: problem``."""


@dataclass(frozen=True, slots=True)
class PolicyFile:
    """A user's policy file, read where the sweep starts: its name as written and its bytes."""

    path: str
    source: bytes


@dataclass(frozen=True, slots=True)
class Config:
    """One configuration: a policy and its grid point."""

    policy: str
    modules: tuple[str, ...]
    """The built-in (or installed) modules, each with its swept parameters:
    ``oom_kill_parent oom_parent_max=5``."""
    files: tuple[tuple[PolicyFile, tuple[str, ...]], ...] = ()
    """Policy files with their parameters, loaded after the boot."""
    params: tuple[tuple[str, Any], ...] = ()
    """The swept module parameters, ``(column, value)``: ``oom_kill_parent.oom_parent_max``."""
    sysctls: tuple[tuple[str, Any], ...] = ()
    """The swept sysctls, ``(column, value)``: ``sysctl.kernel.panic``."""

    @property
    def label(self) -> str:
        """``oom_kill_parent oom_parent_max=5 kernel.panic=10``: how summaries name it."""
        parts = [self.policy]
        parts += [f"{col.rpartition('.')[2]}={v}" for col, v in self.params]
        parts += [f"{col.removeprefix('sysctl.')}={v}" for col, v in self.sysctls]
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Payload:
    """What one run needs, as plain data: any process runs it the same (:mod:`.runner`)."""

    text: str
    source: str
    key: str
    overrides: tuple[str, ...]
    files: tuple[tuple[PolicyFile, tuple[str, ...]], ...]
    seed: int
    duration: int | None
    """Jiffies; None: the preset's length."""
    family: bool
    """The preset draws its workload from the seed (:mod:`moomtui.presets.families`)."""


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    """The run's place in the expansion: rows are kept in this order."""
    preset: int
    config: int
    seed: int
    payload: Payload


@dataclass(slots=True)
class SweepPreset:
    ref: str
    """As the sweep names it (a shipped name, or a path as written)."""
    source: PresetSource
    base: Scenario
    drawn: list[str]
    """A family's distributions, by path (empty: a plain preset)."""
    seeds: list[int]


@dataclass(slots=True)
class Sweep:
    name: str
    presets: list[SweepPreset]
    configs: list[Config]
    duration: int | None
    """Jiffies for every run; None: each preset's length."""
    baseline: str | None = None
    param_columns: list[str] = field(default_factory=list)
    sysctl_columns: list[str] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(p.seeds) for p in self.presets) * len(self.configs)

    def jobs(self) -> Iterator[Job]:
        """Every run, preset by preset, configuration by configuration, seed by seed."""
        index = 0
        for p, preset in enumerate(self.presets):
            for c, config in enumerate(self.configs):
                overrides = tuple(overrides_for(preset.base, config))
                for seed in preset.seeds:
                    payload = Payload(
                        preset.source.text,
                        preset.source.source,
                        preset.source.key,
                        overrides,
                        config.files,
                        seed,
                        self.duration,
                        bool(preset.drawn),
                    )
                    yield Job(index, p, c, seed, payload)
                    index += 1

    def draw_columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for preset in self.presets:
            seen.update(dict.fromkeys(f"drawn.{path}" for path in preset.drawn))
        return list(seen)

    def preset_name(self, job: Job) -> str:
        return self.presets[job.preset].ref

    def length(self, job: Job) -> int:
        return self.presets[job.preset].base.length if self.duration is None else self.duration


# ============================================================================ configurations
def overrides_for(base: Scenario, config: Config) -> list[str]:
    """The ``--set`` overrides that make ``base`` this configuration: every Kconfig option
    ``m``, exactly its modules loaded (a module the preset loads keeps the preset's own
    parameters, the swept ones over them), its sysctls."""
    own = {line.split()[0]: line.split()[1:] for line in base.spec.modules}
    modules = []
    for line in config.modules:
        name, *args = line.split()
        if not args and name in own:  # the preset's own line, as it is
            modules.append(" ".join([name, *own[name]]))
            continue
        merged = dict(arg.partition("=")[::2] for arg in own.get(name, []))
        merged.update(arg.partition("=")[::2] for arg in args)
        modules.append(" ".join([name, *(f"{k}={v}" for k, v in merged.items())]))
    kconfig = ", ".join(f'{option} = "m"' for option in KCONFIG_OPTIONS)
    out = [f"kernel.config={{{kconfig}}}", f"kernel.modules={json.dumps(modules)}"]
    out += [f"kernel.sysctl.{col.removeprefix('sysctl.')}={v}" for col, v in config.sysctls]
    return out


def known_modules() -> dict[str, Any]:
    """The module names a configuration may use: moomtui's and installed packages'."""
    from ..modules import REGISTRY
    from ..modules.plugins import entry_point_modules

    known = dict(REGISTRY)
    known.update(entry_point_modules(known, lambda _: None))
    return known


def split_policy(policy: str, where: str, known: dict[str, Any]) -> list[str]:
    """``oom_kill+./mine.py`` → its parts, checked: known modules or policy files."""
    if policy == "none":
        return []
    parts = policy.split("+")
    for part in parts:
        if not part:
            raise SpecError(f"{where}: {clip(policy)}: empty part (join policies with +)")
        if not is_policy_file(part) and part not in known:
            raise SpecError(
                f"{where}: {clip(part)}: no such policy (known: none, {', '.join(known)}; "
                "a policy file is a path: ./mine.py)"
            )
    if len(set(parts)) != len(parts):
        raise SpecError(f"{where}: {clip(policy)}: a module can be loaded only once")
    return parts


def _scalar(value: object, where: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SpecError(f"{where}: expected an integer or a string, got {clip(repr(value))}")
    if isinstance(value, str) and (not value or len(value) > 64 or not value.isprintable()):
        raise SpecError(f"{where}: expected a short printable value")
    if isinstance(value, str) and any(c.isspace() or c in "=,\"'" for c in value):
        raise SpecError(f"{where}: {clip(value)}: no spaces, quotes, commas or = in a value")
    return value


def _values(value: object, where: str) -> list[Any]:
    """A swept key's values: one value, or a list of at most :data:`MAX_VALUES`."""
    items = value if isinstance(value, list) else [value]
    if not 1 <= len(items) <= MAX_VALUES:
        raise SpecError(f"{where}: expected 1 to {MAX_VALUES} values")
    out = [
        _scalar(v, f"{where}[{i}]" if isinstance(value, list) else where)
        for i, v in enumerate(items)
    ]
    if len(set(map(str, out))) != len(out):
        raise SpecError(f"{where}: a value is given twice")
    return out


def build_configs(
    policies: list[str],
    params: dict[str, dict[str, list[Any]]],
    sysctls: dict[str, list[Any]],
    files: dict[str, PolicyFile],
    known: dict[str, Any],
    where: str = "policies",
) -> list[Config]:
    """Each policy × the grid of its own modules' parameters × the sysctls' grid."""
    configs: list[Config] = []
    sysctl_axes = [[(f"sysctl.{name}", v) for v in values] for name, values in sysctls.items()]
    for policy in policies:
        parts = split_policy(policy, where, known)
        axes = [
            [(f"{part}.{param}", v) for v in values]
            for part in parts
            for param, values in params.get(part, {}).items()
        ]
        for point in itertools.product(*axes):
            by_part: dict[str, list[str]] = {part: [] for part in parts}
            for col, v in point:
                part, _, param = col.rpartition(".")
                by_part[part].append(f"{param}={v}")
            modules = tuple(
                " ".join([part, *by_part[part]]) for part in parts if not is_policy_file(part)
            )
            pfiles = tuple(
                (files[part], tuple(by_part[part])) for part in parts if is_policy_file(part)
            )
            for sys_point in itertools.product(*sysctl_axes):
                configs.append(Config(policy, modules, pfiles, tuple(point), tuple(sys_point)))
                if len(configs) > MAX_CONFIGS:
                    raise SpecError(f"{where}: more than {MAX_CONFIGS} configurations")
    return configs


# ============================================================================ the file
def load_spec(path: str, *, seeds: int | None = None, duration: int | None = None) -> Sweep:
    """The sweep file at ``path``, checked and expanded (its presets loaded, each
    configuration tried once); SpecError."""
    shown = one_line(clip(path, 200))
    try:
        data = loads_toml(read_user_text(path, name=shown))
    except UserFileError as err:
        raise SpecError(str(err)) from None
    except TomlError as err:
        raise SpecError(f"{shown}: {err}") from None
    return parse_spec(data, shown, Path(path).parent, seeds=seeds, duration=duration)


def _list_of_names(data: dict[str, Any], key: str, limit: int, shown: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not 1 <= len(value) <= limit:
        raise SpecError(f"{shown}: {key}: expected a list of 1 to {limit} names")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item or len(item) > 512 or not item.isprintable():
            raise SpecError(f"{shown}: {key}[{i}]: expected a name or a path")
    if len(set(value)) != len(value):
        raise SpecError(f"{shown}: {key}: a name is given twice")
    return value


def _seeds(value: object, base: int, shown: str) -> list[int]:
    """``seeds = 20`` (the preset's own and the next 19), ``[1, 5, 9]``, or
    ``{ from = 100, count = 20 }``."""
    where = f"{shown}: seeds"
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            count = parse_integer(value, 1, MAX_SEEDS)
            return [min(base + i, SEED_MAX) for i in range(count)]
        if isinstance(value, list):
            if not 1 <= len(value) <= MAX_SEEDS:
                raise SpecError(f"{where}: expected 1 to {MAX_SEEDS} seeds")
            out = [parse_integer(v, 0, SEED_MAX) for v in value]
            if len(set(out)) != len(out):
                raise SpecError(f"{where}: a seed is given twice")
            return out
        if isinstance(value, dict) and set(value) == {"from", "count"}:
            start = parse_integer(value["from"], 0, SEED_MAX)
            count = parse_integer(value["count"], 1, MAX_SEEDS)
            if start + count - 1 > SEED_MAX:
                raise SpecError(f"{where}: the seeds pass 2^63-1")
            return list(range(start, start + count))
    except UnitError as err:
        raise SpecError(f"{where}: {err}") from None
    raise SpecError(f"{where}: expected a count, a list of seeds, or {{ from = N, count = N }}")


def parse_spec(
    data: dict[str, Any],
    shown: str,
    folder: Path,
    *,
    seeds: int | None = None,
    duration: int | None = None,
) -> Sweep:
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise SpecError(f"{shown}: {clip(unknown[0])}: unknown key (known: {', '.join(KEYS)})")
    name = data.get("name", "")
    if not isinstance(name, str) or len(name) > 200:
        raise SpecError(f"{shown}: name: expected a string of at most 200 characters")
    refs = _list_of_names(data, "presets", MAX_PRESETS, shown)
    policies = (
        _list_of_names(data, "policies", MAX_POLICIES, shown)
        if "policies" in data
        else _default_policies()
    )
    if duration is None and "length" in data:
        try:
            duration = parse_duration(data["length"])
        except UnitError as err:
            raise SpecError(f"{shown}: length: {err}") from None
        if duration <= 0:
            raise SpecError(f"{shown}: length: expected more than 0s")
    known = known_modules()
    files: dict[str, PolicyFile] = {}
    for i, policy in enumerate(policies):
        for part in split_policy(policy, f"{shown}: policies[{i}]", known):
            if is_policy_file(part) and part not in files:
                files[part] = _read_policy(folder, part, shown)
    params = _params(data.get("params", {}), policies, known, shown)
    sysctls = _sysctls(data.get("sysctl", {}), shown)
    configs = build_configs(policies, params, sysctls, files, known, f"{shown}: policies")
    presets: list[SweepPreset] = []
    for i, ref in enumerate(refs):
        presets.append(
            _preset(ref, folder, data.get("seeds", 4) if seeds is None else seeds, shown, i)
        )
    baseline = data.get("baseline")
    labels = [c.label for c in configs]
    if baseline is not None and baseline not in labels:
        raise SpecError(
            f"{shown}: baseline: {clip(str(baseline))}: not one of the configurations "
            f"({clip(', '.join(labels), 200)})"
        )
    sweep = Sweep(
        name,
        presets,
        configs,
        duration,
        baseline,
        [col for axis in params.items() for col in _param_columns(axis)],
        [f"sysctl.{name}" for name in sysctls],
    )
    if sweep.count() > MAX_RUNS:
        raise SpecError(f"{shown}: expands to {sweep.count():,} runs: at most {MAX_RUNS:,}")
    try_configs(sweep, shown)
    return sweep


def _param_columns(axis: tuple[str, dict[str, list[Any]]]) -> list[str]:
    module, table = axis
    return [f"{module}.{param}" for param in table]


BASE_CONFIGS = ("none", "oom_panic", "oom_kill", "oom_kill_parent", "oom_kill+oom_kill_parent")
EXTRA_POLICIES = ("oom_kill_allocating", "oom_score_adj", "earlyoom")
"""Added to the default set when the module registry has them."""


def default_configs() -> list[str]:
    """The configurations compared when none are named: the patch's, then the later ones."""
    known = known_modules()
    return [*BASE_CONFIGS, *(name for name in EXTRA_POLICIES if name in known)]


def _default_policies() -> list[str]:
    return default_configs()


def _read_policy(folder: Path, part: str, shown: str) -> PolicyFile:
    path = Path(part) if Path(part).is_absolute() else folder / part
    try:
        source = read_user_file(path, limit=MAX_FILE, name=part)
    except UserFileError as err:
        raise SpecError(f"{shown}: policies: {err}") from None
    return PolicyFile(part, source)


def _params(
    table: object, policies: list[str], known: dict[str, Any], shown: str
) -> dict[str, dict[str, list[Any]]]:
    """``[params.oom_kill_parent] oom_parent_max = [2, 5, 10]``: by module (a policy file
    as the policies list writes it), by parameter."""
    if not isinstance(table, dict):
        raise SpecError(f"{shown}: params: expected a table of modules")
    used = {part for policy in policies if policy != "none" for part in policy.split("+")}
    out: dict[str, dict[str, list[Any]]] = {}
    for module, params in table.items():
        where = f"{shown}: params.{clip(module)}"
        if module not in used:
            raise SpecError(f"{where}: no policy of the sweep loads it")
        if not isinstance(params, dict) or not params:
            raise SpecError(f"{where}: expected a table of parameters")
        for param, values in params.items():
            if BARE_KEY.fullmatch(param) is None or len(param) > 60:
                raise SpecError(f"{where}: {clip(param)}: not a parameter name")
            cls = known.get(module)
            names = {p.name for p in getattr(cls, "params", ())} if cls is not None else None
            if names is not None and param not in names:
                raise SpecError(
                    f"{where}.{param}: no such parameter of {module} "
                    f"(it has: {', '.join(sorted(names)) or 'none'})"
                )
            out.setdefault(module, {})[param] = _values(values, f"{where}.{param}")
    return out


def _sysctls(table: object, shown: str) -> dict[str, list[Any]]:
    """``[sysctl] "kernel.panic" = [0, 10]``: each sysctl by its dotted name (a nested
    table ``kernel = { panic = … }`` is read the same)."""
    if not isinstance(table, dict):
        raise SpecError(f"{shown}: sysctl: expected a table of sysctls")
    out: dict[str, list[Any]] = {}

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and depth < 4:
                walk(value, f"{name}.", depth + 1)
                continue
            parts = name.split(".")
            if len(parts) < 2 or not all(BARE_KEY.fullmatch(p) for p in parts):
                raise SpecError(f"{shown}: sysctl: {clip(name)}: not a sysctl name (kernel.panic)")
            out[name] = _values(value, f"{shown}: sysctl.{name}")

    walk(table, "", 0)
    return out


def _preset(ref: str, folder: Path, seeds: object, shown: str, i: int) -> SweepPreset:
    """A preset the sweep names: shipped or the user's by name, or a path (relative to the
    sweep file)."""
    where = f"{shown}: presets[{i}]"
    target: str | Path = ref
    if "/" in ref or ref.endswith(".toml"):
        target = Path(ref) if Path(ref).is_absolute() else folder / ref
    try:
        source = read_preset(target)
        base = source.load()
    except PresetError as err:
        raise SpecError(f"{where}: {err}") from None
    from ..presets.families import FamilyError, find, variants

    try:
        data = loads_toml(source.text)
        drawn = find(data)
        for variant in variants(data) if drawn else ():  # a family: as `check` tries it
            source.load(draw=variant)
    except (FamilyError, TomlError) as err:  # parsed already by load(): not expected
        raise SpecError(f"{where}: {err}") from None
    except PresetError as err:
        raise SpecError(f"{where}: {err}") from None
    return SweepPreset(ref, source, base, drawn, _seeds(seeds, base.spec.seed, shown))


def try_configs(sweep: Sweep, shown: str) -> None:
    """Each preset under each configuration loaded once, before any run: a module
    parameter or a sysctl the kernel refuses is told now, in one line, not by a worker."""
    for preset in sweep.presets:
        for config in sweep.configs:
            try:
                scenario = preset.source.load(overrides=overrides_for(preset.base, config))
            except PresetError as err:
                raise SpecError(f"{shown}: {config.label}: {err}") from None
            if config.files:  # a policy file's parameters are the kernel's to check
                _try_files(scenario, config, f"{shown}: {config.label}")


def _try_files(scenario: Scenario, config: Config, where: str) -> None:
    from ..kernel.module import ModuleError
    from ..modules.plugins import insmod_source
    from ..sim import Simulation

    sim = Simulation(scenario)
    for file, args in config.files:
        try:
            insmod_source(sim.kernel.modules, file.path, file.source, args)
        except ModuleError as err:
            raise SpecError(f"{where}: {err}") from None
