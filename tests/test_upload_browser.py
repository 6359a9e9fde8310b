"""In a real browser: a run file over 5 MB, as most presets write, opens from the sidebar (the
server's upload cap fits run files), while a text upload keeps its 5 MB cap."""

import pytest

import rnnviz
from rnnviz.runfile import save_run
from scripts import harness

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def big_run_file(tmp_path_factory):
    """A Reber-grammar LSTM whose 21 records make a file of about 13 MiB."""
    path = tmp_path_factory.mktemp("runs") / "reber.npz"
    cfg = rnnviz.RunConfig(cell="lstm", task="reber", hidden_size=32, seq_len=60, steps=100,
                           record_every=5, probe_size=16)
    save_run(rnnviz.train(cfg), path)
    assert path.stat().st_size > 6 * 2**20  # over the old 5 MB cap, or this test shows nothing
    return path


def test_a_large_run_file_opens_and_a_text_upload_keeps_its_cap(big_run_file):
    with harness.Server(harness.ROOT / "test-output" / "upload-server.log") as server, \
            harness.browser() as chrome:
        context = chrome.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            page.goto(server.url)
            harness.wait_idle(page)
            page.locator("[data-testid='stSidebar'] input[type='file']").set_input_files(str(big_run_file))
            page.wait_for_selector("text=Opened reber.npz", timeout=120_000)
            harness.wait_idle(page)
            assert page.locator("[data-testid='stSidebar']").get_by_text("reber.npz · lstm · reber").count()
            assert not harness.problems(page)
            page.goto(server.url + "train?task=chars")  # a text task: its uploader says its own cap
            harness.wait_idle(page)
            # a text task's Task settings start open, with the text's uploader
            page.get_by_text("Upload a text").first.wait_for(state="visible")
            assert page.get_by_text("5MB per file").first.is_visible()
            assert page.locator("[data-testid='stSidebar']").get_by_text("128MB per file").count() == 1
        finally:
            context.close()
