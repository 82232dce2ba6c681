"""The invoices the extraction route reads, the JSON schema it must fill, and broken outputs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fi_dagster.demo import semconv as oi

CURRENCIES = ("USD", "EUR", "GBP")
VENDORS = (
    "Contoso Office Supply",
    "Fabrikam Logistics",
    "Litware Software",
    "Tailspin Catering",
    "Wingtip Print Co",
    "Adventure Works Hardware",
)
CATALOG = (
    ("Copy paper, box of 5 reams", 3450),
    ("Black toner cartridge", 8900),
    ("Freight handling", 12500),
    ("Annual license seat", 24000),
    ("Catering for 20 people", 46000),
    ("Business cards, 500 pieces", 4200),
    ("Cordless drill", 13900),
    ("Ergonomic footrest", 5990),
    ("Consulting hour", 15000),
)
INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "vendor": {"type": "string"},
        "invoice_date": {"type": "string", "format": "date"},
        "currency": {"type": "string", "enum": list(CURRENCIES)},
        "total": {"type": "number"},
        "line_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "quantity": {"type": "integer"},
                    "unit_price": {"type": "number"},
                },
                "required": ["description", "quantity", "unit_price"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["invoice_number", "vendor", "invoice_date", "currency", "total", "line_items"],
    "additionalProperties": False,
}
RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "invoice", "strict": True, "schema": INVOICE_SCHEMA},
}
DEFECTS = ("truncated", "missing_key", "wrong_type")


@dataclass(frozen=True)
class Invoice:
    """An invoice as the vendor issued it."""

    number: str
    vendor: str
    issued: date
    currency: str
    lines: tuple[tuple[str, int, int], ...]  # description, quantity, unit price in cents

    @property
    def total_cents(self) -> int:
        return sum(quantity * cents for _, quantity, cents in self.lines)


def draw_invoice(rng: random.Random, day: date) -> Invoice:
    lines = tuple(
        (description, rng.randint(1, 12), cents)
        for description, cents in rng.sample(CATALOG, rng.randint(1, 4))
    )
    number = f"INV-{day.year}-{rng.randrange(100000):05d}"
    issued = day - timedelta(days=rng.randint(0, 30))
    return Invoice(number, rng.choice(VENDORS), issued, rng.choice(CURRENCIES), lines)


def invoice_text(invoice: Invoice) -> str:
    """The invoice as OCR hands it to the app."""
    rows = [f"{q:>4}  {d:<28} {c / 100:>10,.2f}" for d, q, c in invoice.lines]
    return "\n".join(
        [
            f"INVOICE {invoice.number}",
            f"From: {invoice.vendor}",
            f"Date: {invoice.issued:%d %b %Y}",
            " Qty  Description                  Unit price",
            *rows,
            f"TOTAL DUE ({invoice.currency}): {invoice.total_cents / 100:,.2f}",
        ]
    )


def extracted(invoice: Invoice) -> dict[str, Any]:
    """The correct extraction, which satisfies ``INVOICE_SCHEMA``."""
    return {
        "invoice_number": invoice.number,
        "vendor": invoice.vendor,
        "invoice_date": invoice.issued.isoformat(),
        "currency": invoice.currency,
        "total": invoice.total_cents / 100,
        "line_items": [
            {"description": d, "quantity": q, "unit_price": c / 100} for d, q, c in invoice.lines
        ],
    }


def broken_output(rng: random.Random, invoice: Invoice) -> tuple[str, str]:
    """An output that fails validation: truncated JSON, a missing key or a wrong type."""
    data = extracted(invoice)
    defect = rng.choice(DEFECTS)
    if defect == "truncated":
        text = oi.json_text(data)
        return text[: int(len(text) * rng.uniform(0.3, 0.9))], defect
    if defect == "missing_key":
        del data[rng.choice(["total", "invoice_date", "currency", "line_items"])]
    else:
        data["total"] = f"{invoice.total_cents / 100:,.2f} {invoice.currency}"
    return oi.json_text(data), defect
