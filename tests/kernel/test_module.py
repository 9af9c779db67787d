"""The module loader (insmod/rmmod/lsmod/modinfo) and the Kconfig tristates of mm/Config.in."""

from __future__ import annotations

import ctypes
import itertools
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.kernel.errno import EBUSY
from moomtui.kernel.events import Event, ModuleLoad, ModuleUnload
from moomtui.kernel.kconfig import (
    DEFCONFIG,
    KCONFIG_MODULES,
    KCONFIG_OPTIONS,
    KCONFIG_PROMPTS,
    KconfigError,
    resolve_kconfig,
)
from moomtui.kernel.module import KernelModule, ModuleError, ModuleParam, strtoul
from moomtui.kernel.module_loader import ModuleLoader
from moomtui.kernel.printk import KERN_ALERT

KERN_INFO = 6
PANIC, KILL, KPPID = KCONFIG_OPTIONS


@dataclass
class FakeKernel:
    jiffies: int = 0
    boot: int = 1
    current_uid: int = 0
    log: list[tuple[int, str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def printk(self, level: int, text: str) -> None:
        self.log.append((level, text))

    def emit(self, event: Event) -> None:
        event.stamp(self.jiffies, self.boot)
        self.events.append(event)

    def module_events(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        for event in self.events:
            if isinstance(event, ModuleLoad):
                out.append(("load", event.name, event.builtin))
            elif isinstance(event, ModuleUnload):
                out.append(("unload", event.name, event.reason))
        return out


class Handler(KernelModule):
    """Prints the seed's info() lines and notes which events existed when it ran."""

    author = "test"
    size = 1000
    seen_at_init: int
    seen_at_exit: int

    def init(self) -> int:
        self.seen_at_init = len(self.kernel.events)
        self.kernel.printk(KERN_INFO, f"Out of Memory: Installing {self.name} handler")
        return 0

    def exit(self) -> None:
        self.seen_at_exit = len(self.kernel.events)
        self.kernel.printk(KERN_INFO, f"Out of Memory: Unregistered {self.name} handler")


class Panic(Handler):
    name = "oom_panic"
    description = "Panic on out of memory conditions"
    size = 1024
    kconfig = "CONFIG_OOM_PANIC"


class Classic(Handler):
    name = "oom_kill"
    description = """This option enables the traditional oom_kill.c mechanism for
    killing processes in an attempt to recover from an out-of-memory
    condition."""
    author = "Rik van Riel"
    size = 2304
    kconfig = "CONFIG_OOM_KILL"


class Parent(Handler):
    name = "oom_kill_parent"
    description = "Kill parents that keep producing bad children"
    author = "Tvrtko A. Ursulin"
    size = 3456
    kconfig = "CONFIG_OOM_KPPID"
    params = (
        ModuleParam("oom_parent_max", "i", "Maximum number of bad childs parent can produce", 10),
        ModuleParam(
            "oom_parent_expire",
            "i",
            "Time period in seconds after which parents past sins are forgotten",
            300,
            ctype="uint",
        ),
    )


class Ranged(Handler):
    name = "oom_ranged"
    description = "A policy with a bounded tunable"
    size = 512
    params = (ModuleParam("level", "i", "How hard to try", 1, minimum=0, maximum=3),)


class Extra(Handler):
    name = "oom_extra"
    description = "A later policy outside mm/Config.in"
    size = 777


class Busy(Handler):
    name = "oom_busy"
    description = "Its init fails with EBUSY"
    size = 100

    def init(self) -> int:
        return -EBUSY


class Crashy(Handler):
    name = "oom_crashy"
    description = "Its init raises"
    size = 100

    def init(self) -> int:
        raise RuntimeError("NULL pointer dereference\nat virtual address 00000000")


class CrashyExit(Handler):
    name = "oom_crashy_exit"
    description = "Its exit raises"
    size = 100

    def exit(self) -> None:
        raise ZeroDivisionError("division by zero")


ALL: tuple[type[KernelModule], ...] = (
    Parent,
    Extra,
    Classic,
    Panic,
    Ranged,
    Busy,
    Crashy,
    CrashyExit,
)
REGISTRY: dict[str, type[KernelModule]] = {cls.name: cls for cls in ALL}


def make(
    choice: dict[str, str] | None = None, registry: dict[str, type[KernelModule]] | None = None
) -> tuple[FakeKernel, ModuleLoader]:
    kernel = FakeKernel()
    loader = ModuleLoader(
        kernel, REGISTRY if registry is None else registry, resolve_kconfig(choice or {})
    )
    loader.boot()
    return kernel, loader


def error_of(fn: Any, *args: Any) -> str:
    with pytest.raises(ModuleError) as info:
        fn(*args)
    return str(info.value)


# --- Kconfig: mm/Config.in ----------------------------------------------------------------


def test_kconfig_options_prompts_and_objects_follow_the_seed() -> None:
    assert KCONFIG_OPTIONS == ("CONFIG_OOM_PANIC", "CONFIG_OOM_KILL", "CONFIG_OOM_KPPID")
    assert [KCONFIG_PROMPTS[o] for o in KCONFIG_OPTIONS] == ["Panic", "Classic", "Kill parents"]
    assert [KCONFIG_MODULES[o] for o in KCONFIG_OPTIONS] == [
        "oom_panic",
        "oom_kill",
        "oom_kill_parent",
    ]


def test_defconfig_builds_the_classic_killer_in() -> None:
    assert resolve_kconfig({}) == DEFCONFIG
    assert DEFCONFIG == {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "y", "CONFIG_OOM_KPPID": "n"}


def test_panic_y_demotes_both_others_to_m() -> None:
    # if [ "$CONFIG_OOM_PANIC" = "y" ]; then ... define_bool CONFIG_OOM_KILL = m
    #                                        ... define_bool CONFIG_OOM_KPPID = m
    assert resolve_kconfig({PANIC: "y", KILL: "y", KPPID: "y"}) == {
        PANIC: "y",
        KILL: "m",
        KPPID: "m",
    }


def test_panic_y_demotes_the_defconfig_classic_y() -> None:
    # tristate 'Panic' CONFIG_OOM_PANIC is asked first, then define_bool CONFIG_OOM_KILL = m
    assert resolve_kconfig({PANIC: "y"}) == {PANIC: "y", KILL: "m", KPPID: "n"}


def test_classic_y_demotes_kill_parents_when_panic_is_not_y() -> None:
    # if [ "$CONFIG_OOM_KILL" = "y" ]; then ... define_bool CONFIG_OOM_KPPID = m
    assert resolve_kconfig({PANIC: "m", KILL: "y", KPPID: "y"}) == {
        PANIC: "m",
        KILL: "y",
        KPPID: "m",
    }


def test_kill_parents_y_alone_stays_y() -> None:
    # tristate 'Kill parents' CONFIG_OOM_KPPID: nothing earlier was y, nothing demotes it
    assert resolve_kconfig({KILL: "m", KPPID: "y"}) == {PANIC: "n", KILL: "m", KPPID: "y"}


def test_all_n_is_allowed() -> None:
    # "or no OOM at all": every tristate may be n
    assert resolve_kconfig({PANIC: "n", KILL: "n", KPPID: "n"}) == {
        PANIC: "n",
        KILL: "n",
        KPPID: "n",
    }


@pytest.mark.parametrize("values", list(itertools.product("ymn", repeat=3)))
def test_first_y_in_file_order_wins_and_m_n_are_kept(values: tuple[str, str, str]) -> None:
    resolved = resolve_kconfig(dict(zip(KCONFIG_OPTIONS, values, strict=True)))
    first_y = values.index("y") if "y" in values else None
    for index, option in enumerate(KCONFIG_OPTIONS):
        expected = values[index]
        if expected == "y" and index != first_y:
            expected = "m"
        assert resolved[option] == expected


def test_bad_tristate_value_is_refused_naming_option_and_value() -> None:
    with pytest.raises(KconfigError, match=r"CONFIG_OOM_KILL.*'yes'"):
        resolve_kconfig({KILL: "yes"})
    with pytest.raises(KconfigError, match="CONFIG_OOM_PANIC"):
        resolve_kconfig({PANIC: "Y"})


def test_unknown_option_is_refused() -> None:
    with pytest.raises(KconfigError, match="CONFIG_OOM_FOO"):
        resolve_kconfig({"CONFIG_OOM_FOO": "y"})


def test_loader_refuses_a_config_with_a_bad_value() -> None:
    with pytest.raises(KconfigError, match="CONFIG_OOM_KILL"):
        ModuleLoader(FakeKernel(), REGISTRY, {KILL: "x"})


def test_loader_refuses_a_registry_key_that_is_not_the_module_name() -> None:
    with pytest.raises(ValueError, match="oom_kill"):
        ModuleLoader(FakeKernel(), {"classic": Classic}, DEFCONFIG)


# --- boot ----------------------------------------------------------------------------------


def test_boot_inits_builtins_in_kconfig_order_not_registry_order() -> None:
    registry = {"oom_kill_parent": Parent, "oom_kill": Classic, "oom_panic": Panic}
    config = {PANIC: "y", KILL: "y", KPPID: "y"}  # unresolved on purpose: three built-ins
    kernel = FakeKernel()
    loader = ModuleLoader(kernel, registry, config)
    loader.boot()
    assert [m.name for m in loader.loaded()] == ["oom_panic", "oom_kill", "oom_kill_parent"]
    assert kernel.module_events() == [
        ("load", "oom_panic", True),
        ("load", "oom_kill", True),
        ("load", "oom_kill_parent", True),
    ]
    assert all(m.builtin for m in loader.loaded())


def test_boot_with_defconfig() -> None:
    kernel, loader = make()
    assert loader.state("oom_kill") == "built-in"
    assert loader.state("oom_panic") == "not built"
    assert loader.state("oom_kill_parent") == "not built"
    assert loader.state("oom_extra") == "available"
    assert loader.state("oom_nonesuch") == "not built"
    assert (KERN_INFO, "Out of Memory: Installing oom_kill handler") in kernel.log
    assert [m.name for m in loader.loaded()] == ["oom_kill"]


def test_all_n_boots_with_no_handler() -> None:
    kernel, loader = make({PANIC: "n", KILL: "n", KPPID: "n"})
    assert loader.loaded() == []
    assert kernel.events == []


def test_builtin_init_that_raises_does_not_stop_boot() -> None:
    class CrashyBuiltin(Crashy):
        kconfig = "CONFIG_OOM_PANIC"

    registry = {"oom_crashy": CrashyBuiltin, "oom_kill": Classic}
    kernel = FakeKernel()
    loader = ModuleLoader(kernel, registry, {PANIC: "y", KILL: "y", KPPID: "n"})
    loader.boot()
    assert [m.name for m in loader.loaded()] == ["oom_kill"]
    assert loader.state("oom_crashy") == "built-in"
    assert kernel.log[0][0] == KERN_ALERT
    assert "oom_crashy" in loader.tainted


def test_boot_again_forgets_loaded_modules_and_taint() -> None:
    _, loader = make()
    loader.insmod("oom_extra")
    loader.taint("oom_kill", "oops")
    loader.boot()
    assert [m.name for m in loader.loaded()] == ["oom_kill"]
    assert loader.tainted == set()
    assert loader.lsmod().endswith("Not tainted")


# --- insmod / rmmod -----------------------------------------------------------------------


def test_insmod_then_rmmod_prints_the_seed_messages_and_updates_state() -> None:
    kernel, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent")
    assert loader.state("oom_kill_parent") == "loaded"
    assert loader.get("oom_kill_parent") is module
    assert module.builtin is False
    loader.rmmod("oom_kill_parent")
    assert loader.state("oom_kill_parent") == "available"
    assert loader.get("oom_kill_parent") is None
    assert kernel.log[-2:] == [
        (KERN_INFO, "Out of Memory: Installing oom_kill_parent handler"),
        (KERN_INFO, "Out of Memory: Unregistered oom_kill_parent handler"),
    ]


def test_modprobe_is_insmod() -> None:
    _, loader = make()
    assert loader.modprobe("oom_extra").name == "oom_extra"
    assert loader.state("oom_extra") == "loaded"


def test_builtin_cannot_be_removed() -> None:
    """2.4's ``sys_delete_module``: ``if ((mod = find_module(name)) == NULL) { ... goto
    out; }`` with ``error = -ENOENT`` (a built-in is not on ``module_list``), and
    modutils' rmmod: ``if (errno == ENOENT) error("module %s is not loaded", argv[i]);``
    — then moomtui's hint."""
    _, loader = make()
    assert error_of(loader.rmmod, "oom_kill").splitlines() == [
        "rmmod: module oom_kill is not loaded",
        "Hint: oom_kill is built into the kernel (CONFIG_OOM_KILL=y), not a module: "
        "kconfig CONFIG_OOM_KILL=m and reboot to make it one",
    ]
    assert loader.state("oom_kill") == "built-in"


def test_builtin_cannot_be_inserted_again() -> None:
    _, loader = make()
    assert error_of(loader.insmod, "oom_kill") == (
        "insmod: oom_kill: built into the kernel (CONFIG_OOM_KILL=y): no module by that name found"
    )


def test_n_module_cannot_be_inserted() -> None:
    # obj-$(CONFIG_OOM_KILL) += oom_kill.o: with n there is no oom_kill.o
    _, loader = make({KILL: "n"})
    assert error_of(loader.insmod, "oom_kill") == (
        "insmod: oom_kill: not built (CONFIG_OOM_KILL=n): no module by that name found"
    )
    assert loader.state("oom_kill") == "not built"


def test_already_loaded() -> None:
    _, loader = make()
    loader.insmod("oom_extra")
    assert error_of(loader.insmod, "oom_extra") == "insmod: a module named oom_extra already exists"
    assert [m.name for m in loader.loaded()] == ["oom_kill", "oom_extra"]


def test_not_loaded() -> None:
    _, loader = make()
    assert error_of(loader.rmmod, "oom_extra") == "rmmod: module oom_extra is not loaded"


def test_unknown_module() -> None:
    _, loader = make()
    assert error_of(loader.insmod, "oom_foo") == "insmod: oom_foo: no module by that name found"
    assert error_of(loader.rmmod, "oom_foo") == "rmmod: module oom_foo is not loaded"


def test_non_root_is_refused() -> None:
    kernel, loader = make({KPPID: "m"})
    loader.insmod("oom_extra")
    kernel.current_uid = 500
    assert error_of(loader.insmod, "oom_kill_parent") == "insmod: Operation not permitted"
    assert error_of(loader.rmmod, "oom_extra") == "rmmod: Operation not permitted"
    assert [m.name for m in loader.loaded()] == ["oom_kill", "oom_extra"]


def test_tool_messages_come_from_the_machine_s_errno_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """``strerror(-ret)`` is the simulated C library's, whatever the host would print."""
    monkeypatch.setattr(os, "strerror", lambda _n: "the host's wording")
    kernel, loader = make()
    assert error_of(loader.insmod, "oom_busy") == (
        "insmod: oom_busy: init_module: Device or resource busy"
    )
    module = loader.insmod("oom_extra")
    module.use_count = 1
    assert error_of(loader.rmmod, "oom_extra") == "rmmod: oom_extra: Device or resource busy"
    kernel.current_uid = 500
    assert error_of(loader.rmmod, "oom_extra") == "rmmod: Operation not permitted"


def test_use_count_blocks_rmmod() -> None:
    _, loader = make()
    module = loader.insmod("oom_extra")
    module.use_count = 1
    assert error_of(loader.rmmod, "oom_extra") == "rmmod: oom_extra: Device or resource busy"
    assert loader.state("oom_extra") == "loaded"
    module.use_count = 0
    loader.rmmod("oom_extra")
    assert loader.state("oom_extra") == "available"


# --- parameters ---------------------------------------------------------------------------


def test_params_take_defaults() -> None:
    _, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent")
    assert module.oom_parent_max == 10  # type: ignore[attr-defined]
    assert module.oom_parent_expire == 300  # type: ignore[attr-defined]


# modutils 2.4.16 insmod/insmod.c, process_module_arguments(), for MODULE_PARM(x, "i"):
#     if ((input = strchr(*argv, '=')) == NULL)
#         continue;
#     ...
#     while (*input) {
#         case 'i': *(int *) loc = strtoul(input, &input, 0);
#         while (*input && isspace(*input)) ++input;
#         if (*input == '\0') break;
#         if (*input == ',') { if (max && (++n > max)) error("too many values for %s (max %d)", ...
#         } else error("invalid argument syntax for %s: '%c'", key, *input);
#     }
# and i386's strtoul: a 32-bit unsigned long, ULONG_MAX on overflow, "-" negating it.


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        ("0x10", 16),
        ("0X1f", 31),
        ("010", 8),
        ("0", 0),
        ("-1", -1),
        ("+7", 7),
        ("-0x10", -16),
        (" 5", 5),  # strtoul skips leading white space
        ("\t\n 5", 5),
        ("5 ", 5),  # while (*input && isspace(*input)) ++input;
        ("  +12\t", 12),
        ("   ", 0),  # *(int *) loc = strtoul("   ", ...): no digit, 0 is stored
        ("7\0junk", 7),  # argv is a C string: it ends at the NUL
    ],
)
def test_params_are_read_as_modutils_strtoul_reads_them(text: str, value: int) -> None:
    """``*(int *) loc = strtoul(input, &input, 0);`` for ``MODULE_PARM(oom_parent_max,
    "i")`` (an ``int`` in the test module)."""
    _, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent", [f"oom_parent_max={text}"])
    assert module.oom_parent_max == value  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("abc", "a"),
        ("08", "8"),  # octal: strtoul stops at the 8
        ("0x", "x"),  # glibc: no hex digit after 0x, end points at the x
        ("0xg", "x"),
        ("0o17", "o"),
        ("0b1", "b"),
        ("1_0", "_"),
        ("1.5", "."),
        ("-", "-"),
        ("5 x", "x"),
        ("\x1b]0;t", "\\x1b"),  # a control character is shown, not sent
    ],
)
def test_a_value_strtoul_stops_short_of_is_modutils_syntax_error(text: str, where: str) -> None:
    """``error("invalid argument syntax for %s: '%c'", key, *input);`` at the character
    ``strtoul`` stopped at; nothing is loaded."""
    _, loader = make({KPPID: "m"})
    assert error_of(loader.insmod, "oom_kill_parent", [f"oom_parent_max={text}"]) == (
        f"insmod: oom_kill_parent: invalid argument syntax for oom_parent_max: '{where}'"
    )
    assert loader.state("oom_kill_parent") == "available"


@pytest.mark.parametrize("text", ["5,6", "5,", ",", "1 , 2"])
def test_more_than_one_value_is_too_many(text: str) -> None:
    """``MODULE_PARM(x, "i")`` is one value (``min = max = 1``): ``if (max && (++n > max))
    { error("too many values for %s (max %d)", key, max); return 0; }``."""
    _, loader = make({KPPID: "m"})
    assert error_of(loader.insmod, "oom_kill_parent", [f"oom_parent_max={text}"]) == (
        "insmod: oom_kill_parent: too many values for oom_parent_max (max 1)"
    )


def test_an_empty_value_keeps_the_default() -> None:
    """``while (*input) {`` never runs for ``oom_parent_max=``: nothing is stored and
    nothing is printed."""
    kernel, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent", ["oom_parent_max=", "oom_parent_expire=60"])
    assert module.oom_parent_max == 10  # type: ignore[attr-defined]
    assert module.oom_parent_expire == 60  # type: ignore[attr-defined]
    loaded = kernel.events[-1]
    assert isinstance(loaded, ModuleLoad) and loaded.params == ("oom_parent_expire=60",)


def test_an_empty_value_after_a_value_keeps_the_value() -> None:
    _, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent", ["oom_parent_max=3", "oom_parent_max="])
    assert module.oom_parent_max == 3  # type: ignore[attr-defined]


def test_unknown_param_is_refused() -> None:
    _, loader = make({KPPID: "m"})
    assert error_of(loader.insmod, "oom_kill_parent", ["oom_foo=1"]) == (
        "insmod: oom_kill_parent: unknown parameter oom_foo"
    )


@pytest.mark.parametrize("word", ["oom_parent_max", "oom_foo", "verbose", "-"])
def test_an_argument_without_equals_is_ignored(word: str) -> None:
    """``if ((input = strchr(*argv, '=')) == NULL) continue;`` — silently."""
    kernel, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent", [word, "oom_parent_expire=7"])
    assert module.oom_parent_max == 10  # type: ignore[attr-defined]
    assert module.oom_parent_expire == 7  # type: ignore[attr-defined]
    assert kernel.log[-1] == (KERN_INFO, "Out of Memory: Installing oom_kill_parent handler")


def test_int_param_wraps_unsigned_input_to_signed() -> None:
    _, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent", ["oom_parent_max=0xffffffff"])
    assert module.oom_parent_max == -1  # type: ignore[attr-defined]


def test_uint_param_wraps_negative_input_to_unsigned() -> None:
    _, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent", ["oom_parent_expire=-1"])
    assert module.oom_parent_expire == 4294967295  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("4294967295", 4294967295),
        ("4294967296", 4294967295),  # ERANGE: ULONG_MAX, which modutils does not check
        ("99999999999999999999", 4294967295),
        ("0x123456789", 4294967295),
        ("-4294967296", 4294967295),  # the magnitude overflows: ULONG_MAX, not negated
        ("-4294967295", 1),  # -(4294967295) in 32-bit unsigned arithmetic
        ("-2147483649", 2147483647),
        ("-2147483648", 2147483648),
    ],
)
def test_values_past_32_bits_are_stored_as_i386_strtoul_returns_them(
    text: str, stored: int
) -> None:
    """``*(int *) loc = strtoul(input, &input, 0);`` with i386's 32-bit ``unsigned long``:
    the 32-bit pattern lands in ``static unsigned int oom_parent_expire``."""
    _, loader = make({KPPID: "m"})
    module = loader.insmod("oom_kill_parent", [f"oom_parent_expire={text}"])
    assert module.oom_parent_expire == stored  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (0, 0)),
        ("   ", (0, 0)),
        ("-", (0, 0)),
        ("+", (0, 0)),
        ("0", (0, 1)),
        ("0x", (0, 1)),
        (" 0x", (0, 2)),
        ("0xZ", (0, 1)),
        ("-0x", (0, 2)),
        ("0X1F", (31, 4)),
        ("017", (15, 3)),
        ("019", (1, 2)),
        ("  -1 ", (4294967295, 4)),
        ("4294967296x", (4294967295, 10)),
        ("１２", (0, 0)),  # fullwidth digits are not C digits
        ("\u212a", (0, 0)),  # KELVIN SIGN is not a C letter, though it lowers to k
    ],
)
def test_strtoul_is_glibcs(text: str, expected: tuple[int, int]) -> None:
    assert strtoul(text) == expected


_LIBC = ctypes.CDLL(None)  # the host's C library: glibc here; any C library's strtoul agrees


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \t\n+-0123456789xXaAfFgz.,", max_size=24))
def test_strtoul_matches_the_host_glibc(text: str) -> None:
    """The same function as the host's ``strtoul(text, &end, 0)`` with its ``unsigned
    long`` (64 bits here; the simulated i386 has 32)."""
    strtoul_c = _LIBC.strtoul
    strtoul_c.restype = ctypes.c_ulong
    strtoul_c.argtypes = (ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int)
    raw = text.encode()
    buf = ctypes.create_string_buffer(raw)
    end = ctypes.c_char_p()
    value = strtoul_c(ctypes.cast(buf, ctypes.c_char_p), ctypes.byref(end), 0)
    offset = ctypes.cast(end, ctypes.c_void_p).value - ctypes.addressof(buf)  # type: ignore[operator]
    assert strtoul(text, bits=ctypes.sizeof(ctypes.c_ulong) * 8) == (value, offset)


def test_param_range_is_checked() -> None:
    _, loader = make()
    assert error_of(loader.insmod, "oom_ranged", ["level=4"]) == (
        "insmod: invalid parameter level=4: more than the maximum 3"
    )
    assert error_of(loader.insmod, "oom_ranged", ["level=-1"]) == (
        "insmod: invalid parameter level=-1: less than the minimum 0"
    )
    assert loader.insmod("oom_ranged", ["level=3"]).level == 3  # type: ignore[attr-defined]


def test_module_param_refuses_bad_declarations() -> None:
    with pytest.raises(ValueError, match="type"):
        ModuleParam("x", "s", "a string", 0)
    with pytest.raises(ValueError, match="ctype"):
        ModuleParam("x", "i", "a long", 0, ctype="long")
    with pytest.raises(ValueError, match="default"):
        ModuleParam("x", "i", "too big", 1 << 31)


def test_kernel_module_can_be_built_directly() -> None:
    module = Parent(FakeKernel(), oom_parent_max=3)
    assert (module.oom_parent_max, module.oom_parent_expire) == (3, 300)  # type: ignore[attr-defined]
    assert (module.use_count, module.builtin) == (0, False)
    with pytest.raises(TypeError, match="oom_foo"):
        Parent(FakeKernel(), oom_foo=1)


# --- events -------------------------------------------------------------------------------


def test_events_are_emitted_in_order_with_params_and_time() -> None:
    kernel, loader = make({KPPID: "m"})
    kernel.jiffies = 500
    loader.insmod("oom_kill_parent", ["oom_parent_expire=0x3c", "oom_parent_max=5"])
    kernel.jiffies = 600
    loader.insmod("oom_extra")
    loader.rmmod("oom_kill_parent")
    assert kernel.events[1:] == [
        ModuleLoad(
            jiffies=500,
            boot=1,
            name="oom_kill_parent",
            builtin=False,
            params=("oom_parent_expire=60", "oom_parent_max=5"),
        ),
        ModuleLoad(jiffies=600, boot=1, name="oom_extra", builtin=False, params=()),
        ModuleUnload(jiffies=600, boot=1, name="oom_kill_parent", reason="rmmod"),
    ]


def test_load_event_follows_init_and_unload_event_follows_exit() -> None:
    kernel, loader = make()
    module = loader.insmod("oom_extra")
    assert module.seen_at_init == 1  # type: ignore[attr-defined]
    assert isinstance(kernel.events[1], ModuleLoad)
    loader.rmmod("oom_extra")
    assert module.seen_at_exit == 2  # type: ignore[attr-defined]
    assert isinstance(kernel.events[2], ModuleUnload)


def test_failed_init_emits_nothing() -> None:
    kernel, loader = make()
    assert error_of(loader.insmod, "oom_busy") == (
        "insmod: oom_busy: init_module: Device or resource busy"
    )
    assert loader.state("oom_busy") == "available"
    assert kernel.module_events() == [("load", "oom_kill", True)]
    assert loader.tainted == set()


def test_init_that_raises_leaves_nothing_loaded_and_the_kernel_running() -> None:
    kernel, loader = make()
    message = error_of(loader.insmod, "oom_crashy")
    assert message.startswith("insmod: oom_crashy: ")
    assert "\n" not in message
    assert kernel.log[-1] == (
        KERN_ALERT,
        "Unable to handle kernel request in module oom_crashy: "
        "RuntimeError: NULL pointer dereference at virtual address 00000000",
    )
    assert loader.state("oom_crashy") == "available"
    assert kernel.module_events() == [("load", "oom_kill", True)]
    assert loader.lsmod().splitlines()[0].endswith("Tainted: D")
    assert loader.insmod("oom_extra").name == "oom_extra"


def test_exit_that_raises_still_removes_the_module() -> None:
    kernel, loader = make()
    loader.insmod("oom_crashy_exit")
    message = error_of(loader.rmmod, "oom_crashy_exit")
    assert message.startswith("rmmod: oom_crashy_exit: ")
    assert "ZeroDivisionError" in message
    assert kernel.log[-1][0] == KERN_ALERT
    assert loader.state("oom_crashy_exit") == "available"
    assert kernel.module_events()[-1] == ("unload", "oom_crashy_exit", "rmmod")
    assert "oom_crashy_exit" in loader.tainted


def test_taint_unloads_the_module_with_the_reason() -> None:
    kernel, loader = make({KPPID: "m"})
    loader.insmod("oom_kill_parent")
    loader.taint("oom_kill_parent", "oops in out_of_memory_killer")
    assert loader.get("oom_kill_parent") is None
    assert kernel.log[-1] == (KERN_INFO, "Out of Memory: Unregistered oom_kill_parent handler")
    assert kernel.module_events()[-1] == (
        "unload",
        "oom_kill_parent",
        "oops in out_of_memory_killer",
    )
    assert loader.tainted == {"oom_kill_parent"}


def test_taint_swallows_an_exit_that_raises() -> None:
    kernel, loader = make()
    loader.insmod("oom_crashy_exit")
    loader.taint("oom_crashy_exit", "oops")
    assert loader.get("oom_crashy_exit") is None
    assert kernel.log[-1][0] == KERN_ALERT
    assert kernel.module_events()[-1] == ("unload", "oom_crashy_exit", "oops")


def test_tainted_builtin_stays_off_until_reboot() -> None:
    _, loader = make()
    loader.taint("oom_kill", "oops")
    assert loader.loaded() == []
    assert loader.state("oom_kill") == "built-in"
    assert error_of(loader.insmod, "oom_kill").startswith("insmod: oom_kill: built into")


# --- lsmod / modinfo ----------------------------------------------------------------------


def test_lsmod_lists_modules_newest_first_in_the_2_4_format() -> None:
    _, loader = make({KPPID: "m"})
    loader.insmod("oom_extra")
    parent = loader.insmod("oom_kill_parent")
    parent.use_count = 2
    assert loader.lsmod() == (
        "Module                  Size  Used by    Not tainted\n"
        "oom_kill_parent         3456   2\n"
        "oom_extra                777   0  (unused)"
    )


def test_lsmod_with_only_builtins_shows_the_header() -> None:
    _, loader = make()
    assert loader.lsmod() == "Module                  Size  Used by    Not tainted"


def test_lsmod_header_after_taint() -> None:
    _, loader = make()
    loader.taint("oom_kill", "oops")
    assert loader.lsmod() == "Module                  Size  Used by    Tainted: D"


def test_modinfo_of_a_module() -> None:
    _, loader = make({KPPID: "m"})
    assert loader.modinfo("oom_kill_parent") == (
        "filename:    /lib/modules/2.4.22-moom/kernel/mm/oom_kill_parent.o\n"
        'description: "Kill parents that keep producing bad children"\n'
        'author:      "Tvrtko A. Ursulin"\n'
        'license:     "GPL"\n'
        'parm:        oom_parent_max int, description "Maximum number of bad childs parent '
        'can produce"\n'
        'parm:        oom_parent_expire int, description "Time period in seconds after which '
        'parents past sins are forgotten"'
    )


def test_modinfo_of_a_builtin_joins_the_help_text_on_one_line() -> None:
    _, loader = make()
    assert loader.modinfo("oom_kill").splitlines() == [
        "filename:    (builtin)",
        'description: "This option enables the traditional oom_kill.c mechanism for killing '
        'processes in an attempt to recover from an out-of-memory condition."',
        'author:      "Rik van Riel"',
        'license:     "GPL"',
    ]


def test_modinfo_refuses_n_and_unknown_modules() -> None:
    _, loader = make()
    assert error_of(loader.modinfo, "oom_panic") == (
        "modinfo: oom_panic: not built (CONFIG_OOM_PANIC=n): no module by that name found"
    )
    assert error_of(loader.modinfo, "oom_foo") == "modinfo: oom_foo: no module by that name found"


def test_names_lists_every_module_known() -> None:
    _, loader = make()
    assert loader.names() == [cls.name for cls in ALL]


# --- property: loaded() is what the events say --------------------------------------------


class Plain(Handler):
    description = "A module that always loads"
    size = 10


PLAIN: dict[str, type[KernelModule]] = {
    f"mod{i}": type(f"Mod{i}", (Plain,), {"name": f"mod{i}"}) for i in range(4)
}
PLAIN["oom_busy"] = Busy
PLAIN["oom_crashy"] = Crashy
PLAIN["oom_kill"] = Classic

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insmod", "rmmod", "taint", "use", "unuse"]),
        st.sampled_from([*PLAIN, "nonesuch"]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(operations=OPERATIONS, kill=st.sampled_from("ymn"))
def test_loaded_matches_the_event_stream(operations: list[tuple[str, str]], kill: str) -> None:
    kernel = FakeKernel()
    loader = ModuleLoader(kernel, PLAIN, resolve_kconfig({KILL: kill}))
    loader.boot()
    for op, name in operations:
        before = [m.name for m in loader.loaded()]
        module = loader.get(name)
        try:
            if op == "insmod":
                loader.insmod(name)
            elif op == "rmmod":
                loader.rmmod(name)
            elif op == "taint":
                loader.taint(name, "test")
            elif module is not None:
                module.use_count = max(0, module.use_count + (1 if op == "use" else -1))
        except ModuleError:
            assert [m.name for m in loader.loaded()] == before
        replay: list[str] = []
        for event in kernel.events:
            if isinstance(event, ModuleLoad):
                assert event.name not in replay
                replay.append(event.name)
            elif isinstance(event, ModuleUnload):
                replay.remove(event.name)
        assert [m.name for m in loader.loaded()] == replay
        for listed in loader.loaded():
            assert loader.state(listed.name) in ("built-in", "loaded")
        lsmod_names = [line.split()[0] for line in loader.lsmod().splitlines()[1:]]
        assert lsmod_names == [m.name for m in reversed(loader.loaded()) if not m.builtin]
