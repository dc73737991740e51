"""Changing a column on SQLite in a migration: SQLite copies the table, and the copy must not take the rows of the
tables that refer to it with it."""

from __future__ import annotations


class foreign_keys_off_on_sqlite:
    """SQLite changes a column by copying its table; dropping the old copy of a table others refer to would
    delete (cascade) or refuse with foreign keys on, and PRAGMA foreign_keys is ignored inside a transaction: so
    the steps before are committed, the block runs in a transaction of its own with them off, and the
    references are checked before they are turned on again. Elsewhere it does nothing."""

    def __init__(self, bind) -> None:
        self.bind = bind

    def __enter__(self):
        if self.bind.dialect.name == "sqlite":
            self.bind.connection.dbapi_connection.commit()
            self.bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
            self.bind.exec_driver_sql("BEGIN")

    def __exit__(self, failed, *_):
        if self.bind.dialect.name != "sqlite":
            return
        if failed:
            self.bind.connection.dbapi_connection.rollback()
            self.bind.exec_driver_sql("PRAGMA foreign_keys=ON")
            return
        broken = self.bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"references broken while copying tables: {broken[:5]}")
        self.bind.connection.dbapi_connection.commit()
        self.bind.exec_driver_sql("PRAGMA foreign_keys=ON")
