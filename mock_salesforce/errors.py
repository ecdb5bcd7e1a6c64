"""Domain errors named after Salesforce ``errorCode`` values.

Views never build error bodies: they raise one of these and ``app.py`` renders the REST envelope
``[{"message", "errorCode", "fields"}]`` (or the OAuth ``{"error", "error_description"}`` shape)
with the right status, in one place.
"""
from __future__ import annotations


class SalesforceError(Exception):
    """A REST API error: HTTP status, Salesforce errorCode, message and (for DML) fields."""

    status = 400
    error_code = "UNKNOWN_EXCEPTION"

    def __init__(self, message: str, fields: list[str] | None = None, *,
                 status: int | None = None, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        if status is not None:
            self.status = status
        if error_code is not None:
            self.error_code = error_code

    def to_dict(self) -> dict:
        """One entry of the REST error envelope (also used inside DML results)."""
        body = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            body["fields"] = self.fields
        return body

    def dml_error(self) -> dict:
        """The shape of an error inside a composite/collections result (``statusCode``)."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields or []}


def _code(name: str, status: int = 400) -> type[SalesforceError]:
    return type(name, (SalesforceError,), {"status": status, "error_code": name,
                                          "__doc__": f"Salesforce errorCode {name} (HTTP {status})."})


INVALID_SESSION_ID = _code("INVALID_SESSION_ID", 401)
REQUEST_LIMIT_EXCEEDED = _code("REQUEST_LIMIT_EXCEEDED", 403)
INSUFFICIENT_ACCESS = _code("INSUFFICIENT_ACCESS", 403)
API_DISABLED_FOR_ORG = _code("API_DISABLED_FOR_ORG", 403)
NOT_FOUND = _code("NOT_FOUND", 404)
ENTITY_IS_DELETED = _code("ENTITY_IS_DELETED", 404)
METHOD_NOT_ALLOWED = _code("METHOD_NOT_ALLOWED", 405)
UNSUPPORTED_MEDIA_TYPE = _code("UNSUPPORTED_MEDIA_TYPE", 415)
UNKNOWN_EXCEPTION = _code("UNKNOWN_EXCEPTION", 500)
SERVER_UNAVAILABLE = _code("SERVER_UNAVAILABLE", 503)
INVALID_TYPE = _code("INVALID_TYPE")
INVALID_FIELD = _code("INVALID_FIELD")
INVALID_FIELD_FOR_INSERT_UPDATE = _code("INVALID_FIELD_FOR_INSERT_UPDATE")
INVALID_TYPE_ON_FIELD_IN_RECORD = _code("INVALID_TYPE_ON_FIELD_IN_RECORD")
JSON_PARSER_ERROR = _code("JSON_PARSER_ERROR")
REQUIRED_FIELD_MISSING = _code("REQUIRED_FIELD_MISSING")
STRING_TOO_LONG = _code("STRING_TOO_LONG")
MALFORMED_ID = _code("MALFORMED_ID")
MALFORMED_QUERY = _code("MALFORMED_QUERY")
INVALID_QUERY_FILTER_OPERATOR = _code("INVALID_QUERY_FILTER_OPERATOR")
INVALID_QUERY_LOCATOR = _code("INVALID_QUERY_LOCATOR")
INVALID_CROSS_REFERENCE_KEY = _code("INVALID_CROSS_REFERENCE_KEY")
INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST = _code("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
INVALID_REPLICATION_DATE = _code("INVALID_REPLICATION_DATE")
DUPLICATE_VALUE = _code("DUPLICATE_VALUE")
DUPLICATE_EXTERNAL_ID = _code("DUPLICATE_EXTERNAL_ID", 300)
EXCEEDED_ID_LIMIT = _code("EXCEEDED_ID_LIMIT")
ALL_OR_NONE_OPERATION_ROLLED_BACK = _code("ALL_OR_NONE_OPERATION_ROLLED_BACK")
INVALID_ID_FIELD = _code("INVALID_ID_FIELD")
FIELD_INTEGRITY_EXCEPTION = _code("FIELD_INTEGRITY_EXCEPTION")
INVALID_INPUT = _code("INVALID_INPUT")
QUERY_TIMEOUT = _code("QUERY_TIMEOUT")
QUERY_TOO_COMPLICATED = _code("QUERY_TOO_COMPLICATED")
PROCESSING_HALTED = _code("PROCESSING_HALTED")


class MultipleChoices(Exception):
    """Upsert by external id found several records: HTTP 300 with the list of their URLs."""

    def __init__(self, sobject: str, ids: list[str]) -> None:
        super().__init__(f"{len(ids)} {sobject} records match")
        self.sobject = sobject
        self.ids = ids


class OAuthError(Exception):
    """An OAuth endpoint error: ``{"error", "error_description"}`` with status 400 (or 401)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def to_dict(self) -> dict:
        """The OAuth error body."""
        return {"error": self.error, "error_description": self.description}


class ControlError(Exception):
    """A bad control-plane request (not part of the emulated API)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

INVALID_EMAIL_ADDRESS = _code("INVALID_EMAIL_ADDRESS")
CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY = _code("CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY")
MISSING_ARGUMENT = _code("MISSING_ARGUMENT")
# Bulk API 2.0 job errors (its codes run words together: INVALIDJOB, not INVALID_JOB).
API_ERROR = _code("API_ERROR")
INVALIDJOB = _code("INVALIDJOB")
INVALIDJOBSTATE = _code("INVALIDJOBSTATE")
INVALIDENTITY = _code("INVALIDENTITY")
LIMIT_EXCEEDED = _code("LIMIT_EXCEEDED")


class AsyncApiError(Exception):
    """A Bulk API 1.0 error: ``<error><exceptionCode>…</exceptionCode><exceptionMessage>…``
    (or ``{"exceptionCode", "exceptionMessage"}`` for JSON requests), HTTP 400 unless stated."""

    status = 400
    exception_code = "Unknown"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        """The JSON body (the XML body carries the same two elements)."""
        return {"exceptionCode": self.exception_code, "exceptionMessage": self.message}


def _async_code(name: str, status: int = 400) -> type[AsyncApiError]:
    return type(name, (AsyncApiError,), {"status": status, "exception_code": name,
                                         "__doc__": f"Bulk API 1.0 exceptionCode {name}."})


# Bulk API 1.0 exception codes (AsyncExceptionCode); a session error is HTTP 400 there, not 401.
ClientInputError = _async_code("ClientInputError")
ExceededQuota = _async_code("ExceededQuota")
FeatureNotEnabled = _async_code("FeatureNotEnabled")
InvalidBatch = _async_code("InvalidBatch")
InvalidJob = _async_code("InvalidJob")
InvalidJobState = _async_code("InvalidJobState")
InvalidOperation = _async_code("InvalidOperation")
InvalidSessionId = _async_code("InvalidSessionId")
InvalidUrl = _async_code("InvalidUrl")
InvalidXML = _async_code("InvalidXML")
Unknown = _async_code("Unknown", 500)

_ASYNC_FOR_REST = {"INVALID_SESSION_ID": InvalidSessionId, "REQUEST_LIMIT_EXCEEDED": ExceededQuota,
                   "NOT_FOUND": InvalidUrl, "METHOD_NOT_ALLOWED": InvalidUrl,
                   "JSON_PARSER_ERROR": ClientInputError, "INVALID_INPUT": ClientInputError,
                   "API_DISABLED_FOR_ORG": FeatureNotEnabled}


def async_error(error: SalesforceError) -> AsyncApiError:
    """The Bulk API 1.0 form of a REST error raised on a ``/services/async`` call (auth, limits,
    faults): the session and limit errors keep their meaning; anything else keeps its status."""
    if error.error_code == "INVALID_SESSION_ID":
        return InvalidSessionId("Invalid session id")  # Bulk 1.0's wording
    cls = _ASYNC_FOR_REST.get(error.error_code)
    if cls is not None:
        return cls(error.message)
    return Unknown(f"{error.error_code}: {error.message}", status=error.status)
