"""Which requests read the approved projection (lib/approved.py, docs/publication.md).

Deny by default: every request reads the approved tables, but those of the staff's own areas
(the admin, /personal/), which work on the working tables. A streamed response (an export)
keeps reading them while it streams, after the view has returned.
"""

from django.urls import Resolver404, resolve

from lib.approved import reading_approved

WORKING_NAMESPACES = frozenset({"admin", "staff", "imports"})


def reads_working_tables(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return bool(WORKING_NAMESPACES.intersection(match.namespaces))


def _streamed_approved(content):
    with reading_approved():
        yield from content


class ApprovedReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if reads_working_tables(request.path_info):
            return self.get_response(request)
        with reading_approved():
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = _streamed_approved(response.streaming_content)
        return response
