"""Countries as UCDP and ACLED write them: names pycountry does not know, and the
Gleditsch-Ward codes of UCDP's `country_id`, `gwnoa` and `gwnob`.

Everything else is pycountry's (app.countries). Each answer says how it was found, for
the `notes` of the record it goes into.
"""

from functools import lru_cache

import pycountry

from app.countries import to_alpha2

NAMES: dict[str, str] = {
    # UCDP GED: the present name, then the one at the time in parentheses (the codebook:
    # "all the geocoding is time-aware"), and its own spellings. Each seen in the country
    # column of GED 23.1 (the 1,000-row sample of cran/uncertainUCDP), but the last three,
    # which are older UCDP names of the same form.
    "bosnia-herzegovina": "BA",
    "cambodia (kampuchea)": "KH",
    "dr congo (zaire)": "CD",
    "ivory coast": "CI",
    "kingdom of eswatini (swaziland)": "SZ",
    "macedonia, fyr": "MK",
    "myanmar (burma)": "MM",
    "russia (soviet union)": "RU",
    "serbia (yugoslavia)": "RS",
    "turkey": "TR",
    "yemen (north yemen)": "YE",
    "madagascar (malagasy)": "MG",
    "zimbabwe (rhodesia)": "ZW",
    "vietnam (north vietnam)": "VN",
    # ACLED's country names (its export's `country` column) that pycountry lacks; ACLED
    # also gives the ISO 3166-1 numeric code (`iso`), which is tried first.
    "democratic republic of congo": "CD",
    "republic of congo": "CG",
    "palestine": "PS",
    "russia": "RU",
    "cape verde": "CV",
    "east timor": "TL",
    "micronesia": "FM",
    "brunei": "BN",
    "swaziland": "SZ",
    "macedonia": "MK",
    "caribbean netherlands": "BQ",
    "vatican city": "VA",
    "falkland islands": "FK",
    "macau": "MO",
    "reunion": "RE",
    "curacao": "CW",
    "sint maarten": "SX",
    "saint martin": "MF",
    "saint-barthelemy": "BL",
}
"""Lower-case names to ISO 3166-1 alpha-2."""

GLEDITSCH_WARD: dict[int, str] = {
    # Gleditsch and Ward's list of independent states (Gleditsch, Kristian S. and Michael
    # D. Ward, 1999, "A revised list of independent states since the congress of Vienna",
    # International Interactions 25(4): 393-413; the list kept at ksgleditsch.com,
    # iisystem.dat and microstatessystem.dat), which UCDP uses for `country_id`, `gwnoa`
    # and `gwnob` (GED codebook 19.1, section 5.2). States of 1989 on, each to its present
    # ISO code; a state that has since merged or changed its name to its successor (365
    # Russia for the Soviet Union, 345 Serbia for Yugoslavia, 678 and 680 Yemen). The
    # codes checked against GED 23.1's country_id column: every one in the sample agrees.
    2: "US", 20: "CA", 31: "BS", 40: "CU", 41: "HT", 42: "DO", 51: "JM", 52: "TT",
    53: "BB", 54: "DM", 55: "GD", 56: "LC", 57: "VC", 58: "AG", 60: "KN", 70: "MX",
    80: "BZ", 90: "GT", 91: "HN", 92: "SV", 93: "NI", 94: "CR", 95: "PA", 100: "CO",
    101: "VE", 110: "GY", 115: "SR", 130: "EC", 135: "PE", 140: "BR", 145: "BO",
    150: "PY", 155: "CL", 160: "AR", 165: "UY",
    200: "GB", 205: "IE", 210: "NL", 211: "BE", 212: "LU", 220: "FR", 221: "MC",
    223: "LI", 225: "CH", 230: "ES", 232: "AD", 235: "PT", 255: "DE", 260: "DE",
    290: "PL", 305: "AT", 310: "HU", 316: "CZ", 317: "SK", 325: "IT", 331: "SM",
    338: "MT", 339: "AL", 341: "ME", 343: "MK", 344: "HR", 345: "RS", 346: "BA",
    349: "SI", 350: "GR", 352: "CY", 355: "BG", 359: "MD", 360: "RO", 365: "RU",
    366: "EE", 367: "LV", 368: "LT", 369: "UA", 370: "BY", 371: "AM", 372: "GE",
    373: "AZ", 375: "FI", 380: "SE", 385: "NO", 390: "DK", 395: "IS",
    402: "CV", 403: "ST", 404: "GW", 411: "GQ", 420: "GM", 432: "ML", 433: "SN",
    434: "BJ", 435: "MR", 436: "NE", 437: "CI", 438: "GN", 439: "BF", 450: "LR",
    451: "SL", 452: "GH", 461: "TG", 471: "CM", 475: "NG", 481: "GA", 482: "CF",
    483: "TD", 484: "CG", 490: "CD", 500: "UG", 501: "KE", 510: "TZ", 516: "BI",
    517: "RW", 520: "SO", 522: "DJ", 530: "ET", 531: "ER", 540: "AO", 541: "MZ",
    551: "ZM", 552: "ZW", 553: "MW", 560: "ZA", 565: "NA", 570: "LS", 571: "BW",
    572: "SZ", 580: "MG", 581: "KM", 590: "MU", 591: "SC",
    600: "MA", 615: "DZ", 616: "TN", 620: "LY", 625: "SD", 626: "SS", 630: "IR",
    640: "TR", 645: "IQ", 651: "EG", 652: "SY", 660: "LB", 663: "JO", 666: "IL",
    670: "SA", 678: "YE", 680: "YE", 690: "KW", 692: "BH", 694: "QA", 696: "AE",
    698: "OM",
    700: "AF", 701: "TM", 702: "TJ", 703: "KG", 704: "UZ", 705: "KZ", 710: "CN",
    712: "MN", 713: "TW", 731: "KP", 732: "KR", 740: "JP", 750: "IN", 760: "BT",
    770: "PK", 771: "BD", 775: "MM", 780: "LK", 781: "MV", 790: "NP", 800: "TH",
    811: "KH", 812: "LA", 816: "VN", 820: "MY", 830: "SG", 835: "BN", 840: "PH",
    850: "ID", 860: "TL",
    900: "AU", 910: "PG", 920: "NZ", 935: "VU", 940: "SB", 946: "KI", 947: "TV",
    950: "FJ", 955: "TO", 970: "NR", 983: "MH", 986: "PW", 987: "FM", 990: "WS",
}  # fmt: skip
"""Gleditsch-Ward state numbers to ISO 3166-1 alpha-2. Not here, so unknown: states gone
before 1989 or with no ISO code (265 German Democratic Republic, 315 Czechoslovakia, 347
Kosovo, 817 Republic of Vietnam)."""


@lru_cache(maxsize=1024)
def from_name(name: str) -> tuple[str, str] | None:
    """The alpha-2 of a country name as UCDP or ACLED write it, and how it was found."""
    key = name.strip().casefold()
    if key in NAMES:
        return NAMES[key], f"from country {name!r} (the import's table of the publishers' names)"
    code = to_alpha2(name)
    if code is None and "(" in name:  # "Present (Historical)": the present name
        code = to_alpha2(name.split("(")[0])
    return (code, f"from country {name!r} (pycountry)") if code else None


def from_gleditsch_ward(number: int, column: str) -> tuple[str, str] | None:
    """The alpha-2 of a Gleditsch-Ward state number, and how it was found."""
    code = GLEDITSCH_WARD.get(number)
    return (code, f"from {column} {number} (Gleditsch-Ward)") if code else None


def from_iso_numeric(number: int) -> tuple[str, str] | None:
    """The alpha-2 of an ISO 3166-1 numeric code (ACLED's `iso`), and how it was found."""
    country = pycountry.countries.get(numeric=f"{number:03d}")
    return (str(country.alpha_2), f"from iso {number} (ISO 3166-1 numeric)") if country else None
