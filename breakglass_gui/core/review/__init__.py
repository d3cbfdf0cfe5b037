"""The post-incident review (docs/rules.md §5.1): data from the journal, rendered by Jinja2
templates."""
