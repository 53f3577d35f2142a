"""HTTP validators and conditional GET for the JSON endpoints (issue #5 §4; docs/api.md).

* `ETag` is a hash of the response body as served (tier and language included, since they
  change the body). It is therefore exact: any change to anything the response shows, nested
  episodes, facility names and charge labels included, gives a new ETag. `If-None-Match`
  answers 304 when it matches.
* `Last-Modified` on a person is the last change to what the public sees of them: the approval
  of the version shown, or a later status change made by the calendar, kept in the approved
  row's `updated_at` (cases/projection.py). Edits waiting for review, private ones included,
  do not move it. `If-Modified-Since` is honoured on person detail when no `If-None-Match` is
  sent.
* On lists, `Last-Modified` is the latest `updated_at` among the people on the page; it does
  not move when someone merely leaves the list, so only `If-None-Match` can answer 304 there.
"""

import datetime
import hashlib

from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from rest_framework.response import Response

from api.authentication import request_tier
from lib.privacy import Tier


# For DRF views: ETag on every 200 GET, Last-Modified where the view knows it, 304s.
class ConditionalGetMixin:
    #: Whether `If-Modified-Since` alone may answer 304 (see the module docstring).
    honours_if_modified_since = False

    def last_modified(self, response: Response) -> datetime.datetime | None:
        return None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Tier and language change the body; shared caches must keep them apart.
        patch_vary_headers(response, ["Authorization", "Accept-Language"])
        if request_tier(request) is Tier.PARTNER:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, no_cache=True)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if not isinstance(response, Response):
            return response
        response.render()
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
        response["ETag"] = etag
        changed = self.last_modified(response)
        timestamp = int(changed.timestamp()) if changed else None
        if timestamp is not None:
            response["Last-Modified"] = http_date(timestamp)
        return get_conditional_response(
            request._request,
            etag=etag,
            last_modified=timestamp if self.honours_if_modified_since else None,
            response=response,
        )


def person_last_changed(person) -> datetime.datetime:
    """The last change to what the public sees of a person: the approval of the version shown,
    or a later status change made by the calendar (cases/projection.py). The approved row keeps
    it in `updated_at`; edits waiting for review do not move it."""
    return person.updated_at
