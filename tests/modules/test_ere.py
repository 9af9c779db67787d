"""earlyoom's regexes (moomtui/modules/ere.py): POSIX extended as glibc compiles them, matched
in time linear in the name whatever the pattern.

The engine is checked against glibc's own ``regcomp``/``regexec`` (through ctypes, in the C
locale earlyoom runs in) on generated patterns and names: the same patterns compile, and
those that do match the same names. The one pattern class moomtui refuses that glibc takes —
back-references, which no automaton can match — is left out of the comparison.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
import platform
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moomtui.kernel.errno import EINVAL
from moomtui.modules import ere
from moomtui.modules.earlyoom import Earlyoom
from moomtui.modules.ere import MAX_STATES, Ere, EreError, compile_ere
from moomtui.presets import PresetError, parse_preset
from moomtui.sim import Simulation

from ..fixtures import machine
from .helpers import log_lines

REDOS = "((((a+)+)+)+)+$"
"""The reproduction: Python's ``re`` never returns on ``aaaaaaaaaaaaaa!``."""


# ------------------------------------------------------------------ glibc, for comparison
GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
REG_EXTENDED, REG_NOSUB = 1, 8


class _RegexT(ctypes.Structure):
    _fields_ = [("opaque", ctypes.c_char * 256)]  # glibc's regex_t is 64 bytes


@pytest.fixture(scope="module")
def regcomp() -> Iterator[object]:
    """``(pattern, names) -> None`` if regcomp refuses it, else one bool per name; in the
    C locale, as earlyoom (which sets no locale) runs."""
    if not GLIBC:
        pytest.skip("glibc's regcomp is the reference: this system's C library is another")
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.regcomp.argtypes = [ctypes.POINTER(_RegexT), ctypes.c_char_p, ctypes.c_int]
    libc.regexec.argtypes = [
        ctypes.POINTER(_RegexT),
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_void_p,
        ctypes.c_int,
    ]
    libc.regfree.argtypes = [ctypes.POINTER(_RegexT)]
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")

    def run(pattern: str, names: list[str]) -> list[bool] | None:
        compiled = _RegexT()
        if libc.regcomp(ctypes.byref(compiled), pattern.encode(), REG_EXTENDED | REG_NOSUB):
            return None
        try:
            return [
                libc.regexec(ctypes.byref(compiled), name.encode(), 0, None, 0) == 0
                for name in names
            ]
        finally:
            libc.regfree(ctypes.byref(compiled))

    try:
        yield run
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


def ours(pattern: str, names: list[str]) -> list[bool] | None:
    try:
        compiled = compile_ere(pattern)
    except EreError:
        return None
    return [compiled.search(name) for name in names]


TOKENS = [
    *"ab_-1 ",
    *"()|*+?.^$[]{},\\",
    "{1}",
    "{,2}",
    "{1,}",
    "{0,1}",
    "[:alpha:]",
    "[:digit:]",
    "[:space:]",
    "[=a=]",
    "[.-.]",
    "\\w",
    "\\W",
    "\\s",
    "\\b",
    "\\B",
    "\\<",
    "\\>",
    "\\`",
    "\\'",
    "é",
    "(a|b)",
    "[^a]",
    "[a-b]",
]
NAMES = st.lists(st.sampled_from([*"ab_-1 ]\\[{}.", "é", "aa", "ba"]), max_size=6).map("".join)


@pytest.mark.slow
@settings(
    max_examples=3000,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(TOKENS), max_size=8).map("".join), st.lists(NAMES, max_size=6))
def test_the_same_patterns_compile_and_match_the_same_names_as_glibc(
    regcomp: object, pattern: str, names: list[str]
) -> None:
    if any(f"\\{d}" in pattern for d in "123456789"):
        return  # back-references: glibc takes them, moomtui refuses them (tested below)
    assert callable(regcomp)
    names = ["", "a", "ab", "b a", "_1", "é", *names]
    assert ours(pattern, names) == regcomp(pattern, names), pattern


@pytest.mark.parametrize(
    "pattern",
    [
        "^(hog|leak)$",
        "mall",
        "a{,3}b",
        "[]a]",
        "[^]a]",
        "[a-]",
        "[%--]",
        "[]-a]",
        r"[\d]",
        r"\d",
        "a+?",
        "xa+?y",
        "a)",
        "a{2}{3}",
        "(a|)+b",
        r"\bfoo\b",
        r"\<foo",
        r"a\'",
        "[[:alpha:]]",
        "[[=a=]]",
        "[[.-.]a]",
        "^..$",
        "*a",
        "a{",
        "a{x}",
        "[a-c-e]",
        "[[:alpha:]-z]",
        "[z-a]",
        "a\\",
        "(a",
        "[[:foo:]]",
        "[[.space.]]",
        "x^*",
        r"\b*",
        REDOS,
    ],
)
def test_known_corners_of_glibc(regcomp: object, pattern: str) -> None:
    assert callable(regcomp)
    names = ["", "a", "aa", "aaa", "ab", "b", "hog", "smalloc", "]", "-", "\\", "d", "1"]
    names += ["xy", "xay", "a)", "aaaaaa", "a foo b", "xfoo", "é", "+", "^", "q", "a{x}"]
    assert ours(pattern, names) == regcomp(pattern, names)


# ------------------------------------------------------------------ linear, whatever the pattern
def test_the_redos_pattern_is_matched_a_byte_at_a_time() -> None:
    """The engine walks the name once: one set of states per byte, however the pattern
    nests its repeats."""
    compiled = compile_ere(REDOS)
    steps: list[int] = []
    real = Ere._step

    def counted(self: Ere, states: int, byte: int) -> int:
        steps.append(byte)
        return real(self, states, byte)

    Ere._step = counted  # type: ignore[method-assign]
    try:
        name = "aaaaaaaaaaaaaa!"
        assert compiled.search(name) is False
        assert compiled.search("aaaa") is True
    finally:
        Ere._step = real  # type: ignore[method-assign]
    assert len(steps) <= len(name) + len("aaaa")
    assert len(compiled.nfa.on) <= MAX_STATES


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "back-references (\\1 to \\9) are not supported"),
        ("(a{100}){100}", f"too big (an automaton of more than {MAX_STATES} states)"),
        ("a{40000}", "Invalid content of \\{\\}"),
        ("(unclosed", "Unmatched ( or \\("),
    ],
)
def test_what_is_not_run_is_refused_with_its_reason(pattern: str, reason: str) -> None:
    with pytest.raises(EreError) as err:
        compile_ere(pattern)
    assert str(err.value) == reason


def test_earlyoom_loads_the_redos_pattern_and_says_why_it_refuses_another() -> None:
    k = machine()
    k.modules.insmod("earlyoom", [f"prefer={REDOS}"])
    mod = k.modules.get("earlyoom")
    assert isinstance(mod, Earlyoom) and mod.prefer_re is not None
    assert mod.prefer_re.search("aaaaaaaaaaaaaa!") is False
    k.modules.rmmod("earlyoom")
    module = Earlyoom(k, avoid=r"(x)\1")
    assert module.init() == -EINVAL
    assert log_lines(k)[-1][1] == (
        r"earlyoom: regcomp: back-references (\1 to \9) are not supported"
    )


def test_a_preset_with_the_redos_pattern_runs(isolated_config: None) -> None:
    """The reproduction: a preset whose earlyoom prefers ``((((a+)+)+)+)+$`` and whose task
    is named ``aaaaaaaaaaaaaa!``; a preset with a back-reference is refused in one line."""
    text = (
        'name = "redos"\n[machine]\nram = "32M"\n'
        f'[kernel]\nmodules = ["earlyoom prefer={REDOS} mem_term=90 mem_kill=80"]\n'
        '[[tasks]]\ncomm = "aaaaaaaaaaaaaa!"\nrss = "24M"\nprogram = "idle"\n'
    )
    sim = Simulation(parse_preset(text, "redos.toml"))
    sim.run_for(200)
    assert any("earlyoom: sending SIG" in r.text for r in sim.kernel.log.records())
    with pytest.raises(PresetError) as err:
        parse_preset(text.replace(REDOS, r"'(a)\\1'"), "backref.toml")
    assert str(err.value) == (
        "backref.toml: kernel.modules[0]: insmod: earlyoom: init_module: Invalid argument "
        "(earlyoom: could not compile regexp '(a)\\1'; earlyoom: regcomp: back-references "
        '(\\1 to \\9) are not supported), got "earlyoom prefer=(a)\\\\1 mem_term=90 mem_kill=80"'
    )


@pytest.fixture
def isolated_config(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def test_the_caches_are_bounded() -> None:
    compiled = compile_ere("a|b")
    for i in range(ere.MAX_CACHED * 2):
        compiled.search(f"name{i}")
    assert len(compiled._answers) <= ere.MAX_CACHED
    assert len(compiled._closures) <= ere.MAX_CACHED
