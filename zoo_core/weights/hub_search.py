"""Finding colorzoo models on the Hugging Face Hub: ``colorzoo search``.

The Hub lists a model under ``library_name: colorzoo`` (the library is also one of its tags), and
the cards ``colorzoo publish`` writes say in their metadata which registered model a repo holds and
its family (``colorzoo: {model, family, distribution}``, the family also a tag). A repo whose card
does not say is asked for its ``config.json`` (a few hundred bytes). One request lists them all, with
downloads, likes and the date of the last change.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

from ..errors import ColorzooError
from .hub import cache_dir, endpoint, first_line, require_hub

LIBRARY = "colorzoo"
#: ``--sort`` choices -> the Hub's sort keys (always descending, as the Hub sorts).
SORTS = {"downloads": "downloads", "likes": "likes", "updated": "last_modified", "created": "created_at",
         "trending": "trending_score"}
EXPAND = ["cardData", "downloads", "likes", "lastModified", "library_name", "tags"]


@dataclasses.dataclass(frozen=True)
class Listing:
    """One colorzoo model on the Hub."""

    repo_id: str
    model: str | None
    """The registered model it is an instance of (its config's ``model``), None if unknown."""
    family: str | None
    distribution: str | None
    downloads: int
    likes: int
    last_modified: datetime.datetime | None
    tags: tuple[str, ...] = ()

    @property
    def hub_id(self) -> str:
        return f"hf-hub:{self.repo_id}"


def search(
    query: str | None = None, *, family: str | None = None, sort: str = "downloads", limit: int = 20
) -> list[Listing]:
    """colorzoo models on the Hub whose id contains ``query``, of one ``family`` (a tag), best first."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    if sort not in SORTS:
        raise ColorzooError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")
    if limit < 1:
        raise ColorzooError(f"--limit must be at least 1, got {limit}")
    require_hub("colorzoo search")
    filters = [LIBRARY, *([family] if family else [])]
    try:
        found = list(HfApi(endpoint=endpoint()).list_models(filter=filters, search=query or None, sort=SORTS[sort],
                                                            limit=limit, expand=EXPAND))  # type: ignore[arg-type]
    except HfHubHTTPError as exc:
        raise ColorzooError(f"{endpoint()}: the Hub answered {first_line(exc)}") from exc
    except OSError as exc:
        raise ColorzooError(f"{endpoint()}: the search failed ({first_line(exc)})") from exc
    except (ValueError, TypeError, KeyError) as exc:  # an answer that is not the Hub's listing
        raise ColorzooError(f"{endpoint()}: its answer is not a model listing ({first_line(exc)})") from exc
    return [_listing(item) for item in found]


def _listing(item: Any) -> Listing:
    card = item.card_data.to_dict() if getattr(item, "card_data", None) is not None else {}
    ours = card.get("colorzoo") if isinstance(card.get("colorzoo"), dict) else {}
    model = ours.get("model") if isinstance(ours.get("model"), str) else _config_model(item.id)
    text = {k: v if isinstance(v, str) else None for k, v in ours.items()}
    return Listing(item.id, model, text.get("family"), text.get("distribution"), int(item.downloads or 0),
                   int(item.likes or 0), item.last_modified, tuple(item.tags or ()))


def _config_model(repo_id: str) -> str | None:
    """The model a repo's config.json names, for cards that do not say (best effort: None if it cannot be read)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        path = hf_hub_download(repo_id, "config.json", endpoint=endpoint(), cache_dir=cache_dir())
        with open(path, encoding="utf-8") as handle:
            model = json.load(handle).get("model")
    except (HfHubHTTPError, OSError, ValueError, AttributeError):
        return None
    return model if isinstance(model, str) else None
