"""LinkedIn's Connections.csv and Google Contacts' CSV, as their exports really look."""

from __future__ import annotations

from datetime import date

import pytest

from iiv.contacts import read_contacts
from iiv.contacts.contact import Contact, Unreadable, linkedin_key
from iiv.contacts.linkedin import connected_date
from iiv.errors import BadFile

LINKEDIN_NOTES = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are '
    "missing. You will only see email addresses for connections who have allowed their "
    "connections to see or download their email address using this setting "
    "https://www.linkedin.com/psettings/privacy/email. You can learn more here "
    'https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
)
LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
LINKEDIN_ROWS = (
    'Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace,,"Stripe, Inc.",Engineer,12 Mar 2024\n'
    'Grace,Hopper,https://www.linkedin.com/in/grace-hopper,grace@navy.example,US Navy,"Rear '
    'Admiral, retired",01 Jan 2020\n'
    ",,https://www.linkedin.com/in/private-member,,,,03 Feb 2023\n"
    "José,García,https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa,,,,31 Feb 2022\n"
)


def linkedin(text: str, bom: bool = True) -> tuple[tuple[Contact, ...], tuple[Unreadable, ...]]:
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    found = read_contacts("linkedin", data, "Connections.csv")
    return found.contacts, found.unreadable


def test_linkedin_export_with_quoted_notes_bom_and_quoted_commas() -> None:
    contacts, unreadable = linkedin(LINKEDIN_NOTES + LINKEDIN_HEADER + LINKEDIN_ROWS)
    ada, grace, jose = contacts
    assert ada == Contact(
        line=5,
        name="Ada Lovelace",
        linkedin="https://www.linkedin.com/in/ada-lovelace",
        company="Stripe, Inc.",
        role="Engineer",
        connected_on="2024-03-12",
        source="LinkedIn",
    )
    assert grace.emails == ("grace@navy.example",)
    assert grace.role == "Rear Admiral, retired"
    assert jose.name == "José García"
    assert jose.warnings == ("Connected On '31 Feb 2022' is not a date: left out",)
    assert unreadable == (Unreadable(7, "no name (LinkedIn leaves some members' names blank)"),)


def test_linkedin_notes_without_quotes_and_without_bom() -> None:
    notes = "Notes:\nWhen exporting, some e-mails are missing, as you know.\n\n"
    contacts, unreadable = linkedin(notes + LINKEDIN_HEADER + LINKEDIN_ROWS, bom=False)
    assert [c.line for c in contacts] == [5, 6, 8]
    assert unreadable == (Unreadable(7, "no name (LinkedIn leaves some members' names blank)"),)


def test_linkedin_older_export_without_url_position_and_date() -> None:
    text = "First Name,Last Name,Email Address,Company\nAda,Lovelace,ada@engines.example,Engines\n"
    contacts, unreadable = linkedin(text)
    assert contacts == (
        Contact(
            line=2,
            name="Ada Lovelace",
            emails=("ada@engines.example",),
            company="Engines",
            source="LinkedIn",
        ),
    )
    assert unreadable == ()


def test_linkedin_hostile_rows_are_reported_and_the_rest_read() -> None:
    rows = (
        'Ada,Lovelace,https://www.linkedin.com/in/ada,,Engines,"Analyst\nand poet",12 Mar 2024\n'
        "Too,Many,https://www.linkedin.com/in/x,,a,b,c,d,e\n"
        'Eve,Mallory,javascript:alert(1),,=HYPERLINK("http://evil"),,12 Mar 2024\n'
        f"Long,Name,,,{'x' * 2000},,\n"
        "Last,Row,https://www.linkedin.com/in/last,,,,\n"
    )
    contacts, unreadable = linkedin(LINKEDIN_HEADER + rows)
    assert [c.name for c in contacts] == ["Ada Lovelace", "Eve Mallory", "Long Name", "Last Row"]
    assert contacts[0].role == "Analyst and poet"
    assert contacts[1].linkedin is None
    assert contacts[1].warnings == (
        "URL 'javascript:alert(1)' is not a LinkedIn profile: left out",
    )
    assert contacts[1].company == '=HYPERLINK("http://evil")'  # plain text in a note: harmless
    assert contacts[2].warnings == ("Company: longer than 1000 characters: left out",)
    assert [c.line for c in contacts] == [2, 5, 6, 7]
    assert unreadable == (Unreadable(4, "9 fields where the header has 7 (an unquoted comma?)"),)


def test_not_a_linkedin_file_is_one_clear_line() -> None:
    with pytest.raises(BadFile) as raised:
        read_contacts("linkedin", b"BEGIN:VCARD\nFN:Ada\nEND:VCARD\n", "contacts.vcf")
    assert str(raised.value) == (
        "contacts.vcf: no LinkedIn header (First Name,Last Name,...) in its first lines: "
        "is it the Connections.csv of LinkedIn's data export?"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Mar 2024", date(2024, 3, 12)),
        ("1 Jan 2020", date(2020, 1, 1)),
        ("12-Mar-24", date(2024, 3, 12)),
        ("2024-03-12", date(2024, 3, 12)),
        ("3/12/24", date(2024, 3, 12)),
        ("12 Foo 2024", None),
        ("30 Feb 2024", None),
        ("yesterday", None),
    ],
)
def test_connected_on_dates(text: str, expected: date | None) -> None:
    assert connected_date(text) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/ada-lovelace",
        "http://linkedin.com/in/Ada-Lovelace/",
        "www.linkedin.com/in/ada-lovelace?trk=profile",
        "https://uk.linkedin.com/in/ada-lovelace#about",
        "HTTPS://WWW.LINKEDIN.COM/in/ada%2Dlovelace",
    ],
)
def test_linkedin_urls_are_normalised(url: str) -> None:
    assert linkedin_key(url) == "linkedin.com/in/ada-lovelace"


def test_other_urls_are_not_linkedin_profiles() -> None:
    assert linkedin_key("https://linkedin.com.evil.example/in/ada") is None
    assert linkedin_key("https://notlinkedin.com/in/ada") is None
    assert linkedin_key("") is None


GOOGLE_CURRENT = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,"
    "Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,"
    "Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,"
    "E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,"
    "Address 1 - Formatted,Address 1 - City,Website 1 - Label,Website 1 - Value\n"
    "Ada,,Lovelace,,,,,,Countess,,Analytical Engines,Analyst,Research,--12-10,"
    '"Met at the engines meetup.\nLikes Bernoulli numbers.",,* myContacts ::: Mentors ::: '
    "* starred,* Work,ada@engines.example ::: ada@other.example,Home,ada@home.example,Mobile,"
    '+44 161 496 0000,Work,"1 Engine Row, London",London,Profile,'
    "https://www.linkedin.com/in/ada-lovelace ::: https://ada.example\n"
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
    ",,,,,,,,,,Just A Company,,,,,,,,,,,,,,,,,\n"
    ",,,,,,,,,,,,,,,,,,solo@mail.example,,,,,,,,,\n"
)
GOOGLE_OLDER = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,"
    "Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,"
    "Gender,Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,"
    "Priority,Subject,Notes,Language,Photo,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Organization 1 - Type,Organization 1 - Name,"
    "Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,"
    "Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description\n"
    "Grace Hopper,Grace,,Hopper,,,,,,,,,,,1906-12-09,,,,,,,,,,,Navy pioneer,,,"
    "* My Contacts ::: Navy Friends,* Work,grace@navy.example,Mobile,+1 555 0100,,US Navy,,"
    "Rear Admiral,,,,\n"
)


def test_google_current_layout() -> None:
    found = read_contacts("google", b"\xef\xbb\xbf" + GOOGLE_CURRENT.encode(), "contacts.csv")
    ada, solo = found.contacts
    assert ada == Contact(
        line=2,
        name="Ada Lovelace",
        aliases=("Countess",),
        emails=("ada@engines.example", "ada@other.example", "ada@home.example"),
        phones=("+44 161 496 0000",),
        linkedin="https://www.linkedin.com/in/ada-lovelace",
        urls=("https://ada.example",),
        company="Analytical Engines",
        department="Research",
        role="Analyst",
        location="London",
        tags=("Mentors",),
        birthday="--12-10",
        notes="Met at the engines meetup.\nLikes Bernoulli numbers.",
    )
    assert solo.name == "solo@mail.example" and solo.line == 6
    assert found.unreadable == (Unreadable(5, "no name and no e-mail"),)


def test_google_older_layout() -> None:
    found = read_contacts("google", GOOGLE_OLDER.encode(), "google.csv")
    assert found.contacts == (
        Contact(
            line=2,
            name="Grace Hopper",
            emails=("grace@navy.example",),
            phones=("+1 555 0100",),
            company="US Navy",
            role="Rear Admiral",
            tags=("Navy-Friends",),
            birthday="1906-12-09",
            notes="Navy pioneer",
        ),
    )


def test_a_linkedin_file_is_not_a_google_file() -> None:
    with pytest.raises(BadFile, match="no Google Contacts header"):
        read_contacts("google", (LINKEDIN_NOTES + LINKEDIN_HEADER).encode(), "Connections.csv")


def test_a_field_too_long_for_csv_is_one_unreadable_row() -> None:
    text = LINKEDIN_HEADER + f'Ada,Lovelace,,,"{"x" * 200_000}",,\n' + "Grace,Hopper,,,,,\n"
    contacts, unreadable = linkedin(text)
    assert [c.name for c in contacts] == ["Grace Hopper"]
    assert unreadable == (Unreadable(2, "unreadable CSV: field larger than field limit (131072)"),)
