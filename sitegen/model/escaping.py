"""Text made safe for the place in a page where it goes."""

from __future__ import annotations

import json
from typing import Any


def json_for_script(data: Any) -> str:
    """JSON that is safe inside a <script> element: no `<`, `>` or `&` survive."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
