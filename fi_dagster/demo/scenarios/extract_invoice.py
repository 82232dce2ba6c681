"""Route ``extract_invoice``: one JSON-mode LLM call turns an invoice into schema'd JSON."""

from __future__ import annotations

from typing import Any

from fi_dagster.demo import semconv as oi
from fi_dagster.demo.llm import LlmReply, LlmRequest, call_llm
from fi_dagster.demo.scenarios import invoices
from fi_dagster.demo.trace_context import TraceContext

ROUTE = "extract_invoice"
ROOT_KIND = "CHAIN"
SERVICE = "invoice-extractor"
SCOPE = "openinference.instrumentation.langchain"
INVALID_JSON_RATE = 0.03
TEMPLATES = {
    "v1": "Extract the invoice fields as JSON.",
    "v2": "You extract structured data from invoices. Return the invoice number, vendor, issue "
    "date (YYYY-MM-DD), currency, total and every line item. Amounts are numbers in the "
    "invoice currency.",
}


def extract_invoice(ctx: TraceContext) -> dict[str, Any]:
    """Build one extraction trace; returns its ground-truth labels."""
    invoice = invoices.draw_invoice(ctx.rng, ctx.day)
    document = invoices.invoice_text(invoice)
    invalid = ctx.fails(INVALID_JSON_RATE)
    if invalid:
        output, defect = invoices.broken_output(ctx.rng, invoice)
    else:
        output, defect = oi.json_text(invoices.extracted(invoice)), None
    template = TEMPLATES[ctx.cohort.prompt_version]
    request = LlmRequest(
        "json_extract_llm",
        template,
        [("system", template), ("user", document)],
        hidden_prompt_tokens=ctx.rng.randint(200, 500),
        params={"response_format": invoices.RESPONSE_FORMAT},
    )
    span = call_llm(ctx, request, LlmReply(output, oi.JSON_MIME))
    if span.failed:
        labels = {"json_valid": None, "json_defect": None, "answered": False}
        return ctx.finish(document, None, labels, span.error)
    labels = {"json_valid": not invalid, "json_defect": defect, "answered": True}
    return ctx.finish(document, output, labels, output_mime=oi.JSON_MIME)
