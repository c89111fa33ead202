"""The back office stays on the intranet: Wagtail's help menu links to its editor
guide and release notes on the internet, which a county network may not reach and
which are in English; only the keyboard shortcuts stay."""

from wagtail import hooks

OFF_SITE_HELP_ITEMS = {"editor-guide"}
OFF_SITE_HELP_PREFIXES = ("whats-new-in-wagtail-",)


@hooks.register("construct_help_menu")
def help_menu_without_off_site_links(request, menu_items):
    menu_items[:] = [
        item
        for item in menu_items
        if item.name not in OFF_SITE_HELP_ITEMS
        and not item.name.startswith(OFF_SITE_HELP_PREFIXES)
    ]
