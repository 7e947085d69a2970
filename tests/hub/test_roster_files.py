"""Rosters as files, byte for byte as Excel and LibreOffice save a sheet (alice / Alice Martin, bob / "Durand;
Bob", chloe / Chloé Petit, with a title row), read by hub/classroom.py on the host as in the hub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub.classroom import RosterError, read_roster

pytestmark = pytest.mark.pure
HUB = Path(__file__).resolve().parents[2] / "hub"

EXPECTED = [("alice", "Alice Martin"), ("bob", "Durand; Bob"), ("chloe", "Chloé Petit")]

FILES = {
    # Excel (French Windows), "CSV UTF-8 (délimité par des virgules)": BOM, the locale's list separator `;`, CRLF.
    "excel-csv-utf8-fr": b'\xef\xbb\xbfusername;nom\r\nalice;Alice Martin\r\nbob;"Durand; Bob"\r\n'
                         b"chloe;Chlo\xc3\xa9 Petit\r\n",
    # Excel (English locale), "CSV UTF-8 (Comma delimited)": BOM, `,`, CRLF; the failing file.
    "excel-csv-utf8-en": b'\xef\xbb\xbfusername,name\r\nalice,Alice Martin\r\nbob,Durand; Bob\r\n'
                         b"chloe,Chlo\xc3\xa9 Petit\r\n",
    # Excel (French Windows), "CSV (séparateur: point-virgule)": Windows-1252, `;`, CRLF, an empty row as `;`.
    "excel-csv-cp1252": b'Nom;Nom affich\xe9\r\nalice;Alice Martin\r\n;\r\nbob;"Durand; Bob"\r\nchloe;Chlo\xe9 Petit\r\n',
    # LibreOffice Calc, "Texte CSV" defaults: UTF-8 without BOM, `,`, LF, text quoted where needed.
    "libreoffice-csv": b'username,name\nalice,Alice Martin\nbob,Durand; Bob\nchloe,Chlo\xc3\xa9 Petit\n',
    # LibreOffice with `;` and every text cell quoted, no title row, no newline at the end.
    "libreoffice-quoted": b'"alice";"Alice Martin"\n"bob";"Durand; Bob"\n"chloe";"Chlo\xc3\xa9 Petit"',
}


@pytest.mark.parametrize("kind", FILES)
def test_spreadsheet_exports_are_read(tmp_path, kind):
    path = tmp_path / "class.csv"
    path.write_bytes(FILES[kind])
    assert [(s.name, s.display_name) for s in read_roster(path, admin="teacher")] == EXPECTED
    check = subprocess.run([sys.executable, str(HUB / "classroom.py"), "roster", str(path)],
                           capture_output=True, text=True, check=False)  # what make hub runs before anything
    assert (check.returncode, check.stdout.split()) == (0, ["alice", "bob", "chloe"]), check.stderr


REFUSED = {
    # Excel's "Texte Unicode (*.txt)": UTF-16 LE with BOM, tab-separated.
    "utf16": ("alice\tAlice\r\n".encode("utf-16"), "UTF-16"),
    "tabs": (b"alice\tAlice Martin\r\nbob\tBob\r\n", "ligne 1 : colonnes séparées par des tabulations"),
    # A byte that is neither UTF-8 nor Windows-1252 (0x81 is undefined there), on line 3.
    "bad-byte": (b"alice\r\nbob\r\nch\x81loe\r\n", "ligne 3 : l'octet 0x81"),
    "three-columns": (b"nom;prenom;identifiant\r\nMartin;Alice;alice\r\n", "ligne 2 : 3 colonnes"),
    "capitals": (b"\xef\xbb\xbfusername,name\r\nAlice,Alice Martin\r\n", "ligne 2 : « Alice »"),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_other_files_are_refused_with_the_line_and_the_fix(tmp_path, kind):
    data, message = REFUSED[kind]
    path = tmp_path / "class.csv"
    path.write_bytes(data)
    with pytest.raises(RosterError) as error:
        read_roster(path)
    assert message in str(error.value) and str(error.value).startswith(str(path))
    assert any(word in str(error.value) for word in ("enregistrez", "écrivez", "attend", "minuscule"))
