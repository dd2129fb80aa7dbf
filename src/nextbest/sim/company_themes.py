"""Listed companies by market: lines of business, their ESG profile, and words to name them.

A theme is a line of business (oil and gas, brewing, software, ...) with its GICS sector, the
words its company names use, its typical ESG score and the involvements it is screened for. A
listing is a stock market with its currency, typical share price, local naming and how many
companies of each theme it lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from nextbest.domain.enums import AssetClass, Controversy, Sector

__all__ = ["LISTINGS", "THEMES", "Listing", "Theme"]


@dataclass(frozen=True, slots=True)
class Theme:
    """A line of business: its sector, words for names, typical ESG score and involvements.

    >>> sorted(THEMES["tobacco"].controversies), THEMES["tobacco"].sector
    ([<Controversy.TOBACCO: 'TOBACCO'>], <Sector.CONSUMER_STAPLES: 'CONSUMER_STAPLES'>)
    """

    sector: Sector
    words: tuple[str, ...]
    esg: float
    controversies: frozenset[Controversy] = frozenset()
    asset_class: AssetClass = AssetClass.EQUITY


def _involved(*controversies: Controversy) -> frozenset[Controversy]:
    return frozenset(controversies)


THEMES: dict[str, Theme] = {
    "oil": Theme(
        Sector.ENERGY,
        ("Petroleum", "Oil & Gas", "Energy Resources", "Offshore", "Hydrocarbons"),
        26,
        _involved(Controversy.FOSSIL_FUELS),
    ),
    "coal": Theme(
        Sector.ENERGY,
        ("Coal", "Collieries", "Coal & Minerals"),
        15,
        _involved(Controversy.FOSSIL_FUELS),
    ),
    "tobacco": Theme(
        Sector.CONSUMER_STAPLES,
        ("Tobacco", "Leaf Tobacco", "Tobacco Holdings"),
        14,
        _involved(Controversy.TOBACCO),
    ),
    "brewer": Theme(
        Sector.CONSUMER_STAPLES,
        ("Breweries", "Brewing", "Distillers", "Spirits", "Vintners"),
        42,
        _involved(Controversy.ALCOHOL),
    ),
    "casino": Theme(
        Sector.CONSUMER_DISCRETIONARY,
        ("Casinos", "Gaming", "Resorts & Gaming", "Betting", "Leisure & Gaming"),
        33,
        _involved(Controversy.GAMBLING),
    ),
    "defence": Theme(
        Sector.INDUSTRIALS,
        ("Defence Systems", "Aerospace & Defence", "Munitions", "Defence Electronics"),
        30,
        _involved(Controversy.WEAPONS),
    ),
    "utility": Theme(
        Sector.UTILITIES, ("Power", "Water", "Renewables", "Electric", "Energy Networks"), 70
    ),
    "nuclear": Theme(
        Sector.UTILITIES,
        ("Nuclear Generation", "Atomic Power"),
        58,
        _involved(Controversy.NUCLEAR_POWER),
    ),
    "gas": Theme(
        Sector.UTILITIES,
        ("Gas Networks", "Gas Distribution"),
        44,
        _involved(Controversy.FOSSIL_FUELS),
    ),
    "tech": Theme(
        Sector.INFORMATION_TECHNOLOGY,
        ("Software", "Systems", "Semiconductors", "Data", "Digital", "Cloud Services"),
        72,
    ),
    "health": Theme(Sector.HEALTH_CARE, ("Medical", "Healthcare", "Diagnostics", "Health"), 64),
    "pharma": Theme(
        Sector.HEALTH_CARE,
        ("Pharmaceuticals", "Biosciences", "Laboratories"),
        52,
        _involved(Controversy.ANIMAL_TESTING),
    ),
    "bank": Theme(
        Sector.FINANCIALS, ("Bank", "Insurance", "Capital", "Assurance", "Financial"), 55
    ),
    "telecom": Theme(
        Sector.COMMUNICATION_SERVICES, ("Telecom", "Media", "Broadcasting", "Networks"), 60
    ),
    "retail": Theme(
        Sector.CONSUMER_DISCRETIONARY, ("Retail", "Stores", "Motors", "Homeware", "Apparel"), 50
    ),
    "food": Theme(
        Sector.CONSUMER_STAPLES, ("Foods", "Dairies", "Supermarkets", "Household Products"), 56
    ),
    "industrial": Theme(
        Sector.INDUSTRIALS, ("Engineering", "Logistics", "Rail", "Construction", "Industries"), 54
    ),
    "mining": Theme(Sector.MATERIALS, ("Mining", "Metals", "Platinum", "Chemicals", "Steel"), 36),
    "reit": Theme(
        Sector.REAL_ESTATE,
        ("Property REIT", "Logistics REIT", "Residential REIT", "Properties", "Realty Trust"),
        58,
        asset_class=AssetClass.PROPERTY,
    ),
}


def _counts(spec: str) -> dict[str, int]:
    """``"oil=3 coal=1"`` as ``{"oil": 3, "coal": 1}``: a listing's companies per theme."""
    return {key: int(count) for key, count in (item.split("=") for item in spec.split())}


@dataclass(frozen=True, slots=True)
class Listing:
    """One stock market: where its companies are, their names and how many of each theme.

    >>> uk = LISTINGS[0]
    >>> uk.region, uk.currency, uk.themes["tobacco"]
    ('UK', 'GBP', 2)
    """

    region: str
    currency: str
    median_price: float
    esg_shift: float
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    themes: dict[str, int]


LISTINGS = (
    Listing(
        "UK",
        "GBP",
        6.0,
        2.0,
        tuple(
            "Harrowgate Kestrel Thornbury Aldermere Dunmore Fenwick Ironbridge Juniper Kingsford"
            " Larkspur Marlow Northcliff Oakhurst Pemberton Ravensworth Saltmarsh Tanfield"
            " Valemont Westmere Yarrowby Ashcombe Bramwell Caldbeck Dovecote Elmstead Foxley"
            " Gorsedale Hawkridge Inchmore Kettleby Lindrick Mossgill Netherby Pickmere Quenby"
            " Rushmere Stanwick Tolland Wrenfield Sable".split()
        ),
        ("plc", "Group plc"),
        _counts(
            "oil=3 coal=1 tobacco=2 brewer=2 casino=2 defence=2 utility=3 nuclear=1 gas=1 "
            "tech=3 health=2 pharma=1 bank=3 telecom=2 retail=2 food=2 industrial=2 mining=2 "
            "reit=3"
        ),
    ),
    Listing(
        "South Africa",
        "ZAR",
        120.0,
        -3.0,
        tuple(
            "Karoo Blouberg Amatola Outeniqua Sneeuberg Langeberg Cederberg Swartland Kowie"
            " Umvoti Lowveld Namaqua Kalahari Magalies Hantam Keiskamma Klipfontein Goukamma"
            " Baviaans Witzenberg Mzimvubu Maluti Nuweveld Roggeveld Stormberg Suurberg"
            " Winterhoek Tankwa Gamtoos Kouga Breede Sabie".split()
        ),
        ("Ltd", "Group Ltd"),
        _counts(
            "oil=1 coal=2 tobacco=1 brewer=2 casino=2 defence=1 utility=1 tech=2 health=1 "
            "bank=3 telecom=2 retail=2 food=2 industrial=1 mining=3 reit=3"
        ),
    ),
    Listing(
        "US",
        "USD",
        85.0,
        -1.0,
        tuple(
            "Ambervale Bluffton Copperline Driftwood Eastbrook Foxhollow Grayhaven Ironwood"
            " Jasperton Kittredge Lakemont Millbrook Oakridge Pinecrest Quarryville Redfern"
            " Stonebrook Umberland Westfall Yellowpine Arrowhead Bellhaven Coldspring Deerfield"
            " Elkhorn Fairhaven Glenrock Hartwell Ivywood Larchmont Maplecrest Newbury Osprey"
            " Prairieview Riverbend Sagebrush Thistlewood Whitcomb Wolfcreek Bayard".split()
        ),
        ("Inc.", "Corp."),
        _counts(
            "oil=3 coal=1 tobacco=2 brewer=1 casino=2 defence=3 utility=2 nuclear=1 gas=1 "
            "tech=4 health=1 pharma=2 bank=3 telecom=2 retail=2 food=2 industrial=2 mining=1 "
            "reit=3"
        ),
    ),
    Listing(
        "Europe",
        "EUR",
        45.0,
        5.0,
        tuple(
            "Aurelis Belvora Castellan Danubia Elbrand Fjordane Gallion Helvara Istria Jorvik"
            " Kastell Marenco Nordhavn Provenza Quercia Rheinfeld Saronia Tessin Uppland"
            " Valdora Weserberg Zeeland Ardenne Lagunara Brenzia Orvenna".split()
        ),
        ("SE", "AG", "NV", "SA"),
        _counts(
            "oil=2 tobacco=1 brewer=2 casino=1 defence=2 utility=2 nuclear=1 tech=2 health=1 "
            "pharma=1 bank=2 telecom=1 retail=1 food=1 industrial=2 mining=1 reit=1"
        ),
    ),
)
