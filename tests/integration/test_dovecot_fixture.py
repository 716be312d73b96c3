"""The Dovecot fixture itself: real APPEND/UID/flags, isolation, and a UIDVALIDITY change."""

from __future__ import annotations

import pytest
from imapclient.exceptions import LoginError

from tests import mailservers
from tests.mailservers import DovecotServer, ImapAccount

integration = pytest.mark.integration

MESSAGE = b"From: a@example.test\r\nSubject: hello\r\nMessage-ID: <1@example.test>\r\n\r\nhi\r\n"
OTHER = MESSAGE.replace(b"<1@", b"<2@")


def expunge(account: ImapAccount, uid: int, folder: str = "INBOX") -> None:
    client = account.connect()
    try:
        client.select_folder(folder)
        client.delete_messages([uid])
        client.expunge()
    finally:
        client.logout()


@integration
def test_append_uid_and_flags(dovecot: ImapAccount) -> None:
    uid = dovecot.append(MESSAGE)
    assert dovecot.uids() == [uid]
    assert dovecot.flags(uid) == set()
    assert dovecot.uids(criteria="UNSEEN") == [uid]

    client = dovecot.connect()
    try:
        client.select_folder("INBOX")
        client.add_flags([uid], [b"\\Seen"])
    finally:
        client.logout()

    assert dovecot.flags(uid) == {b"\\Seen"}
    assert dovecot.uids(criteria="UNSEEN") == []


@integration
def test_append_with_flags_to_a_new_folder(dovecot: ImapAccount) -> None:
    dovecot.create_folder("Support")
    assert dovecot.folders() == ["INBOX", "Support"]
    uid = dovecot.append(MESSAGE, folder="Support", flags=[b"\\Flagged"])
    assert dovecot.flags(uid, folder="Support") == {b"\\Flagged"}
    assert dovecot.uids() == []


@integration
@pytest.mark.parametrize("folder", ["INBOX", "Support"])
def test_recreate_folder_changes_uidvalidity_and_renumbers(
    dovecot: ImapAccount, folder: str
) -> None:
    if folder != "INBOX":
        dovecot.create_folder(folder)
    expunge(dovecot, dovecot.append(MESSAGE, folder=folder), folder)
    dovecot.append(OTHER, folder=folder, flags=[b"\\Seen"])
    before = dovecot.uidvalidity(folder)
    assert dovecot.uids(folder) == [2]

    after = dovecot.recreate_folder(folder)

    assert after != before and dovecot.uidvalidity(folder) == after
    assert dovecot.uids(folder) == [1]  # the same message, renumbered
    assert dovecot.flags(1, folder=folder) == {b"\\Seen"}  # flags survive


@integration
@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_an_empty_mailbox_of_its_own(dovecot: ImapAccount, round_: int) -> None:
    assert dovecot.uids() == []
    assert dovecot.folders() == ["INBOX"]
    dovecot.append(MESSAGE)
    dovecot.create_folder(f"Left-by-round-{round_}")


@integration
def test_accounts_do_not_see_each_other(
    dovecot_server: DovecotServer, dovecot: ImapAccount
) -> None:
    other = dovecot_server.new_account()
    assert other.user != dovecot.user and other.password != dovecot.password
    dovecot.append(MESSAGE)
    assert other.uids() == []
    with pytest.raises(LoginError):
        ImapAccount(other.host, other.port, other.user, dovecot.password, other.maildir).connect()


@pytest.mark.parametrize(
    ("required", "outcome"), [("", pytest.skip.Exception), ("1", pytest.fail.Exception)]
)
def test_a_missing_dovecot_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, required: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(mailservers, "_dovecot_binary", lambda: None)
    monkeypatch.setenv("MSP_REQUIRE_INTEGRATION", required)
    with pytest.raises(outcome, match="dovecot-imapd"):
        mailservers.require_dovecot()
