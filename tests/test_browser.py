"""
The public certificate page in a real browser: Debian's headless Chromium, driven by Playwright,
against a live server on 127.0.0.1 — console and network clean, share links, the copy button,
print to one landscape page, axe-core (WCAG 2.1 AA), a strict Content-Security-Policy, and RTL.

Needs /usr/bin/chromium (``scripts/bootstrap.sh`` installs it). Without it the module is skipped,
except in CI (``CI`` set), where a missing browser is a failure. Never runs ``playwright install``.
Screenshots are taken only when CREDENTIALS_PLUGIN_SCREENSHOTS names a folder outside the repo.
"""

import io
import os
import re
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"CI is set but {CHROMIUM} is missing: scripts/bootstrap.sh installs it", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium, or run scripts/bootstrap.sh)", allow_module_level=True
    )

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from credentials_plugin import api  # noqa: E402
from credentials_plugin.models import CourseRoleFacts, Organization, Signatory  # noqa: E402
from tests.conftest import COURSE, send_grade, send_passing  # noqa: E402

# One live server and one Chromium for the module: --dist loadgroup runs it on one xdist worker.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("links_point_at_the_live_server"),
]

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers have a small /dev/shm
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
STRICT_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
PDF_PAGE = re.compile(rb"/Type\s*/Page[^s]")
REPO = Path(__file__).resolve().parent.parent


class AccessibilityFinding(UserWarning):
    """A minor or moderate axe-core finding: reported, not failed."""


# --- The browser, once per module (the live server is conftest's) -------------------------------


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop on this thread; the ORM calls of the tests are
    # still plain synchronous code, so Django's guard against async contexts is lifted here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Tab:
    """A page in a fresh browser context, with everything that went wrong on it recorded."""

    def __init__(self, context, origin):
        self.context = context
        self.origin = origin
        self.page = context.new_page()
        self.console = []  # (type, text) of every console message
        self.errors = []  # console errors and uncaught exceptions
        self.failed_requests = []  # requests that failed, were refused, or answered >= 400
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.on("requestfailed", lambda request: self.failed_requests.append(f"{request.url}: {request.failure}"))
        self.page.on("response", self._on_response)
        self.document = None
        # Nothing may come from elsewhere: the page stays on its own host (privacy, and CSP).
        context.route("**/*", self._stay_on_origin)

    def _on_console(self, message):
        self.console.append((message.type, message.text))
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def _on_response(self, response):
        # A page's own status (404, 410) is what the test asks for in open(); any other is a failure.
        if response.status >= 400 and not response.request.is_navigation_request():
            self.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def _stay_on_origin(self, route):
        if route.request.url.startswith(self.origin + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.failed_requests.append(f"{route.request.url}: request to another host (blocked)")
            route.abort()

    def open(self, url, status=200):
        self.document = self.page.goto(url, wait_until="networkidle")
        assert self.document is not None and self.document.status == status, (url, self.document)
        return self.page

    def assert_clean(self):
        # Chromium logs a page's own 4xx status as "Failed to load resource": asked for, not an error.
        own = f"the server responded with a status of {self.document.status} " if self.document else None
        errors = [e for e in self.errors if not (own and own in e and f"({self.document.url})" in e)]
        assert errors == [], errors
        assert self.failed_requests == [], self.failed_requests

    def screenshot(self, name):
        """Only for a person to look at, and only into a folder outside the repository."""
        folder = os.environ.get("CREDENTIALS_PLUGIN_SCREENSHOTS")
        if not folder:
            return
        folder = Path(folder).resolve()
        if folder.is_relative_to(REPO):
            pytest.fail(f"CREDENTIALS_PLUGIN_SCREENSHOTS must be outside the repository (e.g. /tmp), not {folder}")
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture
def tab(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    yield Tab(context, live_server.url)
    context.close()


# --- Data, through the real events -----------------------------------------------------------


def award(learner, clock, **config):
    api.configure_course(COURSE, **config)
    send_grade(learner, percent=0.913, letter="A", time=clock.tick())
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert certificate.status == "awarded"
    return certificate


@pytest.fixture
def learner(make_learner, clock):
    learner = make_learner(time=clock.tick())
    learner.first_name, learner.last_name = "Zoë", "Ångström-Hopper"
    learner.save()
    return learner


@pytest.fixture
def certificate(learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University", linkedin_organization_id="1337")
    Signatory.objects.create(course_key=COURSE, name="Dr. Ada Byron", title="Dean", organization_name="Demo University")
    return award(learner, clock, show_grade=True)


# --- The tests -------------------------------------------------------------------------------


def test_the_awarded_page_renders_with_no_console_error_and_no_failed_request(tab, certificate, live_server):
    page = tab.open(certificate.public_url)
    assert certificate.public_url.startswith(live_server.url)
    assert page.locator(".learner-name").inner_text() == "Zoë Ångström-Hopper"
    assert page.locator(".course-title").inner_text() == "Certificates 101"
    assert "91%" in page.locator(".grade").inner_text()
    assert page.locator(".signatory-name").inner_text() == "Dr. Ada Byron"
    # The stylesheets applied (not only requested): the certificate has its double border.
    assert page.locator("article.certificate").evaluate("e => getComputedStyle(e).borderTopStyle") == "double"
    assert page.locator("footer img.qr").evaluate("image => image.complete && image.naturalWidth > 0")
    tab.screenshot("awarded")
    tab.assert_clean()


def share_destination(page, selector):
    """Where a share button leads: its counted link (the plugin's share endpoint) redirects there."""
    response = page.request.get(page.locator(selector).get_attribute("href"), max_redirects=0)
    assert response.status == 302, response
    return response.headers["location"]


def test_the_share_links_carry_the_right_parameters(tab, certificate):
    page = tab.open(certificate.public_url)
    linkedin = urlsplit(share_destination(page, "a.share-linkedin"))
    assert (linkedin.scheme, linkedin.netloc, linkedin.path) == ("https", "www.linkedin.com", "/profile/add")
    query = {key: values[0] for key, values in parse_qs(linkedin.query, strict_parsing=True).items()}
    issued = timezone.localtime(certificate.issued_at)
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Certificates 101",
        "organizationId": "1337",
        "issueYear": str(issued.year),
        "issueMonth": str(issued.month),
        "certUrl": certificate.public_url,
        "certId": str(certificate.uuid),
    }
    for selector, host, key in (("a.share-x", "x.com", "url"), ("a.share-facebook", "www.facebook.com", "u")):
        parts = urlsplit(share_destination(page, selector))
        assert parts.netloc == host
        assert parse_qs(parts.query)[key] == [certificate.public_url]
    mail = urlsplit(share_destination(page, "a.share-email"))
    assert mail.scheme == "mailto"
    assert certificate.public_url in parse_qs(mail.query)["body"][0]
    verify = page.locator("a.share-verify").get_attribute("href")
    assert parse_qs(urlsplit(verify).query)["certificate"] == [str(certificate.uuid)]
    tab.assert_clean()


def test_the_copy_button_copies_the_page_address(tab, certificate):
    page = tab.open(certificate.public_url)
    status = page.locator(".copy-status")
    assert status.inner_text() == ""
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_function("document.querySelector('.copy-status').textContent === 'Link copied'")
    assert page.evaluate("navigator.clipboard.readText()") == certificate.public_url
    assert status.get_attribute("aria-live") == "polite"
    tab.assert_clean()


# Landscape paper, in millimetres, and the page margin certificate.css asks for (@page).
PAPERS = {"A4": (297, 210), "Letter": (279.4, 215.9)}
PRINT_MARGIN_MM = 8

# Parts of the certificate that stick out of its frame: its border, or the inner rule its
# outline draws (a negative outline-offset), whichever is further in. They would print over it.
OVERFLOWING = """certificate => {
  const box = certificate.getBoundingClientRect(), style = getComputedStyle(certificate);
  const rule = style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth) - parseFloat(style.outlineOffset);
  const inset = side => Math.max(parseFloat(style["border" + side + "Width"]), rule);
  const frame = {top: box.top + inset("Top"), bottom: box.bottom - inset("Bottom"),
                 left: box.left + inset("Left"), right: box.right - inset("Right")};
  return [...certificate.querySelectorAll("*")].filter(e => {
    const r = e.getBoundingClientRect();
    const outside = r.top < frame.top || r.bottom > frame.bottom || r.left < frame.left || r.right > frame.right;
    return r.height > 0 && outside;
  }).map(e => (typeof e.className === "string" && e.className) || e.tagName.toLowerCase());
}"""


def assert_prints_on_one_page(page, paper):
    """Print emulation at the paper's printable area: the certificate alone, whole, on one page."""
    width, height = (round((mm - 2 * PRINT_MARGIN_MM) * 96 / 25.4) for mm in PAPERS[paper])
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(media="print")
    # Every action section (share and verify; the owner's "Keep it in a wallet") stays off paper.
    assert all(section.is_hidden() for section in page.locator(".actions").all())
    assert page.locator(".banner").count() == 0 or page.locator(".banner").is_hidden()
    assert page.locator("article.certificate").is_visible()
    assert page.locator("article.certificate").evaluate(OVERFLOWING) == [], f"{paper}: content outside the frame"
    # Centred on the page: as much space above the frame as below it, and left as right.
    box = page.locator("article.certificate").bounding_box()
    gaps = (box["y"], height - box["y"] - box["height"], box["x"], width - box["x"] - box["width"])
    assert abs(gaps[0] - gaps[1]) <= 2 and abs(gaps[2] - gaps[3]) <= 2, f"{paper}: not centred, gaps {gaps}"
    assert box["height"] >= 0.9 * height, f"{paper}: a blank band under the frame ({box['height']} of {height}px)"
    pdf = page.pdf(format=paper, landscape=True, print_background=True)
    pages = len(PDF_PAGE.findall(pdf))
    assert pages == 1, f"{paper}: {pages} pages"


@pytest.mark.parametrize("paper", PAPERS)
def test_print_gives_one_landscape_page_without_the_share_section(tab, certificate, paper):
    page = tab.open(certificate.public_url)
    assert_prints_on_one_page(page, paper)
    tab.assert_clean()


def log_in(tab, user):
    """The browser gets the session of USER (made by Django's test client, stored in the database)."""
    client = Client()
    client.force_login(user)
    tab.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": tab.origin}])


def enforce_strict_csp(tab, live_server):
    """Every page of the live server comes with STRICT_CSP; ``window.__csp`` collects what it blocked."""

    def add_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    tab.page.route(f"{live_server.url}/**", add_csp)
    tab.page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )


@pytest.mark.parametrize("paper", PAPERS)
def test_print_of_a_crowded_certificate_still_gives_one_whole_page(tab, client, learner, clock, paper):
    """Long names, a long title, three signatories, seen by the owner (banner): still one whole page."""
    learner.first_name, learner.last_name = "Maria-Fernanda Alexandrina", "de los Santos Villanueva-Ørsted"
    learner.save()
    Organization.objects.create(short_name="DemoX", display_name="The Demo University of Open Learning")
    for number in range(3):
        Signatory.objects.create(
            course_key=COURSE,
            name=f"Professor Signatory {number}",
            title="Dean of Continuing Education",
            organization_name="Demo University",
        )
    title = "Advanced Topics in Distributed Systems: Consensus, Replication and Fault Tolerance at Scale"
    certificate = award(learner, clock, show_grade=True, title_override=title)
    log_in(tab, learner)
    page = tab.open(certificate.public_url)
    assert page.get_by_role("status").first.inner_text().startswith("Congratulations")
    tab.screenshot(f"crowded-{paper}-screen")
    assert_prints_on_one_page(page, paper)
    tab.screenshot(f"crowded-{paper}-print")
    tab.assert_clean()


def axe_check(tab, name):
    """axe-core with the WCAG 2.1 A/AA rules: fail on serious or critical, report the rest."""
    results = Axe().run(tab.page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    violations = results.response["violations"]
    blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
    for violation in violations:
        if violation not in blocking:
            message = f"axe on the {name} page: {violation['id']} ({violation['impact']}): {violation['help']}"
            warnings.warn(message, AccessibilityFinding, stacklevel=2)
    assert blocking == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in blocking
    )
    assert results.response["testEngine"]["name"] == "axe-core"


def test_axe_finds_no_serious_violation_on_the_awarded_page(tab, certificate):
    tab.open(certificate.public_url)
    axe_check(tab, "awarded")
    tab.assert_clean()


def test_axe_finds_no_serious_violation_on_the_revoked_page(tab, certificate):
    api.revoke_certificate(certificate.uuid, reason="Fraud")
    page = tab.open(certificate.public_url, status=410)
    assert "revoked on" in page.locator("main").inner_text()
    tab.screenshot("revoked")
    axe_check(tab, "revoked")
    tab.assert_clean()


def test_axe_finds_no_serious_violation_on_the_not_found_page(tab, db):
    page = tab.open("/credentials/certificates/6f1c5c9e-1111-4a4a-9c9c-123456789abc/", status=404)
    assert page.get_by_role("heading", level=1).inner_text() == "Certificate not found"
    tab.screenshot("not-found")
    axe_check(tab, "not-found")
    tab.assert_clean()


def test_axe_finds_no_serious_violation_on_the_verify_page(tab, certificate):
    page = tab.open("/credentials/verify/")
    page.get_by_label("Credential ID or address").fill(certificate.public_url)
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "Valid." in page.get_by_role("status").inner_text()
    tab.screenshot("verify")
    axe_check(tab, "verify")
    tab.assert_clean()


def test_the_page_works_under_a_strict_content_security_policy(tab, certificate, live_server):
    enforce_strict_csp(tab, live_server)
    page = tab.open(certificate.public_url)
    assert tab.document.headers["content-security-policy"] == STRICT_CSP
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_function("document.querySelector('.copy-status').textContent === 'Link copied'")
    assert page.evaluate("navigator.clipboard.readText()") == certificate.public_url
    assert page.evaluate("window.__csp") == []
    assert [text for _, text in tab.console if "Content Security Policy" in text] == []
    assert page.locator("article.certificate").evaluate("e => getComputedStyle(e).borderTopStyle") == "double"
    tab.assert_clean()


def test_a_right_to_left_course_renders_right_to_left(tab, learner, clock):
    certificate = award(learner, clock, language="ar")
    page = tab.open(certificate.public_url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    tab.screenshot("rtl")
    axe_check(tab, "right-to-left")
    tab.assert_clean()


# --- The learner record ----------------------------------------------------------------------

RECORD_LEARNER = ("rec_private_login", "rec.private@example.net")


@pytest.fixture
def record_holder(make_learner, clock):
    """A learner with a completed two-course program (real events), known by a distinctive username and email."""
    from opaque_keys.edx.keys import CourseKey

    from tests.conftest import send_enrollment

    username, email = RECORD_LEARNER
    learner = make_learner(username, enroll=False)
    learner.email, learner.first_name, learner.last_name = email, "Lin", "Mbeki"
    learner.save()
    courses = [CourseKey.from_string(f"course-v1:DemoX+Rec{n}+2026") for n in (1, 2)]
    api.define_program(title="Cloud Foundations", organizations=["DemoX"], requirements=[[key] for key in courses])
    for key in courses:
        api.configure_course(key, show_grade=True)
        send_enrollment(learner, course_key=key, time=clock.tick())
        send_grade(learner, percent=0.88, course_key=key, time=clock.tick())
        send_passing(learner, course_key=key, time=clock.tick())
    assert len(api.get_program_credentials_for_user(learner.id)) == 1
    return learner


def test_the_record_page_renders_with_no_console_error_and_passes_axe(tab, record_holder, live_server):
    log_in(tab, record_holder)
    page = tab.open("/credentials/records/")
    assert page.get_by_role("heading", level=1).inner_text() == "My learner record"
    assert "Cloud Foundations" in page.locator("#programs-title + article").inner_text()
    assert "Complete: all 2 courses are done." in page.locator("main").inner_text()
    assert page.locator(".record-table tbody tr").count() == 2
    tab.screenshot("record")
    axe_check(tab, "record")
    tab.assert_clean()


def test_a_share_link_opens_without_a_session_shows_no_private_detail_and_stops_when_revoked(
    tab, browser, record_holder, live_server
):
    log_in(tab, record_holder)
    page = tab.open("/credentials/records/")
    page.get_by_role("button", name="Create a share link").click()
    page.wait_for_load_state("networkidle")
    address = page.locator(".share-address").input_value()
    assert address.startswith(f"{live_server.url}/credentials/records/")
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_function("document.querySelector('.copy-status').textContent === 'Link copied'")
    assert page.evaluate("navigator.clipboard.readText()") == address

    stranger_context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        stranger = Tab(stranger_context, live_server.url)
        shared = stranger.open(address)
        html = shared.content()
        assert "Lin Mbeki" in html and "Cloud Foundations" in html
        for private in RECORD_LEARNER:
            assert private not in html
        assert shared.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
        axe_check(stranger, "shared record")
        stranger.assert_clean()

        page.get_by_role("button", name=re.compile("^Revoke")).click()
        page.wait_for_load_state("networkidle")
        assert page.locator(".share-address").count() == 0
        gone = stranger.open(address, status=404)
        assert gone.get_by_role("heading", level=1).inner_text() == "Record not found"
    finally:
        stranger_context.close()
    tab.assert_clean()


@pytest.mark.parametrize("paper", PAPERS)
def test_the_program_page_is_clean_accessible_and_prints_on_one_page(tab, record_holder, paper):
    [credential] = api.get_program_credentials_for_user(record_holder.id)
    page = tab.open(credential.public_url)
    assert page.get_by_role("heading", level=1).is_visible()
    assert "Lin Mbeki" in page.locator("main").inner_text()
    assert page.locator(".credential-panel.verified").is_visible()
    axe_check(tab, "program credential")
    assert_prints_on_one_page(page, paper)
    tab.assert_clean()


# --- Screenshot checks: the certificate and its card at a desktop and a phone width -----------

WIDTHS = (1280, 375)
# What breaks a layout: a page wider than the window, or a key part hidden or cut off at its sides.
LAYOUT_PROBLEMS = """selectors => {
  const problems = [], root = document.documentElement, width = root.clientWidth;
  if (root.scrollWidth > width + 1) problems.push(`page ${root.scrollWidth}px wide in a ${width}px window`);
  for (const selector of selectors) {
    const element = document.querySelector(selector);
    if (!element) { problems.push(`${selector}: missing`); continue; }
    const box = element.getBoundingClientRect(), style = getComputedStyle(element);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") problems.push(`${selector}: not shown`);
    if (box.left < -1 || box.right > width + 1) {
      problems.push(`${selector}: ${box.left}..${box.right} outside 0..${width}`);
    }
  }
  return problems;
}"""
CERTIFICATE_PARTS = [
    ".site-header",
    ".trust-line",
    "article.certificate",
    ".learner-name",
    ".course-title",
    ".signatory-name",
    "footer img.qr",
    ".about",
    ".share-links",
    ".credential-download",
    ".site-footer",
]


def at_width(tab, width):
    tab.page.set_viewport_size({"width": width, "height": 900})


@pytest.mark.parametrize("width", WIDTHS)
def test_the_certificate_page_lays_out_at_a_desktop_and_a_phone_width(tab, certificate, width):
    at_width(tab, width)
    page = tab.open(certificate.public_url)
    assert page.evaluate(LAYOUT_PROBLEMS, CERTIFICATE_PARTS) == []
    # The trust line is near the top: on screen without scrolling, above the certificate.
    trust = page.locator(".trust-line").bounding_box()
    assert trust["y"] + trust["height"] <= 900
    assert trust["y"] < page.locator("article.certificate").bounding_box()["y"]
    assert "Verified:" in page.locator(".trust-line").inner_text()
    assert page.locator(".share img").evaluate_all("images => images.every(i => i.complete && i.naturalWidth > 0)")
    tab.screenshot(f"certificate-{width}")
    tab.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_owner_sees_their_record_link_at_both_widths(tab, client, certificate, learner, width):
    at_width(tab, width)
    log_in(tab, learner)
    page = tab.open(certificate.public_url)
    assert page.evaluate(LAYOUT_PROBLEMS, [*CERTIFICATE_PARTS, ".banner-owner", ".site-nav a[href$='/records/']"]) == []
    tab.screenshot(f"certificate-owner-{width}")
    tab.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_revoked_certificate_shows_no_certificate_at_both_widths(tab, certificate, width):
    api.revoke_certificate(certificate.uuid, reason="Academic integrity review")
    at_width(tab, width)
    page = tab.open(certificate.public_url, status=410)
    assert page.evaluate(LAYOUT_PROBLEMS, ["h1"]) == []
    assert page.locator("article.certificate").count() == 0
    tab.screenshot(f"certificate-revoked-{width}")
    tab.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_preview_card_is_a_full_non_blank_image_at_both_widths(tab, certificate, width):
    at_width(tab, width)
    page = tab.open(certificate.public_url)
    card_url = page.locator('meta[property="og:image"]').get_attribute("content")
    assert page.locator('meta[property="og:image:width"]').get_attribute("content") == "1200"
    answer = page.request.get(card_url)
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    card = Image.open(io.BytesIO(answer.body())).convert("RGB")
    assert card.size == (1200, 630)
    assert len(card.getcolors(maxcolors=1_000_000)) > 50  # text drawn on it, not a blank frame
    # Shown in the browser at this width, it scales to fit and keeps its proportions.
    tab.page.goto(card_url)
    shown = tab.page.locator("img").bounding_box()
    assert shown["width"] <= width + 1 and abs(shown["width"] / shown["height"] - 1200 / 630) < 0.02
    tab.screenshot(f"card-{width}")


# --- Nothing runs off the screen (issue #16) -----------------------------------------------------


@pytest.mark.parametrize("width", [1280, 375])
def test_the_pages_around_a_certificate_fit_the_screen(tab, certificate, learner, make_learner, live_server, width):
    """The 410 and verify pages, the record, and the staff history (long reasons, long event names)."""
    staff = make_learner("teacher", enroll=False)
    CourseRoleFacts.objects.create(user_id=staff.id, course_key=COURSE, role="instructor")
    api.revoke_certificate(certificate.uuid, reason="A" * 60 + " " + "x" * 300, actor=staff)
    tab.page.set_viewport_size({"width": width, "height": 900})

    def fits(path, status=200):
        page = tab.open(path, status=status)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
        return page

    fits(certificate.public_url, status=410)
    fits(f"/credentials/verify/?certificate={certificate.uuid}")
    log_in(tab, learner)
    fits("/credentials/records/")
    log_in(tab, staff)
    page = fits(f"/credentials/courses/{COURSE}/history/")
    reason = page.locator("td.reason").first.bounding_box()
    assert reason["x"] + reason["width"] <= width
    tab.screenshot(f"history-{width}")


# --- Add to wallet ---------------------------------------------------------------------------


def test_the_learner_adds_to_a_wallet_from_the_certificate_page(tab, certificate, learner, live_server):
    """The learner's way in: the certificate page's "Add to wallet", the offer's two codes, under a strict CSP."""

    enforce_strict_csp(tab, live_server)
    log_in(tab, learner)
    page = tab.open(certificate.public_url)
    page.get_by_role("link", name="Add to wallet").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Add to wallet").click()
    page.wait_for_load_state("networkidle")

    assert page.get_by_role("heading", level=1).inner_text() == "Add your certificate to a wallet"
    assert page.get_by_role("img", name="QR code for the Learner Credential Wallet").locator("svg").count() == 1
    assert page.get_by_role("img", name="QR code for wallets that support OpenID4VCI").locator("svg").count() == 1
    lcw = page.get_by_role("link", name="Open in the Learner Credential Wallet").get_attribute("href")
    assert lcw.startswith("https://lcw.app/request?request=")
    oid4vci = page.get_by_role("link", name="Open in my wallet app").get_attribute("href")
    assert oid4vci.startswith("openid-credential-offer://?credential_offer_uri=")
    assert page.evaluate("window.__csp") == []
    tab.screenshot("wallet-offer")
    axe_check(tab, "wallet")


# --- Learner messages and the staff engagement chart (issue #18) ------------------------------

MESSAGE_FACTS = {
    "learner_name": "Zoë Ångström-Hopper",
    "course_name": "Certificates 101",
    "program_title": "Cloud Foundations",
    "page_url": "http://testserver/credentials/certificates/x/",
    "linkedin_url": "http://testserver/credentials/certificates/x/share/linkedin/",
    "record_url": "http://testserver/credentials/records/",
    "learner_reason": "The final project was not the learner's own work.",
    "since": datetime(2026, 11, 2, tzinfo=UTC),
    "expires_at": datetime(2026, 12, 2, tzinfo=UTC),
}


@pytest.mark.parametrize("kind", ["certificate_awarded", "program_awarded", "certificate_revoked", "expiring_soon"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_axe_finds_no_serious_violation_in_a_learner_message(tab, kind, language):
    from credentials_plugin.notifications import messages

    tab.page.set_content(messages.render(kind, MESSAGE_FACTS, language).html)
    assert tab.page.locator("h1").count() == 1
    assert tab.page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    tab.screenshot(f"message-{kind}-{language}")
    axe_check(tab, f"{kind} message ({language})")


def test_the_staff_engagement_chart_renders_without_script_and_passes_axe(tab, certificate, live_server):
    from credentials_plugin.models import CourseCertificate, EngagementCount
    from tests.test_rest_api import grant, make_user

    row = CourseCertificate.objects.get(uuid=certificate.uuid)
    today = timezone.now().date()
    for back, views in enumerate([5, 0, 9, 3]):
        EngagementCount.objects.create(
            certificate=row, course_key=COURSE, day=today - timedelta(days=back), kind="view", count=views
        )
    staff = make_user("chart_staff")
    grant(staff, "staff")
    log_in(tab, staff)
    page = tab.open(f"/credentials/courses/{COURSE}/engagement/")
    chart = page.get_by_role("img", name="Views and verifications per day")
    assert chart.count() == 1 and chart.bounding_box()["width"] > 600
    assert page.locator("main script").count() == 0  # the chart is SVG drawn by the server
    tab.screenshot("staff-engagement")
    axe_check(tab, "staff engagement")
    tab.assert_clean()
