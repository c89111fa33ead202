"""Back office for roster imports (registered from learning.wagtail_hooks)."""
