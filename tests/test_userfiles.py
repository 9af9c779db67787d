"""Files moomtui reads: only regular files, without blocking, under a size cap; bounded TOML."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from moomtui.toml_scan import (
    TomlError,
    loads_toml,
    toml_depth,
)
from moomtui.userfiles import (
    MAX_FILE,
    TEMPORARY_SUFFIX,
    UserFileError,
    append_user_text,
    create_user_text,
    locked,
    read_user_file,
    read_user_text,
    replace_user_text,
    size_text,
    write_user_text,
)


def problem(fn, *args: object, **kwargs: object) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(UserFileError) as err:
        fn(*args, **kwargs)
    assert "\n" not in str(err.value)
    return err.value.problem


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(b"name = 1\n")
    assert read_user_file(path) == b"name = 1\n"
    assert read_user_text(path, name="shown") == "name = 1\n"


def test_anything_but_a_regular_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert problem(read_user_file, fifo) == "not a regular file (a FIFO)"
    assert problem(read_user_file, folder) == "is a directory"
    assert problem(read_user_file, loop) == "Too many levels of symbolic links"
    assert problem(read_user_file, tmp_path / "none") == "No such file or directory"
    assert problem(read_user_file, tmp_path / ("x" * 300)) == "File name too long"
    assert problem(read_user_file, "a\0b") == "not a valid file name"
    if Path("/dev/zero").exists():
        assert problem(read_user_file, "/dev/zero") == "not a regular file (a character device)"


def test_the_error_names_the_file_as_told(tmp_path: Path) -> None:
    with pytest.raises(UserFileError) as err:
        read_user_file(tmp_path / "none", name="presets/none.toml")
    assert str(err.value) == "presets/none.toml: No such file or directory"
    assert err.value.name == "presets/none.toml"


def test_a_file_over_the_cap_is_refused_or_read_from_its_tail(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(1000)))
    assert problem(read_user_file, path, limit=100) == "larger than 100 bytes"
    tail = read_user_file(path, limit=100, tail=True)
    assert len(tail) <= 100 and tail.endswith(b"line 999\n")
    assert tail.startswith(b"line 9") and tail.split(b"\n")[0].split()[0] == b"line"
    assert size_text(MAX_FILE) == "1 MiB" and size_text(64 * 1024) == "64 KiB"


def test_a_sparse_file_bigger_than_the_cap_is_never_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge"
    with path.open("wb") as out:
        out.truncate(1 << 40)  # a terabyte, in no blocks
    assert problem(read_user_file, path) == "larger than 1 MiB"


def test_text_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"ok \xff")
    assert problem(read_user_text, path) == "not UTF-8 text (invalid start byte at byte 3)"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done: list[str] = []
    thread = threading.Thread(target=lambda: done.append(problem(read_user_file, fifo)))
    thread.daemon = True
    thread.start()
    thread.join(5)
    assert done == ["not a regular file (a FIFO)"]


def test_appends_go_only_to_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "history"
    append_user_text(path, "one\n")
    append_user_text(path, "two\n")
    assert path.read_text() == "one\ntwo\n"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert problem(append_user_text, fifo, "x\n") == "No such device or address"  # no reader
    folder = tmp_path / "folder"
    folder.mkdir()
    assert problem(append_user_text, folder, "x\n") == "Is a directory"


def test_a_replace_goes_through_a_link_and_keeps_it_and_the_mode(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(real)
    replace_user_text(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_replace_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to("/dev/null")
    assert problem(replace_user_text, link, "x") == "not a regular file (a character device)"


def test_a_create_makes_a_whole_new_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    create_user_text(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["new.json"]


@pytest.mark.parametrize("kind", ["file", "dangling link", "directory"])
def test_a_create_never_replaces_what_is_at_the_name(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "taken"
    if kind == "file":
        target.write_text("theirs\n")
    elif kind == "dangling link":
        target.symlink_to(tmp_path / "nowhere")
    else:
        target.mkdir()
    assert problem(create_user_text, target, "ours\n") == "appeared meanwhile: not replaced"
    assert not (tmp_path / "nowhere").exists()
    if kind == "file":
        assert target.read_text() == "theirs\n"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_toml_is_bounded_in_depth_and_digits() -> None:
    assert loads_toml("a = [[1]]") == {"a": [[1]]}
    assert toml_depth({"a": [[1]]}) == 3 and toml_depth(5) == 0
    for text in ("a = " + "[" * 1000 + "]" * 1000, "a = " + "[" * 17 + "]" * 17):
        with pytest.raises(TomlError, match=r"^nested more than 16 levels deep \(at line 1, "):
            loads_toml(text)  # refused by the scan before tomllib recurses
    with pytest.raises(TomlError, match=r"^nested more than 16 levels deep$"):
        loads_toml("[" + ".".join("a" * 12) + "]\n" + ".".join("b" * 6) + " = 1")  # 12 + 6
    with pytest.raises(TomlError, match=r"^an integer with too many digits$"):
        loads_toml("a = " + "9" * 5000)
    with pytest.raises(TomlError, match=r"\(at line 1, column 5\)"):
        loads_toml("a = ]")


def test_a_temporary_name_already_taken_is_never_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Temporaries are made with O_EXCL under fresh names: a file at the name moomtui once
    used (``.NAME.PID.tmp``) or at the name it draws now is neither opened nor removed."""
    target = tmp_path / "scores.json"
    old_style = tmp_path / f".scores.json.{os.getpid()}.tmp"
    old_style.write_text("not moomtui's\n")
    drawn = iter(["0" * 16, "1" * 16])
    monkeypatch.setattr("secrets.token_hex", lambda n: next(drawn))
    taken = tmp_path / f".scores.json.{os.getpid()}.{'0' * 16}{TEMPORARY_SUFFIX}"
    taken.write_text("someone's\n")
    create_user_text(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert old_style.read_text() == "not moomtui's\n" and taken.read_text() == "someone's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [target.name, old_style.name, taken.name]
    )


def test_the_temporary_is_removed_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "history"
    target.write_text("old\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("moomtui.userfiles.os.fsync", full)
    assert problem(replace_user_text, target, "new\n") == "No space left on device"
    assert problem(create_user_text, tmp_path / "new", "new\n") == "No space left on device"
    assert [p.name for p in tmp_path.iterdir()] == ["history"]
    assert target.read_text() == "old\n"


def dead_pid() -> int:
    """The number of a process that has ended (a child that was waited for)."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_the_lock_holder_removes_what_a_killed_writer_left_and_nothing_else(
    tmp_path: Path,
) -> None:
    """A writer killed with SIGKILL leaves its temporary; the next one that holds the file's
    lock removes it — only a regular file of ours, named by our pattern, its process gone."""
    target = tmp_path / "scores.json"
    target.write_text("{}\n")
    gone = dead_pid()

    def name(pid: int, suffix: str = TEMPORARY_SUFFIX) -> Path:
        return tmp_path / f".scores.json.{pid}.{'ab' * 8}{suffix}"

    left = name(gone)
    left.write_text("half a file")
    alive = name(os.getpid())
    alive.write_text("being written")
    other = name(gone, ".tmp")
    other.write_text("not our pattern")
    link = tmp_path / f".scores.json.{gone}.{'cd' * 8}{TEMPORARY_SUFFIX}"
    link.symlink_to(target)
    with locked(target, shared=True):
        assert left.exists()  # a shared holder (an append) leaves them
    with locked(target):
        assert not left.exists()
    assert alive.exists() and other.exists() and link.is_symlink() and target.exists()


def test_the_lock_keeps_a_second_writer_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "history"
    monkeypatch.setattr("moomtui.userfiles.LOCK_WAIT", 0.0)
    with locked(target, shared=True), locked(target, shared=True):
        pass  # appends share it
    with locked(target):
        assert problem(lambda: locked(target, shared=True).__enter__()) == (
            "locked by another process"
        )
    with locked(target, shared=True):
        assert problem(lambda: locked(target).__enter__()) == "locked by another process"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".history.lock"]


def test_a_save_as_told_writes_only_regular_files_and_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done: list[str] = []
    thread = threading.Thread(
        target=lambda: done.append(problem(write_user_text, fifo, "x\n", overwrite=True))
    )
    thread.daemon = True
    thread.start()
    thread.join(5)
    assert done == ["not a regular file (a FIFO)"]
    assert problem(write_user_text, fifo, "x\n", overwrite=False) == (
        "appeared meanwhile: not replaced"
    )
    target = tmp_path / "saved"
    write_user_text(target, "one\n", overwrite=False)
    write_user_text(target, "two\n", overwrite=True)
    assert target.read_text() == "two\n"
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "made")
    write_user_text(dangling, "three\n", overwrite=True)  # made where the link points
    assert dangling.is_symlink() and (tmp_path / "made").read_text() == "three\n"
    assert problem(write_user_text, "a\0b", "x", overwrite=True) == "not a valid file name"
