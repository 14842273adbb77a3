"""File access that holds under races: reads and writes stay inside the allowed directories while another
thread swaps symbolic links and directories underneath; pipes and devices fail at once; a refused path
reads the same whether or not anything is there; client roots never widen the ceiling."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from customer_success_mcp.fileio import FileReadError, read_regular_file
from customer_success_mcp.server.files import (
    AllowedDirs,
    FileAccessError,
    allowed_dirs,
    read_allowed,
    roots_to_dirs,
    too_wide,
    write_new,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
TRIES = 400
SECRET = b'{"customers": [{"customer_id": "SECRET", "name": "outside-the-allowed-directory"}]}'
INSIDE = b'{"customers": [{"customer_id": "OK-1", "name": "inside"}]}'

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX links")


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """An allowed directory and an outside one holding a secret."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (outside / "secret.json").write_bytes(SECRET)
    (allowed / "inside.json").write_bytes(INSIDE)
    return allowed.resolve(), outside.resolve()


# Swaps `place` back and forth in a separate process (true parallelism, unlike a thread under the GIL),
# holding each state for a random spell so every window between a check and an open gets hit.
FLIPPER = r"""
import os, random, sys
kind, allowed, outside, name = sys.argv[1:5]
place, tmp, staging = (os.path.join(allowed, n) for n in (name, ".tmp-swap", "staging"))
started = os.path.join(allowed, ".started")
def spell():
    for _ in range(random.randrange(2000)):
        pass
while True:
    if kind == "file":  # a regular file (a hard link of inside.json), then a link to the outside secret
        os.link(os.path.join(allowed, "inside.json"), tmp)
        os.replace(tmp, place)
        spell()
        os.symlink(os.path.join(outside, "secret.json"), tmp)
        os.replace(tmp, place)
    else:  # a real directory (renamed in), then a link to the outside directory
        if os.path.islink(place):
            os.unlink(place)
        os.rename(staging, place)
        spell()
        os.rename(place, staging)
        os.symlink(outside, tmp)
        os.replace(tmp, place)
    spell()
    if not os.path.exists(started):
        open(started, "w").close()
"""


@pytest.fixture
def flipping() -> Iterator[Callable[[str, Path, Path, str], None]]:
    """Start the swapping process (kind "file" or "dir") for `allowed/name`; it is stopped after the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(kind: str, allowed: Path, outside: Path, name: str) -> None:
        if kind == "dir":
            (allowed / "staging").mkdir(exist_ok=True)
        procs.append(
            subprocess.Popen([sys.executable, "-c", FLIPPER, kind, str(allowed), str(outside), name])
        )
        deadline = time.monotonic() + 20
        while not (allowed / ".started").exists():  # swapping is under way before the first try
            assert procs[-1].poll() is None and time.monotonic() < deadline, (
                "the swapping process did not start"
            )
            time.sleep(0.005)

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(5)


# --------------------------------------------------------------------------- races


@needs_symlinks
def test_a_symlink_swapped_in_after_the_check_never_reads_outside(tree, flipping) -> None:
    allowed, outside = tree
    flipping("file", allowed, outside, "flip.json")
    dirs = AllowedDirs((allowed,))
    read, escapes = 0, 0
    for _ in range(TRIES):
        try:
            _, data = read_allowed(str(allowed / "flip.json"), dirs, 1_000_000)
        except FileAccessError:
            continue
        read += 1
        escapes += data == SECRET
    assert escapes == 0, f"{escapes} of {TRIES} reads returned the outside file"
    assert read > 0


@needs_symlinks
def test_a_directory_swapped_for_a_link_never_reads_outside(tree, flipping) -> None:
    allowed, outside = tree
    (outside / "book.json").write_bytes(SECRET)
    (allowed / "staging").mkdir()
    (allowed / "staging" / "book.json").write_bytes(INSIDE)
    flipping("dir", allowed, outside, "sub")
    dirs = AllowedDirs((allowed,))
    escapes = 0
    for _ in range(TRIES):
        try:
            _, data = read_allowed(str(allowed / "sub" / "book.json"), dirs, 1_000_000)
        except FileAccessError:
            continue
        escapes += data == SECRET
    assert escapes == 0, f"{escapes} of {TRIES} reads returned the outside file"


@needs_symlinks
def test_writes_never_land_outside_while_the_directory_is_swapped(tree, flipping) -> None:
    allowed, outside = tree
    victim = outside / "victim.md"
    victim.write_text("precious")
    flipping("dir", allowed, outside, "out")
    dirs = AllowedDirs((allowed,))
    for i in range(TRIES):
        name = "victim.md" if i % 2 else f"draft-{i}.md"  # half try to overwrite, half to add a file
        with contextlib.suppress(FileAccessError):
            write_new(str(allowed / "out" / name), dirs, b"draft", suffixes=(".md",))
    assert sorted(p.name for p in outside.iterdir()) == ["secret.json", "victim.md"]
    assert victim.read_text() == "precious"


# --------------------------------------------------------------------------- pipes, devices, sizes


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_is_refused_at_once_by_the_server_and_the_cli(tree) -> None:
    allowed, _ = tree
    fifo = allowed / "pipe.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(FileAccessError, match="not a regular file"):
        read_allowed(str(fifo), AllowedDirs((allowed,)), 1_000)
    with pytest.raises(FileReadError, match="not a regular file"):
        read_regular_file(fifo, 1_000, "")
    assert time.monotonic() - started < 2


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_before_any_byte_is_read() -> None:
    started = time.monotonic()
    with pytest.raises(FileReadError, match="not a regular file"):
        read_regular_file("/dev/zero", 1_000_000, "")
    assert time.monotonic() - started < 2


def test_the_size_cap_holds_on_the_opened_file(tree) -> None:
    allowed, _ = tree
    (allowed / "big.json").write_bytes(b" " * 5_000)
    with pytest.raises(FileAccessError, match="5,000 bytes, over the 4,999 bytes limit"):
        read_allowed(str(allowed / "big.json"), AllowedDirs((allowed,)), 4_999)
    assert read_allowed(str(allowed / "big.json"), AllowedDirs((allowed,)), 5_000)[1] == b" " * 5_000


# --------------------------------------------------------------------------- one refusal


@needs_symlinks
def test_a_refused_path_reads_the_same_whether_or_not_anything_is_there(tree, tmp_path: Path) -> None:
    allowed, outside = tree
    (outside / "locked.json").write_bytes(SECRET)
    (outside / "locked.json").chmod(0)
    os.symlink(outside / "secret.json", allowed / "to-secret.json")
    os.symlink(outside / "nothing.json", allowed / "to-nothing.json")
    dirs = AllowedDirs((allowed,))
    candidates = {
        "existing": outside / "secret.json",
        "missing": outside / "nothing.json",
        "unreadable": outside / "locked.json",
        "directory": outside,
        "missing-directory": tmp_path / "no" / "such" / "file.json",
        "system": Path("/etc/shadow"),
        "link-to-existing": allowed / "to-secret.json",
        "link-to-missing": allowed / "to-nothing.json",
        "dotdot": allowed / ".." / "outside" / "secret.json",
    }
    messages = set()
    for label, path in candidates.items():
        with pytest.raises(FileAccessError) as caught:
            read_allowed(str(path), dirs, 1_000_000)
        messages.add(str(caught.value).replace(str(path), "PATH"))
        assert "outside the allowed directories" in str(caught.value), label
    assert len(messages) == 1, messages
    with pytest.raises(FileAccessError) as caught:
        write_new(str(outside / "secret.json"), dirs, b"x")
    assert str(caught.value).replace(str(outside / "secret.json"), "PATH") in messages


def test_inside_an_allowed_directory_the_reason_is_given(tree) -> None:
    allowed, _ = tree
    dirs = AllowedDirs((allowed,))
    with pytest.raises(FileAccessError, match="no such file"):
        read_allowed(str(allowed / "nope.json"), dirs, 1_000)
    with pytest.raises(FileAccessError, match="not a regular file"):
        read_allowed(str(allowed), dirs, 1_000)
    assert read_allowed("inside.json", dirs, 1_000) == (allowed / "inside.json", INSIDE)


@pytest.mark.parametrize("text", ["a\x00b.json", "", "   "])
def test_an_unusable_path_is_a_clear_error(tree, text: str) -> None:
    allowed, _ = tree
    with pytest.raises(FileAccessError, match=r"NUL|empty"):
        read_allowed(text, AllowedDirs((allowed,)), 1_000)
    with pytest.raises(FileAccessError, match=r"NUL|empty"):
        write_new(text, AllowedDirs((allowed,)), b"x")
    with pytest.raises(FileReadError, match=r"NUL|empty"):
        read_regular_file(text, 1_000, "")


# --------------------------------------------------------------------------- writes


@needs_symlinks
def test_write_new_creates_only_new_files(tree) -> None:
    allowed, outside = tree
    dirs = AllowedDirs((allowed,))
    target = write_new(str(allowed / "a.md"), dirs, b"first", suffixes=(".md",))
    assert target == allowed / "a.md" and target.read_bytes() == b"first"
    with pytest.raises(FileAccessError, match="already exists"):
        write_new(str(allowed / "a.md"), dirs, b"second", suffixes=(".md",))
    assert target.read_bytes() == b"first"
    os.symlink(outside / "new.md", allowed / "dangling.md")  # a link to a file that does not exist yet
    with pytest.raises(FileAccessError, match="already exists"):
        write_new(str(allowed / "dangling.md"), dirs, b"x", suffixes=(".md",))
    assert not (outside / "new.md").exists()
    with pytest.raises(FileAccessError, match=r"\.md"):
        write_new(str(allowed / "a.txt"), dirs, b"x", suffixes=(".md",))
    with pytest.raises(FileAccessError, match="no such directory"):
        write_new(str(allowed / "missing" / "b.md"), dirs, b"x", suffixes=(".md",))
    with pytest.raises(FileAccessError, match="not a directory"):
        write_new(str(allowed) + "/", dirs, b"x")


# --------------------------------------------------------------------------- the ceiling


def test_roots_narrow_configured_directories_and_widen_only_without_them(tmp_path: Path) -> None:
    configured = (tmp_path / "c").resolve()
    inside, beside = configured / "p", (tmp_path / "b").resolve()
    assert allowed_dirs((configured,), [inside]).dirs == (inside,)
    assert allowed_dirs((configured,), [tmp_path.resolve()]).dirs == (configured,)
    # A root that overlaps no configured directory (Claude Code's project folder) leaves them as they are.
    assert allowed_dirs((configured,), [beside]).dirs == (configured,)
    assert allowed_dirs((configured,), [beside, inside]).dirs == (inside,)  # an overlapping one narrows
    assert allowed_dirs((), [beside]).dirs == (beside,)
    assert allowed_dirs((), [beside], use_roots=False).dirs == ()  # over HTTP roots count for nothing
    assert allowed_dirs((configured,), [beside], use_roots=False).dirs == (configured,)
    assert allowed_dirs((), []).dirs == ()


def test_the_filesystem_root_and_home_directories_are_never_roots(tmp_path: Path) -> None:
    home = Path(os.path.realpath(Path.home()))
    for wide in (Path("/"), home, home.parent):
        assert too_wide(wide), wide
    if sys.platform != "win32":
        for wide in ("/home", "/home/someone", "/Users", "/Users/someone"):
            assert too_wide(Path(os.path.realpath(wide))), wide
    assert not too_wide(tmp_path.resolve())
    result = allowed_dirs((), roots_to_dirs(["file:///", home.as_uri(), tmp_path.as_uri()]))
    assert result.dirs == (tmp_path.resolve(),)
    assert len(result.notes) == 2 and all("home directory" in n for n in result.notes)
    with pytest.raises(FileAccessError, match="not used: a root may not be the whole filesystem"):
        read_allowed("/etc/passwd", allowed_dirs((), roots_to_dirs(["file:///"])), 1_000)


def test_roots_that_are_not_local_directories_are_ignored() -> None:
    assert roots_to_dirs(["https://example.com/x", "file:///tmp/a%00b", "file:///tmp"]) == [
        Path("/tmp").resolve()
    ]


def test_a_load_through_the_tool_reads_the_same_way(tree) -> None:
    """The service's one reader is read_allowed: a symlinked file inside is read, one pointing out is not."""
    from customer_success_mcp.server.config import ServerConfig
    from customer_success_mcp.server.service import PortfolioService, UserError

    allowed, outside = tree
    shutil.copy(EXAMPLE, outside / "book.json")
    if hasattr(os, "symlink"):
        os.symlink(outside / "book.json", allowed / "escape.json")
    service = PortfolioService(ServerConfig(data_dir=allowed.parent / "data", allowed_dirs=(allowed,)))
    (allowed / "book.json").write_text(json.dumps(json.loads(EXAMPLE.read_text())))
    assert service.load(path=str(allowed / "book.json")).accepted == 50
    with pytest.raises(UserError, match="outside the allowed directories"):
        service.load(path=str(allowed / "escape.json"))
