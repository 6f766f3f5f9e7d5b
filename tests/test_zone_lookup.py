"""A zone name is checked by reading the folders on its path, not the whole zone database; the
answer must stay the one the whole database gives."""

from __future__ import annotations

import os
import zoneinfo

import pytest

from core.errors import InvalidInput
from core.schedules.triggers.zones import _is_zone_file, _known_zones, zone


def test_every_file_of_the_zone_database_is_a_zone_exactly_when_the_full_list_holds_it() -> None:
    known = set(_known_zones().values())
    roots = [root for root in zoneinfo.TZPATH if os.path.isdir(root)]
    if not roots:  # no system zone database: every name takes the full list's way
        assert not _is_zone_file("Europe/Paris")
        return
    names = {
        os.path.relpath(os.path.join(folder, entry), roots[0]).replace(os.sep, "/")
        for folder, dirs, files in os.walk(roots[0])
        for entry in dirs + files
    }
    assert len(names) > 400
    assert sorted(n for n in names if _is_zone_file(n) != (n in known)) == []


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("europe/paris", "write it as Europe/Paris"),
        ("Europe", "use an IANA name"),
        ("posix/Europe/Paris", "use an IANA name"),
        ("localtime", "use an IANA name"),
        ("zone.tab", "use an IANA name"),
        ("../etc/passwd", "use an IANA name"),
        ("Europe//Paris", "use an IANA name"),
        ("", "use an IANA name"),
    ],
)
def test_names_that_are_not_zones_are_refused_as_before(name: str, said: str) -> None:
    with pytest.raises(InvalidInput, match=said):
        zone(name)


def test_a_zone_spelt_exactly_loads() -> None:
    assert str(zone("America/Argentina/Buenos_Aires")) == "America/Argentina/Buenos_Aires"
