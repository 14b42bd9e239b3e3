"""JSON log lines for log shippers (`--log-format json`): one object per line.

Fields passed with `extra={...}` (source, run_id, pages_fetched, pages_changed, figures,
events, duration, ...) become top-level keys, so a shipper can index them without parsing
the message text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

# `-v` or more: storage errors and the like also log their traceback (set by the CLI)
TRACEBACKS = False


def tracebacks() -> bool:
    """Whether an expected failure (disk full, database error) should show its traceback."""
    return TRACEBACKS


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message",
                                                                       "asctime", "taskName"}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created, dt.UTC)
        doc: dict[str, Any] = {
            "time": stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in doc:
                doc[key] = _plain(value)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)
