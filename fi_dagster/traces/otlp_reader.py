"""Stream one OTLP JSON Lines file into the day: parse, validate, normalize, spool.

This is the hot path of ingestion (a million spans a night): one JSON parse per line, one
pass over each span's attributes, rows as tuples, resources decoded once per line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import msgspec

from fi_dagster.traces import conventions as cv
from fi_dagster.traces.counts import FileCounts
from fi_dagster.traces.day import DayState
from fi_dagster.traces.framing import BadRecord
from fi_dagster.traces.normalize import ROW_COLUMNS, SpanNormalizer
from fi_dagster.traces.otlp import (
    AttributeDecoder,
    BadSpan,
    MalformedLine,
    NotJson,
    parse_request,
    request_spans,
    span_identity,
    span_status,
    span_times,
)
from fi_dagster.traces.otlp_model import Resource, Span

_CONVENTION = ROW_COLUMNS.index("convention")


class OtlpReader:
    """Reads OTLP files into one ``DayState``."""

    def __init__(self, day: DayState) -> None:
        self.day = day
        self.decoder = AttributeDecoder(day.config.max_attribute_chars)
        self.normalizer = SpanNormalizer(self.decoder)

    def read(self, requests: Iterable[tuple[int, bytes | BadRecord]], key: str) -> None:
        """Read the numbered export requests of file ``key`` (see ``framing``)."""
        file = FileCounts(spans_by_convention=Counter())
        for number, line in requests:
            file.lines += 1
            if line.__class__ is BadRecord:
                self._bad_line(file, key, number, line.reason, line.quarantined())
                continue
            request = self._parse(line, key, number, file)
            if request is not None:
                self._spans(request_spans(request), key, number, file)
        self.day.counts.add_file(file)

    def _parse(self, line: bytes, key: str, number: int, file: FileCounts) -> Any:
        # Reasons are kept as text: holding an exception would tie its frame (and the line)
        # into a reference cycle, which nothing collects while the cyclic GC is paused.
        try:
            return parse_request(line)
        except NotJson as exc:
            reason = f"not JSON: {exc}"
        except MalformedLine as exc:
            self._bad_line(file, key, number, str(exc), line)
            return None
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:  # keep the line, with U+FFFD for the bytes that are not text
            file.invalid_utf8_lines += 1
            try:
                return parse_request(line.decode("utf-8", errors="replace").encode())
            except MalformedLine as exc:
                reason = f"not JSON: {exc}" if isinstance(exc, NotJson) else str(exc)
        self._bad_line(file, key, number, reason, line)
        return None

    def _bad_line(self, file: FileCounts, key: str, number: int, reason: str, raw: Any) -> None:
        file.bad_lines += 1
        self.day.quarantine.add(key, number, reason, raw)

    def _spans(self, pairs: Iterable[tuple[Any, Any]], key: str, number: int, file) -> None:
        day, normalizer = self.day, self.normalizer
        resource_raw: Any = _NOT_YET
        for raw_resource, span in pairs:
            if raw_resource is not resource_raw:
                resource_raw = raw_resource
                service, resource_values = self._resource(raw_resource)
            try:
                if span.__class__ is not Span:  # a line the typed decoder refused
                    span = self.decoder.span(span)
                ids = span_identity(span)
                times = span_times(span)
            except BadSpan as exc:
                self._reject(span, (key, number), str(exc))
                continue
            except RecursionError:
                self._reject(span, (key, number), _TOO_DEEP)
                continue
            if times[1] < times[0]:
                self._reject(span, (key, number), "ends before it starts", ends_before_start=True)
                continue
            if not day.first_sighting(ids[3]):
                self._duplicate(span)
                continue
            name = span.name
            name = name if name.__class__ is str else ("" if name is None else str(name))
            try:
                row, attrs = normalizer.row(
                    ids, times, span_status(span), name, span.attributes, service, span.events, key
                )
            except RecursionError:
                self._reject(span, (key, number), _TOO_DEEP)
                continue
            self._count(row[_CONVENTION], file)
            day.resolver.observe(ids[0], ids[2] is None, times[0], name, attrs, resource_values)
            day.spool.add(row)

    def _resource(self, raw_resource: Any) -> tuple[str | None, tuple[str | None, ...]]:
        """The resource's service name and cohort values (decoded once per resource)."""
        try:
            if raw_resource is not None and raw_resource.__class__ is not Resource:
                raw_resource = self.decoder.resource(raw_resource)  # from a lenient line
            resource = self.decoder.decode(raw_resource.attributes if raw_resource else None)
        except RecursionError:
            self.decoder.wrong_type += 1
            resource = {}
        service = resource.get(cv.SERVICE_NAME)
        return service if isinstance(service, str) else None, self.day.resolver.values(resource)

    def _duplicate(self, span: Span) -> None:
        self.day.counts[self._convention_of(span)].duplicate_spans += 1

    def _convention_of(self, span: Any) -> str:
        """The convention of a span that is not kept (its odd values are not counted)."""
        try:
            attrs = self.decoder.decode(span.attributes) if isinstance(span, Span) else {}
        except RecursionError:
            attrs = {}
        self.decoder.wrong_type = self.decoder.oversized = 0
        return cv.detect_convention(attrs)

    def _count(self, convention: str, file: FileCounts) -> None:
        counts = self.day.counts[convention]
        counts.spans += 1
        file.spans_by_convention[convention] += 1
        decoder = self.decoder
        if decoder.wrong_type or decoder.oversized:
            counts.wrong_type_values += decoder.wrong_type
            counts.oversized_attributes += decoder.oversized
            self.day.odd_values_kept(decoder.wrong_type, decoder.oversized)
            decoder.wrong_type = decoder.oversized = 0

    def _reject(
        self, span: Any, where: tuple[str, int], reason: str, *, ends_before_start: bool = False
    ) -> None:
        convention = self._convention_of(span)
        raw = msgspec.to_builtins(span) if isinstance(span, Span) else span
        self.day.reject(convention, where, reason, raw, ends_before_start=ends_before_start)


_NOT_YET = object()
_TOO_DEEP = "attribute values nested too deeply"
