"""Back office for curriculum compliance (registered from learning.wagtail_hooks)."""
