"""Placeholder: the Excel helper replaces this with the 附件1 export/import (P5)."""

import dataclasses


@dataclasses.dataclass
class ImportResult:
    projects: list
    errors: list

    @property
    def ok(self) -> bool:
        return not self.errors


def export_ledger(projects, out, *, viewer) -> None:
    raise NotImplementedError


def import_ledger(*, user, upload) -> ImportResult:
    raise NotImplementedError
