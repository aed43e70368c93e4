"""How RunPod trouble maps onto work outcomes.

TransientError
├── RunPodUnavailable     429 / 5xx / connection trouble that outlasted the retries
└── RunPodWaitTimeout     the job did not finish within the poll timeout (it was cancelled)
PermanentError
├── RunPodRejected        401 / 400 / other 4xx: the request can never succeed as sent
├── RunPodJobExpired      /status answered 404 after the grace period: the result is gone
└── RunPodJobFailed       the job ended FAILED, TIMED_OUT or CANCELLED on the provider side
"""

from actormaker.common.errors import PermanentError, TransientError


class RunPodUnavailable(TransientError):
    def __init__(self, operation: str, reason: str, *, delay: float | None = None) -> None:
        self.operation = operation
        self.reason = reason
        super().__init__(f"RunPod {operation} unavailable: {reason}", delay=delay)


class RunPodWaitTimeout(TransientError):
    def __init__(self, job_id: str, timeout: float, last_status: str | None) -> None:
        self.job_id = job_id
        super().__init__(
            f"RunPod job {job_id} did not finish within {timeout:g}s "
            f"(last status {last_status}); it was cancelled"
        )


class RunPodRejected(PermanentError):
    def __init__(self, operation: str, status_code: int, message: str) -> None:
        self.operation = operation
        self.status_code = status_code
        super().__init__(f"RunPod rejected {operation} (HTTP {status_code}): {message}")


class RunPodJobExpired(PermanentError):
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"RunPod job {job_id} expired or is unknown (HTTP 404 on /status)")


class RunPodJobFailed(PermanentError):
    def __init__(self, job_id: str, status: str, message: str) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(f"RunPod job {job_id} {status}: {message}")
