"""Country codes and names, from pycountry (ISO 3166-1)."""

from functools import lru_cache

import pycountry


@lru_cache(maxsize=1024)
def to_alpha2(value: str) -> str | None:
    """Alpha-2 for an alpha-2, alpha-3 or English name, any case; None if unknown."""
    try:
        return str(pycountry.countries.lookup(value.strip()).alpha_2)
    except LookupError:
        return None


@lru_cache(maxsize=512)
def country_name(alpha2: str | None) -> str | None:
    """The short English name users expect (`Iran`, not `Iran, Islamic Republic of`)."""
    if alpha2 is None:
        return None
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return None
    return str(getattr(country, "common_name", None) or country.name)


def alpha3(alpha2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=alpha2)
    return str(country.alpha_3) if country else None
