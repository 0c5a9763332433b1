import pytest

@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_login_page_renders(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator("h1").inner_text() == "Sign in"
    assert page.evaluate("typeof L.Control.Draw") == "function"
    assert page.evaluate("typeof MapWidget.editor") == "function"
    assert page.js_errors == []
