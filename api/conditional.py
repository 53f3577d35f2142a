"""HTTP validators and conditional GET for the JSON endpoints (issue #5 §4; docs/api.md).

* `ETag` is a hash of the response body as served (tier and language included, since they
  change the body). It is therefore exact: any change to anything the response shows, nested
  episodes, facility names and charge labels included, gives a new ETag. `If-None-Match`
  answers 304 when it matches.
* `Last-Modified` on a person is the latest write to the person's record or to any of their
  case records (episodes, custody stays, charges, releases and conditions, events, sources),
  read from the audit trail, which PostgreSQL triggers keep for every write however it is made.
  `Person.updated_at` alone would miss those: the services only touch it when a derived field
  changes. `If-Modified-Since` is honoured on person detail when no `If-None-Match` is sent.
* On lists, `Last-Modified` is the latest `updated_at` among the people on the page; it does
  not move when someone merely leaves the list, so only `If-None-Match` can answer 304 there.
"""

import datetime
import hashlib

from django.apps import apps
from django.db.models import QuerySet
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


def _audit_model(label: str):
    return apps.get_model(*label.split("."))


def person_last_changed(person) -> datetime.datetime:
    """The latest write to the person or their case records, from the audit trail (one query)."""
    detention = _audit_model("cases.DetentionAudit")
    release = _audit_model("cases.ReleaseAudit")
    # Episodes and releases that were deleted count too: their audit rows remain.
    detention_ids = detention.objects.filter(person_id=person.pk).values("id")
    release_ids = release.objects.filter(detention_id__in=detention_ids).values("id")
    writes: list[QuerySet] = [
        _audit_model("registry.PersonAudit").objects.filter(pgh_obj_id=person.pk),
        detention.objects.filter(person_id=person.pk),
        _audit_model("cases.CustodyStayAudit").objects.filter(detention_id__in=detention_ids),
        _audit_model("cases.DetentionChargeAudit").objects.filter(detention_id__in=detention_ids),
        release.objects.filter(detention_id__in=detention_ids),
        _audit_model("cases.ReleaseConditionAudit").objects.filter(release_id__in=release_ids),
        _audit_model("cases.EventAudit").objects.filter(person_id=person.pk),
        _audit_model("cases.SourceAudit").objects.filter(person_id=person.pk),
    ]
    times = [queryset.order_by().values_list("pgh_created_at") for queryset in writes]
    latest = times[0].union(*times[1:], all=True).order_by("-pgh_created_at").first()
    candidates = [person.updated_at] + ([latest[0]] if latest else [])
    return max(candidates)
