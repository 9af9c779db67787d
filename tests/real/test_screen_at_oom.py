"""The rebuilt machine on the screen is the machine *at* the OOM: the report's free memory,
its kernel's memory held, the report named in the header, the victim marked, ``explain``."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from moomtui.kernel.bootspec import boot_kernel_pages
from moomtui.presets import parse_preset
from moomtui.real.advice import advise
from moomtui.real.preset import machine_preset
from moomtui.real.rebuild import rebuild_log
from moomtui.real.report import read_log
from moomtui.real.screen import MARK, RealMachineApp, summary_lines
from moomtui.real.verdict import judge
from moomtui.sim import Simulation
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.process_view import ProcessView
from moomtui.tui.components.status import StatusLine

ROOT = Path(__file__).resolve().parents[2]
JAVA = ROOT / "examples" / "reports" / "java-5.15.txt"
K8S = ROOT / "examples" / "reports" / "k8s-memcg-6.8.txt"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(Input, "cursor_blink", False)
    return tmp_path


def booted(path: Path):  # type: ignore[no-untyped-def]
    (machine,) = rebuild_log(read_log(path.read_text()), path.name)
    preset = machine_preset(machine, path.name)
    return machine, preset, Simulation(parse_preset(preset.text, "t"))


def test_the_machine_boots_with_the_reports_free_memory_and_its_page_cache() -> None:
    # Mem-Info: "free:33512", "active_file:118 inactive_file:161" (4 KiB pages, as here).
    machine, preset, sim = booted(JAVA)
    vm = sim.kernel.vm
    assert vm.free == machine.meminfo["free"] == 33512
    assert vm.cache == 118 + 161
    # MemTotal is still the real totalram_pages: the kernel holds the rest, for good.
    spec = sim.kernel.spec
    assert spec.ram_pages - boot_kernel_pages(spec.ram_pages) == machine.totalram
    assert vm.kernel_pages == (
        boot_kernel_pages(spec.ram_pages) + spec.kernel_memory + 2 * len(sim.kernel.tasks)
    )
    assert spec.kernel_memory > 0
    assert sim.kernel.check_invariants() == []
    assert any("free memory at boot as at the OOM (33512 pages)" in n for n in preset.notes)


def test_a_memory_cgroup_boots_with_what_was_left_below_its_limit() -> None:
    machine, _, sim = booted(K8S)
    assert machine.memcg is not None and machine.memcg.usage == machine.memcg.limit
    # Nothing was left; the simulator keeps its min watermark free at boot.
    assert sim.kernel.vm.free == sim.kernel.vm.pages_min + 1


@pytest.mark.slow
async def test_the_header_names_the_report_and_explain_works_on_the_victim(
    tmp_path: Path,
) -> None:
    machine, preset, sim = booted(JAVA)
    app = RealMachineApp(
        sim,
        marked=preset.victim,
        lines=summary_lines(machine, preset),
        history_path=tmp_path / "history",
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        status = app.query_one(StatusLine).plain
        assert "Postmortem report 1 (java-5.15.txt:1), java killed" in status
        view = app.query_one(ProcessView)
        assert view.marks == {1640: MARK}
        selected = view.selected
        assert selected is not None and selected.task.pid == 1640
        await pilot.press("colon")
        prompt = app.query_one(ConsoleView).input
        prompt.value = "explain 1640"
        await pilot.press("enter")
        await pilot.pause()
        console = app.query_one(ConsoleView).output.plain
        assert "1640 (java) has the most points, 758" in console
        assert app.driver.paused


def test_protect_puts_the_advice_at_the_console() -> None:
    machine, preset, _ = booted(JAVA)
    lines = summary_lines(machine, preset, advise(judge(machine), "java"))
    assert "to spare java (1640):" in lines
    (own,) = [line for line in lines if line.startswith("5.9–6.x: oom_score_adj ")]
    assert own.endswith(" or lower spares it, then 2417 (node) dies")
    assert lines[-1].startswith("paused:")
    assert not any("to spare" in line for line in summary_lines(machine, preset))
