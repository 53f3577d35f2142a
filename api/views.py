"""The partner REST API, read-only (DESIGN §4, §5.5; docs/api.md).

Each view scopes its own queryset: people always start from `Person.objects.published()`,
and every count is over published people only, as on the public site. Querysets name the
columns they read (`only()`), so private columns are never even loaded.
"""

from django.db.models import Count, Prefetch, Q
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, generics, mixins, viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers
from api.authentication import request_tier
from api.conditional import ConditionalGetMixin, person_last_changed
from api.exports import data_dictionary, stream_csv, stream_jsonl
from api.filters import ExportFilter, PersonFilter
from cases.models import (
    Charge,
    MatchStatus,
    ReleaseClaim,
    ReleaseClaimName,
    Source,
    public_profile_prefetches,
)
from facilities.models import Facility
from lib.privacy import Tier, fields_shown_to
from lib.vocabulary import IN_CUSTODY_STATUSES, PersonStatus, VenezuelanState
from registry.models import (
    PUBLIC_ID_ALPHABET,
    PUBLIC_ID_LENGTH,
    Category,
    Person,
    PersonRedirect,
)

VALIDATION_ERROR = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description=_("Invalid parameters: each one with its messages."),
)
ERRORS = {
    401: OpenApiResponse(
        serializers.ErrorSerializer, description=_("The API key is not valid, revoked or expired.")
    ),
    429: OpenApiResponse(
        serializers.ErrorSerializer, description=_("Too many requests: see Retry-After.")
    ),
}
NOT_FOUND = {404: OpenApiResponse(serializers.ErrorSerializer, description=_("Not found."))}

# Querysets load the columns a partner may see (lib/privacy.py) and nothing else: private
# columns are never even read.
FACILITY_REFERENCE_COLUMNS = (
    "current_facility__slug",
    "current_facility__name",
    "current_facility__state",
)
# The approved version's number and time (PersonListSerializer.version, approved_at).
PERSON_COLUMNS = (
    *fields_shown_to(Person, Tier.PARTNER),
    "version",
    "state_changed_at",
    *FACILITY_REFERENCE_COLUMNS,
)
FACILITY_COLUMNS = fields_shown_to(Facility, Tier.PARTNER)


class AcceptLanguageMixin:
    """Messages in the language the client asks for (Accept-Language), Spanish by default.

    The site's LocaleMiddleware takes the language from the URL prefix and gives Spanish to
    every unprefixed path; the API has no prefix, so it reads the header itself.
    """

    def initial(self, request, *args, **kwargs):
        language = translation.get_language_from_request(request._request, check_path=False)
        translation.activate(language)
        request._request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)


# What every API view shares: conditional GET and the caller's tier in the serializer context.
class ApiView(AcceptLanguageMixin, ConditionalGetMixin):
    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            context["tier"] = Tier.PARTNER  # the schema documents every field
        else:
            context["tier"] = request_tier(self.request)
        return context


def published_people():
    return Person.objects.published().select_related("current_facility")


@extend_schema_view(
    list=extend_schema(
        summary=_("Published people"),
        description=_(
            "Published people, 50 a page by default. Filters combine (AND); `status` can be "
            "repeated (OR). With `q`, the closest names come first (at most 500) and "
            "`ordering` is ignored."
        ),
        responses={200: serializers.PersonListSerializer, 400: VALIDATION_ERROR, **ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One published person"),
        description=_(
            "With detention episodes (custody, charges, legal stage, verified release and its "
            "conditions), the public timeline and public sources. A person who is not "
            "published answers 404."
        ),
        responses={200: serializers.PersonDetailSerializer, **NOT_FOUND, **ERRORS},
    ),
)
class PersonViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    lookup_field = "public_id"
    lookup_value_regex = f"[{PUBLIC_ID_ALPHABET}]{{{PUBLIC_ID_LENGTH}}}"
    filter_backends = [DjangoFilterBackend]
    filterset_class = PersonFilter

    def get_queryset(self):
        if self.action == "retrieve":
            return self.detail_queryset()
        return (
            published_people()
            .only(*PERSON_COLUMNS)
            .order_by("first_surname", "second_surname", "given_names", "pk")
        )

    def detail_queryset(self):
        return (
            published_people().only(*PERSON_COLUMNS).prefetch_related(*public_profile_prefetches())
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PersonDetailSerializer
        return serializers.PersonListSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset  # a profile is found by its id alone
        return super().filter_queryset(queryset)

    @property
    def honours_if_modified_since(self) -> bool:
        return self.action == "retrieve"

    def retrieve(self, request, *args, **kwargs):
        public_id = kwargs[self.lookup_field]
        person = self.get_queryset().filter(public_id=public_id).first()
        if person is None:
            # A record merged into a published one leads to it, as its old address would.
            survivor = (
                PersonRedirect.objects.filter(
                    old_public_id=public_id, person__in=Person.objects.published()
                )
                .values_list("person__public_id", flat=True)
                .first()
            )
            if survivor is None:
                raise exceptions.NotFound()
            return redirect("api:person-detail", public_id=survivor, permanent=True)
        self.person = person
        return Response(self.get_serializer(person).data)

    def last_modified(self, response):
        if self.action == "retrieve":
            return person_last_changed(self.person)
        return getattr(self, "page_newest", None)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.page_newest = max((person.updated_at for person in page or ()), default=None)
        return page


def facilities_with_counts():
    return Facility.objects.only(*FACILITY_COLUMNS).with_people_held(Person.objects.published())


@extend_schema_view(
    list=extend_schema(
        summary=_("Detention facilities"),
        description=_("Most people currently held first, as on the public list of facilities."),
        responses={200: serializers.FacilitySerializer, 400: VALIDATION_ERROR, **ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One facility"),
        responses={200: serializers.FacilitySerializer, **NOT_FOUND, **ERRORS},
    ),
)
class FacilityViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.FacilitySerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return facilities_with_counts().order_by("-people_held", "name")


@extend_schema_view(
    list=extend_schema(
        summary=_("Catalogue of charges"),
        responses={200: serializers.ChargeSerializer, 400: VALIDATION_ERROR, **ERRORS},
    )
)
class ChargeViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.ChargeSerializer

    def get_queryset(self):
        charged_published = Q(detentioncharge__detention__person__in=Person.objects.published())
        return Charge.objects.annotate(
            people_charged=Count(
                "detentioncharge__detention__person", filter=charged_published, distinct=True
            )
        ).order_by("name", "id")


def _names(status: str | None = None) -> Count:
    condition = Q(names__match_status=status) if status else Q()
    return Count("names", filter=condition)


@extend_schema_view(
    list=extend_schema(
        summary=_("Official release claims"),
        description=_(
            "Releases announced by officials, newest first: how many they claimed, how many of "
            "the names they published were matched to the registry, and how many releases the "
            "registry verified. A claim never changes anyone's status."
        ),
        responses={200: serializers.ReleaseClaimSerializer, 400: VALIDATION_ERROR, **ERRORS},
    )
)
class ReleaseClaimViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.ReleaseClaimSerializer

    def get_queryset(self):
        published_matches = (
            ReleaseClaimName.objects.filter(
                match_status=MatchStatus.MATCHED, person__in=Person.objects.published()
            )
            .select_related("person")
            .only("claim_id", "person__public_id")
        )
        return (
            ReleaseClaim.objects.only(*fields_shown_to(ReleaseClaim, Tier.PARTNER))
            .annotate(
                names_listed=_names(),
                names_matched=_names(MatchStatus.MATCHED),
                names_ambiguous=_names(MatchStatus.AMBIGUOUS),
                names_unknown=_names(MatchStatus.UNKNOWN),
                names_pending=_names(MatchStatus.PENDING),
                releases_verified=Count("names", filter=Q(names__verified_released=True)),
            )
            .prefetch_related(
                Prefetch("names", queryset=published_matches, to_attr="published_matches"),
                # Prefetched, not joined: for the public, cases_source is a view (docs/
                # publication.md), which a GROUP BY on the claim cannot carry along.
                Prefetch(
                    "source",
                    queryset=Source.objects.only(
                        *fields_shown_to(Source, Tier.PARTNER),
                        "is_confidential",  # a confidential source is left out (serializer)
                    ),
                ),
            )
            .order_by("-announced_on", "-id")
        )


def _counts(rows: dict[str, int], labels: dict[str, str]) -> list[dict]:
    return [
        {"code": code, "label": str(labels.get(code, code)), "count": rows.get(code, 0)}
        for code in labels
    ]


class StatsView(ApiView, APIView):
    @extend_schema(
        summary=_("Current counts"),
        description=_(
            "Counts of published people, as on the public site, each with the statuses it "
            "includes, and the moment they were taken."
        ),
        responses={200: serializers.StatsSerializer, **ERRORS},
    )
    def get(self, request):
        published = Person.objects.published()
        by_status = published.status_counts()
        # Only a detained person has a current facility (cases.status.derive_status): these
        # are the facility pages' numbers, and they count detained people only.
        held = published.filter(current_facility__isnull=False).order_by()
        by_facility = dict(held.values_list("current_facility__slug").annotate(Count("id")))
        by_state = dict(held.values_list("current_facility__state").annotate(Count("id")))
        in_custody = published.in_custody()
        by_category = in_custody.aggregate(
            **{code: Count("id", filter=Q(categories__contains=[code])) for code in Category.values}
        )
        facilities = Facility.objects.order_by("name").values_list("slug", "name")
        statuses = [status.value for status in PersonStatus]
        custody_statuses = [status.value for status in IN_CUSTODY_STATUSES]
        data = {
            "as_of": timezone.now(),
            "published_people": sum(by_status.values()),
            "political_prisoners": sum(by_status.get(status, 0) for status in custody_statuses),
            "political_prisoners_statuses": custody_statuses,
            "by_status": {
                "statuses": statuses,
                "note": _("Every published person, by current status."),
                "counts": _counts(
                    by_status, {**dict(PersonStatus.choices), "": _("No status recorded")}
                ),
            },
            "by_facility": {
                "statuses": [PersonStatus.DETAINED.value],
                "note": _(
                    "People whose current place of custody is the facility, as on the facility "
                    "pages (people with whereabouts unknown have none)."
                ),
                "counts": sorted(
                    _counts(by_facility, dict(facilities)),
                    key=lambda row: (-row["count"], row["label"]),
                ),
            },
            "by_state": {
                "statuses": [PersonStatus.DETAINED.value],
                "note": _("The same people, by the state of their current place of custody."),
                "counts": _counts(by_state, dict(VenezuelanState.choices)),
            },
            "by_category": {
                "statuses": custody_statuses,
                "note": _(
                    "Political prisoners by category; a person may be in several categories."
                ),
                "counts": _counts(by_category, dict(Category.choices)),
            },
        }
        return Response(serializers.StatsSerializer(data).data)


class DataDictionaryView(ApiView, APIView):
    @extend_schema(
        summary=_("Data dictionary of the exports"),
        description=_("Every column of the exports: meaning, type, tier and possible values."),
        responses={200: serializers.DataDictionarySerializer, **ERRORS},
    )
    def get(self, request):
        data = {
            "formats": {
                "csv": _(
                    "UTF-8 with a byte order mark; comma separated; a header row; lists joined "
                    "with ';'; empty cell for no value; a cell that a spreadsheet would run "
                    "as a formula (starting with = + - @, tab or carriage return) begins with "
                    "an apostrophe."
                ),
                "jsonl": _("UTF-8, one JSON object per line; lists as arrays; null for no value."),
            },
            "fields": data_dictionary(),
        }
        return Response(serializers.DataDictionarySerializer(data).data)


class UrlDecidesFormat(BaseContentNegotiation):
    """The export's address says its format; errors are JSON whatever Accept says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return (renderers[0], renderers[0].media_type)


class ExportView(AcceptLanguageMixin, generics.GenericAPIView):
    """Streams every published person matching the list's filters (no `q`, no pages)."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = UrlDecidesFormat
    filter_backends = [DjangoFilterBackend]
    filterset_class = ExportFilter
    pagination_class = None
    media_type = ""
    extension = ""

    def get_queryset(self):
        return Person.objects.published()

    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        tier = request_tier(request)
        base_url = request.build_absolute_uri("/").rstrip("/")
        response = StreamingHttpResponse(self.stream(queryset, tier, base_url))
        response["Content-Type"] = self.media_type
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="registro-personas-{tier.value}-{stamp}.{self.extension}"'
        )
        response["Cache-Control"] = "no-store"
        patch_vary_headers(response, ["Authorization", "Accept-Language"])
        return response

    def stream(self, queryset, tier, base_url):
        raise NotImplementedError


def _export_schema(media_type: str, summary: str, operation_id: str):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=_(
            "Streamed; takes the filters of the people list except q and ordering. Columns: "
            "see the data dictionary."
        ),
        filters=True,
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.STR),
            (400, "application/json"): VALIDATION_ERROR,
            (401, "application/json"): ERRORS[401],
            (429, "application/json"): ERRORS[429],
        },
    )


class CsvExportView(ExportView):
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    @_export_schema("text/csv", _("Export of published people, CSV"), "exports_persons_csv")
    def get(self, request):
        return super().get(request)

    def stream(self, queryset, tier, base_url):
        return stream_csv(queryset, tier, base_url)


class JsonLinesExportView(ExportView):
    media_type = "application/jsonl; charset=utf-8"
    extension = "jsonl"

    @_export_schema(
        "application/jsonl", _("Export of published people, JSON lines"), "exports_persons_jsonl"
    )
    def get(self, request):
        return super().get(request)

    def stream(self, queryset, tier, base_url):
        return stream_jsonl(queryset, tier, base_url)


class SchemaView(AcceptLanguageMixin, SpectacularAPIView):
    """The OpenAPI schema, generated live (docs/openapi.yaml is its committed English copy)."""


class DocsView(AcceptLanguageMixin, SpectacularSwaggerSplitView):
    """Swagger UI over the schema, with its scripts and styles from static/vendor. The split
    view serves the start-up script as a file, and the template has no inline style: the
    Content-Security-Policy allows neither inline."""

    template_name = "api/swagger_ui.html"
