"""Pipelines: ``dmesg | tail``, ``sysctl -a | grep oom``, ``ps aux | grep httpd``.

One command language: the console, scripts, presets' events and served sessions split a
pipeline with the one splitter, check every command of it with the same refusal, and run
each command on what the one before printed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from moomtui.kernel import TaskSpec
from moomtui.presets import PresetError, load_preset, parse_preset
from moomtui.shell import Session, Shell, check_line, split_line
from moomtui.shell import shell as shell_module
from moomtui.shell.lines import MAX_STAGES, LineError, split_pipeline
from moomtui.shell.profile import PRESET, SCRIPT, SERVED
from moomtui.sim import Simulation

from ..fixtures import machine
from .helpers import fails, ok, shell

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ splitting
def test_split_pipeline_cuts_the_commands_at_each_bar_outside_quotes() -> None:
    assert split_pipeline("ps aux | grep httpd|wc -l") == (
        [["ps", "aux"], ["grep", "httpd"], ["wc", "-l"]],
        None,
    )
    assert split_pipeline("grep 'a|b' \"c|d\" e\\|f") == ([["grep", "a|b", "c|d", "e|f"]], None)
    assert split_pipeline("echo 5 | cat > /proc/sys/kernel/panic") == (
        [["echo", "5"], ["cat"]],
        "/proc/sys/kernel/panic",
    )
    assert split_pipeline("dmesg | tail # | not a command") == ([["dmesg"], ["tail"]], None)
    assert split_pipeline("") == ([[]], None)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ps | | wc", "syntax error near unexpected token `|'"),
        ("| ps", "syntax error near unexpected token `|'"),
        ("ps |", "syntax error: no command after '|'"),
        ("ps |   # nothing", "syntax error: no command after '|'"),
        ("ps | > /proc/sys/kernel/panic", "syntax error: no command after '|'"),
        ("ps || wc", "syntax error: '||' is not supported"),
        ("ps ; wc", "syntax error: ';' is not supported"),
        ("ps & wc", "syntax error: '&' is not supported"),
        ("wc < meminfo", "syntax error: '<' is not supported"),
        ("ps | wc 'open", "syntax error: No closing quotation"),
        (
            "echo 5 > /proc/sys/kernel/panic | cat",
            "syntax error: only the last command of a pipeline may redirect",
        ),
        ("echo 1 | cat > a > b", "syntax error: only one redirection is supported"),
    ],
)
def test_a_bad_pipeline_is_one_syntax_error_with_status_2(line: str, message: str) -> None:
    with pytest.raises(LineError) as err:
        split_pipeline(line)
    assert str(err.value) == message
    sh = shell()
    assert fails(sh, line, 2) == f"moomsh: {message}"
    assert check_line(line) == message
    assert sh.session.recorded == []


def test_a_pipeline_has_at_most_max_stages_commands() -> None:
    sh = shell()
    longest = "echo hi" + " | cat" * (MAX_STAGES - 1)
    assert ok(sh, longest) == "hi"
    out = fails(sh, longest + " | cat", 2)
    assert out == f"moomsh: syntax error: a pipeline of at most {MAX_STAGES} commands"


def test_split_line_takes_one_command_only() -> None:
    """A preset's ``kernel.modules`` line is one module and its parameters."""
    assert split_line("insmod earlyoom prefer='^(a|b)$'") == (
        ["insmod", "earlyoom", "prefer=^(a|b)$"],
        None,
    )
    with pytest.raises(LineError) as err:
        split_line("insmod earlyoom prefer=^(a|b)$")
    assert str(err.value) == "syntax error: '|': one command is expected here, not a pipeline"


def test_an_unquoted_bar_in_kernel_modules_is_refused_by_the_preset_checker() -> None:
    text = 'name = "x"\n[kernel]\nmodules = ["earlyoom prefer=^(a|b)$"]\n'
    with pytest.raises(PresetError) as err:
        parse_preset(text, "x.toml")
    assert "kernel.modules[0]: syntax error: '|': one command is expected here" in str(err.value)
    quoted = text.replace("prefer=^(a|b)$", "prefer='^(a|b)$'")
    assert parse_preset(quoted, "x.toml").name == "x"


# ------------------------------------------------------------------ running
def test_each_command_reads_what_the_one_before_printed() -> None:
    sh = shell()
    log = ok(sh, "dmesg").splitlines()
    assert ok(sh, "dmesg | tail -n 2") == "\n".join(log[-2:])
    assert ok(sh, "dmesg | head -n 3 | tail -n 1") == log[2]
    assert ok(sh, "ps aux | grep kswapd").endswith("[kswapd]")
    assert ok(sh, "sysctl -a | grep panic") == "kernel.panic = 0"
    assert ok(sh, "ps aux | wc -l") == f"{len(ok(sh, 'ps aux').splitlines()):7d}"


def test_the_status_is_the_last_commands_as_in_sh() -> None:
    sh = shell()
    assert fails(sh, "dmesg | grep no-such-line", 1) == ""
    out = ok(sh, "cat /proc/nope | wc -l")  # cat failed; wc counted nothing and succeeded
    assert out.splitlines() == ["cat: /proc/nope: No such file or directory", "      0"]
    assert fails(sh, "dmesg | sort -k 0", 2) == (
        "sort: field number is zero: invalid field specification `0'"
    )


def test_errors_go_to_the_console_and_only_output_goes_down_the_pipe() -> None:
    sh = shell()
    meminfo = ok(sh, "cat meminfo").splitlines()
    out = ok(sh, "cat meminfo nope | wc -l").splitlines()
    assert out == ["cat: nope: No such file or directory", f"{len(meminfo):7d}"]
    out = fails(sh, "head -n x meminfo | cat | wc -l", 0).splitlines()
    assert out == ["head: x: invalid number of lines", "      0"]


def test_ls_into_a_pipe_writes_one_name_a_line_as_gnu_ls_does() -> None:
    sh = shell()
    assert ok(sh, "ls sys") == "kernel  vm"
    assert ok(sh, "ls sys | cat") == "kernel\nvm"
    assert ok(sh, "ls /proc | wc -l") == f"{len(ok(sh, 'ls -1 /proc').splitlines()):7d}"


def test_a_commands_text_without_its_last_newline_is_a_line_in_the_pipe() -> None:
    sh = shell()
    assert ok(sh, "uname") == "Linux"
    assert ok(sh, "uname | wc -l") == "      1"
    assert ok(sh, "echo -n abc | wc -c") == "      3"  # echo -n writes no newline
    assert ok(sh, "echo abc | wc -c") == "      4"


def test_the_redirection_writes_what_the_last_command_printed() -> None:
    sh = shell()
    assert ok(sh, "echo 7 | cat > /proc/sys/kernel/panic") == ""
    assert ok(sh, "cat sys/kernel/panic") == "7"
    assert ok(sh, "sysctl -a | grep -c panic > sys/kernel/panic") == ""
    assert ok(sh, "cat sys/kernel/panic") == "1"
    out = fails(sh, "echo 1 | cat > /proc/meminfo")
    assert out == "moomsh: cat: write error: Input/output error"
    out = fails(sh, "dmesg | grep nothing > /proc/sys/kernel/panic")
    assert out == "" and ok(sh, "cat sys/kernel/panic") == "1"  # grep failed: nothing written


def test_an_unknown_command_anywhere_runs_nothing() -> None:
    sh = shell()
    before = set(sh.kernel.tasks)
    out = fails(sh, "spawn idle | frobnicate | wc", 127)
    assert out == "moomsh: frobnicate: command not found"
    assert set(sh.kernel.tasks) == before
    assert sh.session.recorded == []


def test_the_whole_line_is_recorded_once() -> None:
    sh = shell()
    ok(sh, "dmesg | tail -n 1")
    ok(sh, "history | tail -n 1")  # history is never recorded, nor a line with it
    assert [line for _, line in sh.session.recorded] == ["dmesg | tail -n 1"]
    assert ok(sh, "history | tail -n 1").endswith("  dmesg | tail -n 1")


def test_a_panic_in_a_pipeline_is_the_answer_and_stops_it() -> None:
    hold = machine(ram_pages=4096).vm.free - 30
    k = machine(
        TaskSpec("holder", total_vm=hold, rss=hold, uid=1000, caps=0),
        kconfig={"CONFIG_OOM_PANIC": "y"},
        ram_pages=4096,
    )
    sh = Shell(Session(k))
    result = sh.execute("spawn idle | wc -l")
    assert (result.output, result.status) == ("Kernel panic: Out-Of-Memory", 1)
    assert ok(sh, "echo still | cat") == "still"


def test_a_pipe_holds_at_most_max_pipe_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    sh = shell()
    size = len(ok(sh, "ps aux")) + 1
    monkeypatch.setattr(shell_module, "MAX_PIPE", size - 1)
    out = fails(sh, "ps aux | wc -l")
    assert out == f"moomsh: ps: more than {size - 1} characters of output: too much for a pipe"
    monkeypatch.setattr(shell_module, "MAX_PIPE", size)
    assert ok(sh, "ps aux | wc -l").strip() == str(len(ok(sh, "ps aux").splitlines()))


# ------------------------------------------------------------------ profiles
def test_every_command_of_a_pipeline_is_checked_at_load() -> None:
    assert check_line("ps aux | grep -Z x") == "grep: invalid option -- Z"
    assert check_line("dmesg | tail -n 3 | wc -l") is None
    assert check_line("dmesg | frob") == "frob: command not found"
    assert check_line("dmesg | tail", PRESET) is None
    assert check_line("dmesg | less", PRESET) == "less: Operation not permitted in a preset"
    assert check_line("dmesg | insmod ./x.py", SCRIPT) == (
        "insmod: ./x.py: Operation not permitted in a script (a policy file runs code: "
        "insmod takes module names here)"
    )


def test_a_refused_command_anywhere_in_a_pipeline_runs_nothing() -> None:
    sh = shell()
    before = set(sh.kernel.tasks)
    result = sh.execute("spawn idle | less", profile=PRESET)
    assert (result.status, result.output) == (
        126,
        "moomsh: less: Operation not permitted in a preset",
    )
    assert set(sh.kernel.tasks) == before
    assert sh.execute("spawn idle | wc -l", profile=PRESET).output == "      1"
    assert len(sh.kernel.tasks) == len(before) + 1


def test_a_served_session_runs_pipelines_and_refuses_what_reaches_the_host(
    tmp_path: Path,
) -> None:
    sim = Simulation(load_preset("leaky-apache"), profile=SERVED)
    ps = sim.shell.execute("ps aux").output.splitlines()
    httpd = [line for line in ps if "httpd" in line]
    assert httpd
    result = sim.shell.execute("ps aux | grep httpd | wc -l")
    assert (result.status, result.output) == (0, f"{len(httpd):7d}")
    target = tmp_path / "out.txt"
    result = sim.shell.execute(f"script show | script save {target}")
    assert result.status == 126 and "Operation not permitted in a served session" in result.output
    assert not target.exists()


# ------------------------------------------------------------------ presets and scripts
EVENTS = """name = "pipes"
[[tasks]]
comm = "httpd"
count = 3
[[events]]
at = "1s"
run = "ps aux | grep httpd | wc -l"
[[events]]
at = "2s"
run = "{second}"
"""


def test_a_presets_events_run_pipelines_and_check_them() -> None:
    scenario = parse_preset(EVENTS.format(second="dmesg | tail -n 1"), "pipes.toml")
    outputs: list[tuple[str, str]] = []
    sim = Simulation(scenario, on_command=lambda run: outputs.append((run.line, run.result.output)))
    sim.run_for(300)
    assert outputs[0] == ("ps aux | grep httpd | wc -l", "      3")
    assert outputs[1][0] == "dmesg | tail -n 1" and outputs[1][1].startswith("[")
    with pytest.raises(PresetError) as err:
        parse_preset(EVENTS.format(second="dmesg | less"), "pipes.toml")
    assert "events[1].run: less: Operation not permitted in a preset" in str(err.value)


def run_moomtui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moomtui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


def test_moomtui_check_accepts_and_refuses_pipelines_in_events(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(EVENTS.format(second="sysctl -a | grep -c panic"))
    proc = run_moomtui("check", str(good), cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("good.toml: ok (pipes)")
    for second, problem in [
        ("dmesg | | tail", "syntax error near unexpected token `|'"),
        ("dmesg | boot no-oom", "boot: Operation not permitted in a preset"),
        ("dmesg | grep -Z x", "grep: invalid option -- Z"),
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(EVENTS.format(second=second))
        proc = run_moomtui("check", str(bad), cwd=tmp_path)
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1
        assert f"events[1].run: {problem}" in proc.stderr


def test_a_headless_run_prints_a_scripts_pipelines(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("0.5s dmesg | grep -c Linux\n1s ps aux | grep '\\[k' | wc -l\n")
    proc = run_moomtui("run", "classic-leak", "--script", str(script), "--for", "2s", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    first = lines.index("moomsh# dmesg | grep -c Linux")
    assert lines[first + 1] == "1"
    second = lines.index("moomsh# ps aux | grep '\\[k' | wc -l")
    assert lines[second + 1] == "      4"  # [keventd] [ksoftirqd_CPU0] [kswapd] [kupdated]
