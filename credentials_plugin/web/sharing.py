"""Share links for a certificate: LinkedIn "Add to profile", X, Facebook, email."""

from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
X_POST = "https://x.com/intent/tweet"
FACEBOOK_SHARE = "https://www.facebook.com/sharer/sharer.php"


def _query(params):
    """Every value percent-encoded (spaces as %20, not +), in the given order."""
    return urlencode(params, quote_via=quote)


def linkedin_url(*, title, organization_name, linkedin_organization_id, issued_on, page_url, certificate_id):
    """LinkedIn's Add-to-profile link; the organization by id when known, else by name."""
    params = {"startTask": "CERTIFICATION_NAME", "name": title}
    if linkedin_organization_id:
        params["organizationId"] = linkedin_organization_id
    else:
        params["organizationName"] = organization_name
    params.update(
        issueYear=str(issued_on.year), issueMonth=str(issued_on.month), certUrl=page_url, certId=certificate_id
    )
    return f"{LINKEDIN_ADD_TO_PROFILE}?{_query(params)}"


def share_links(*, title, organization_name, linkedin_organization_id, issued_on, page_url, certificate_id):
    """Every share link of a certificate page, by network."""
    text = _("I earned a certificate: %(title)s") % {"title": title}
    return {
        "linkedin": linkedin_url(
            title=title,
            organization_name=organization_name,
            linkedin_organization_id=linkedin_organization_id,
            issued_on=issued_on,
            page_url=page_url,
            certificate_id=certificate_id,
        ),
        "x": f"{X_POST}?{_query({'text': text, 'url': page_url})}",
        "facebook": f"{FACEBOOK_SHARE}?{_query({'u': page_url})}",
        "email": "mailto:?" + _query({"subject": text, "body": f"{text}\n{page_url}"}),
    }
