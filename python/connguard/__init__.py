"""connguard: one retry policy for services that share a MySQL/MariaDB server.

The rules (policy validation, error classes, backoff schedule, decision) live in
the C++ engine, ``connguard._native``; this package is its Python face.
"""

from importlib.metadata import version as _version

from connguard._native import Decision, Policy, PolicySet, Verdict
from connguard.classification import ErrorClass, classify, error_code, is_network_error

# ``connguard.retry`` and ``connguard.retry_context`` are the decorator and the context,
# bound after their namesake modules were loaded (reach those through sys.modules).
from connguard.decorator import retry
from connguard.dsn import mask_dsn
from connguard.errors import ConnguardError, PolicyError, PoolTimeout, QueueTimeout
from connguard.events import Event, add_hook, get_hooks, remove_hook, set_hooks
from connguard.metrics import Metrics
from connguard.policy import load_policy, resolve_policy
from connguard.report import GiveUp, give_up_info
from connguard.retry import retry_call, retry_call_async
from connguard.retry_context import retry_context, retry_context_async
from connguard.testing.mode import reset_gates, set_testing

__version__ = _version("connguard")

__all__ = [
    "ConnguardError",
    "Decision",
    "ErrorClass",
    "Event",
    "GiveUp",
    "Metrics",
    "Policy",
    "PolicyError",
    "PolicySet",
    "PoolTimeout",
    "QueueTimeout",
    "Verdict",
    "__version__",
    "add_hook",
    "classify",
    "error_code",
    "get_hooks",
    "give_up_info",
    "is_network_error",
    "load_policy",
    "mask_dsn",
    "remove_hook",
    "reset_gates",
    "resolve_policy",
    "retry",
    "retry_call",
    "retry_call_async",
    "retry_context",
    "retry_context_async",
    "set_hooks",
    "set_testing",
]
