"""Policies from outside the tree: the Policy API, loading by path and by entry point, the
guard around handlers, and presets that can never run code."""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moomtui.kernel import BootSpec, Kernel
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ, PF_MEMDIE, SIGKILL
from moomtui.kernel.module import KernelModule, ModuleError
from moomtui.kernel.notifier import NotifierBlock
from moomtui.kernel.printk import KERN_ALERT, KERN_ERR, KERN_INFO, KERN_WARNING
from moomtui.machine import boot
from moomtui.modules import REGISTRY
from moomtui.modules.api import Policy
from moomtui.modules.plugins import insmod_file, is_policy_file, may_declare_modules
from moomtui.presets import PresetError, parse_preset
from moomtui.userland import PROGRAMS

from ..fixtures import NO_OOM, Recorder, machine
from .helpers import log_lines, user

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "oom_kill_youngest.py"


@pytest.fixture(autouse=True)
def _forget_the_example_import() -> Iterator[None]:
    yield
    sys.modules.pop("oom_kill_youngest", None)


def three_ages() -> Kernel:
    """db (pid 7, 1000 pages) and web (pid 8, 500 pages) from boot; cron (pid 9, 16
    pages) started ten seconds later."""
    k = machine(user("db", 1000, rss=1000), user("web", 500, rss=500), ram_pages=4096)
    k.run_for(10 * HZ)
    cron = k.spawn(PROGRAMS["idle"]({"rss": "64K"}), comm="cron", uid=1000)
    assert cron is not None and cron.pid == 9 and cron.mm is not None and cron.mm.rss == 16
    return k


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def error_of(fn: object, *args: object) -> str:
    with pytest.raises(ModuleError) as err:
        fn(*args)  # type: ignore[operator]
    return str(err.value)


# --- the example, by path --------------------------------------------------------------------


def test_the_example_loads_by_path_and_kills_the_youngest() -> None:
    k = three_ages()
    rec = Recorder(k)
    module = insmod_file(k.modules, str(EXAMPLE))
    assert isinstance(module, Policy) and module.name == "oom_kill_youngest"
    assert [nb.name for nb in k.oom.chain] == ["oom_kill_youngest"]
    assert log_lines(k)[-1] == (KERN_INFO, "Out of Memory: Installing oom_kill_youngest handler")
    k.oom.out_of_memory(k.init_task)
    assert [(e.pid, e.comm, e.module) for e in rec.kills()] == [(9, "cron", "oom_kill_youngest")]
    assert log_lines(k)[-2:] == [
        (KERN_INFO, "oom_kill_youngest: cron (9) is the youngest"),
        (KERN_ERR, "Out of Memory: Killed process 9 (cron)."),
    ]


def test_the_example_waits_for_its_victim_and_honours_min_rss() -> None:
    """``min_rss=100`` spares cron; db and web started together, so web, the newer on the
    task list, is the youngest; no second kill while it is still exiting."""
    k = three_ages()
    rec = Recorder(k)
    insmod_file(k.modules, str(EXAMPLE), ["min_rss=100"])
    k.oom.out_of_memory(k.init_task)
    k.oom.out_of_memory(k.init_task)
    assert [e.comm for e in rec.kills()] == ["web"]
    k.run_for(2)
    k.oom.out_of_memory(k.init_task)
    assert [e.comm for e in rec.kills()] == ["web", "db"]


def test_a_file_policy_is_a_module_while_it_is_loaded() -> None:
    k = three_ages()
    loader = k.modules
    insmod_file(loader, str(EXAMPLE), ["min_rss=0x10"])
    assert loader.state("oom_kill_youngest") == "loaded"
    size = str(len(EXAMPLE.read_bytes()))  # lsmod's Size: the file's, in bytes
    assert loader.lsmod().splitlines()[1].split()[:3] == ["oom_kill_youngest", size, "0"]
    info = loader.modinfo("oom_kill_youngest").splitlines()
    assert info[:2] == [
        f"filename:    {EXAMPLE}",
        'description: "Kill the youngest process with at least min_rss resident pages, one at '
        'a time."',
    ]
    assert info[-1].startswith("parm:        min_rss int, description")
    assert error_of(insmod_file, loader, str(EXAMPLE)) == (
        "insmod: a module named oom_kill_youngest already exists"
    )
    loader.rmmod("oom_kill_youngest")
    assert loader.state("oom_kill_youngest") == "not built"
    assert "oom_kill_youngest" not in loader.names() and k.oom.chain == ()
    assert log_lines(k)[-1] == (KERN_INFO, "Out of Memory: Unregistered oom_kill_youngest handler")


def test_a_policy_can_be_changed_and_reloaded_without_rebooting(tmp_path: Path) -> None:
    """rmmod, edit, insmod: the new text runs, even within the same second."""
    source = """
        from moomtui.modules.api import KERN_INFO, Policy

        class Mine(Policy):
            def init(self):
                self.printk(KERN_INFO, "mine: version 1")
                return super().init()
    """
    path = write(tmp_path, "mine.py", source)
    k = machine()
    insmod_file(k.modules, str(path))
    k.modules.rmmod("mine")
    write(tmp_path, "mine.py", source.replace("version 1", "version 2"))
    insmod_file(k.modules, str(path))
    texts = [text for _, text in log_lines(k)]
    assert texts.count("mine: version 1") == 1 and texts[-2] == "mine: version 2"
    assert [nb.name for nb in k.oom.chain] == ["mine"]


def test_helpers_register_sysctls_while_loaded(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "knob.py",
        """
        from moomtui.modules.api import IntCell, Policy

        class Knob(Policy):
            name = "oom_knob"

            def init(self):
                self.register_sysctl("vm.oom_knob_level", IntCell(3))
                return super().init()
        """,
    )
    k = machine()
    insmod_file(k.modules, str(path))
    assert k.sysctl.read("vm.oom_knob_level") == "3\n"
    k.modules.rmmod("oom_knob")
    assert not k.sysctl.exists("vm.oom_knob_level")


def test_a_reboot_forgets_file_policies() -> None:
    k = three_ages()
    insmod_file(k.modules, str(EXAMPLE))
    k.reboot()
    assert k.modules.state("oom_kill_youngest") == "not built" and k.oom.chain == ()


# --- loading errors --------------------------------------------------------------------------


def test_only_root_may_load_a_file_and_the_file_is_not_even_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "evil.py",
        """
        from pathlib import Path
        Path(__file__).with_suffix(".ran").write_text("ran")
        """,
    )
    k = machine()
    k.current_uid = 1000
    assert error_of(insmod_file, k.modules, str(path)) == "insmod: Operation not permitted"
    assert not path.with_suffix(".ran").exists()


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        ("empty.py", "x = 1\n", "no Policy subclass in file"),
        (
            "two.py",
            "from moomtui.modules.api import Policy\nclass A(Policy): ...\nclass B(Policy): ...\n",
            "2 Policy subclasses in file (A, B): expected one",
        ),
        (
            "imported.py",
            "from moomtui.modules.api import Policy\n",
            "no Policy subclass in file",
        ),
        (
            "my-policy.py",
            "from moomtui.modules.api import Policy\nclass A(Policy): pass\n",
            "module name 'my-policy' is not a C identifier of at most 60 characters",
        ),
        (
            "clash.py",
            "from moomtui.modules.api import Policy\nclass A(Policy):\n    name = 'oom_kill'\n",
            "",
        ),
    ],
)
def test_a_file_without_exactly_one_good_policy_is_refused(
    tmp_path: Path, name: str, source: str, message: str
) -> None:
    path = write(tmp_path, name, source)
    k = machine(kconfig={"CONFIG_OOM_KILL": "m"})
    expected = (
        f"insmod: {path}: {message}"
        if message
        else ("insmod: a module named oom_kill already exists")
    )
    assert error_of(insmod_file, k.modules, str(path)) == expected
    assert k.modules.loaded() == [] and not k.modules.tainted


def test_a_syntax_error_is_one_line_with_its_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", "from x import y\n\ndef f(:\n    pass\n")
    message = error_of(insmod_file, machine().modules, str(path))
    assert message.startswith(f"insmod: {path}: syntax error at line 3: ")
    assert "\n" not in message


def test_a_missing_file_is_enoent() -> None:
    assert error_of(insmod_file, machine().modules, "./no/such/policy.py") == (
        "insmod: ./no/such/policy.py: No such file or directory"
    )


def test_a_file_that_raises_while_loading_is_an_oops(tmp_path: Path) -> None:
    path = write(tmp_path, "boom.py", "raise RuntimeError('at import')\n")
    k = machine()
    assert error_of(insmod_file, k.modules, str(path)) == (
        f"insmod: {path}: kernel oops while loading (RuntimeError: at import)"
    )
    assert log_lines(k)[-1][0] == KERN_ALERT and k.modules.tainted == {"boom"}


def test_bad_parameters_are_refused_like_any_modules() -> None:
    k = machine()
    assert error_of(insmod_file, k.modules, str(EXAMPLE), ["min_rss=lots"]) == (
        "insmod: oom_kill_youngest: invalid argument syntax for min_rss: 'l'"
    )
    assert k.modules.state("oom_kill_youngest") == "not built"


@pytest.mark.parametrize(
    ("text", "is_file"),
    [
        ("./my_policy.py", True),
        ("my_policy.py", True),
        ("policies/youngest", True),
        ("oom_kill", False),
        ("oom_kill.o", False),
        ("/lib/modules/2.4.22-moom/kernel/mm/oom_kill.o", False),
    ],
)
def test_what_names_a_policy_file(text: str, is_file: bool) -> None:
    assert is_policy_file(text) is is_file


def test_insmod_by_name_never_reads_a_file() -> None:
    k = machine()
    assert error_of(k.modules.insmod, str(EXAMPLE)) == (
        f"insmod: {EXAMPLE}: no module by that name found"
    )


# --- the example, by entry point -------------------------------------------------------------


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_points: str) -> None:
    """A distribution on sys.path, as pip would leave it: the example module and a
    ``.dist-info`` whose ``entry_points.txt`` declares the ``moomtui.modules`` group."""
    site = tmp_path / "site"
    info = site / "moomtui_youngest-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: moomtui-youngest\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    shutil.copy(EXAMPLE, site / "oom_kill_youngest.py")
    monkeypatch.syspath_prepend(str(site))


def test_the_example_loads_by_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(
        tmp_path,
        monkeypatch,
        """
        [moomtui.modules]
        oom_kill_youngest = oom_kill_youngest:OomKillYoungest
        """,
    )
    k = three_ages()
    assert k.modules.state("oom_kill_youngest") == "available"
    assert k.modules.names()[: len(REGISTRY)] == list(REGISTRY)
    rec = Recorder(k)
    k.modules.insmod("oom_kill_youngest", ["min_rss=100"])
    k.oom.out_of_memory(k.init_task)
    assert [(e.comm, e.module) for e in rec.kills()] == [("web", "oom_kill_youngest")]
    k.modules.rmmod("oom_kill_youngest")
    assert k.modules.state("oom_kill_youngest") == "available"  # installed: it stays


def test_entry_points_are_looked_for_only_where_a_distribution_may_declare_them(
    tmp_path: Path,
) -> None:
    """The cheap look before importlib.metadata, on a path of folders made here: nothing
    there; a distribution of other groups only changes nothing; one that declares the group
    is found (and then loaded, as the test above shows)."""

    def dist(name: str, entry_points: str) -> None:
        info = tmp_path / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "entry_points.txt").write_text(entry_points)

    saved = sys.path[:]
    try:
        sys.path[:] = [str(tmp_path), str(tmp_path / "not-there")]
        assert not may_declare_modules()
        dist("other", "[console_scripts]\nother = other:main\n")
        assert not may_declare_modules()
        dist("policy", "[moomtui.modules]\nx = oom_kill_youngest:X\n")
        assert may_declare_modules()
    finally:
        sys.path[:] = saved


def test_an_explicit_registry_looks_for_no_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path, monkeypatch, "[moomtui.modules]\noom_kill_youngest = oom_kill_youngest:X\n")
    k = boot(BootSpec(kconfig=NO_OOM), registry=REGISTRY)
    assert k.modules.names() == list(REGISTRY)


def test_broken_entry_points_are_reported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(
        tmp_path,
        monkeypatch,
        """
        [moomtui.modules]
        missing = no_such_module_for_moomtui:Thing
        youngest = oom_kill_youngest:OomKillYoungest
        oom_kill = oom_kill_youngest:OomKillYoungest
        helper = oom_kill_youngest:ModuleParam
        """,
    )
    k = machine()
    warnings = [text for level, text in log_lines(k) if level == KERN_WARNING]
    assert warnings == [
        "moomtui: entry point missing = no_such_module_for_moomtui:Thing: cannot be loaded "
        "(ModuleNotFoundError: No module named 'no_such_module_for_moomtui'): ignored",
        "moomtui: entry point youngest = oom_kill_youngest:OomKillYoungest: names module "
        "'oom_kill_youngest', not 'youngest': ignored",
        "moomtui: entry point oom_kill = oom_kill_youngest:OomKillYoungest: names module "
        "'oom_kill_youngest', not 'oom_kill': ignored",
        "moomtui: entry point helper = oom_kill_youngest:ModuleParam: not a KernelModule "
        "subclass: ignored",
    ]
    assert k.modules.names() == list(REGISTRY)


# --- the guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "described"),
    [
        ("victims[0].pid", "IndexError: list index out of range"),
        ("raise SystemExit(3)", "SystemExit: 3"),
    ],
)
def test_a_raising_policy_is_unloaded_and_tainted_and_the_machine_runs_on(
    tmp_path: Path, statement: str, described: str
) -> None:
    path = write(
        tmp_path,
        "crashy.py",
        f"""
        from moomtui.modules.api import Policy

        class Crashy(Policy):
            def on_out_of_memory(self):
                victims = []
                {statement}
        """,
    )
    k = machine(
        user("sshd", 300, uid=0, caps=None, rss=100),
        user("hog", 0, program="hog", args={"rate": "1M/s"}),
        ram_pages=4096,
    )
    rec = Recorder(k)
    insmod_file(k.modules, str(path))
    k.modules.insmod("oom_score_adj")
    k.run_for(30 * HZ)
    assert (KERN_ALERT, f"Oops: moomtui policy crashy raised {described}") in log_lines(k)
    assert (KERN_ALERT, f"EIP: {path}:7") in log_lines(k)
    assert [(e.name, e.reason) for e in rec.of(ev.ModuleUnload)] == [("crashy", "oops")]
    assert k.modules.tainted == {"crashy"} and "Tainted: D" in k.modules.lsmod()
    assert [nb.name for nb in k.oom.chain] == ["oom_score_adj"]
    (oops_call,) = [e for e in rec.of(ev.OutOfMemory) if "crashy" in e.handlers]
    (kill,) = rec.kills()  # the next handler on the chain ran in the same call
    assert (kill.comm, kill.module, kill.jiffies) == ("hog", "oom_score_adj", oops_call.jiffies)
    assert k.panicked is None and k.oom_state() == "ok" and k.check_invariants() == []


def test_a_raising_block_that_no_module_owns_is_taken_off_the_chain() -> None:
    k = machine()

    def broken(nb: NotifierBlock, val: int, data: object) -> int:
        raise KeyError("nobody")

    block = NotifierBlock(notifier_call=broken, name="stray")
    k.oom.register_oom_notifier(block)
    assert k.oom.out_of_memory() == 0
    assert log_lines(k)[-2] == (KERN_ALERT, "Oops: moomtui policy stray raised KeyError: 'nobody'")
    assert k.oom.chain == () and k.modules.tainted == {"stray"}


def test_a_file_that_exits_while_loading_does_not_end_the_program(tmp_path: Path) -> None:
    path = write(tmp_path, "quitter.py", "import sys\nsys.exit(1)\n")
    k = machine()
    assert error_of(insmod_file, k.modules, str(path)) == (
        f"insmod: {path}: kernel oops while loading (SystemExit: 1)"
    )


class Garbage(KernelModule):
    """A handler that forgets to return NOTIFY_DONE."""

    name = "oom_garbage"
    description = "returns None"
    author = "test"
    size = 100

    kernel: Kernel

    def forgetful(self, nb: NotifierBlock, val: int, data: object) -> Any:
        """Does nothing and returns nothing."""

    def init(self) -> int:
        self.nb = NotifierBlock(notifier_call=self.forgetful, name=self.name)
        return self.kernel.oom.register_oom_notifier(self.nb)

    def exit(self) -> None:
        self.kernel.oom.unregister_oom_notifier(self.nb)


def test_a_handler_returning_garbage_counts_as_notify_done() -> None:
    k = boot(
        BootSpec(tasks=[user("a", 100, rss=100)], kconfig=NO_OOM),
        registry={**REGISTRY, "oom_garbage": Garbage},
    )
    k.modules.insmod("oom_garbage")
    k.modules.insmod("oom_kill_allocating")
    a = k.find_task_by_pid(7)
    assert a is not None
    assert k.oom.out_of_memory() == 0
    assert log_lines(k)[-1] == (
        KERN_WARNING,
        "moomtui policy oom_garbage: OOM handler returned None, not an int: taken as NOTIFY_DONE",
    )
    k.oom.out_of_memory(a)
    assert a.dead  # the chain went on to oom_kill_allocating
    assert k.modules.state("oom_garbage") == "loaded" and not k.modules.tainted


def test_the_chain_still_shows_and_unregisters_the_modules_own_blocks() -> None:
    k = machine(kconfig={"CONFIG_OOM_KILL": "m"})
    module = k.modules.insmod("oom_kill")
    (block,) = k.oom.chain
    assert block is module.oom_nb  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="already on the chain"):
        k.oom.register_oom_notifier(block)
    assert k.oom.unregister_oom_notifier(block) == 0
    assert k.oom.unregister_oom_notifier(block) == -2
    assert k.oom.chain == ()


def test_the_policy_helpers() -> None:
    k = three_ages()
    module = insmod_file(k.modules, str(EXAMPLE))
    assert isinstance(module, Policy)
    assert [t.pid for t in module.tasks()] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert module.current is None and module.jiffies == k.jiffies
    db = k.find_task_by_pid(7)
    assert db is not None and module.badness(db) > 0
    module.oom_kill_task(db)
    assert db.flags & PF_MEMDIE and db.sigpending == {SIGKILL}


# --- presets run no code ---------------------------------------------------------------------


def test_a_preset_cannot_name_a_file_in_kernel_modules(tmp_path: Path) -> None:
    evil = write(tmp_path, "evil.py", "open(__file__ + '.ran', 'w').close()\n")
    text = f'name = "t"\n[kernel]\nmodules = ["{evil}"]\n'
    with pytest.raises(PresetError) as err:
        parse_preset(text, "x.toml")
    assert str(err.value).startswith(
        'x.toml: kernel.modules[0]: expected a module name: a preset runs no code, got "/'
    )
    assert not Path(f"{evil}.ran").exists()


def test_a_preset_event_cannot_insmod_a_file() -> None:
    text = 'name = "t"\n[[events]]\nat = "1s"\nrun = "insmod ./evil.py"\n'
    with pytest.raises(PresetError) as err:
        parse_preset(text, "x.toml")
    assert "events[0].run: insmod: ./evil.py: Operation not permitted in a preset" in str(err.value)
    ok = text.replace("./evil.py", "/lib/modules/2.4.22-moom/kernel/mm/oom_kill_parent.o")
    assert parse_preset(ok, "x.toml").events[0].run.startswith("insmod /lib/modules/")
