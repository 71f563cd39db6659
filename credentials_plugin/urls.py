"""URLs the plugin mounts in the LMS (through its plugin_app url_config)."""

from django.urls import include, path, register_converter

from credentials_plugin.web import (
    certificate_pages,
    credential_pages,
    did_document,
    engagement_pages,
    program_pages,
    record_pages,
    staff_pages,
    wallet,
)
from credentials_plugin.web.converters import CourseKeyConverter, HexUuidConverter

app_name = "credentials_plugin"
register_converter(CourseKeyConverter, "course_key")
register_converter(HexUuidConverter, "hex_uuid")
STAFF = "credentials/courses/<course_key:course_key>/"

urlpatterns = [
    path("credentials/certificates/<uuid:certificate_uuid>/", certificate_pages.certificate_page, name="certificate"),
    # Old links to the LMS's certificate pages (docs/takeover.md): where the operator routes
    # /certificates/<verify_uuid> to us, and at a path of ours the proxy can rewrite them to.
    path("certificates/<str:verify_uuid>", certificate_pages.lms_certificate_link, name="lms_certificate_link"),
    path(
        "credentials/lms-certificates/<str:verify_uuid>",
        certificate_pages.lms_certificate_link,
        name="lms_certificate_link_here",
    ),
    path(
        "credentials/certificates/<uuid:certificate_uuid>/card.png",
        certificate_pages.certificate_card,
        name="certificate_card",
    ),
    path(
        "credentials/certificates/<uuid:certificate_uuid>/qr.svg",
        certificate_pages.certificate_qr,
        name="certificate_qr",
    ),
    # A counted share click (web/engagement_pages.py): counts the network, then redirects to it.
    path(
        "credentials/certificates/<uuid:certificate_uuid>/share/<slug:network>/",
        engagement_pages.certificate_share,
        name="certificate_share",
    ),
    # Verifiable credentials (web/credential_pages.py): signed credentials, status lists, verifying.
    path(
        "credentials/certificates/<uuid:certificate_uuid>/credential.json",
        credential_pages.certificate_credential,
        name="certificate_credential",
    ),
    path(
        "credentials/programs/<uuid:credential_uuid>/credential.json",
        credential_pages.program_credential,
        name="program_credential_json",
    ),
    # "Add to wallet" and baked badges (web/wallet.py, ADR 0015).
    path("credentials/certificates/<uuid:certificate_uuid>/wallet/", wallet.wallet_page, name="certificate_wallet"),
    path("credentials/certificates/<uuid:certificate_uuid>/badge.png", wallet.badge_png, name="certificate_badge_png"),
    path("credentials/certificates/<uuid:certificate_uuid>/badge.svg", wallet.badge_svg, name="certificate_badge_svg"),
    path("credentials/wallet/exchanges/<str:secret>/", wallet.wallet_exchange, name="wallet_exchange"),
    path("credentials/wallet/oid4vci/offers/<str:secret>/", wallet.oid4vci_offer, name="oid4vci_offer"),
    path("credentials/wallet/oid4vci/token", wallet.oid4vci_token, name="oid4vci_token"),
    path("credentials/wallet/oid4vci/credential", wallet.oid4vci_credential, name="oid4vci_credential"),
    path(".well-known/openid-credential-issuer", wallet.credential_issuer_metadata, name="oid4vci_metadata"),
    path(".well-known/oauth-authorization-server", wallet.authorization_server_metadata, name="oauth_metadata"),
    path("credentials/status/<int:list_id>/", credential_pages.status_list, name="status_list"),
    path("credentials/verify/", credential_pages.verify_page, name="verify"),
    # The issuer's did:web document (web/did_document.py): at the host's root, where did:web resolvers look.
    path(".well-known/did.json", did_document.did_json, name="did_document"),
    path(
        "credentials/programs/<uuid:credential_uuid>/", program_pages.program_credential_page, name="program_credential"
    ),
    # The `credentials` service's address of a program credential (its uuid in 32 hex digits), for
    # credentials imported from it: operators route it here (docs/takeover-programs.md).
    path(
        "credentials/<hex_uuid:service_uuid>/",
        program_pages.imported_credential_redirect,
        name="imported_program_credential",
    ),
    path("credentials/programs/<uuid:credential_uuid>/qr.svg", program_pages.program_qr, name="program_credential_qr"),
    # The learner record (web/record_pages.py): the signed-in learner's own, its downloads and share links.
    path("credentials/records/", record_pages.record_page, name="record"),
    path("credentials/records/record.csv", record_pages.record_csv, name="record_csv"),
    path("credentials/records/record.json", record_pages.record_json, name="record_json"),
    path("credentials/records/share-links/", record_pages.share_link_create, name="record_share_create"),
    path(
        "credentials/records/share-links/<uuid:share_uuid>/revoke/",
        record_pages.share_link_revoke,
        name="record_share_revoke",
    ),
    path("credentials/records/<uuid:share_uuid>/", record_pages.shared_record_page, name="shared_record"),
    path(
        "credentials/records/<uuid:share_uuid>/record.json", record_pages.shared_record_json, name="shared_record_json"
    ),
    path("credentials/themes/<str:org>.css", certificate_pages.organization_theme, name="organization_theme"),
    path(
        "credentials/courses/<course_key:course_key>/preview/",
        staff_pages.certificate_preview,
        name="certificate_preview",
    ),
    # Course staff management pages (web/staff_pages.py): GET pages, and one POST-only view per change.
    path(STAFF, staff_pages.overview, name="staff_overview"),
    path(f"{STAFF}configuration/", staff_pages.configure, name="staff_configure"),
    path(f"{STAFF}certificates/", staff_pages.certificates, name="staff_certificates"),
    path(f"{STAFF}certificates.csv", staff_pages.certificates_csv, name="staff_certificates_csv"),
    path(f"{STAFF}learners/", staff_pages.learner_lookup, name="staff_learner_lookup"),
    path(f"{STAFF}learners/<str:identifier>/", staff_pages.learner, name="staff_learner"),
    path(f"{STAFF}learners/<str:identifier>/<slug:action>/", staff_pages.learner_action, name="staff_learner_action"),
    path(f"{STAFF}allowlist/", staff_pages.allowlist, name="staff_allowlist"),
    path(f"{STAFF}allowlist/add/", staff_pages.allowlist_add, name="staff_allowlist_add"),
    path(f"{STAFF}allowlist/remove/", staff_pages.allowlist_remove, name="staff_allowlist_remove"),
    path(f"{STAFF}allowlist/upload/", staff_pages.allowlist_upload, name="staff_allowlist_upload"),
    path(f"{STAFF}bulk/", staff_pages.bulk_runs, name="staff_bulk"),
    path(f"{STAFF}bulk/start/", staff_pages.bulk_start, name="staff_bulk_start"),
    path(f"{STAFF}history/", staff_pages.history, name="staff_history"),
    path(f"{STAFF}programs/", staff_pages.programs, name="staff_programs"),
    path(f"{STAFF}engagement/", staff_pages.engagement, name="staff_engagement"),
    path(
        f"{STAFF}programs/credentials/<uuid:credential_uuid>/<slug:action>/",
        staff_pages.program_credential_action,
        name="staff_program_credential_action",
    ),
    path("api/credentials_plugin/v1/", include("credentials_plugin.web.rest_api.v1.api_urls")),
]
