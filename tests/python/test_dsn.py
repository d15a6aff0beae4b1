"""Passwords never shown: mask_dsn."""

from __future__ import annotations

import pytest

from connguard import mask_dsn


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("mariadb://app:s3cret@db:3306/main", "mariadb://app:***@db:3306/main"),
        ("mysql://u:p@ss@h/db and more", "mysql://u:***@h/db and more"),
        ("mariadb://app@db/main", "mariadb://app@db/main"),
        ("host=h password=abc user=u", "host=h password=*** user=u"),
        ("{'user': 'u', 'password': 'xyz'}", "{'user': 'u', 'password': '***'}"),
        (
            "Access denied for user 'u'@'h' (using password: YES)",
            "Access denied for user 'u'@'h' (using password: YES)",
        ),
    ],
)
def test_mask_dsn(text: str, shown: str) -> None:
    assert mask_dsn(text) == shown
