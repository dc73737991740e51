"""What a backup knows without a database: how it reaches PostgreSQL without putting the password on a command
line, where each key came from, and which backup a path names."""

from __future__ import annotations

import pytest

from dispatch.services.backups.errors import BackupRefused
from dispatch.services.backups.keys import KeySource, keys_in_use, operator_keeps, save_keys
from dispatch.services.backups.layout import MANIFEST, find_backup
from dispatch.services.backups.postgres import Server


def test_the_password_travels_in_the_environment_not_on_the_command_line():
    server = Server.from_url("postgresql+psycopg://dispatch:s3cret%40x@db.example:6432/dispatch?sslmode=require")
    assert server.dsn == "postgresql://dispatch@db.example:6432/dispatch?sslmode=require"
    assert server.environ()["PGPASSWORD"] == "s3cret@x" and server.name == "dispatch"


def test_each_key_is_named_with_where_it_came_from(tmp_path):
    (tmp_path / "personal_data_hash_key").write_text("hash-key\n")
    config = {"SECRET_KEY": "from-env", "PERSONAL_DATA_KEYS": "1:given", "PERSONAL_DATA_HASH_KEY": "hash-key", "AUDIT_KEY": None}
    keys = keys_in_use(config, tmp_path, {"SECRET_KEY": "from-env"})
    assert [(key.setting, key.source) for key in keys] == [
        ("SECRET_KEY", KeySource.ENVIRONMENT),
        ("PERSONAL_DATA_KEYS", KeySource.SETTINGS),
        ("PERSONAL_DATA_HASH_KEY", KeySource.INSTANCE_FILE),
    ]
    folder = tmp_path / "backup"
    folder.mkdir()
    described = save_keys(keys, folder, with_secrets=False)
    assert operator_keeps(described) == ["SECRET_KEY", "PERSONAL_DATA_KEYS"]
    assert (folder / "instance" / "personal_data_hash_key").read_text() == "hash-key\n"


def test_a_folder_of_several_backups_is_refused_naming_the_newest(tmp_path):
    for name in ("dispatch-20261201T020000Z", "dispatch-20261202T020000Z"):
        (tmp_path / name).mkdir()
        (tmp_path / name / MANIFEST).write_text("{}")
    with pytest.raises(BackupRefused, match="dispatch-20261202T020000Z") as refused:
        find_backup(tmp_path)
    assert "请指明其中一份" in str(refused.value)
