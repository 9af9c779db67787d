"""The keys: the app's and the task tree's. Every binding has an id, so a keymap
(``App.set_keymap``) can remap it.

``description`` is the footer's short word; ``tooltip`` is the longer line the help screen
shows. The keys that move the focus to a text field (``:``, ``/``) are priority bindings, run
as the key arrives, so the keys typed right after them land in the field; the app declines
them while a text field has the focus, where they are typed. The grouped keys (step,
speed, modules) come last: the compact footer draws a group followed by a single key without
a space between them.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

STEP = Binding.Group("step", compact=True)
SPEED = Binding.Group("speed", compact=True)
MODULE = Binding.Group("ins/rmmod", compact=True)

APP_BINDINGS: list[BindingType] = [
    Binding("space,Z", "toggle_pause", "pause", id="sim.pause",
            tooltip="pause or resume the clock (console: pause, resume)"),
    Binding("k,f9", "kill", "kill", id="task.kill",
            tooltip="send the selected task a signal: choose it, Enter sends (console: kill)"),
    Binding("e", "explain", "explain", id="task.explain",
            tooltip="why this victim? the selected task's OOM score step by step (explain PID)"),
    Binding("n", "renice", "renice", id="task.renice",
            tooltip="change the selected task's nice value (console: renice N -p PID)"),
    Binding("s", "spawn", "spawn", id="task.spawn",
            tooltip="start a workload: hog, leak, forkbomb… (console: spawn PROGRAM)"),
    Binding("p", "presets", "presets", id="app.presets",
            tooltip="pick a preset and boot it (console: boot NAME)"),
    Binding("g", "score", "score", id="game.score",
            tooltip="the goals and the score card so far; the clock stops (console: score)"),
    Binding("colon,grave_accent", "console", "console", id="app.console", priority=True,
            tooltip="type at the console; Esc leaves it, Tab completes, ↑/↓ history"),
    Binding("slash,backslash,f4", "filter", "filter", show=False, id="tasks.filter",
            priority=True, tooltip="filter the task tree by name, pid or user:NAME; Esc clears"),
    Binding("f3", "search", "search", show=False, id="tasks.search",
            tooltip="search: type part of a name or a pid and the cursor jumps to it, F3 the "
            "next, Shift+F3 the one before; Enter or Esc closes (every task stays)"),
    Binding("shift+f3", "search(-1)", "search back", show=False, id="tasks.search_back",
            tooltip="search upwards"),
    Binding("U", "user_filter", "user", show=False, id="tasks.user",
            tooltip="show one user's tasks (htop's u; here u unloads a policy), as the "
            "filter user:NAME"),
    Binding("f2,S", "choose_columns", "columns", show=False, id="tasks.columns",
            tooltip="choose the task columns and their order (console: columns)"),
    Binding("f6", "sort_menu", "sort by", show=False, id="tasks.sort_menu",
            tooltip="choose the column to sort by"),
    Binding("z,ctrl+f", "maximize", "zoom", id="app.maximize",
            tooltip="maximize the focused panel (tasks, modules, dmesg, console); again or "
            "Esc restores; Ctrl+F also while typing"),
    Binding("y", "charts", "charts", id="app.charts",
            tooltip="history charts: memory over time with the OOM kills, the kill timeline, "
            "the selected task's RSS (console: charts)"),
    Binding("b", "rewind", "rewind", show=False, id="sim.rewind",
            tooltip="back 5 s of this run, to try something else from there (console: "
            "rewind 5s; rewind alone says how far back it can go)"),
    Binding("t", "next_theme", "theme", show=False, id="app.theme",
            tooltip="next colour theme"),
    Binding("question_mark,f1", "help", "help", id="app.help", tooltip="this help"),
    Binding("q,f10", "quit", "quit", id="app.quit", tooltip="quit"),
    Binding("escape", "cancel_step", "stop step", show=False, priority=True, id="sim.stop_step",
            tooltip="stop a long step running on the clock (only while one runs)"),
    Binding("escape", "leave_field", "leave", show=False, priority=True, id="app.leave_field",
            tooltip="leave the console for the task tree; clear and close the filter"),
    Binding("full_stop", "step(1)", "jiffy", id="sim.step", group=STEP,
            tooltip="advance one jiffy, 1/100 s (console: step 1)"),
    Binding("greater_than_sign", "step(100)", "+1s", id="sim.second", group=STEP,
            tooltip="advance one simulated second (console: step 1s)"),
    Binding("plus", "speed(1)", "faster", id="sim.faster", group=SPEED,
            tooltip="run the clock faster, up to 1000× and max (console: speed faster)"),
    Binding("minus", "speed(-1)", "slower", id="sim.slower", group=SPEED,
            tooltip="run the clock slower, down to 0.25× (console: speed slower)"),
    Binding("i", "insmod", "insmod", id="module.insmod", group=MODULE,
            tooltip="load the policy selected in the module panel (console: insmod NAME)"),
    Binding("u", "rmmod", "rmmod", id="module.rmmod", group=MODULE,
            tooltip="unload the selected policy (console: rmmod NAME)"),
]  # fmt: skip


def bound_keys(bindings: list[BindingType], binding_id: str, app: object) -> set[str]:
    """The keys binding ``binding_id`` of ``bindings`` answers to now: its own, or those the
    app's keymap (its ``keymap`` attribute, by binding id) gives it."""
    keymap: dict[str, str] = getattr(app, "keymap", {})
    for binding in bindings:
        if isinstance(binding, Binding) and binding.id == binding_id:
            return {key.strip() for key in keymap.get(binding_id, binding.key).split(",")}
    return set()


GAME_ACTIONS = frozenset(
    {
        "insmod",
        "rmmod",
        "kill",
        "explain",
        "renice",
        "spawn",
        "presets",
        "console",
        "filter",
        "score",
        "maximize",
        "search",
        "user_filter",
        "choose_columns",
        "sort_menu",
        "charts",
    }
)
"""Actions that only make sense on the main screen (not over help, a dialog or a panic)."""

PANIC_ACTIONS = frozenset(
    {
        "reboot",
        "score",
        "presets",
        "toggle_pause",
        "step",
        "speed",
        "help",
        "quit",
        "help_quit",
        "cancel_step",
    }
)
"""What the keys may do over a panicked kernel: reboot it, see the report, leave for another
preset, run or stop the countdown's clock, ask for help, quit. Nothing else runs on it (not
the palette either: its commands are the console's and the screen's)."""

CLOCK_ACTIONS = frozenset({"toggle_pause", "step"})
"""Actions that run the clock: not while the report is up."""

FOCUS_ACTIONS = frozenset({"console", "filter", "leave_field"})
"""Priority keys that move the focus to or from a text field: ``:`` and ``/`` are typed, not
run, while a text field has the focus; Esc leaves one only then."""

TASK_BINDINGS: list[BindingType] = [
    Binding("up", "cursor(-1)", "up", show=False, id="tasks.up",
            tooltip="select the task above"),
    Binding("down", "cursor(1)", "down", show=False, id="tasks.down",
            tooltip="select the task below"),
    Binding("pageup", "page(-1)", "page up", show=False, id="tasks.page_up",
            tooltip="a page up"),
    Binding("pagedown", "page(1)", "page down", show=False, id="tasks.page_down",
            tooltip="a page down"),
    Binding("home", "jump(0)", "first", show=False, id="tasks.first",
            tooltip="the first task"),
    Binding("end", "jump(-1)", "last", show=False, id="tasks.last",
            tooltip="the last task"),
    Binding("enter", "fold", "fold", show=False, id="tasks.fold",
            tooltip="fold or unfold the subtree (or double-click)"),
    Binding("left", "collapse", "collapse", show=False, id="tasks.collapse",
            tooltip="fold the subtree, or go to the parent"),
    Binding("right", "expand", "expand", show=False, id="tasks.expand",
            tooltip="unfold the subtree"),
    Binding("o", "sort_next", "sort", show=False, id="tasks.sort",
            tooltip="sort by the next column (or click a column title)"),
    Binding("M", "sort_on('rss')", "by memory", show=False, id="tasks.sort_memory",
            tooltip="sort by memory (RSS), biggest first"),
    Binding("P", "sort_on('cpu')", "by CPU", show=False, id="tasks.sort_cpu",
            tooltip="sort by CPU time, busiest first"),
    Binding("T", "sort_on('cpu')", "by time", show=False, id="tasks.sort_time",
            tooltip="sort by CPU time (the CPU column is TIME+)"),
    Binding("O,I", "sort_reverse", "reverse", show=False, id="tasks.reverse",
            tooltip="reverse the sort order"),
    Binding("v,f5", "toggle_tree", "tree/list", show=False, id="tasks.tree",
            tooltip="switch between the tree and a flat list"),
    Binding("F", "follow", "follow", show=False, id="tasks.follow",
            tooltip="follow the selected task: keep it in view, say when it dies"),
    Binding("C", "collapse_all", "fold all", show=False, id="tasks.collapse_all",
            tooltip="fold every subtree (init's children stay in view)"),
    Binding("E", "expand_all", "unfold all", show=False, id="tasks.expand_all",
            tooltip="unfold every subtree"),
    Binding("shift+right", "scroll_command(8)", "names right", show=False,
            id="tasks.command_right", tooltip="scroll the COMMAND column: deep trees' names"),
    Binding("shift+left", "scroll_command(-8)", "names left", show=False,
            id="tasks.command_left", tooltip="scroll the COMMAND column back"),
    Binding("escape", "clear_filter", "clear filter", show=False, id="tasks.clear_filter",
            tooltip="clear the / filter"),
]  # fmt: skip
"""The task tree's keys (:class:`~.components.process_view.ProcessView`), all hidden from the
footer; the help screen lists them after the app's."""

HTOP_KEYS: dict[str, frozenset[str]] = {
    "app.help": frozenset({"question_mark", "f1"}),
    "tasks.columns": frozenset({"f2", "S"}),
    "tasks.search": frozenset({"f3"}),
    "tasks.search_back": frozenset({"shift+f3"}),
    "tasks.filter": frozenset({"backslash", "f4"}),
    "tasks.tree": frozenset({"f5"}),
    "tasks.sort_menu": frozenset({"f6"}),
    "task.kill": frozenset({"k", "f9"}),
    "app.quit": frozenset({"q", "f10"}),
    "tasks.sort_memory": frozenset({"M"}),
    "tasks.sort_cpu": frozenset({"P"}),
    "tasks.sort_time": frozenset({"T"}),
    "tasks.reverse": frozenset({"I"}),
    "tasks.follow": frozenset({"F"}),
    "sim.pause": frozenset({"Z"}),
}
"""The keys htop users bring, by binding id: htop's for the same thing. The help screen
shows them in a column of their own."""

SHARED_WITH_HTOP = frozenset({"k", "q", "F", "question_mark"})
"""Keys that are moomtui's own and mean the same in htop: in both columns of the help."""

HTOP_CLASHES: tuple[tuple[str, str, str], ...] = (
    ("u", "a user's tasks", "unload the selected policy; U (or the filter user:NAME) shows one "
     "user's tasks"),
    ("/", "search", "filter; F3 searches"),
    ("t", "tree view", "next theme; F5 (or v) switches tree and list"),
    ("space", "tag a task", "pause or resume the clock"),
    ("e", "a task's environment", "explain the selected task's OOM score"),
    ("s", "strace", "spawn a workload"),
    ("p", "program paths", "pick a preset"),
    ("i", "I/O priority", "load the selected policy"),
    ("+ -", "unfold, fold", "the clock faster, slower (→ ← fold and unfold)"),
)  # fmt: skip
"""htop's keys that mean something else here: the key, what htop does, what moomtui does."""
