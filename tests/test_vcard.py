"""Reading vCards as address books write them (2.1, 3.0, 4.0, and their quirks) and writing 3.0."""

from __future__ import annotations

import pytest
import vobject

from iiv.contacts import read_contacts
from iiv.contacts.contact import Contact, Unreadable, birthday
from iiv.contacts.vcard import read_vcards, write_vcards
from iiv.errors import BadFile
from iiv.note import parse_note
from iiv.vault import load
from tests.helpers import EXAMPLE

CRLF = "\r\n"

# Outlook / old phones: 2.1, quoted-printable with a soft line break, bare TYPE words.
V21 = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:2.1",
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Fern=C3=A1ndez;Luc=C3=ADa;;;",
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Luc=C3=ADa Fern=C3=A1ndez",
        "TEL;WORK;VOICE:+34 91 555 0101",
        "TEL;CELL;PREF:+34 600 555 0102",
        "EMAIL;INTERNET:lucia@work.example",
        "EMAIL;INTERNET;PREF:lucia@home.example",
        "ORG:Robotica Iberica;Research;Perception",
        "TITLE:Perception lead",
        "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Met at ROSCon.=0D=0AAsk about the =",
        "lidar work.",
        "BDAY:1988-07-02",
        "END:VCARD",
        "",
    ]
)
# Apple Contacts: 3.0, grouped lines, a folded URL, a birthday without a year, categories.
V30_APPLE = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Hopper;Grace;Brewster Murray;;",
        "FN:Grace Hopper",
        "NICKNAME:Amazing Grace",
        "item1.EMAIL;type=INTERNET;type=pref:grace@navy.example",
        "item1.X-ABLabel:_$!<Work>!$_",
        "item2.URL;type=pref:https://www.linkedin.com/in/grace-",
        " hopper-1906/",
        "item3.URL:https://cobol.example/grace",
        "ADR;type=WORK:;;Pentagon;Arlington;VA;22202;USA",
        "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-09",
        "CATEGORIES:navy,compilers,early adopters",
        "END:VCARD",
        "",
    ]
)
# Google: 3.0 with the year-less birthday as --MMDD.
V30_GOOGLE = (
    "BEGIN:VCARD\nVERSION:3.0\nFN:Kenji Watanabe\nN:Watanabe;Kenji;;;\nBDAY:--0414\nEND:VCARD\n"
)
# 4.0: --MM-DD, PREF=1, no N, a Unicode name.
V40 = (
    "BEGIN:VCARD\nVERSION:4.0\nFN:Zoë Ω-Øster 李\nBDAY:--04-14\n"
    "EMAIL;TYPE=work:zoe@work.example\nEMAIL;PREF=1:zoe@home.example\nEND:VCARD\n"
)


def one(text: str) -> Contact:
    found = read_vcards(text)
    assert found.unreadable == ()
    assert len(found.contacts) == 1
    return found.contacts[0]


def test_version_2_1_with_quoted_printable_and_folded_lines() -> None:
    card = one(V21)
    assert card.name == "Lucía Fernández"
    assert card.emails == ("lucia@home.example", "lucia@work.example")  # PREF first
    assert card.phones == ("+34 600 555 0102", "+34 91 555 0101")
    assert (card.company, card.department) == ("Robotica Iberica", "Research, Perception")
    assert card.role == "Perception lead"
    assert card.notes == "Met at ROSCon.\nAsk about the lidar work."
    assert card.birthday == "1988-07-02"


def test_apple_3_0_groups_folded_url_birthday_without_year_and_categories() -> None:
    card = one(V30_APPLE)
    assert card.name == "Grace Hopper"
    assert card.aliases == ("Amazing Grace",)
    assert card.emails == ("grace@navy.example",)
    assert card.linkedin == "https://www.linkedin.com/in/grace-hopper-1906/"
    assert card.urls == ("https://cobol.example/grace",)
    assert card.location == "Arlington"
    assert card.birthday == "--12-09"
    assert card.tags == ("navy", "compilers", "early-adopters")


def test_google_and_4_0_birthdays_without_a_year() -> None:
    assert one(V30_GOOGLE).birthday == "--04-14"
    card = one(V40)
    assert card.birthday == "--04-14"
    assert card.name == "Zoë Ω-Øster 李"
    assert card.emails == ("zoe@home.example", "zoe@work.example")


def test_a_4_0_tel_uri_is_the_number_it_holds() -> None:
    card = one(
        "BEGIN:VCARD\nVERSION:4.0\nFN:Noor Aziz\n"
        "TEL;VALUE=uri;TYPE=home:tel:+44-161-496-0000\n"
        'TEL;VALUE=uri;PREF=1;TYPE="voice,cell":tel:+1-555-555-0100;ext=12\n'
        "END:VCARD\n"
    )
    assert card.phones == ("+1-555-555-0100 ext. 12", "+44-161-496-0000")


@pytest.mark.parametrize(
    ("text", "omit", "expected"),
    [
        ("1990-04-14", None, "1990-04-14"),
        ("19900414", None, "1990-04-14"),
        ("1990-04-14T00:00:00Z", None, "1990-04-14"),
        ("--0414", None, "--04-14"),
        ("--04-14", None, "--04-14"),
        ("1604-02-29", "1604", "--02-29"),
        ("--02-29", None, "--02-29"),
        ("1990-02-30", None, None),
        ("circa 1800", None, None),
        ("", None, None),
    ],
)
def test_birthday_forms(text: str, omit: str | None, expected: str | None) -> None:
    assert birthday(text, omit) == expected


def test_cards_without_fn_or_n_are_named_from_what_they_have() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Okafor;Amara;;;\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nNICKNAME:Sam\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nEMAIL:only@mail.example\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nORG:Just a Company\nEND:VCARD\n"
    )
    found = read_vcards(text)
    assert [c.name for c in found.contacts] == ["Amara Okafor", "Sam", "only@mail.example"]
    assert found.unreadable == (
        Unreadable(13, "vCard without a name (no FN, N, NICKNAME or EMAIL)"),
    )


def test_a_broken_card_is_reported_with_its_line_and_the_rest_read() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Before\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Broken\nthis line has no colon\nEND:VCARD\n"
        "stray text between cards\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:After\nBDAY:sometime\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Never closed\n"
    )
    found = read_vcards(text)
    assert [c.name for c in found.contacts] == ["Before", "After"]
    assert found.contacts[1].warnings == ("BDAY 'sometime' is not a date: left out",)
    lines = [(u.line, u.message.split(":")[0]) for u in found.unreadable]
    assert lines == [
        (8, "unreadable vCard"),
        (10, "text outside a vCard (BEGIN"),
        (16, "vCard never closed with END"),
    ]


def test_a_file_without_cards_is_one_clear_line() -> None:
    with pytest.raises(
        BadFile, match=r"^x.vcf: no vCard found \(a vCard starts with BEGIN:VCARD\)$"
    ):
        read_contacts("vcard", b"First Name,Last Name\nAda,Lovelace\n", "x.vcf")
    with pytest.raises(BadFile, match=r"^photo.vcf: a binary file, not text$"):
        read_contacts("vcard", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.vcf")


def test_utf16_and_a_bom_and_bad_bytes() -> None:
    assert (
        read_contacts("vcard", V40.encode("utf-16"), "u.vcf").contacts[0].name == "Zoë Ω-Øster 李"
    )
    assert read_contacts("vcard", b"\xef\xbb\xbf" + V40.encode(), "b.vcf").contacts[0].birthday
    found = read_contacts(
        "vcard", V30_GOOGLE.replace("Kenji", "K\xe9nji").encode("latin-1"), "l.vcf"
    )
    assert found.contacts[0].name == "K�nji Watanabe"
    assert found.unreadable == (
        Unreadable(
            3, "not valid UTF-8 (saved in another encoding?): unreadable bytes are shown as �"
        ),
    )


def test_hostile_values_are_bounded() -> None:
    huge = "A" * 5000
    text = f"BEGIN:VCARD\nVERSION:3.0\nFN:Eve\nORG:{huge}\nTITLE:line1\\nline2\nEND:VCARD\n"
    card = one(text)
    assert card.company is None
    assert card.role == "line1 line2"
    assert card.warnings == ("ORG: longer than 1000 characters: left out",)


def test_export_is_vcard_3_0_that_reads_back() -> None:
    people = sorted(load(EXAMPLE).people, key=lambda note: note.path)
    text = write_vcards(people)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    cards = list(vobject.readComponents(text))
    assert len(cards) == len(people) >= 12
    assert {card.version.value for card in cards} == {"3.0"}
    assert all(card.n.value.family and card.fn.value for card in cards)
    back = read_vcards(text)
    assert [c.name for c in back.contacts] == [p.title for p in people]
    assert back.unreadable == ()


def test_export_writes_every_contact_property() -> None:
    note = parse_note(
        "people/Ada.md",
        (
            b"---\ntype: person\nname: Ada Lovelace\naliases: [Ada]\ncompany: Engines\n"
            b"department: Research\nrole: Analyst\nemail: ada@engines.example\n"
            b"other_emails: [ada@home.example]\nphone: +44 161 496 0000\n"
            b"linkedin: https://www.linkedin.com/in/ada\nurls: [https://ada.example]\n"
            b"location: London\ntags: [maths, mentor]\nbirthday: --12-10\n---\n"
        ),
    )
    card = one(write_vcards([note]))
    assert card == Contact(
        line=1,
        name="Ada Lovelace",
        aliases=("Ada",),
        emails=("ada@engines.example", "ada@home.example"),
        phones=("+44 161 496 0000",),
        linkedin="https://www.linkedin.com/in/ada",
        urls=("https://ada.example",),
        company="Engines",
        department="Research",
        role="Analyst",
        location="London",
        tags=("maths", "mentor"),
        birthday="--12-10",
    )
