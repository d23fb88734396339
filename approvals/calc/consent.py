"""The consent to sign electronically (ESIGN §7001(c)) shown before the client signs.
Its version and SHA-256 are stored with every signature, so the exact words are on record."""

import hashlib

CONSENT_VERSION = "2026-11"
DISCLOSURES = [
    (
        "Scope",
        "This consent covers signing this rebalancing proposal and receiving its record and "
        "receipts "
        "electronically. It does not cover any other document.",
    ),
    (
        "Paper copy",
        "You may ask your advisor for this proposal on paper, free of charge, before or after "
        "signing; "
        "you can also decline here and sign on paper instead.",
    ),
    (
        "Withdrawing consent",
        "You may withdraw your consent to electronic signatures at any time by telling your "
        "advisor. There is no fee; later proposals will then be sent to you on paper, which may "
        "take longer.",
    ),
    ("Keeping your contact details current", "Tell your advisor if your email address changes."),
    (
        "Hardware and software",
        "A current web browser and a PDF reader to open the signed copy, which is kept by your "
        "firm and available from this portal.",
    ),
]


def consent_text() -> str:
    return "\n".join(f"{title}: {text}" for title, text in DISCLOSURES)


def consent_sha256() -> str:
    return hashlib.sha256(consent_text().encode()).hexdigest()


# Every consent wording ever shown, by version: the signed PDF prints the exact words the
# client agreed to. A new wording gets a new version here; an old one is never edited.
CONSENT_TEXTS = {CONSENT_VERSION: DISCLOSURES}


def disclosures_for(version: str, sha256: str) -> list[tuple[str, str]] | None:
    """The disclosures of consent `version`, if their SHA-256 is the one stored with the
    signature (None otherwise: the words on record cannot be reproduced)."""
    texts = CONSENT_TEXTS.get(version)
    if texts is None:
        return None
    text = "\n".join(f"{title}: {body}" for title, body in texts)
    return texts if hashlib.sha256(text.encode()).hexdigest() == sha256 else None
