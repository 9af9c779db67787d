from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moomtui.kernel.errno import (
    EACCES,
    EEXIST,
    EFAULT,
    EINVAL,
    EISDIR,
    ENOENT,
    ENOTDIR,
    EPERM,
)
from moomtui.kernel.sysctl import (
    CtlEntry,
    IntCell,
    SysctlError,
    SysctlTree,
    VectorCell,
    simple_strtoul,
    sysctl_key,
)


def as_int(value: int) -> int:
    """A C ``int`` with the same 32 bits."""
    value %= 1 << 32
    return value - (1 << 32) if value >= 1 << 31 else value


def oom_tree() -> tuple[SysctlTree, IntCell, IntCell, VectorCell]:
    """``oom_table``: ``oom_parent_max`` / ``oom_parent_expire`` (``unsigned int``, 0644),
    next to a ``kernel.printk`` vector and ``kernel.panic``."""
    tree = SysctlTree()
    parent_max, parent_expire = IntCell(10, "uint"), IntCell(300, "uint")
    printk = VectorCell([7, 4, 1, 7])
    tree.register_sysctl_table(
        "kernel", [CtlEntry("printk", printk), CtlEntry("panic", IntCell(0))]
    )
    tree.register_sysctl_table(
        "vm/oom",
        [CtlEntry("oom_parent_max", parent_max), CtlEntry("oom_parent_expire", parent_expire)],
    )
    return tree, parent_max, parent_expire, printk


def errno_of(fn: Callable[..., object], *args: object, **kwargs: object) -> int:
    with pytest.raises(SysctlError) as info:
        fn(*args, **kwargs)
    return info.value.errno


# --- cells ---------------------------------------------------------------------------


def test_int_cell_wraps_to_signed_32_bits() -> None:
    cell = IntCell(2**31)
    assert cell.value == -(2**31)
    cell.value = 2**32 + 5
    assert cell.value == 5
    cell.value = -1
    assert cell.value == -1
    assert cell.ctype == "int"


def test_uint_cell_stores_negative_values_as_unsigned() -> None:
    """``static unsigned int oom_parent_max = OOM_DEFAULT_VALUE;``"""
    cell = IntCell(-1, "uint")
    assert cell.value == 4294967295
    cell.value = 2**40 + 3
    assert cell.value == 3


def test_cells_reject_unknown_c_types() -> None:
    with pytest.raises(ValueError, match="ctype"):
        IntCell(0, "long")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ctype"):
        VectorCell([0], "char")  # type: ignore[arg-type]


def test_vector_cell_wraps_each_value_and_keeps_its_length() -> None:
    cell = VectorCell([1, 2**32 + 2, -1], "uint")
    assert cell.values == (1, 2, 4294967295)
    assert len(cell) == 3
    cell[0] = -2
    assert cell[0] == 4294967294
    cell.values = [2**31, 0, 0]
    assert cell.values == (2**31, 0, 0)
    with pytest.raises(ValueError, match="expected 3 values"):
        cell.values = [1, 2]
    with pytest.raises(ValueError, match="at least one"):
        VectorCell([])


# --- keys and tree -------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "vm.oom.oom_parent_max",
        "vm/oom/oom_parent_max",
        "/proc/sys/vm/oom/oom_parent_max",
        "/proc/sys/vm/oom/oom_parent_max/",
    ],
)
def test_sysctl_key_accepts_dotted_slashed_and_proc_paths(spelling: str) -> None:
    assert sysctl_key(spelling) == "vm.oom.oom_parent_max"


def test_sysctl_key_of_the_root_is_empty() -> None:
    assert sysctl_key("/proc/sys") == ""
    assert sysctl_key("/proc/sys/") == ""
    assert sysctl_key("") == ""


def test_register_creates_directories_and_lists_them() -> None:
    """``static ctl_table oom_root_table[] = { {CTL_VM, "vm", NULL, 0, 0555, oom_dir_table}``"""
    tree, *_ = oom_tree()
    assert tree.keys() == [
        "kernel.panic",
        "kernel.printk",
        "vm.oom.oom_parent_expire",
        "vm.oom.oom_parent_max",
    ]
    assert tree.listdir() == ["kernel", "vm"]
    assert tree.listdir("/proc/sys/vm") == ["oom"]
    assert tree.listdir("vm.oom") == ["oom_parent_expire", "oom_parent_max"]
    assert tree.is_dir("vm/oom")
    assert not tree.is_dir("vm.oom.oom_parent_max")
    assert tree.exists("vm.oom.oom_parent_max")
    assert tree.exists("/proc/sys/vm")
    assert not tree.exists("vm.overcommit_memory")
    assert not tree.is_dir("nowhere")


def test_register_returns_a_header_describing_the_table() -> None:
    tree = SysctlTree()
    entry = CtlEntry("oom_parent_max", IntCell(10, "uint"))
    header = tree.register_sysctl_table("/proc/sys/vm/oom", [entry])
    assert header.path == "vm.oom"
    assert header.entries == (entry,)


# 2.4.22 kernel/sysctl.c, register_proc_table():
#         de = NULL;
#         if (table->proc_handler)
#             mode |= S_IFREG;
#         else {
#             mode |= S_IFDIR;
#             for (de = root->subdir; de; de = de->next) {
#                 if (proc_match(len, table->procname, de))
#                     break;
#             }
#             /* If the subdir exists already, de is non-NULL */
#         }
#         if (!de) {
#             de = create_proc_entry(table->procname, mode, root);
#             ...
#             de->data = (void *) table;
#         }
#         table->de = de;
#         if (de->mode & S_IFDIR)
#             register_proc_table(table->child, de);
# fs/proc/generic.c, proc_register():  dp->next = dir->subdir; dir->subdir = dp;
# proc_lookup():  for (de = de->subdir; de ; de = de->next) { ... if (!memcmp(...)) { ...
#                 inode = proc_get_inode(dir->i_sb, ino, de); break;
# unregister_proc_table():  ... if (de->subdir) continue; ...
#                           remove_proc_entry(table->procname, root);
# remove_proc_entry():  for (p = &parent->subdir; *p; p=&(*p)->next ) {
#                           if (!proc_match(len, fn, *p)) continue;
#                           de = *p; *p = de->next; ... break;


def test_a_name_registered_twice_is_a_second_entry_and_the_newest_is_the_one_hit() -> None:
    """A policy registers ``vm/oom/oom_parent_max`` first; ``oom_kill_parent`` loads after
    it: ``create_proc_entry`` makes a second file of that name at the head of the
    directory, ``ls`` shows both, and ``proc_lookup`` (the first match) reaches the newest,
    the one every read and write hits."""
    tree = SysctlTree()
    theirs = IntCell(1)
    tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", theirs)])
    parent_max, parent_expire = IntCell(10, "uint"), IntCell(300, "uint")
    tree.register_sysctl_table(
        "vm/oom",
        [CtlEntry("oom_parent_max", parent_max), CtlEntry("oom_parent_expire", parent_expire)],
    )
    assert tree.listdir("vm") == ["oom"]  # the directory is found, not made again
    assert tree.listdir("vm/oom") == ["oom_parent_expire", "oom_parent_max", "oom_parent_max"]
    assert tree.keys() == [
        "vm.oom.oom_parent_expire",
        "vm.oom.oom_parent_max",
        "vm.oom.oom_parent_max",
    ]
    assert tree.read("vm.oom.oom_parent_max") == "10\n"
    tree.write("vm.oom.oom_parent_max", "5", uid=0)
    assert (parent_max.value, theirs.value) == (5, 1)


def test_a_name_twice_in_one_table_is_two_entries_the_later_one_hit() -> None:
    tree = SysctlTree()
    first, second = IntCell(1), IntCell(2)
    tree.register_sysctl_table("vm", [CtlEntry("x", first), CtlEntry("x", second)])
    assert tree.listdir("vm") == ["x", "x"]
    assert tree.read("vm.x") == "2\n"


def test_unloading_the_newer_of_two_leaves_the_older_one_working() -> None:
    """``remove_proc_entry(table->procname, root)`` unlinks the first entry of the name —
    here the newer table's own — so the older one is reached again."""
    tree = SysctlTree()
    theirs = IntCell(1)
    tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", theirs)])
    newer = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", IntCell(10))])
    tree.unregister_sysctl_table(newer)
    assert tree.listdir("vm/oom") == ["oom_parent_max"]
    assert tree.read("vm/oom/oom_parent_max") == "1\n"
    tree.write("vm/oom/oom_parent_max", "3", uid=0)
    assert theirs.value == 3


def test_unloading_the_older_of_two_removes_the_newer_entry_and_leaves_a_stale_one() -> None:
    """Removal is by name: unregistering the older table unlinks the *newer* entry, the
    first of that name, and leaves its own, whose ``de->data`` points into the table just
    freed — C faults reading it; here it is ``EFAULT``. Unregistering the newer table then
    removes the stale entry, by name again, and the directory with it."""
    tree = SysctlTree()
    older = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", IntCell(1))])
    ours = IntCell(10)
    newer = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", ours)])
    tree.unregister_sysctl_table(older)
    assert tree.listdir("vm/oom") == ["oom_parent_max"]
    assert errno_of(tree.read, "vm/oom/oom_parent_max") == EFAULT
    assert errno_of(tree.write, "vm/oom/oom_parent_max", "5", uid=0) == EFAULT
    assert ours.value == 10
    tree.unregister_sysctl_table(newer)
    assert not tree.exists("vm")
    assert tree.keys() == []


def test_a_directory_named_like_an_existing_file_stops_the_table_there() -> None:
    """``for (de = root->subdir; ...) if (proc_match(...)) break;`` matches the *file*
    ``kernel/panic``; ``if (de->mode & S_IFDIR)`` is false, so the table's files never
    appear — and its unregistering removes ``panic`` by name: the kernel's own file."""
    tree, *_ = oom_tree()
    header = tree.register_sysctl_table("kernel/panic/sub", [CtlEntry("x", IntCell(0))])
    assert header.path == "kernel.panic.sub"
    assert not tree.exists("kernel.panic.sub")
    assert tree.read("kernel.panic") == "0\n"
    tree.unregister_sysctl_table(header)
    assert not tree.exists("kernel.panic")
    assert tree.listdir("kernel") == ["printk"]


def test_a_file_named_like_an_existing_directory_hides_it() -> None:
    """A file is always created, at the head: ``proc_lookup`` finds it before the
    directory, and what lay under the directory can no longer be reached."""
    tree, *_ = oom_tree()
    tree.register_sysctl_table("vm", [CtlEntry("oom", IntCell(7))])
    assert tree.listdir("vm") == ["oom", "oom"]
    assert tree.read("vm.oom") == "7\n"
    assert errno_of(tree.read, "vm.oom.oom_parent_max") == ENOTDIR


def test_a_directory_goes_when_it_is_empty_whoever_made_it() -> None:
    """``if (de->subdir) continue;`` counts entries, not tables: a table that registered
    only the directory does not keep it once another table's last file goes."""
    tree = SysctlTree()
    tree.register_sysctl_table("vm/oom", [])
    files = tree.register_sysctl_table("vm/oom", [CtlEntry("x", IntCell(0))])
    tree.unregister_sysctl_table(files)
    assert not tree.exists("vm")


def test_a_failed_load_puts_back_the_entries_in_their_order() -> None:
    tree = SysctlTree()
    older = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", IntCell(1))])
    mark = tree.snapshot()
    newer = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", IntCell(2))])
    tree.unregister_sysctl_table(older)
    tree.restore(mark)
    assert tree.headers == (older,)
    assert tree.read("vm.oom.oom_parent_max") == "1\n"
    assert newer not in tree.headers
    tree.unregister_sysctl_table(older)
    assert tree.keys() == []


def test_register_rejects_names_that_cannot_be_keys() -> None:
    tree = SysctlTree()
    for bad in ("", "a.b", "a/b"):
        with pytest.raises(ValueError, match="bad sysctl name"):
            tree.register_sysctl_table("vm", [CtlEntry(bad, IntCell(0))])


def test_unregister_removes_entries_and_directories_left_empty() -> None:
    """``exit_oom_kill_parent``: ``unregister_sysctl_table(oom_root_table_header);`` —
    ``/* Don't unregister directories which still have entries.. */``"""
    tree = SysctlTree()
    tree.register_sysctl_table("vm", [CtlEntry("overcommit_memory", IntCell(0))])
    header = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", IntCell(10))])
    tree.unregister_sysctl_table(header)
    assert tree.keys() == ["vm.overcommit_memory"]
    assert tree.listdir("vm") == ["overcommit_memory"]
    assert not tree.exists("vm.oom")


def test_unregister_of_the_only_table_leaves_an_empty_root() -> None:
    tree = SysctlTree()
    header = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", IntCell(10))])
    tree.unregister_sysctl_table(header)
    assert tree.listdir() == []
    assert tree.keys() == []


def test_unregister_keeps_a_directory_another_table_still_uses() -> None:
    tree = SysctlTree()
    first = tree.register_sysctl_table("vm/oom", [CtlEntry("a", IntCell(1))])
    tree.register_sysctl_table("vm/oom", [CtlEntry("b", IntCell(2))])
    tree.unregister_sysctl_table(first)
    assert tree.keys() == ["vm.oom.b"]


def test_empty_table_makes_a_directory_that_lives_until_unregistered() -> None:
    """2.4 has empty ``/proc/sys/debug`` and ``/proc/sys/dev`` directories."""
    tree = SysctlTree()
    header = tree.register_sysctl_table("debug", [])
    assert tree.is_dir("debug")
    assert tree.listdir("debug") == []
    tree.unregister_sysctl_table(header)
    assert not tree.exists("debug")


def test_name_is_free_again_after_unregister() -> None:
    tree = SysctlTree()
    header = tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", IntCell(10))])
    tree.unregister_sysctl_table(header)
    cell = IntCell(3)
    tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", cell)])
    assert tree.read("vm.oom.oom_parent_max") == "3\n"


def test_unregister_twice_raises() -> None:
    tree = SysctlTree()
    header = tree.register_sysctl_table("vm", [CtlEntry("x", IntCell(0))])
    tree.unregister_sysctl_table(header)
    with pytest.raises(ValueError, match="not registered"):
        tree.unregister_sysctl_table(header)


# --- reading -------------------------------------------------------------------------


def test_read_prints_an_int_and_a_newline() -> None:
    """``sprintf(p, "%d", (*i) / conv);`` then ``put_user('\\n', (char *) buffer)``"""
    tree, *_ = oom_tree()
    assert tree.read("vm.oom.oom_parent_max") == "10\n"
    assert tree.read("/proc/sys/vm/oom/oom_parent_expire") == "300\n"


def test_read_of_a_uint_prints_its_bits_as_signed() -> None:
    """``sprintf(p, "%d", (*i) / conv);`` — ``%d`` of an ``unsigned int`` 4294967295."""
    tree, parent_max, *_ = oom_tree()
    parent_max.value = 4294967295
    assert tree.read("vm.oom.oom_parent_max") == "-1\n"
    parent_max.value = 2**31
    assert tree.read("vm.oom.oom_parent_max") == "-2147483648\n"


def test_read_of_a_vector_separates_values_with_tabs() -> None:
    """``if (!first) *p++ = '\\t';``"""
    tree, *_ = oom_tree()
    assert tree.read("kernel.printk") == "7\t4\t1\t7\n"


def test_read_errors() -> None:
    tree, *_ = oom_tree()
    assert errno_of(tree.read, "vm.oom.nothing") == ENOENT
    assert errno_of(tree.read, "vm/oom") == EISDIR
    assert errno_of(tree.read, "kernel.panic.deeper") == ENOTDIR
    assert errno_of(tree.listdir, "kernel.panic") == ENOTDIR
    assert errno_of(tree.listdir, "nowhere") == ENOENT


# --- writing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("25\n", 25),
        ("0x1f\n", 31),
        ("0x1F", 31),
        ("017", 15),
        ("0", 0),
        ("   \t 42", 42),
        ("7 8 9", 7),
        ("12\t", 12),
        ("5\0junk", 5),
    ],
)
def test_write_parses_like_simple_strtoul_base_zero(text: str, stored: int) -> None:
    """``val = simple_strtoul(p, &p, 0) * conv;``"""
    tree, parent_max, *_ = oom_tree()
    tree.write("vm.oom.oom_parent_max", text, uid=0)
    assert parent_max.value == stored


@pytest.mark.parametrize("text", ["\n", "  \t ", "abc", "+5", "x5", "- 5", "-", "5x", "0xg"])
def test_write_with_no_leading_number_is_einval_and_stores_nothing(text: str) -> None:
    """``if (*p < '0' || *p > '9') break;`` ... ``if (write && first) return -EINVAL;``"""
    tree, parent_max, *_ = oom_tree()
    assert errno_of(tree.write, "vm.oom.oom_parent_max", text, uid=0) == EINVAL
    assert parent_max.value == 10


def test_number_followed_by_garbage_is_einval() -> None:
    """``if ((len < left) && *p && !isspace(*p)) break;``"""
    tree, parent_max, *_ = oom_tree()
    assert errno_of(tree.write, "vm.oom.oom_parent_max", "12abc", uid=0) == EINVAL
    assert errno_of(tree.write, "vm.oom.oom_parent_max", "1.5", uid=0) == EINVAL
    assert parent_max.value == 10


def test_only_lower_case_x_means_hex() -> None:
    """``if ((*cp == 'x') && isxdigit(cp[1]))`` — ``0X10`` is octal ``0`` then garbage."""
    tree, parent_max, *_ = oom_tree()
    assert errno_of(tree.write, "vm.oom.oom_parent_max", "0X10", uid=0) == EINVAL
    assert parent_max.value == 10


def test_digit_eight_after_leading_zero_is_einval() -> None:
    """``if (*cp == '0') { base = 8;`` — ``08`` reads ``0`` and stops before ``8``."""
    tree, parent_max, *_ = oom_tree()
    assert errno_of(tree.write, "vm.oom.oom_parent_max", "08", uid=0) == EINVAL
    assert parent_max.value == 10


def test_empty_write_succeeds_and_changes_nothing() -> None:
    """``if (!table->data || !table->maxlen || !*lenp || ...) { *lenp = 0; return 0; }``"""
    tree, parent_max, *_ = oom_tree()
    tree.write("vm.oom.oom_parent_max", "", uid=0)
    assert parent_max.value == 10


def test_negative_value_into_unsigned_cell_is_stored_unsigned() -> None:
    """``if (neg) val = -val;`` then ``case OP_SET: *i = val; break;`` — no range check."""
    tree, parent_max, parent_expire, _ = oom_tree()
    tree.write("vm.oom.oom_parent_max", "-1\n", uid=0)
    assert parent_max.value == 4294967295
    assert tree.read("vm.oom.oom_parent_max") == "-1\n"
    tree.write("vm.oom.oom_parent_expire", "-300", uid=0)
    assert parent_expire.value == 2**32 - 300


def test_values_wrap_at_32_bits() -> None:
    """``unsigned long simple_strtoul`` is 32 bits on i386, ``int val`` too."""
    tree, parent_max, *_ = oom_tree()
    tree.write("vm.oom.oom_parent_max", str(2**40), uid=0)
    assert parent_max.value == 0
    tree.write("vm.oom.oom_parent_max", str(2**32 + 7), uid=0)
    assert parent_max.value == 7
    tree.write("kernel.panic", "2147483648", uid=0)
    assert tree.read("kernel.panic") == "-2147483648\n"


def test_a_number_is_read_at_most_nineteen_characters_at_a_time() -> None:
    """``if (len > TMPBUFLEN-1) len = TMPBUFLEN-1;`` with ``#define TMPBUFLEN 20``: the rest
    of a long number is read as the next value."""
    tree, parent_max, _, printk = oom_tree()
    digits = "1234567890123456789" + "0123"
    tree.write("vm.oom.oom_parent_max", digits, uid=0)
    assert parent_max.value == 1234567890123456789 % 2**32
    tree.write("kernel.printk", digits, uid=0)
    assert printk.values == (as_int(1234567890123456789), 0o123, 1, 7)


def test_negative_value_hides_the_last_character_of_the_write() -> None:
    """``left--, p++;`` for the ``-``, then ``len = p-buf; ... left -= len;`` counts it
    again: each negative value leaves one character at the end unread."""
    tree, _, _, printk = oom_tree()
    tree.write("kernel.printk", "-1 -2 -3 -4\n", uid=0)
    assert printk.values == (-1, -2, -3, 7)
    tree.write("kernel.printk", "-9 5", uid=0)
    assert printk.values == (-9, -2, -3, 7)


def test_negative_value_followed_by_garbage_is_accepted() -> None:
    """``if ((len < left) && *p && !isspace(*p))`` — ``left`` is one short after a ``-``,
    so the character after ``-5`` is never looked at."""
    tree, _, _, _ = oom_tree()
    tree.write("kernel.panic", "-5x", uid=0)
    assert tree.read("kernel.panic") == "-5\n"


def test_short_write_to_a_vector_sets_only_the_leading_values() -> None:
    """``for (; left && vleft--; i++, first=0)`` stops when the input ends."""
    tree, _, _, printk = oom_tree()
    tree.write("kernel.printk", "3\n", uid=0)
    assert printk.values == (3, 4, 1, 7)
    tree.write("kernel.printk", "1 2", uid=0)
    assert tree.read("kernel.printk") == "1\t2\t1\t7\n"


def test_values_beyond_the_vector_are_ignored() -> None:
    """``vleft = table->maxlen / sizeof(int);``"""
    tree, _, _, printk = oom_tree()
    tree.write("kernel.printk", "1 2 3 4 5 6 junk", uid=0)
    assert printk.values == (1, 2, 3, 4)


def test_garbage_after_the_first_value_stops_the_write_without_error() -> None:
    """``if ((len < left) && *p && !isspace(*p)) break;`` with ``first`` already 0."""
    tree, _, _, printk = oom_tree()
    tree.write("kernel.printk", "6 5x 9", uid=0)
    assert printk.values == (6, 4, 1, 7)


def test_non_root_cannot_write_a_0644_file() -> None:
    """``if (ctl_perm(table, op)) return -EPERM;`` and in ``test_perm``:
    ``if (!current->euid) mode >>= 6;``"""
    tree, parent_max, *_ = oom_tree()
    error = None
    try:
        tree.write("vm.oom.oom_parent_max", "1", uid=1000)
    except SysctlError as exc:
        error = exc
    assert error is not None
    assert error.errno == EPERM
    assert error.strerror == "Operation not permitted"
    assert error.key == "vm.oom.oom_parent_max"
    assert parent_max.value == 10


def test_root_cannot_write_a_read_only_file() -> None:
    """``if ((mode & op & 0007) == op) return 0; return -EACCES;``"""
    tree = SysctlTree()
    tree.register_sysctl_table("fs", [CtlEntry("dentry-state", IntCell(1), mode=0o444)])
    assert errno_of(tree.write, "fs.dentry-state", "2", uid=0) == EPERM
    assert tree.read("fs.dentry-state") == "1\n"


def test_opening_asks_test_perm_and_fails_with_eacces() -> None:
    """Every /proc/sys inode's ``permission`` (2.4.22 kernel/sysctl.c):
    ``static int proc_sys_permission(struct inode *inode, int op)
    { return test_perm(inode->i_mode, op); }`` — ``open()`` fails before ``do_rw_proc``."""
    tree, parent_max, *_ = oom_tree()
    assert errno_of(tree.permission, "vm.oom.oom_parent_max", 0o2, 1000) == EACCES
    tree.permission("vm.oom.oom_parent_max", 0o4, 1000)  # 0644: anyone reads
    tree.permission("vm.oom.oom_parent_max", 0o2, 0)
    tree.register_sysctl_table("fs", [CtlEntry("secret", IntCell(1), mode=0o600)])
    assert errno_of(tree.permission, "fs.secret", 0o4, 1000) == EACCES
    tree.permission("fs.secret", 0o4, 0)
    tree.register_sysctl_table("fs", [CtlEntry("dentry-state", IntCell(1), mode=0o444)])
    # if (!current->euid) mode >>= 6;  -- root too is held to the owner bits
    assert errno_of(tree.permission, "fs.dentry-state", 0o2, 0) == EACCES
    assert parent_max.value == 10


def test_other_write_bit_lets_anyone_write() -> None:
    """``test_perm``: a non-root task is checked against the low three bits of ``mode``."""
    tree = SysctlTree()
    cell = IntCell(0)
    tree.register_sysctl_table("dev", [CtlEntry("open", cell, mode=0o646)])
    tree.write("dev.open", "9", uid=1000)
    assert cell.value == 9


def test_write_errors_for_missing_files_and_directories() -> None:
    tree, *_ = oom_tree()
    assert errno_of(tree.write, "vm.oom.nothing", "1", uid=0) == ENOENT
    assert errno_of(tree.write, "/proc/sys/vm/oom", "1", uid=0) == EISDIR
    assert errno_of(tree.write, "kernel.panic.x", "1", uid=0) == ENOTDIR


def test_strerror_texts() -> None:
    expected = {
        EPERM: "Operation not permitted",
        ENOENT: "No such file or directory",
        EEXIST: "File exists",
        ENOTDIR: "Not a directory",
        EISDIR: "Is a directory",
        EINVAL: "Invalid argument",
    }
    for errno, text in expected.items():
        error = SysctlError(errno, "vm.oom.x")
        assert (error.errno, error.strerror) == (errno, text)
        assert str(error) == f"vm.oom.x: {text}"


def test_on_write_runs_after_each_successful_write_only() -> None:
    tree = SysctlTree()
    cell = IntCell(0)
    seen: list[int] = []
    entry = CtlEntry("panic", cell, on_write=lambda: seen.append(cell.value))
    tree.register_sysctl_table("kernel", [entry])
    tree.write("kernel.panic", "10", uid=0)
    tree.write("kernel.panic", "10", uid=0)
    with pytest.raises(SysctlError):
        tree.write("kernel.panic", "x", uid=0)
    with pytest.raises(SysctlError):
        tree.write("kernel.panic", "5", uid=1000)
    tree.write("kernel.panic", "", uid=0)
    assert seen == [10, 10]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123", (123, 3)),
        ("0x1fz", (31, 4)),
        ("0xg", (0, 1)),
        ("0777", (511, 4)),
        ("089", (0, 1)),
        ("0", (0, 1)),
        ("", (0, 0)),
        ("abc", (0, 0)),
        ("4294967296", (0, 10)),
    ],
)
def test_simple_strtoul_base_zero(text: str, expected: tuple[int, int]) -> None:
    """``if (!base) { base = 10; if (*cp == '0') { base = 8; cp++;
    if ((*cp == 'x') && isxdigit(cp[1])) { cp++; base = 16; } } }``"""
    assert simple_strtoul(text) == expected


def test_simple_strtoul_explicit_base() -> None:
    """``(value = isdigit(*cp) ? *cp-'0' : toupper(*cp)-'A'+10) < base``"""
    assert simple_strtoul("ff", 16) == (255, 2)
    assert simple_strtoul("19", 8) == (1, 1)


# --- properties ----------------------------------------------------------------------

nineteen_chars = st.integers(min_value=-(10**18) + 1, max_value=10**19 - 1)


@given(
    value=nineteen_chars,
    ctype=st.sampled_from(["int", "uint"]),
    end=st.sampled_from(["", "\n", " \n"]),
)
def test_write_then_read_round_trips_any_integer_wrapped_to_32_bits(
    value: int, ctype: str, end: str
) -> None:
    """``case OP_SET: *i = val;`` then ``sprintf(p, "%d", (*i) / conv);`` — for every number
    that fits in ``TMPBUFLEN - 1`` characters."""
    tree = SysctlTree()
    cell = IntCell(0, "uint" if ctype == "uint" else "int")
    tree.register_sysctl_table("vm/oom", [CtlEntry("oom_parent_max", cell)])
    tree.write("vm.oom.oom_parent_max", f"{value}{end}", uid=0)
    assert tree.read("vm.oom.oom_parent_max") == f"{as_int(value)}\n"
    assert cell.value == (value % 2**32 if ctype == "uint" else as_int(value))


@given(st.integers(min_value=0, max_value=16**17 - 1))
def test_hex_and_octal_writes_store_the_same_value_as_decimal(value: int) -> None:
    """``simple_strtoul(p, &p, 0)``: base from the prefix."""
    tree = SysctlTree()
    cell = IntCell(0)
    tree.register_sysctl_table("kernel", [CtlEntry("panic", cell)])
    tree.write("kernel.panic", f"{value:#x}", uid=0)
    assert cell.value == as_int(value)
    if len(f"0{value:o}") <= 19:
        tree.write("kernel.panic", f"0{value:o}", uid=0)
        assert cell.value == as_int(value)


@given(
    values=st.lists(st.integers(min_value=0, max_value=10**18), min_size=4, max_size=4),
    seps=st.lists(st.sampled_from([" ", "\t", "  ", "\n", " \t "]), min_size=4, max_size=4),
)
def test_vector_write_then_read_round_trips(values: list[int], seps: list[str]) -> None:
    """``if (!isspace(c)) break;`` between values, ``*p++ = '\t';`` between them on read."""
    tree = SysctlTree()
    tree.register_sysctl_table("kernel", [CtlEntry("printk", VectorCell([0, 0, 0, 0]))])
    text = "".join(f"{v}{sep}" for v, sep in zip(values, seps, strict=True))
    tree.write("kernel.printk", text, uid=0)
    assert tree.read("kernel.printk") == "\t".join(str(as_int(v)) for v in values) + "\n"


# --- the count a write returns --------------------------------------------------------------
#
# do_proc_dointvec() (2.4.22), after the loop over the values:
#     if (write) {
#         p = (char *) buffer;
#         while (left) {
#             char c;
#             if (get_user(c, p++)) return -EFAULT;
#             if (!isspace(c)) break;
#             left--;
#         }
#     }
#     if (write && first) return -EINVAL;
#     *lenp -= left;


@pytest.mark.parametrize(
    ("key", "text", "count"),
    [
        ("vm.oom.oom_parent_max", "5\n", 2),
        ("vm.oom.oom_parent_max", "5 6\n", 2),  # "5 " taken, "6\n" left for the next write
        ("vm.oom.oom_parent_max", "5   x\n", 4),
        ("vm.oom.oom_parent_max", "-5 6\n", 4),  # the "-" is counted twice
        ("kernel.printk", "1 2 3 4 5\n", 8),
        ("kernel.printk", "1 2 x\n", 4),
        ("kernel.printk", "-1", 2),  # left runs out below zero: all of it
    ],
)
def test_a_write_returns_a_short_count_after_the_last_value(
    key: str, text: str, count: int
) -> None:
    """``*lenp -= left;`` — the count stops after the white space that follows the last
    value read: what remains is for the writer to write again."""
    tree, *_ = oom_tree()
    assert tree.write(key, text, uid=0) == count


def test_an_empty_write_returns_0() -> None:
    """``if (... || !*lenp || ...) { *lenp = 0; return 0; }``"""
    tree, *_ = oom_tree()
    assert tree.write("kernel.panic", "", uid=0) == 0
