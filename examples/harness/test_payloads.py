"""What a harness checks with secrules: payloads conform, and broken ones break the right rule."""

from pathlib import Path

from secrules.gbcs import KeyStore
from secrules.testing import assert_conforms, assert_violates

# The two entries of the ECS37 template's Schedule (A-XDR Data, as hex), and the same Schedule
# switching Monday to Friday only: the template fixes every weekday.
TEMPLATE_SCHEDULE = (
    "0102020A12000003FF090600000A8064FF12000109040700000012FFFF0407FE04000905000001FFFF0905"
    "FFFFFFFFFF020A12000103FF090600000A8064FF1200020904091E000012FFFF0407FE04000905000001FFFF"
    "0905FFFFFFFFFF"
)
WEEKDAYS_ONLY = TEMPLATE_SCHEDULE.replace("0407FE", "0407F8")

# A DUIS 8.4 Update Inventory request with nothing to update.
EMPTY_UPDATE = """<?xml version="1.0" encoding="UTF-8"?>
<q:Request xmlns:q="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.1">
  <q:Header>
    <q:RequestID>90-b3-d5-1f-30-01-00-07:90-b3-d5-1f-30-00-00-02:43</q:RequestID>
    <q:CommandVariant>8</q:CommandVariant>
    <q:ServiceReference>8.4</q:ServiceReference>
    <q:ServiceReferenceVariant>8.4</q:ServiceReferenceVariant>
  </q:Header>
  <q:Body>
    <q:UpdateInventory>
      <q:DeviceID>00-DB-12-34-56-78-90-C1</q:DeviceID>
      <q:UpdateDeviceDetails/>
    </q:UpdateInventory>
  </q:Body>
</q:Request>
"""


def test_template_schedule_conforms():
    assert_conforms(TEMPLATE_SCHEDULE)


def test_weekdays_only_schedule_breaks_the_template():
    assert_violates(WEEKDAYS_ONLY, "gbcs.ecs37.exec_weekdays")


def test_weekdays_only_default_conflicts_with_the_proposed_table_28d():
    assert_violates(WEEKDAYS_ONLY, "gbcs.table28d.exec_weekdays", default_configuration=True)


def test_empty_update_is_refused():
    assert_violates(EMPTY_UPDATE, "duis.8-4.nothing-to-update")


def test_duis_templates_conform(duis_templates: list[Path]):
    for template in duis_templates:
        assert_conforms(template)


def test_signed_commands_verify(signed_commands: list[Path], secrules_keystore: KeyStore):
    for command in signed_commands:
        assert_conforms(command, keystore=secrules_keystore)


def test_a_flipped_signature_bit_is_caught(
    signed_commands: list[Path], secrules_keystore: KeyStore
):
    findings = assert_conforms(signed_commands[0], keystore=secrules_keystore)
    # Findings locate what they check: flip one bit inside the signature they verified.
    offset = next(f.offset for f in findings if f.rule_id == "gbcs.signature")
    message = bytearray.fromhex(signed_commands[0].read_text())
    message[offset + 8] ^= 0x01
    assert_violates(bytes(message), "gbcs.signature", keystore=secrules_keystore)
