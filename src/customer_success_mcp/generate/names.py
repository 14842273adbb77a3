"""Invented company names for synthetic portfolios (word lists written for this project)."""

from __future__ import annotations

import random

from customer_success_mcp.generate.draws import choice as _choice


def _words(text: str) -> tuple[str, ...]:
    """Split a word list written as one string."""
    return tuple(text.split())


_NAME_HEADS = _words(
    "Amber Arbor Aspen Beacon Birch Bright Cedar Clear Cobalt Copper Crest Delta Ember Fern Flint "
    "Golden Granite Harbor Hazel Iron Juniper Key Lark Linden Maple Meridian North Oak Onyx "
    "Orchid Pine Prairie Quarry Raven Red Ridge River Sable Silver Slate Spruce Stone Summit "
    "Tidal Timber True Valley Vista Willow Zephyr"
)
_NAME_TAILS = _words(
    "bridge brook crest field forge gate haven hill lake light line mark mill point port rock "
    "shore spring stead view water wood works wave peak path ford dale bay"
)
_SURNAMES = _words(
    "Abbott Barlow Calloway Dunmore Ellery Fairbank Garrow Hollis Iverson Jardine Kessler Lowell "
    "Marchetti Navarro Okafor Pendleton Quintero Rasmussen Sandoval Thackeray Ueda Vance Whitlock "
    "Yardley Zielinski Brandt Castellano Dorsey Ferreira Lindqvist"
)
_INDUSTRIES = _words(
    "Analytics Bank Biotech Capital Clinics Communications Construction Consulting Dental Energy "
    "Engineering Foods Freight Health Holdings Insurance Labs Learning Logistics Manufacturing "
    "Media Medical Networks Partners Pharma Properties Retail Robotics Security Software "
    "Solutions Staffing Systems Technologies Telecom Travel Ventures Wellness Outfitters Brewing"
)
_LEGAL_SUFFIXES = ("", "", "", "Inc", "Inc", "LLC", "Ltd", "Group", "Co", "Corp")
_QUALIFIERS = ("North America", "EMEA", "APAC", "West", "East", "International", "Global")


def _company_name(rng: random.Random, used: set[str]) -> str:
    """Invent a plausible company name, unique within the portfolio."""
    name = ""
    for _ in range(6):
        if rng.random() < 0.8:
            stem = _choice(rng, _NAME_HEADS) + _choice(rng, _NAME_TAILS)
        elif rng.random() < 0.3:
            stem = f"{_choice(rng, _SURNAMES)} & {_choice(rng, _SURNAMES)}"
        else:
            stem = _choice(rng, _SURNAMES)
        suffix = _choice(rng, _LEGAL_SUFFIXES)
        name = f"{stem} {_choice(rng, _INDUSTRIES)}" + (f" {suffix}" if suffix else "")
        if name not in used:
            break
    while name in used:
        name = f"{name} {_choice(rng, _QUALIFIERS)}"
    used.add(name)
    return name
