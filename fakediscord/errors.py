"""Discord's JSON error responses, raised inside REST handlers."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """An error response: ``{"message": ..., "code": ...}`` (+ ``errors`` for 50035)."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self._body = body

    def body(self) -> dict[str, Any]:
        if self._body is not None:
            return self._body
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def unauthorized() -> APIError:
    return APIError(401, 0, "401: Unauthorized")


def not_found() -> APIError:
    return APIError(404, 0, "404: Not Found")


def method_not_allowed() -> APIError:
    return APIError(405, 0, "405: Method Not Allowed")


def unknown_application() -> APIError:
    return APIError(404, 10002, "Unknown Application")


def unknown_channel() -> APIError:
    return APIError(404, 10003, "Unknown Channel")


def unknown_guild() -> APIError:
    return APIError(404, 10004, "Unknown Guild")


def unknown_member() -> APIError:
    return APIError(404, 10007, "Unknown Member")


def unknown_message() -> APIError:
    return APIError(404, 10008, "Unknown Message")


def unknown_user() -> APIError:
    return APIError(404, 10013, "Unknown User")


def unknown_webhook() -> APIError:
    return APIError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> APIError:
    return APIError(404, 10062, "Unknown interaction")


def unknown_command() -> APIError:
    return APIError(404, 10063, "Unknown application command")


def unknown_scheduled_event() -> APIError:
    return APIError(404, 10070, "Unknown Guild Scheduled Event")


def already_acknowledged() -> APIError:
    return APIError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> APIError:
    return APIError(403, 50001, "Missing Access")


def cannot_edit_other() -> APIError:
    return APIError(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> APIError:
    return APIError(400, 50006, "Cannot send an empty message")


def cannot_dm() -> APIError:
    return APIError(403, 50007, "Cannot send messages to this user")


def missing_permissions() -> APIError:
    return APIError(403, 50013, "Missing Permissions")


def wrong_channel_type() -> APIError:
    return APIError(400, 50024, "Cannot execute action on this channel type")


def thread_archived() -> APIError:
    return APIError(400, 50083, "Thread is archived")


def invalid_webhook_token() -> APIError:
    return APIError(401, 50027, "Invalid Webhook Token")


def invalid_json() -> APIError:
    return APIError(400, 50109, "The request body contains invalid JSON.")


def entity_too_large() -> APIError:
    return APIError(413, 40005, "Request entity too large")


def invalid_form_body(errors: dict[str, Any]) -> APIError:
    return APIError(400, 50035, "Invalid Form Body", errors=errors)
