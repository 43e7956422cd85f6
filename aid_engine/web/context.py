"""The server's state, one per app: the store, the rule book, the cookie signer, the sign-in limiter, the batch
runs under way, and how big an upload may be.  Built once by `create_app`; request handlers read it from
`request.app.state.server`."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .security import AttemptLimiter, Signer

if TYPE_CHECKING:
    from ..ruleset import RuleBook
    from ..store import Store
    from ..store.users import User
    from .batches import BatchJobs
    from .notice import NoticeRules

MAX_DECLARATION = 1 << 20  # bytes of one declaration (docs/conventions.md « Inputs, outputs and limits »)
MAX_UPLOAD = 64 << 20  # bytes of one batch file sent to the server


@dataclass
class Server:
    """Everything a request handler needs besides the request."""

    store: Store
    book: RuleBook
    signer: Signer = field(default_factory=Signer)
    limiter: AttemptLimiter = field(default_factory=AttemptLimiter)
    max_upload: int = MAX_UPLOAD
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="aid-engine-serve-")))
    secure_cookies: bool = False
    jobs: Any = None  # BatchJobs, made by create_app
    tokens: dict[str, tuple[User | None, float]] = field(default_factory=dict)  # see api.TOKEN_TTL
    notice: NoticeRules = None  # type: ignore[assignment]  # read by create_app

    @property
    def batches(self) -> BatchJobs:
        return self.jobs  # type: ignore[no-any-return]


def server_of(request: Any) -> Server:
    return request.app.state.server  # type: ignore[no-any-return]


__all__ = ["MAX_DECLARATION", "MAX_UPLOAD", "Server", "server_of"]
