"""cached_keystore: one store per path while its folder is unchanged."""

from __future__ import annotations

import os
import shutil

from secrules.gbcs import cached_keystore, clear_keystore_cache


def test_the_same_store_until_the_folder_changes(keystore_dir, tmp_path):
    folder = tmp_path / "store"
    shutil.copytree(keystore_dir, folder)
    clear_keystore_cache()
    first = cached_keystore(folder)
    assert cached_keystore(str(folder)) is first
    before = len(first.entries())
    victim = next(p for p in sorted(folder.iterdir()) if p.name.endswith("-ds.pem"))
    victim.unlink()
    info = folder.stat()  # make sure the mtime moves even on a coarse clock
    os.utime(folder, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    second = cached_keystore(folder)
    assert second is not first
    assert len(second.entries()) < before
    clear_keystore_cache()
    assert cached_keystore(folder) is not second


def test_check_with_a_path_reuses_the_store(keystore_dir, rtds_files, hexfile):
    import secrules

    clear_keystore_cache()
    raw = hexfile(rtds_files[0])
    assert secrules.check(raw, keystore=keystore_dir) == secrules.check(raw, keystore=keystore_dir)
    assert cached_keystore(keystore_dir) is cached_keystore(keystore_dir)
