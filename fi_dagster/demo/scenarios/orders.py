"""The shop behind the support agent: requests, tool definitions, tool results and answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

ORDER_ID_PATTERN = "^ORD-[0-9]{5}$"
APOLOGY = "I'm sorry, I couldn't complete your request. Please try again later or contact support."

LOOKUP_ORDER = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "description": "Look up the shipping status of a customer's order.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "pattern": ORDER_ID_PATTERN},
                "include_items": {"type": "boolean"},
            },
            "required": ["order_id"],
            "additionalProperties": False,
        },
    },
}
REFUND_ORDER = {
    "type": "function",
    "function": {
        "name": "refund_order",
        "description": "Refund a customer's order to the original payment method.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "pattern": ORDER_ID_PATTERN},
                "amount_cents": {"type": "integer", "minimum": 1},
                "reason": {"type": "string", "enum": ["damaged", "late", "wrong_item", "missing"]},
            },
            "required": ["order_id", "amount_cents", "reason"],
            "additionalProperties": False,
        },
    },
}
TOOLS = {t["function"]["name"]: t for t in (LOOKUP_ORDER, REFUND_ORDER)}

REQUESTS = (
    ("lookup_order", "", "Where is my order {order}? It was supposed to arrive last week."),
    ("lookup_order", "", "Can you check the status of order {order} for me?"),
    ("lookup_order", "", "Hi, I ordered a {item} ({order}) and tracking has not moved in days."),
    ("refund_order", "damaged", "I want a refund for order {order}, the {item} arrived damaged."),
    ("refund_order", "missing", "Please refund order {order}. The {item} never showed up."),
    ("refund_order", "wrong_item", "Order {order} contained the wrong item, I want my money back."),
    ("refund_order", "late", "Order {order} arrived two weeks late, can I get a refund?"),
)
ITEMS = (
    ("standing desk", 34900),
    ("wireless headset", 12999),
    ("espresso grinder", 18950),
    ("mechanical keyboard", 8999),
    ("office chair", 24900),
    ("USB-C dock", 15900),
    ("monitor arm", 6450),
)
CARRIERS = ("UPS", "FedEx", "DHL", "USPS")


@dataclass(frozen=True)
class SupportCase:
    """One customer's request, and what the shop's systems know about it."""

    order_id: str
    tool: str
    reason: str
    item: str
    price_cents: int
    text: str


def draw_case(rng: random.Random) -> SupportCase:
    order_id = f"ORD-{rng.randrange(10000, 100000)}"
    tool, reason, phrasing = rng.choice(REQUESTS)
    item, price = rng.choice(ITEMS)
    text = phrasing.format(order=order_id, item=item)
    if rng.random() < 0.06:
        text += f" You can reach me at {rng.choice(('jane', 'li', 'omar'))}.doe@example.com."
    return SupportCase(order_id, tool, reason, item, price, text)


def tool_arguments(
    rng: random.Random, case: SupportCase, *, valid: bool
) -> tuple[dict[str, Any], str]:
    """The arguments the model emits, and the tool's validation error ("" when valid)."""
    return (valid_arguments(rng, case), "") if valid else invalid_arguments(rng, case)


def valid_arguments(rng: random.Random, case: SupportCase) -> dict[str, Any]:
    if case.tool == "lookup_order":
        return {"order_id": case.order_id, "include_items": rng.random() < 0.4}
    return {"order_id": case.order_id, "amount_cents": case.price_cents, "reason": case.reason}


def invalid_arguments(rng: random.Random, case: SupportCase) -> tuple[dict[str, Any], str]:
    """Arguments the tool's schema rejects (wrong type or missing key), and the tool's error."""
    args = valid_arguments(rng, case)
    choice = rng.randrange(3)
    if choice == 0:
        args["order_id"] = int(case.order_id[4:])
        return args, "order_id\n  Input should be a valid string [type=string_type]"
    if choice == 1 and case.tool == "refund_order":
        args["amount_cents"] = f"{case.price_cents / 100:.2f}"
        return args, "amount_cents\n  Input should be a valid integer [type=int_parsing]"
    missing = "order_id" if case.tool == "lookup_order" else rng.choice(["amount_cents", "reason"])
    del args[missing]
    return args, f"{missing}\n  Field required [type=missing]"


def tool_result(rng: random.Random, case: SupportCase, day: date) -> dict[str, Any]:
    if case.tool == "refund_order":
        refund_id = f"RF-{rng.randrange(16**6):06X}"
        return {
            "refund_id": refund_id,
            "order_id": case.order_id,
            "status": "approved",
            "amount_cents": case.price_cents,
        }
    status = rng.choice(("in_transit", "in_transit", "delivered", "processing"))
    eta = day + timedelta(days=rng.randint(-3, 5) if status == "delivered" else rng.randint(1, 6))
    return {
        "order_id": case.order_id,
        "status": status,
        "carrier": rng.choice(CARRIERS),
        "estimated_delivery": eta.isoformat(),
    }


def final_answer(case: SupportCase, result: dict[str, Any]) -> str:
    """What a successful agent tells the customer; it always names the order."""
    order = case.order_id
    if case.tool == "refund_order":
        return (
            f"I've issued a refund of ${case.price_cents / 100:.2f} for order {order}. "
            "It should appear on your statement within 5 to 10 business days."
        )
    eta = date.fromisoformat(result["estimated_delivery"]).strftime("%B %d")
    if result["status"] == "delivered":
        return f"Your order {order} was delivered by {result['carrier']} on {eta}."
    if result["status"] == "processing":
        return f"Your order {order} is still being prepared and should arrive around {eta}."
    return f"Your order {order} is on its way with {result['carrier']} and should arrive by {eta}."
