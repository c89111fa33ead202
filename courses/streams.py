"""Reading a StreamField's stored blocks without building block objects: the one
scan that course pages, the H5P lookup and the learner's journey share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def stream_blocks(body: Any, block_type: str) -> Iterator[tuple[str, dict]]:
    """(block id, value) of each block of `block_type` in a StreamField's stored
    data: a StreamValue, the list it stores, or the JSON text `values_list` gives.
    No query; a block without a value gives {}."""
    if hasattr(body, "raw_data"):
        blocks = body.raw_data
    elif isinstance(body, str):
        blocks = json.loads(body) if body else []
    else:
        blocks = body or []
    for block in blocks:
        if block.get("type") == block_type:
            yield str(block.get("id")), block.get("value") or {}
