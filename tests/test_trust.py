"""A stranger's preset, a hostile console line or an odd file never runs code, never writes a
file, never crashes: one regression test (or a few) per failure once found, vectors 1 to 15.

Each test names what it protects; its docstring says which vector it pins. The mechanisms
behind them have their own tests (tests/test_userfiles.py, tests/kernel/test_units.py,
tests/shell/test_shell_profile.py, tests/kernel/test_module.py) and the fuzzers
(tests/test_fuzz.py) try them on thousands of inputs.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from moomtui import cli
from moomtui.kernel import BootError, BootSpec, TaskSpec
from moomtui.kernel.constants import HZ, PID_MAX
from moomtui.kernel.module import ModuleError
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.printk import KERN_ALERT
from moomtui.machine import boot
from moomtui.modules import REGISTRY
from moomtui.modules.api import Policy
from moomtui.presets import PresetError, PresetEvent, load_preset, parse_preset
from moomtui.shell import Session, Shell
from moomtui.shell.lines import LINE_BREAKS, MAX_LINE
from moomtui.shell.profile import LOCAL_CONSOLE, PRESET, SCRIPT, SERVED
from moomtui.sim import Simulation
from moomtui.tui.history import TRIM_AT, History
from moomtui.tui.themes import discover_themes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "oom_kill_youngest.py"


# ============================================================================ helpers
@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user preset, theme or history of the real home; the tests' own instead."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def evil_policy(folder: Path) -> Path:
    """A policy file that leaves a mark beside itself if it ever runs."""
    path = folder / "evil.py"
    path.write_text(
        "import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('ran')\n"
        "from moomtui.modules.api import Policy\nclass Evil(Policy):\n    pass\n"
    )
    return path


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``moomtui ARGV`` in-process: its status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("moomtui") and "Traceback" not in err
    return lines[0]


def finishes_within(seconds: float, fn: Callable[[], object]) -> object:
    """``fn()`` on a daemon thread: what it returned, or a failure if it blocks."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"blocked for more than {seconds} s"
    return box[0] if box else None


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, every control character and separator escaped."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif not c.isprintable():
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def preset_text(*events: str, extra: str = "") -> str:
    body = 'name = "t"\n' + extra
    for i, run in enumerate(events):
        body += f'[[events]]\nat = "{i}s"\nrun = {toml_string(run)}\n'
    return body


def scenario_with_events(*runs: str) -> Simulation:
    """leaky-apache with events the checker never saw: what the run itself enforces."""
    scenario = load_preset("leaky-apache")
    scenario.events = [PresetEvent(1, run) for run in runs]
    return Simulation(scenario)


def preset_outputs(sim: Simulation, seconds: int = 2) -> list[tuple[str, int, str]]:
    answers: list[tuple[str, int, str]] = []
    sim.on_command = lambda run: answers.append((run.line, run.result.status, run.result.output))
    sim.run_for(seconds * HZ)
    return answers


# ============================================================ 1. code through a line break
@pytest.mark.parametrize("brk", list(LINE_BREAKS), ids=[f"U+{ord(c):04X}" for c in LINE_BREAKS])
def test_a_preset_event_with_a_line_break_is_refused_naming_the_key(
    brk: str, tmp_path: Path
) -> None:
    """Vector 1: ``run = "insmod oom_kill_parent\\ninsmod evil.py"`` passed check as one
    command and ran as two; every separator ``str.splitlines()`` knows did it."""
    evil = evil_policy(tmp_path)
    text = preset_text("cat /proc/meminfo", f"insmod oom_kill_parent{brk}insmod {evil}")
    with pytest.raises(PresetError) as err:
        parse_preset(text, "x.toml")
    message = str(err.value)
    assert message.startswith(f"x.toml: events[1].run: syntax error: line break (U+{ord(brk):04X})")
    assert len(message.splitlines()) == 1
    assert not (tmp_path / "RAN").exists()


@pytest.mark.parametrize("brk", list(LINE_BREAKS), ids=[f"U+{ord(c):04X}" for c in LINE_BREAKS])
def test_a_line_break_never_splits_one_command_into_two_where_it_runs(
    brk: str, tmp_path: Path
) -> None:
    """Vector 1, where the line runs (the screen, scripts and ``compare`` share it): the
    whole line is refused, under every profile, so nothing after the break runs."""
    evil = evil_policy(tmp_path)
    line = f"insmod oom_kill_parent{brk}insmod {evil}"
    sim = scenario_with_events(line)
    (answer,) = preset_outputs(sim)
    assert answer[1] == 2 and "line break" in answer[2]
    for profile in (LOCAL_CONSOLE, SCRIPT, PRESET, SERVED):
        result = sim.shell.execute(line, profile=profile)
        assert result.status == 2 and "a command is one line" in result.output
    assert sim.kernel.modules.state("oom_kill_parent") == "available"
    assert not (tmp_path / "RAN").exists()


def test_a_preset_cannot_boot_another_preset_or_a_file(tmp_path: Path) -> None:
    """Vector 1 (second route): an event ``boot OTHER.toml`` loaded a preset whose events
    ran code; ``boot`` is no preset command, checked and where it runs."""
    other = tmp_path / "other.toml"
    other.write_text(preset_text(f"insmod {evil_policy(tmp_path)}"))
    for run in (f"boot {other}", "boot fork-bomb"):
        with pytest.raises(
            PresetError, match=r"events\[0\]\.run: boot: Operation not permitted in a preset"
        ):
            parse_preset(preset_text(run), "x.toml")
    sim = scenario_with_events(f"boot {other}")
    assert preset_outputs(sim) == [
        (f"boot {other}", 126, "moomsh: boot: Operation not permitted in a preset")
    ]
    assert sim.scenario.key == "leaky-apache" and not (tmp_path / "RAN").exists()


# ============================================================ 2. a preset writes files
def test_a_preset_never_writes_a_file(tmp_path: Path) -> None:
    """Vector 2: an event ``script save -f FILE`` overwrote the file, also after an event
    ``su user``. Neither is a preset command; the file is untouched."""
    target = tmp_path / "precious.txt"
    target.write_text("mine\n")
    for run in (f"script save -f {target}", "su user"):
        with pytest.raises(PresetError, match=r"Operation not permitted in a preset"):
            parse_preset(preset_text(run), "x.toml")
    sim = scenario_with_events("su user", f"script save -f {target}", f"script save {target}2")
    answers = preset_outputs(sim)
    assert [status for _, status, _ in answers] == [126, 126, 126]
    assert target.read_text() == "mine\n" and not Path(f"{target}2").exists()
    assert sim.session.uid == 0


# ============================================================ 3. boot as a user
def test_boot_needs_root_as_reboot_does() -> None:
    """Vector 3: a non-root user could ``boot`` another preset while ``reboot`` was
    refused."""
    sim = Simulation(load_preset("classic-leak"))
    sh = sim.shell
    assert sh.execute("su user").status == 0
    assert sh.execute("reboot").output == "reboot: must be superuser."
    result = sh.execute("boot fork-bomb")
    assert (result.status, result.output) == (1, "boot: must be superuser.")
    assert sim.scenario.key == "classic-leak"
    assert "fork-bomb" in sh.execute("boot").output.splitlines()  # listing is for anyone
    sh.execute("su")
    assert sh.execute("boot fork-bomb").status == 0 and sim.scenario.key == "fork-bomb"


# ============================================================ 4. compare and Ctrl+C
def _children(pid: int) -> list[int]:
    found: list[int] = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):
            found += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    return found


def _ignores_sigint(pid: int) -> bool:
    """Whether process ``pid`` ignores SIGINT (``SigIgn`` in ``/proc/PID/status``)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    ignored = next(line for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(ignored.split()[1], 16) >> (signal.SIGINT - 1) & 1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_stops_compare_and_every_worker_with_status_130(tmp_path: Path) -> None:
    """Vector 4: Ctrl+C did not stop ``compare``; it and its workers ran 300 s later.
    Here the runs would take minutes; after SIGINT to the process group the command exits
    130 and no worker is left (timing is measured in docs/benchmarks.md, not here)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "moomtui", "compare", "fork-bomb", "--seeds", "3", "--for", "20m"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = _children(proc.pid)
        assert len(workers) >= 2, "the workers never started"
        while not all(_ignores_sigint(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)  # each worker has started and left Ctrl+C to the main process
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        for _ in range(100):
            if not any(_alive(w) for w in workers):
                break
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
        assert b"Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "1e20"], "argument --seeds: expected an integer from 1 to 1000"),
        (["--seeds", "100000000000000000000"], "argument --seeds: expected an integer from 1 to"),
        (["--seeds", "1001"], "argument --seeds: expected an integer from 1 to 1000"),
        (["--jobs", "65"], "argument --jobs: expected an integer from 1 to 64"),
        (["--for", "25h"], "argument --for: expected a duration"),
    ],
)
def test_compare_has_bounds(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Vector 4: ``--seeds 1e20`` had no bound and memory grew."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(["compare", "leaky-apache", *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1


# ============================================================ 5. ghost handlers
class HalfInit(Policy):
    """Registers its handler and a sysctl, then fails."""

    name = "oom_half"

    def init(self) -> int:
        super().init()
        from moomtui.kernel.sysctl import IntCell

        self.register_sysctl("vm.half_knob", IntCell(1))
        raise RuntimeError("half way")


class RefusingInit(HalfInit):
    name = "oom_refusing"

    def init(self) -> int:
        with contextlib.suppress(RuntimeError):
            super().init()
        return -12  # -ENOMEM


class StubbornExit(Policy):
    """Its exit raises before it takes its handler off the chain."""

    name = "oom_stubborn"

    def exit(self) -> None:
        raise ValueError("will not go")


def test_a_failed_init_or_a_raising_exit_leaves_no_ghost_handler() -> None:
    """Vector 5: a policy whose init failed after registering, or whose exit raised,
    stayed on the OOM chain; ``rmmod`` said "not loaded" while the handler ran, ``insmod``
    added a second copy, and ``check_invariants()`` did not notice."""
    registry = {**REGISTRY, **{c.name: c for c in (HalfInit, RefusingInit, StubbornExit)}}
    k = boot(BootSpec(kconfig={"CONFIG_OOM_KILL": "m"}), registry=registry)
    k.modules.insmod("oom_kill")
    chain, keys = k.oom.chain, k.sysctl.keys()
    for name, message in (
        ("oom_half", "insmod: oom_half: init_module: kernel oops (RuntimeError: half way)"),
        ("oom_refusing", "insmod: oom_refusing: init_module: Cannot allocate memory"),
    ):
        for _ in range(2):
            with pytest.raises(ModuleError, match=f"^{re.escape(message)}$"):
                k.modules.insmod(name)
            assert k.oom.chain == chain and k.sysctl.keys() == keys
            assert k.check_invariants() == []
    k.modules.insmod("oom_stubborn")
    assert [nb.name for nb in k.oom.chain] == ["oom_kill", "oom_stubborn"]
    with pytest.raises(ModuleError, match="cleanup_module: kernel oops"):
        k.modules.rmmod("oom_stubborn")
    assert k.oom.chain == chain and k.check_invariants() == []
    k.modules.insmod("oom_stubborn")  # loads again: one copy
    assert [nb.name for nb in k.oom.chain] == ["oom_kill", "oom_stubborn"]


class Usurper(Policy):
    """Takes every other handler off the chain and its sysctl table away, then fails."""

    name = "oom_usurper"

    def init(self) -> int:
        for nb in self.kernel.oom.chain:
            self.kernel.oom.unregister_oom_notifier(nb)
        for header in self.kernel.sysctl.headers:
            if header.path == "vm.oom":
                self.kernel.sysctl.unregister_sysctl_table(header)
        super().init()
        raise GeneratorExit


def test_a_failed_init_puts_back_even_what_it_took_away() -> None:
    """Vector 5: "exactly as before the load": the chain in the same order and the same
    ``/proc/sys`` files, whatever the failed init did."""
    registry = {**REGISTRY, "oom_usurper": Usurper}
    spec = BootSpec(kconfig={"CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"})
    k = boot(spec, registry=registry)
    k.modules.insmod("oom_kill")
    k.modules.insmod("oom_kill_parent")
    chain, keys = k.oom.chain, k.sysctl.keys()
    assert "vm.oom.oom_parent_max" in keys
    with pytest.raises(ModuleError, match="kernel oops \\(GeneratorExit\\)"):
        k.modules.insmod("oom_usurper")
    assert k.oom.chain == chain and k.sysctl.keys() == keys
    k.modules.rmmod("oom_kill_parent")  # its own table is still its own to remove
    assert not k.sysctl.exists("vm.oom.oom_parent_max") and k.check_invariants() == []


def test_a_ghost_on_the_oom_chain_breaks_an_invariant() -> None:
    """Vector 5: the invariant that was missing: every block on the chain belongs to a
    loaded module."""
    from moomtui.kernel.notifier import NotifierBlock

    k = boot(BootSpec())
    assert k.check_invariants() == []
    k.oom.register_oom_notifier(NotifierBlock(lambda nb, val, data: 0, name="ghost"))
    assert k.check_invariants() == ["OOM chain: block ghost belongs to no loaded module"]


# ============================================================ 6. kconfig, then reboot
def test_kconfig_y_then_reboot_boots_the_whole_machine() -> None:
    """Vector 6: ``kconfig CONFIG_OOM_KILL=y`` then ``reboot`` on leaky-apache — the
    documented use of kconfig — was an internal error and left a half-booted machine with
    every task gone. The preset's ``insmod oom_kill`` now finds it built in, says so in the
    log, and the boot goes on."""
    sim = Simulation(load_preset("leaky-apache"))
    tasks = len(sim.kernel.tasks)
    sh = sim.shell
    assert sh.execute("kconfig CONFIG_OOM_KILL=y").status == 0
    result = sh.execute("reboot")
    assert (result.status, result.output) == (0, "Restarting system.")
    k = sim.kernel
    assert len(k.tasks) == tasks and k.modules.state("oom_kill") == "built-in"
    assert [nb.name for nb in k.oom.chain] == ["oom_kill"]
    assert any("built into the kernel" in r.text for r in k.log.records())
    assert k.check_invariants() == []


# ============================================================ 7. deep TOML
DEEP = "[" * 2000 + "]" * 2000


def test_deeply_nested_toml_is_one_line_wherever_it_is_read(
    tmp_path: Path, isolated_home: Path
) -> None:
    """Vector 7: deeply nested TOML raised RecursionError in check, run, ``--set``; as a
    user theme it crashed the app at start; as a user preset it broke ``moomtui``,
    ``moomtui presets`` and ``moomtui run ANY``."""
    deep = tmp_path / "deep.toml"
    deep.write_text(f'name = "x"\nlength = {DEEP}\n')
    for argv in (["check", str(deep)], ["run", str(deep)]):
        status, _, err = run_cli(*argv)
        assert status == 2
        assert one_line(err).endswith("nested more than 16 levels deep (at line 2, column 26)")
    status, _, err = run_cli("run", "classic-leak", "--for", "1s", "--set", f"length={DEEP}")
    assert status == 2 and "expected" in one_line(err)
    config = isolated_home / "config" / "moomtui"
    (config / "presets").mkdir(parents=True)
    (config / "themes").mkdir(parents=True)
    (config / "presets" / "deep.toml").write_text(f"x = {DEEP}\n")
    (config / "themes" / "deep.toml").write_text(f"x = {DEEP}\n")
    _, errors = discover_themes()
    assert errors == [
        f"{config / 'themes' / 'deep.toml'}: line 1, column 21: nested more than 16 levels deep"
    ]
    status, out, _ = run_cli("presets")
    assert status == 0
    listed = re.sub(r"\n +", " ", out)  # the listing wraps a description to the width
    assert re.search(
        r"^deep +\(cannot be read: nested more than 16 levels deep \(at line 1, column 21\)\) "
        r"\(yours\)$",
        listed,
        re.M,
    )
    status, _, _ = run_cli("run", "classic-leak", "--for", "1s")
    assert status == 0
    status, _, err = run_cli("run", "deep")
    assert status == 2
    assert one_line(err).endswith("nested more than 16 levels deep (at line 1, column 21)")


# ============================================================ 8. special files
@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.toml"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_without_blocking_wherever_a_file_is_read(
    fifo: Path, isolated_home: Path
) -> None:
    """Vector 8: a FIFO as the history file, a user theme or a user preset hung the app;
    ``insmod`` of a FIFO hung; so would ``--script`` and ``check``."""
    history = finishes_within(5, lambda: History(fifo))
    assert isinstance(history, History) and history.path is None
    assert history.warning == (
        f"history: {fifo}: not a regular file (a FIFO): this session's history is kept in "
        "memory only"
    )
    config = isolated_home / "config" / "moomtui"
    for kind in ("themes", "presets"):
        (config / kind).mkdir(parents=True, exist_ok=True)
        os.mkfifo(config / kind / "fifo.toml")
    themes = finishes_within(5, discover_themes)
    assert isinstance(themes, tuple) and any("a FIFO" in e for e in themes[1])
    status, out, _ = finishes_within(5, lambda: run_cli("presets"))  # type: ignore[misc]
    assert status == 0 and re.search(r"^fifo +\(cannot be read", out, re.M)
    for argv in (
        ["check", str(fifo)],
        ["run", "classic-leak", "--script", str(fifo)],
        ["run", "fifo"],
    ):
        status, _, err = finishes_within(5, lambda a=argv: run_cli(*a))  # type: ignore[misc]
        assert status == 2 and one_line(err).endswith("not a regular file (a FIFO)")
    sh = Shell(Session(boot(BootSpec())))
    result = finishes_within(5, lambda: sh.execute(f"insmod {fifo}"))
    assert result.output == f"insmod: {fifo}: not a regular file (a FIFO)"  # type: ignore[union-attr]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_never_read_endlessly(tmp_path: Path) -> None:
    """Vector 8: history linked to /dev/zero read until MemoryError; ``--script /dev/zero``
    hung; ``insmod /dev/zero`` took 2 GB."""
    link = tmp_path / "history"
    link.symlink_to("/dev/zero")
    history = finishes_within(5, lambda: History(link))
    assert isinstance(history, History) and history.lines == [] and history.path is None
    history.add("lsmod")  # memory only: /dev/zero is never written either
    assert history.lines == ["lsmod"]
    status, _, err = finishes_within(  # type: ignore[misc]
        5, lambda: run_cli("run", "classic-leak", "--script", "/dev/zero")
    )
    assert (
        status == 2
        and one_line(err) == "moomtui: /dev/zero: not a regular file (a character device)"
    )
    sh = Shell(Session(boot(BootSpec())))
    result = finishes_within(5, lambda: sh.execute("insmod /dev/zero"))
    assert result.output == "insmod: /dev/zero: not a regular file (a character device)"  # type: ignore[union-attr]


# ============================================================ 9. nan, inf, 400 digits
NINES = "9" * 400


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("length", "nan"),
        ("length", "inf"),
        ("length", f'"{NINES}s"'),
        ("length", "1e400"),
        ("machine.ram", f'"{NINES}M"'),
        ("machine.ram", NINES),
        ("machine.swap_speed", '"nanM/s"'),
        ("goals.survive", "-inf"),
    ],
)
def test_nan_inf_and_huge_numbers_in_a_preset_are_one_line(key: str, value: str) -> None:
    """Vector 9: ``nan``, ``inf`` or 400-digit numbers in sizes and durations raised
    OverflowError or ValueError in presets."""
    table, _, leaf = key.rpartition(".")
    text = 'name = "x"\n' + (f"[{table}]\n" if table else "") + f"{leaf} = {value}\n"
    with pytest.raises(PresetError) as err:
        parse_preset(text, "x.toml")
    assert str(err.value).startswith(f"x.toml: {key}: expected")
    assert len(str(err.value)) < 300


@pytest.mark.parametrize(
    "argv",
    [
        ["--for", "nan"],
        ["--for", f"{NINES}s"],
        ["--for", "1e400s"],
        ["--set", "length=nan"],
        ["--set", f"machine.ram={NINES}"],
        ["--set", f"machine.ram={NINES}M"],
    ],
)
def test_nan_inf_and_huge_numbers_on_the_command_line_are_one_line(argv: list[str]) -> None:
    """Vector 9: the same in ``--for`` and ``--set``."""
    try:
        status, _, err = run_cli("run", "classic-leak", *argv)
    except SystemExit as exit_:  # argparse's own one-line usage error
        assert exit_.code == 2
        return
    assert status == 2 and len(one_line(err)) < 300


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("swapon nan", "swapon: nan: expected a size like"),
        (f"swapon {NINES}M", "swapon: 99999999"),
        ("swapon 1e400", "swapon: 1e400: expected a size like"),
        ("spawn hog rate=nanM/s", "spawn: rate: expected a rate like"),
        (f"spawn hog rate={NINES}M/s", "spawn: rate: expected a rate like"),
        (f"spawn leak limit={NINES}", "spawn: limit: expected a size like"),
        ("step inf", "step: inf: expected a number of jiffies or a duration"),
        (f"step {NINES}", "step: 9999999"),
        (f"kill {NINES}", "kill: 9999999"),
    ],
)
def test_nan_inf_and_huge_numbers_at_the_console_are_one_line(line: str, answer: str) -> None:
    """Vector 9: the same at the console: ``swapon``, ``spawn``, ``step``."""
    sh = Shell(Session(boot(BootSpec())))
    result = sh.execute(line)
    assert result.status != 0 and result.output.startswith(answer), result.output
    assert "internal error" not in result.output and len(result.output) < 300


# ============================================================ 10. three small crashes
def test_printk_can_be_written_minus_one_from_the_console_and_a_preset() -> None:
    """Vector 10: ``sysctl -w kernel.printk=-1`` was an IndexError (console and presets).
    2.4 stores -1 (no range check): nothing reaches the console any more."""
    k = boot(BootSpec())
    sh = Shell(Session(k))
    assert sh.execute("sysctl -w kernel.printk=-1").output == "kernel.printk = -1"
    assert sh.execute("cat /proc/sys/kernel/printk").output == "-1\t4\t1\t7"
    assert k.log.console_loglevel == -1
    scenario = parse_preset(
        'name = "x"\n[kernel.sysctl]\n"kernel.printk" = "-1"\n'
        + preset_text("echo -1 > /proc/sys/kernel/printk").replace('name = "t"\n', ""),
        "x.toml",
    )
    sim = Simulation(scenario)
    assert [a[1] for a in preset_outputs(sim)] == [0]
    assert sim.kernel.printk_levels.values == (-1, 4, 1, 7)


def test_boot_with_a_300_byte_name_is_one_line() -> None:
    """Vector 10: ``boot`` with a 300-byte name was an internal error (ENAMETOOLONG)."""
    sim = Simulation(load_preset("classic-leak"))
    result = sim.shell.execute("boot " + "x" * 300)
    assert result.status == 1 and result.output.endswith(": File name too long")
    assert len(result.output) < 300
    result = sim.shell.execute("boot " + "x" * 300, profile=SERVED)
    assert result.status == 126
    assert "Operation not permitted in a served session (boot takes preset names here)" in (
        result.output
    )


def test_a_policy_file_without_py_loads(tmp_path: Path) -> None:
    """Vector 10: ``insmod ./youngest`` (a policy file without ``.py``, a form the docs
    show) was an AssertionError."""
    shutil.copy(EXAMPLE, tmp_path / "youngest")
    k = boot(BootSpec())
    sh = Shell(Session(k))
    with contextlib.chdir(tmp_path):
        result = sh.execute("insmod ./youngest")
    assert (result.status, result.output) == (0, "")
    assert k.modules.state("oom_kill_youngest") == "loaded"
    assert "filename:    ./youngest" in sh.execute("modinfo oom_kill_youngest").output


# ============================================================ 11. --trace
@pytest.mark.parametrize("target", ["/dev/full", "/proc/version"])
def test_a_trace_that_cannot_be_written_is_one_line(target: str) -> None:
    """Vector 11: ``--trace /dev/full`` and ``--trace /proc/version`` were tracebacks. The
    run itself still runs and prints; the failed output is one line and status 1."""
    if not Path(target).exists():
        pytest.skip(f"no {target}")
    status, out, err = run_cli("run", "classic-leak", "--for", "2s", "--trace", target)
    assert status in (1, 2)
    assert one_line(err).startswith(f"moomtui: --trace {target}: ")
    if status == 1:
        assert "--- Classic leak" in out or "simulated" in out


def test_a_trace_to_a_fifo_without_a_reader_does_not_hang(tmp_path: Path) -> None:
    """Vector 11: the trace is opened without blocking."""
    fifo = tmp_path / "trace"
    os.mkfifo(fifo)
    status, _, err = finishes_within(  # type: ignore[misc]
        5, lambda: run_cli("run", "classic-leak", "--for", "1s", "--trace", str(fifo))
    )
    assert status == 2 and one_line(err) == f"moomtui: --trace {fifo}: No such device or address"


# ============================================================ 12. BaseException in a policy
@pytest.mark.parametrize("exc", [KeyboardInterrupt, GeneratorExit, SystemExit, KernelPanic])
def test_a_policy_raising_a_base_exception_is_an_oops(exc: type[BaseException]) -> None:
    """Vector 12: a policy raising ``KeyboardInterrupt`` or ``GeneratorExit`` escaped the
    oops guard and ended the run. So would ``KernelPanic`` raised by hand on a machine that
    has not panicked."""

    class Raising(Policy):
        name = "oom_raising"

        def on_out_of_memory(self) -> None:
            raise exc("from a policy")

    k = boot(
        BootSpec(ram_pages=4096, tasks=[TaskSpec(comm="leak", program="leak", rss=8)]),
        registry={**REGISTRY, "oom_raising": Raising},
    )
    k.modules.insmod("oom_raising")
    k.run_for(60 * HZ)
    texts = [(r.level, r.text) for r in k.log.records()]
    assert (
        KERN_ALERT,
        f"Oops: moomtui policy oom_raising raised {exc.__name__}: from a policy",
    ) in texts
    assert k.modules.state("oom_raising") == "available" and "oom_raising" in k.modules.tainted
    assert k.check_invariants() == []


def test_a_real_ctrl_c_inside_a_policy_still_stops_the_run() -> None:
    """Vector 12, the other side: a real SIGINT (recorded by the command line's handler)
    is not a policy's oops."""
    from moomtui.interrupt import recording

    class Slow(Policy):
        name = "oom_slow"

        def on_out_of_memory(self) -> None:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)

    k = boot(
        BootSpec(ram_pages=4096, tasks=[TaskSpec(comm="leak", program="leak", rss=8)]),
        registry={**REGISTRY, "oom_slow": Slow},
    )
    k.modules.insmod("oom_slow")
    with recording(), pytest.raises(KeyboardInterrupt):
        k.run_for(60 * HZ)
    assert "oom_slow" not in k.modules.tainted


def test_the_kernels_own_panic_unwinding_passes_the_guard() -> None:
    """Vector 12, with ``panic()`` that never returns: once the machine has panicked,
    ``KernelPanic`` goes on to the kernel's entry points instead of being taken for an
    oops; the policy that panicked stays loaded and untainted."""

    class Panicking(Policy):
        name = "oom_panicking"

        def on_out_of_memory(self) -> None:
            self.panic("Out of memory: the policy gives up")

    k = boot(
        BootSpec(ram_pages=4096, tasks=[TaskSpec(comm="leak", program="leak", rss=8)]),
        registry={**REGISTRY, "oom_panicking": Panicking},
    )
    k.modules.insmod("oom_panicking")
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory()  # not an entry point: the panic goes through
    assert k.panicked == "Out of memory: the policy gives up"
    k.run_for(HZ)  # the tick is: the machine stays stopped, nothing escapes
    assert k.modules.state("oom_panicking") == "loaded" and not k.modules.tainted


# ============================================================ 14. history
def test_history_write_errors_are_told_once_and_typing_goes_on(tmp_path: Path) -> None:
    """Vector 14: history write errors after start were never shown: typed lines were
    silently not saved."""
    path = tmp_path / "history"
    history = History(path)
    history.add("lsmod")
    assert history.take_warning() is None
    path.unlink()
    path.mkdir()  # the file is gone, a folder in its place: appends fail
    history.add("free")
    warning = history.take_warning()
    assert warning == f"history: cannot write {path}: Is a directory (kept in memory)"
    history.add("uptime")
    history.add("dmesg")
    assert history.take_warning() is None  # once
    assert history.lines == ["lsmod", "free", "uptime", "dmesg"]


def test_trimming_keeps_a_linked_history_a_link(tmp_path: Path) -> None:
    """Vector 14: trimming history turned a symlinked history file into a plain file. It
    is rewritten through the link; the link and the file's permissions stay."""
    real = tmp_path / "elsewhere" / "my-history"
    real.parent.mkdir()
    real.write_text("".join(f"old {i}\n" for i in range(TRIM_AT)))
    real.chmod(0o600)
    link = tmp_path / "history"
    link.symlink_to(real)
    history = History(link)
    history.add("the newest line")
    assert link.is_symlink() and os.readlink(link) == str(real)
    lines = real.read_text().splitlines()
    assert lines[-1] == "the newest line" and len(lines) == 1000
    assert real.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in real.parent.iterdir()) == [".my-history.lock", "my-history"]


def test_history_survives_a_command_that_fails(tmp_path: Path) -> None:
    """Vector 14: every line is on disk before it runs, whatever it does."""
    path = tmp_path / "history"
    history = History(path)
    for line in ("insmod /dev/zero", "step 1" + "0" * 400, "sysctl -w kernel.printk=-1"):
        history.add(line)
    assert History(path).lines == [
        "insmod /dev/zero",
        "step 1" + "0" * 400,
        "sysctl -w kernel.printk=-1",
    ]


# ============================================================ 15. bounds
def test_too_many_preset_tasks_say_so() -> None:
    """Vector 15: over 32,761 preset tasks reported "pid -11 is taken"."""
    text = 'name = "x"\n' + '[[tasks]]\ncomm = "a"\ncount = 20000\n' * 2
    with pytest.raises(PresetError) as err:
        parse_preset(text, "x.toml")
    assert str(err.value) == (
        f"x.toml: tasks[1]: too many tasks: 40000 with their threads, and only 32761 pids "
        f"(7 to {PID_MAX - 1}) to give them"
    )
    spec = BootSpec(ram_pages=1 << 20, tasks=[TaskSpec(comm="a")] * (PID_MAX - 6))
    with pytest.raises(BootError, match=f"no free pid \\(pid_max is {PID_MAX}\\)"):
        boot(spec)


def test_error_lines_stay_short() -> None:
    """Vector 15: error lines were up to 200,000 characters long."""
    huge = "x" * 200_000
    for text in (
        f'name = "{huge}"\n',
        f'name = "x"\n{huge} = 1\n',
        f'name = "x"\nseed = "{huge}"\n',
    ):
        with pytest.raises(PresetError) as err:
            parse_preset(text, "x.toml")
        assert len(str(err.value)) < 300
    sh = Shell(Session(boot(BootSpec())))
    for line in (f"kill {'y' * 4000}", f"swapon {'y' * 4000}", f"cat {'y' * 4000}", "z" * 4000):
        assert all(len(out) < 300 for out in sh.execute(line).output.splitlines())


def test_a_megabyte_console_line_is_refused_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vector 15: a 1 MB console line took seconds. A line is at most 4096 characters, and
    its length is checked before anything reads it: it is not scanned, split or completed
    (what it costs is measured in docs/benchmarks.md, not here)."""
    from moomtui.shell import lines, shell

    read: list[str] = []
    control = lines._CONTROL

    class Watched:
        def search(self, line: str) -> object:
            read.append("scanned")
            return control.search(line)

    monkeypatch.setattr(lines, "_CONTROL", Watched())
    monkeypatch.setattr(shell, "complete_line", lambda sh, line: read.append("completed") or [])
    sh = Shell(Session(boot(BootSpec())))
    result = sh.execute("echo " + "a " * 500_000)
    assert result == result.__class__(
        f"moomsh: line too long (1000005 characters; at most {MAX_LINE})", 2
    )
    assert sh.complete("echo " + "a " * 500_000) == []
    assert read == []
    assert sh.execute("echo a").status == 0 and sh.complete("ech") == []
    assert read == ["scanned", "completed"]  # a line of the right size is read as usual


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "classic-leak", "--for", "25h"], "at most 24h"),
        (["run", "classic-leak", "--seed", "-1"], "expected an integer from 0 to"),
        (["--seed", "-1"], "expected an integer from 0 to"),
        (["run", "classic-leak", "--seed", "1" * 20], "expected an integer from 0 to"),
    ],
)
def test_for_and_seed_are_bounded(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Vector 15: ``--for`` had no upper bound; ``--seed -1`` was accepted though presets
    require 0 or more."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1


# ============================================================ the last resort
def test_the_command_lines_last_resort_is_one_line_and_status_70(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The guard for what nobody has found yet: one line with a hint, status 70."""
    from moomtui import headless

    def broken(*args: object, **kwargs: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(headless, "run", broken)
    monkeypatch.delenv("MOOMTUI_DEBUG", raising=False)
    status, _, err = run_cli("run", "classic-leak")
    assert status == 70
    assert one_line(err) == (
        "moomtui: internal error: ZeroDivisionError: a bug (a bug in moomtui: please report it "
        "with what you did; MOOMTUI_DEBUG=1 shows the traceback)"
    )
