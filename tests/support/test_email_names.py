"""A name for e-mails that names the topic is refused, for a helper and for a group.

Kept out of tests/support/test_email_discretion.py, whose tests all run among a helper "sanne"
and a group "groep" made once for the module (tests/shared_rows.py): this test makes its own.
"""

import pytest
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db


def test_a_name_for_emails_that_names_the_topic_is_refused(make_helper, make_group) -> None:
    helper = make_helper("sanne", email_name="Sanne, relatietherapeut")
    group = make_group("groep", email_name="Lotgenotengroep dinsdag")
    for entry in (helper, group):
        with pytest.raises(ValidationError) as refused:
            entry.full_clean()
        assert set(refused.value.message_dict) == {"email_name"}
    helper.email_name, group.email_name = "Sanne", "Groep op dinsdag"
    helper.full_clean()
    group.full_clean()
