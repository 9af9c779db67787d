"""``/proc/sys``, with the semantics of 2.4 ``kernel/sysctl.c`` and ``proc_dointvec``.

A :class:`SysctlTree` holds directories and files; a file is a :class:`CtlEntry` whose cell
stores a C ``int`` or ``unsigned int`` (:class:`IntCell`) or a vector of them
(:class:`VectorCell`). Tables are added with ``register_sysctl_table`` and removed with
``unregister_sysctl_table``, as ``oom_kill_parent`` does for ``vm/oom`` while it is loaded.

Copied from 2.4, quirks included:

- Reading prints every value with ``"%d"``, tab-separated, then a newline; an ``unsigned
  int`` holding 4294967295 reads ``-1``.
- Writing parses like ``do_proc_dointvec``: leading white space skipped; a value is an
  optional ``-`` and a number read by ``simple_strtoul(p, &p, 0)`` (``0x`` hex — lower-case
  ``x`` only —, leading ``0`` octal, else decimal, wrapping at 32 bits); each value is cut
  to ``TMPBUFLEN - 1`` = 19 characters before parsing, so a longer number is read in pieces;
  a value followed by anything but white space ends the write, and is ``EINVAL`` if it was
  the first; no range check, every value is stored wrapped to the cell's C type. A ``-`` is
  counted twice against the length left, so after each negative value the last character
  of the write is never read (``"-5x"`` is accepted as -5, ``"-1 -2 -3 -4"`` sets three
  values). An empty write succeeds and changes nothing.
- The count a write returns stops after the white space that follows the last value read
  (``*lenp -= left``): ``"5 6\n"`` into one ``int`` stores 5 and returns 2, and so does
  ``"5 x\n"``. A writer that goes through stdio (the shell's ``echo``, procps ``sysctl``)
  writes the rest again, so the first ends with 6 and the second fails ``EINVAL`` after
  storing 5; a vector takes the values beyond its length on the next write, from its first
  slot.
- Permission is ``test_perm``: uid 0 uses the owner bits of ``mode``, anyone else the
  "other" bits (the simulated machine has no groups, so ``in_egroup_p(0)``'s group bits
  never apply). It is asked first when the file is opened: every ``/proc/sys`` inode's
  ``permission`` is ``proc_sys_permission`` (``return test_perm(inode->i_mode, op);``), so
  ``open()`` fails with ``EACCES`` — a shell's ``Permission denied``, procps'
  ``permission denied on key`` — and :meth:`SysctlTree.permission` is that check.
  ``do_rw_proc`` asks again at each read and write (``if (ctl_perm(table, op)) return
  -EPERM;``), which an opened file always passes; :meth:`SysctlTree.write` keeps it.
- Registering is 2.4.22's ``register_proc_table`` and unregistering its
  ``unregister_proc_table``, over ``fs/proc/generic.c``'s lists, names clashing or not:

  - a directory a table names is looked up by name among the entries already there
    (``for (de = root->subdir; de; de = de->next) if (proc_match(len, table->procname,
    de)) break;``) and created only if none matches; a *file* is always created
    (``create_proc_entry``), and ``proc_register`` puts every new entry at the head of
    its directory (``dp->next = dir->subdir; dir->subdir = dp;``). So a second
    ``vm/oom/oom_parent_max`` is a second entry of that name: ``ls`` shows both, and a
    path lookup (``proc_lookup``: the first whose name matches) reaches the newest, which
    every read and write then hits. Registration never fails (2.4 fails only when
    ``kmalloc`` does).
  - a table whose directory name is already a file stops there: ``table->de`` is the
    file, ``if (de->mode & S_IFDIR) register_proc_table(table->child, de);`` is false,
    and the table's files never appear.
  - unregistering removes by name, not by entry: ``remove_proc_entry(table->procname,
    root)`` unlinks the *first* entry of that name — the newest, whoever registered it —
    and a directory goes once it is empty (``if (de->subdir) continue;``), whoever made
    it. Unload the older of two clashing registrations first and the newer's file goes,
    the older's stays: its ``de->data`` points into the module just freed, and C's next
    read or write of it faults on the freed memory (an oops). Here that read or write
    fails with ``EFAULT`` instead, and unloading the newer one later removes the stale
    entry (by name, again).

Simplified: groups are not modelled (``in_egroup_p(0)``); reads are not
permission-checked; no file is ever held open (``de->count`` is 0, so nothing waits to be
removed); ``ls`` sorts names, as ``ls`` does, where ``readdir`` gives the newest first; the
binary ``sysctl(2)`` interface (whose lookup the seed's ``insert_at_head`` of 1 would also
point at the newest table), ``ctl_name`` numbers, strategy routines and string entries are
left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from .constants import ULONG_MAX
from .errno import EACCES, EFAULT, EINVAL, EISDIR, ENOENT, ENOTDIR, EPERM, strerror

PROC_SYS = "/proc/sys"
TMPBUFLEN = 20

CType = Literal["int", "uint"]

_SPACE = frozenset(" \t\n\v\f\r")
_XDIGITS = frozenset("0123456789abcdefABCDEF")


class SysctlError(Exception):
    """A failed sysctl operation: ``errno``, its ``strerror`` and the dotted ``key``."""

    def __init__(self, errno: int, key: str) -> None:
        self.errno = errno
        self.strerror = strerror(errno)
        self.key = key
        super().__init__(f"{key}: {self.strerror}")


def _wrap(value: int, ctype: CType) -> int:
    value &= 0xFFFFFFFF
    if ctype == "int" and value & 0x80000000:
        value -= 1 << 32
    return value


def _check_ctype(ctype: str) -> CType:
    if ctype == "int":
        return "int"
    if ctype == "uint":
        return "uint"
    raise ValueError(f"ctype must be 'int' or 'uint', not {ctype!r}")


class IntCell:
    """A C ``int`` (signed 32-bit) or ``unsigned int``; assigning wraps to that type."""

    __slots__ = ("_ctype", "_value")

    def __init__(self, value: int = 0, ctype: CType = "int") -> None:
        self._ctype = _check_ctype(ctype)
        self._value = _wrap(value, self._ctype)

    @property
    def ctype(self) -> CType:
        return self._ctype

    @property
    def value(self) -> int:
        return self._value

    @value.setter
    def value(self, value: int) -> None:
        self._value = _wrap(value, self._ctype)

    def __repr__(self) -> str:
        return f"IntCell({self._value}, {self._ctype!r})"


class VectorCell:
    """A fixed-length C array of ``int`` or ``unsigned int``, such as ``kernel.printk``."""

    __slots__ = ("_ctype", "_values")

    def __init__(self, values: Iterable[int], ctype: CType = "int") -> None:
        self._ctype = _check_ctype(ctype)
        self._values = [_wrap(v, self._ctype) for v in values]
        if not self._values:
            raise ValueError("a VectorCell needs at least one value")

    @property
    def ctype(self) -> CType:
        return self._ctype

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(self._values)

    @values.setter
    def values(self, values: Iterable[int]) -> None:
        new = [_wrap(v, self._ctype) for v in values]
        if len(new) != len(self._values):
            raise ValueError(f"expected {len(self._values)} values, got {len(new)}")
        self._values = new

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: int) -> int:
        return self._values[index]

    def __setitem__(self, index: int, value: int) -> None:
        self._values[index] = _wrap(value, self._ctype)

    def __repr__(self) -> str:
        return f"VectorCell({self._values}, {self._ctype!r})"


@dataclass(slots=True)
class CtlEntry:
    """A file in ``/proc/sys`` (``ctl_table`` with ``proc_dointvec``); ``on_write`` runs
    after every successful write."""

    procname: str
    cell: IntCell | VectorCell
    mode: int = 0o644
    on_write: Callable[[], None] | None = None


@dataclass(eq=False, slots=True)
class SysctlHeader:
    """``struct ctl_table_header``: what one ``register_sysctl_table`` call added.

    ``path`` and ``entries`` stand for the nested ``ctl_table`` arrays of the call (one
    directory entry per component of ``path``, then the files); what C keeps in each
    entry's ``table->de`` is kept here, per registration.
    """

    path: str
    entries: tuple[CtlEntry, ...]
    dir_des: list[_ProcEntry] = field(default_factory=list, init=False, repr=False)
    """``table->de`` of each directory level that was registered."""
    file_des: list[_ProcEntry] = field(default_factory=list, init=False, repr=False)
    """``table->de`` of each file, in ``entries`` order (none if a level was a file)."""


@dataclass(eq=False, slots=True)
class _ProcEntry:
    """``struct proc_dir_entry`` under ``/proc/sys``: a directory (``data`` None) or a file
    whose ``de->data`` is the ``ctl_table`` entry ``owner`` registered."""

    name: str
    data: CtlEntry | None = None
    owner: SysctlHeader | None = None
    subdir: list[_ProcEntry] = field(default_factory=list)
    """The entries in it, newest first (``proc_register`` links each new one at the head)."""

    @property
    def is_dir(self) -> bool:
        return self.data is None


def _match(directory: _ProcEntry, name: str) -> _ProcEntry | None:
    """The first entry named ``name``, as ``proc_lookup`` and ``remove_proc_entry`` find it
    (``proc_match`` compares names only: a file and a directory match alike)."""
    for de in directory.subdir:
        if de.name == name:
            return de
    return None


def _remove_proc_entry(name: str, parent: _ProcEntry) -> None:
    """``remove_proc_entry(name, parent)``: unlink the first entry of that name, if any."""
    de = _match(parent, name)
    if de is not None:
        parent.subdir.remove(de)


def sysctl_key(path: str) -> str:
    """The dotted key for ``vm.oom.x``, ``vm/oom/x`` or ``/proc/sys/vm/oom/x``."""
    if path == PROC_SYS or path.startswith(PROC_SYS + "/"):
        path = path[len(PROC_SYS) :]
    sep = "/" if "/" in path else "."
    return ".".join(part for part in path.split(sep) if part)


def _split(key: str) -> list[str]:
    normal = sysctl_key(key)
    return normal.split(".") if normal else []


def _check_procname(name: str) -> None:
    if not name or "." in name or "/" in name:
        raise ValueError(f"bad sysctl name {name!r}")


def _char(s: str, i: int) -> str:
    """``s[i]``, or ``""`` where C would find the terminating NUL."""
    return s[i] if i < len(s) else ""


def simple_strtoul(cp: str, base: int = 0) -> tuple[int, int]:
    """``lib/vsprintf.c``: the number at the start of ``cp`` and the index where it ends.

    Base 0 means ``0x`` + hex digit → 16, leading ``0`` → 8, else 10. The result wraps at
    ``ULONG_MAX``. No digit at all gives ``(0, 0)`` — or ``(0, 1)`` after a lone ``0``.
    """
    i = 0
    if not base:
        base = 10
        if _char(cp, i) == "0":
            base = 8
            i += 1
            if _char(cp, i) == "x" and _char(cp, i + 1) in _XDIGITS:
                i += 1
                base = 16
    result = 0
    while (c := _char(cp, i)) in _XDIGITS and (value := int(c, 16)) < base:
        result = (result * base + value) & ULONG_MAX
        i += 1
    return result, i


def _do_proc_dointvec_write(buffer: str, vleft: int) -> tuple[list[int], int]:
    """What one ``write(2)`` of ``buffer`` does: the values it stores into the first
    ``len(values)`` slots, and the count it returns (``*lenp -= left``).

    A transliteration of the write half of ``do_proc_dointvec``; no values is ``-EINVAL``.
    After the last value it skips white space only: the count stops short of anything else,
    so ``"5 6\n"`` into one ``int`` stores 5 and returns 2 — the writer's stdio then writes
    ``"6\n"``. After a ``-``, ``left`` is one short (see the module docstring); when that
    makes it run out below zero (``size_t`` wraps in C, and the trailing loop reads on past
    the user's buffer), the simulation stops at the buffer's end and counts it all written.
    """
    vals: list[int] = []
    pos = 0
    left = len(buffer)
    while left > 0 and vleft:
        vleft -= 1
        # After a negative value ``left`` is one short (see above), and C reads on past the
        # end of the write; what lies there is not a space, so the skip stops.
        while left and _char(buffer, pos) in _SPACE:
            left -= 1
            pos += 1
        if not left:
            break
        buf = buffer[pos : pos + min(left, TMPBUFLEN - 1)].partition("\0")[0]
        p = 0
        neg = False
        if _char(buf, 0) == "-" and left > 1:
            neg = True
            left -= 1
            p = 1
        if not "0" <= _char(buf, p) <= "9":
            break
        val, end = simple_strtoul(buf[p:])
        p += end
        if p < left and _char(buf, p) and _char(buf, p) not in _SPACE:
            break
        vals.append(-val if neg else val)
        pos += p
        left -= p
    if left < 0:
        return vals, len(buffer)
    while left and buffer[pos] in _SPACE:
        left -= 1
        pos += 1
    return vals, len(buffer) - left


def _test_perm(mode: int, op: int, uid: int) -> bool:
    """``test_perm``: root checks the owner bits, everyone else the "other" bits."""
    if uid == 0:
        mode >>= 6
    return (mode & op & 0o7) == op


class SysctlTree:
    """The ``/proc/sys`` hierarchy."""

    __slots__ = ("_headers", "_root")

    def __init__(self) -> None:
        self._root = _ProcEntry("sys")
        self._headers: list[SysctlHeader] = []

    def register_sysctl_table(self, path: str, entries: list[CtlEntry]) -> SysctlHeader:
        """Add ``entries`` under directory ``path`` as 2.4.22's ``register_proc_table`` does
        (see the module docstring): it never fails, whatever names are already there."""
        parts = _split(path)
        for name in parts + [e.procname for e in entries]:
            _check_procname(name)
        header = SysctlHeader(".".join(parts), tuple(entries))
        root = self._root
        for part in parts:
            de = _match(root, part)  # mode |= S_IFDIR; for (de = root->subdir; ...)
            if de is None:
                de = _ProcEntry(part, owner=header)  # create_proc_entry()
                root.subdir.insert(0, de)  # proc_register(): at the head
            header.dir_des.append(de)  # table->de = de;
            if not de.is_dir:  # if (de->mode & S_IFDIR) register_proc_table(table->child, de);
                break
            root = de
        else:
            for entry in entries:
                de = _ProcEntry(entry.procname, data=entry, owner=header)  # mode |= S_IFREG;
                root.subdir.insert(0, de)
                header.file_des.append(de)
        self._headers.append(header)
        return header

    @property
    def headers(self) -> tuple[SysctlHeader, ...]:
        """The registered tables, oldest first."""
        return tuple(self._headers)

    def snapshot(self) -> object:
        """The tree as it is now, for :meth:`restore`: every directory's entries, in order."""
        saved: list[tuple[_ProcEntry, tuple[_ProcEntry, ...]]] = []
        stack = [self._root]
        while stack:
            directory = stack.pop()
            saved.append((directory, tuple(directory.subdir)))
            stack.extend(de for de in directory.subdir if de.is_dir)
        return tuple(saved), tuple(self._headers)

    def restore(self, snapshot: object) -> None:
        """Put the tree back exactly as :meth:`snapshot` saw it: the same entries, in the same
        order, the same tables registered (the module loader undoes a failed ``init`` with
        it)."""
        assert isinstance(snapshot, tuple)
        saved, headers = snapshot
        for directory, subdir in saved:
            directory.subdir[:] = subdir
        self._headers = list(headers)

    def unregister_sysctl_table(self, header: SysctlHeader) -> None:
        """``unregister_sysctl_table``: 2.4.22's ``unregister_proc_table``, which removes
        entries by name (see the module docstring)."""
        if header not in self._headers:
            raise ValueError(f"sysctl table {header.path!r} is not registered")
        self._headers.remove(header)
        self._unregister_proc_table(header, _split(header.path), 0, self._root)

    def _unregister_proc_table(
        self, header: SysctlHeader, parts: list[str], level: int, root: _ProcEntry
    ) -> None:
        if level == len(parts):
            for entry in header.entries[: len(header.file_des)]:
                # if (atomic_read(&de->count)) continue;  -- never open here
                _remove_proc_entry(entry.procname, root)
            return
        de = header.dir_des[level]  # if (!(de = table->de)) continue;
        if de.is_dir:
            self._unregister_proc_table(header, parts, level + 1, de)
            if de.subdir:  # /* Don't unregister directories which still have entries.. */
                return
        _remove_proc_entry(parts[level], root)

    def _lookup(self, key: str) -> _ProcEntry:
        """The entry a path lookup reaches: at each level the first of that name."""
        parts = _split(key)
        node = self._root
        for i, part in enumerate(parts):
            if not node.is_dir:
                raise SysctlError(ENOTDIR, ".".join(parts[:i]))
            child = _match(node, part)
            if child is None:
                raise SysctlError(ENOENT, ".".join(parts))
            node = child
        return node

    def _file(self, key: str) -> CtlEntry:
        node = self._lookup(key)
        if node.data is None:
            raise SysctlError(EISDIR, sysctl_key(key))
        if node.owner not in self._headers:
            # de->data points into the table of a module already gone: C faults on it
            raise SysctlError(EFAULT, sysctl_key(key))
        return node.data

    def permission(self, key: str, op: int, uid: int) -> None:
        """``proc_sys_permission``, what opening the file asks of user ``uid`` for ``op``
        (4 read, 2 write): ``return test_perm(inode->i_mode, op);`` — ``EACCES`` when the
        file's mode does not grant it. The inode keeps its table's mode after a module that
        registered it is gone."""
        node = self._lookup(key)
        if node.data is not None and not _test_perm(node.data.mode, op, uid):
            raise SysctlError(EACCES, sysctl_key(key))

    def read(self, key: str) -> str:
        """The file's contents as ``proc_dointvec`` prints them."""
        cell = self._file(key).cell
        values = (cell.value,) if isinstance(cell, IntCell) else cell.values
        return "\t".join(str(_wrap(v, "int")) for v in values) + "\n"

    def write(self, key: str, text: str, *, uid: int) -> int:
        """One ``write(2)`` of ``text`` to the file, as ``proc_dointvec`` takes it, as user
        ``uid``; returns the count written, which may be short (see
        :func:`_do_proc_dointvec_write`). A writer that goes through stdio writes the rest
        next, as :func:`moomtui.kernel.procfs.write_proc` does."""
        entry = self._file(key)
        if not _test_perm(entry.mode, 0o2, uid):
            raise SysctlError(EPERM, sysctl_key(key))
        if not text:
            return 0
        cell = entry.cell
        vals, count = _do_proc_dointvec_write(text, 1 if isinstance(cell, IntCell) else len(cell))
        if not vals:
            raise SysctlError(EINVAL, sysctl_key(key))
        if isinstance(cell, IntCell):
            cell.value = vals[0]
        else:
            for i, v in enumerate(vals):
                cell[i] = v
        if entry.on_write is not None:
            entry.on_write()
        return count

    def keys(self) -> list[str]:
        """Every file's dotted key, sorted; a name registered twice is listed twice."""
        out: list[str] = []
        stack: list[tuple[str, _ProcEntry]] = [("", self._root)]
        while stack:
            prefix, node = stack.pop()
            for de in node.subdir:
                key = _join(prefix, de.name)
                if de.is_dir:
                    stack.append((key, de))
                else:
                    out.append(key)
        return sorted(out)

    def listdir(self, path: str = "") -> list[str]:
        """The names in directory ``path`` (the root by default), sorted as ``ls`` sorts
        them; a name registered twice is there twice, as ``readdir`` gives it."""
        node = self._lookup(path)
        if not node.is_dir:
            raise SysctlError(ENOTDIR, sysctl_key(path))
        return sorted(de.name for de in node.subdir)

    def exists(self, key: str) -> bool:
        """Whether ``key`` names a file or a directory."""
        try:
            self._lookup(key)
        except SysctlError:
            return False
        return True

    def is_dir(self, path: str) -> bool:
        try:
            return self._lookup(path).is_dir
        except SysctlError:
            return False


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
