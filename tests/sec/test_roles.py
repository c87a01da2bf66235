from __future__ import annotations

import pytest
from hypothesis import given

from secrules.errors import SecrulesError
from secrules.sec import UserRole, parse_roles
from secrules.strategies.sec import user_roles


def test_seven_roles_with_short_codes():
    assert [r.code for r in UserRole] == ["IS", "ES", "GS", "ED", "GT", "RSA", "OU"]


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("ES", UserRole.EXPORT_SUPPLIER),
        ("es", UserRole.EXPORT_SUPPLIER),
        ("Export Supplier", UserRole.EXPORT_SUPPLIER),
        ("EXPORT_SUPPLIER", UserRole.EXPORT_SUPPLIER),
        ("EES", UserRole.EXPORT_SUPPLIER),
        ("Registered Supplier Agent", UserRole.REGISTERED_SUPPLIER_AGENT),
        ("ENO", UserRole.ELECTRICITY_DISTRIBUTOR),
        ("GNO", UserRole.GAS_TRANSPORTER),
        ("other user", UserRole.OTHER_USER),
    ],
)
def test_parse_name_code_or_alias(text, role):
    assert UserRole.parse(text) is role


@pytest.mark.parametrize("text", ["MDR", "", "Supplier", "I S X"])
def test_unknown_role_is_a_secrules_value_error(text):
    with pytest.raises(SecrulesError) as info:
        UserRole.parse(text)
    assert isinstance(info.value, ValueError)


def test_non_text_is_refused():
    with pytest.raises(ValueError, match="must be text"):
        UserRole.parse(7)  # type: ignore[arg-type]


@given(user_roles())
def test_parse_round_trips_code_name_and_title(role):
    assert UserRole.parse(role.code) is role
    assert UserRole.parse(role.name) is role
    assert UserRole.parse(role.title) is role


def test_parse_roles_from_comma_text():
    assert parse_roles("ES, RSA") == {
        UserRole.EXPORT_SUPPLIER,
        UserRole.REGISTERED_SUPPLIER_AGENT,
    }
    assert parse_roles([]) == frozenset()
