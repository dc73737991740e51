"""Why a backup or a restore stopped, in Chinese and English; the CLI prints both and exits without a traceback."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that did not happen; ``zh`` and ``en`` say why and what to do."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return f"{self.zh}\n{self.en}"


class BackupRefused(BackupError):
    """Refused before anything was written (a bad folder, a database that is not empty, a mismatched backup)."""


class CorruptBackup(BackupError):
    """The backup file is not what its manifest says, or not a dump at all; nothing was restored."""


class ToolFailed(BackupError):
    """pg_dump, pg_restore or SQLite stopped with an error; its own words are in the message."""
