"""Reference data of the demo company: regions and countries, industries, segments, products, names.

Brightwater Analytics is fictional: a B2B software vendor selling the Beacon platform, add-ons and
services. The weights below are what make the company uneven (regions, segments, industries).
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY = "Brightwater Analytics"
EMAIL_DOMAIN = "brightwater.example"
MAIN_CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    weight: float
    currency: str
    cities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Region:
    key: str  # used in external ids
    name: str
    account_share: float
    deal_size: float  # multiplier on deal sizes: what makes territory potential uneven
    countries: tuple[Country, ...]


REGIONS: tuple[Region, ...] = (
    Region(
        "NA",
        "North America",
        0.42,
        1.15,
        (
            Country(
                "United States",
                0.86,
                "USD",
                ("New York", "Chicago", "San Francisco", "Austin", "Boston", "Seattle", "Atlanta", "Denver"),
            ),
            Country("Canada", 0.14, "USD", ("Toronto", "Vancouver", "Montreal")),
        ),
    ),
    Region(
        "EMEA",
        "EMEA",
        0.30,
        1.0,
        (
            Country("United Kingdom", 0.30, "GBP", ("London", "Manchester", "Edinburgh")),
            Country("Germany", 0.24, "EUR", ("Berlin", "Munich", "Hamburg")),
            Country("France", 0.16, "EUR", ("Paris", "Lyon")),
            Country("Netherlands", 0.12, "USD", ("Amsterdam", "Rotterdam")),
            Country("Sweden", 0.08, "USD", ("Stockholm", "Gothenburg")),
            Country("United Arab Emirates", 0.10, "USD", ("Dubai", "Abu Dhabi")),
        ),
    ),
    Region(
        "APAC",
        "APAC",
        0.17,
        0.9,
        (
            Country("Australia", 0.34, "USD", ("Sydney", "Melbourne", "Brisbane")),
            Country("Japan", 0.26, "USD", ("Tokyo", "Osaka")),
            Country("Singapore", 0.20, "USD", ("Singapore",)),
            Country("India", 0.20, "USD", ("Bengaluru", "Mumbai", "Pune")),
        ),
    ),
    Region(
        "LATAM",
        "LATAM",
        0.11,
        0.7,
        (
            Country("Brazil", 0.45, "USD", ("São Paulo", "Rio de Janeiro")),
            Country("Mexico", 0.35, "USD", ("Mexico City", "Monterrey")),
            Country("Chile", 0.20, "USD", ("Santiago",)),
        ),
    ),
)

REGIONS_FOR_SMALL_ORG = 3  # below FOUR_REGION_REPS reps the company is not yet in LATAM
FOUR_REGION_REPS = 24


@dataclass(frozen=True, slots=True)
class Segment:
    key: str
    name: str
    account_share: float
    rep_share: float  # share of rep seats: small deals need more hands per account
    employees: tuple[int, int]  # inclusive range, drawn log-uniformly
    deals_per_month: float  # new-business and upsell opportunities one ramped rep creates
    stage_days: float  # mean days per stage: the sales cycle scales with it
    units: tuple[int, int]  # platform units per deal, by account size


SEGMENTS: tuple[Segment, ...] = (
    Segment("SMB", "SMB", 0.55, 0.42, (8, 199), 5.0, 8.0, (1, 2)),
    Segment("MM", "Mid-Market", 0.30, 0.34, (200, 1999), 3.0, 18.0, (1, 4)),
    Segment("ENT", "Enterprise", 0.15, 0.24, (2000, 60000), 1.3, 40.0, (1, 6)),
)

SIZE_BANDS: tuple[tuple[int, str], ...] = (
    (50, "1-49"),
    (200, "50-199"),
    (1000, "200-999"),
    (5000, "1000-4999"),
    (10**9, "5000+"),
)


@dataclass(frozen=True, slots=True)
class Industry:
    name: str
    weight: float
    revenue_per_employee: int  # USD
    nouns: tuple[str, ...]


INDUSTRIES: tuple[Industry, ...] = (
    Industry("Technology", 0.18, 310_000, ("Systems", "Software", "Labs", "Networks", "Digital")),
    Industry("Financial Services", 0.13, 460_000, ("Capital", "Bank", "Partners", "Financial", "Insurance")),
    Industry("Healthcare", 0.12, 190_000, ("Health", "Medical", "Care", "Clinics", "Biosciences")),
    Industry(
        "Manufacturing", 0.13, 260_000, ("Industries", "Manufacturing", "Works", "Components", "Tooling")
    ),
    Industry("Retail", 0.11, 210_000, ("Retail", "Stores", "Brands", "Outfitters", "Market")),
    Industry("Logistics", 0.08, 230_000, ("Logistics", "Freight", "Shipping", "Transport", "Supply")),
    Industry("Energy", 0.06, 620_000, ("Energy", "Power", "Utilities", "Renewables", "Petroleum")),
    Industry("Media", 0.06, 240_000, ("Media", "Studios", "Publishing", "Broadcasting", "Entertainment")),
    Industry("Education", 0.06, 95_000, ("Academy", "Learning", "Institute", "Education", "Schools")),
    Industry(
        "Professional Services", 0.07, 170_000, ("Consulting", "Advisory", "Group", "Associates", "Legal")
    ),
)

NAME_WORDS: tuple[str, ...] = (
    "Acorn",
    "Alder",
    "Apex",
    "Arbor",
    "Atlas",
    "Aurora",
    "Basalt",
    "Beacon",
    "Birch",
    "Blue Harbor",
    "Bridgewell",
    "Cedar",
    "Cobalt",
    "Copper",
    "Crescent",
    "Delta",
    "Ember",
    "Evergreen",
    "Falcon",
    "Fjord",
    "Granite",
    "Harbor",
    "Helix",
    "Horizon",
    "Indigo",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Lumen",
    "Maple",
    "Meridian",
    "Monarch",
    "Northgate",
    "Oak Ridge",
    "Orbit",
    "Pinnacle",
    "Polar",
    "Quartz",
    "Redwood",
    "Riverstone",
    "Sable",
    "Sequoia",
    "Silverline",
    "Summit",
    "Tidewater",
    "Trident",
    "Vantage",
    "Willow",
    "Zenith",
)

FIRST_NAMES: tuple[str, ...] = (
    "Aisha",
    "Alejandro",
    "Amara",
    "Ana",
    "Arjun",
    "Ben",
    "Camille",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Diego",
    "Elena",
    "Emeka",
    "Emma",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Hiro",
    "Ines",
    "Isaac",
    "Jade",
    "James",
    "Jonas",
    "Julia",
    "Kai",
    "Kofi",
    "Lars",
    "Laura",
    "Leila",
    "Liam",
    "Lucia",
    "Maya",
    "Mei",
    "Marco",
    "Nadia",
    "Noah",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Ravi",
    "Rosa",
    "Sam",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
)
LAST_NAMES: tuple[str, ...] = (
    "Adeyemi",
    "Alvarez",
    "Andersson",
    "Bauer",
    "Becker",
    "Bianchi",
    "Brown",
    "Castillo",
    "Chen",
    "Cohen",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Gupta",
    "Hansen",
    "Hughes",
    "Ito",
    "Jensen",
    "Kapoor",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Pereira",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Torres",
    "Van Dijk",
    "Walker",
    "Wang",
    "Weber",
    "Wilson",
    "Yamamoto",
    "Zhang",
)


@dataclass(frozen=True, slots=True)
class Product:
    key: str
    name: str
    family: str
    list_price: int  # whole USD: every price book amount stays an exact integer
    subscription: bool  # renews every year; services are one-off


PLATFORM = "Platform"
ADD_ON = "Add-on"
SERVICES = "Services"

PRODUCTS: tuple[Product, ...] = (
    Product("BCN-CORE", "Beacon Core", PLATFORM, 9_600, subscription=True),
    Product("BCN-PRO", "Beacon Professional", PLATFORM, 24_000, subscription=True),
    Product("BCN-ENT", "Beacon Enterprise", PLATFORM, 72_000, subscription=True),
    Product("ADD-FCST", "Forecasting Add-on", ADD_ON, 6_000, subscription=True),
    Product("ADD-CONN", "Data Connectors", ADD_ON, 4_800, subscription=True),
    Product("ADD-SEC", "Advanced Security", ADD_ON, 7_200, subscription=True),
    Product("ADD-SUP", "Premium Support", ADD_ON, 3_600, subscription=True),
    Product("SRV-IMPL", "Implementation Package", SERVICES, 12_000, subscription=False),
    Product("SRV-TRN", "Training Workshop", SERVICES, 2_500, subscription=False),
    Product("SRV-CONS", "Consulting Days (5)", SERVICES, 7_500, subscription=False),
)
PLATFORM_BY_SEGMENT = {"SMB": 0, "MM": 1, "ENT": 2}  # index into PRODUCTS
ADD_ON_INDEXES = (3, 4, 5, 6)
SERVICE_INDEXES = (7, 8, 9)

# Local price books: whole units per 100 USD, so every local price is an exact integer.
PRICE_BOOK_PER_100_USD = {"USD": 100, "EUR": 92, "GBP": 79}
# Reference rates for converting local bookings to USD (quotas, potentials): per 1 unit of the currency.
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.09, "GBP": 1.27}


def local_price(usd: int, currency: str) -> int:
    """The list price in whole units of `currency`, rounded to tens of units (a price book's habit)."""
    local = usd * PRICE_BOOK_PER_100_USD[currency]
    return (local + 500) // 1000 * 10


STAGES: tuple[str, ...] = ("Prospecting", "Qualification", "Proposal", "Negotiation")
WON_STAGE = "Closed Won"
LOST_STAGE = "Closed Lost"
